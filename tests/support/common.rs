//! What every test file shares: where the repository is, its test data, a scratch directory,
//! the `entramap` binary run the way a user runs it (`NO_COLOR=1`, and the variables that would
//! override it removed), from the repository root, what a run printed ([`Run`]), and the loop
//! that runs a table of cases ([`run_cases`]). Included with
//! `#[path = "support/common.rs"] mod common;` so that a test file does not compile the live
//! server fixtures of `support/mod.rs` it does not use (files that do use them reach it as
//! `support::common`).

#![allow(dead_code)]

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file or directory under `tests/data/`.
pub fn data(path: &str) -> PathBuf {
    root().join("tests/data").join(path)
}

/// A fresh, empty directory under the target directory, named after `name` and this process,
/// for the files one test writes; any left by an earlier run is removed first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// A generated file under the system temp directory, named after `name`, unique to this
/// process and call, removed when dropped.
pub struct TempFile(PathBuf);

impl TempFile {
    /// Writes `contents` (text or bytes) to a new file.
    pub fn new(name: &str, contents: impl AsRef<[u8]>) -> TempFile {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "entramap-{}-{}-{name}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(unique);
        std::fs::write(&path, contents).expect("write temp file");
        TempFile(path)
    }

    /// The file's path, as an argument.
    pub fn path(&self) -> &str {
        self.0.to_str().expect("temp path is UTF-8")
    }

    /// The file's name, as diagnostics show it.
    pub fn file_name(&self) -> &str {
        self.0
            .file_name()
            .and_then(|n| n.to_str())
            .expect("file name")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The outcome of one run of the binary.
pub struct Run {
    /// The exit code; -1 when a signal ended the process.
    pub code: i32,
    /// Standard output (invalid UTF-8 replaced).
    pub stdout: String,
    /// Standard error (invalid UTF-8 replaced).
    pub stderr: String,
}

impl Run {
    /// Standard output as JSON; panics showing the output when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self:?}"))
    }

    /// Panics naming the first of `parts` that standard output does not contain.
    #[track_caller]
    pub fn assert_stdout_has(&self, parts: &[&str]) {
        for part in parts {
            assert!(self.stdout.contains(part), "no {part:?} in:\n{self:?}");
        }
    }

    /// Standard output as JSON lines (jsonl, the provisioning log); panics naming the first
    /// line that is not a JSON value.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        json_lines(&self.stdout)
    }
}

/// Each line of `text` as a JSON value; panics naming the first line that is not one.
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("line {} is not JSON ({e}): {l}\n{text}", i + 1))
        })
        .collect()
}

/// Runs `check` on every case of a table, each on its own (a failing case does not stop the
/// others), then fails naming every case that failed by its `id` (unique in the table, saying
/// what the case proves), with its message. Returns how many cases ran, so that a test can
/// pin the size of its table. An empty table, or two cases with one id, fail: a case that
/// cannot be told apart cannot name itself.
#[track_caller]
pub fn run_cases<C>(cases: &[C], id: fn(&C) -> &str, check: impl Fn(&C)) -> usize {
    assert!(!cases.is_empty(), "the case table is empty");
    let mut ids = std::collections::BTreeSet::new();
    for case in cases {
        assert!(ids.insert(id(case)), "two cases are named {}", id(case));
    }
    let mut failures = Vec::new();
    for case in cases {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(case))) {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(a panic without a message)");
            failures.push(format!("case {}: {message}", id(case)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

impl std::fmt::Debug for Run {
    /// Both streams, each clipped: a run fed hostile input may print megabytes, and a failure
    /// message must stay readable.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const CLIP: usize = 16_000;
        let clip = |s: &str| match s.char_indices().nth(CLIP) {
            Some((at, _)) => format!("{}… ({} more bytes)", &s[..at], s.len() - at),
            None => s.to_owned(),
        };
        write!(
            f,
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code,
            clip(&self.stdout),
            clip(&self.stderr)
        )
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The binary, ready to be given arguments: no colours, run from the repository root.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_entramap"));
    command
        .env("NO_COLOR", "1")
        // These would override NO_COLOR.
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .current_dir(root());
    command
}

/// Runs `entramap ARGS` and returns the raw output, for tests that read bytes.
pub fn output(args: &[&str]) -> Output {
    command().args(args).output().expect("run entramap")
}

/// Runs `entramap ARGS` with empty standard input.
pub fn entramap(args: &[&str]) -> Run {
    entramap_with_stdin(args, "")
}

/// Runs `entramap ARGS` with `vars` set in its environment.
pub fn entramap_with_env(args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut command = command();
    command.args(args).envs(vars.iter().copied());
    command.output().expect("run entramap").into()
}

/// Runs `entramap ARGS` with `stdin` (text or bytes) as its standard input. A thread writes
/// it: entramap may stop reading early (a refused input), and a large input must not
/// dead-lock against its output.
pub fn entramap_with_stdin(args: &[&str], stdin: impl AsRef<[u8]>) -> Run {
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start entramap");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.as_ref().to_vec();
    let writer = std::thread::spawn(move || {
        // A broken pipe is the program refusing the rest: what it printed says why.
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for entramap");
    writer.join().expect("stdin writer");
    out.into()
}

/// Runs `entramap ARGS`, reads one byte of its standard output and closes the pipe, as
/// `entramap ARGS | head -c1` would; returns how the program ended and what it said on
/// standard error.
pub fn hang_up_after_first_byte(args: &[&str]) -> Run {
    use std::io::Read;
    let mut child = command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start entramap");
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    child.wait_with_output().expect("wait for entramap").into()
}
