//! One loop over a run's cycles, feeding one output: the `.http` transcript, JSON Lines, the
//! summary or the provisioning log. Each format is an [`Output`] (a [`Sink`] for the cycle's
//! requests and decisions, plus what happens between cycles), so the cycle loop, the clock,
//! restarts and stopping live here once instead of once per format in the CLI.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use super::clock::{CycleInterval, cycle_time};
use super::cycle::{Failure, Note, Progress, Request, Simulator, Sink, Subject};
use super::directory::Directory;
use super::endpoint::Endpoint;
use super::guard::TooManyDeletes;
use super::log::{LogEntry, LogOptions, LogRecorder};
use super::transcript::{HttpWriter, Redactions, Section, Summary, write_jsonl_line};
use crate::dotnet::datetime::DateTime;

/// When cycles run and which follow a restart.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// When cycle 1 runs.
    pub start: DateTime,
    /// The time between two cycles.
    pub interval: CycleInterval,
    /// The cycles restarted before they run.
    pub restarts: Vec<u32>,
}

impl Schedule {
    /// Set the job up for `cycle`: its clock, and a restart when one is due.
    pub fn before<E: Endpoint>(&self, simulator: &mut Simulator<E>, cycle: u32) {
        simulator.set_now(self.at(cycle));
        if self.restarts.contains(&cycle) {
            simulator.restart();
        }
    }

    /// When `cycle` runs.
    pub fn at(&self, cycle: u32) -> DateTime {
        cycle_time(self.start, self.interval, cycle)
    }
}

/// The snapshot of a cycle: one per cycle, the last one repeating.
pub fn pick(snapshots: &[Directory], cycle: u32) -> &Directory {
    let i = (cycle as usize - 1).min(snapshots.len() - 1);
    &snapshots[i]
}

/// An output format fed by [`run_cycles`]. Writes may fail (a closed pipe, a full disk): an
/// output keeps its first error, says so with [`Output::failed`] (the run then stops), and
/// returns it from [`Output::finish`].
pub trait Output: Sink {
    /// A cycle starts: its number, its clock, and whether it is full.
    fn begin_cycle(&mut self, _cycle: u32, _now: DateTime, _full: bool) {}
    /// A cycle ended: the objects that failed, the explained non-actions, and the quarantine
    /// the job is in, if any.
    fn end_cycle(
        &mut self,
        _cycle: u32,
        _failures: &[Failure],
        _notes: &[Note],
        _quarantine: Option<&TooManyDeletes>,
    ) {
    }
    /// What the retry schedule and the quarantine decided in `cycle` (a retry waiting, the job
    /// quarantined or resumed), one line each; called after [`Output::end_cycle`].
    fn job_lines(&mut self, _cycle: u32, _lines: &[String]) {}
    /// Whether a write failed.
    fn failed(&self) -> bool;
    /// The run is over (`complete`: not stopped part-way): write what is left and flush.
    fn finish(&mut self, complete: bool) -> io::Result<()>;
}

/// What a run of cycles did besides its output.
#[derive(Debug, Default)]
pub struct RunOutcome {
    /// Every object that failed, cycle after cycle.
    pub failures: Vec<Failure>,
    /// Per cycle run while the job was quarantined or became so, what the guard did.
    pub guard_notes: Vec<String>,
}

/// Forwards a cycle to an output, raising `halt` when a write fails.
struct Guarded<'a> {
    out: &'a mut dyn Output,
    halt: &'a AtomicBool,
    cycle: u32,
    progress: &'a mut dyn FnMut(u32, Progress),
}

impl Sink for Guarded<'_> {
    fn request(&mut self, r: &Request<'_>) {
        if !self.halt.load(Ordering::Relaxed) {
            self.out.request(r);
            if self.out.failed() {
                self.halt.store(true, Ordering::Relaxed);
            }
        }
    }
    fn progress(&mut self, progress: Progress) {
        (self.progress)(self.cycle, progress)
    }
    fn records_decisions(&self) -> bool {
        self.out.records_decisions()
    }
    fn begin_object(&mut self, subject: &Subject<'_>) {
        self.out.begin_object(subject)
    }
    fn failure(&mut self, failure: &Failure) {
        self.out.failure(failure)
    }
    fn note(&mut self, note: &Note) {
        self.out.note(note)
    }
    fn deferred(&mut self) {
        self.out.deferred()
    }
    fn end_object(&mut self) {
        self.out.end_object();
        if self.out.failed() {
            self.halt.store(true, Ordering::Relaxed);
        }
    }
    fn unresolved_manager(&mut self, user: (&str, &str), manager: &str, snapshot: &Directory) {
        self.out.unresolved_manager(user, manager, snapshot)
    }
}

/// Run `cycles` cycles over `snapshots` (one per cycle, the last repeating) on the schedule,
/// feeding `out`; `stop` is asked between objects (Ctrl-C). `progress` hears how far each
/// cycle has come. The output is finished (complete unless `stop` said yes) before this
/// returns; its first write error is the error.
pub fn run_cycles<E: Endpoint>(
    simulator: &mut Simulator<E>,
    snapshots: &[Directory],
    cycles: u32,
    schedule: &Schedule,
    out: &mut dyn Output,
    progress: &mut dyn FnMut(u32, Progress),
    stop: &dyn Fn() -> bool,
) -> io::Result<RunOutcome> {
    let halt = AtomicBool::new(out.failed());
    let halted = || stop() || halt.load(Ordering::Relaxed);
    let mut outcome = RunOutcome::default();
    for cycle in (1..=cycles).take_while(|_| !halted()) {
        let snapshot = pick(snapshots, cycle);
        schedule.before(simulator, cycle);
        out.begin_cycle(cycle, schedule.at(cycle), simulator.next_cycle_is_full());
        let failed = simulator.run_cycle_into(
            snapshot,
            cycle,
            &mut Guarded {
                out,
                halt: &halt,
                cycle,
                progress,
            },
            &halted,
        );
        let job_lines = simulator.retries().lines();
        if !halt.load(Ordering::Relaxed) {
            out.end_cycle(cycle, &failed, simulator.notes(), simulator.quarantine());
            if !job_lines.is_empty() {
                out.job_lines(cycle, job_lines);
            }
        }
        outcome
            .guard_notes
            .extend(job_lines.iter().map(|l| format!("cycle {cycle} · {l}")));
        outcome.failures.extend(failed);
        if let Some(q) = simulator.quarantine() {
            outcome
                .guard_notes
                .push(format!("cycle {cycle}: {}", q.describe(cycle)));
        }
    }
    out.finish(!stop())?;
    Ok(outcome)
}

/// Keeps the first write error of an output.
#[derive(Default)]
struct FirstError(Option<io::Error>);

impl FirstError {
    fn keep(&mut self, result: io::Result<()>) {
        if self.0.is_none()
            && let Err(e) = result
        {
            self.0 = Some(e);
        }
    }
    fn failed(&self) -> bool {
        self.0.is_some()
    }
    fn take(&mut self) -> io::Result<()> {
        self.0.take().map_or(Ok(()), Err)
    }
}

/// The `.http` transcript: every request (`Redact()`ed values always masked), and after each
/// cycle what it did not send.
pub struct HttpOutput<W: Write> {
    writer: HttpWriter<W>,
    redactions: Redactions,
    error: FirstError,
}

impl<W: Write> HttpOutput<W> {
    /// Start the transcript (its `@baseUrl` line) on `out`.
    pub fn new(out: W, base_url: &str, redactions: Redactions) -> io::Result<HttpOutput<W>> {
        Ok(HttpOutput {
            writer: HttpWriter::new(out, base_url)?,
            redactions,
            error: FirstError::default(),
        })
    }
}

impl<W: Write> Sink for HttpOutput<W> {
    fn request(&mut self, r: &Request<'_>) {
        if self.error.failed() {
            return;
        }
        let masked = self.redactions.mask(r);
        let r = masked.as_ref().map_or(*r, |m| m.apply(r));
        let result = self.writer.write(&r);
        self.error.keep(result);
    }
}

impl<W: Write> Output for HttpOutput<W> {
    fn end_cycle(
        &mut self,
        cycle: u32,
        failures: &[Failure],
        notes: &[Note],
        _quarantine: Option<&TooManyDeletes>,
    ) {
        if !self.error.failed() {
            let result = self.writer.write_outcomes(cycle, failures, notes);
            self.error.keep(result);
        }
    }
    fn job_lines(&mut self, cycle: u32, lines: &[String]) {
        if !self.error.failed() {
            let comments: Vec<String> = lines
                .iter()
                .map(|l| format!("# cycle {cycle} · {l}"))
                .collect();
            let result = self.writer.write_comments(&comments);
            self.error.keep(result);
        }
    }
    fn failed(&self) -> bool {
        self.error.failed()
    }
    fn finish(&mut self, _complete: bool) -> io::Result<()> {
        self.error.take()?;
        self.writer.flush()
    }
}

/// JSON Lines: one line per request sent (`Redact()`ed values masked unless `show_secrets`).
pub struct JsonlOutput<W: Write> {
    out: W,
    redactions: Option<Redactions>,
    error: FirstError,
}

impl<W: Write> JsonlOutput<W> {
    /// Lines on `out`; `redactions` masks values unless it is `None` (`--show-secrets`).
    pub fn new(out: W, redactions: Option<Redactions>) -> JsonlOutput<W> {
        JsonlOutput {
            out,
            redactions,
            error: FirstError::default(),
        }
    }
}

impl<W: Write> Sink for JsonlOutput<W> {
    fn request(&mut self, r: &Request<'_>) {
        if self.error.failed() {
            return;
        }
        let masked = self.redactions.as_ref().and_then(|m| m.mask(r));
        let r = masked.as_ref().map_or(*r, |m| m.apply(r));
        let result = write_jsonl_line(&mut self.out, &r);
        self.error.keep(result);
    }
}

impl<W: Write> Output for JsonlOutput<W> {
    /// A failed object sends nothing, so it has no request line; it gets a line of its own
    /// (`"action": "failed"`, with `errorCode` and `message`) after its cycle's requests.
    fn end_cycle(
        &mut self,
        cycle: u32,
        failures: &[Failure],
        _notes: &[Note],
        _quarantine: Option<&TooManyDeletes>,
    ) {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Line<'a> {
            cycle: u32,
            object: &'a str,
            action: &'static str,
            error_code: Option<&'static str>,
            message: &'a str,
        }
        for f in failures {
            if self.error.failed() {
                return;
            }
            let line = Line {
                cycle,
                object: &f.object,
                action: "failed",
                error_code: f.code.map(super::cycle::ErrorCode::as_str),
                message: &f.message,
            };
            let result = serde_json::to_writer(&mut self.out, &line)
                .map_err(io::Error::from)
                .and_then(|()| self.out.write_all(b"\n"));
            self.error.keep(result);
        }
    }
    fn failed(&self) -> bool {
        self.error.failed()
    }
    fn finish(&mut self, _complete: bool) -> io::Result<()> {
        self.error.take()?;
        self.out.flush()
    }
}

/// The dry-run summary, written when the run is complete (counts of part of a run would pass
/// for the whole run's): per cycle the counts, then who failed, was disabled, deleted or
/// skipped, and why.
pub struct SummaryOutput<W: Write> {
    out: W,
    summary: Summary,
    cycle: u32,
    full: bool,
    current: Option<Decided>,
}

/// What the summary keeps of the object in its bracket.
struct Decided {
    object: String,
    label: String,
    linked: bool,
    /// Why the object is not in scope (`unassigned`, ``left scope `department EQUALS Sales` ``),
    /// `None` when it is.
    out_of_scope: Option<String>,
    disabled: bool,
    failed: Option<String>,
    import_skipped: bool,
}

impl<W: Write> SummaryOutput<W> {
    /// A summary written to `out` at the end; `all` lists every name, not only the first.
    pub fn new(out: W, all: bool) -> SummaryOutput<W> {
        let mut summary = Summary::default();
        summary.who.all = all;
        SummaryOutput {
            out,
            summary,
            cycle: 0,
            full: true,
            current: None,
        }
    }
}

/// Why a subject is out of scope, in a few words, or `None` when it is in scope.
fn out_of_scope(s: &Subject<'_>) -> Option<String> {
    use super::assignment::Reason;
    if s.kind == super::target::ResourceKind::User {
        let u = &s.snapshot.users[s.index];
        if !s.deprovisioned {
            return None;
        }
        if u.soft_deleted {
            return Some("soft-deleted".into());
        }
        if u.account_enabled() == Some(false) {
            return Some("accountEnabled false".into());
        }
    }
    match s.assignment {
        Reason::NotAssigned => return Some("unassigned".into()),
        Reason::DefaultAccessOnly => return Some("only the Default Access role".into()),
        _ => {}
    }
    super::scope::explain(s.scope, s.record())
        .into_iter()
        .find(|v| !v.holds)
        .filter(|_| !super::scope::in_scope(s.scope, s.record()))
        .map(|v| format!("left scope `{}`", v.clause))
}

impl<W: Write> Sink for SummaryOutput<W> {
    fn request(&mut self, r: &Request<'_>) {
        self.summary.add(r);
        match self.current.as_mut().filter(|c| c.object == r.object) {
            Some(c) => c.disabled |= r.action == super::cycle::RequestPurpose::Disable,
            None => {
                let (section, reason) = match r.action {
                    super::cycle::RequestPurpose::Delete if r.path.starts_with("/Users") => {
                        (Section::Deleted, "hard-deleted")
                    }
                    super::cycle::RequestPurpose::Delete => {
                        (Section::Deleted, "groups deleted or out of scope")
                    }
                    // Held for the accidental-deletions threshold, then sent.
                    super::cycle::RequestPurpose::Disable => (Section::Disabled, "out of scope"),
                    _ => return,
                };
                self.summary
                    .who
                    .add(self.cycle, section, reason.to_owned(), r.label);
            }
        }
    }
    fn records_decisions(&self) -> bool {
        true
    }
    fn begin_object(&mut self, subject: &Subject<'_>) {
        self.current = Some(Decided {
            object: subject.object_id().to_owned(),
            label: subject.label().to_owned(),
            linked: subject.linked.is_some(),
            out_of_scope: out_of_scope(subject),
            disabled: false,
            failed: None,
            import_skipped: false,
        });
    }
    fn failure(&mut self, failure: &Failure) {
        let code = failure
            .code
            .map_or("failed", super::cycle::ErrorCode::as_str)
            .to_owned();
        match self.current.as_mut().filter(|c| c.object == failure.object) {
            Some(c) => c.failed = Some(code),
            None => self
                .summary
                .who
                .add(self.cycle, Section::Failed, code, &failure.object),
        }
    }
    fn note(&mut self, note: &Note) {
        if let Some(c) = self.current.as_mut().filter(|c| c.object == note.object) {
            c.import_skipped |= note.kind == super::cycle::NoteKind::ImportSkipped;
        }
    }
    fn end_object(&mut self) {
        let Some(c) = self.current.take() else {
            return;
        };
        let cycle = self.cycle;
        let who = &mut self.summary.who;
        if let Some(code) = c.failed {
            who.add(cycle, Section::Failed, code, &c.label);
        } else if c.disabled {
            let cause = c.out_of_scope.unwrap_or_else(|| "out of scope".into());
            who.add(cycle, Section::Disabled, cause, &c.label);
        } else if c.import_skipped {
            who.add(
                cycle,
                Section::Skipped,
                "ImportSkipped (no matching value)".into(),
                &c.label,
            );
        } else if let Some(cause) = c.out_of_scope.filter(|_| !c.linked && self.full) {
            // Only a full cycle reads the objects that are not in scope.
            who.add(
                cycle,
                Section::Skipped,
                format!("NotEffectivelyEntitled ({cause})"),
                &c.label,
            );
        }
    }
}

impl<W: Write> Output for SummaryOutput<W> {
    fn begin_cycle(&mut self, cycle: u32, _now: DateTime, full: bool) {
        self.cycle = cycle;
        self.full = full;
        self.summary.begin_cycle(cycle, full);
    }
    fn job_lines(&mut self, cycle: u32, lines: &[String]) {
        self.summary.job_lines(cycle, lines);
    }
    fn end_cycle(
        &mut self,
        cycle: u32,
        failures: &[Failure],
        notes: &[Note],
        quarantine: Option<&TooManyDeletes>,
    ) {
        self.summary.end_cycle(cycle, failures, notes, quarantine);
    }
    fn failed(&self) -> bool {
        false
    }
    fn finish(&mut self, complete: bool) -> io::Result<()> {
        if complete {
            self.out.write_all(self.summary.render().as_bytes())?;
        }
        self.out.flush()
    }
}

/// Writes each log entry as one JSON line, keeping the first write error.
pub struct JsonEntries<W: Write> {
    out: W,
    error: FirstError,
}

impl<W: Write> JsonEntries<W> {
    fn write(&mut self, entry: &LogEntry) {
        if self.error.failed() {
            return;
        }
        let result = serde_json::to_writer(&mut self.out, entry)
            .map_err(io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        self.error.keep(result);
    }
}

/// The provisioning log as JSON Lines: one `provisioningObjectSummary` per line, streamed.
pub type LogOutput<W> = LogRecorder<JsonEntries<W>>;

impl<W: Write> LogOutput<W> {
    /// A log written to `out`.
    pub fn writing(out: W, options: LogOptions) -> LogOutput<W> {
        LogRecorder::new(
            options,
            JsonEntries {
                out,
                error: FirstError::default(),
            },
        )
    }

    /// The writer, the log done (flush it first with [`Output::finish`]).
    pub fn into_inner(self) -> W {
        self.into_out().out
    }
}

impl<W: Write> super::log::EntryOut for JsonEntries<W> {
    fn entry(&mut self, entry: &LogEntry) {
        self.write(entry)
    }
    fn failed(&self) -> bool {
        self.error.failed()
    }
    fn finish(&mut self) -> io::Result<()> {
        self.error.take()?;
        self.out.flush()
    }
}

/// Any recorder is an output: the log (to a writer, or into memory) needs nothing more.
impl<F: super::log::EntryOut> Output for LogRecorder<F> {
    fn begin_cycle(&mut self, cycle: u32, now: DateTime, full: bool) {
        LogRecorder::begin_cycle(self, cycle, now, full);
    }
    fn end_cycle(
        &mut self,
        _cycle: u32,
        _failures: &[Failure],
        _notes: &[Note],
        quarantine: Option<&TooManyDeletes>,
    ) {
        LogRecorder::end_cycle(self, quarantine);
    }
    fn failed(&self) -> bool {
        self.out().failed()
    }
    fn finish(&mut self, _complete: bool) -> io::Result<()> {
        self.out_mut().finish()
    }
}

/// The provisioning log of a run as values, for callers that read it whole (the property
/// tests): every entry of `cycles` cycles over `snapshots`, in order.
pub fn log_entries<E: Endpoint>(
    simulator: &mut Simulator<E>,
    snapshots: &[Directory],
    cycles: u32,
    schedule: &Schedule,
    options: LogOptions,
) -> (Vec<LogEntry>, RunOutcome) {
    let mut recorder = LogRecorder::new(options, Vec::new());
    // Collecting into memory cannot fail.
    let outcome = run_cycles(
        simulator,
        snapshots,
        cycles,
        schedule,
        &mut recorder,
        &mut |_, _| {},
        &|| false,
    )
    .unwrap_or_default();
    (recorder.into_out(), outcome)
}

/// A sink that hands every request to a closure and, when there is one, feeds an output too
/// (the provisioning log of `live`, next to its own bookkeeping). Requests with status 0
/// were not sent (a stop, a refused write) and are not logged.
pub struct Tee<'a, 'o> {
    /// Every request.
    pub emit: &'a mut dyn FnMut(&Request<'_>),
    /// The output fed alongside, if any.
    pub output: Option<&'a mut (dyn Output + 'o)>,
}

impl Sink for Tee<'_, '_> {
    fn request(&mut self, r: &Request<'_>) {
        (self.emit)(r);
        if r.status != 0
            && let Some(o) = self.output.as_deref_mut()
        {
            o.request(r);
        }
    }
    fn records_decisions(&self) -> bool {
        self.output
            .as_deref()
            .is_some_and(|o| o.records_decisions())
    }
    fn begin_object(&mut self, subject: &Subject<'_>) {
        if let Some(o) = self.output.as_deref_mut() {
            o.begin_object(subject);
        }
    }
    fn failure(&mut self, failure: &Failure) {
        if let Some(o) = self.output.as_deref_mut() {
            o.failure(failure);
        }
    }
    fn note(&mut self, note: &Note) {
        if let Some(o) = self.output.as_deref_mut() {
            o.note(note);
        }
    }
    fn deferred(&mut self) {
        if let Some(o) = self.output.as_deref_mut() {
            o.deferred();
        }
    }
    fn end_object(&mut self) {
        if let Some(o) = self.output.as_deref_mut() {
            o.end_object();
        }
    }
    fn unresolved_manager(&mut self, user: (&str, &str), manager: &str, snapshot: &Directory) {
        if let Some(o) = self.output.as_deref_mut() {
            o.unresolved_manager(user, manager, snapshot);
        }
    }
}

/// Two outputs fed as one (`live --log FILE --format html`: the log file and the page).
pub struct Both<'a> {
    /// The first output.
    pub first: &'a mut dyn Output,
    /// The second output.
    pub second: &'a mut dyn Output,
}

impl Sink for Both<'_> {
    fn request(&mut self, r: &Request<'_>) {
        self.first.request(r);
        self.second.request(r);
    }
    fn progress(&mut self, progress: Progress) {
        self.first.progress(progress);
        self.second.progress(progress);
    }
    fn records_decisions(&self) -> bool {
        self.first.records_decisions() || self.second.records_decisions()
    }
    fn begin_object(&mut self, subject: &Subject<'_>) {
        self.first.begin_object(subject);
        self.second.begin_object(subject);
    }
    fn failure(&mut self, failure: &Failure) {
        self.first.failure(failure);
        self.second.failure(failure);
    }
    fn note(&mut self, note: &Note) {
        self.first.note(note);
        self.second.note(note);
    }
    fn deferred(&mut self) {
        self.first.deferred();
        self.second.deferred();
    }
    fn end_object(&mut self) {
        self.first.end_object();
        self.second.end_object();
    }
    fn unresolved_manager(&mut self, user: (&str, &str), manager: &str, snapshot: &Directory) {
        self.first.unresolved_manager(user, manager, snapshot);
        self.second.unresolved_manager(user, manager, snapshot);
    }
}

impl Output for Both<'_> {
    fn begin_cycle(&mut self, cycle: u32, now: DateTime, full: bool) {
        self.first.begin_cycle(cycle, now, full);
        self.second.begin_cycle(cycle, now, full);
    }
    fn end_cycle(
        &mut self,
        cycle: u32,
        failures: &[Failure],
        notes: &[Note],
        quarantine: Option<&TooManyDeletes>,
    ) {
        self.first.end_cycle(cycle, failures, notes, quarantine);
        self.second.end_cycle(cycle, failures, notes, quarantine);
    }
    fn job_lines(&mut self, cycle: u32, lines: &[String]) {
        self.first.job_lines(cycle, lines);
        self.second.job_lines(cycle, lines);
    }
    fn failed(&self) -> bool {
        self.first.failed() || self.second.failed()
    }
    fn finish(&mut self, complete: bool) -> io::Result<()> {
        let first = self.first.finish(complete);
        self.second.finish(complete)?;
        first
    }
}
