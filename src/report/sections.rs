//! The sections particular to one command: `impact`'s mapping change and who it touches,
//! `converge`'s findings with their shrunk directories, `live`'s findings by cause.

use std::collections::BTreeMap;

use super::{Card, Count, PageSection};
use crate::provision::cycle::{Recorded, RequestPurpose};
use crate::provision::impact::{ChangeKind, MappingChange, ValueChange};

/// The most names a card lists; the objects table has them all.
const MAX_NAMES: usize = 200;

/// `impact`'s sections: what changes in the mapping, then who the full cycle after saving
/// disables, creates and updates (with the attributes written), from its requests.
pub fn impact_sections(
    changes: &[MappingChange],
    effects: &[Option<String>],
    sent: &[Recorded],
    cycle: u32,
) -> Vec<PageSection> {
    let mut change = PageSection {
        title: "What changes in the mapping".into(),
        ..PageSection::default()
    };
    if changes.is_empty() {
        change
            .intro
            .push("No change to rows, scoping filters or object actions.".into());
    }
    change.cards = changes
        .iter()
        .enumerate()
        .map(|(i, c)| Card {
            // The change names its object type (`users: row changed: ...`).
            title: c.to_string(),
            lines: effects
                .get(i)
                .cloned()
                .flatten()
                .map(|e| vec![("in the full cycle".to_owned(), e)])
                .unwrap_or_default(),
            ..Card::default()
        })
        .collect();

    // Each object once per group, in the order the cycle reached it.
    let mut groups: BTreeMap<u8, (&str, Vec<String>)> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for r in sent {
        let (rank, title) = match r.action {
            RequestPurpose::Disable => (0, "Disabled"),
            RequestPurpose::Delete => (1, "Deleted"),
            RequestPurpose::Create => (2, "Created"),
            RequestPurpose::Update
            | RequestPurpose::LinkManager
            | RequestPurpose::AddMembers
            | RequestPurpose::RemoveMembers => (3, "Updated"),
            RequestPurpose::Match | RequestPurpose::Read => continue,
        };
        if seen.insert((rank, r.object.as_str())) {
            let name = if r.label == r.object {
                r.object.clone()
            } else {
                format!("{} ({})", r.label, r.object)
            };
            groups
                .entry(rank)
                .or_insert((title, Vec::new()))
                .1
                .push(name);
        }
    }
    let writes = sent.iter().filter(|r| r.method != "GET").count();
    let mut who = PageSection {
        title: format!("Who the full cycle after saving touches (cycle {cycle})"),
        intro: vec![format!(
            "Saving the change makes Entra's next cycle a full one: it sends {writes} {}.",
            if writes == 1 { "write" } else { "writes" }
        )],
        cards: Vec::new(),
    };
    for (title, names) in groups.into_values() {
        who.cards.push(names_card(title, &names));
    }
    vec![change, who]
}

/// What a row change (or added row) did in the full cycle after saving, as its card says it:
/// how many objects the attribute was written for (`written`: the cycle's chart, creates
/// included), or that no object's value changes, with the reason `values` gives when it
/// tells one. `None` for the changes that are not rows.
pub fn row_effect(
    change: &MappingChange,
    written: &[Count],
    values: Option<&ValueChange>,
) -> Option<String> {
    let (ChangeKind::RowChanged { target, .. } | ChangeKind::RowAdded { target, .. }) =
        &change.kind
    else {
        return None;
    };
    let n = written
        .iter()
        .find(|c| c.label.eq_ignore_ascii_case(target))
        .map_or(0, |c| c.n);
    if n > 0 {
        return Some(format!(
            "{target} is written for {n} object{}",
            if n == 1 { "" } else { "s" }
        ));
    }
    Some(match values.and_then(|v| v.why_nothing_written(target)) {
        Some(why) => format!("no object's value changes: {why}"),
        None => "no object's value changes: nothing is written to it".to_owned(),
    })
}

/// A card listing `names` (at most [`MAX_NAMES`], the rest counted).
fn names_card(title: &str, names: &[String]) -> Card {
    let mut lines: Vec<(String, String)> = names
        .iter()
        .take(MAX_NAMES)
        .map(|n| (String::new(), n.clone()))
        .collect();
    if names.len() > MAX_NAMES {
        lines.push((
            String::new(),
            format!(
                "and {} more (the objects table below lists every one)",
                names.len() - MAX_NAMES
            ),
        ));
    }
    Card {
        title: title.to_owned(),
        tag: Some(names.len().to_string()),
        lines,
        code: Vec::new(),
    }
}

/// A serde enum's wire name (`repeated-write`), for the tags (of `converge`'s and `live`'s
/// sections only).
#[cfg(any(feature = "converge", feature = "live"))]
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `converge`'s sections: each finding with its cause, why, fix, the shrunk directory and the
/// repeated request; then what converges but is not what the mapping says.
#[cfg(feature = "converge")]
pub fn converge_sections(report: &crate::converge::report::ConvergeReport) -> Vec<PageSection> {
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let verdict = if report.converged {
        format!(
            "Converges: {} generated directories, seed {}, {} dialect.",
            report.cases, report.seed, report.dialect
        )
    } else {
        format!(
            "Does not converge: {} finding(s) in {} generated directories, seed {}, {} dialect.",
            report.findings.len(),
            report.cases,
            report.seed,
            report.dialect
        )
    };
    let findings = PageSection {
        title: "Does it converge?".into(),
        intro: vec![verdict],
        cards: report
            .findings
            .iter()
            .map(|f| {
                let mut lines = vec![
                    ("why".to_owned(), f.why.clone()),
                    ("fix".to_owned(), f.fix.clone()),
                    (
                        "cause".to_owned(),
                        format!("{} {}", f.cause.code, f.cause.name),
                    ),
                    ("object".to_owned(), f.object.clone()),
                ];
                if let Some(l) = f.lint {
                    lines.push(("check".into(), l.to_owned()));
                }
                if let Some(p) = f.phase {
                    lines.push(("phase".into(), p.to_owned()));
                }
                if let Some(c) = &f.change {
                    lines.push(("change".into(), c.clone()));
                }
                let mut code = vec![("smallest directory".to_owned(), pretty(&f.directory))];
                if let Some(after) = &f.directory_after {
                    code.push(("after the change".into(), pretty(after)));
                }
                if let Some(r) = &f.request {
                    code.push(("the repeated request".into(), r.http.clone()));
                }
                Card {
                    title: format!(
                        "{} `{}`: {}",
                        f.object_type,
                        f.attribute,
                        wire_name(&f.problem).replace('-', " ")
                    ),
                    tag: Some(f.cause.code.to_owned()),
                    lines,
                    code,
                }
            })
            .collect(),
    };
    let mut out = vec![findings];
    if !report.notes.is_empty() {
        out.push(PageSection {
            title: "Converges, but not as the mapping says".into(),
            intro: Vec::new(),
            cards: report
                .notes
                .iter()
                .map(|n| Card {
                    title: format!("`{}`: {}", n.attribute, n.summary),
                    tag: Some(n.cause.code.to_owned()),
                    lines: vec![
                        ("why".into(), n.why.clone()),
                        ("fix".into(), n.fix.clone()),
                        ("object".into(), n.object.clone()),
                    ],
                    code: Vec::new(),
                })
                .collect(),
        });
    }
    out
}

/// `live`'s sections: Test Connection, the findings grouped by cause (most serious first, as
/// the report orders them) with the app's own answers, and the cleanup.
#[cfg(feature = "live")]
pub fn live_sections(report: &crate::live::report::LiveReport) -> Vec<PageSection> {
    let tc = &report.test_connection;
    let mut connection = Card {
        title: format!(
            "Test Connection {}",
            if tc.passed { "passed" } else { "failed" }
        ),
        tag: Some(tc.status.to_string()),
        lines: Vec::new(),
        code: vec![("request".into(), tc.request.clone())],
    };
    if let Some(p) = &tc.problem {
        connection.lines.push(("problem".into(), p.clone()));
    }
    let mut intro = vec![format!(
        "{} against {} ({} dialect, prefix `{}`, seed {}).",
        wire_name(&report.result).replace('-', " "),
        report.url,
        report.dialect,
        report.prefix,
        report.seed
    )];
    if let Some(f) = &report.fault {
        intro.push(f.to_string());
    }
    let mut cards = vec![connection];
    cards.extend(report.findings.iter().map(|f| {
        let mut lines = vec![
            ("evidence".to_owned(), wire_name(&f.evidence)),
            ("count".to_owned(), f.count.to_string()),
        ];
        if !f.objects.is_empty() {
            let mut objects = f
                .objects
                .iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if f.objects.len() > 20 {
                objects.push_str(&format!(" and {} more", f.objects.len() - 20));
            }
            lines.push(("objects".into(), objects));
        }
        if !f.attributes.is_empty() {
            lines.push(("attributes".into(), f.attributes.join(", ")));
        }
        for (label, value) in [("entra", &f.entra), ("fix", &f.fix), ("probe", &f.probe)] {
            if let Some(v) = value {
                lines.push((label.into(), v.clone()));
            }
        }
        for c in &f.consequences {
            lines.push((
                "consequence".into(),
                format!("{} ({}), e.g. {}", c.what, c.count, c.example),
            ));
        }
        Card {
            title: f.summary.clone(),
            tag: Some(format!("{} · {}", wire_name(&f.severity), f.cause_id)),
            lines,
            code: vec![("example, with the app's answer".into(), f.example.clone())],
        }
    }));
    if let Some(c) = &report.cleanup {
        let mut lines = vec![("deleted".to_owned(), c.deleted.to_string())];
        lines.extend(c.left.iter().map(|l| ("left".to_owned(), l.clone())));
        lines.extend(c.kept.iter().map(|k| {
            (
                "kept after DELETE".to_owned(),
                format!("{} {} `{}` ({})", k.kind, k.id, k.name, k.state),
            )
        }));
        cards.push(Card {
            title: "Cleanup".into(),
            tag: None,
            lines,
            code: Vec::new(),
        });
    }
    vec![PageSection {
        title: "What the app does with what Entra sends".into(),
        intro,
        cards,
    }]
}
