//! The causes of the catalogue (docs/mapping-model.md §12.2) that `converge` tells apart,
//! with their stable codes and names, and a diagnosis: a cause with what it means for one
//! attribute and how to fix it.

/// A cause of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// C1: the app does not store or return the attribute.
    NotStored,
    /// C2: the app returns it at another path or in another shape.
    OtherShape,
    /// C3: the app changes the case of the value and the attribute is exact-case.
    CaseChanged,
    /// C3: the app normalises the value otherwise.
    Normalised,
    /// C4: the app rejects the request.
    Rejected,
    /// C5: a Boolean sent as a string that the app does not take.
    BooleanText,
    /// C6: the app appends to a multi-valued attribute.
    Appending,
    /// C7: Now(), Guid() or RandomString() on an always row.
    NonDeterministic,
    /// C11: the source value was cleared and Entra sends no Remove.
    SourceCleared,
    /// C12: a Switch whose keys never match the value it switches on.
    SwitchNoMatch,
    /// C12: an expression that is empty for inputs with values.
    NeverFlows,
    /// C13: the row's default is sent on create only.
    DefaultOnCreate,
    /// C12: a deprovisioned user is never deactivated, as `active` flows nothing for it.
    NotDeactivated,
    /// Two rows write the same target attribute and undo each other.
    ConflictingRows,
    /// Entra fails the object at every evaluation.
    EvaluationFails,
    /// None of the above explains it (a simulator or diagnosis gap: please report it).
    Unexplained,
}

impl Cause {
    /// The catalogue entry (`C1`...), or `-` for causes outside it.
    pub fn code(self) -> &'static str {
        match self {
            Cause::NotStored => "C1",
            Cause::OtherShape => "C2",
            Cause::CaseChanged | Cause::Normalised => "C3",
            Cause::Rejected => "C4",
            Cause::BooleanText => "C5",
            Cause::Appending => "C6",
            Cause::NonDeterministic => "C7",
            Cause::SourceCleared => "C11",
            Cause::SwitchNoMatch | Cause::NeverFlows | Cause::NotDeactivated => "C12",
            Cause::DefaultOnCreate => "C13",
            Cause::ConflictingRows | Cause::EvaluationFails | Cause::Unexplained => "-",
        }
    }

    /// A stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Cause::NotStored => "not-stored",
            Cause::OtherShape => "returned-in-another-shape",
            Cause::CaseChanged => "case-changed-exact-case",
            Cause::Normalised => "value-normalised",
            Cause::Rejected => "write-rejected",
            Cause::BooleanText => "string-vs-boolean",
            Cause::Appending => "appending-multi-valued-add",
            Cause::NonDeterministic => "non-deterministic-always",
            Cause::SourceCleared => "source-cleared-not-removed",
            Cause::SwitchNoMatch => "switch-keys-never-match",
            Cause::NeverFlows => "never-flows",
            Cause::DefaultOnCreate => "default-on-create-only",
            Cause::NotDeactivated => "never-deactivated",
            Cause::ConflictingRows => "two-rows-one-attribute",
            Cause::EvaluationFails => "evaluation-fails",
            Cause::Unexplained => "unexplained",
        }
    }
}

/// A cause with what it means here and how to fix it.
#[derive(Clone, Debug)]
pub struct Diagnosis {
    /// The cause.
    pub cause: Cause,
    /// What happens, for this attribute and these values.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// The `entramap check` lint that reports the same cause statically, when there is one.
    pub lint: Option<&'static str>,
}
