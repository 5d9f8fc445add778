//! What the `entramap` binary does to the places its output goes: `--out` never replaces a
//! symbolic link, a FIFO or a descriptor with a regular file and keeps an existing file's
//! mode; a full disk on standard output is reported, a closed pipe is not; Ctrl-C or SIGTERM
//! leaves no temporary file and ends a stream on a whole line (exit 130).
//!
//! No test points `--out` at a real device: where a device would do, a FIFO or a link in a
//! temporary directory stands in, so that broken code could only replace the stand-in.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "support/common.rs"]
mod common;

const MAPPING: &str = "mappings/scim-default.yaml";

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_entramap"));
    command.args(args).env("NO_COLOR", "1").stdin(Stdio::null());
    command
}

fn run(args: &[&str]) -> Output {
    command(args).output().expect("run entramap")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh directory under the system temp directory, removed with its contents when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "entramap-output-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path).expect("create temp dir");
        TempDir(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The names in the directory, sorted.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .expect("list temp dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn str(path: &Path) -> &str {
    path.to_str().expect("temp path is UTF-8")
}

/// What `entramap docs MAPPING` prints: the output every `--out` test expects to find.
fn docs() -> Vec<u8> {
    let out = run(&["docs", MAPPING]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    out.stdout
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Send SIGTERM to the child with the `kill` command, as a user or a supervisor would.
fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {}", child.id());
}

#[test]
fn out_through_a_symbolic_link_writes_its_target_and_keeps_the_link() {
    let dir = TempDir::new();
    let target = dir.join("real.md");
    let link = dir.join("link.md");
    std::fs::write(&target, "old").expect("write target");
    std::os::unix::fs::symlink("real.md", &link).expect("symlink");
    let out = run(&["docs", MAPPING, "--out", str(&link)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let meta = std::fs::symlink_metadata(&link).expect("link still there");
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    assert_eq!(
        std::fs::read_link(&link).expect("read link"),
        Path::new("real.md")
    );
    assert_eq!(std::fs::read(&target).expect("read target"), docs());
    assert_eq!(
        dir.names(),
        ["link.md", "real.md"],
        "no temporary file left"
    );
}

#[test]
fn out_through_a_dangling_symbolic_link_creates_its_target() {
    let dir = TempDir::new();
    let link = dir.join("link.md");
    std::os::unix::fs::symlink("new.md", &link).expect("symlink");
    let out = run(&["docs", MAPPING, "--out", str(&link)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(dir.join("new.md")).expect("target"), docs());
}

#[test]
fn out_into_a_fifo_writes_into_it_and_leaves_the_fifo_in_place() {
    let dir = TempDir::new();
    let fifo = dir.join("pipe");
    mkfifo(&fifo);
    // The reader must be there for the writer's open to complete, as with `cat pipe &`.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).expect("read the FIFO"))
    };
    let out = run(&["docs", MAPPING, "--out", str(&fifo)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(reader.join().expect("reader thread"), docs());
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::symlink_metadata(&fifo).expect("fifo").file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced by {kind:?}");
    assert_eq!(dir.names(), ["pipe"], "no temporary file left");
}

#[test]
fn out_through_a_link_to_a_descriptor_writes_into_standard_output() {
    // What `--out /dev/stdout` is, without touching the machine's /dev.
    let dir = TempDir::new();
    let link = dir.join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).expect("symlink");
    let out = run(&["sample", "--users", "3", "--out", str(&link)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(out.stdout, run(&["sample", "--users", "3"]).stdout);
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
}

#[test]
fn out_keeps_the_mode_of_a_private_file() {
    let dir = TempDir::new();
    let path = dir.join("schema.json");
    std::fs::write(&path, "old").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = run(&["export", MAPPING, "--out", str(&path)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o7777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
    assert!(
        std::fs::read_to_string(&path)
            .expect("read")
            .starts_with('{')
    );
}

#[test]
fn out_naming_a_directory_is_refused_with_exit_2_and_the_directory_is_untouched() {
    let dir = TempDir::new();
    let out = run(&["docs", MAPPING, "--out", str(&dir.0)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(dir.names().is_empty(), "{:?}", dir.names());
}

#[test]
fn out_naming_a_loop_of_links_is_refused_with_exit_2() {
    let dir = TempDir::new();
    std::os::unix::fs::symlink("b", dir.join("a")).expect("symlink");
    std::os::unix::fs::symlink("a", dir.join("b")).expect("symlink");
    let out = run(&["docs", MAPPING, "--out", str(&dir.join("a"))]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic links"), "{}", stderr(&out));
    assert_eq!(dir.names(), ["a", "b"]);
}

/// Run with `/dev/full` as standard output: every write fails with ENOSPC.
fn run_into_a_full_disk(args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full for writing");
    command(args)
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .output()
        .expect("run entramap")
}

#[test]
fn a_full_disk_on_standard_output_is_reported_by_every_kind_of_writer() {
    let cases: [&[&str]; 5] = [
        &["functions"],                                    // line by line
        &["eval", "Join(\"@\", \"a\", \"b\")"],            // a single value
        &["docs", MAPPING],                                // the whole text at once
        &["simulate", MAPPING, "--format", "jsonl"],       // a stream of requests
        &["sample", "--users", "100", "--format", "json"], // a generated directory
    ];
    for args in cases {
        let out = run_into_a_full_disk(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("cannot write to standard output: No space left on device"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_reader_that_closes_the_pipe_early_ends_a_stream_quietly() {
    for args in [
        &["sample", "--users", "100000"][..],
        &[
            "simulate", MAPPING, "--cycles", "100000", "--format", "jsonl",
        ][..],
    ] {
        let run = common::hang_up_after_first_byte(args);
        assert_eq!(run.code, 141, "{args:?}: {run:?}");
        assert_eq!(run.stderr, "", "{args:?}");
    }
}

/// Start `args` with stdout piped, wait for its first line (by then the command is writing
/// its output, and its signal handlers are installed), send SIGTERM, and read the rest.
fn terminate_a_stream(args: &[&str]) -> (Option<i32>, String, String) {
    let mut child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start entramap");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut text = String::new();
    stdout.read_line(&mut text).expect("a first line");
    assert!(text.ends_with('\n'), "no first line: {text:?}");
    sigterm(&child);
    stdout
        .read_to_string(&mut text)
        .expect("the rest of the stream");
    let out = child.wait_with_output().expect("wait");
    (out.status.code(), text, stderr(&out))
}

#[test]
fn sigterm_during_simulate_jsonl_ends_the_stream_on_a_whole_line_and_exits_130() {
    // Cycles without end: only the signal stops it.
    let (code, text, err) = terminate_a_stream(&[
        "simulate",
        MAPPING,
        "--cycles",
        "4000000000",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        text.ends_with('\n'),
        "ends mid-line: {:?}",
        &text[text.len().saturating_sub(80)..]
    );
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("not a whole JSON line ({e}): {line}"));
    }
}

#[test]
fn sigterm_during_simulate_http_ends_the_transcript_after_a_whole_request() {
    let (code, text, err) = terminate_a_stream(&["simulate", MAPPING, "--cycles", "4000000000"]);
    assert_eq!(code, Some(130), "{err}");
    // Each request block ends with its response comment and a blank line.
    assert!(
        text.ends_with("\n\n"),
        "ends mid-request: {:?}",
        &text[text.len().saturating_sub(80)..]
    );
    let last = text.trim_end().rsplit("\n\n").next().unwrap_or_default();
    assert!(
        last.starts_with("# "),
        "the last block is not a response: {last:?}"
    );
}

#[test]
fn sigterm_during_sample_to_standard_output_ends_on_a_whole_line_and_exits_130() {
    let (code, text, err) =
        terminate_a_stream(&["sample", "--users", "1000000000", "--format", "json"]);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        text.ends_with('\n'),
        "ends mid-line: {:?}",
        &text[text.len().saturating_sub(80)..]
    );
    // Every user line is a whole object.
    for line in text.lines().skip(1) {
        let object = line.trim().trim_end_matches(',');
        serde_json::from_str::<serde_json::Value>(object)
            .unwrap_or_else(|e| panic!("not a whole user ({e}): {line}"));
    }
}

#[test]
fn sigterm_during_sample_out_removes_the_temporary_file_and_exits_130() {
    let dir = TempDir::new();
    let path = dir.join("big.json");
    // A billion users: the file is never finished before the signal.
    let mut child = command(&["sample", "--users", "1000000000", "--out", str(&path)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start entramap");
    // The temporary file appears once the output has begun (signal handlers are installed
    // before): wait for it and for its first bytes.
    loop {
        let started = std::fs::read_dir(&dir.0)
            .expect("list")
            .filter_map(Result::ok)
            .any(|e| e.metadata().is_ok_and(|m| m.len() > 0));
        if started {
            break;
        }
        assert!(
            child.try_wait().expect("poll").is_none(),
            "sample ended early"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    sigterm(&child);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("big.json was not written"),
        "{}",
        stderr(&out)
    );
    assert!(dir.names().is_empty(), "left behind: {:?}", dir.names());
}

#[test]
fn sigterm_during_sample_out_keeps_the_previous_file() {
    let dir = TempDir::new();
    let path = dir.join("big.json");
    std::fs::write(&path, "previous").expect("write");
    let mut child = command(&["sample", "--users", "1000000000", "--out", str(&path)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start entramap");
    while dir.names().len() < 2 {
        assert!(
            child.try_wait().expect("poll").is_none(),
            "sample ended early"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    sigterm(&child);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "previous");
    assert_eq!(dir.names(), ["big.json"]);
}
