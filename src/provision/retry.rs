//! Retries and quarantine: when Entra tries a failed object again, and when it puts the whole
//! job in quarantine (docs/engine-behaviours/cycles-and-refusals.md, "Retries and quarantine").
//!
//! Microsoft documents two things:
//! - how-provisioning-works.md, "Errors and retries": a failed add, update or delete "is
//!   retried in the next sync cycle", then "continually retried, gradually scaling back the
//!   frequency of retries";
//! - application-provisioning-quarantine-status.md, "Retry duration": after a failure the
//!   retries come 6 hours, 12 hours and 24 hours after the first failure, then every 24 hours,
//!   for 28 days; "Escrow thresholds": which failure counts put the job in quarantine; and
//!   while quarantined "the frequency of incremental cycles is gradually reduced to once per
//!   day", the job leaves quarantine when a retry succeeds, and is disabled after four weeks.
//!
//! The simulator follows both with one table, [`SCHEDULE`]: a failed object is retried in the
//! next cycle, then on the quarantine page's schedule; a quarantined job runs on the same
//! schedule counted from when it entered quarantine. Which cycle a retry falls in depends on
//! the job's clock (`--cycle-interval`, [`super::clock`]): the first cycle at or after the
//! retry's time runs it. What Microsoft leaves open, and what we chose, is listed in
//! COMPATIBILITY.md §5.

use std::collections::BTreeMap;

use super::cycle::{ErrorCode, Failure, RequestPurpose};
use crate::dotnet::datetime::DateTime;

const TICKS_PER_HOUR: i64 = 3600 * 10_000_000;

/// When retries come, counted from a first failure (or from entering quarantine).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetrySchedule {
    /// The first scheduled retries, in hours after the start.
    pub after_hours: &'static [u32],
    /// Then one retry every this many hours.
    pub then_every_hours: u32,
    /// No retry later than this many days after the start: the escrow entry is removed (and
    /// a quarantined job is disabled).
    pub give_up_days: u32,
}

/// Entra's schedule (application-provisioning-quarantine-status.md, "Retry duration"): 6 h,
/// 12 h and 24 h after the first failure, then every 24 h, for 28 days.
pub const SCHEDULE: RetrySchedule = RetrySchedule {
    after_hours: &[6, 12, 24],
    then_every_hours: 24,
    give_up_days: 28,
};

impl RetrySchedule {
    /// Hours after the start of the `n`th scheduled retry, `n` from 1.
    pub fn hours(&self, n: u32) -> u64 {
        let n = n.max(1) as usize;
        match self.after_hours.get(n - 1) {
            Some(&h) => u64::from(h),
            None => {
                let last = self.after_hours.last().copied().unwrap_or(0);
                let beyond = (n - self.after_hours.len()) as u64;
                u64::from(last) + beyond * u64::from(self.then_every_hours)
            }
        }
    }

    /// When the `n`th scheduled retry after `start` is due.
    pub fn at(&self, start: DateTime, n: u32) -> DateTime {
        let hours = i64::try_from(self.hours(n)).unwrap_or(i64::MAX);
        let ticks = start
            .ticks()
            .saturating_add(hours.saturating_mul(TICKS_PER_HOUR));
        DateTime::from_ticks(ticks).unwrap_or(DateTime::MAX)
    }

    /// Whether `now` is more than the give-up period after `start`.
    pub fn given_up(&self, start: DateTime, now: DateTime) -> bool {
        let limit = i64::from(self.give_up_days) * 24 * TICKS_PER_HOUR;
        now.ticks().saturating_sub(start.ticks()) > limit
    }
}

/// The failure counts that put a job in quarantine (application-provisioning-quarantine-status.md,
/// "Escrow thresholds"; Microsoft says the logic "is subject to change").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EscrowThresholds {
    /// Fewer failures than this are never evaluated.
    pub minimum: u64,
    /// Quarantine when more than this percentage of provisioning events failed.
    pub percent: u64,
    /// Quarantine when there are more than this many failures.
    pub failures: u64,
    /// Quarantine when failures and reference failures together are more than this.
    pub absolute: u64,
}

impl EscrowThresholds {
    /// Microsoft's numbers: at least 5,000 failures; more than 40% or more than 40,000 (reference
    /// failures excluded); more than 60,000 with reference failures.
    pub const ENTRA: EscrowThresholds = EscrowThresholds {
        minimum: 5_000,
        percent: 40,
        failures: 40_000,
        absolute: 60_000,
    };

    /// Whether the counts put the job in quarantine. `failures` are objects that failed;
    /// `reference` failed manager or member updates ("reference failures", kept out of the
    /// 40% and 40,000 tests); `successes` objects provisioned without error.
    pub fn exceeded(&self, failures: u64, reference: u64, successes: u64) -> bool {
        let all = failures.saturating_add(reference);
        if all < self.minimum {
            return false;
        }
        if all > self.absolute || failures > self.failures {
            return true;
        }
        let events = failures.saturating_add(successes);
        events > 0 && failures.saturating_mul(100) > self.percent.saturating_mul(events)
    }
}

impl Default for EscrowThresholds {
    fn default() -> EscrowThresholds {
        EscrowThresholds::ENTRA
    }
}

/// Why the job is in quarantine, as Graph's job status names it where it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuarantineReason {
    /// The app refused the credentials (`EncounteredQuarantineException`).
    InvalidCredentials {
        /// The status the app answered: 401 or 403.
        status: u16,
    },
    /// "SCIM Compliance issue": a query answered 404 instead of 200 with an empty list.
    ScimCompliance,
    /// Too many failures (`EncounteredEscrowProportionThreshold`).
    EscrowThreshold {
        /// Objects failing when the job entered quarantine.
        failures: u64,
        /// Reference failures (manager and member updates) of that cycle.
        reference: u64,
        /// Objects provisioned without error at that time.
        successes: u64,
    },
}

impl QuarantineReason {
    /// The reason in one line, with Graph's code where the page gives one.
    pub fn describe(&self) -> String {
        match self {
            QuarantineReason::InvalidCredentials { status } => format!(
                "EncounteredQuarantineException: the app answered {status}, the credentials are invalid"
            ),
            QuarantineReason::ScimCompliance => "SCIM compliance issue: a query was answered 404 \
                                                 instead of 200 with an empty list"
                .to_owned(),
            QuarantineReason::EscrowThreshold {
                failures,
                reference,
                successes,
            } => {
                let mut s = format!(
                    "EncounteredEscrowProportionThreshold: {failures} of {} objects failed",
                    failures + successes
                );
                if *reference > 0 {
                    s.push_str(&format!(", and {reference} reference updates"));
                }
                s
            }
        }
    }
}

/// A job in quarantine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quarantine {
    /// Why.
    pub reason: QuarantineReason,
    /// The cycle that put the job in quarantine.
    pub cycle: u32,
    /// When that cycle ran: the schedule counts from it.
    pub since: DateTime,
    /// Cycles run in quarantine so far.
    pub runs: u32,
    /// Four weeks in quarantine: the job no longer runs until it is restarted.
    pub disabled: bool,
}

impl Quarantine {
    /// When the job runs next.
    pub fn next_run(&self) -> DateTime {
        SCHEDULE.at(self.since, self.runs + 1)
    }
}

/// A failed object waiting for its next retry (Entra's "escrow").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Escrowed {
    /// The cycle it first failed in.
    pub cycle: u32,
    /// When it first failed.
    pub first: DateTime,
    /// Retries so far (the first is the next cycle's).
    pub retries: u32,
    /// The last failure's message.
    pub message: String,
    /// Whether this cycle retries it.
    due: bool,
    /// Whether this cycle evaluated it (a retry, or a change in the directory).
    attempted: bool,
    /// Whether it last failed by a refused reference update only (its manager PATCH): the
    /// object itself is provisioned, so the escrow thresholds count it as a reference
    /// failure, not a failed object.
    reference: bool,
}

impl Escrowed {
    /// When it is next retried: in the next cycle after its first failure, then on
    /// [`SCHEDULE`].
    pub fn next_retry(&self) -> Option<DateTime> {
        (self.retries > 0).then(|| SCHEDULE.at(self.first, self.retries))
    }
}

/// What a cycle may do, decided before it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// The job is quarantined and this cycle is not one of its runs: nothing is sent.
    Skip,
    /// The cycle runs; these failed objects are due for a retry.
    Run(Vec<String>),
}

/// The retry and quarantine state of a job.
#[derive(Clone, Debug, Default)]
pub struct Retries {
    thresholds: EscrowThresholds,
    /// Failed objects by source objectId, in id order (notes come out in a stable order).
    escrow: BTreeMap<String, Escrowed>,
    quarantine: Option<Quarantine>,
    /// This cycle: the first 401 or 403 answered.
    credentials: Option<u16>,
    /// This cycle: a match query answered 404.
    compliance: bool,
    /// This cycle: failed manager and member updates.
    reference: u64,
    /// This cycle runs in quarantine.
    quarantined_run: bool,
    /// What the last cycle says about retries and quarantine.
    lines: Vec<String>,
}

impl Retries {
    /// Use other escrow thresholds (Microsoft's are the default).
    pub fn set_thresholds(&mut self, thresholds: EscrowThresholds) {
        self.thresholds = thresholds;
    }

    /// The job's quarantine, if it is in one.
    pub fn quarantine(&self) -> Option<&Quarantine> {
        self.quarantine.as_ref()
    }

    /// The failed objects waiting for a retry, by source objectId.
    pub fn escrow(&self) -> &BTreeMap<String, Escrowed> {
        &self.escrow
    }

    /// What the last cycle said about retries and quarantine, one line each: a cycle skipped
    /// or run in quarantine, entering or leaving it, entries given up.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// A restart ("Restart provisioning", or a saved change of mapping): it "clears escrows,
    /// removes the app from quarantine" (application-provisioning-quarantine-status.md).
    pub fn clear(&mut self) {
        self.escrow.clear();
        self.quarantine = None;
    }

    /// Decide whether the cycle at `now` runs, and which failed objects it retries.
    pub fn begin_cycle(&mut self, now: DateTime) -> Start {
        self.lines.clear();
        self.credentials = None;
        self.compliance = false;
        self.reference = 0;
        self.quarantined_run = false;
        if let Some(q) = &mut self.quarantine {
            let reason = q.reason.describe();
            if !q.disabled && SCHEDULE.given_up(q.since, now) {
                q.disabled = true;
            }
            if q.disabled {
                self.lines.push(format!(
                    "job disabled: in quarantine since cycle {} for more than four weeks ({reason}); \
                     nothing runs until it is restarted",
                    q.cycle
                ));
                return Start::Skip;
            }
            let next = q.next_run();
            if now < next {
                self.lines.push(format!(
                    "job in quarantine since cycle {} ({reason}): this cycle does not run; the next \
                     run is at {}",
                    q.cycle,
                    rfc3339(next)
                ));
                return Start::Skip;
            }
            q.runs += 1;
            self.quarantined_run = true;
            self.lines.push(format!(
                "job in quarantine since cycle {} ({reason}): this cycle runs, the quarantine's \
                 retry {}",
                q.cycle, q.runs
            ));
        }
        let mut due = Vec::new();
        let mut expired = 0usize;
        self.escrow.retain(|oid, e| {
            if SCHEDULE.given_up(e.first, now) {
                expired += 1;
                return false;
            }
            e.attempted = false;
            e.due = e.next_retry().is_none_or(|at| now >= at);
            if e.due {
                due.push(oid.clone());
            }
            true
        });
        if expired > 0 {
            self.lines.push(format!(
                "{expired} failed objects reached {} days without success: their escrow entries \
                 are removed and they are not retried until they change or the job restarts",
                SCHEDULE.give_up_days
            ));
        }
        Start::Run(due)
    }

    /// A cycle that did not run for another reason (the accidental-deletions guard): it says
    /// nothing about retries.
    pub fn skipped(&mut self) {
        self.lines.clear();
    }

    /// Note that this cycle evaluates `object` (a retry, or a change in the directory).
    pub fn attempt(&mut self, object: &str) {
        if let Some(e) = self.escrow.get_mut(object) {
            e.attempted = true;
        }
    }

    /// Whether any object waits for a retry (most cycles: none, and [`Retries::attempt`] is
    /// not worth a lookup).
    pub fn is_empty(&self) -> bool {
        self.escrow.is_empty()
    }

    /// Account for one answer of the app: credentials refused, a 404 to a query, a failed
    /// reference update.
    pub fn observe(&mut self, action: RequestPurpose, status: u16) {
        if (200..300).contains(&status) {
            return;
        }
        match (action, status) {
            (_, 401 | 403) => {
                self.credentials.get_or_insert(status);
            }
            (RequestPurpose::Match, 404) => self.compliance = true,
            (
                RequestPurpose::LinkManager
                | RequestPurpose::AddMembers
                | RequestPurpose::RemoveMembers,
                _,
            ) => {
                self.reference += 1;
            }
            _ => {}
        }
    }

    /// End the cycle that ran at `now`: put `failures` (the objects that failed) and
    /// `references` (the objects whose manager update was refused) in escrow, drop the entries
    /// that succeeded, and decide the quarantine, where only `failures` count as failed objects.
    /// `linked` is the number of linked objects, and `is_linked` tells whether a failed object
    /// is one of them. Returns, for each failed object this cycle did not retry, its objectId
    /// and why.
    pub fn end_cycle(
        &mut self,
        cycle: u32,
        now: DateTime,
        (failures, references): (&[Failure], &[Failure]),
        linked: u64,
        is_linked: &dyn Fn(&str) -> bool,
    ) -> Vec<(String, String)> {
        let objects: std::collections::HashSet<&str> =
            failures.iter().map(|f| f.object.as_str()).collect();
        let mut failed: std::collections::HashSet<&str> = Default::default();
        for f in failures.iter().chain(references) {
            failed.insert(f.object.as_str());
            let reference = !objects.contains(f.object.as_str());
            match self.escrow.get_mut(&f.object) {
                Some(e) => {
                    if e.due {
                        e.retries += 1;
                        e.due = false;
                    }
                    e.attempted = true;
                    e.reference = reference;
                    e.message.clone_from(&f.message);
                }
                None => {
                    self.escrow.insert(
                        f.object.clone(),
                        Escrowed {
                            cycle,
                            first: now,
                            retries: 0,
                            message: f.message.clone(),
                            due: false,
                            attempted: true,
                            reference,
                        },
                    );
                }
            }
        }
        let mut succeeded = 0u64;
        let mut waiting = Vec::new();
        self.escrow.retain(|oid, e| {
            if failed.contains(oid.as_str()) {
                return true;
            }
            if e.attempted {
                succeeded += 1;
                return false;
            }
            if e.due {
                // Due but not evaluated: gone from the directory, or out of scope unlinked.
                return false;
            }
            let next = e
                .next_retry()
                .map_or_else(|| "the next cycle".to_owned(), rfc3339);
            waiting.push((
                oid.clone(),
                format!(
                    "failing since cycle {}, retried {} times; the next retry is at {next} (last \
                     error: {})",
                    e.cycle, e.retries, e.message
                ),
            ));
            true
        });
        self.decide_quarantine(cycle, now, failures.len(), succeeded, linked, is_linked);
        waiting
    }

    fn decide_quarantine(
        &mut self,
        cycle: u32,
        now: DateTime,
        failed_now: usize,
        succeeded: u64,
        linked: u64,
        is_linked: &dyn Fn(&str) -> bool,
    ) {
        if self.quarantined_run {
            // "If any of the retries above gets a successful response, the job is
            // automatically put out of quarantine"; so does a run without errors.
            let persists =
                self.credentials.is_some() || self.compliance || (failed_now > 0 && succeeded == 0);
            if let Some(q) = self.quarantine.as_ref().filter(|_| persists) {
                self.lines.push(format!(
                    "still in quarantine: the next run is at {}",
                    rfc3339(q.next_run())
                ));
            } else {
                self.quarantine = None;
                self.lines.push(
                    "job out of quarantine: the run succeeded, cycles follow the interval again"
                        .to_owned(),
                );
            }
            return;
        }
        // Users waiting only for a manager retry are reference failures (counted by
        // `observe`), and provisioned objects otherwise.
        let failed = self.escrow.iter().filter(|(_, e)| !e.reference);
        let failures = failed.clone().count() as u64;
        let escrowed_linked = failed.filter(|(o, _)| is_linked(o)).count() as u64;
        let successes = linked.saturating_sub(escrowed_linked);
        let reason = if let Some(status) = self.credentials {
            QuarantineReason::InvalidCredentials { status }
        } else if self.compliance {
            QuarantineReason::ScimCompliance
        } else if self
            .thresholds
            .exceeded(failures, self.reference, successes)
        {
            QuarantineReason::EscrowThreshold {
                failures,
                reference: self.reference,
                successes,
            }
        } else {
            return;
        };
        let q = Quarantine {
            reason,
            cycle,
            since: now,
            runs: 0,
            disabled: false,
        };
        self.lines.push(format!(
            "job quarantined ({}): it runs again 6, 12 and 24 hours after this cycle, then once a \
             day, and is disabled after four weeks; the next run is at {}",
            q.reason.describe(),
            rfc3339(q.next_run())
        ));
        self.quarantine = Some(q);
    }
}

/// The failure of a `write` (create, update, disable) the app answered with `status`, named
/// with the code Entra's provisioning log gives that answer (howto-analyze-provisioning-logs.md,
/// "Error codes") where the page ties one to a status.
pub fn refused(write: &str, status: u16) -> (ErrorCode, String) {
    let name = match status {
        409 => Some("EntryConflict"),
        401 => Some("Unauthorized"),
        403 => Some("InsufficientRights"),
        405 => Some("MethodNotAllowed"),
        422 => Some("UnprocessableEntity"),
        429 => Some("TooManyRequests"),
        500 => Some("InternalServerError"),
        501 => Some("NotImplemented"),
        _ => None,
    };
    // Only EntryConflict is a code Entra's log documents for a refused write; the others name
    // the status in the message and log as HttpError.
    let code = if status == 409 {
        ErrorCode::EntryConflict
    } else {
        ErrorCode::HttpError
    };
    let message = match name {
        Some(name) => format!("{name}: the {write} was answered {status}"),
        None => format!("{write} failed with {status}"),
    };
    (code, message)
}

/// `2025-01-01T06:00:00Z`.
pub fn rfc3339(t: DateTime) -> String {
    let c = t.civil();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// application-provisioning-quarantine-status.md, "Escrow thresholds": each example of
    /// the page, as (failures, reference failures, successes, quarantined).
    #[test]
    fn escrow_thresholds_follow_the_pages_examples() {
        let cases: &[(u64, u64, u64, bool, &str)] = &[
            (4_000, 0, 0, false, "4,000 failures: not evaluated"),
            (
                5_000,
                0,
                0,
                true,
                "5,000 failures, all events: evaluated, over 40%",
            ),
            (45_000, 0, 1_000_000, true, "45,000 failures: over 40,000"),
            (
                30_000,
                0,
                5_000,
                true,
                "30,000 failed, 5,000 successful: over 40%",
            ),
            (
                20_000,
                0,
                100_000,
                false,
                "20,000 failures, 100,000 successes",
            ),
            (
                40_000,
                21_000,
                1_000_000,
                true,
                "61,000 with reference failures",
            ),
            (
                1_000,
                30_000,
                10_000,
                false,
                "reference failures stay out of the 40%",
            ),
            (4_999, 0, 0, false, "just under the minimum"),
            (40_000, 0, 60_000, false, "exactly 40%, exactly 40,000"),
        ];
        for &(failures, reference, successes, want, why) in cases {
            assert_eq!(
                EscrowThresholds::ENTRA.exceeded(failures, reference, successes),
                want,
                "{why}"
            );
        }
    }

    #[test]
    fn the_schedule_is_6_12_24_hours_then_daily_for_28_days() {
        let hours: Vec<u64> = (1..=6).map(|n| SCHEDULE.hours(n)).collect();
        assert_eq!(hours, [6, 12, 24, 48, 72, 96]);
        let start = DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("valid");
        assert_eq!(rfc3339(SCHEDULE.at(start, 2)), "2025-01-01T12:00:00Z");
        let day = |d: i64| DateTime::from_ticks(start.ticks() + d * 24 * TICKS_PER_HOUR);
        assert!(!SCHEDULE.given_up(start, day(28).expect("valid")));
        assert!(SCHEDULE.given_up(start, day(29).expect("valid")));
    }
}
