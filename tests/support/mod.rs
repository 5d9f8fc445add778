//! Test fixtures for `entramap live`: a real SCIM server (scim2-server, from PyPI) on a free
//! loopback port, stopped on drop, and a tiny scripted HTTP server for what no real server does
//! on demand (429, a hang, an echoed token).
//!
//! The server is `scim2-server` from PATH when there is one; otherwise the pinned version is
//! installed once into a virtual environment under the target directory, so that `cargo test`
//! passes on a fresh machine that has only Rust and Python 3.

#![allow(dead_code)]

pub mod common;
pub mod golden;
pub mod mini;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The server the tests are written against. Pinned: a new release must not change what the
/// tests see.
pub const SCIM2_SERVER: &str = "scim2-server==0.8.3";

/// How to get the server by hand, for failure messages.
const INSTALL: &str = "or install it yourself with `python3 -m pip install scim2-server==0.8.3` \
                       so that `scim2-server` is on PATH";

/// The scim2-server program: from PATH, else from the virtual environment under the target
/// directory, made on first use. Panics with the exact fix when Python cannot provide it: a
/// missing server is a failure, never a skipped test.
pub fn scim2_server_program() -> PathBuf {
    static PROGRAM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PROGRAM.get_or_init(|| match on_path("scim2-server") {
        Some(p) => Ok(p),
        None => provision(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("scim2-server-0.8.3")),
    }) {
        Ok(p) => p.clone(),
        Err(e) => panic!("{e}"),
    }
}

/// `program` as the shell would find it on PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Install [`SCIM2_SERVER`] into a virtual environment at `venv` unless a previous run did,
/// and return its program. Test binaries run in parallel (cargo runs several, each with many
/// threads): an exclusive lock on a file next to the environment lets exactly one of them
/// build it, and a marker written last tells the others it is complete. A venv cannot be
/// built elsewhere and renamed into place (its scripts name their interpreter by absolute
/// path), hence the lock.
fn provision(venv: &Path) -> Result<PathBuf, String> {
    let program = venv.join("bin").join("scim2-server");
    let complete = venv.join(".entramap-complete");
    let parent = venv.parent().expect("the venv has a parent");
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let lock_path = parent.join("scim2-server.lock");
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    if complete.is_file() && program.is_file() {
        return Ok(program);
    }
    // A previous attempt was cut short: start again from nothing.
    if venv.exists() {
        std::fs::remove_dir_all(venv)
            .map_err(|e| format!("cannot remove the partial {}: {e}", venv.display()))?;
    }
    let python = on_path("python3").ok_or_else(|| {
        format!(
            "scim2-server is not on PATH and python3 is not installed to provide it: install \
             Python 3 with its venv module (Debian/Ubuntu: `apt-get install python3 python3-venv`), \
             {INSTALL}"
        )
    })?;
    run_step(
        Command::new(&python).args(["-m", "venv"]).arg(venv),
        &format!(
            "python3 cannot create a virtual environment at {}: install its venv module \
             (Debian/Ubuntu: `apt-get install python3-venv`), {INSTALL}",
            venv.display()
        ),
    )?;
    run_step(
        Command::new(venv.join("bin").join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg(SCIM2_SERVER),
        &format!(
            "pip cannot install {SCIM2_SERVER} into {} (is PyPI reachable?); retry, {INSTALL}",
            venv.display()
        ),
    )?;
    if !program.is_file() {
        return Err(format!(
            "{SCIM2_SERVER} was installed into {} but has no bin/scim2-server; {INSTALL}",
            venv.display()
        ));
    }
    std::fs::write(&complete, SCIM2_SERVER)
        .map_err(|e| format!("cannot write {}: {e}", complete.display()))?;
    Ok(program)
}

/// Run one provisioning step; on failure, `fix` followed by what the step printed.
fn run_step(command: &mut Command, fix: &str) -> Result<(), String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{fix} ({e})"))?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = said.lines().rev().take(15).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!("{fix}\n{} said:\n{}", out.status, tail.join("\n")))
}

/// A SCIM server process on 127.0.0.1 (scim2-server, SCIMMY), killed when dropped, its
/// output kept in a log file that a start-up failure shows.
pub struct ServerProcess {
    child: Child,
    /// The tenant URL: `http://127.0.0.1:PORT` and the server's base path.
    pub url: String,
    /// The bearer token it accepts.
    pub token: String,
    log: PathBuf,
}

impl ServerProcess {
    /// Start `program` through `command(port, token)` on a free port, its tenant URL the
    /// port's address followed by `base`, and wait until it answers. The port is free when
    /// we look and taken when the server binds it if another test raced us to it: try a few
    /// ports. Panics when it cannot start: a missing server is a failure, never a skipped
    /// test.
    fn start(
        name: &str,
        program: &Path,
        base: &str,
        command: impl Fn(u16, &str) -> Command,
    ) -> ServerProcess {
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let token = format!("t0k3n-{}-{port}-{}", std::process::id(), nanos());
            let log = std::env::temp_dir().join(format!("entramap-{name}-{port}.log"));
            let log_file = std::fs::File::create(&log).expect("create the server log");
            let child = command(port, &token)
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("log file"))
                .stderr(log_file)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {} ({e})", program.display()));
            let mut server = ServerProcess {
                child,
                url: format!("http://127.0.0.1:{port}{base}"),
                token,
                log,
            };
            match server.wait_ready(Duration::from_secs(30)) {
                Ok(()) => return server,
                Err(e) => last = e,
            }
        }
        panic!("{name} did not start: {last}");
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "it exited with {status}: {}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                ));
            }
            if self.get("/ServiceProviderConfig").0 == 200 {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("no answer within {limit:?}"))
    }

    /// A GET with the right token: status and JSON body (status 0 when nothing answered).
    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .proxy(None)
            .build()
            .into();
        match agent
            .get(format!("{}{path}", self.url))
            .header("Authorization", format!("Bearer {}", self.token))
            .call()
        {
            Ok(mut r) => {
                let status = r.status().as_u16();
                let text = r.body_mut().read_to_string().unwrap_or_default();
                (status, serde_json::from_str(&text).unwrap_or_default())
            }
            Err(_) => (0, serde_json::Value::Null),
        }
    }

    /// How many resources the server holds at `/Users` or `/Groups`.
    pub fn count(&self, endpoint: &str) -> u64 {
        let (status, body) = self.get(endpoint);
        assert_eq!(status, 200, "GET {endpoint}: {body}");
        body["totalResults"].as_u64().expect("totalResults")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A scim2-server process on 127.0.0.1, killed when dropped; its URL, token, `get` and
/// `count` are [`ServerProcess`]'s.
pub struct Scim2Server(ServerProcess);

impl std::ops::Deref for Scim2Server {
    type Target = ServerProcess;
    fn deref(&self) -> &ServerProcess {
        &self.0
    }
}

impl Scim2Server {
    /// Start a server on a free port and wait until it answers. Panics with how to install it
    /// when it cannot be started: a missing server is a failure, never a skipped test.
    pub fn start() -> Scim2Server {
        Scim2Server::start_with(&[])
    }

    /// A server that also knows the custom extensions of the shipped vendor mappings (Blink,
    /// Real Links), declared as a vendor would: RFC 7643's schemas plus one extension schema per
    /// vendor, listing the attributes its mapping targets, and as schemaExtensions of User
    /// (`tests/data/live/scim2-server/`).
    pub fn start_with_vendor_extensions() -> Scim2Server {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/live/scim2-server");
        Scim2Server::start_with(&[
            "--schema".to_owned(),
            format!("{dir}/schemas.json"),
            "--resource-type".to_owned(),
            format!("{dir}/resource-types.json"),
        ])
    }

    fn start_with(extra: &[String]) -> Scim2Server {
        let program = scim2_server_program();
        Scim2Server(ServerProcess::start(
            "scim2-server",
            &program,
            "",
            |port, token| {
                let mut command = Command::new(&program);
                command
                    .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
                    .args(["--bearer-token", token])
                    .args(extra);
                command
            },
        ))
    }
}

/// A loopback port nothing listens on (right now).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral loopback port")
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// Makes the answer to one request, from the request's text.
pub type Script = Box<dyn Fn(&str) -> Answer + Send>;

/// One scripted answer of [`Stub`].
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Extra header lines (`Retry-After: 1`).
    pub headers: Vec<String>,
    /// The body.
    pub body: String,
    /// Wait this long before answering (to trip a client timeout).
    pub delay: Duration,
}

/// A one-connection-per-request HTTP server on loopback answering from a script, one answer per
/// request, then closing. It records each request's head and body.
pub struct Stub {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Stub {
    /// Serve `answers` in order; `answer(request_text)` may look at the request (to echo it).
    pub fn serve(answers: Vec<Script>) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stub");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for answer in answers {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let text = read_request(&stream);
                seen.lock().expect("lock").push(text.clone());
                let a = answer(&text);
                std::thread::sleep(a.delay);
                let mut head = format!(
                    "HTTP/1.1 {} X\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n",
                    a.status,
                    a.body.len()
                );
                for h in &a.headers {
                    head.push_str(h);
                    head.push_str("\r\n");
                }
                head.push_str("\r\n");
                let mut stream = stream;
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(a.body.as_bytes());
            }
        });
        Stub { url, requests }
    }

    /// Answer up to `limit` requests, each from `route(request_text)`.
    pub fn route(limit: usize, route: impl Fn(&str) -> Answer + Send + Sync + 'static) -> Stub {
        let route = std::sync::Arc::new(route);
        Stub::serve(
            (0..limit)
                .map(|_| {
                    let route = route.clone();
                    Box::new(move |request: &str| route(request)) as Script
                })
                .collect(),
        )
    }

    /// The requests received so far, head and body as text.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

fn read_request(stream: &TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream);
    let mut text = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return text;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        let end = line == "\r\n";
        text.push_str(&line);
        if end {
            break;
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    text.push_str(&String::from_utf8_lossy(&body));
    text
}

/// The SCIMMY server's files (`server.mjs` and its pinned `package.json` and lock).
const SCIMMY_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/live/scimmy");

/// How to get the SCIMMY server's runtime by hand, for failure messages.
const NODE_INSTALL: &str = "install Node.js 16 or newer with npm (Debian/Ubuntu: `apt-get install \
                            nodejs npm`)";

/// The directory holding `server.mjs` with its `node_modules`, installed once under the target
/// directory from the committed lock file (`npm ci`: the exact versions, nothing resolved
/// anew), with the same lock-then-marker protocol as the scim2-server environment.
pub fn scimmy_dir() -> PathBuf {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match DIR.get_or_init(|| {
        provision_scimmy(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("scimmy-1.3.5"))
    }) {
        Ok(p) => p.clone(),
        Err(e) => panic!("{e}"),
    }
}

fn provision_scimmy(dir: &Path) -> Result<PathBuf, String> {
    let lock_text = std::fs::read_to_string(format!("{SCIMMY_DIR}/package-lock.json"))
        .map_err(|e| format!("cannot read {SCIMMY_DIR}/package-lock.json: {e}"))?;
    let complete = dir.join(".entramap-complete");
    let parent = dir.parent().expect("the directory has a parent");
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let lock_path = parent.join("scimmy.lock");
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    // The server script is copied every time (it is ours and small); the modules only when
    // the lock file changed.
    let installed = std::fs::read_to_string(&complete).is_ok_and(|l| l == lock_text);
    if !installed {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .map_err(|e| format!("cannot remove the partial {}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(format!("{SCIMMY_DIR}/{file}"), dir.join(file))
                .map_err(|e| format!("cannot copy {file}: {e}"))?;
        }
        let npm = on_path("npm").ok_or_else(|| {
            format!("npm is not installed to provide the SCIMMY server: {NODE_INSTALL}")
        })?;
        run_step(
            Command::new(npm)
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(dir),
            &format!(
                "npm cannot install the SCIMMY server's modules into {} (is the npm registry \
                 reachable?); retry, or run `npm ci` there yourself",
                dir.display()
            ),
        )?;
        std::fs::write(&complete, &lock_text)
            .map_err(|e| format!("cannot write {}: {e}", complete.display()))?;
    }
    std::fs::copy(format!("{SCIMMY_DIR}/server.mjs"), dir.join("server.mjs"))
        .map_err(|e| format!("cannot copy server.mjs: {e}"))?;
    Ok(dir.to_path_buf())
}

/// A SCIMMY server (SCIMMY and scimmy-routers from npm, `tests/data/live/scimmy/server.mjs`)
/// on 127.0.0.1, killed when dropped. Its tenant URL is `url`, which ends in `/scim`; its
/// token, `get` and `count` are [`ServerProcess`]'s.
pub struct ScimmyServer(ServerProcess);

impl std::ops::Deref for ScimmyServer {
    type Target = ServerProcess;
    fn deref(&self) -> &ServerProcess {
        &self.0
    }
}

impl ScimmyServer {
    /// Start a server on a free port and wait until it answers. Panics with what to install
    /// when it cannot: a missing server is a failure, never a skipped test.
    pub fn start() -> ScimmyServer {
        let dir = scimmy_dir();
        let node = on_path("node").unwrap_or_else(|| {
            panic!("node is not installed to run the SCIMMY server: {NODE_INSTALL}")
        });
        ScimmyServer(ServerProcess::start(
            "scimmy",
            &node,
            "/scim",
            |port, token| {
                let mut command = Command::new(&node);
                command
                    .arg("server.mjs")
                    .arg(port.to_string())
                    .arg(token)
                    .current_dir(&dir);
                command
            },
        ))
    }
}
