//! The context one command runs in: the open transaction, the principal,
//! the clock, and the three steps every handler takes — authorize, change
//! records, finish with the ledger entry.

use authority::{Principal, Resource};
use domain::storage::Aggregate;
use domain::time::Timestamp;
use domain::{Action, side::Side};
use hmac::{Hmac, Mac as _};
use ledger::{Decision, Entry};
use sha2::Sha256;
use store::WriteTx;
use store::records::{self, Record};
use store::rows::RowWrite;

use crate::{Inner, ServiceError};

/// What a command did.
#[derive(Clone, Debug, PartialEq)]
pub struct Done {
    /// The ledger entry that records it.
    pub seq: u64,
    /// The action's name.
    pub action: &'static str,
    /// The kind of record acted on.
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// Its state afterwards, for records with a state machine.
    pub state: Option<String>,
    /// What the command returns to its caller: the record for reads, a
    /// one-time password for a new account.
    pub data: Option<serde_json::Value>,
}

/// The end of a command inside the transaction: done, or denied (which is
/// committed too, since the denial is a ledger entry).
pub(crate) enum Outcome {
    Done(Done),
    Denied { policies: Vec<String>, seq: u64 },
}

impl Outcome {
    pub(crate) fn into_result(self) -> Result<Done, ServiceError> {
        match self {
            Outcome::Done(d) => Ok(d),
            Outcome::Denied { policies, seq } => Err(ServiceError::Denied { policies, seq }),
        }
    }
}

/// Decisions already taken, by principal, action and resource. A decision
/// is a function of those three alone (the policy is fixed for the life of
/// the [`authority::Authority`], and the request's context is empty: no
/// clock, no stored data beyond the principal's and the resource's facts,
/// which are the key), so a remembered one is the one the policy would take
/// again. Bounded: forgotten all at once when full.
#[derive(Debug, Default)]
pub(crate) struct Decisions {
    taken: std::sync::Mutex<std::collections::HashMap<String, authority::Decision>>,
}

impl Decisions {
    /// Most decisions remembered.
    const CAPACITY: usize = 4096;

    /// `authority`'s decision, remembered or taken now.
    pub(crate) fn decide(
        &self,
        authority: &authority::Authority,
        principal: &Principal,
        action: Action,
        resource: &Resource,
    ) -> authority::Decision {
        // The Debug forms name every field of the three.
        let key = format!("{principal:?}\u{1f}{action}\u{1f}{resource:?}");
        if let Some(decision) = self.lock().get(&key) {
            return decision.clone();
        }
        let decision = authority.decide(principal, action, resource);
        let mut map = self.lock();
        if map.len() >= Self::CAPACITY {
            map.clear();
        }
        map.insert(key, decision.clone());
        decision
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, authority::Decision>> {
        self.taken.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) fn random32() -> Result<[u8; 32], ServiceError> {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).map_err(|e| store::StoreError::Random(e.to_string()))?;
    Ok(salt)
}

pub(crate) fn hmac(salt: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(salt)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex of `bytes` (the digests and ids written per applicant:
/// a `format!` per byte cost more than the HMAC it spelled).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// The rule a ledger entry names when a principal outside the host named a
/// record that does not exist.
pub const UNKNOWN_RECORD: &str = "unknown-record";

/// How a denial entry of a principal outside the host names the resource:
/// `hmac:` and the HMAC-SHA-256, keyed with the entry's salt (kept in
/// `entry_salts`, so purging it unlinks the entry from the id), of the id
/// the caller sent. An oversight body holding the salt can check a
/// candidate id; nobody can read the id back.
pub fn withheld_id(salt: &[u8], id: &str) -> String {
    let digest = hmac(salt, format!("cortina.withheld-id\0{id}").as_bytes());
    format!("hmac:{}", hex(&digest))
}

pub(crate) struct Ctx<'t> {
    pub(crate) tx: &'t mut WriteTx,
    pub(crate) inner: &'t Inner,
    pub(crate) principal: Principal,
    /// The channel the principal came through (`session`, `token:<id>`,
    /// `cli:<os user>`), recorded in every entry.
    pub(crate) channel: String,
    /// The command as submitted (canonical JSON), for the payload digest.
    payload: Vec<u8>,
    /// The rows this command wrote so far: the finishing entry commits to
    /// them (`WriteTx::append_rows`).
    rows: Vec<RowWrite>,
    /// The policies that allowed the command (set by `authorize`).
    allowed_by: Vec<String>,
    pub(crate) now: Timestamp,
    /// The records saved so far, published as changes after the commit.
    pub(crate) saved: Vec<crate::changes::Saved>,
    /// What was worked out before the transaction (an applicant batch,
    /// read and screened on all cores), for the handler.
    pub(crate) prepared: Option<crate::applicants::PreparedBatch>,
    /// For a consultation: whom the result concerned (subject digests
    /// found in it) and its size, set by `done` before the entry.
    consulted: Option<(std::collections::BTreeSet<String>, Option<i64>)>,
}

impl<'t> Ctx<'t> {
    /// A context for a command whose payload (the bytes the entry's digest
    /// commits to) is `payload`.
    pub(crate) fn new(
        tx: &'t mut WriteTx,
        inner: &'t Inner,
        principal: Principal,
        channel: &crate::Channel,
        payload: Vec<u8>,
    ) -> Result<Self, ServiceError> {
        let now = Timestamp::from_millis(tx.now_ms());
        Ok(Ctx {
            tx,
            inner,
            principal,
            channel: channel.as_entry(),
            payload,
            rows: Vec::new(),
            allowed_by: Vec::new(),
            now,
            saved: Vec::new(),
            prepared: None,
            consulted: None,
        })
    }

    /// The side the principal acts on in two-sided state machines.
    pub(crate) fn side(&self) -> Side {
        if self.principal.is_host() {
            Side::Host
        } else {
            Side::Requester
        }
    }

    /// The principal's account id as the domain spells it.
    pub(crate) fn account_id(&self) -> Result<domain::ids::AccountId, ServiceError> {
        Ok(self.principal.id.parse()?)
    }

    /// The principal's delegation, required for delegation-side commands.
    pub(crate) fn own_delegation(&self) -> Result<&str, ServiceError> {
        self.principal.delegation.as_deref().ok_or_else(|| {
            ServiceError::Forbidden("this command is for accounts of a delegation".into())
        })
    }

    /// The entry for this command, with the decision and policies given.
    /// A denial of a principal outside the host names the resource only by
    /// a keyed digest ([`withheld_id`]): the id is the caller's choice, and
    /// may be personal data or a probe.
    fn entry(
        &mut self,
        action: Action,
        kind: &str,
        id: &str,
        decision: Decision,
        policies: Vec<String>,
    ) -> Result<u64, ServiceError> {
        let salt = random32()?;
        let id = if decision == Decision::Deny && !self.principal.is_host() {
            withheld_id(&salt, id)
        } else {
            id.to_owned()
        };
        let entry = Entry {
            seq: 0,
            time_ms: 0,
            actor_account: self.principal.id.clone(),
            actor_agency: self.principal.agency_id.clone(),
            channel: Some(self.channel.clone()),
            action: action.as_str().into(),
            resource: ledger::Resource {
                kind: kind.into(),
                id: id.clone(),
            },
            decision,
            policies,
            payload_digest: hmac(&salt, &self.payload),
            personal_data: None,
        };
        // The salt is kept in `entry_salts` and the rows in `row_writes`,
        // inserted with the batch's entries; the entry's personal-data
        // commitment is to the rows.
        let rows = std::mem::take(&mut self.rows);
        let seq = self.tx.append_rows(entry, salt, rows)?;
        if crate::consultations::is_consultation(action) {
            let (subjects, size) = self.consulted.take().unwrap_or_default();
            let payload = self.payload.clone();
            self.log_consultation(
                seq,
                (action, kind, &id),
                decision == Decision::Allow,
                payload,
                subjects,
                size,
            );
        }
        Ok(seq)
    }

    /// Keeps the consultation recorded by entry `seq` in the consultation
    /// log (`crate::consultations`), with the subjects named in its payload
    /// and record besides `subjects`.
    pub(crate) fn log_consultation(
        &mut self,
        seq: u64,
        (action, kind, id): (Action, &str, &str),
        allowed: bool,
        payload: Vec<u8>,
        mut subjects: std::collections::BTreeSet<String>,
        result_size: Option<i64>,
    ) {
        use crate::consultations as c;
        let key = self.inner.subject_key;
        let value: Option<serde_json::Value> = serde_json::from_slice(&payload).ok();
        if let Some(v) = &value {
            c::subject_keys(&key, v, &mut subjects);
            if let Some(named) = v.get("id").and_then(|i| i.as_str()) {
                subjects.insert(c::subject_key(&key, 'r', named));
            }
        }
        subjects.insert(c::subject_key(&key, 'r', id));
        self.tx.consulted(store::consultations::Consultation {
            seq: seq as i64,
            at_ms: self.tx.now_ms(),
            account: self.principal.id.clone(),
            agency: self.principal.agency_id.clone(),
            channel: self.channel.clone(),
            action: action.as_str().to_owned(),
            record_kind: kind.to_owned(),
            record_id: id.to_owned(),
            allowed,
            purpose: c::purpose_of(&payload),
            result_size: result_size.or_else(|| {
                value
                    .as_ref()
                    .and_then(|v| v.get("result_size"))
                    .and_then(serde_json::Value::as_i64)
            }),
            payload,
            subjects: subjects.into_iter().collect(),
        });
    }

    /// Appends an allowing entry for one item of a command that records
    /// each item on its own (an applicant of a batch, a case of a bulk
    /// clear), under the policies that allowed the command, with a payload
    /// digest of the item alone; it commits to the rows written since the
    /// previous entry.
    pub(crate) fn record_item(
        &mut self,
        action: Action,
        kind: &str,
        id: &str,
        payload: &[u8],
    ) -> Result<u64, ServiceError> {
        let salt = random32()?;
        let entry = Entry {
            seq: 0,
            time_ms: 0,
            actor_account: self.principal.id.clone(),
            actor_agency: self.principal.agency_id.clone(),
            channel: Some(self.channel.clone()),
            action: action.as_str().into(),
            resource: ledger::Resource {
                kind: kind.into(),
                id: id.to_owned(),
            },
            decision: Decision::Allow,
            policies: self.allowed_by.clone(),
            payload_digest: hmac(&salt, payload),
            personal_data: None,
        };
        let rows = std::mem::take(&mut self.rows);
        Ok(self.tx.append_rows(entry, salt, rows)?)
    }

    /// Like [`Ctx::record_item`], for an entry noted before the command
    /// writes anything (a screening within a command): refused once a row
    /// is staged, since staged rows are stamped with the entry to come.
    pub(crate) fn record_aside(
        &mut self,
        action: Action,
        kind: &str,
        id: &str,
        payload: &[u8],
    ) -> Result<u64, ServiceError> {
        if !self.rows.is_empty() {
            return Err(ServiceError::BadCommand(format!(
                "{action}: an entry beside the command's is appended before its rows are staged"
            )));
        }
        self.record_item(action, kind, id, payload)
    }

    /// Builds the stored record of `value` (owned by `owner`), stamped with
    /// the next entry, and notes its row for that entry — without writing
    /// it: the caller writes many at once
    /// (`store::applicants::put_records`) before the transaction ends.
    pub(crate) fn stage<A: Aggregate>(
        &mut self,
        value: &A,
        owner: Option<String>,
        previous: Option<&Record>,
    ) -> Result<Record, ServiceError> {
        let doc = serde_json::to_string(value)
            .map_err(|e| ServiceError::BadCommand(format!("{}: {e}", A::KIND)))?;
        let salt = match previous.and_then(|p| p.salt.clone()) {
            Some(s) => s,
            None => random32()?.to_vec(),
        };
        let seq = self.seq();
        let record = Record {
            kind: A::KIND.into(),
            id: value.key().into_owned(),
            delegation: owner,
            room: None,
            state: value.state_name().into(),
            doc: Some(doc),
            salt: Some(salt),
            created_seq: previous.map_or(seq, |p| p.created_seq),
            updated_seq: seq,
            board: crate::board_columns(value),
        };
        self.rows.push(record.row_write());
        Ok(record)
    }

    /// Notes that this command wrote `row` (created, changed or deleted
    /// it): the finishing entry commits to it. Every row a command writes
    /// outside [`Ctx::save`] must be noted here, or the store stops
    /// verifying.
    pub(crate) fn wrote(&mut self, row: RowWrite) {
        self.rows.push(row);
    }

    /// Asks the policy. A denial is appended to the ledger now and returned
    /// as the command's outcome; `None` means go ahead.
    pub(crate) async fn authorize(
        &mut self,
        action: Action,
        resource: &Resource,
    ) -> Result<Option<Outcome>, ServiceError> {
        let decision = self
            .inner
            .authority
            .decide(&self.principal, action, resource);
        self.settle(decision, action, resource)
    }

    /// [`Ctx::authorize`] through the service's [`Decisions`]: for the
    /// actions [`crate::Service::record`] takes, whose resources are few and
    /// fixed (the lists), so that a repeated screening does not evaluate the
    /// policy again inside the sequencer's transaction.
    pub(crate) async fn authorize_remembered(
        &mut self,
        action: Action,
        resource: &Resource,
    ) -> Result<Option<Outcome>, ServiceError> {
        let decision =
            self.inner
                .decisions
                .decide(&self.inner.authority, &self.principal, action, resource);
        self.settle(decision, action, resource)
    }

    /// Goes ahead on an allow; appends a denial's entry.
    fn settle(
        &mut self,
        decision: authority::Decision,
        action: Action,
        resource: &Resource,
    ) -> Result<Option<Outcome>, ServiceError> {
        if decision.allowed {
            self.allowed_by = decision.policy_ids;
            return Ok(None);
        }
        let kind = resource.kind().as_str();
        let seq = self.entry(
            action,
            kind,
            resource.id(),
            Decision::Deny,
            decision.policy_ids.clone(),
        )?;
        Ok(Some(Outcome::Denied {
            policies: decision.policy_ids,
            seq,
        }))
    }

    /// Records that the principal named a record of `kind` that does not
    /// exist (see [`crate::Service::execute`]): a denial under the rule
    /// `unknown-record`. Returns its sequence number.
    pub(crate) fn deny_unknown(
        &mut self,
        action: Action,
        kind: &str,
        id: &str,
    ) -> Result<u64, ServiceError> {
        self.entry(
            action,
            kind,
            id,
            Decision::Deny,
            vec![UNKNOWN_RECORD.to_owned()],
        )
    }

    /// The sequence number the finishing entry will get (rows changed by
    /// this command are stamped with it).
    pub(crate) fn seq(&self) -> i64 {
        self.tx.next_seq() as i64
    }

    /// Loads the aggregate `id` of type `A`.
    pub(crate) async fn load<A: Aggregate>(
        &mut self,
        id: &str,
    ) -> Result<(A, Record), ServiceError> {
        let record = records::get(self.tx.conn().await?, A::KIND, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound {
                kind: A::KIND,
                id: id.to_owned(),
            })?;
        let doc = record
            .doc
            .as_deref()
            .ok_or_else(|| ServiceError::NotFound {
                kind: A::KIND,
                id: format!("{id} (purged)"),
            })?;
        let value = serde_json::from_str(doc).map_err(|e| ServiceError::Corrupt {
            kind: A::KIND,
            id: id.to_owned(),
            reason: e.to_string(),
        })?;
        Ok((value, record))
    }

    /// Every stored aggregate of type `A` that `filter` selects, without
    /// limit unless the filter sets one. Purged records have no document
    /// left to show and are skipped.
    pub(crate) async fn list<A: Aggregate>(
        &mut self,
        filter: records::Filter,
    ) -> Result<Vec<A>, ServiceError> {
        let filter = records::Filter {
            limit: filter.limit.or(Some(i64::MAX)),
            ..filter
        };
        let stored = records::list(self.tx.conn().await?, A::KIND, &filter).await?;
        let mut out = Vec::with_capacity(stored.len());
        for record in stored {
            let Some(doc) = record.doc else { continue };
            let value = serde_json::from_str(&doc).map_err(|e| ServiceError::Corrupt {
                kind: A::KIND,
                id: record.id.clone(),
                reason: e.to_string(),
            })?;
            out.push(value);
        }
        Ok(out)
    }

    /// Whether the aggregate `id` of type `A` exists.
    pub(crate) async fn exists<A: Aggregate>(&mut self, id: &str) -> Result<bool, ServiceError> {
        Ok(records::get(self.tx.conn().await?, A::KIND, id)
            .await?
            .is_some())
    }

    /// Stores `value`, stamped with this command's entry, with the indexed
    /// attributes the aggregate reports (its board columns included). `previous` is the stored record
    /// when changing one. Records holding personal data (`personal`) get a
    /// salt, which keys the entry's commitment to the row.
    pub(crate) async fn save<A: Aggregate>(
        &mut self,
        value: &A,
        personal: bool,
        previous: Option<&Record>,
    ) -> Result<(), ServiceError> {
        let delegation = value.delegation_id().map(|d| d.to_string());
        self.save_owned_by(value, delegation, personal, previous)
            .await
    }

    /// [`Ctx::save`] with the owning delegation given by the caller (for
    /// aggregates that do not know it themselves, like a vetting case on a
    /// declared person).
    pub(crate) async fn save_owned_by<A: Aggregate>(
        &mut self,
        value: &A,
        delegation: Option<String>,
        personal: bool,
        previous: Option<&Record>,
    ) -> Result<(), ServiceError> {
        let doc = serde_json::to_string(value)
            .map_err(|e| ServiceError::BadCommand(format!("{}: {e}", A::KIND)))?;
        let salt = match (personal, previous.and_then(|p| p.salt.clone())) {
            (false, _) => None,
            (true, Some(s)) => Some(s),
            (true, None) => Some(random32()?.to_vec()),
        };
        let seq = self.seq();
        let record = Record {
            kind: A::KIND.into(),
            id: value.key().into_owned(),
            delegation,
            room: value.room_id().map(|r| r.to_string()),
            state: value.state_name().into(),
            doc: Some(doc),
            salt,
            created_seq: previous.map_or(seq, |p| p.created_seq),
            updated_seq: seq,
            board: crate::board_columns(value),
        };
        records::put(self.tx.conn().await?, &record).await?;
        self.rows.push(record.row_write());
        self.saved.push(crate::changes::Saved {
            kind: A::KIND,
            protectee: record
                .doc
                .as_deref()
                .and_then(|doc| crate::changes::Saved::protectee_of(A::KIND, doc)),
            id: record.id,
            room: record.room,
            delegation: record.delegation,
            state: value.state_name(),
        });
        Ok(())
    }

    /// A read's result, for the consultation log: the subjects it named,
    /// and its size, which the payload (what the entry commits to) gains
    /// as `result_size` — unless the payload is not a JSON object or is
    /// recorded before the work (`Service::record`: no data here).
    fn note_result(&mut self, data: Option<&serde_json::Value>) {
        let Some(data) = data else { return };
        let size = crate::consultations::result_size(Some(data));
        if let Ok(serde_json::Value::Object(mut map)) =
            serde_json::from_slice::<serde_json::Value>(&self.payload)
        {
            map.insert("result_size".to_owned(), size.into());
            if let Ok(bytes) = serde_json::to_vec(&map) {
                self.payload = bytes;
            }
        }
        let mut subjects = std::collections::BTreeSet::new();
        crate::consultations::subject_keys(&self.inner.subject_key, data, &mut subjects);
        self.consulted = Some((subjects, Some(size)));
    }

    /// Appends the allowing entry and returns what the command did.
    pub(crate) async fn done(
        &mut self,
        action: Action,
        kind: &'static str,
        id: &str,
        state: Option<&str>,
        data: Option<serde_json::Value>,
    ) -> Result<Outcome, ServiceError> {
        let policies = std::mem::take(&mut self.allowed_by);
        if crate::consultations::is_consultation(action) {
            self.note_result(data.as_ref());
        }
        let seq = self.entry(action, kind, id, Decision::Allow, policies)?;
        Ok(Outcome::Done(Done {
            seq,
            action: action.as_str(),
            kind,
            id: id.to_owned(),
            state: state.map(str::to_owned),
            data,
        }))
    }
}
