//! Words only at the edge: no code outside the words layer chooses by language, and a language
//! is its locale file alone. The first test reads the source of every crate; the second adds a
//! language the code has never seen (a pseudo-locale: English with every word marked `⟦…⟧`),
//! loaded from its file like a translation in progress, and renders real outputs in it.

use std::path::{Path, PathBuf};

use crate::report::{chinese_allow_list, latin_words, quoted_strings, sample_report_with, unquote};
use crate::run;

/// The words layer: the only file that may name a language or choose by one.
const WORDS_LAYER: &str = "crates/parkbench-core/src/i18n.rs";

/// What only the words layer may write: a `match` on a language, a comparison with one, a
/// language other than English by name (English stays nameable: logs, CSV files and
/// `Display` are English by design).
const BRANCHES: [&str; 8] = [
    "match lang",
    "match self.lang",
    "match v.lang",
    "== Lang::",
    "!= Lang::",
    "lang ==",
    "lang !=",
    "matches!(lang",
];

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Source without comments and without what follows the first `#[cfg(test)]` (tests may name
/// every language).
fn code_of(text: &str) -> String {
    let text = text.split("\n#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The code of every crate of the workspace and of the command line names no language but
/// English and branches on none outside the words layer; the templates of the pages and PDFs
/// compare no language either. (`Lang` cannot be matched on: it is a handle, not an enum.)
#[test]
fn no_code_outside_the_words_layer_chooses_by_language() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for e in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        rust_files(&e.path().join("src"), &mut files);
    }
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 50, "{} files", files.len());
    let mut found = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == WORDS_LAYER {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(f).unwrap());
        for (n, line) in code.lines().enumerate() {
            let named = line.match_indices("Lang::").any(|(i, _)| {
                let item: String = line[i + "Lang::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // Constants are languages; ALL is every one of them.
                item.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                    && item != "EN"
                    && item != "ALL"
            });
            if named || BRANCHES.iter().any(|b| line.contains(b)) {
                found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    // The templates: a page's or a PDF's language comes as data (its tag), never compared.
    for dir in [
        "crates/parkbench-report/src/report/templates",
        "crates/parkbench-portal/src/templates",
    ] {
        for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                if ["lang ==", "lang !=", "lang==", "lang!="]
                    .iter()
                    .any(|b| line.contains(b))
                {
                    found.push(format!(
                        "{dir}/{:?}:{}: {}",
                        e.file_name(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "a choice by language outside {WORDS_LAYER} (make it locale data, a Locale method or \
         Lang::pick):\n{}",
        found.join("\n")
    );
}

/// The pseudo-locale's marks around every word it has.
const OPEN: char = '⟦';
const CLOSE: char = '⟧';

/// A template with its literal text marked: `Score {n} of {m}` becomes `⟦Score ⟧{n}⟦ of ⟧{m}`,
/// and a plural choice `{n|row|rows}` becomes `{n|⟦row⟧|⟦rows⟧}`. Arguments stay outside the
/// marks, so a word the code hands in as an argument is checked too.
fn mark(template: &str) -> String {
    let lit = |s: &str| {
        if s.trim().is_empty() {
            s.to_string()
        } else {
            format!("{OPEN}{s}{CLOSE}")
        }
    };
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&lit(&rest[..open]));
        let inner = &rest[open + 1..open + close];
        let mut parts = inner.split('|');
        out.push('{');
        out.push_str(parts.next().unwrap_or_default());
        for p in parts {
            out.push('|');
            out.push_str(&lit(p));
        }
        out.push('}');
        rest = &rest[open + close + 1..];
    }
    out.push_str(&lit(rest));
    out
}

/// The pseudo-locale: en.toml with every message marked, its settings (`[lang]`, the money
/// scale) as they are but for the side of bilingual reference data it shows (`data_side`).
fn pseudo_locale(data_side: &str) -> String {
    fn walk(prefix: &str, t: &mut toml::Table) {
        for (k, v) in t.iter_mut() {
            let key = format!("{prefix}{k}");
            match v {
                toml::Value::Table(inner) => walk(&format!("{key}."), inner),
                toml::Value::String(s)
                    if !key.starts_with("lang.") && key != "units.money_scale" =>
                {
                    *s = mark(s);
                }
                _ => {}
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let en = std::fs::read_to_string(root.join("locales/en.toml")).unwrap();
    let mut t: toml::Table = toml::from_str(&en).unwrap();
    walk("", &mut t);
    t["lang"]["data"] = toml::Value::String(data_side.to_string());
    toml::to_string(&t).unwrap()
}

/// `text` with every marked segment taken out.
fn unmarked(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            OPEN => depth += 1,
            CLOSE => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => out.push(' '),
        }
    }
    out
}

/// The visible text of an HTML page: entities decoded, styles, scripts, citations (sources as
/// published) and code (ids) left out, tags dropped.
fn visible(html: &str) -> String {
    let mut html = html
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    for tag in ["style", "script", "code", "cite"] {
        let mut out = String::new();
        let mut rest = html.as_str();
        while let Some(i) = rest.find(&format!("<{tag}")) {
            out.push_str(&rest[..i]);
            let close = format!("</{tag}>");
            rest = rest[i..]
                .find(&close)
                .map_or("", |j| &rest[i + j + close.len()..]);
        }
        html = out + rest;
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

fn is_hanzi(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The runs of Chinese characters in `text`.
fn hanzi_runs(text: &str) -> Vec<String> {
    text.split(|c: char| !is_hanzi(c))
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

/// All the text of the files under `dirs` (the data a page may quote).
fn data_text(dirs: &[&str]) -> String {
    fn walk(dir: &Path, out: &mut String) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if let Ok(t) = std::fs::read_to_string(&p) {
                out.push_str(&t);
                out.push('\n');
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = String::new();
    for d in dirs {
        walk(&root.join(d), &mut out);
    }
    out
}

/// The README's report in a language loaded from its file (`--lang xx.toml`): the programme
/// page and every park's page, as visible text.
fn report_in(dir: &Path, data_side: &str) -> Vec<(String, String)> {
    std::fs::create_dir_all(dir).unwrap();
    let locale = dir.join("xx.toml");
    std::fs::write(&locale, pseudo_locale(data_side)).unwrap();
    let out = dir.join("report");
    sample_report_with(&out, &["--lang", locale.to_str().unwrap()]);
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(out.join("parks"))
        .unwrap()
        .chain(std::fs::read_dir(&out).unwrap())
    {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "html") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let text = visible(&std::fs::read_to_string(&path).unwrap());
            assert!(text.contains(OPEN), "{name} is not in the loaded language");
            pages.push((name, text));
        }
    }
    assert!(
        pages.iter().any(|(n, _)| n == "index.html"),
        "no programme page"
    );
    pages
}

/// A language the code has never seen, from its locale file alone: the README's report (the
/// programme page and every park's page, charts included) and a diagnostic of the command
/// line say every word in it. Shown with the Chinese side of the reference data, no English
/// word is left outside the marks but ids, units, citations and what the operator wrote (the
/// allow-list of the Chinese report); shown with the English side, no Chinese character is
/// left but what the sample data holds (park names). So a new language is its file and its
/// constant beside the others.
#[test]
fn a_language_is_its_locale_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let allowed = chinese_allow_list();
    let quoted = quoted_strings();
    let mut leaks = Vec::new();
    // The Chinese side of the reference data: English words can only come from the code.
    for (page, text) in report_in(&dir.path().join("zh-side"), "zh") {
        for word in latin_words(&unquote(&unmarked(&text), &quoted), &allowed) {
            leaks.push(format!("{page} (zh side): {word}"));
        }
    }
    // The English side: Chinese can only come from the code or the operator's data.
    let sample = data_text(&["sample-data", "indicators"]);
    for (page, text) in report_in(&dir.path().join("en-side"), "en") {
        for run in hanzi_runs(&unquote(&unmarked(&text), &quoted)) {
            if !sample.contains(&run) {
                leaks.push(format!("{page} (en side): {run}"));
            }
        }
    }
    // A diagnostic of the command line: a broken input file, validated.
    let locale = dir.path().join("xx.toml");
    std::fs::write(&locale, pseudo_locale("zh")).unwrap();
    let bad = crate::data("invalid");
    let (code, out, err) = run(&[
        "validate",
        bad.to_str().unwrap(),
        "--lang",
        locale.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(OPEN) || err.contains(OPEN), "{out}{err}");
    // What the diagnostics quote is data: the values and names of the files (and their
    // path), and the dimensions of the metric vocabulary (ids).
    let mut allowed = allowed;
    let vocab = parkbench::reference::Vocabulary::embedded().unwrap();
    allowed.extend(vocab.metrics.values().map(|m| m.dimension.clone()));
    let quoted_data = format!("{}\n{}", data_text(&["tests/data/invalid"]), bad.display());
    allowed.extend(
        quoted_data
            .split(|c: char| !c.is_ascii_alphanumeric())
            .map(str::to_string),
    );
    let said = unmarked(&format!("{out}\n{err}"));
    for word in latin_words(&unquote(&said, &quoted), &allowed) {
        leaks.push(format!("validate: {word}"));
    }
    leaks.sort();
    leaks.dedup();
    assert!(
        leaks.is_empty(),
        "words not from the locale file:\n{}",
        leaks.join("\n")
    );
}
