//! The identification block of a report (client, preparer, issue date, data period, benchmark
//! set and its version, parkbench version, report id) in words, as label and value lines for
//! the pages, the PDFs and the workbook's cover. What the caller did not give is said to be not
//! given, never made up.

use parkbench_core::i18n::{Lang, Locale};
use parkbench_core::identification::{Identification, Month, Period};

/// How a date is shown: ISO 8601 in every language (GB/T 7408 writes it so too).
const DATE: &str = "%Y-%m-%d";

/// The block as (label, value) lines, in `lang`.
pub fn lines(id: &Identification, lang: Lang) -> Vec<(String, String)> {
    let words = Locale::get(lang);
    let not_given = || words.word("report.ident_not_given");
    let issue = &id.issue;
    let rows = [
        ("report.ident_client", issue.client.clone()),
        ("report.ident_preparer", issue.preparer.clone()),
        (
            "report.ident_issue_date",
            issue.issue_date.map(|d| d.format(DATE).to_string()),
        ),
        ("report.ident_period", Some(period(id.period, lang))),
        ("report.ident_benchmark", Some(set(id, lang))),
        (
            "report.ident_parkbench",
            Some(id.parkbench_version.to_string()),
        ),
        ("report.ident_report_id", Some(id.report_id.clone())),
    ];
    rows.into_iter()
        .map(|(key, value)| (words.raw(key).to_string(), value.unwrap_or_else(not_given)))
        .collect()
}

/// The block of a comparison page over several sets: what they share (client, preparer, issue
/// date, data period, parkbench) once, then each set and each set's report id.
pub fn comparison_lines(ids: &[Identification], lang: Lang) -> Vec<(String, String)> {
    let Some(first) = ids.first() else {
        return Vec::new();
    };
    let words = Locale::get(lang);
    let sep = words.word("report.list_separator");
    let (set_label, id_label) = (
        words.raw("report.ident_benchmark"),
        words.raw("report.ident_report_id"),
    );
    lines(first, lang)
        .into_iter()
        .map(|(label, value)| {
            if label == set_label {
                let sets: Vec<String> = ids.iter().map(|i| set(i, lang)).collect();
                (label, sets.join(&sep))
            } else if label == id_label {
                let reports: Vec<String> = ids
                    .iter()
                    .map(|i| format!("{} {}", i.set_id, i.report_id))
                    .collect();
                (label, reports.join(&sep))
            } else {
                (label, value)
            }
        })
        .collect()
}

/// The months the data covers: `2022-01 to 2024-12`.
fn period(p: Option<Period>, lang: Lang) -> String {
    let words = Locale::get(lang);
    match p {
        None => words.word("report.ident_no_data"),
        Some(p) => words.text(&t!(
            "report.ident_period_value",
            first = month(p.first),
            last = month(p.last)
        )),
    }
}

fn month(m: Month) -> String {
    format!("{:04}-{:02}", m.year, m.month)
}

/// The set's id, its version when its file states one, and the digest of its content.
fn set(id: &Identification, lang: Lang) -> String {
    let words = Locale::get(lang);
    let (set, digest) = (id.set_id.as_str(), id.set_digest.as_str());
    match &id.set_version {
        Some(v) => words.text(&t!(
            "report.ident_set_version",
            id = set,
            version = v.as_str(),
            digest = digest
        )),
        None => words.text(&t!(
            "report.ident_set_no_version",
            id = set,
            digest = digest
        )),
    }
}
