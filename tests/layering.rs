//! The layering written in docs/ARCHITECTURE.md holds: every path in `src/` that leaves its
//! top-level module (`crate::x`, `super::super::x`, in a `use` tree of any shape, in an
//! expression, a type or a macro's tokens) goes to a module its layer may use; the table
//! itself has no cycle; and every top-level module has a row in it. No source file has more
//! than 1,000 lines outside its tests.
//!
//! The code is read with `syn` rather than searched as text: a grouped or multi-line `use`
//! tree, a `super::` chain or `crate ::x` written with spaces is as much an import as
//! `crate::x::Y`, and a text search misses them (the scanner's own test holds each such form).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::visit::{self, Visit};

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

/// A cycle in the rules (`a` may use `b`, ..., which may use `a`), as its modules in order
/// with the first repeated at the end; `None` when the layers are a true order. A module
/// named in a "may use" cell without a row of its own is a dead end, not an error here
/// (`every_module_a_row_names_has_a_row_of_its_own` reports it).
fn cycle(rules: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    // Depth-first search; `path` is the chain being explored, `done` what has no cycle below.
    fn walk(
        rules: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|m| m == at) {
            let mut found = path[i..].to_vec();
            found.push(at.to_owned());
            return Some(found);
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.to_owned());
        for next in rules.get(at).into_iter().flatten() {
            if let Some(found) = walk(rules, next, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(at.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    rules
        .keys()
        .find_map(|m| walk(rules, m, &mut Vec::new(), &mut done))
}

/// What a glob over, or a rename of, the crate root is recorded as using: no rule allows it,
/// as it hides which modules the file then uses.
const ROOT: &str = "the crate root (a glob or alias of it)";

/// One use of another top-level module: the file and line it is on.
#[derive(Debug, PartialEq, Eq)]
struct Edge {
    from: String,
    to: String,
    at: String,
}

/// The module path of a file under `src/` (`provision/cycle/users.rs` is
/// `provision::cycle::users`, `provision/cycle/mod.rs` is `provision::cycle`), which
/// `super::` and `self::` are relative to.
fn module_path(rel: &str) -> Vec<String> {
    let rel = rel.strip_prefix("src/").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(str::to_owned).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.strip_suffix(".rs").unwrap_or(&last);
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_owned());
    }
    parts
}

/// Reads one file's syntax tree and records, for every path rooted at the crate
/// (`crate::`, or `entramap::` as the binary's files spell it) or climbing out with
/// `super::`, the top-level module it resolves into.
struct Scan {
    /// The module being read: the file's path, plus the inline `mod x { ... }` it is inside.
    module: Vec<String>,
    /// `(top-level module, line)` of each path that resolves to a place in the crate.
    found: Vec<(String, usize)>,
}

impl Scan {
    /// The top-level module a path names, when it starts at the crate root or climbs there
    /// (`None` for a path relative to the current scope, an extern crate, or `self::`).
    fn resolve(&self, segments: &[String]) -> Option<String> {
        let (mut base, rest): (Vec<String>, &[String]) = match segments.first()?.as_str() {
            "crate" | "entramap" => (Vec::new(), &segments[1..]),
            "self" => (self.module.clone(), &segments[1..]),
            "super" => {
                let mut base = self.module.clone();
                let mut rest = segments;
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
                (base, rest)
            }
            _ => return None,
        };
        // `use crate::x::{self, y}` leaves a `self` naming the path before it.
        base.extend(rest.iter().filter(|s| *s != "self").cloned());
        base.into_iter().next()
    }

    /// Whether a path names the crate root itself (`crate`, `entramap`, `super` chains
    /// that climb to it), which only a glob or a rename can use.
    fn is_root(&self, segments: &[String]) -> bool {
        // `crate::{self as root}` names what comes before the `self`.
        let segments: Vec<&str> = segments
            .iter()
            .map(String::as_str)
            .filter(|s| *s != "self")
            .collect();
        match segments.first().copied() {
            Some("crate" | "entramap") => segments.len() == 1,
            Some("super") => {
                let climbs = segments.iter().take_while(|s| **s == "super").count();
                climbs == segments.len() && climbs == self.module.len()
            }
            _ => false,
        }
    }

    fn record(&mut self, segments: &[String], line: usize) {
        if let Some(top) = self.resolve(segments) {
            self.found.push((top, line));
        }
    }

    /// Every leaf of a `use` tree with the path leading to it.
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.leaf(prefix, &n.ident),
            syn::UseTree::Rename(r) => {
                // `use crate as root;` (or `super as x` up to the root): every later
                // `root::model::X` would be a path this scanner cannot follow.
                let mut path = prefix.clone();
                path.push(r.ident.to_string());
                if self.is_root(&path) {
                    self.found
                        .push((ROOT.to_owned(), r.ident.span().start().line));
                }
                self.leaf(prefix, &r.ident)
            }
            syn::UseTree::Glob(g) => {
                let line = g.star_token.spans[0].start().line;
                let path = prefix.clone();
                // `use crate::*` (or `super::*` up to the root) brings every top-level module
                // into scope under its bare name, which no path here then shows.
                if self.is_root(&path) {
                    self.found.push((ROOT.to_owned(), line));
                }
                self.record(&path, line);
            }
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    fn leaf(&mut self, prefix: &[String], ident: &syn::Ident) {
        let mut path = prefix.to_vec();
        path.push(ident.to_string());
        self.record(&path, ident.span().start().line);
    }

    /// Paths in a macro's tokens (`matches!(x, crate::a::B)`, a `macro_rules!` body), which
    /// `syn` leaves unparsed: each run `crate :: a :: b` or `super :: ...`; `$crate` is the
    /// macro's own crate root, not a module.
    fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            match &trees[i] {
                TokenTree::Group(g) => {
                    self.tokens(g.stream());
                    i += 1;
                }
                TokenTree::Ident(id)
                    if matches!(id.to_string().as_str(), "crate" | "super" | "entramap")
                        && !(i > 0
                            && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '$')) =>
                {
                    let line = id.span().start().line;
                    let mut path = vec![id.to_string()];
                    let mut j = i + 1;
                    // `::` is two `:` puncts, the first joint to the second.
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(next)),
                    ) = (trees.get(j), trees.get(j + 1), trees.get(j + 2))
                    {
                        if a.as_char() != ':' || a.spacing() != Spacing::Joint || b.as_char() != ':'
                        {
                            break;
                        }
                        path.push(next.to_string());
                        j += 3;
                    }
                    if path.len() > 1 {
                        self.record(&path, line);
                    }
                    i = j;
                }
                _ => i += 1,
            }
        }
    }
}

impl<'ast> Visit<'ast> for Scan {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if m.content.is_some() {
            self.module.push(m.ident.to_string());
            visit::visit_item_mod(self, m);
            self.module.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &u.tree);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(first) = p.segments.first() {
            self.record(&segments, first.ident.span().start().line);
        }
        visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_path(&m.path);
        self.tokens(m.tokens.clone());
    }
}

/// The top-level modules a file's code (not its comments or strings) reaches, with the line
/// of each path. `file` is its path from the repository root (`src/expr/x.rs`).
fn edges(file: &str, text: &str) -> Vec<Edge> {
    let module = module_path(file);
    let Some(from) = module.first().cloned() else {
        return Vec::new();
    };
    let tree = syn::parse_file(text).unwrap_or_else(|e| {
        panic!(
            "{file}:{}: the layering scanner cannot parse this file: {e}",
            e.span().start().line
        )
    });
    let mut scan = Scan {
        module,
        found: Vec::new(),
    };
    scan.visit_file(&tree);
    // One edge per module per line: `use crate::x::{self, y}` names `x` twice.
    scan.found.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    scan.found.dedup();
    scan.found
        .into_iter()
        .filter(|(to, _)| *to != from)
        .map(|(to, line)| Edge {
            from: from.clone(),
            to,
            at: format!("{file}:{line}"),
        })
        .collect()
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

fn architecture_rules() -> BTreeMap<String, BTreeSet<String>> {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).expect("read doc");
    rules(&doc)
}

#[test]
fn every_crate_path_in_src_goes_down_the_layers_written_in_architecture_md() {
    let rules = architecture_rules();
    let mut all = Vec::new();
    for (_, path) in modules() {
        let text = std::fs::read_to_string(&path).expect("read source");
        let file = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        all.extend(edges(&file, &text));
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
    let rules = architecture_rules();
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
fn every_module_a_row_names_has_a_row_of_its_own() {
    let rules = architecture_rules();
    let unknown: Vec<String> = rules
        .iter()
        .flat_map(|(m, uses)| {
            uses.iter()
                .filter(|u| !rules.contains_key(*u))
                .map(move |u| format!("`{m}` may use `{u}`, which has no row"))
        })
        .collect();
    assert!(unknown.is_empty(), "{}", unknown.join("\n"));
}

#[test]
fn the_layering_table_has_no_cycle() {
    let rules = architecture_rules();
    assert!(rules.len() > 10, "the table was read: {rules:?}");
    if let Some(found) = cycle(&rules) {
        panic!(
            "docs/ARCHITECTURE.md's layers use each other in a circle: {}",
            found.join(" → ")
        );
    }
}

#[test]
fn the_cycle_check_finds_a_cycle_through_several_rows_and_passes_a_true_order() {
    let table = |rows: &str| {
        rules(&format!(
            "<!-- layering:begin -->\n{rows}<!-- layering:end -->"
        ))
    };
    let ordered = table("| `a` | x | |\n| `b` | x | `a` |\n| `c` | x | `a`, `b` |\n");
    assert_eq!(cycle(&ordered), None);
    let circular = table("| `a` | x | `c` |\n| `b` | x | `a` |\n| `c` | x | `b` |\n");
    assert_eq!(
        cycle(&circular),
        Some(
            vec!["a", "c", "b", "a"]
                .into_iter()
                .map(String::from)
                .collect()
        )
    );
    let itself = table("| `a` | x | `a` |\n");
    assert_eq!(cycle(&itself), Some(vec!["a".to_owned(), "a".to_owned()]));
}

/// Each way a Rust file can reach `model` from `expr`, and a line number it must be found
/// on: the scanner fails this test if it misses any one of them.
const BYPASSES: &[(&str, &str, usize)] = &[
    ("a plain use", "use crate::model::source::Record;\n", 1),
    ("a grouped use", "use crate::{model::source::Record};\n", 1),
    (
        "a use tree over lines",
        "use crate::{\n    dotnet::text,\n    model::source::Record,\n};\n",
        3,
    ),
    (
        "a nested group",
        "use crate::{dotnet::{text, model_like}, {model}};\n",
        1,
    ),
    ("a glob", "use crate::model::*;\n", 1),
    ("a rename", "use crate::model as m;\n", 1),
    (
        "`self` in a group",
        "use crate::model::{self, source};\n",
        1,
    ),
    (
        "a `super` chain",
        "use super::super::model::source::Record;\n",
        1,
    ),
    (
        "`super` out of an inline module",
        "mod inner {\n    use super::super::super::model;\n}\n",
        2,
    ),
    (
        "spaces around `::`",
        "use crate ::model::source::Record;\n",
        1,
    ),
    (
        "a path in an expression",
        "fn f() {\n    let _ = crate::model::sample::user();\n}\n",
        2,
    ),
    (
        "a path in a type",
        "fn f(_: &crate :: model::source::Record) {}\n",
        1,
    ),
    (
        "a path in a macro",
        "fn f(x: u8) -> bool {\n    matches!(x, crate::model::X)\n}\n",
        2,
    ),
    (
        "a `super` path in an expression",
        "fn f() {\n    super::super::model::f();\n}\n",
        2,
    ),
    (
        "a restricted visibility",
        "pub(in crate::model) fn f() {}\n",
        1,
    ),
];

#[test]
fn the_scanner_finds_every_way_of_naming_another_module() {
    let doc = "<!-- layering:begin -->\n| `expr` | x | `dotnet` |\n| `model` | y | `expr` |\n<!-- layering:end -->";
    let rules = rules(doc);
    for (what, text, line) in BYPASSES {
        // A file one level down (`expr::x`): `super::super` leaves `expr` for the crate root.
        let bad = violations(&rules, &edges("src/expr/x.rs", text));
        assert_eq!(
            bad,
            vec![format!("src/expr/x.rs:{line}: `expr` uses `model`")],
            "{what}: {text}"
        );
    }
}

#[test]
fn the_scanner_ignores_comments_strings_macro_roots_and_paths_that_stay_home() {
    let doc = "<!-- layering:begin -->\n| `expr` | x | `dotnet` |\n| `model` | y | `expr` |\n<!-- layering:end -->";
    let rules = rules(doc);
    let text = "use crate::dotnet::text;\n\
        // use crate::model in a comment\n\
        /// [`crate::model::X`] in a doc comment\n\
        /* crate::model */\n\
        const S: &str = \"crate::model::x\";\n\
        macro_rules! m { () => { $crate::model::x() }; }\n\
        use super::compile::Program;\n\
        use self::inner::Y;\n\
        use serde::Serialize;\n\
        fn f() { let model = 1; model::g(); std::mem::drop(model); }\n";
    let found = edges("src/expr/x.rs", text);
    assert_eq!(violations(&rules, &found), Vec::<String>::new());
    assert_eq!(
        found,
        vec![Edge {
            from: "expr".into(),
            to: "dotnet".into(),
            at: "src/expr/x.rs:1".into()
        }]
    );
    // A top-level file's `super` is the crate root.
    assert_eq!(
        violations(&rules, &edges("src/expr.rs", "use super::model::X;\n")),
        vec!["src/expr.rs:1: `expr` uses `model`".to_owned()]
    );
    assert!(
        violations(
            &rules,
            &edges(
                "src/model/mod.rs",
                "fn f() -> crate::expr::Value { todo!() }"
            )
        )
        .is_empty()
    );
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

#[test]
fn a_glob_over_or_an_alias_of_the_crate_root_is_a_violation_but_a_tests_glob_of_its_parent_is_not()
{
    let doc = "<!-- layering:begin -->\n| `expr` | x | `dotnet` |\n| `model` | y | `expr` |\n<!-- layering:end -->";
    let rules = rules(doc);
    let root = |file: &str| format!("{file}:1: `expr` uses `{ROOT}`");
    for (file, text) in [
        ("src/expr/x.rs", "use crate::*;\n"),
        ("src/expr/x.rs", "use entramap::*;\n"),
        ("src/expr/x.rs", "use super::super::*;\n"),
        ("src/expr/mod.rs", "use super::*;\n"),
        ("src/expr/x.rs", "use crate as root;\n"),
        ("src/expr/x.rs", "use crate::{self as root};\n"),
    ] {
        assert_eq!(
            violations(&rules, &edges(file, text)),
            vec![root(file)],
            "{file}: {text}"
        );
    }
    for (file, text) in [
        ("src/expr/x.rs", "mod tests {\n    use super::*;\n}\n"),
        ("src/expr/x.rs", "use super::*;\n"),
        (
            "src/expr/mod.rs",
            "pub(crate) fn f() {}\npub(super) fn g() {}\n",
        ),
    ] {
        assert_eq!(
            violations(&rules, &edges(file, text)),
            Vec::<String>::new(),
            "{file}: {text}"
        );
    }
}
