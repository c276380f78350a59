//! `cortina exec --as USER FILE`: replay a script of commands through the
//! service, one JSON command per line in, one JSON result per line out.
//! Denials are results like any other (and ledger entries); a line that is
//! not a valid command is reported with its line number and changes nothing.

use std::io::{BufRead as _, Write as _};

use anyhow::Context as _;
use serde_json::{Value, json};
use service::{Command, ServiceError};

use crate::cli::ExecArgs;
use crate::{Failure, Outcome};

/// The command vocabulary, for `cortina exec --help`.
pub const HELP: &str = "\
Each line is one JSON object; \"action\" names the command, the other fields are its arguments.
Ids are [A-Za-z0-9_-]{1,64}; an omitted id on creation is generated. Times are Unix ms; a window
is {\"from\": ms, \"until\": ms}. Unknown fields are refused.

Registry (admin):
  agency.register       id, name, kind (host|foreign|organiser|oversight), country
  event.configure       id, name, clusters [{id,name}], venues [{id,name,cluster}]
  delegation.register   id, name, agency, head_line?, head (person)
  account.create        username, role, agency, delegation?, declaration? (a proposal, prop-NAME;
                        no password: the user chooses it at enrolment)
  account.confirm       proposal (host commander: four eyes)
  account.enrolment     username (the user's single-use enrolment secret, 24 h)
  account.disable       username
Declarations:
  declaration.submit    id?, person {name, birth_date YYYY-MM-DD, nationality, document, role
                        (liaison|investigative_support|observer|protective_agent, the last with
                        protectee beside it), weapons [{kind, serial}], vehicles [{plate, description}]}
  declaration.answer    id, answer            declaration.request_info  id, question
  declaration.withdraw  id (the delegation's own line)
  declaration.accredit  id, window, rooms [], zones [{venue, zone 1-3}]
  declaration.refuse    id, reason            declaration.read          id, purpose
  arms_permit.grant     id, serial, window
  accreditation.suspend | accreditation.reinstate | accreditation.revoke
                        id, kind (declaration|applicant), reason (host commander; the pass goes
                        on the gates' revocation list, a foreign account stops working)
Rooms and the event log:
  room.create           id?, name, kind (host_national | host_cluster with cluster |
                        delegation_liaison with delegation)
  room.read             id (the room and its board: the open log entries)
  log.record            id?, room, venue?, category (incident|significant_event|information|decision),
                        severity 1-5, text
  log.update            id, severity?, text? (at least one)     log.close   id
  log.read              room (the whole log, oldest first)
  liaison_report.submit id?, venue?, text, subject? {name, birth_date?, nationality?}
                        (for the own delegation; a subject: risk information about a person)
  liaison_report.triage id, room (a host room), category, severity, entry? (the new log entry's id)
  liaison_report.dismiss id, reason
  sitrep.issue          room (the next numbered report, covering the log since the previous one)
  sitrep.read           room, number? (the latest when absent)
Protectees and movements:
  protectee.register    id?, name, delegation, risk 1-4
  movement.plan         id?, protectee, stops [{venue, at}], window, lead (a host agency),
                        agents [declaration lines of accredited protective agents of the protectee]
  movement.approve      id                    movement.read   id, purpose
Requests (RFI/RFA):
  rfi.draft             id?, kind (information|assistance), priority (urgent_direct|urgent|normal),
                        subject, body
  rfi.submit | rfi.acknowledge | rfi.start | rfi.approve_disclosure | rfi.close   id
  rfi.read              id, purpose (a consultation: the answer may hold personal data)
  rfi.accept            id, unit (a host agency)
  rfi.request_clarification | rfi.clarify    id, text
  rfi.refuse | rfi.cancel                    id, reason
  rfi.answer            id, text, disclosure {personal_data false} or
                        {personal_data true, legal_basis, categories [identity|...]}
Tasks (host commanders):
  task.create           id?, title, details, unit (a host agency)
  task.approve | task.read   id
  task.update           id, progress (\"start\" | {\"complete\": {report}} | {\"cancel\": {reason}})
Vetting:
  vetting.read          id, purpose          vetting.read_opinion   id
  vetting.note          id, text
  vetting.share         id, delegation, legal_basis, question (a commander opens a case to a
                        delegation to ask for its risk notes: a registered disclosure)
  vetting.attach_report id, report (a delegation's liaison report about the case's person)
  vetting.clear | vetting.propose_refusal | vetting.confirm_refusal |
  vetting.propose_referral | vetting.confirm_referral    id, reason

Result lines: {\"line\": N, \"ok\": true, \"seq\": ledger entry, \"action\", \"kind\", \"id\", \"state\",
\"data\"} or {\"line\": N, \"ok\": false, \"error\": {\"code\", \"message\", \"policies\"?, \"seq\"?}}.
Exit status: 0 every line succeeded; 3 some line failed or was denied; 2 usage or I/O error.";

/// The JSON result of a failed line.
pub(crate) fn error_json(e: &ServiceError) -> Value {
    let mut err = json!({ "code": e.code(), "message": e.to_string() });
    match e {
        ServiceError::Denied { policies, seq } => {
            err["policies"] = json!(policies);
            err["seq"] = json!(seq);
        }
        ServiceError::Withheld { seq } | ServiceError::Refused { seq } => {
            err["seq"] = json!(seq);
        }
        _ => {}
    }
    err
}

/// Runs `cortina exec`.
pub fn run(args: &ExecArgs) -> Result<Outcome, Failure> {
    let input: Box<dyn std::io::BufRead> = if args.file == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        let f =
            std::fs::File::open(&args.file).with_context(|| format!("opening {}", args.file))?;
        Box::new(std::io::BufReader::new(f))
    };
    let rt = crate::ledger_cmd::runtime()?;
    rt.block_on(async {
        let svc = crate::ledger_cmd::open_service(&args.store).await?;
        let stdout = std::io::stdout();
        let mut failed = false;
        for (n, line) in input.lines().enumerate() {
            let n = n + 1;
            let line = line.with_context(|| format!("{}: line {n}", args.file))?;
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let result = match serde_json::from_str::<Command>(&line) {
                Err(e) => Err(ServiceError::BadCommand(format!("{}: line {n}: {e}", args.file))),
                Ok(command) => svc.execute(&service::Actor::cli(&args.actor), command).await,
            };
            let out = match result {
                Ok(done) => json!({
                    "line": n, "ok": true, "seq": done.seq, "action": done.action, "kind": done.kind,
                    "id": done.id, "state": done.state, "data": done.data,
                }),
                Err(e) => {
                    failed = true;
                    json!({ "line": n, "ok": false, "error": error_json(&e) })
                }
            };
            // The line is the command's acknowledgement: it goes out after
            // the commit, and is flushed before the next command runs, so a
            // reader can trust every line it sees even if this process dies.
            let mut lock = stdout.lock();
            writeln!(lock, "{out}").context("writing results")?;
            lock.flush().context("writing results")?;
        }
        svc.store().close().await;
        Ok(if failed { Outcome::RowErrors } else { Outcome::Ok })
    })
}
