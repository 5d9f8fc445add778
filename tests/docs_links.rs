//! Citations cannot dangle: every repository document that sources, tests, data and pages cite
//! exists, nothing cites a path outside the repository, every section, evidence id and function
//! cited in one of the reference pages under `docs/` is a heading or id in that page, and every
//! relative Markdown link and anchor resolves.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

#[path = "support/common.rs"]
mod common;
use common::root;

/// The pages whose sections, evidence ids and functions code cites by number or name.
const REFERENCE_PAGES: [&str; 5] = [
    "docs/scim-wire.md",
    "docs/mapping-model.md",
    "docs/functions.md",
    "docs/graph-schema.md",
    "docs/graph-users.md",
];

/// The page bare evidence ids (`E12`, `OPEN-Q1`) in comments refer to.
const EVIDENCE_PAGE: &str = "docs/scim-wire.md";

/// Directories whose files may cite documents, and the extensions read there.
const SCANNED_DIRS: [&str; 8] = [
    "src", "tests", "benches", "examples", "fuzz", "mappings", "docs", "grammar",
];
const SCANNED_EXTENSIONS: [&str; 8] = ["rs", "md", "yaml", "yml", "json", "toml", "pest", "txt"];

/// Generated or build output, not citations.
const SKIPPED_DIRS: [&str; 5] = ["target", "golden", ".git", "corpus", "artifacts"];

/// This file names the retired documents to refuse them.
const THIS_FILE: &str = "tests/docs_links.rs";

/// Documents that were never in the repository, cited bare: the design page that
/// `docs/ARCHITECTURE.md` replaced and the research notes the `docs/` pages condense.
fn retired_names() -> [String; 3] {
    [
        ["DESIGN", ".md"].concat(),
        ["engine-behaviours", ".md"].concat(),
        ["expression-semantics", ".md"].concat(),
    ]
}

/// Text that can only point outside the repository.
fn outside_markers() -> [String; 3] {
    [
        ["/work", "/shared"].concat(),
        ["..", "/shared"].concat(),
        ["spec", " functions.md"].concat(),
    ]
}

/// A citation problem, located.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Problem {
    at: String,
    what: String,
}

/// What a reference page defines: section numbers, evidence ids, function headings, anchors.
#[derive(Default)]
struct Page {
    sections: BTreeSet<String>,
    ids: BTreeSet<String>,
    functions: BTreeSet<String>,
    anchors: BTreeSet<String>,
}

/// GitHub's heading anchor: lowercase, letters, digits, `-` and `_` kept, spaces to `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// A leading `12`, `3.4` or `9.5` of `text`, without a trailing dot.
fn leading_number(text: &str) -> Option<&str> {
    let end = text
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
        .map_or(text.len(), |(i, _)| i);
    let number = text[..end].trim_end_matches('.');
    (!number.is_empty() && number.starts_with(|c: char| c.is_ascii_digit())).then_some(number)
}

/// An evidence id at the start of `text`: `E12`, `OPEN-Q3` or `c.7`, with its length.
fn leading_id(text: &str) -> Option<(String, usize)> {
    for prefix in ["OPEN-Q", "E", "c."] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            let after = rest[digits..].chars().next();
            if digits > 0 && !after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                let len = prefix.len() + digits;
                return Some((text[..len].to_owned(), len));
            }
        }
    }
    None
}

impl Page {
    fn read(text: &str) -> Page {
        let mut page = Page::default();
        let mut in_fence = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence {
                continue;
            }
            if let Some(heading) = line.strip_prefix('#') {
                let level = 1 + heading.chars().take_while(|&c| c == '#').count();
                let heading = heading.trim_start_matches('#').trim();
                page.anchors.insert(slug(heading));
                if let Some(number) = leading_number(heading) {
                    page.sections.insert(number.to_owned());
                }
                if let Some((id, _)) = leading_id(heading) {
                    page.ids.insert(id);
                }
                if level == 3 && leading_number(heading).is_none() {
                    page.functions.insert(heading.to_owned());
                }
            }
            // Open questions are defined as bold list items, not headings.
            let mut rest = line;
            while let Some(i) = rest.find("**OPEN-Q") {
                if let Some((id, len)) = leading_id(&rest[i + 2..]) {
                    page.ids.insert(id);
                    rest = &rest[i + 2 + len..];
                } else {
                    rest = &rest[i + 2..];
                }
            }
        }
        page
    }
}

/// One scanned file: its repository path and its text with comment markers removed and lines
/// joined, so that a citation broken across comment lines reads as one.
struct Scanned {
    path: String,
    flat: String,
    /// Byte offset in `flat` where each line starts.
    starts: Vec<usize>,
    /// Whether each line was a `//` comment (in Rust, only comments cite).
    comments: Vec<bool>,
}

impl Scanned {
    fn new(path: &str, text: &str) -> Scanned {
        let mut flat = String::with_capacity(text.len());
        let mut starts = Vec::new();
        let mut comments = Vec::new();
        for line in text.lines() {
            starts.push(flat.len());
            let body = line.trim_start();
            comments.push(body.starts_with("//"));
            let body = ["//!", "///", "//"]
                .iter()
                .find_map(|m| body.strip_prefix(m))
                .unwrap_or(body);
            flat.push_str(body);
            flat.push(' ');
        }
        Scanned {
            path: path.to_owned(),
            flat,
            starts,
            comments,
        }
    }

    /// The 1-based line of a byte offset in `flat`.
    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    fn at(&self, offset: usize) -> String {
        format!("{}:{}", self.path, self.line(offset))
    }

    fn in_comment(&self, offset: usize) -> bool {
        self.comments[self.line(offset) - 1]
    }

    fn dir(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(dir, _)| dir)
    }
}

/// `a/b/../c.md` → `a/c.md`; `None` when the path leaves the repository.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in Path::new(path).components() {
        match part {
            Component::Normal(p) => parts.push(p.to_str()?),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

struct Checker {
    root: PathBuf,
    pages: BTreeMap<String, Page>,
    top_dirs: BTreeSet<String>,
}

impl Checker {
    fn new() -> Checker {
        let root = root();
        let mut pages = BTreeMap::new();
        for page in REFERENCE_PAGES {
            let text =
                fs::read_to_string(root.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
            pages.insert(page.to_owned(), Page::read(&text));
        }
        let top_dirs = fs::read_dir(root)
            .expect("repository root")
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        Checker {
            root: root.to_path_buf(),
            pages,
            top_dirs,
        }
    }

    fn exists(&self, path: &str) -> bool {
        self.root.join(path).is_file()
    }

    /// The anchors of a Markdown file in the repository, read on demand.
    fn anchors(&self, path: &str) -> BTreeSet<String> {
        match self.pages.get(path) {
            Some(page) => page.anchors.clone(),
            None => fs::read_to_string(self.root.join(path))
                .map(|t| Page::read(&t).anchors)
                .unwrap_or_default(),
        }
    }

    /// Every problem with the citations in one file.
    fn check(&self, file: &Scanned) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |offset: usize, what: String| {
            problems.push(Problem {
                at: file.at(offset),
                what,
            })
        };
        let flat = file.flat.as_str();
        for marker in outside_markers() {
            for (i, _) in flat.match_indices(&marker) {
                problem(i, format!("`{marker}` points outside the repository"));
            }
        }
        for (i, _) in flat.match_indices("spec/") {
            let before = flat[..i].chars().next_back();
            if !before.is_some_and(is_path_char) {
                problem(i, "`spec/` is not in the repository: cite docs/".to_owned());
            }
        }
        let in_docs = file.path.starts_with("docs/");
        let is_markdown = file.path.ends_with(".md");
        for (end, _) in flat.match_indices(".md") {
            if flat[end + 3..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
                continue;
            }
            let start = flat[..end]
                .char_indices()
                .rev()
                .take_while(|&(_, c)| is_path_char(c))
                .last()
                .map_or(end, |(i, _)| i);
            let token = &flat[start..end + 3];
            // `https://…/x.md` and `owner/repo:path/x.md` name other repositories.
            if token.is_empty() || flat[..start].ends_with(':') {
                continue;
            }
            let cited = match self.resolve(token, file.dir(), in_docs || is_markdown) {
                Ok(Some(path)) => path,
                Ok(None) => continue,
                Err(what) => {
                    problem(start, what);
                    continue;
                }
            };
            if let Some(page) = self.pages.get(&cited) {
                for (offset, what) in refs_after(&flat[end + 3..], page, &cited) {
                    problem(end + 3 + offset, what);
                }
            }
        }
        if file.path.ends_with(".rs") || (is_markdown && !in_docs) {
            self.bare_ids(file, &mut problem);
        }
        if is_markdown {
            for (offset, what) in self.links(file) {
                problem(offset, what);
            }
        }
        problems
    }

    /// The repository path a `.md` token cites, `None` for another site's document, or why it
    /// dangles.
    fn resolve(&self, token: &str, dir: &str, relative: bool) -> Result<Option<String>, String> {
        let token = token.trim_start_matches("./");
        if token.starts_with('/') {
            return Err(format!(
                "`{token}` is an absolute path, outside the repository"
            ));
        }
        let name = token.rsplit('/').next().unwrap_or(token);
        if retired_names().iter().any(|r| r == name) {
            return Err(format!("`{token}` is not in the repository"));
        }
        if token.starts_with("../") || (relative && !token.starts_with("docs/")) {
            match normalise(&Path::new(dir).join(token).to_string_lossy()) {
                Some(path) if self.exists(&path) => return Ok(Some(path)),
                None => return Err(format!("`{token}` leaves the repository")),
                Some(_) if token.starts_with("../") => {
                    return Err(format!("`{token}` does not exist"));
                }
                Some(_) => {}
            }
        }
        if let Some(rest) = token.strip_prefix("docs/") {
            // `docs/identity/…` is a path in Microsoft's entra-docs repository.
            if rest.contains('/') {
                return Ok(None);
            }
            return if self.exists(token) {
                Ok(Some(token.to_owned()))
            } else {
                Err(format!("`{token}` does not exist"))
            };
        }
        if let Some((first, _)) = token.split_once('/') {
            if self.top_dirs.contains(first) {
                return if self.exists(token) {
                    Ok(Some(token.to_owned()))
                } else {
                    Err(format!("`{token}` does not exist"))
                };
            }
            return Ok(None);
        }
        let in_docs = format!("docs/{token}");
        if REFERENCE_PAGES.contains(&in_docs.as_str()) || in_docs == "docs/ARCHITECTURE.md" {
            return Err(format!("cite `{token}` as `{in_docs}`"));
        }
        if token.starts_with(|c: char| c.is_ascii_uppercase()) {
            // README.md, COMPATIBILITY.md, …: ours, at the root or next to the citing file.
            let beside = normalise(&Path::new(dir).join(token).to_string_lossy());
            let beside = beside.unwrap_or_default();
            return match [token.to_owned(), beside]
                .into_iter()
                .find(|p| self.exists(p))
            {
                Some(path) => Ok(Some(path)),
                None => Err(format!("`{token}` does not exist")),
            };
        }
        // Another site's page (`known-issues.md`) or a file name a test makes up.
        Ok(None)
    }

    /// Bare evidence ids (`E12`, `OPEN-Q1`) in Rust comments and the root pages: they all
    /// refer to the wire reference.
    fn bare_ids(&self, file: &Scanned, problem: &mut impl FnMut(usize, String)) {
        let page = &self.pages[EVIDENCE_PAGE];
        let rust = file.path.ends_with(".rs");
        let text = file.flat.as_str();
        for (i, c) in text.char_indices() {
            if c != 'E' && c != 'O' {
                continue;
            }
            let before = text[..i].chars().next_back();
            if before.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '-') {
                continue;
            }
            let Some((id, _)) = leading_id(&text[i..]) else {
                continue;
            };
            if id.starts_with("c.") || (id.starts_with('E') && id.len() > 3) {
                continue;
            }
            if rust && !file.in_comment(i) {
                continue;
            }
            if !page.ids.contains(&id) {
                problem(i, format!("{id} is not an evidence id in {EVIDENCE_PAGE}"));
            }
        }
    }

    /// Relative Markdown links `](target#anchor)` whose file or anchor does not exist.
    fn links(&self, file: &Scanned) -> Vec<(usize, String)> {
        let mut problems = Vec::new();
        let text = file.flat.as_str();
        for (i, _) in text.match_indices("](") {
            let target_start = i + 2;
            let Some(len) = text[target_start..].find(')') else {
                continue;
            };
            let target = &text[target_start..target_start + len];
            if target.contains("://") || target.starts_with("mailto:") || target.contains(' ') {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
            let resolved = if path.is_empty() {
                Some(file.path.clone())
            } else {
                normalise(&Path::new(file.dir()).join(path).to_string_lossy())
            };
            let Some(resolved) = resolved.filter(|p| self.root.join(p).exists()) else {
                problems.push((target_start, format!("link `{target}` does not resolve")));
                continue;
            };
            if !anchor.is_empty()
                && resolved.ends_with(".md")
                && !self.anchors(&resolved).contains(anchor)
            {
                problems.push((target_start, format!("no heading for anchor `{target}`")));
            }
        }
        problems
    }
}

/// The sections, ids and functions cited right after a reference page's name (`§3.3, E11,
/// §7.2`, `§9.5–9.7`, `§3 Switch`, `c.7`) that the page does not define.
fn refs_after(tail: &str, page: &Page, name: &str) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    let mut at = 0;
    loop {
        let skipped = tail[at..]
            .char_indices()
            .find(|&(_, c)| !matches!(c, ' ' | ','))
            .map_or(tail.len() - at, |(i, _)| i);
        at += skipped;
        let rest = &tail[at..];
        if let Some(after) = rest.strip_prefix('§') {
            let Some(number) = leading_number(after) else {
                break;
            };
            let mut cited = vec![number.to_owned()];
            let mut len = '§'.len_utf8() + number.len();
            // A range, `§9.5–9.7`: both ends must exist.
            if let Some(range) = rest[len..].strip_prefix('–') {
                let range = range.strip_prefix('§').unwrap_or(range);
                if let Some(end) = leading_number(range) {
                    len = rest.len() - range.len() + end.len();
                    cited.push(end.to_owned());
                }
            }
            for number in &cited {
                if !page.sections.contains(number) {
                    problems.push((at, format!("{name} has no §{number}")));
                }
            }
            at += len;
            // `docs/functions.md §3 Switch`: a function heading in §3.
            if name.ends_with("functions.md") && cited == ["3"] {
                let words = &tail[at..];
                let trimmed = words.trim_start();
                let name_len = trimmed
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '/'))
                    .unwrap_or(trimmed.len());
                let function = &trimmed[..name_len];
                if function.starts_with(|c: char| c.is_ascii_uppercase()) {
                    for f in function.split('/') {
                        if !page.functions.contains(f) {
                            problems.push((at, format!("{name} §3 has no heading `{f}`")));
                        }
                    }
                    at += words.len() - trimmed.len() + name_len;
                }
            }
            continue;
        }
        let Some((id, len)) = leading_id(rest) else {
            break;
        };
        let mut cited = vec![id.clone()];
        let mut len = len;
        // `E9–E13`: every id in the range.
        if let (Some(first), Some(range)) = (
            id.strip_prefix('E').and_then(|n| n.parse::<u32>().ok()),
            rest[len..].strip_prefix('–'),
        ) {
            let digits = range.strip_prefix('E').unwrap_or(range);
            let count = digits.chars().take_while(char::is_ascii_digit).count();
            if let Ok(last) = digits[..count].parse::<u32>() {
                cited = (first..=last).map(|n| format!("E{n}")).collect();
                len += '–'.len_utf8() + (range.len() - digits.len()) + count;
            }
        }
        for id in &cited {
            if !page.ids.contains(id) {
                problems.push((at, format!("{name} has no {id}")));
            }
        }
        at += len;
    }
    problems
}

/// The repository paths of every file that may cite a document.
fn scanned_files() -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !SKIPPED_DIRS.contains(&name.as_str()) {
                    walk(root, &path, out);
                }
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| SCANNED_EXTENSIONS.contains(&e))
            {
                let rel = path.strip_prefix(root).expect("under the root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = root();
    let mut files = Vec::new();
    for dir in SCANNED_DIRS {
        walk(root, &root.join(dir), &mut files);
    }
    for entry in fs::read_dir(root).expect("root").filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() && (name.ends_with(".md") || name == "Cargo.toml") {
            files.push(name);
        }
    }
    files.retain(|f| f != THIS_FILE);
    files.sort();
    files
}

fn problems_in_repository() -> Vec<Problem> {
    let checker = Checker::new();
    let mut problems = Vec::new();
    for path in scanned_files() {
        // Binary or non-UTF-8 data cites nothing.
        let Ok(text) = fs::read_to_string(root().join(&path)) else {
            continue;
        };
        problems.extend(checker.check(&Scanned::new(&path, &text)));
    }
    problems
}

fn report(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.at, p.what))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_citation_in_the_repository_resolves() {
    let problems = problems_in_repository();
    assert!(
        problems.is_empty(),
        "dangling citations:\n{}",
        report(&problems)
    );
}

#[test]
fn the_reference_pages_define_what_the_code_cites_most() {
    let checker = Checker::new();
    let wire = &checker.pages["docs/scim-wire.md"];
    for n in 1..=24 {
        assert!(wire.ids.contains(&format!("E{n}")), "E{n}");
    }
    for n in 1..=17 {
        assert!(wire.ids.contains(&format!("OPEN-Q{n}")), "OPEN-Q{n}");
    }
    for section in ["0", "1.3", "1.5", "3.3", "4.3", "7.2", "9.2", "9.7", "10"] {
        assert!(wire.sections.contains(section), "scim-wire §{section}");
    }
    let model = &checker.pages["docs/mapping-model.md"];
    for section in [
        "4.2", "4.3", "5.2", "5.3", "9.7", "10", "12.2", "12.3", "12.4",
    ] {
        assert!(model.sections.contains(section), "mapping-model §{section}");
    }
    assert!(
        checker.pages["docs/functions.md"]
            .functions
            .contains("Switch")
    );
    assert!(checker.pages["docs/graph-schema.md"].ids.contains("c.7"));
}

/// The checker itself: each kind of dangling citation is reported, at its line, so the
/// repository-wide test cannot pass by reading nothing.
#[test]
fn missing_pages_sections_ids_functions_anchors_and_outside_paths_are_reported() {
    let checker = Checker::new();
    let check = |path: &str, text: &str| {
        let problems = checker.check(&Scanned::new(path, text));
        problems
            .into_iter()
            .map(|p| format!("{}: {}", p.at, p.what))
            .collect::<Vec<_>>()
    };
    let shared = ["/work", "/shared"].concat();
    let outside = format!("{shared}/spec/scim-wire.md");
    assert_eq!(
        check(
            "src/x.rs",
            &[
                "//! fine: docs/scim-wire.md §7.2, E12; docs/mapping-model.md §12.3\n",
                "//! docs/scim-wire.md §99, E25, OPEN-Q99\n",
                "// E9–E13 and E77 in a comment\n",
                "let e = E77; // code is not a citation\n",
                "/// docs/nowhere.md and ",
                &["DESIGN", ".md"].concat(),
                "\n/// see ",
                &outside,
                "\n/// (docs/scim-wire.md\n/// §3.3, §9.5–9.8)\n",
                "/// docs/functions.md §3 Switch; docs/functions.md §3 Nope\n",
                "/// docs/graph-schema.md c.7, c.99 and scim-wire.md\n",
            ]
            .concat(),
        ),
        [
            format!("src/x.rs:6: `{shared}` points outside the repository"),
            "src/x.rs:2: docs/scim-wire.md has no §99".to_owned(),
            "src/x.rs:2: docs/scim-wire.md has no E25".to_owned(),
            "src/x.rs:2: docs/scim-wire.md has no OPEN-Q99".to_owned(),
            "src/x.rs:5: `docs/nowhere.md` does not exist".to_owned(),
            format!(
                "src/x.rs:5: `{}` is not in the repository",
                ["DESIGN", ".md"].concat()
            ),
            format!("src/x.rs:6: `{outside}` is an absolute path, outside the repository"),
            "src/x.rs:8: docs/scim-wire.md has no §9.8".to_owned(),
            "src/x.rs:9: docs/functions.md §3 has no heading `Nope`".to_owned(),
            "src/x.rs:10: docs/graph-schema.md has no c.99".to_owned(),
            "src/x.rs:10: cite `scim-wire.md` as `docs/scim-wire.md`".to_owned(),
            "src/x.rs:2: E25 is not an evidence id in docs/scim-wire.md".to_owned(),
            "src/x.rs:2: OPEN-Q99 is not an evidence id in docs/scim-wire.md".to_owned(),
            "src/x.rs:3: E77 is not an evidence id in docs/scim-wire.md".to_owned(),
        ]
    );
    assert_eq!(
        check(
            "docs/x.md",
            "[ok](scim-wire.md#33-when-an-update-is-sent) [a](scim-wire.md#nope) [b](gone.md) \
             [c](../COMPATIBILITY.md) [d](../../outside.md) scim-wire.md §4.3 and scim-wire.md §42",
        ),
        [
            "docs/x.md:1: `../../outside.md` leaves the repository",
            "docs/x.md:1: docs/scim-wire.md has no §42",
            "docs/x.md:1: no heading for anchor `scim-wire.md#nope`",
            "docs/x.md:1: link `gone.md` does not resolve",
            "docs/x.md:1: link `../../outside.md` does not resolve",
        ]
    );
}
