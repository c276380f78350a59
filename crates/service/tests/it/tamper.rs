//! Tampering behind cortina's back: a world built through the service,
//! then one plain-SQL edit at a time to the tables the policy and the
//! ledger depend on. Each edit must make the row check fail naming the
//! table, the row and the entry; undone, the store verifies again. On
//! every backend.

use serde_json::json;
use service::{LoginOutcome, LoginPolicy, Secret, TokenIssue};
use store::testing::backends;

use crate::scenario::us_delegation;
use crate::world::{World, person};

/// One edit: statements that tamper, the text the failure must hold, and
/// statements that undo the edit.
struct Case {
    what: &'static str,
    tamper: String,
    expect: String,
    undo: String,
}

fn case(what: &'static str, tamper: &str, expect: &str, undo: &str) -> Case {
    Case {
        what,
        tamper: tamper.to_owned(),
        expect: expect.to_owned(),
        undo: undo.to_owned(),
    }
}

/// An edit that deletes the rows of `table` that `condition` selects,
/// keeping them aside so that the undo puts them back.
fn removed(what: &'static str, table: &str, condition: &str, expect: &str) -> Case {
    case(
        what,
        &format!(
            "CREATE TABLE saved AS SELECT * FROM {table} WHERE {condition}; \
             DELETE FROM {table} WHERE {condition}"
        ),
        expect,
        &format!("INSERT INTO {table} SELECT * FROM saved; DROP TABLE saved"),
    )
}

/// The facts of the world the edits refer to.
struct Facts {
    /// The readable names the cases use, with the opaque ids they stand
    /// for (longest first, so `acc-us-liaison` is not cut short).
    ids: Vec<(String, String)>,
    /// Entry that submitted the declaration `us-agent-1` (personal data).
    submitted: u64,
    /// A live API token and the entry that issued it.
    token: String,
    token_seq: u64,
    /// A revoked token and the entry that revoked it.
    revoked: String,
    revoked_seq: u64,
    /// A live session, and the entry of its login.
    session: String,
    login_seq: u64,
    /// A session ended by logout: its id, its login, the logout.
    gone: String,
    gone_login: u64,
    logout_seq: u64,
    /// The entry that disabled the `organiser` account.
    disabled_seq: u64,
}

async fn build(w: &World) -> Facts {
    us_delegation(w).await;
    let submitted = w
        .ok(
            "us-liaison",
            json!({"action": "declaration.submit", "id": "us-agent-1",
                   "person": person("Mary Smith", "1980-06-01", "US", "P7654321", json!("investigative_support"))}),
        )
        .await;
    let agent_line = submitted.id;
    let submitted = submitted.seq;
    w.account(
        json!({"action": "account.create", "username": "duty", "role": "host_operator",
                     "agency": "questura-milano"}),
    )
    .await;
    let enrolment = w
        .ok(
            "admin",
            json!({"action": "account.enrolment", "username": "duty"}),
        )
        .await;
    let secret = enrolment.data.unwrap()["enrolment_secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let enrolled = w
        .svc
        .enrol(
            "duty",
            &Secret::new(secret),
            &Secret::new("a long enough password"),
            false,
        )
        .await
        .unwrap();
    assert!(matches!(
        enrolled,
        service::accounts::EnrolOutcome::Enrolled { totp: None, .. }
    ));
    let policy = LoginPolicy::default();
    let password = Secret::new("a long enough password");
    let mut sessions = Vec::new();
    for _ in 0..2 {
        match w.svc.login("duty", &password, None, &policy).await.unwrap() {
            LoginOutcome::LoggedIn { session, seq, .. } => sessions.push((session.id, seq)),
            other => panic!("{}: login not opened: {other:?}", w.db.name),
        }
    }
    let (gone, gone_login) = sessions.remove(0);
    let logout_seq = w.svc.logout(&gone).await.unwrap().expect("logged out");
    let (session, login_seq) = sessions.remove(0);
    let issue =
        |user: &str| -> TokenIssue { serde_json::from_value(json!({"user": user})).unwrap() };
    let token = w
        .svc
        .issue_token(&service::Actor::cli("admin"), issue("operator"))
        .await
        .unwrap();
    let revoked = w
        .svc
        .issue_token(&service::Actor::cli("admin"), issue("analyst"))
        .await
        .unwrap();
    let revoked_seq = w
        .svc
        .revoke_token(&service::Actor::cli("admin"), &revoked.id)
        .await
        .unwrap()
        .seq;
    let disabled_seq = w
        .ok(
            "admin",
            json!({"action": "account.disable", "username": "organiser"}),
        )
        .await
        .seq;
    // The cases below are written with readable names; the rows carry
    // opaque ids (the line's, each account's), put in before running them.
    let mut ids = vec![("us-agent-1".to_owned(), agent_line)];
    for user in ["operator", "duty", "commander", "organiser", "us-liaison"] {
        ids.push((format!("acc-{user}"), w.account_id(user).await));
    }
    Facts {
        ids,
        submitted,
        token: token.id,
        token_seq: token.seq,
        revoked: revoked.id,
        revoked_seq,
        session,
        login_seq,
        gone,
        gone_login,
        logout_seq,
        disabled_seq,
    }
}

fn cases(f: &Facts) -> Vec<Case> {
    let Facts {
        ids: _,
        submitted,
        token,
        token_seq,
        revoked,
        revoked_seq,
        session,
        login_seq,
        gone,
        gone_login,
        logout_seq,
        disabled_seq,
    } = f;
    let agent = "declaration/us-agent-1";
    let save_agent = "CREATE TABLE saved AS SELECT * FROM records WHERE id = 'us-agent-1'; ";
    let restore_agent = "DELETE FROM records WHERE id = 'us-agent-1'; \
                         INSERT INTO records SELECT * FROM saved; DROP TABLE saved";
    let save_accounts = "CREATE TABLE saved AS SELECT * FROM accounts; ";
    let restore = |table: &str, key: &str, value: &str| {
        format!(
            "UPDATE {table} SET {key} = (SELECT {key} FROM saved WHERE saved.id = {table}.id) \
             WHERE id = '{value}'; DROP TABLE saved"
        )
    };
    vec![
        case(
            "a record's delegation",
            "UPDATE records SET delegation = 'fr' WHERE id = 'us-agent-1'",
            &format!(
                "records row {agent}: differs from what entry {submitted} (declaration.submit) wrote"
            ),
            "UPDATE records SET delegation = 'us' WHERE id = 'us-agent-1'",
        ),
        case(
            "a record's state",
            "UPDATE records SET state = 'accredited' WHERE id = 'us-agent-1'",
            &format!("records row {agent}: differs from what entry {submitted}"),
            "UPDATE records SET state = 'pending' WHERE id = 'us-agent-1'",
        ),
        case(
            "a personal document nulled",
            &format!("{save_agent}UPDATE records SET doc = NULL WHERE id = 'us-agent-1'"),
            &format!(
                "records row {agent}: document removed without a purge entry (last written by entry {submitted}"
            ),
            restore_agent,
        ),
        case(
            "a salt removed and the document rewritten",
            &format!(
                "{save_agent}UPDATE records SET salt = NULL, doc = '{{\"id\":\"us-agent-1\"}}' WHERE id = 'us-agent-1'"
            ),
            &format!(
                "records row {agent}: salt removed without a purge entry (last written by entry {submitted}"
            ),
            restore_agent,
        ),
        case(
            "a record deleted",
            &format!("{save_agent}DELETE FROM records WHERE id = 'us-agent-1'"),
            &format!(
                "records row {agent}: missing, but entry {submitted} (declaration.submit) wrote it"
            ),
            "INSERT INTO records SELECT * FROM saved; DROP TABLE saved",
        ),
        case(
            "an agency's kind",
            "UPDATE agencies SET kind = 'host' WHERE id = 'us-hsi'",
            "agencies row us-hsi: differs from what entry",
            "UPDATE agencies SET kind = 'foreign' WHERE id = 'us-hsi'",
        ),
        case(
            "an account's role",
            "UPDATE accounts SET role = 'host_commander' WHERE id = 'acc-operator'",
            "accounts row acc-operator: differs from what entry",
            "UPDATE accounts SET role = 'host_operator' WHERE id = 'acc-operator'",
        ),
        case(
            "an account's password hash",
            &format!(
                "{save_accounts}UPDATE accounts SET password_hash = \
                 (SELECT password_hash FROM saved WHERE id = 'acc-duty') WHERE id = 'acc-commander'"
            ),
            "accounts row acc-commander: differs from what entry",
            &restore("accounts", "password_hash", "acc-commander"),
        ),
        case(
            "a disabled account enabled",
            &format!(
                "{save_accounts}UPDATE accounts SET disabled_seq = NULL WHERE id = 'acc-organiser'"
            ),
            &format!(
                "accounts row acc-organiser: differs from what entry {disabled_seq} (account.disable) wrote"
            ),
            &restore("accounts", "disabled_seq", "acc-organiser"),
        ),
        case(
            "an account moved to another delegation",
            "UPDATE accounts SET delegation_id = 'fr' WHERE id = 'acc-us-liaison'",
            "accounts row acc-us-liaison: differs from what entry",
            "UPDATE accounts SET delegation_id = 'us' WHERE id = 'acc-us-liaison'",
        ),
        case(
            "a token that no entry issued",
            &format!(
                "INSERT INTO api_tokens (id, secret_hash, account_id, witness, purpose, created_ms, \
                 expires_ms, revoked_seq, created_seq, updated_seq) VALUES ('tok-forged', \
                 (SELECT salt FROM entry_salts WHERE seq = 1), 'acc-commander', NULL, NULL, 0, NULL, \
                 NULL, {token_seq}, {token_seq})"
            ),
            &format!(
                "api_tokens row tok-forged: no entry issued it (stamped with entry {token_seq} (token.issue), which wrote no such row)"
            ),
            "DELETE FROM api_tokens WHERE id = 'tok-forged'",
        ),
        case(
            "a token given to another account",
            &format!("UPDATE api_tokens SET account_id = 'acc-commander' WHERE id = '{token}'"),
            &format!(
                "api_tokens row {token}: differs from what entry {token_seq} (token.issue) wrote"
            ),
            &format!("UPDATE api_tokens SET account_id = 'acc-operator' WHERE id = '{token}'"),
        ),
        case(
            "a revoked token revived",
            &format!("UPDATE api_tokens SET revoked_seq = NULL WHERE id = '{revoked}'"),
            &format!(
                "api_tokens row {revoked}: differs from what entry {revoked_seq} (token.revoke) wrote"
            ),
            &format!("UPDATE api_tokens SET revoked_seq = {revoked_seq} WHERE id = '{revoked}'"),
        ),
        case(
            "a session that no entry issued",
            &format!(
                "INSERT INTO sessions (id, secret_hash, account_id, created_ms, last_seen_ms, \
                 expires_ms, created_seq) VALUES ('ses-forged', (SELECT salt FROM entry_salts WHERE seq = 1), \
                 'acc-commander', 0, 0, 9000000000000, {login_seq})"
            ),
            &format!(
                "sessions row ses-forged: no entry issued it (stamped with entry {login_seq} (session.login), which wrote no such row)"
            ),
            "DELETE FROM sessions WHERE id = 'ses-forged'",
        ),
        case(
            "a session's account",
            &format!("UPDATE sessions SET account_id = 'acc-commander' WHERE id = '{session}'"),
            &format!(
                "sessions row {session}: differs from what entry {login_seq} (session.login) wrote"
            ),
            &format!("UPDATE sessions SET account_id = 'acc-duty' WHERE id = '{session}'"),
        ),
        case(
            "a logged-out session back",
            &format!(
                "INSERT INTO sessions (id, secret_hash, account_id, created_ms, last_seen_ms, \
                 expires_ms, created_seq) VALUES ('{gone}', (SELECT salt FROM entry_salts WHERE seq = 1), \
                 'acc-duty', 0, 0, 9000000000000, {gone_login})"
            ),
            &format!(
                "sessions row {gone}: present as stamped by entry {gone_login}, but entry {logout_seq} (session.logout) deleted it later"
            ),
            &format!("DELETE FROM sessions WHERE id = '{gone}'"),
        ),
        removed(
            "a session deleted",
            "sessions",
            &format!("id = '{session}'"),
            &format!(
                "sessions row {session}: missing, but entry {login_seq} (session.login) wrote it"
            ),
        ),
        removed(
            "an entry's payload salt removed",
            "entry_salts",
            &format!("seq = {submitted}"),
            &format!(
                "entry_salts row {submitted}: the payload salt of entry {submitted} (declaration.submit) is missing, and no purge entry names declaration/us-agent-1"
            ),
        ),
        removed(
            "an entry's row writes removed",
            "row_writes",
            &format!("seq = {token_seq}"),
            &format!(
                "row_writes: entry {token_seq} (token.issue) committed to rows it wrote, and row_writes lists none"
            ),
        ),
        case(
            "a row write added to an entry",
            &format!(
                "INSERT INTO row_writes (seq, tbl, row_key, salted, commitment) VALUES \
                 ({token_seq}, 'api_tokens', 'tok-forged', 0, (SELECT salt FROM entry_salts WHERE seq = 1))"
            ),
            &format!(
                "row_writes of entry {token_seq} (token.issue) differ from the rows the entry committed to"
            ),
            &format!("DELETE FROM row_writes WHERE seq = {token_seq} AND row_key = 'tok-forged'"),
        ),
        case(
            "the stamp epoch moved forward",
            &format!("INSERT INTO stamp_epoch (id, seq) VALUES (1, {logout_seq})"),
            "row_writes lists rows for entry 0 (agency.register), which precedes the stamp epoch",
            "DELETE FROM stamp_epoch",
        ),
        case(
            "the stamp epoch moved forward and the row writes before it removed",
            &format!(
                "INSERT INTO stamp_epoch (id, seq) VALUES (1, {logout_seq}); \
                 CREATE TABLE saved AS SELECT * FROM row_writes WHERE seq < {logout_seq}; \
                 DELETE FROM row_writes WHERE seq < {logout_seq}"
            ),
            &format!(
                "stamp_epoch: the epoch {logout_seq} was moved past entry 0 (agency.register)"
            ),
            "DELETE FROM stamp_epoch; INSERT INTO row_writes SELECT * FROM saved; DROP TABLE saved",
        ),
    ]
}

#[tokio::test]
async fn every_tampered_row_is_named_with_its_entry() {
    for db in backends().await {
        let w = World::new(db).await;
        let facts = build(&w).await;
        w.verify().await;
        let store = w.svc.store();
        for mut c in cases(&facts) {
            for (name, id) in &facts.ids {
                for text in [&mut c.tamper, &mut c.expect, &mut c.undo] {
                    *text = text.replace(name.as_str(), id);
                }
            }
            sqlx::raw_sql(sqlx::AssertSqlSafe(c.tamper.clone()))
                .execute(store.pool())
                .await
                .unwrap_or_else(|e| panic!("{}: {}: {e}", w.db.name, c.what));
            match store.verify_stamps(&service::stamp_rules()).await {
                Ok(n) => panic!("{}: {}: {n} rows verified", w.db.name, c.what),
                Err(f) => {
                    assert!(
                        f.message.contains(&c.expect),
                        "{}: {}: expected {:?}, got {:?} (entry {:?})",
                        w.db.name,
                        c.what,
                        c.expect,
                        f.message,
                        f.index
                    );
                    assert!(f.index.is_some(), "{}: {}: no entry", w.db.name, c.what);
                }
            }
            // The ledger itself was not touched.
            store.verify(None, &[]).await.expect("ledger verifies");
            sqlx::raw_sql(sqlx::AssertSqlSafe(c.undo.clone()))
                .execute(store.pool())
                .await
                .unwrap_or_else(|e| panic!("{}: undo {}: {e}", w.db.name, c.what));
            store
                .verify_stamps(&service::stamp_rules())
                .await
                .unwrap_or_else(|f| panic!("{}: after undoing {}: {f}", w.db.name, c.what));
        }
        store.close().await;
    }
}
