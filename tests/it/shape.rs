//! The shape the code promises, as tests: data flows one way and each stage imports only the
//! stages before it. The module graph is derived from the source of every crate of the
//! workspace (every `crate::`, `super::` and `parkbench_<crate>::` path of every file, tests
//! left out) and must have no cycle, between top-level modules or between files; and the core
//! crate links no argument parser, renderer, web server or database.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module of a source tree (`a::b` for `src/a/b.rs` or `src/a/b/mod.rs`) and its text
/// without comments and without its `#[cfg(test)]` part.
fn modules(root: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(root).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    parts.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    parts.pop();
                }
                out.insert(
                    parts.join("::"),
                    code_of(&std::fs::read_to_string(&p).unwrap()),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Source without comments and without what follows the first `#[cfg(test)]`.
fn code_of(text: &str) -> String {
    let text = match text.find("\n#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            // A `//` inside a string (a URL) is rare in paths; comments are what matters.
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a file names: `crate::a::b` and `super::c` (relative to `module`), and the
/// members of `crate::{a, b::c}` groups.
fn named_paths(module: &str, code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    for (prefix, base) in [("crate::", String::new()), ("super::", parent(module))] {
        for (i, _) in code.match_indices(prefix) {
            if i > 0 && code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[i + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(0)];
                for item in inner.split(',') {
                    let item = item.trim().trim_start_matches("self");
                    if !item.is_empty() {
                        out.push(join(&base, item.split(' ').next().unwrap_or("")));
                    }
                }
                continue;
            }
            let path: String = rest.chars().take_while(|&c| ident(c)).collect();
            out.push(join(&base, path.trim_end_matches(':')));
        }
    }
    out
}

fn parent(module: &str) -> String {
    module
        .rsplit_once("::")
        .map_or(String::new(), |(p, _)| p.to_string())
}

fn join(base: &str, path: &str) -> String {
    match (base.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (false, true) => base.to_string(),
        (false, false) => format!("{base}::{path}"),
    }
}

/// The longest module of `mods` that `path` starts with.
fn resolve<'m>(mods: &'m BTreeSet<String>, path: &str) -> Option<&'m String> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    (1..=segs.len())
        .rev()
        .find_map(|n| mods.get(&segs[..n].join("::")))
}

/// The crates of the workspace: (the name their users write, its source folder).
const CRATES: [(&str, &str); 5] = [
    ("parkbench_core", "crates/parkbench-core/src"),
    ("parkbench_report", "crates/parkbench-report/src"),
    ("parkbench_portal", "crates/parkbench-portal/src"),
    ("parkbench_synth", "crates/parkbench-synth/src"),
    ("parkbench_disk", "crates/parkbench-disk/src"),
];

/// The edges of the module graph over every crate: `crate::module` -> the modules it names
/// (not its own children or parent).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut sources = Vec::new();
    for (krate, dir) in CRATES {
        for (m, code) in modules(Path::new(dir)) {
            let node = join(krate, &m);
            names.insert(node.clone());
            sources.push((krate, m, node, code));
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (krate, m, node, code) in &sources {
        let entry = edges.entry(node.clone()).or_default();
        let mut paths: Vec<String> = named_paths(m, code)
            .into_iter()
            .map(|p| join(krate, &p))
            .collect();
        // Paths into the other crates of the workspace.
        for (other, _) in CRATES {
            let prefix = format!("{other}::");
            for (i, _) in code.match_indices(&prefix) {
                let rest: String = code[i..]
                    .chars()
                    .take_while(|&c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                    .collect();
                paths.push(rest.trim_end_matches(':').to_string());
            }
        }
        for p in paths {
            if let Some(t) = resolve(&names, &p)
                && t != node
                && t.as_str() != *krate
                && !t.starts_with(&format!("{node}::"))
                && *t != parent(node)
            {
                entry.insert(t.clone());
            }
        }
    }
    edges
}

/// The strongly connected sets of more than one node (Tarjan).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'g> {
        g: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on: BTreeSet<&'g str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'g>(t: &mut T<'g>, v: &'g str) {
        let i = t.index.len();
        t.index.insert(v, i);
        t.low.insert(v, i);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            if !t.index.contains_key(w.as_str()) {
                visit(t, w);
                let lw = t.low[w.as_str()];
                t.low.entry(v).and_modify(|l| *l = (*l).min(lw));
            } else if t.on.contains(w.as_str()) {
                let iw = t.index[w.as_str()];
                t.low.entry(v).and_modify(|l| *l = (*l).min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    let nodes: BTreeSet<&str> = g
        .iter()
        .flat_map(|(k, vs)| std::iter::once(k.as_str()).chain(vs.iter().map(String::as_str)))
        .collect();
    for v in nodes {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

/// The graph of the top-level modules of each crate (`parkbench_core::input`).
fn top_level(g: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let top = |m: &str| m.split("::").take(2).collect::<Vec<_>>().join("::");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, bs) in g {
        for b in bs {
            if top(a) != top(b) {
                out.entry(top(a)).or_default().insert(top(b));
            }
        }
    }
    out
}

#[test]
fn the_module_graph_has_no_cycle() {
    let g = graph();
    assert!(g.len() > 60, "the walk found {} modules", g.len());
    let files = cycles(&g);
    let tops = cycles(&top_level(&g));
    assert!(
        files.is_empty() && tops.is_empty(),
        "module cycles: {tops:?}; file cycles: {files:?}"
    );
    // The walk sees the imports it must: the stages read what comes before them, across crates.
    let tops = top_level(&g);
    for (a, b) in [
        ("parkbench_core::inventory", "parkbench_core::input"),
        ("parkbench_core::scoring", "parkbench_core::benchmark"),
        ("parkbench_core::pipeline", "parkbench_core::pathway"),
        ("parkbench_report::report", "parkbench_core::pipeline"),
        ("parkbench_portal::work", "parkbench_report::report"),
    ] {
        assert!(
            tops.get(a).is_some_and(|t| t.contains(b)),
            "{a} -> {b} not seen"
        );
    }
    // The test finds a cycle when there is one.
    let mut with_cycle = g.clone();
    with_cycle
        .entry("parkbench_core::units".into())
        .or_default()
        .insert("parkbench_core::pipeline".into());
    assert!(!cycles(&top_level(&with_cycle)).is_empty());
}

/// The core crate links no argument parser, renderer, web server or database: the stages can be
/// built, tested and used without them (and a change in scoring does not relink typst or sqlx
/// for the core's own tests).
#[test]
fn the_core_crate_links_no_renderer_server_parser_or_database() {
    let manifest = std::fs::read_to_string("crates/parkbench-core/Cargo.toml").unwrap();
    let deps: toml::Table = toml::from_str(&manifest).unwrap();
    let deps = deps["dependencies"].as_table().unwrap();
    for heavy in [
        "clap",
        "typst",
        "typst-pdf",
        "plotters",
        "minijinja",
        "rust_xlsxwriter",
        "axum",
        "sqlx",
        "tokio",
        "hyper",
    ] {
        assert!(
            !deps.contains_key(heavy),
            "parkbench-core depends on {heavy}"
        );
    }
    assert!(
        deps.contains_key("polars"),
        "the walk read the core's dependencies"
    );
}

/// Functions take named contexts, not argument lists: no `too_many_arguments` is allowed
/// anywhere in the workspace.
#[test]
fn no_function_is_allowed_too_many_arguments() {
    let mut found = Vec::new();
    let roots = CRATES
        .iter()
        .map(|(_, d)| *d)
        .chain(["src", "benches", "examples"]);
    for root in roots {
        for (m, code) in modules(Path::new(root)) {
            if code.contains("too_many_arguments") {
                found.push(format!("{root}: {m}"));
            }
        }
    }
    assert!(found.is_empty(), "{found:?}");
}

/// The core crate opens no file: every file a run reads besides the embedded reference data
/// comes through `world::Files` (the disk from `parkbench-disk`, memory in tests and the
/// portal). Only the `Files` trait itself may name a file handle (the one it hands over).
#[test]
fn the_core_crate_opens_no_file() {
    let mut found = Vec::new();
    for (m, code) in modules(Path::new("crates/parkbench-core/src")) {
        for (n, line) in code.lines().enumerate() {
            let opens = [
                "fs::",
                "File::open",
                "read_dir",
                "OpenOptions",
                "File::create",
            ]
            .iter()
            .any(|w| word_in(line, w));
            let the_handle = m == "world" && line.contains("Option<std::fs::File>");
            if opens && !the_handle {
                found.push(format!("{m}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the core opens files:\n{}",
        found.join("\n")
    );
    let world = &modules(Path::new("crates/parkbench-core/src"))["world"];
    assert!(world.contains("pub trait Files"), "the walk read world.rs");
}

/// The core keeps no reference data in a global: column words, limits and every other shipped
/// table reach the readers and stages as values (`reference::Vocabulary`). The one lazily
/// filled global is the words layer's locale (`i18n`), which is the words themselves. (A lazily
/// filled field of a value, such as a column of numbers' text, is no global: a `static` is.)
#[test]
fn the_core_crate_keeps_no_global_reference_data() {
    let mut found = Vec::new();
    for (m, code) in modules(Path::new("crates/parkbench-core/src")) {
        if m == "i18n" {
            continue;
        }
        for (n, line) in code.lines().enumerate() {
            let lazy = ["OnceLock", "LazyLock", "OnceCell", "LazyCell"]
                .iter()
                .any(|w| word_in(line, w));
            let global = (lazy && word_in(line, "static"))
                || ["lazy_static", "thread_local"]
                    .iter()
                    .any(|w| word_in(line, w));
            if global {
                found.push(format!("{m}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the core keeps globals:\n{}",
        found.join("\n")
    );
    let i18n = &modules(Path::new("crates/parkbench-core/src"))["i18n"];
    assert!(i18n.contains("OnceLock"), "the walk read i18n.rs");
}

/// `word` in `line` as a word of its own: `cfb::CompoundFile::open` (bytes in memory) is not
/// `File::open`.
fn word_in(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        !line[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}
