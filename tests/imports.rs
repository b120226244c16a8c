//! No import circles: in each crate, the modules directly under the crate
//! root (`act`, `layers`, `train`, ...) import each other in one direction
//! only, so a reader can learn a floor without the floors above it.
//!
//! The graph: one node per top-level module (`src/X.rs` or `src/X/**`; the
//! crate root `lib.rs` is not a node), and an edge `Y -> X` when code in a
//! file of `Y` names `crate::X` (also `crate::{X, ..}` and `$crate::X`), a
//! `super::` path that resolves to `X`, or a name that the crate root
//! re-exports from `X` (`crate::Result` is `error`'s). Comments, doc
//! comments and string literals do not count; all code counts, unit tests
//! (`#[cfg(test)] mod tests`) included: a test that needs a higher floor
//! (a network trained end to end) belongs in the workspace's `tests/`.
//!
//! The scanner is written by hand rather than with a parser crate: it needs
//! only identifiers, `::`, braces and the `mod` blocks that `super` counts
//! from.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn nn_core_has_no_import_circle() {
    assert_acyclic("nn-core");
}

#[test]
fn nn_macros_has_no_import_circle() {
    assert_acyclic("nn-macros");
}

/// Panics with the first circle found in `krate`'s graph, each edge with
/// the files that make it.
fn assert_acyclic(krate: &str) {
    let graph = crate_graph(krate);
    if let Some(circle) = find_circle(&graph.edges) {
        let mut message = format!("{krate}: import circle {}\n", circle.join(" -> "));
        for pair in circle.windows(2) {
            let files = &graph.evidence[&(pair[0].clone(), pair[1].clone())];
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            message += &format!("  {} -> {}: {}\n", pair[0], pair[1], files.join(", "));
        }
        panic!("{message}");
    }
}

/// The top-level import graph of one crate, and for each edge the files
/// whose code makes it.
struct Graph {
    edges: BTreeMap<String, BTreeSet<String>>,
    evidence: BTreeMap<(String, String), BTreeSet<String>>,
}

fn crate_graph(krate: &str) -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(krate).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let module_path = |file: &Path| -> Vec<String> {
        let relative = file.strip_prefix(&src).expect("a file under src");
        let mut path: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        let last = path.pop().expect("a file name");
        let stem = last.strip_suffix(".rs").expect("a .rs file");
        // `src/lib.rs` is the crate root; `X/mod.rs` is `X`.
        if stem != "mod" && !(stem == "lib" && path.is_empty()) {
            path.push(stem.to_owned());
        }
        path
    };

    let modules: BTreeSet<String> = files.iter().filter_map(|file| module_path(file).first().cloned()).collect();
    // Names the crate root re-exports from a module (`pub use error::Result;`).
    let lib = fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let reexports = root_reexports(&tokens(&lib), &modules);

    let mut graph = Graph { edges: BTreeMap::new(), evidence: BTreeMap::new() };
    for module in &modules {
        graph.edges.insert(module.clone(), BTreeSet::new());
    }
    for file in &files {
        let path = module_path(file);
        let Some(from) = path.first() else { continue };
        let text = fs::read_to_string(file).expect("a readable source file");
        for name in mentions(&tokens(&text), &path) {
            let to = match reexports.get(&name) {
                Some(module) => module,
                None if modules.contains(&name) => &name,
                None => continue,
            };
            if to != from {
                graph.edges.get_mut(from).expect("a node").insert(to.clone());
                let shown = file.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_or(file);
                graph.evidence.entry((from.clone(), to.clone())).or_default().insert(shown.display().to_string());
            }
        }
    }
    graph
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        fs::read_dir(dir).expect("a source directory").map(|entry| entry.expect("a directory entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// A circle in `edges` as `[a, b, .., a]`, or `None` if the graph is acyclic.
fn find_circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Open,
        Done,
    }
    fn visit<'a>(
        node: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, State>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(State::Done) => return None,
            Some(State::Open) => {
                let start = stack.iter().position(|&n| n == node).expect("an open node is on the stack");
                let mut circle: Vec<String> = stack[start..].iter().map(|&n| n.to_owned()).collect();
                circle.push(node.to_owned());
                return Some(circle);
            }
            None => {}
        }
        state.insert(node, State::Open);
        stack.push(node);
        for next in edges.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, state, stack) {
                return Some(circle);
            }
        }
        stack.pop();
        state.insert(node, State::Done);
        None
    }
    let mut state = BTreeMap::new();
    edges.keys().find_map(|node| visit(node, edges, &mut state, &mut Vec::new()))
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Path,
    Punct(char),
}

/// The identifiers and punctuation of Rust source, without comments,
/// string, char and number literals, and lifetimes.
fn tokens(src: &str) -> Vec<Tok> {
    let s: Vec<char> = src.chars().collect();
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            i = skip_string(&s, i + 1, None);
        } else if c == '\'' {
            // A char literal ('a', '\n', '\u{..}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                // The quote, the backslash and the escaped character.
                i += 3;
                while i < s.len() && s[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
            let word: String = s[start..i].iter().collect();
            let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
            let mut hashes = 0;
            while raw_prefix && at(i + hashes) == '#' {
                hashes += 1;
            }
            if raw_prefix && at(i + hashes) == '"' {
                // A raw string: r"..", r#".."#, br##".."##.
                i = skip_string(&s, i + hashes + 1, Some(hashes));
            } else if word == "r" && hashes == 1 && (at(i + 1).is_alphabetic() || at(i + 1) == '_') {
                // A raw identifier, r#type: read on as the identifier.
                i += 1;
                let start = i;
                while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Ident(s[start..i].iter().collect()));
            } else if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                i = skip_string(&s, i + 1, None);
            } else if word == "b" && at(i) == '\'' {
                i += 1;
                while i < s.len() && s[i] != '\'' {
                    i += if s[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            } else {
                out.push(Tok::Ident(word));
            }
        } else if c == ':' && at(i + 1) == ':' {
            out.push(Tok::Path);
            i += 2;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// The index after a string whose body starts at `i`: an ordinary string,
/// with escapes, for `raw` `None`; a raw string ending in `"` and that many
/// `#` for `Some(hashes)`.
fn skip_string(s: &[char], mut i: usize, raw: Option<usize>) -> usize {
    let hashes = raw.unwrap_or(0);
    while i < s.len() {
        if s[i] == '\\' && raw.is_none() {
            i += 2;
        } else if s[i] == '"' && (0..hashes).all(|k| s.get(i + 1 + k) == Some(&'#')) {
            return i + 1 + hashes;
        } else {
            i += 1;
        }
    }
    i
}

fn ident(tok: Option<&Tok>) -> Option<&str> {
    match tok {
        Some(Tok::Ident(word)) => Some(word),
        _ => None,
    }
}

/// The first segments named under the crate root in the code of the file
/// whose module path is `file` (`["layers", "dense"]` for
/// `src/layers/dense.rs`).
fn mentions(toks: &[Tok], file: &[String]) -> Vec<String> {
    // Inline `mod NAME {` blocks open at the current brace depth: (name,
    // depth inside it).
    let mut blocks: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut found = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        match tok {
            Tok::Punct('{') => {
                depth += 1;
                if i >= 2 && ident(toks.get(i - 2)) == Some("mod") {
                    if let Some(name) = ident(toks.get(i - 1)) {
                        blocks.push((name.to_owned(), depth));
                    }
                }
            }
            Tok::Punct('}') => {
                if blocks.last().is_some_and(|block| block.1 == depth) {
                    blocks.pop();
                }
                depth -= 1;
            }
            _ => {}
        }
        if toks.get(i + 1) != Some(&Tok::Path) {
            continue;
        }
        let below_root = match ident(Some(tok)) {
            Some("crate") => i + 2,
            Some("super") if i == 0 || toks[i - 1] != Tok::Path => {
                // `super::super::..`, counted from the file's module and the
                // inline blocks around this point.
                let mut here: Vec<&str> = file.iter().map(String::as_str).collect();
                here.extend(blocks.iter().map(|block| block.0.as_str()));
                let mut j = i;
                while ident(toks.get(j)) == Some("super") && toks.get(j + 1) == Some(&Tok::Path) {
                    here.pop();
                    j += 2;
                }
                match here.first() {
                    Some(top) => {
                        found.push((*top).to_owned());
                        continue;
                    }
                    None => j,
                }
            }
            _ => continue,
        };
        found.extend(first_segments(toks, below_root));
    }
    found
}

/// The first segments of the path or use tree at `i`: `X` for `X::..`, and
/// `X`, `Y` for `{X::.., Y}`.
fn first_segments(toks: &[Tok], i: usize) -> Vec<String> {
    match toks.get(i) {
        Some(Tok::Ident(word)) => vec![word.clone()],
        Some(Tok::Punct('{')) => {
            let mut names = Vec::new();
            let mut depth = 0;
            let mut expect = true;
            for tok in &toks[i..] {
                match tok {
                    Tok::Punct('{') => depth += 1,
                    Tok::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Punct(',') if depth == 1 => expect = true,
                    Tok::Ident(word) if depth == 1 && expect => {
                        names.push(word.clone());
                        expect = false;
                    }
                    _ => {}
                }
            }
            names
        }
        _ => Vec::new(),
    }
}

/// Names the crate root re-exports from a module, with that module:
/// `pub use error::{Error, Result};` gives `Error` and `Result` -> `error`.
fn root_reexports(toks: &[Tok], modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let mut depth = 0;
    for (i, tok) in toks.iter().enumerate() {
        match tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => depth -= 1,
            _ => {}
        }
        if depth != 0 || ident(Some(tok)) != Some("use") {
            continue;
        }
        let mut j = i + 1;
        if matches!(ident(toks.get(j)), Some("crate" | "self")) {
            j += 2;
        }
        let Some(module) = ident(toks.get(j)).filter(|name| modules.contains(*name)) else {
            continue;
        };
        // The leaves of the use tree: names followed by `,`, `}` or `;`.
        let end = toks[j..].iter().position(|t| *t == Tok::Punct(';')).map_or(toks.len(), |k| j + k);
        for k in j + 1..end {
            if let Some(name) = ident(toks.get(k)) {
                let leaf = matches!(toks.get(k + 1), Some(Tok::Punct(',' | '}' | ';')));
                if leaf && name != "self" {
                    map.insert(name.to_owned(), module.to_owned());
                }
            }
        }
    }
    map
}

fn graph(edges: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges {
        graph.entry((*from).into()).or_default().insert((*to).into());
        graph.entry((*to).into()).or_default();
    }
    graph
}

#[test]
fn finder_reports_a_circle() {
    let edges = graph(&[("act", "onnx"), ("onnx", "layers"), ("layers", "act"), ("layers", "gemm")]);
    assert_eq!(find_circle(&edges).expect("a circle").join(" -> "), "act -> onnx -> layers -> act");
}

#[test]
fn finder_accepts_a_graph_without_circles() {
    // A diamond: two paths to one node are not a circle.
    let edges = graph(&[("train", "layers"), ("train", "io"), ("layers", "gemm"), ("io", "gemm")]);
    assert_eq!(find_circle(&edges), None);
}

#[test]
fn scanner_counts_code_and_skips_comments_and_strings() {
    let src = r##"
        //! Uses crate::doc_comment in the docs only.
        use crate::{gemm::Gemm, io, self};
        use super::super::act::Relu; /* crate::block /* nested */ crate::block2 */
        fn f<'a>(x: &'a str) -> char {
            let _ = "crate::string \" crate::escaped";
            let _ = r#"crate::raw " crate::raw2"#;
            let _ = crate::error::Error::Io;
            let _ = r"C:\"; let _ = '"'; let _ = '\''; crate::after_char; b'\\'
        }
        mod inner { use super::super::sibling; }
        #[cfg(test)]
        mod tests { use crate::network; use super::super::above; }
    "##;
    let file = ["layers".to_owned(), "dense".to_owned()];
    assert_eq!(
        mentions(&tokens(src), &file),
        ["gemm", "io", "self", "act", "error", "after_char", "layers", "network", "layers"]
    );
}

#[test]
fn super_counts_from_the_file_module() {
    // In `src/io/mod.rs`, `super::` is the crate root.
    let top = ["io".to_owned()];
    assert_eq!(mentions(&tokens("use super::layers::Tensor;"), &top), ["layers"]);
    // In `src/io/read.rs`, `super::` is `io` itself.
    let nested = ["io".to_owned(), "read".to_owned()];
    assert_eq!(mentions(&tokens("use super::Dtype;"), &nested), ["io"]);
}

#[test]
fn root_reexports_name_their_module() {
    let modules: BTreeSet<String> = ["error", "progress"].map(String::from).into();
    let lib = "pub use error::{ArchitectureMismatch, Error as E, Result};\npub use progress::Verbosity;\npub mod x { pub use crate::error::Inner; }";
    let map = root_reexports(&tokens(lib), &modules);
    let names: Vec<(&str, &str)> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        names,
        [("ArchitectureMismatch", "error"), ("E", "error"), ("Result", "error"), ("Verbosity", "progress")]
    );
}
