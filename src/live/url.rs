//! The tenant URL an admin types into Entra, checked before anything is sent: only `https://`
//! reaches a remote host, because the bearer token travels in every request; plain `http://`
//! is allowed on loopback, where a local test server lives.

use std::net::{IpAddr, Ipv6Addr};

use ureq::http::Uri;

/// A checked tenant URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantUrl {
    /// Scheme, authority and path, without the query and without a trailing `/`: request
    /// paths (`/Users?filter=...`) are appended to it.
    base: String,
    /// The query the admin typed (`aadOptscim062020`), if any.
    query: Option<String>,
    loopback: bool,
}

/// Why a tenant URL is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UrlError {
    /// What is wrong, naming the URL.
    pub message: String,
}

impl TenantUrl {
    /// Check `text`: an absolute `https://` URL, or `http://` on a loopback host (`localhost`,
    /// `127.0.0.0/8`, `[::1]`). Credentials in the URL are refused (the token comes from the
    /// environment), and so is a fragment.
    pub fn parse(text: &str) -> Result<TenantUrl, UrlError> {
        let fail = |why: &str| UrlError {
            message: format!("tenant URL {text:?}: {why}"),
        };
        let uri: Uri = text
            .parse()
            .map_err(|e| fail(&format!("not a URL ({e})")))?;
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| fail("not absolute: write it with https://"))?
            .to_ascii_lowercase();
        let authority = uri.authority().ok_or_else(|| fail("has no host"))?.as_str();
        if authority.contains('@') {
            return Err(fail(
                "carries credentials; the token comes from an environment variable",
            ));
        }
        if text.contains('#') {
            return Err(fail("has a fragment (#...), which Entra does not accept"));
        }
        let host = uri.host().ok_or_else(|| fail("has no host"))?;
        let loopback = is_loopback(host);
        match scheme.as_str() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(fail(
                    "plain http:// would send the bearer token unencrypted; use https:// \
                     (http:// is accepted only on loopback: localhost, 127.0.0.1, [::1])",
                ));
            }
            other => return Err(fail(&format!("scheme {other}:// is not http(s)"))),
        }
        let path = uri.path().trim_end_matches('/');
        Ok(TenantUrl {
            base: format!("{scheme}://{authority}{path}"),
            query: uri.query().map(str::to_owned),
            loopback,
        })
    }

    /// The URL a request path is appended to: no query, no trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The query the admin typed after the path (`aadOptscim062020`), if any. It selects the
    /// dialect; it is not forwarded on requests (docs/scim-wire.md OPEN-Q1).
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// Whether the host is on this machine.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// The URL as given, less any trailing `/`: what reports and transcripts show.
    pub fn display(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.base),
            None => self.base.clone(),
        }
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip == Ipv6Addr::LOCALHOST || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_on_loopback() {
        let ok = |u: &str| TenantUrl::parse(u).map(|t| t.base().to_owned());
        assert_eq!(
            ok("https://api.contoso.com/scim/").unwrap(),
            "https://api.contoso.com/scim"
        );
        assert_eq!(
            ok("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            ok("http://localhost:9/scim/v2").unwrap(),
            "http://localhost:9/scim/v2"
        );
        assert_eq!(ok("http://[::1]:81/").unwrap(), "http://[::1]:81");
        assert_eq!(ok("http://127.8.9.10/x").unwrap(), "http://127.8.9.10/x");
        for refused in [
            "http://api.contoso.com/scim",
            "http://10.0.0.1/scim",
            "http://localhost.contoso.com/",
            "ftp://127.0.0.1/",
            "api.contoso.com/scim",
            "https://user:pw@api.contoso.com/scim",
            "https://api.contoso.com/scim#x",
        ] {
            assert!(TenantUrl::parse(refused).is_err(), "{refused}");
        }
        let err = TenantUrl::parse("http://api.contoso.com/scim").unwrap_err();
        assert!(err.message.contains("https://"), "{}", err.message);
    }

    #[test]
    fn the_flag_query_is_kept_apart_from_the_base() {
        let t = TenantUrl::parse("https://api.contoso.com/scim?aadOptscim062020").unwrap();
        assert_eq!(t.base(), "https://api.contoso.com/scim");
        assert_eq!(t.query(), Some("aadOptscim062020"));
        assert_eq!(t.display(), "https://api.contoso.com/scim?aadOptscim062020");
        assert!(!t.is_loopback());
    }
}
