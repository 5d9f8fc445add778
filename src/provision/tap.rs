//! Outputs that record the provisioning log and keep something of their own beside it:
//! `explain` (one object's requests in one cycle) and the HTML report's `HtmlOutput` (every
//! object's row, requests and attribute tables). Both hand the cycle's decisions to a
//! [`LogRecorder`] unchanged; [`LogTap`] is that forwarding, written once, with a hook for
//! each call an output adds to.

use super::cycle::{Failure, Note, Request, Sink, Subject};
use super::directory::Directory;
use super::log::{EntryOut, LogRecorder};

/// An output made of a [`LogRecorder`] and its own handling of requests and objects. Every
/// `LogTap` is a [`Sink`]: requests and decisions go to the recorder, then to the hooks.
pub trait LogTap {
    /// Where the recorder's entries go.
    type Entries: EntryOut;
    /// The recorder the decisions are forwarded to.
    fn recorder(&mut self) -> &mut LogRecorder<Self::Entries>;
    /// Whether the cycle under way is recorded (`explain` records one cycle, the page all):
    /// when not, requests are dropped and the cycle is not asked for its decisions.
    fn recording(&self) -> bool {
        true
    }
    /// A recorded request, after the recorder has it.
    fn on_request(&mut self, _r: &Request<'_>) {}
    /// The cycle starts deciding about an object, after the recorder has it.
    fn on_begin_object(&mut self, _subject: &Subject<'_>) {}
}

impl<T: LogTap> Sink for T {
    fn request(&mut self, r: &Request<'_>) {
        if self.recording() {
            self.recorder().request(r);
            self.on_request(r);
        }
    }
    fn records_decisions(&self) -> bool {
        self.recording()
    }
    fn begin_object(&mut self, subject: &Subject<'_>) {
        self.recorder().begin_object(subject);
        self.on_begin_object(subject);
    }
    fn failure(&mut self, failure: &Failure) {
        self.recorder().failure(failure)
    }
    fn note(&mut self, note: &Note) {
        self.recorder().note(note)
    }
    fn deferred(&mut self) {
        self.recorder().deferred()
    }
    fn end_object(&mut self) {
        self.recorder().end_object()
    }
    fn unresolved_manager(&mut self, user: (&str, &str), manager: &str, snapshot: &Directory) {
        self.recorder().unresolved_manager(user, manager, snapshot)
    }
}
