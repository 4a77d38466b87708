//! The shape the code promises, as tests: `src/lib.rs` says data flows one way and each stage
//! imports only the stages before it. The module graph is derived from the source (every
//! `crate::` and `super::` path of every file, tests left out) and must have no cycle, between
//! top-level modules or between files.

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

/// The edges of the module graph: file -> the files it names (not its own children or parent).
fn graph(root: &Path, skip: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules(root);
    let names: BTreeSet<String> = mods.keys().cloned().collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, code) in &mods {
        if m.is_empty()
            || skip
                .iter()
                .any(|s| m == s || m.starts_with(&format!("{s}::")))
        {
            continue;
        }
        let entry = edges.entry(m.clone()).or_default();
        for p in named_paths(m, code) {
            if let Some(t) = resolve(&names, &p)
                && t != m
                && !t.is_empty()
                && !t.starts_with(&format!("{m}::"))
                && *t != parent(m)
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

fn top_level(g: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let top = |m: &str| m.split("::").next().unwrap_or("").to_string();
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
    // The binary's command line calls the library; its own modules are walked apart.
    let g = graph(Path::new("src"), &["cli"]);
    assert!(g.len() > 40, "the walk found {} modules", g.len());
    let files = cycles(&g);
    let tops = cycles(&top_level(&g));
    assert!(
        files.is_empty() && tops.is_empty(),
        "module cycles: {tops:?}; file cycles: {files:?}"
    );
    // The walk sees the imports it must: the stages read what comes before them.
    let tops = top_level(&g);
    for (a, b) in [
        ("inventory", "input"),
        ("scoring", "benchmark"),
        ("pipeline", "pathway"),
    ] {
        assert!(
            tops.get(a).is_some_and(|t| t.contains(b)),
            "{a} -> {b} not seen"
        );
    }
    // The test finds a cycle when there is one.
    let mut with_cycle = g.clone();
    with_cycle
        .entry("units".into())
        .or_default()
        .insert("report".into());
    assert!(!cycles(&top_level(&with_cycle)).is_empty());
}
