//! The house rules for the library's public face (docs/ARCHITECTURE.md, "Rules of the
//! house"), checked on the source text of `src/`:
//! - no `pub fn` returns `Result<_, String>`: a caller can match a typed error, not a sentence;
//! - every public error enum (`...Error`, `...ErrorKind`) is `#[non_exhaustive]`, so a new
//!   failure is not a breaking change, and every one named `...Error` derives
//!   `thiserror::Error`, so each is a `std::error::Error` with a `Display` written one way;
//! - no two public types share a name: one name per concept, so a name found in a log, a doc
//!   or a review means one thing;
//! - every top-level and second-level `pub mod` is in the list of public modules in
//!   docs/ARCHITECTURE.md ("The public surface"), and the list names no other.
//!
//! The scanners are tested on samples first, so a scanner that finds nothing cannot pass.

use std::path::{Path, PathBuf};

#[path = "support/common.rs"]
mod common;
use common::root;

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// `(path relative to the repository, text)` of every source file of the library and binary.
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    assert!(files.len() > 50, "src/ has the crate's files: {files:?}");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read source");
            let rel = p.strip_prefix(root()).unwrap_or(&p).display().to_string();
            (rel, text)
        })
        .collect()
}

/// The text with every line comment (doc comments included) blanked, lines kept, so that an
/// example in a comment is not taken for code and line numbers stay right.
fn code_only(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            // A `//` inside a string literal (a URL) is rare in signatures; cut only lines that
            // are comments, and the comment after code when no quote precedes it.
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each public function: (line, name, return type with white space collapsed; empty when
/// it returns `()`). `pub(crate)`, `pub(super)` and `pub(in ...)` are not public.
fn public_functions(text: &str) -> Vec<(usize, String, String)> {
    let code = code_only(text);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find("pub ") {
        let start = from + i;
        from = start + 4;
        // `pub` as a word, not the end of an identifier (`repub `).
        if code[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let mut rest = code[start + 4..].trim_start();
        for qualifier in ["const ", "async ", "unsafe "] {
            rest = rest.strip_prefix(qualifier).unwrap_or(rest).trim_start();
        }
        let Some(after_fn) = rest.strip_prefix("fn ") else {
            continue;
        };
        let name: String = after_fn
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // The signature ends at the body or at `;` (a trait's declaration).
        let end = after_fn.find(['{', ';']).unwrap_or(after_fn.len());
        let signature = &after_fn[..end];
        let line = code[..start].matches('\n').count() + 1;
        out.push((line, name, return_type(signature)));
    }
    out
}

/// The return type of a signature (`name<...>(params) -> T where ...`), white space
/// collapsed; empty for none. The `->` of a parameter's `Fn() -> T` is inside the parentheses.
fn return_type(signature: &str) -> String {
    let Some(open) = signature.find('(') else {
        return String::new();
    };
    let mut depth = 0;
    let mut close = None;
    for (i, c) in signature[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(close) = close else {
        return String::new();
    };
    let after = signature[close + 1..].trim_start();
    let Some(ty) = after.strip_prefix("->") else {
        return String::new();
    };
    let ty = match ty.find(" where ").or_else(|| ty.find("\nwhere")) {
        Some(w) => &ty[..w],
        None => ty,
    };
    ty.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a return type is a `Result` whose error is a `String`.
fn is_string_error(ty: &str) -> bool {
    let compact: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = compact.find('<') else {
        return false;
    };
    let head = &compact[..open];
    if !(head == "Result" || head.ends_with("::Result")) || !compact.ends_with('>') {
        return false;
    }
    // The generic arguments of the outermost `Result`, split at its own commas.
    let inner = &compact[open + 1..compact.len() - 1];
    let mut depth = 0;
    let mut last = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => last = i + 1,
            _ => {}
        }
    }
    if last == 0 {
        // `Result<T>`: an alias whose error is not spelled here.
        return false;
    }
    matches!(
        &inner[last..],
        "String" | "std::string::String" | "alloc::string::String"
    )
}

/// Each public enum or struct whose name ends in `Error` or `ErrorKind`: (line, `enum` or
/// `struct`, name, the attributes above it, joined).
fn public_error_types(text: &str) -> Vec<(usize, &'static str, String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let (item, rest) = if let Some(r) = trimmed.strip_prefix("pub enum ") {
            ("enum", r)
        } else if let Some(r) = trimmed.strip_prefix("pub struct ") {
            ("struct", r)
        } else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !(name.ends_with("Error") || name.ends_with("ErrorKind")) {
            continue;
        }
        // The attributes are the lines above it that are not doc comments, up to the doc
        // comment or the blank line before them.
        let attributes: Vec<&str> = lines[..n]
            .iter()
            .rev()
            .map(|l| l.trim())
            .take_while(|l| !l.is_empty() && !l.starts_with("//"))
            .collect();
        out.push((n + 1, item, name, attributes.join(" ")));
    }
    out
}

/// What the rules find wrong with a public error type, if anything.
fn error_type_problem(item: &str, name: &str, attributes: &str) -> Option<&'static str> {
    if item == "enum" && !attributes.contains("#[non_exhaustive]") {
        return Some("a public error enum is #[non_exhaustive]");
    }
    if name.ends_with("Error") && !attributes.contains("thiserror::Error") {
        return Some("a public error type derives thiserror::Error");
    }
    None
}

#[test]
fn the_scanner_finds_string_errors_in_public_signatures_and_nothing_else() {
    let flagged = [
        "pub fn a() -> Result<u8, String> {",
        "pub fn b(x: &str)\n    -> Result<Vec<(u8, u16)>, String>\n{",
        "pub fn c<'a>(\n    f: &dyn Fn() -> bool,\n) -> std::result::Result<&'a str, std::string::String> {",
        "    pub const fn d() -> Result<HashMap<String, u8>, String>;",
        "pub fn e() -> Result<(), String> where T: Clone {",
    ];
    for sample in flagged {
        let found = public_functions(sample);
        assert_eq!(found.len(), 1, "{sample}");
        assert!(is_string_error(&found[0].2), "{sample}: {:?}", found[0]);
    }
    let clean = [
        "pub fn a() -> Result<String, LiveError> {",
        "pub fn b(f: &dyn Fn() -> Result<u8, String>) -> u8 {",
        "pub(crate) fn c() -> Result<u8, String> {",
        "pub(super) fn d() -> Result<u8, String> {",
        "fn e() -> Result<u8, String> {",
        "/// pub fn f() -> Result<u8, String> {",
        "pub fn g() -> Result<HashMap<u8, String>, PullError> {",
        "pub fn h() -> io::Result<String> {",
        "pub fn i() {",
    ];
    for sample in clean {
        assert!(
            !public_functions(sample)
                .iter()
                .any(|(_, _, ty)| is_string_error(ty)),
            "{sample}"
        );
    }
}

#[test]
fn no_public_function_returns_a_string_as_its_error() {
    let mut found = Vec::new();
    let mut functions = 0;
    for (path, text) in sources() {
        for (line, name, ty) in public_functions(&text) {
            functions += 1;
            if is_string_error(&ty) {
                found.push(format!("{path}:{line}: pub fn {name} -> {ty}"));
            }
        }
    }
    // The scan reads the crate, not an empty selection of it.
    assert!(functions > 300, "only {functions} public functions found");
    assert!(
        found.is_empty(),
        "public functions return a String error; give them their module's typed error \
         (thiserror, #[non_exhaustive]):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scanner_reads_the_attributes_of_error_types() {
    let cases = [
        (
            "/// Doc.\n#[derive(Debug, thiserror::Error)]\n#[non_exhaustive]\npub enum AError {",
            None,
        ),
        (
            "/// Doc.\n#[derive(Debug, thiserror::Error)]\npub enum BError {",
            Some("a public error enum is #[non_exhaustive]"),
        ),
        (
            "#[derive(Debug)]\n#[non_exhaustive]\npub enum CError {",
            Some("a public error type derives thiserror::Error"),
        ),
        (
            "#[derive(Clone, Debug)]\n#[error(\"{message}\")]\npub struct DError {",
            Some("a public error type derives thiserror::Error"),
        ),
        // A kind is matched on, not raised: it needs no Error derive.
        (
            "#[derive(Clone, Copy)]\n#[non_exhaustive]\npub enum ErrorKind {",
            None,
        ),
        (
            "#[derive(Clone, Copy)]\npub enum ScopeErrorKind {",
            Some("a public error enum is #[non_exhaustive]"),
        ),
    ];
    for (sample, want) in cases {
        let found = public_error_types(sample);
        assert_eq!(found.len(), 1, "{sample}");
        let (_, item, name, attributes) = &found[0];
        assert_eq!(error_type_problem(item, name, attributes), want, "{sample}");
    }
}

#[test]
fn every_public_error_enum_is_non_exhaustive_and_every_error_a_thiserror_error() {
    // Not errors in this sense: the parser's intermediate value, which becomes an
    // `expr::Error` before it leaves the module.
    const EXEMPT: &[&str] = &["SyntaxError"];
    let mut found = Vec::new();
    let mut enums = 0;
    for (path, text) in sources() {
        for (line, item, name, attributes) in public_error_types(&text) {
            if item == "enum" {
                enums += 1;
            }
            if EXEMPT.contains(&name.as_str()) {
                continue;
            }
            if let Some(rule) = error_type_problem(item, &name, &attributes) {
                found.push(format!("{path}:{line}: {item} {name}: {rule}"));
            }
        }
    }
    assert!(enums >= 10, "only {enums} public error enums found");
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// `(line, name)` of every `pub struct`, `pub enum`, `pub trait` and `pub type` in `text`
/// (items with a restricted visibility are private names and may repeat).
fn public_type_names(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in code_only(text).lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("pub ") else {
            continue;
        };
        let Some(rest) = ["struct ", "enum ", "trait ", "type "]
            .iter()
            .find_map(|k| rest.strip_prefix(k))
        else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push((i + 1, name));
        }
    }
    out
}

#[test]
fn the_type_scanner_reads_public_type_names_and_skips_restricted_and_commented_ones() {
    let text = "pub struct A<'a> {\n    pub enum B {\npub trait C: Sized {\npub type D = u8;\n\
                pub(crate) struct E;\npub(super) enum F {}\nstruct G;\n/// pub struct H;\n\
                pub fn i() {}\npub use x::J;\n";
    let names: Vec<String> = public_type_names(text)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(names, ["A", "B", "C", "D"]);
}

#[test]
fn no_two_public_types_share_a_name() {
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (path, text) in sources() {
        for (line, name) in public_type_names(&text) {
            // Each subcommand's clap arguments are its module's `Args` by clap's convention
            // (`cli::simulate::Args`); the CLI is not part of the library's vocabulary.
            if name == "Args" && path.starts_with("src/cli/") {
                continue;
            }
            seen.entry(name).or_default().push(format!("{path}:{line}"));
        }
    }
    assert!(
        seen.len() > 100,
        "the scanner sees the crate's types: {}",
        seen.len()
    );
    let shared: Vec<String> = seen
        .into_iter()
        .filter(|(_, places)| places.len() > 1)
        .map(|(name, places)| format!("{name}: {}", places.join(", ")))
        .collect();
    assert!(
        shared.is_empty(),
        "public types that share a name (give each concept its own name):\n{}",
        shared.join("\n")
    );
}

/// The public modules `docs/ARCHITECTURE.md` lists between its `public-modules` markers, as
/// `parent::child` (a top-level module alone is `parent`).
fn documented_modules(doc: &str) -> Vec<String> {
    let start = doc
        .find("<!-- public-modules:begin -->")
        .expect("begin marker");
    let end = doc.find("<!-- public-modules:end -->").expect("end marker");
    let mut out = Vec::new();
    for line in doc[start..end].lines() {
        let Some(item) = line.strip_prefix("- `") else {
            continue;
        };
        let (top, rest) = item
            .split_once('`')
            .expect("a row names its module in backticks");
        out.push(top.to_owned());
        // `- \`provision\`: \`cycle\`, \`directory\`, ...`, then prose after a semicolon.
        let children = rest.trim_start_matches(':').split(';').next().unwrap_or("");
        for child in children.split(',') {
            let child = child.trim();
            if let Some(name) = child.strip_prefix('`').and_then(|c| c.strip_suffix('`')) {
                out.push(format!("{top}::{name}"));
            }
        }
    }
    out.sort();
    out
}

/// The names a Rust file declares with `pub mod` (plain `pub`, at the start of a line, so at
/// the file's own level: `pub(crate) mod` and modules nested in a function are not public).
fn public_modules_declared(text: &str) -> Vec<String> {
    code_only(text)
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// Every top-level and second-level public module of the crate, as `parent::child`.
fn public_modules() -> Vec<String> {
    let src = root().join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("read lib.rs");
    let mut out = Vec::new();
    for top in public_modules_declared(&lib) {
        out.push(top.clone());
        let file = [src.join(&top).join("mod.rs"), src.join(format!("{top}.rs"))]
            .into_iter()
            .find(|p| p.exists());
        // An inline module (`internals { ... }`) has no file; lib.rs's text is its text, and
        // its children are indented, so `public_modules_declared` does not read them.
        if let Some(file) = file {
            let text = std::fs::read_to_string(&file).expect("read module");
            out.extend(
                public_modules_declared(&text)
                    .into_iter()
                    .map(|child| format!("{top}::{child}")),
            );
        }
    }
    out.sort();
    out
}

#[test]
fn the_module_scanner_reads_public_modules_and_the_doc_list() {
    let code = "pub mod a;\npub(crate) mod b;\nmod c;\n// pub mod d;\n#[cfg(feature = \"x\")]\npub mod e;\nfn f() {\n    pub mod g {}\n}\npub mod h {\n";
    assert_eq!(public_modules_declared(code), vec!["a", "e", "h"]);
    let doc = "<!-- public-modules:begin -->\n- `expr`: `syntax`, `print`; prose, `not_a_module`\n- `docs`\n<!-- public-modules:end -->";
    assert_eq!(
        documented_modules(doc),
        vec!["docs", "expr", "expr::print", "expr::syntax"]
    );
}

#[test]
fn every_public_module_is_in_the_documented_api_and_nothing_else_is_public() {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).expect("read doc");
    let documented = documented_modules(&doc);
    let found = public_modules();
    assert!(found.len() > 20, "the scan read the modules: {found:?}");
    let undocumented: Vec<&String> = found.iter().filter(|m| !documented.contains(m)).collect();
    assert!(
        undocumented.is_empty(),
        "public modules that docs/ARCHITECTURE.md (\"The public surface\") does not list; make \
         them `pub(crate)` and re-export the types callers need from the parent, or add them \
         to the list if they are API: {undocumented:?}"
    );
    let stale: Vec<&String> = documented.iter().filter(|m| !found.contains(m)).collect();
    assert!(
        stale.is_empty(),
        "modules docs/ARCHITECTURE.md lists as public that are not: {stale:?}"
    );
}

/// The `use serde_json::...` lines of `text` that bring in `Value` under its own name.
fn bare_json_value_imports(text: &str) -> Vec<usize> {
    let code = code_only(text);
    let mut found = Vec::new();
    let mut offset = 0;
    for statement in code.split_inclusive(';') {
        let start = offset;
        offset += statement.len();
        let Some(at) = statement.find("use serde_json::") else {
            continue;
        };
        let names = &statement[at..];
        let bare = names
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ' '))
            .map(str::trim)
            .any(|item| item == "Value");
        if bare {
            found.push(code[..start + at].matches('\n').count() + 1);
        }
    }
    found
}

#[test]
fn serde_json_value_is_imported_as_json_everywhere() {
    assert_eq!(
        bare_json_value_imports(
            "use serde_json::Value;\nuse serde_json::{Map, Value as Json};\n\
             use serde_json::{json,\n    Value};\nuse serde_json::value::RawValue;\n"
        ),
        [1, 3]
    );
    let mut found = Vec::new();
    for (path, text) in sources() {
        for line in bare_json_value_imports(&text) {
            found.push(format!("{path}:{line}"));
        }
    }
    assert!(
        found.is_empty(),
        "serde_json::Value imported under its own name (write `Value as Json`; `Value` is \
         expr::Value):\n{}",
        found.join("\n")
    );
}
