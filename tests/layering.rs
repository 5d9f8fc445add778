//! The layering written in docs/ARCHITECTURE.md holds: every `crate::` path in `src/` goes to a
//! module its layer may use, and every top-level module has a row in the table. No source file
//! has more than 1,000 lines outside its tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[path = "support/common.rs"]
mod common;
use common::root;

/// The table between the `layering:begin` and `layering:end` markers: module -> may use.
fn rules(doc: &str) -> BTreeMap<String, BTreeSet<String>> {
    let start = doc.find("<!-- layering:begin -->").expect("begin marker");
    let end = doc.find("<!-- layering:end -->").expect("end marker");
    let mut rules = BTreeMap::new();
    for line in doc[start..end].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 3, "a row has module, job, may use: {line}");
        let names = |cell: &str| -> BTreeSet<String> {
            cell.split(',')
                .map(|n| n.trim().trim_matches('`').to_owned())
                .filter(|n| !n.is_empty())
                .collect()
        };
        let module = cells[0].trim_matches('`').to_owned();
        rules.insert(module, names(cells[2]));
    }
    rules
}

/// One use of another top-level module: the file and line it is on.
#[derive(Debug, PartialEq, Eq)]
struct Edge {
    from: String,
    to: String,
    at: String,
}

/// The top-level modules a file's code (not its comments) names with `crate::`.
fn edges(module: &str, file: &str, text: &str) -> Vec<Edge> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `$crate::` in macros names this crate's root, not a module.
            let is_macro_root = rest[..i].ends_with('$');
            if !name.is_empty() && name != module && !is_macro_root {
                out.push(Edge {
                    from: module.to_owned(),
                    to: name,
                    at: format!("{file}:{}", n + 1),
                });
            }
            rest = after;
        }
    }
    out
}

/// The edges the rules do not allow.
fn violations(rules: &BTreeMap<String, BTreeSet<String>>, edges: &[Edge]) -> Vec<String> {
    edges
        .iter()
        .filter(|e| {
            !rules
                .get(&e.from)
                .is_some_and(|allowed| allowed.contains(&e.to))
        })
        .map(|e| format!("{}: `{}` uses `{}`", e.at, e.from, e.to))
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every file under `src/` with the top-level module it belongs to (`lib.rs` and `main.rs`
/// are the crate's roots, not modules).
fn modules() -> Vec<(String, PathBuf)> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let rel = path.strip_prefix(&src).expect("under src");
            let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
            let module = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
            (module != "lib" && module != "main").then_some((module, path))
        })
        .collect()
}

#[test]
fn every_crate_path_in_src_goes_down_the_layers_written_in_architecture_md() {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).expect("read doc");
    let rules = rules(&doc);
    let mut all = Vec::new();
    for (module, path) in modules() {
        let text = std::fs::read_to_string(&path).expect("read source");
        let file = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        all.extend(edges(&module, &file, &text));
    }
    assert!(
        all.len() > 50,
        "the scan found too few edges to be reading the code"
    );
    let bad = violations(&rules, &all);
    assert!(
        bad.is_empty(),
        "imports that break docs/ARCHITECTURE.md's layering:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_top_level_module_has_a_row_in_the_layering_table() {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).expect("read doc");
    let rules = rules(&doc);
    let found: BTreeSet<String> = modules().into_iter().map(|(m, _)| m).collect();
    let missing: Vec<&String> = found.iter().filter(|m| !rules.contains_key(*m)).collect();
    assert!(missing.is_empty(), "modules with no row: {missing:?}");
    let stale: Vec<&String> = rules.keys().filter(|m| !found.contains(*m)).collect();
    assert!(
        stale.is_empty(),
        "rows for modules that do not exist: {stale:?}"
    );
}

#[test]
fn the_checker_reports_an_upward_import_and_ignores_comments_and_macro_roots() {
    let doc = "<!-- layering:begin -->\n| `expr` | x | `dotnet` |\n| `model` | y | `expr` |\n<!-- layering:end -->";
    let rules = rules(doc);
    let text = "use crate::dotnet::text;\n// crate::model in a comment\n$crate::cli::x\nuse crate::model::source::Record;\n";
    let found = edges("expr", "src/expr/x.rs", text);
    assert_eq!(
        violations(&rules, &found),
        vec!["src/expr/x.rs:4: `expr` uses `model`".to_owned()]
    );
    assert!(violations(&rules, &edges("model", "m.rs", "crate::expr::Value")).is_empty());
}

/// The most lines a source file may have outside its tests (issue #13: one job per file).
const MAX_LINES: usize = 1000;

/// The lines of a source file that are not tests: a file named `tests.rs` has none, and a
/// `#[cfg(test)]` module written inline (`mod tests { … }`, up to its closing brace at the
/// start of a line) does not count.
fn lines_outside_tests(name: &str, text: &str) -> usize {
    if name == "tests.rs" {
        return 0;
    }
    let mut count = 0;
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let opens_tests = line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.starts_with("mod ") && next.trim_end().ends_with('{'));
        if opens_tests {
            lines.next();
            for inner in lines.by_ref() {
                if inner.starts_with('}') {
                    break;
                }
            }
            continue;
        }
        count += 1;
    }
    count
}

#[test]
fn lines_outside_tests_skips_inline_test_modules_and_test_files_only() {
    let code = "fn a() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\nfn b() {}\n";
    assert_eq!(lines_outside_tests("lib.rs", code), 3);
    // A `#[cfg(test)]` item that is not an inline module counts: it is not a test block.
    let declared = "#[cfg(test)]\nmod tests;\nfn a() {}\n";
    assert_eq!(lines_outside_tests("mod.rs", declared), 3);
    assert_eq!(lines_outside_tests("tests.rs", code), 0);
}

#[test]
fn no_source_file_has_more_than_1000_lines_outside_its_tests() {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "the scan found too few source files");
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).expect("read source");
            let name = path.file_name()?.to_str()?;
            let n = lines_outside_tests(name, &text);
            let rel = path.strip_prefix(root()).unwrap_or(path).display();
            (n > MAX_LINES).then(|| format!("{rel}: {n} lines"))
        })
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines outside their tests (split them along their seams):\n{}",
        long.join("\n")
    );
}
