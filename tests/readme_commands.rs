//! Every command the documentation shows runs as written: the fenced `sh` blocks of README.md,
//! mappings/README.md and mappings/DIRECTORY.md are split into commands, and each one that
//! needs no network, token or cargo is run with the built binary in place of `entramap` (or
//! `cargo run --release --`), in order, in a scratch directory. Each must exit with the code
//! its comment states (`# exit 1: ...`), else 0, and never panic.
//!
//! The scratch directory stands for a user's working directory: `mappings` links to the
//! repository's, and the files the examples name as the user's own (`my-app.yaml`,
//! `before.yaml`, ...) are shipped samples copied in under those names (see [`FIXTURES`]).
//! Whatever a command writes (`--out big.json`, `acme.md`) stays there.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "support/common.rs"]
mod common;
use common::root;

/// The documentation files whose commands must run.
const DOCS: [&str; 3] = ["README.md", "mappings/README.md", "mappings/DIRECTORY.md"];

/// The user's own files the examples name, and the shipped file that stands in for each.
const FIXTURES: [(&str, &str); 12] = [
    ("my-app.yaml", "mappings/scim-default.yaml"),
    ("before.yaml", "tests/data/simulate/cycle1.yaml"),
    ("after.yaml", "tests/data/simulate/cycle2.yaml"),
    ("accounts.yaml", "mappings/samples/target.yaml"),
    ("user.yaml", "mappings/samples/user.yaml"),
    ("schema.json", "tests/data/graph/custom-scim.json"),
    ("today.yaml", "tests/data/engine/base.yaml"),
    (
        "tomorrow.yaml",
        "tests/data/engine/impact/title-from-department.yaml",
    ),
    ("tenant.json", "tests/data/engine/impact/directory.yaml"),
    (
        "graph-users.json",
        "tests/data/pull/exports/graph-users-response.json",
    ),
    ("users.csv", "tests/data/pull/exports/users.csv"),
    (
        "schema-from-powershell.json",
        "tests/data/pull/exports/schema-powershell.json",
    ),
];

/// One command of a documentation file.
#[derive(Debug)]
struct Doc {
    file: &'static str,
    /// The 1-based line it starts on.
    line: usize,
    words: Vec<String>,
    /// The text after an unquoted `#`, if any.
    comment: String,
}

/// The contents of the fenced blocks whose info string is `sh`, with their first line number.
fn sh_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == "```sh" => current = Some((i + 2, String::new())),
            None => {}
            Some(_) if line.trim_start().starts_with("```") => {
                blocks.extend(current.take());
            }
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    assert!(current.is_none(), "an sh block is not closed");
    blocks
}

/// Split a block into commands as a POSIX shell would for the simple commands the docs use:
/// words, '...' and "..." quoting, `\` line continuations, `#` comments. Anything fancier
/// (pipes, redirections, `$`) is refused, so a new kind of example gets a look.
fn commands(file: &'static str, first_line: usize, block: &str) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut chars = block.chars().peekable();
    let mut line = first_line;
    let mut start = line;
    let mut words: Vec<String> = Vec::new();
    let mut word: Option<String> = None;
    let mut comment = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'\n') => {
                chars.next();
                line += 1;
            }
            // A newline, or a comment (which runs to the end of its line), ends a command.
            '\n' | '#' if c == '\n' || word.is_none() => {
                if c == '#' {
                    for c in chars.by_ref() {
                        if c == '\n' {
                            break;
                        }
                        comment.push(c);
                    }
                }
                words.extend(word.take());
                if !words.is_empty() {
                    docs.push(Doc {
                        file,
                        line: start,
                        words: std::mem::take(&mut words),
                        comment: std::mem::take(&mut comment),
                    });
                }
                comment.clear();
                line += 1;
                start = line;
            }
            ' ' | '\t' => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    w.push(c);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                            w.push(chars.next().unwrap_or_default());
                        }
                        '$' | '`' => panic!("{file}:{line}: expansion in an example"),
                        c => w.push(c),
                    }
                }
            }
            '|' | '>' | '<' | ';' | '&' | '$' | '`' | '(' | ')' => {
                panic!("{file}:{line}: `{c}` in an example: run it by hand and teach this test")
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word.take());
    if !words.is_empty() {
        docs.push(Doc {
            file,
            line: start,
            words,
            comment,
        });
    }
    docs
}

/// The entramap arguments of a command, or why it is not run here.
fn arguments(doc: &Doc) -> Result<Vec<String>, &'static str> {
    let words = &doc.words;
    let args = match words.first().map(String::as_str) {
        Some("entramap") => &words[1..],
        Some("cargo") if words[1..].starts_with(&["run", "--release", "--"].map(String::from)) => {
            &words[4..]
        }
        Some("cargo") => return Err("a cargo command"),
        Some("export") => return Err("sets a token"),
        _ => panic!(
            "{}:{}: not an entramap command: {words:?}",
            doc.file, doc.line
        ),
    };
    if args.iter().any(|a| a == "--url" || a.starts_with("--url=")) {
        return Err("needs a server");
    }
    Ok(args.to_vec())
}

/// The exit code the command's comment documents (`# exit 1: ...`), else 0.
fn expected_code(doc: &Doc) -> i32 {
    let comment = doc.comment.trim();
    comment
        .strip_prefix("exit ")
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// A scratch working directory, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch() -> Scratch {
    let dir = std::env::temp_dir().join(format!("entramap-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).expect("create scratch dir");
    let scratch = Scratch(dir);
    std::os::unix::fs::symlink(root().join("mappings"), scratch.0.join("mappings"))
        .expect("link mappings");
    for (name, source) in FIXTURES {
        std::fs::copy(root().join(source), scratch.0.join(name))
            .unwrap_or_else(|e| panic!("copy {source} to {name}: {e}"));
    }
    scratch
}

fn all_commands() -> Vec<Doc> {
    let mut all = Vec::new();
    for file in DOCS {
        let text = std::fs::read_to_string(root().join(file)).expect("read docs");
        for (line, block) in sh_blocks(&text) {
            all.extend(commands(file, line, &block));
        }
    }
    all
}

#[test]
fn every_documented_command_without_network_runs_as_written() {
    let dir = scratch();
    let mut ran = Vec::new();
    let mut failures = Vec::new();
    for doc in all_commands() {
        let Ok(args) = arguments(&doc) else {
            continue;
        };
        let out = Command::new(env!("CARGO_BIN_EXE_entramap"))
            .args(&args)
            .current_dir(&dir.0)
            .env("NO_COLOR", "1")
            .env_remove("ENTRAMAP_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("run entramap");
        let expected = expected_code(&doc);
        if out.status.code() != Some(expected) {
            failures.push(format!(
                "{}:{}: entramap {}\n  exit {:?}, documented {expected}\n  {}",
                doc.file,
                doc.line,
                args.join(" "),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim_end()
            ));
        }
        ran.push(format!("{}:{}", doc.file, doc.line));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The extraction itself works: each file with sh blocks gives commands that ran.
    for file in ["README.md", "mappings/README.md"] {
        let n = ran
            .iter()
            .filter(|r| r.starts_with(&format!("{file}:")))
            .count();
        assert!(n >= 4, "only {n} commands of {file} ran: {ran:?}");
    }
}

#[test]
fn the_splitter_reads_quotes_comments_and_continuations_as_a_shell_does() {
    let block = "# a comment\nentramap eval 'a # b' --now \"x\\\"y\"   # exit 2: why\n\
                 entramap live m.yaml \\\n    --url https://x\ncargo run --release -- fmt 'x'\n";
    let docs = commands("t.md", 10, block);
    let words: Vec<&Vec<String>> = docs.iter().map(|d| &d.words).collect();
    assert_eq!(
        words,
        [
            &vec!["entramap", "eval", "a # b", "--now", "x\"y"],
            &vec!["entramap", "live", "m.yaml", "--url", "https://x"],
            &vec!["cargo", "run", "--release", "--", "fmt", "x"],
        ]
    );
    assert_eq!(
        docs.iter().map(|d| d.line).collect::<Vec<_>>(),
        [11, 12, 14]
    );
    assert_eq!(expected_code(&docs[0]), 2);
    assert_eq!(expected_code(&docs[2]), 0);
    assert_eq!(arguments(&docs[1]), Err("needs a server"));
    assert_eq!(
        arguments(&docs[2]),
        Ok(vec!["fmt".to_string(), "x".to_string()])
    );
}

#[test]
fn the_complete_example_of_mappings_readme_is_the_shipped_acme_yaml() {
    let readme = std::fs::read_to_string(root().join("mappings/README.md")).expect("read");
    let example = readme
        .split("## A complete example\n\n```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the complete example");
    let shipped =
        std::fs::read_to_string(root().join("mappings/samples/acme.yaml")).expect("read acme");
    assert_eq!(example, shipped);
}

#[test]
fn the_fixtures_exist_under_the_names_the_docs_use() {
    let docs: String = DOCS
        .iter()
        .map(|f| std::fs::read_to_string(root().join(f)).expect("read"))
        .collect();
    for (name, source) in FIXTURES {
        assert!(
            docs.contains(name),
            "{name} is no longer in the docs: drop it"
        );
        assert!(Path::new(&root().join(source)).is_file(), "{source}");
    }
}
