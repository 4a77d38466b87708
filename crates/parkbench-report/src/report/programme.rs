//! The programme page: ranking, charts, level distribution, movers, method, and the parks left
//! out (with `failures.csv`).

use super::*;

/// Hands one file of the report on (to the sink, recording it as written).
pub(super) type Put<'a> = dyn FnMut(&str, &[u8]) -> Result<(), ReportError> + 'a;

/// The programme page (`index.html`, `programme.pdf`) and its charts, through `put`.
pub(super) fn page(
    input: &ReportInput,
    opts: &ReportOptions,
    env: &Environment<'static>,
    scores: &[&Score],
    footer: &str,
    put: &mut Put,
) -> Result<(), ReportError> {
    let set = &input.run.set;
    let lang = opts.lang;
    let t = labels(lang);
    let owned: Vec<Score> = scores.iter().map(|s| (*s).clone()).collect();
    let mut charts = Vec::new();
    macro_rules! pchart {
        ($c:expr, $title:expr) => {{
            let c = $c;
            let (view, png) = ChartView::new(&c, $title.to_string(), opts)?;
            if opts.html {
                put(
                    &format!("charts/programme-{}.svg", c.name()),
                    view.svg.as_bytes(),
                )?;
                if let Some(png) = png {
                    put(&format!("charts/programme-{}.png", c.name()), &png)?;
                }
            }
            charts.push(view);
        }};
    }
    pchart!(plot::Ranking::new(set, &owned, lang), t["chart_ranking"]);
    pchart!(
        plot::Scatter::new(set, &owned, &input.run.values, lang),
        t["chart_scatter"]
    );
    pchart!(
        plot::Distribution::new(set, &owned, lang),
        t["chart_distribution"]
    );
    pchart!(plot::Heatmap::new(&owned, lang), t["chart_heatmap"]);
    let ranked = parkbench_core::stats::ranking(&owned);
    let parks = ranking_rows(input, &ranked, lang);
    let failures: Vec<_> = failures(input.data, lang)
        .into_iter()
        .map(|(park, reason)| context! { park => park, reason => reason })
        .collect();
    let scored_line = text::programme_summary(lang, ranked.len(), failures.len());
    let summary = super::summary::programme(scores, input, failures.len(), lang);
    let page = context! {
        lang => lang_code(lang),
        t => t,
        st => parkbench_core::i18n::Locale::get(lang).section("status"),
        css => CSS,
        set => set_view(input, lang),
        ident => super::ident::lines(input.identification, lang),
        parks => parks,
        charts => charts,
        failures => failures,
        scored_line => scored_line,
        summary => summary,
        mc => input.programme.mc.is_some(),
        movers => movers_view(input, lang),
        method => method_view(input, lang),
        methodology => super::method::steps(input, lang),
        pathways => input.pathways.map(|(run, cat)| super::pathway::programme_view(run, cat, lang)),
        technologies => input.matches.map(|(m, tech)| super::pathway::technology_view(m, tech, lang)),
        compare => input.comparison.map(|c| c.table(lang, "../")),
        compare_top => input.comparison.is_some(),
        footer => footer,
    };
    if opts.html {
        let html = env.get_template("index.html")?.render(&page)?;
        put("index.html", html.as_bytes())?;
    }
    if opts.pdf {
        let pdf = super::pdf::render(
            super::pdf::Kind::Programme,
            super::pdf::facts(&page)?,
            &format!("{}/programme.pdf", set.id),
        )?;
        put("programme.pdf", &pdf)?;
    }
    Ok(())
}

/// The ranking's rows: rank (with its interval and whether the verdict is borderline when the
/// run drew), park, year, level, score, coverage and gate.
fn ranking_rows(
    input: &ReportInput,
    ranked: &[(Option<usize>, &Score)],
    lang: Lang,
) -> Vec<minijinja::Value> {
    let unc: BTreeMap<&str, &ParkUncertainty> = input
        .programme
        .uncertainty
        .iter()
        .map(|u| (u.park_id.as_str(), u))
        .collect();
    ranked
        .iter()
        .map(|&(rank, s)| {
            let u = unc.get(s.park_id.as_str());
            context! {
                rank_interval => u.and_then(|u| Some(format!("{}–{}", u.rank_p5?, u.rank_p95?))),
                borderline => u.is_some_and(|u| u.borderline),
                rank => rank.map_or("—".to_string(), |r| r.to_string()),
                id => s.park_id,
                name => s.park_name,
                file => format!("{}.html", s.park_id),
                year => s.year,
                level => level_label(s, lang),
                score => s.overall.score.map_or("—".to_string(), |v| format!("{v:.0}")),
                coverage => format!("{:.0} %", s.overall.coverage * 100.0),
                gate => gate_label(s.gate, lang),
            }
        })
        .collect()
}

/// Every error that left a park out: `park_id, file, line, column, message, value, expected`
/// (an empty park_id for errors that belong to no park). Text cells that a spreadsheet would
/// run as a formula are neutralised.
pub fn failures_csv(data: &Dataset, lang: Lang) -> String {
    /// A row of `failures.csv`.
    #[derive(serde::Serialize, Default)]
    struct FailureRow {
        park_id: String,
        file: String,
        line: usize,
        column: usize,
        message: String,
        value: String,
        expected: String,
    }
    let l = parkbench_core::i18n::Locale::get(lang);
    let safe = crate::outfile::csv_safe;
    crate::outfile::rows_csv(data.report.errors().map(|d| FailureRow {
        park_id: safe(d.park_id.as_deref().unwrap_or("")),
        file: safe(&d.file),
        line: d.line,
        column: d.column,
        message: safe(&l.text(&d.message)),
        value: safe(d.value.as_deref().unwrap_or("")),
        expected: safe(&d.expected.as_ref().map(|e| l.text(e)).unwrap_or_default()),
    }))
}

/// Parks left out, with their first errors.
pub fn failures(data: &Dataset, lang: Lang) -> Vec<(String, String)> {
    /// Reasons shown per park; the rest are counted.
    const SHOWN: usize = 3;
    let words = parkbench_core::i18n::Locale::get(lang);
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in data.report.errors() {
        let key = d
            .park_id
            .clone()
            .unwrap_or_else(|| words.word("report.failures_dataset"));
        out.entry(key).or_default().push(d.render(lang));
    }
    out.into_iter()
        .map(|(p, v)| {
            let n = v.len();
            let shown = v
                .into_iter()
                .take(SHOWN)
                .collect::<Vec<_>>()
                .join(&words.word("report.list_separator"));
            let text = if n > SHOWN {
                words.text(&t!("report.failures_more", shown = shown, more = n - SHOWN))
            } else {
                shown
            };
            (p, text)
        })
        .collect()
}

/// The programme's most improved and most declined parks.
pub(super) fn movers_view(input: &ReportInput, lang: Lang) -> minijinja::Value {
    let set = &input.run.set;
    let (up, down) = parkbench_core::stats::movers(&input.programme.changes, 5);
    let view = |cs: Vec<&parkbench_core::stats::YearChange>| -> Vec<minijinja::Value> {
        cs.into_iter()
            .map(|c| {
                context! {
                    id => c.park_id,
                    name => c.park_name,
                    file => format!("{}.html", c.park_id),
                    years => format!("{}→{}", c.from_year, c.to_year),
                    change => c.delta.map(|d| format!("{d:+.0}")),
                    from => c.from_score.map(|x| format!("{x:.0}")),
                    to => c.to_score.map(|x| format!("{x:.0}")),
                    levels => if c.from_level == c.to_level {
                        level_words(set, &c.to_level, lang)
                    } else {
                        format!("{} → {}", level_words(set, &c.from_level, lang), level_words(set, &c.to_level, lang))
                    },
                }
            })
            .collect()
    };
    let any = !input.programme.changes.is_empty();
    context! { any => any, up => view(up), down => view(down) }
}

/// The Monte Carlo's ranges with their sources (none when it did not run).
pub(super) fn method_view(input: &ReportInput, lang: Lang) -> minijinja::Value {
    let words = parkbench_core::i18n::Locale::get(lang);
    let (mc, ranges) = match &input.programme.mc {
        None => (false, Vec::new()),
        Some((m, cfg)) => {
            let mut ranges = vec![
                context! { applies_to => words.word("report.range_measured"), half_width => pct(cfg.data_quality.measured), source => cfg.data_quality.measured_source, status => cfg.data_quality.measured_status.as_str() },
                context! { applies_to => words.word("report.range_estimated"), half_width => pct(m.estimated_spread.unwrap_or(cfg.data_quality.estimated)), source => if m.estimated_spread.is_some() { words.word("report.range_set_for_run") } else { cfg.data_quality.estimated_source.clone() }, status => if m.estimated_spread.is_some() { "unconfirmed" } else { cfg.data_quality.estimated_status.as_str() } },
            ];
            for f in &cfg.factor {
                let applies_to = match f.applies_to.as_str() {
                    "grid" => words.word("report.range_grid"),
                    "heat" => words.word("report.range_heat"),
                    "fuel" => words.word("report.range_fuel"),
                    id => metric_name(input.vocab, id, lang),
                };
                ranges.push(context! { applies_to => applies_to, half_width => pct(f.half_width), source => f.source, status => f.status.as_str() });
            }
            (true, ranges)
        }
    };
    context! { mc => mc, ranges => ranges }
}
