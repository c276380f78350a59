//! The vocabulary of actions: every command the service accepts is one of
//! these. The authority policy decides over them (`Action::"rfi.answer"` in
//! Cedar), and the ledger records their names, so the names are stable: a
//! renamed action is a new action.
//!
//! Stored form: the stable name as a JSON string (`"rfi.answer"`); loading
//! refuses an unknown name.

use std::fmt;
use std::str::FromStr;

use crate::storage::serde_as_str;

macro_rules! actions {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $write:literal; )*) => {
        /// One thing a principal can ask cortina to do.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $( $(#[$doc])* $variant, )*
        }

        impl Action {
            /// Every action, in a stable order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The stable name (`a-z`, `0-9`, `.`, `_`), as the policy and the
            /// ledger spell it.
            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }

            /// Whether the action changes state (as opposed to reading it).
            /// Reads of personal data are still recorded, as consultations.
            pub fn is_write(self) -> bool {
                match self { $(Action::$variant => $write,)* }
            }
        }
    };
}

actions! {
    // Registry and administration.
    /// Create or change the event, its clusters, venues and security zones.
    EventConfigure = "event.configure", true;
    /// Register a host or foreign agency.
    AgencyRegister = "agency.register", true;
    /// Register a foreign delegation together with its head's declaration.
    DelegationRegister = "delegation.register", true;
    /// Propose an account for an accredited person (or a host/oversight
    /// user): nothing exists until a host commander confirms it.
    AccountCreate = "account.create", true;
    /// Confirm an administrator's account proposal (four eyes): the account
    /// exists, without a password until its user enrols.
    AccountConfirm = "account.confirm", true;
    /// Issue a confirmed account's single-use enrolment secret (24 h), which
    /// its user exchanges for their own password.
    AccountEnrolment = "account.enrolment", true;
    /// Disable an account.
    AccountDisable = "account.disable", true;
    /// Issue an API or witness token.
    TokenIssue = "token.issue", true;
    /// Revoke a token.
    TokenRevoke = "token.revoke", true;
    /// Import or update the watchlists.
    ListsUpdate = "lists.update", true;
    /// Bring a store written by an older cortina up to date where a schema
    /// migration cannot: give the personal records and accounts it made
    /// under readable ids the opaque ids cortina makes today, with every
    /// reference to them (one entry; maintenance, not a decision).
    StoreMigrate = "store.migrate", true;
    /// Read the registry (agencies, delegations, venues): no personal data.
    RegistryRead = "registry.read", false;

    // Personnel declarations and accreditation.
    /// Declare personnel of the own delegation (new lines or answers to questions).
    DeclarationSubmit = "declaration.submit", true;
    /// Withdraw an own declaration line (the person will not come).
    DeclarationWithdraw = "declaration.withdraw", true;
    /// Read declaration lines (personal data: a consultation).
    DeclarationRead = "declaration.read", false;
    /// Accredit a declared person, with validity window, rooms and zones.
    DeclarationAccredit = "declaration.accredit", true;
    /// Refuse a declared person, with a reason.
    DeclarationRefuse = "declaration.refuse", true;
    /// Ask the delegation for more information on a declared person.
    DeclarationRequestInfo = "declaration.request_info", true;
    /// Grant a declared person a permit to carry arms during the stay.
    ArmsPermitGrant = "arms_permit.grant", true;
    /// Suspend an accreditation (a declared person's or an applicant's):
    /// its pass is refused at the gates and its account stops working until
    /// it is reinstated.
    AccreditationSuspend = "accreditation.suspend", true;
    /// Reinstate a suspended accreditation.
    AccreditationReinstate = "accreditation.reinstate", true;
    /// Revoke an accreditation for good.
    AccreditationRevoke = "accreditation.revoke", true;

    // Rooms, the event log, liaison reports.
    /// Create an operations room.
    RoomCreate = "room.create", true;
    /// Read a room and its board.
    RoomRead = "room.read", false;
    /// Record an incident or significant event in a room's log.
    LogRecord = "log.record", true;
    /// Update an open log entry (status, severity, text).
    LogUpdate = "log.update", true;
    /// Close a log entry.
    LogClose = "log.close", true;
    /// Read a room's event log.
    LogRead = "log.read", false;
    /// Submit a liaison report from a foreign delegation.
    LiaisonReportSubmit = "liaison_report.submit", true;
    /// Triage a liaison report into the log, or dismiss it.
    LiaisonReportTriage = "liaison_report.triage", true;

    // Requests for information / assistance.
    /// Draft a request for information or assistance.
    RfiDraft = "rfi.draft", true;
    /// Submit a drafted request to the host (the clock starts).
    RfiSubmit = "rfi.submit", true;
    /// Answer the host's request for clarification.
    RfiClarify = "rfi.clarify", true;
    /// Cancel an own request.
    RfiCancel = "rfi.cancel", true;
    /// Acknowledge receipt of a request.
    RfiAcknowledge = "rfi.acknowledge", true;
    /// Accept a request and assign it to a host unit.
    RfiAccept = "rfi.accept", true;
    /// Ask the requesting delegation for clarification.
    RfiRequestClarification = "rfi.request_clarification", true;
    /// Refuse a request, with a reason.
    RfiRefuse = "rfi.refuse", true;
    /// Start work on an accepted request.
    RfiStart = "rfi.start", true;
    /// Answer a request.
    RfiAnswer = "rfi.answer", true;
    /// Approve the release of personal data in an answer (a disclosure).
    RfiApproveDisclosure = "rfi.approve_disclosure", true;
    /// Close an answered request.
    RfiClose = "rfi.close", true;
    /// Read requests and their answers.
    RfiRead = "rfi.read", false;

    // Tasks for host units.
    /// Create a task for a host unit.
    TaskCreate = "task.create", true;
    /// Approve a task.
    TaskApprove = "task.approve", true;
    /// Report progress on a task (in progress, done, cancelled).
    TaskUpdate = "task.update", true;
    /// Read tasks.
    TaskRead = "task.read", false;

    // Protectees and movements.
    /// Register a protectee with a risk level.
    ProtecteeRegister = "protectee.register", true;
    /// Plan a protectee movement.
    MovementPlan = "movement.plan", true;
    /// Approve a planned movement.
    MovementApprove = "movement.approve", true;
    /// Read movements.
    MovementRead = "movement.read", false;

    // Screening and vetting.
    /// Screen names against the watchlists.
    ScreeningRun = "screening.run", true;
    /// Read a vetting case with its watchlist details (a consultation).
    VettingRead = "vetting.read", false;
    /// Add a risk note to a vetting case.
    VettingNote = "vetting.note", true;
    /// Share a vetting case with a delegation to ask for its risk notes (a
    /// registered disclosure).
    VettingShare = "vetting.share", true;
    /// Attach a delegation's liaison report about the person to a case.
    VettingAttachReport = "vetting.attach_report", true;
    /// Clear a routine vetting case.
    VettingClear = "vetting.clear", true;
    /// Propose refusing the person.
    VettingProposeRefusal = "vetting.propose_refusal", true;
    /// Confirm a proposed refusal (decision board).
    VettingConfirmRefusal = "vetting.confirm_refusal", true;
    /// Propose referring the case to another authority.
    VettingProposeReferral = "vetting.propose_referral", true;
    /// Confirm a proposed referral.
    VettingConfirmReferral = "vetting.confirm_referral", true;
    /// Read only the opinion (no objection / objection) on an applicant.
    VettingReadOpinion = "vetting.read_opinion", false;
    /// Claim a vetting case in the analysts' queue (the claim lapses).
    VettingClaim = "vetting.claim", true;
    /// Release a claim on a vetting case.
    VettingRelease = "vetting.release", true;

    // Applicants for accreditation through the organiser.
    /// Submit (or send again) applicants; each is screened at intake.
    ApplicantSubmit = "applicant.submit", true;
    /// Read the opinions on applicants (no reasons, lists, scores or cases).
    ApplicantReadOpinion = "applicant.read_opinion", false;

    // Situation reports and oversight.
    /// Issue the next numbered situation report of a room.
    SitrepIssue = "sitrep.issue", true;
    /// Read situation reports.
    SitrepRead = "sitrep.read", false;
    /// Read the ledger (checkpoints, tiles, entries).
    LedgerRead = "ledger.read", false;
    /// Read statistics and the authority trail of decisions.
    StatsRead = "stats.read", false;
    /// Read the disclosure register: every release of personal data to a
    /// delegation, with recipient, legal basis, categories and approver.
    DisclosuresRead = "disclosures.read", false;
    /// Read the consultation log: who consulted what personal data, when,
    /// through which channel and why (itself a consultation, recorded).
    ConsultationsRead = "consultations.read", false;

    // Retention after the Games.
    /// Propose purging the personal data of a kind of record once its
    /// retention has run out (the rule: event end + N days); nothing is
    /// purged until a second host commander confirms.
    RetentionProposePurge = "retention.propose_purge", true;
    /// Confirm another commander's purge proposal and purge, in batches:
    /// each batch one entry listing the records whose documents and salts
    /// it removed (four eyes: never the proposer).
    RetentionPurge = "retention.purge", true;
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action name that is not one of [`Action::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action {0:?}")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

serde_as_str!(Action, "an action", str::parse::<Action>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_ledger_safe() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.as_str()), "duplicate {a}");
            assert!(
                a.as_str().bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'.'
                    || b == b'_'),
                "{a}"
            );
            assert_eq!(a.as_str().parse::<Action>(), Ok(*a));
        }
    }
}
