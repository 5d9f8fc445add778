//! The app's real SCIM endpoint over HTTP, as an [`Endpoint`] the simulator drives exactly like
//! its in-memory model.
//!
//! One blocking request at a time (ureq, no async runtime). Every status is an answer, not an
//! error: a 400 or 409 is what `live` exists to report. What is not an answer stops the run:
//! a 401/403 (Entra quarantines the job on credential errors) or no HTTP response at all
//! (refused connection, DNS, TLS, timeout). After such a [`Fault`] the endpoint sends nothing
//! more and answers status 0, so the cycle in progress winds down without traffic.
//!
//! The token is sent only in the `Authorization` header. It is never formatted (its `Debug`
//! prints a placeholder), and any echo of it in a response body or `Location`, in any encoding
//! a server could use, is replaced by `{{token}}`, the transcript's variable, before the answer
//! leaves this module.

use std::io::Read;
use std::time::Duration;

use serde_json::Value as Json;
use ureq::http;

use super::error::LiveError;
use super::report::visible;
use super::url::TenantUrl;
use crate::provision::endpoint::{Endpoint, Response};

/// What a response body shows in place of an echoed token.
pub const TOKEN_PLACEHOLDER: &str = "{{token}}";

/// The bearer token. Only [`HttpEndpoint`] reads it, to build the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// The token in environment variable `var`, trimmed. Errors say which variable to set,
    /// never a value.
    pub fn from_env(var: &str) -> Result<Token, LiveError> {
        let var_name = || var.to_owned();
        match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Token::new(t.trim()),
            Ok(_) => Err(LiveError::TokenEmpty { var: var_name() }),
            Err(std::env::VarError::NotPresent) => Err(LiveError::TokenNotSet { var: var_name() }),
            // The value is dropped here: it is the secret, and the error is printed.
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(LiveError::TokenNotUnicode { var: var_name() })
            }
        }
    }

    /// A token from a string (tests, or an embedding program that has its own secret store).
    /// Refused when it cannot be a header value, or when it is shorter than
    /// [`Token::MIN_LEN`].
    pub fn new(token: &str) -> Result<Token, LiveError> {
        if token.is_empty() || token.chars().any(|c| c.is_control() || !c.is_ascii()) {
            return Err(LiveError::TokenNotPrintable);
        }
        if token.len() < Token::MIN_LEN {
            // Its echo could not be told apart from ordinary text, so it could not be kept out
            // of the report and the transcript.
            return Err(LiveError::TokenTooShort {
                len: token.len(),
                min: Token::MIN_LEN,
            });
        }
        Ok(Token(token.to_owned()))
    }

    /// The shortest token accepted.
    pub const MIN_LEN: usize = 8;

    /// Replace every occurrence of the token in `text`, raw or in any encoding a server could
    /// write it in (JSON, percent, HTML escapes), with `TOKEN_PLACEHOLDER`.
    pub fn scrub(&self, text: &str) -> String {
        self.scrub_cut(text, false)
    }

    /// [`Token::scrub`] of a text that was truncated (`cut`): most of a token the text ends
    /// with is replaced too.
    fn scrub_cut(&self, text: &str, cut: bool) -> String {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for found in super::scrub::find(&self.0, text, cut) {
            out.push_str(&text[copied..found.start]);
            out.push_str(TOKEN_PLACEHOLDER);
            copied = found.end;
        }
        out.push_str(&text[copied..]);
        out
    }

    /// Scrub every string and key of a parsed body: the parser decoded one layer of escapes,
    /// under which a second encoding (a percent-encoded token inside a JSON string written
    /// with `\u0025`) is now visible.
    pub fn scrub_value(&self, value: &mut Json) {
        match value {
            Json::String(s) => {
                let clean = self.scrub(s);
                if clean != *s {
                    *s = clean;
                }
            }
            Json::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Json::Object(map) => {
                let dirty = map.keys().any(|k| self.scrub(k) != *k);
                if dirty {
                    *map = std::mem::take(map)
                        .into_iter()
                        .map(|(k, v)| (self.scrub(&k), v))
                        .collect();
                }
                map.values_mut().for_each(|v| self.scrub_value(v));
            }
            _ => {}
        }
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([hidden])")
    }
}

/// Why the run cannot go on: nothing more is sent after it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Fault {
    /// The app refused the credentials (401 or 403).
    Auth {
        /// 401 or 403.
        status: u16,
        /// The request it refused: method and path.
        request: String,
        /// The SCIM `detail`, or the body's text.
        detail: String,
    },
    /// No HTTP answer: connection refused, host not found, TLS failure, timeout.
    Network {
        /// The request that got no answer: method and path.
        request: String,
        /// What the HTTP client reported.
        detail: String,
    },
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Auth {
                status,
                request,
                detail,
            } => write!(
                f,
                "authentication failed: {} answered {status} ({}); check the token in the \
                 environment variable and that it is valid for this tenant URL",
                visible(request),
                visible(detail)
            ),
            Fault::Network { request, detail } => write!(
                f,
                "network error: {} got no answer: {}",
                visible(request),
                visible(detail)
            ),
        }
    }
}

/// How the endpoint waits and retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpOptions {
    /// The longest one request may take, connection included.
    pub timeout: Duration,
    /// How many times a 429 is retried before its answer counts.
    pub retries: u32,
    /// The longest `Retry-After` honoured; a longer one makes the 429 count as the answer.
    pub max_wait: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(30),
            retries: 3,
            max_wait: Duration::from_secs(120),
        }
    }
}

/// Counters of what the endpoint did, for the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HttpStats {
    /// HTTP requests sent, retries included.
    pub sent: u32,
    /// 429 answers that were waited out and retried.
    pub throttled: u32,
    /// Time spent waiting for `Retry-After`.
    pub waited: Duration,
}

/// A real SCIM endpoint at a tenant URL.
pub struct HttpEndpoint {
    agent: ureq::Agent,
    url: TenantUrl,
    token: Token,
    options: HttpOptions,
    fault: Option<Fault>,
    stats: HttpStats,
    /// Whether a 503 is waited out like a 429 (Microsoft Graph sends `Retry-After` with both;
    /// a SCIM app's 503 is an answer `live` reports).
    retry_unavailable: bool,
}

impl HttpEndpoint {
    /// Wait out a 503 with its `Retry-After` as a 429 is (bounded by the same options), as
    /// Microsoft Graph's throttling guidance asks of its clients (`entramap pull`).
    pub fn retrying_unavailable(mut self) -> HttpEndpoint {
        self.retry_unavailable = true;
        self
    }

    /// An endpoint at `url` authenticating with `token`.
    pub fn new(url: TenantUrl, token: Token, options: HttpOptions) -> HttpEndpoint {
        let mut config = ureq::Agent::config_builder()
            // SCIM errors are answers to report, not failures of the client.
            .http_status_as_error(false)
            .timeout_global(Some(options.timeout))
            // Entra does not follow redirects on a SCIM call; a 3xx is reported as the answer,
            // and the token is never forwarded to another host.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(concat!("entramap-live/", env!("CARGO_PKG_VERSION")));
        if url.is_loopback() {
            // A proxy from the environment cannot reach this machine's loopback.
            config = config.proxy(None);
        }
        HttpEndpoint {
            agent: config.build().into(),
            url,
            token,
            options,
            fault: None,
            stats: HttpStats::default(),
            retry_unavailable: false,
        }
    }

    /// What stopped the run, if anything did.
    pub fn fault(&self) -> Option<&Fault> {
        self.fault.as_ref()
    }

    /// What the endpoint did so far.
    pub fn stats(&self) -> HttpStats {
        self.stats
    }

    /// The tenant URL.
    pub fn url(&self) -> &TenantUrl {
        &self.url
    }

    fn send_once(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<Reply, NoAnswer> {
        self.stats.sent += 1;
        let uri = format!("{}{path}", self.url.base());
        let builder = http::Request::builder()
            .method(method)
            .uri(&uri)
            .header("Authorization", format!("Bearer {}", self.token.0));
        let result = match body {
            Some(bytes) => builder
                .header("Content-Type", "application/scim+json")
                .body(bytes.to_vec())
                .map_err(NoAnswer::Request)
                .and_then(|r| self.agent.run(r).map_err(NoAnswer::Client)),
            None => builder
                .body(())
                .map_err(NoAnswer::Request)
                .and_then(|r| self.agent.run(r).map_err(NoAnswer::Client)),
        };
        let mut response = result?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("Location");
        let retry_after = header("Retry-After");
        let status = response.status().as_u16();
        let mut raw = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_BODY_BYTES)
            .read_to_end(&mut raw)
            .map_err(NoAnswer::Body)?;
        let cut = raw.len() as u64 == MAX_BODY_BYTES;
        let text = self.token.scrub_cut(&String::from_utf8_lossy(&raw), cut);
        let mut body = parse_body(&text);
        if let Some(body) = &mut body {
            self.token.scrub_value(body);
        }
        Ok(Reply {
            status,
            body,
            location: location.map(|l| self.token.scrub(&l)),
            retry_after,
        })
    }
}

/// Bodies larger than this are cut: a SCIM resource or error is a few kilobytes.
const MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;

struct Reply {
    status: u16,
    body: Option<Json>,
    location: Option<String>,
    retry_after: Option<String>,
}

/// The body as JSON; a body that is not JSON (an HTML error page) is kept as a short string so
/// the report can show it.
fn parse_body(text: &str) -> Option<Json> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(serde_json::from_str(trimmed).unwrap_or_else(|_| {
        let short: String = trimmed.chars().take(300).collect();
        Json::String(short)
    }))
}

/// Why a request got no HTTP answer; its text is [`Fault::Network`]'s `detail`.
#[derive(Debug, thiserror::Error)]
enum NoAnswer {
    /// The request could not be built (a path that is not a URI).
    #[error("{0}")]
    Request(http::Error),
    /// The HTTP client got no response: refused, not found, TLS, timeout.
    #[error("{}", describe(.0))]
    Client(ureq::Error),
    /// The response's body could not be read to its end.
    #[error("reading the response body: {0}")]
    Body(std::io::Error),
}

/// A client error in words a user can act on.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            _ => format!("I/O error: {io}"),
        },
        other => other.to_string(),
    }
}

/// The `Retry-After` delay: delta-seconds; an HTTP date or a missing header waits one second.
fn retry_delay(header: Option<&str>) -> Duration {
    header
        .and_then(|h| h.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(1), Duration::from_secs)
}

/// A SCIM error's `detail` (or the body text), for messages.
pub fn detail_of(body: Option<&Json>) -> String {
    match body {
        Some(Json::Object(o)) => o
            .get("detail")
            .and_then(Json::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| Json::Object(o.clone()).to_string()),
        Some(Json::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "no body".into(),
    }
}

impl HttpEndpoint {
    /// [`Endpoint::handle`], giving up a wait for `Retry-After` as soon as `stop()` is true:
    /// the 429 waited on is then the answer.
    pub fn send(
        &mut self,
        method: &str,
        path_and_query: &str,
        body: Option<&Json>,
        stop: &dyn Fn() -> bool,
    ) -> Response {
        let stopped = Response {
            status: 0,
            body: None,
            location: None,
        };
        if self.fault.is_some() {
            return stopped;
        }
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let mut attempt = 0;
        loop {
            let reply = match self.send_once(method, path_and_query, bytes.as_deref()) {
                Ok(reply) => reply,
                Err(no_answer) => {
                    self.fault = Some(Fault::Network {
                        request: format!("{method} {path_and_query}"),
                        detail: no_answer.to_string(),
                    });
                    return stopped;
                }
            };
            let throttled = reply.status == 429 || (reply.status == 503 && self.retry_unavailable);
            if throttled && attempt < self.options.retries {
                let wait = retry_delay(reply.retry_after.as_deref());
                if wait <= self.options.max_wait && !stop() {
                    attempt += 1;
                    self.stats.throttled += 1;
                    if sleep_unless(wait, stop, &mut self.stats.waited) {
                        continue;
                    }
                }
            }
            if matches!(reply.status, 401 | 403) {
                self.fault = Some(Fault::Auth {
                    status: reply.status,
                    request: format!("{method} {path_and_query}"),
                    detail: detail_of(reply.body.as_ref()),
                });
            }
            return Response {
                status: reply.status,
                body: reply.body,
                location: reply.location,
            };
        }
    }
}

/// Sleep `wait` in short slices, adding the time slept to `waited`; false when `stop()` cut
/// it short.
fn sleep_unless(wait: Duration, stop: &dyn Fn() -> bool, waited: &mut Duration) -> bool {
    const SLICE: Duration = Duration::from_millis(50);
    let start = std::time::Instant::now();
    loop {
        let elapsed = start.elapsed();
        if elapsed >= wait {
            *waited += elapsed;
            return true;
        }
        if stop() {
            *waited += elapsed;
            return false;
        }
        std::thread::sleep(SLICE.min(wait - elapsed));
    }
}

impl Endpoint for HttpEndpoint {
    fn handle(&mut self, method: &str, path_and_query: &str, body: Option<&Json>) -> Response {
        self.send(method, path_and_query, body, &|| false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_never_formatted_and_is_scrubbed_from_text() {
        let t = Token::new("s3cr\"et-42").unwrap();
        assert!(!format!("{t:?}").contains("s3cr"));
        assert_eq!(t.scrub("a s3cr\"et-42 b"), "a {{token}} b");
        assert_eq!(t.scrub(r#"{"x":"s3cr\"et-42"}"#), r#"{"x":"{{token}}"}"#);
        assert!(Token::new("a\nb-long-enough").is_err());
        assert!(Token::new("").is_err());
    }

    #[test]
    fn tokens_too_short_to_tell_from_text_are_refused() {
        let e = Token::new("s3cr3t7").unwrap_err().to_string();
        assert!(
            e.contains("7 characters") && e.contains("shorter than 8"),
            "{e}"
        );
        assert!(Token::new("s3cr3t78").is_ok());
    }

    #[test]
    fn a_second_encoding_under_json_escapes_is_scrubbed_from_the_parsed_body() {
        let t = Token::new("ab+cd/efgh").unwrap();
        // `\u0025` is `%`: the text holds no spelling of the token until JSON is decoded.
        let mut body =
            parse_body(r#"{"detail":"got \u00252Bab%2Bcd%2Fefgh", "ab\u0025\u0032Bcd/efgh":1}"#)
                .unwrap();
        t.scrub_value(&mut body);
        let shown = body.to_string();
        assert!(
            !shown.contains("cd/efgh") && !shown.contains("cd%2Fefgh"),
            "{shown}"
        );
        assert_eq!(body["detail"], "got %2B{{token}}");
    }

    #[test]
    fn retry_after_is_seconds_else_one_second() {
        assert_eq!(retry_delay(Some("3")), Duration::from_secs(3));
        assert_eq!(retry_delay(Some(" 0 ")), Duration::ZERO);
        assert_eq!(
            retry_delay(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            Duration::from_secs(1)
        );
        assert_eq!(retry_delay(None), Duration::from_secs(1));
    }

    #[test]
    fn non_json_bodies_are_kept_as_short_text() {
        assert_eq!(parse_body(""), None);
        assert_eq!(parse_body(" {\"a\":1} "), Some(serde_json::json!({"a": 1})));
        let html = parse_body(&format!("<html>{}</html>", "x".repeat(1000))).unwrap();
        assert_eq!(html.as_str().unwrap().chars().count(), 300);
    }
}
