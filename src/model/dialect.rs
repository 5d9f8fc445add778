//! Which of Entra's two SCIM dialects a run speaks, decided by one rule for every command
//! (`simulate`, `converge`, `live`, ...), so that the same mapping never runs `compliant` in
//! one command and `legacy` in another.
//!
//! The sources, first one that says something wins: the command's `--dialect`, the
//! `?aadOptscim062020` flag on `live`'s `--url`, the mapping's `dialect:`, the flag on the
//! mapping's `tenant_url`, and else `legacy`, Entra's default. A URL without the flag says
//! nothing: Entra's default is what remains when no source speaks.

use std::fmt;

use super::mapping::{Dialect, MappingFile};

/// The query flag that makes Entra speak the compliant dialect to a tenant URL.
pub const COMPLIANT_FLAG: &str = "aadOptscim062020";

/// Whether a tenant URL carries the `aadOptscim062020` flag.
pub fn url_has_flag(url: &str) -> bool {
    url.contains(COMPLIANT_FLAG)
}

/// Where a dialect came from, in order of precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialectSource {
    /// The command's `--dialect`.
    Option(Dialect),
    /// The `?aadOptscim062020` flag on the URL the run talks to (`live --url`).
    RunUrl,
    /// The mapping's `dialect:` key.
    Mapping(Dialect),
    /// The `?aadOptscim062020` flag on the mapping's `tenant_url`.
    TenantUrl,
    /// No source said anything: Entra's default.
    Default,
}

impl DialectSource {
    /// The dialect this source asks for.
    pub fn dialect(self) -> Dialect {
        match self {
            DialectSource::Option(d) | DialectSource::Mapping(d) => d,
            DialectSource::RunUrl | DialectSource::TenantUrl => Dialect::Compliant,
            DialectSource::Default => Dialect::Legacy,
        }
    }
}

impl fmt::Display for DialectSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DialectSource::Option(d) => write!(f, "`--dialect {}`", d.name()),
            DialectSource::RunUrl => write!(f, "the `?{COMPLIANT_FLAG}` flag on --url"),
            DialectSource::Mapping(d) => write!(f, "the mapping's `dialect: {}`", d.name()),
            DialectSource::TenantUrl => {
                write!(
                    f,
                    "the `?{COMPLIANT_FLAG}` flag on the mapping's `tenant_url`"
                )
            }
            DialectSource::Default => f.write_str("Entra's default"),
        }
    }
}

/// The dialect of a run, where it came from, and the first lower source that asked for the
/// other one, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResolvedDialect {
    /// The dialect to run.
    pub dialect: Dialect,
    /// The source that decided it.
    pub source: DialectSource,
    /// The highest-precedence source that asked for the other dialect.
    pub overruled: Option<DialectSource>,
}

impl ResolvedDialect {
    /// One warning naming both sources when two of them disagree; `None` when all agree.
    pub fn warning(&self) -> Option<String> {
        let other = self.overruled?;
        Some(format!(
            "{} and {other} disagree; running the {} dialect, since {} comes first \
             (--dialect, then the flag on --url, then the mapping's `dialect:`, then the flag \
             on its `tenant_url`)",
            self.source,
            self.dialect.name(),
            self.source
        ))
    }
}

/// Resolve the dialect of a run: `option` is the command's `--dialect`, `run_url` the URL
/// the run talks to (only `live` has one), `file` the mapping.
pub fn resolve(
    option: Option<Dialect>,
    run_url: Option<&str>,
    file: &MappingFile,
) -> ResolvedDialect {
    let sources = [
        option.map(DialectSource::Option),
        run_url
            .is_some_and(url_has_flag)
            .then_some(DialectSource::RunUrl),
        file.dialect.map(DialectSource::Mapping),
        file.tenant_url
            .as_deref()
            .is_some_and(url_has_flag)
            .then_some(DialectSource::TenantUrl),
    ];
    let mut spoken = sources.into_iter().flatten();
    let source = spoken.next().unwrap_or(DialectSource::Default);
    let dialect = source.dialect();
    ResolvedDialect {
        dialect,
        source,
        overruled: spoken.find(|s| s.dialect() != dialect),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(dialect: Option<&str>, tenant_url: Option<&str>) -> MappingFile {
        let mut text = String::from("app: t\n");
        if let Some(d) = dialect {
            text.push_str(&format!("dialect: {d}\n"));
        }
        if let Some(u) = tenant_url {
            text.push_str(&format!("tenant_url: {u}\n"));
        }
        text.push_str("users:\n  mappings:\n    - target: userName\n      source: userPrincipalName\n      match: 1\n");
        // Deserialized directly: the model must not reach up into `load` (the layering).
        serde_saphyr::from_str(&text).expect("test mapping deserializes")
    }

    const FLAGGED: &str = "https://app.example.com/scim?aadOptscim062020";
    const PLAIN: &str = "https://app.example.com/scim";

    #[test]
    fn the_option_comes_first() {
        let file = mapping(Some("compliant"), Some(FLAGGED));
        let r = resolve(Some(Dialect::Legacy), Some(FLAGGED), &file);
        assert_eq!(r.dialect, Dialect::Legacy);
        assert_eq!(r.source, DialectSource::Option(Dialect::Legacy));
        assert_eq!(r.overruled, Some(DialectSource::RunUrl));
    }

    #[test]
    fn then_the_flag_on_the_run_url() {
        let file = mapping(Some("legacy"), Some(PLAIN));
        let r = resolve(None, Some(FLAGGED), &file);
        assert_eq!(r.dialect, Dialect::Compliant);
        assert_eq!(r.source, DialectSource::RunUrl);
        assert_eq!(r.overruled, Some(DialectSource::Mapping(Dialect::Legacy)));
    }

    #[test]
    fn a_run_url_without_the_flag_says_nothing() {
        let file = mapping(None, Some(FLAGGED));
        let r = resolve(None, Some(PLAIN), &file);
        assert_eq!(r.dialect, Dialect::Compliant);
        assert_eq!(r.source, DialectSource::TenantUrl);
        assert_eq!(r.overruled, None);
        assert_eq!(r.warning(), None);
    }

    #[test]
    fn then_the_mappings_dialect_key() {
        let file = mapping(Some("legacy"), Some(FLAGGED));
        let r = resolve(None, None, &file);
        assert_eq!(r.dialect, Dialect::Legacy);
        assert_eq!(r.source, DialectSource::Mapping(Dialect::Legacy));
        assert_eq!(r.overruled, Some(DialectSource::TenantUrl));
    }

    #[test]
    fn then_the_flag_on_the_mappings_tenant_url() {
        let file = mapping(None, Some(FLAGGED));
        let r = resolve(None, None, &file);
        assert_eq!(r.dialect, Dialect::Compliant);
        assert_eq!(r.source, DialectSource::TenantUrl);
    }

    #[test]
    fn else_legacy() {
        for file in [mapping(None, None), mapping(None, Some(PLAIN))] {
            let r = resolve(None, Some(PLAIN), &file);
            assert_eq!(r.dialect, Dialect::Legacy);
            assert_eq!(r.source, DialectSource::Default);
            assert_eq!(r.warning(), None);
        }
    }

    #[test]
    fn sources_that_agree_give_no_warning() {
        let file = mapping(Some("compliant"), Some(FLAGGED));
        let r = resolve(Some(Dialect::Compliant), Some(FLAGGED), &file);
        assert_eq!(r.dialect, Dialect::Compliant);
        assert_eq!(r.warning(), None);
    }

    #[test]
    fn disagreeing_sources_give_one_warning_naming_both() {
        let file = mapping(Some("legacy"), Some(FLAGGED));
        let warning = resolve(None, None, &file).warning().expect("a warning");
        assert!(
            warning.starts_with(
                "the mapping's `dialect: legacy` and the `?aadOptscim062020` flag on the \
                 mapping's `tenant_url` disagree; running the legacy dialect"
            ),
            "{warning}"
        );
    }

    #[test]
    fn the_mapping_accepts_the_flags_name_for_compliant() {
        let file = mapping(Some("aadOptscim062020"), None);
        assert_eq!(file.dialect, Some(Dialect::Compliant));
    }
}
