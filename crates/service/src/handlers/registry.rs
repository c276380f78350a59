//! Agencies, the event, delegations and accounts: the admin's commands.

use authority::Resource;
use domain::declaration::{DeclarationLine, can_hold_account};
use domain::registry::{Agency, Delegation, Event, HostUnit};
use domain::storage::Aggregate;
use domain::{Action, AgencyKind, Role};
use store::records::{self, AccountRow, AgencyRow, Record};

use super::{authorize, declarations, new_id};
use crate::ServiceError;
use crate::command::{
    AccountConfirm, AccountCreate, AccountDisable, AccountEnrolment, AgencyRegister,
    DelegationRegister, EventConfigure,
};
use crate::context::{Ctx, Outcome};
use crate::opaque;

/// The record kind of the event (one per deployment).
pub(crate) const EVENT: &str = <Event as Aggregate>::KIND;
/// The record kind of delegations.
pub(crate) const DELEGATION: &str = <Delegation as Aggregate>::KIND;

pub(crate) async fn agency_register(
    ctx: &mut Ctx<'_>,
    c: AgencyRegister,
) -> Result<Outcome, ServiceError> {
    let id = c.id.to_string();
    authorize!(
        ctx,
        Action::AgencyRegister,
        Resource::Agency { id: id.clone() }
    );
    if records::agency(ctx.tx.conn().await?, &id).await?.is_some() {
        return Err(ServiceError::Conflict(format!(
            "agency {id:?} is already registered"
        )));
    }
    let seq = ctx.seq();
    let row = AgencyRow {
        id: id.clone(),
        name: c.name.to_string(),
        kind: c.kind.as_str().into(),
        country: c.country.to_string(),
        created_seq: seq,
        updated_seq: seq,
    };
    records::insert_agency(ctx.tx.conn().await?, &row).await?;
    ctx.wrote(row.row_write());
    ctx.done(Action::AgencyRegister, "agency", &id, None, None)
        .await
}

/// The registered agency `id` as a domain value.
pub(crate) async fn load_agency(ctx: &mut Ctx<'_>, id: &str) -> Result<Agency, ServiceError> {
    let row = records::agency(ctx.tx.conn().await?, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "agency",
            id: id.to_owned(),
        })?;
    let corrupt = |reason: String| ServiceError::Corrupt {
        kind: "agency",
        id: id.to_owned(),
        reason,
    };
    let kind = AgencyKind::ALL
        .into_iter()
        .find(|k| k.as_str() == row.kind)
        .ok_or_else(|| corrupt(format!("kind {}", row.kind)))?;
    Ok(Agency::new(
        row.id.parse().map_err(|e| corrupt(format!("{e}")))?,
        domain::text::Name::parse("name", &row.name).map_err(|e| corrupt(format!("{e}")))?,
        kind,
        row.country.parse().map_err(|e| corrupt(format!("{e}")))?,
    ))
}

/// The host unit that a host agency's registry entry stands for (the lead of
/// a task, a request or a movement). The domain refuses a foreign agency.
pub(crate) async fn host_unit(ctx: &mut Ctx<'_>, agency: &str) -> Result<HostUnit, ServiceError> {
    let agency = load_agency(ctx, agency).await?;
    Ok(HostUnit::new(
        agency.id().as_str().parse()?,
        agency.name().clone(),
        &agency,
    )?)
}

/// The configured event.
pub(crate) async fn load_event(ctx: &mut Ctx<'_>) -> Result<Event, ServiceError> {
    let id = records::list(ctx.tx.conn().await?, EVENT, &records::Filter::default())
        .await?
        .into_iter()
        .next()
        .map(|r| r.id)
        .ok_or_else(|| ServiceError::NotFound {
            kind: "event",
            id: "(none configured: run event.configure)".into(),
        })?;
    Ok(ctx.load(&id).await?.0)
}

pub(crate) async fn event_configure(
    ctx: &mut Ctx<'_>,
    c: EventConfigure,
) -> Result<Outcome, ServiceError> {
    let id = c.id.to_string();
    authorize!(
        ctx,
        Action::EventConfigure,
        Resource::Event { id: id.clone() }
    );
    let existing = records::list(ctx.tx.conn().await?, EVENT, &records::Filter::default()).await?;
    if let Some(other) = existing.iter().find(|r| r.id != id) {
        return Err(ServiceError::Conflict(format!(
            "this deployment already serves event {:?}",
            other.id
        )));
    }
    let previous = existing.into_iter().next();
    let event = Event::new(c.id, c.name, c.clusters, c.venues)?;
    ctx.save(&event, false, previous.as_ref()).await?;
    ctx.done(Action::EventConfigure, EVENT, &id, None, None)
        .await
}

pub(crate) async fn delegation_register(
    ctx: &mut Ctx<'_>,
    c: DelegationRegister,
) -> Result<Outcome, ServiceError> {
    let id = c.id.to_string();
    authorize!(
        ctx,
        Action::DelegationRegister,
        Resource::Delegation { id: id.clone() }
    );
    if ctx.exists::<Delegation>(&id).await? {
        return Err(ServiceError::Conflict(format!(
            "delegation {id:?} already exists"
        )));
    }
    // The ids a delegation chooses start with its own id and a dash
    // (`check_own_id`): no delegation id may begin another's that way.
    for other in ctx.list::<Delegation>(Default::default()).await? {
        let other = other.id().as_str();
        let nested = |a: &str, b: &str| a.strip_prefix(b).is_some_and(|r| r.starts_with('-'));
        if nested(&id, other) || nested(other, &id) {
            return Err(ServiceError::Conflict(format!(
                "delegation {id:?}: delegation {other:?} exists, and one id may not begin the other followed by '-' (the ids a delegation chooses start with its own id and a dash)"
            )));
        }
    }
    let agency = load_agency(ctx, c.agency.as_str()).await?;
    // The head's line: opaque like every line (`crate::opaque`), the
    // host's label for it kept in its document.
    let head_label = c.head_line;
    let head_line = match &head_label {
        Some(label) => {
            opaque::new_labelled(&ctx.inner.opaque_key, opaque::prefix::DECLARATION, label)?
        }
        None => new_id(opaque::prefix::DECLARATION)?,
    };
    opaque::check_label_free::<DeclarationLine, _>(ctx, &head_line, head_label.as_ref()).await?;
    let (delegation, line) = Delegation::register(
        c.id,
        c.name,
        &agency,
        head_line,
        c.head.try_into()?,
        ctx.now,
    )?;
    let line = line.with_reference(head_label);
    let line = declarations::check_not_duplicate(ctx, line).await?;
    // Screened first: its entry comes before the rows this one stamps.
    let line = declarations::screen(ctx, Action::DelegationRegister, line).await?;
    ctx.save(&delegation, false, None).await?;
    declarations::save_line(ctx, &line, None).await?;
    ctx.done(
        Action::DelegationRegister,
        DELEGATION,
        &id,
        None,
        Some(serde_json::json!({
            "head_line": line.id().as_str(),
            "head_reference": line.reference().map(|r| r.as_str()),
        })),
    )
    .await
}

/// An administrator's proposal of an account, waiting for a host
/// commander's confirmation (stored as a record of kind
/// `account_proposal`). Nothing about it can log in.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct AccountProposal {
    /// `prop-…`.
    pub id: String,
    /// The account proposed (the command, minus any password).
    pub account: AccountCreate,
    /// The admin's account id.
    pub proposed_by: String,
    /// `proposed` or `confirmed`.
    pub state: String,
    /// The commander who confirmed it.
    #[serde(default)]
    pub confirmed_by: Option<String>,
}

/// The record kind of account proposals.
pub(crate) const PROPOSAL: &str = "account_proposal";

impl Aggregate for AccountProposal {
    const KIND: &'static str = PROPOSAL;

    fn key(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(&self.id)
    }

    fn delegation_id(&self) -> Option<&domain::ids::DelegationId> {
        None
    }

    fn room_id(&self) -> Option<&domain::ids::RoomId> {
        None
    }

    fn state_name(&self) -> &'static str {
        if self.state == "confirmed" {
            "confirmed"
        } else {
            "proposed"
        }
    }
}

/// Checks that the account `c` proposes can exist: the role fits the
/// agency, a foreign account stands on an accredited declaration line of
/// its delegation, the name is free.
/// Checks an account command against the registry; returns the agency's id
/// and, for a foreign account, the opaque id of its declaration line (the
/// command may name the line by the delegation's label).
async fn check_account(
    ctx: &mut Ctx<'_>,
    c: &AccountCreate,
) -> Result<(String, Option<String>), ServiceError> {
    let agency = load_agency(ctx, c.agency.as_str()).await?;
    if agency.kind() != c.role.agency_kind() {
        return Err(ServiceError::BadCommand(format!(
            "role {} needs an agency of kind {}, and {} is {}",
            c.role,
            c.role.agency_kind().as_str(),
            agency.id(),
            agency.kind().as_str()
        )));
    }
    let mut line_of_account = None;
    if c.role.is_foreign() {
        // Nobody foreign gets an account before the host accredits them.
        let (Some(delegation), Some(line_id)) = (&c.delegation, &c.declaration) else {
            return Err(ServiceError::BadCommand(
                "a foreign account needs its delegation and accredited declaration line".into(),
            ));
        };
        let (line, _) = declarations::load_line(ctx, line_id.as_str()).await?;
        if line.delegation() != delegation {
            return Err(ServiceError::BadCommand(format!(
                "declaration {line_id} belongs to delegation {}, not {delegation}",
                line.delegation()
            )));
        }
        let (d, _): (Delegation, _) = ctx.load(delegation.as_str()).await?;
        if d.agency() != agency.id() {
            return Err(ServiceError::BadCommand(format!(
                "delegation {delegation} is of agency {}, not {}",
                d.agency(),
                agency.id()
            )));
        }
        can_hold_account(&line)?;
        line_of_account = Some(line.id().to_string());
    } else if c.delegation.is_some() || c.declaration.is_some() {
        return Err(ServiceError::BadCommand(format!(
            "role {} takes no delegation or declaration",
            c.role
        )));
    }
    let conn = ctx.tx.conn().await?;
    if records::account_by_username(&mut *conn, c.username.as_str())
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict(format!(
            "account {:?} exists",
            c.username.as_str()
        )));
    }
    Ok((agency.id().to_string(), line_of_account))
}

/// `account.create`: the admin proposes an account. Nothing can log in
/// until a host commander confirms it (`account.confirm`) and its user
/// enrols with the secret of `account.enrolment`. A password in the
/// command is refused: the admin never chooses one.
pub(crate) async fn account_create(
    ctx: &mut Ctx<'_>,
    mut c: AccountCreate,
) -> Result<Outcome, ServiceError> {
    if c.password.take().is_some() {
        return Err(ServiceError::BadCommand(
            "password: the admin never chooses a password. Create the account without one; \
             once a host commander confirms it, issue its enrolment secret \
             (account.enrolment), with which its user chooses their own password"
                .into(),
        ));
    }
    let account_id = account_id(ctx.inner, c.username.as_str())?;
    authorize!(
        ctx,
        Action::AccountCreate,
        Resource::Account {
            id: account_id.clone()
        }
    );
    check_account(ctx, &c).await?;
    // One proposal per login name, its id opaque (`crate::opaque`): the
    // login name is in the proposal's document, not in the ledger (the name
    // of an existing account is refused above, so only a pending proposal
    // can clash).
    let id = opaque::of_label::<domain::ids::kind::Account>(
        &ctx.inner.opaque_key,
        opaque::prefix::PROPOSAL,
        c.username.as_str(),
    )?
    .to_string();
    if ctx.exists::<AccountProposal>(&id).await? {
        return Err(ServiceError::Conflict(format!(
            "a proposal for {:?} is pending ({id}): a host commander confirms it",
            c.username.as_str()
        )));
    }
    let proposal = AccountProposal {
        id: id.clone(),
        account: c.clone(),
        proposed_by: ctx.principal.id.clone(),
        state: "proposed".into(),
        confirmed_by: None,
    };
    ctx.save(&proposal, false, None).await?;
    ctx.done(
        Action::AccountCreate,
        PROPOSAL,
        &id,
        Some("proposed"),
        Some(serde_json::json!({
            "proposal": id, "username": c.username.as_str(), "role": c.role.as_str(),
            "next": "a host commander confirms it: account.confirm",
        })),
    )
    .await
}

/// The opaque id of the account of a login name (`crate::opaque`): the
/// name itself never appears in the ledger, whose entries name their actor
/// and the accounts they act on.
pub(crate) fn account_id(inner: &crate::Inner, username: &str) -> Result<String, ServiceError> {
    Ok(opaque::of_label::<domain::ids::kind::Account>(
        &inner.opaque_key,
        opaque::prefix::ACCOUNT,
        username,
    )?
    .to_string())
}

/// Loads the proposal `given` names: its id, or `prop-<login name>` (the
/// name a proposal had before ids were opaque, and still the way to name
/// the pending proposal of a login name).
async fn load_proposal(
    ctx: &mut Ctx<'_>,
    given: &str,
) -> Result<(AccountProposal, Record), ServiceError> {
    if opaque::is_opaque(opaque::prefix::PROPOSAL, given) {
        return ctx.load(given).await;
    }
    let username = given.strip_prefix("prop-").unwrap_or(given);
    let id = opaque::of_label::<domain::ids::kind::Account>(
        &ctx.inner.opaque_key,
        opaque::prefix::PROPOSAL,
        username,
    )?;
    match ctx.load(id.as_str()).await {
        Err(ServiceError::NotFound { .. }) => ctx.load(given).await,
        found => found,
    }
}

/// `account.confirm`: a host commander confirms an admin's proposal; the
/// account exists from now on, without a password (its user enrols).
pub(crate) async fn account_confirm(
    ctx: &mut Ctx<'_>,
    c: AccountConfirm,
) -> Result<Outcome, ServiceError> {
    let (mut proposal, record) = load_proposal(ctx, c.proposal.as_str()).await?;
    let account_id = account_id(ctx.inner, proposal.account.username.as_str())?;
    authorize!(
        ctx,
        Action::AccountConfirm,
        Resource::Account {
            id: account_id.clone()
        }
    );
    if proposal.state != "proposed" {
        return Err(ServiceError::Conflict(format!(
            "proposal {} is already {}",
            proposal.id, proposal.state
        )));
    }
    if proposal.proposed_by == ctx.principal.id {
        return Err(ServiceError::BadCommand(
            "four eyes: whoever proposed an account cannot confirm it".into(),
        ));
    }
    let (agency_id, line_id) = check_account(ctx, &proposal.account).await?;
    let seq = ctx.seq();
    let a = &proposal.account;
    let row = AccountRow {
        id: account_id.clone(),
        username: a.username.to_string(),
        role: a.role.as_str().into(),
        agency_id,
        delegation_id: a.delegation.as_ref().map(|d| d.to_string()),
        declaration_id: line_id,
        password_hash: None,
        disabled_seq: None,
        created_seq: seq,
        updated_seq: seq,
        ..Default::default()
    };
    records::insert_account(ctx.tx.conn().await?, &row).await?;
    ctx.wrote(row.row_write());
    proposal.state = "confirmed".into();
    proposal.confirmed_by = Some(ctx.principal.id.clone());
    ctx.save(&proposal, false, Some(&record)).await?;
    ctx.done(
        Action::AccountConfirm,
        "account",
        &account_id,
        Some("confirmed"),
        Some(serde_json::json!({
            "username": row.username, "proposal": proposal.id,
            "next": "the admin issues its enrolment secret: account.enrolment",
        })),
    )
    .await
}

/// `account.enrolment`: the admin issues (or issues again, replacing the
/// old one) the enrolment secret of a confirmed account whose user has not
/// enrolled yet. The secret is in the answer, once; only its SHA-256 is
/// kept, and it expires after [`crate::accounts::ENROLMENT_TTL_MS`].
pub(crate) async fn account_enrolment(
    ctx: &mut Ctx<'_>,
    c: AccountEnrolment,
) -> Result<Outcome, ServiceError> {
    let row = records::account_by_username(ctx.tx.conn().await?, c.username.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "account",
            id: c.username.to_string(),
        })?;
    authorize!(
        ctx,
        Action::AccountEnrolment,
        Resource::Account { id: row.id.clone() }
    );
    if row.disabled_seq.is_some() {
        return Err(ServiceError::Conflict(format!(
            "account {:?} is disabled",
            row.username
        )));
    }
    if row.password_hash.is_some() {
        return Err(ServiceError::Conflict(format!(
            "account {:?} has enrolled already: its user changes the password themselves",
            row.username
        )));
    }
    let secret = crate::accounts::new_enrolment_secret()?;
    let seq = ctx.seq();
    let expires_ms = ctx.now.as_millis() + crate::accounts::ENROLMENT_TTL_MS;
    let row = AccountRow {
        enrol_hash: Some(crate::accounts::sha256(secret.expose().as_bytes())),
        enrol_expires_ms: Some(expires_ms),
        updated_seq: seq,
        ..row
    };
    records::update_account(ctx.tx.conn().await?, &row).await?;
    ctx.wrote(row.row_write());
    ctx.done(
        Action::AccountEnrolment,
        "account",
        &row.id,
        Some("enrolling"),
        Some(serde_json::json!({
            "username": row.username, "enrolment_secret": secret.expose(),
            "expires_ms": expires_ms,
        })),
    )
    .await
}

pub(crate) async fn account_disable(
    ctx: &mut Ctx<'_>,
    c: AccountDisable,
) -> Result<Outcome, ServiceError> {
    let row = records::account_by_username(ctx.tx.conn().await?, c.username.as_str())
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            kind: "account",
            id: c.username.to_string(),
        })?;
    authorize!(
        ctx,
        Action::AccountDisable,
        Resource::Account { id: row.id.clone() }
    );
    if row.disabled_seq.is_some() {
        return Err(ServiceError::Conflict(format!(
            "account {:?} is already disabled",
            row.username
        )));
    }
    if row.role == Role::Admin.as_str() && row.id == ctx.principal.id {
        return Err(ServiceError::BadCommand(
            "an admin cannot disable their own account".into(),
        ));
    }
    let seq = ctx.seq();
    records::disable_account(ctx.tx.conn().await?, &row.id, seq).await?;
    ctx.wrote(
        AccountRow {
            disabled_seq: Some(seq),
            updated_seq: seq,
            ..row.clone()
        }
        .row_write(),
    );
    ctx.done(
        Action::AccountDisable,
        "account",
        &row.id,
        Some("disabled"),
        None,
    )
    .await
}
