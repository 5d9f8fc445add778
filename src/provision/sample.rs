//! Deterministic directory snapshots of any size (`entramap sample`), for benchmarks and
//! load tests of the simulator.
//!
//! The output has the shape [`super::directory`] reads: `users:` (objectId, userPrincipalName,
//! mail, names with diacritics, job, place, employeeId, accountEnabled, a manager among the
//! earlier users, some `assigned: false` or `softDeleted: true`) and `groups:` with `members`.
//! Every value of user `i` is a pure function of the seed and `i`, so users are written one at
//! a time and nothing is held in memory: a million users stream in constant space, and the
//! same seed always gives byte-identical output.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// The text format of a generated snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotFormat {
    /// YAML (block lists of flow-free maps; strings double-quoted).
    Yaml,
    /// JSON (one user per line inside the `users` array).
    Json,
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleOptions {
    /// Number of users.
    pub users: usize,
    /// Number of groups; each user is a member of group `i % groups`.
    pub groups: usize,
    /// The seed every value derives from.
    pub seed: u64,
}

/// Given names: (as displayed, ASCII form for addresses).
const GIVEN: [(&str, &str); 16] = [
    ("Amélie", "amelie"),
    ("Björn", "bjorn"),
    ("Zoë", "zoe"),
    ("José", "jose"),
    ("Chloé", "chloe"),
    ("Łukasz", "lukasz"),
    ("Søren", "soren"),
    ("Anaïs", "anais"),
    ("Emma", "emma"),
    ("Noah", "noah"),
    ("Olivia", "olivia"),
    ("Liam", "liam"),
    ("Mia", "mia"),
    ("Lucas", "lucas"),
    ("Hannah", "hannah"),
    ("Kenji", "kenji"),
];

/// Surnames: (as displayed, ASCII form for addresses).
const SURNAMES: [(&str, &str); 16] = [
    ("Durand", "durand"),
    ("Ångström", "angstrom"),
    ("Müller", "muller"),
    ("Núñez", "nunez"),
    ("Dvořák", "dvorak"),
    ("Kowalski", "kowalski"),
    ("Øster", "oster"),
    ("Lefèvre", "lefevre"),
    ("Smith", "smith"),
    ("Johnson", "johnson"),
    ("García", "garcia"),
    ("Rossi", "rossi"),
    ("Nowak", "nowak"),
    ("Yamada", "yamada"),
    ("O'Brien", "obrien"),
    ("Schäfer", "schafer"),
];

const DEPARTMENTS: [(&str, [&str; 3]); 5] = [
    (
        "Engineering",
        [
            "Software Engineer",
            "Site Reliability Engineer",
            "Engineering Manager",
        ],
    ),
    (
        "Sales",
        ["Account Executive", "Sales Engineer", "Sales Director"],
    ),
    ("Finance", ["Accountant", "Controller", "Financial Analyst"]),
    (
        "Marketing",
        ["Content Strategist", "Designer", "Marketing Manager"],
    ),
    (
        "Support",
        ["Support Engineer", "Support Lead", "Technical Writer"],
    ),
];

const PLACES: [(&str, &str); 6] = [
    ("Paris", "FR"),
    ("Berlin", "DE"),
    ("Stockholm", "SE"),
    ("Madrid", "ES"),
    ("Kraków", "PL"),
    ("Seattle", "US"),
];

/// SplitMix64: a small, fast, well-mixed generator (enough for sample data).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The generator of object `index` of `kind` (0 users, 1 groups) under `seed`.
fn rng(seed: u64, kind: u64, index: u64) -> Rng {
    let mut r = Rng(seed ^ kind.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    r.0 ^= r.next() ^ index.wrapping_mul(0xA076_1D64_78BD_642F);
    r
}

/// A GUID-shaped objectId (version 4 layout) for object `index` of `kind`.
fn object_id(seed: u64, kind: u64, index: u64) -> String {
    let mut r = rng(seed, kind ^ 0x1D, index);
    let hi = r.next();
    let lo = r.next();
    let hi = (hi & !0xF000) | 0x4000;
    let lo = (lo & !(0xC << 60)) | (0x8 << 60);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// Write a snapshot with `options` to `out` in `format`, one user at a time. Callers pass a
/// buffered writer; this function holds no more than one user's text.
pub fn write<W: Write>(
    out: &mut W,
    options: &SampleOptions,
    format: SnapshotFormat,
) -> io::Result<()> {
    write_until(out, options, format, &AtomicBool::new(false)).map(|_| ())
}

/// How far [`write_until`] got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// The whole snapshot.
    Whole,
    /// `stop` was raised: the objects written so far, ending on a whole line, and not a
    /// document a reader accepts.
    Stopped,
}

/// [`write`](fn@write), checking `stop` before each object: once it is raised, the output ends with the
/// last whole object and a line break, so a stream cut by Ctrl-C ends on a whole line.
pub fn write_until<W: Write>(
    out: &mut W,
    options: &SampleOptions,
    format: SnapshotFormat,
    stop: &AtomicBool,
) -> io::Result<Written> {
    let mut w = Writer { out, format };
    let stopped = |w: &mut Writer<'_, W>| -> io::Result<Written> {
        w.end_line()?;
        Ok(Written::Stopped)
    };
    w.begin("users", options.users == 0)?;
    for i in 0..options.users {
        if stop.load(Ordering::Relaxed) {
            return stopped(&mut w);
        }
        w.user(options, i, i + 1 == options.users)?;
    }
    w.end_list(options.users == 0)?;
    w.separator()?;
    w.begin("groups", options.groups == 0)?;
    for g in 0..options.groups {
        if stop.load(Ordering::Relaxed) {
            return stopped(&mut w);
        }
        w.group(options, g, g + 1 == options.groups)?;
    }
    w.end_list(options.groups == 0)?;
    w.finish()?;
    Ok(Written::Whole)
}

struct Writer<'a, W: Write> {
    out: &'a mut W,
    format: SnapshotFormat,
}

/// One attribute value.
enum Value<'v> {
    Str(&'v str),
    Bool(bool),
}

impl<W: Write> Writer<'_, W> {
    fn begin(&mut self, key: &str, empty: bool) -> io::Result<()> {
        match (self.format, empty) {
            (SnapshotFormat::Json, _) if key == "users" => write!(self.out, "{{\"{key}\": ["),
            (SnapshotFormat::Json, _) => write!(self.out, "\"{key}\": ["),
            (SnapshotFormat::Yaml, true) => writeln!(self.out, "{key}: []"),
            (SnapshotFormat::Yaml, false) => writeln!(self.out, "{key}:"),
        }
    }

    fn end_list(&mut self, empty: bool) -> io::Result<()> {
        match self.format {
            SnapshotFormat::Json if empty => write!(self.out, "]"),
            SnapshotFormat::Json => write!(self.out, "\n]"),
            SnapshotFormat::Yaml => Ok(()),
        }
    }

    /// End the line an object left open: JSON objects start on a new line and end without one.
    fn end_line(&mut self) -> io::Result<()> {
        match self.format {
            SnapshotFormat::Json => writeln!(self.out),
            SnapshotFormat::Yaml => Ok(()),
        }
    }

    fn separator(&mut self) -> io::Result<()> {
        match self.format {
            SnapshotFormat::Json => writeln!(self.out, ","),
            SnapshotFormat::Yaml => Ok(()),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.format {
            SnapshotFormat::Json => writeln!(self.out, "}}"),
            SnapshotFormat::Yaml => Ok(()),
        }
    }

    /// One map (a user or a group) from its attributes, then `members` if any.
    fn object(
        &mut self,
        attributes: &[(&str, Value<'_>)],
        members: Option<&[String]>,
        last: bool,
    ) -> io::Result<()> {
        match self.format {
            SnapshotFormat::Json => {
                write!(self.out, "\n  {{")?;
                for (n, (key, value)) in attributes.iter().enumerate() {
                    if n > 0 {
                        write!(self.out, ", ")?;
                    }
                    write!(self.out, "\"{key}\": ")?;
                    self.value(value)?;
                }
                if let Some(members) = members {
                    write!(self.out, ", \"members\": [")?;
                    for (n, m) in members.iter().enumerate() {
                        if n > 0 {
                            write!(self.out, ", ")?;
                        }
                        self.value(&Value::Str(m))?;
                    }
                    write!(self.out, "]")?;
                }
                write!(self.out, "}}{}", if last { "" } else { "," })
            }
            SnapshotFormat::Yaml => {
                for (n, (key, value)) in attributes.iter().enumerate() {
                    write!(self.out, "{}{key}: ", if n == 0 { "  - " } else { "    " })?;
                    self.value(value)?;
                    writeln!(self.out)?;
                }
                if let Some(members) = members {
                    if members.is_empty() {
                        writeln!(self.out, "    members: []")?;
                    } else {
                        writeln!(self.out, "    members:")?;
                        for m in members {
                            write!(self.out, "      - ")?;
                            self.value(&Value::Str(m))?;
                            writeln!(self.out)?;
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// A scalar: strings double-quoted with JSON escapes, which YAML reads the same way.
    fn value(&mut self, value: &Value<'_>) -> io::Result<()> {
        match value {
            Value::Bool(b) => write!(self.out, "{b}"),
            Value::Str(s) => serde_json::to_writer(&mut *self.out, s).map_err(io::Error::from),
        }
    }

    fn user(&mut self, o: &SampleOptions, i: usize, last: bool) -> io::Result<()> {
        let mut r = rng(o.seed, 0, i as u64);
        let (given, given_ascii) = GIVEN[r.below(GIVEN.len() as u64) as usize];
        let (surname, surname_ascii) = SURNAMES[r.below(SURNAMES.len() as u64) as usize];
        let (department, titles) = DEPARTMENTS[r.below(DEPARTMENTS.len() as u64) as usize];
        let title = titles[r.below(3) as usize];
        let (city, country) = PLACES[r.below(PLACES.len() as u64) as usize];
        let enabled = r.below(20) != 0;
        let assigned = r.below(50) != 0;
        let soft_deleted = r.below(100) == 0;
        let manager = (i > 0).then(|| {
            // Mostly a recent user, so chains stay shallow and local like a real org chart.
            let back = 1 + r.below((i as u64).min(64));
            object_id(o.seed, 0, i as u64 - back)
        });
        let id = object_id(o.seed, 0, i as u64);
        let nickname = format!("{given_ascii}.{surname_ascii}{i}");
        let upn = format!("{nickname}@contoso.com");
        let mail = format!("{}@contoso.com", capitalised(&nickname));
        let display = format!("{given} {surname}");
        let employee_id = format!("{:06}", 100_000 + i);
        let mut attributes = vec![
            ("objectId", Value::Str(&id)),
            ("userPrincipalName", Value::Str(&upn)),
            ("mail", Value::Str(&mail)),
            ("mailNickname", Value::Str(&nickname)),
            ("displayName", Value::Str(&display)),
            ("givenName", Value::Str(given)),
            ("surname", Value::Str(surname)),
            ("jobTitle", Value::Str(title)),
            ("department", Value::Str(department)),
            ("employeeId", Value::Str(&employee_id)),
            ("city", Value::Str(city)),
            ("country", Value::Str(country)),
            ("accountEnabled", Value::Bool(enabled)),
        ];
        if let Some(m) = &manager {
            attributes.push(("manager", Value::Str(m)));
        }
        if !assigned {
            attributes.push(("assigned", Value::Bool(false)));
        }
        if soft_deleted {
            attributes.push(("softDeleted", Value::Bool(true)));
        }
        self.object(&attributes, None, last)
    }

    fn group(&mut self, o: &SampleOptions, g: usize, last: bool) -> io::Result<()> {
        let id = object_id(o.seed, 1, g as u64);
        let name = format!("Team {:03}", g + 1);
        // Members are the users with index ≡ g (mod groups): each user in exactly one group.
        let members: Vec<String> = (g..o.users)
            .step_by(o.groups)
            .map(|i| object_id(o.seed, 0, i as u64))
            .collect();
        let attributes = [
            ("objectId", Value::Str(&id)),
            ("displayName", Value::Str(&name)),
        ];
        self.object(&attributes, Some(&members), last)
    }
}

/// `amelie.durand3` → `Amelie.Durand3`: each dot-separated part capitalised.
fn capitalised(nickname: &str) -> String {
    let mut out = String::with_capacity(nickname.len());
    let mut upper = true;
    for c in nickname.chars() {
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        upper = c == '.';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_are_guid_shaped_and_distinct() {
        let a = object_id(7, 0, 0);
        let b = object_id(7, 0, 1);
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_ne!(object_id(7, 0, 0), object_id(7, 1, 0));
    }
}
