//! The field-level JSON schemas of the API's request bodies and path
//! parameters: one body schema per command of `service::Command`, written
//! from the domain's parsers so that a body the schema accepts is a body the
//! decoder accepts, and the other way round (an independent fuzzer,
//! schemathesis, holds the server to that: `scripts/contract-tests.sh`).
//!
//! The shapes mirror the domain's value types: ids (`domain::ids`, 1 to 64
//! of `A-Z a-z 0-9 _ -`), bounded texts (`domain::text`: not blank, no
//! control characters, one-line names, at most so many characters),
//! document-like numbers (`domain::codes`), ISO dates with years 1000 to
//! 9999, Unix-millisecond timestamps, and the list caps of
//! `Command::check_limits`. What JSON Schema cannot say (a window's start
//! before its end, the stops in time order, a venue's cluster named in the
//! same command) is in the descriptions; the server answers those with 422.
//!
//! The schemas are JSON values: the document is serialized by utoipa and
//! these are set into it ([`apply`]), so that every keyword reaches the
//! client exactly as written here.

use serde_json::{Map, Value, json};
use service::command::{MAX_ITEMS, MAX_VENUES};

use crate::rest::{Method, Op, ROUTES, Route};

/// An id of any kind: `domain::ids::Id::parse`.
pub const ID_PATTERN: &str = "^[A-Za-z0-9_-]{1,64}$";

/// Characters a one-line text may hold: no control character but the tab
/// (`char::is_control` is the Unicode category Cc).
const ONE_LINE: &str = r"[^\u0000-\u0008\u000A-\u001F\u007F-\u009F]";
/// Characters a free text may hold: line breaks and tabs too.
const MANY_LINES: &str = r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]";
/// A character that is neither a control character nor white space
/// (`char::is_whitespace`): a text is not blank when it has one.
const NOT_BLANK: &str =
    r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// The ISO 3166-1 alpha-2 codes `domain::codes::CountryCode` accepts.
fn country_codes() -> Vec<&'static str> {
    domain::codes::country_codes().collect()
}

fn text(max: usize, one_line: bool, description: &str) -> Value {
    let class = if one_line { ONE_LINE } else { MANY_LINES };
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": max,
        "pattern": format!("^{class}*{NOT_BLANK}{class}*$"),
        "description": description,
    })
}

/// A document-like number: letters and digits, spaces and hyphens ignored,
/// at most `max` letters and digits (`domain::codes`).
fn number(max: usize, description: &str) -> Value {
    json!({
        "type": "string",
        "pattern": format!("^[ -]*([A-Za-z0-9][ -]*){{1,{max}}}$"),
        "description": description,
    })
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn array(items: Value, max: usize) -> Value {
    json!({ "type": "array", "items": items, "maxItems": max })
}

/// A list whose items are each named once (a weapon by its serial number,
/// a vehicle by its plate): JSON Schema can only say that no two items are
/// equal; the description says the rest.
fn unique_array(items: Value, max: usize, description: &str) -> Value {
    json!({ "type": "array", "items": items, "maxItems": max, "uniqueItems": true, "description": description })
}

fn int(min: i64, max: i64, description: &str) -> Value {
    json!({ "type": "integer", "minimum": min, "maximum": max, "description": description })
}

/// A closed object: these properties, these required, no others.
fn object(properties: &[(&str, Value)], required: &[&str]) -> Value {
    let mut props = Map::new();
    for (name, schema) in properties {
        props.insert((*name).to_owned(), schema.clone());
    }
    json!({
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": false,
    })
}

/// An optional field: absent, `null` (serde's `Option`) or the value.
fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

/// `schema` (an array's) with at least one item.
fn non_empty(mut schema: Value) -> Value {
    schema["minItems"] = json!(1);
    schema
}

/// One applicant row: every field text (a malformed field is reported for
/// its row, never refuses the request), `line` the row's line in its file.
fn applicant_row() -> Value {
    let field =
        |d: &str| json!({ "type": ["string", "null"], "maxLength": 1024, "description": d });
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "line": { "type": ["integer", "null"], "minimum": 0, "description": "The row's line in its file" },
            "reference": field("The organiser's reference (unique; rows without one are refused)"),
            "name": field("The name (rows without one are refused)"),
            "birth_date": field("YYYY-MM-DD"),
            "nationality": field("ISO alpha-2 or an English country name"),
            "document_type": field("The document's type"),
            "document_number": field("The document's number"),
            "category": field("athlete, team_official, media, workforce, volunteer or contractor"),
            "original_name": field("The name in its original script"),
            "gender": field("The gender"),
            "venues": field("Venue ids, separated by ';'"),
            "zones": field("Zones, separated by ';'"),
            "valid_from": field("YYYY-MM-DD"),
            "valid_until": field("YYYY-MM-DD"),
        },
    })
}

fn enumeration(values: &[&str], description: &str) -> Value {
    json!({ "type": "string", "enum": values, "description": description })
}

/// The shared value schemas, by component name.
pub fn components() -> Vec<(&'static str, Value)> {
    vec![
        (
            "Id",
            json!({
                "type": "string",
                "minLength": 1,
                "maxLength": domain::ids::ID_MAX_LEN,
                "pattern": ID_PATTERN,
                "description": "An identifier: 1 to 64 of A-Z a-z 0-9 _ -. An id a foreign delegation chooses starts with its own id and a dash.",
            }),
        ),
        (
            "Name",
            text(
                domain::text::NAME_MAX,
                true,
                "A one-line name: not blank, no control characters or line breaks, at most 200 characters (surrounding white space included)",
            ),
        ),
        ("PersonName", {
            let mut s = text(
                domain::text::NAME_MAX,
                true,
                "A person's name as in the identity document: one line, at most 200 characters, with at least one letter",
            );
            s["allOf"] = json!([{ "pattern": r"[^\W\d_]" }]);
            s
        }),
        (
            "Reason",
            text(
                domain::text::REASON_MAX,
                false,
                "The reason of a decision: not blank, line breaks allowed, no other control characters, at most 2,000 characters",
            ),
        ),
        (
            "LongText",
            text(
                domain::text::TEXT_MAX,
                false,
                "Free text: not blank, line breaks allowed, no other control characters, at most 8,000 characters",
            ),
        ),
        (
            "Purpose",
            text(
                500,
                false,
                "Why personal data is read, at most 500 characters",
            ),
        ),
        (
            "LegalBasis",
            text(1000, false, "A legal basis, at most 1,000 characters"),
        ),
        (
            "Timestamp",
            json!({
                "type": "integer",
                "format": "int64",
                "minimum": i64::MIN,
                "maximum": i64::MAX,
                "description": "Unix milliseconds",
            }),
        ),
        ("Window", {
            let mut s = object(
                &[("from", r("Timestamp")), ("until", r("Timestamp"))],
                &["from", "until"],
            );
            s["description"] =
                json!("A half-open time window [from, until); `from` must be before `until`");
            s
        }),
        (
            "Date",
            json!({
                "type": "string",
                "format": "date",
                "pattern": "^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$",
                "description": "A calendar date, YYYY-MM-DD, years 1000 to 9999",
            }),
        ),
        (
            "BirthDate",
            json!({
                "type": "string",
                "format": "date",
                "pattern": "^(1[0-9]{3}|20[01][0-9]|202[0-5])-[0-9]{2}-[0-9]{2}$",
                "description": "A declared person's birth date, YYYY-MM-DD: before the day of the declaration (the schema admits years 1000 to 2025; a later day before the declaration is accepted too)",
            }),
        ),
        (
            "CountryCode",
            enumeration(&country_codes(), "An ISO 3166-1 alpha-2 country code"),
        ),
        ("Severity", int(1, 5, "1 (minor) to 5 (critical)")),
        (
            "Category",
            enumeration(
                &["incident", "significant_event", "information", "decision"],
                "What a log entry records",
            ),
        ),
        ("Person", {
            let common: Vec<(&str, Value)> = vec![
                ("name", r("PersonName")),
                ("birth_date", r("BirthDate")),
                ("nationality", r("CountryCode")),
                (
                    "document",
                    number(
                        domain::codes::DocumentNumber::MAX_LEN,
                        "Passport or identity card number: at most 20 letters and digits (spaces and '-' ignored)",
                    ),
                ),
                (
                    "weapons",
                    unique_array(
                        object(
                            &[
                                ("kind", r("Name")),
                                (
                                    "serial",
                                    number(
                                        domain::codes::SerialNumber::MAX_LEN,
                                        "Serial number: at most 32 letters and digits",
                                    ),
                                ),
                            ],
                            &["kind", "serial"],
                        ),
                        MAX_ITEMS,
                        "The weapons the person will carry, each serial number once",
                    ),
                ),
                (
                    "vehicles",
                    unique_array(
                        object(
                            &[
                                (
                                    "plate",
                                    number(
                                        domain::codes::PlateNumber::MAX_LEN,
                                        "Number plate: at most 12 letters and digits",
                                    ),
                                ),
                                ("description", r("Name")),
                            ],
                            &["plate", "description"],
                        ),
                        MAX_ITEMS,
                        "The vehicles the person will drive, each plate once",
                    ),
                ),
            ];
            let required = [
                "name",
                "birth_date",
                "nationality",
                "document",
                "role",
                "weapons",
                "vehicles",
            ];
            let mut plain = common.clone();
            plain.push(("protectee", json!({ "type": "null" })));
            plain.push((
                "role",
                enumeration(
                    &["liaison", "investigative_support", "observer"],
                    "The role asked for",
                ),
            ));
            let mut agent = common;
            agent.push((
                "role",
                json!({ "type": "string", "const": "protective_agent" }),
            ));
            agent.push(("protectee", r("Id")));
            let mut agent_required = required.to_vec();
            agent_required.push("protectee");
            json!({
                "description": "A declared person. Each weapon's serial number and each vehicle's plate appear once.",
                "oneOf": [object(&plain, &required), object(&agent, &agent_required)],
            })
        }),
    ]
}

/// The `oneOf` of an answer's disclosure: none, or personal data with its
/// legal basis and categories.
fn disclosure() -> Value {
    json!({
        "description": "Whether the answer releases personal data; with personal data, on which legal basis and which categories (a disclosure the commander approves)",
        "oneOf": [
            object(&[("personal_data", json!({ "type": "boolean", "const": false }))], &["personal_data"]),
            object(
                &[
                    ("personal_data", json!({ "type": "boolean", "const": true })),
                    ("legal_basis", r("LegalBasis")),
                    (
                        "categories",
                        json!({
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_ITEMS,
                            "items": enumeration(
                                &[
                                    "identity", "identity_documents", "criminal_records", "intelligence",
                                    "travel", "location", "communications", "financial", "vehicles",
                                ],
                                "A category of personal data",
                            ),
                        }),
                    ),
                ],
                &["personal_data", "legal_basis", "categories"],
            ),
        ],
    })
}

/// The fields of a command, without `action`: (name, schema, required).
fn fields(action: &str) -> Option<Vec<(&'static str, Value, bool)>> {
    let id = || r("Id");
    let window = || r("Window");
    Some(match action {
        "agency.register" => vec![
            ("id", id(), true),
            ("name", r("Name"), true),
            (
                "kind",
                enumeration(
                    &["host", "foreign", "organiser", "oversight"],
                    "The kind of agency",
                ),
                true,
            ),
            ("country", r("CountryCode"), true),
        ],
        "event.configure" => vec![
            ("id", id(), true),
            ("name", r("Name"), true),
            (
                "clusters",
                array(
                    object(&[("id", id()), ("name", r("Name"))], &["id", "name"]),
                    MAX_ITEMS,
                ),
                true,
            ),
            (
                "venues",
                array(
                    object(
                        &[("id", id()), ("name", r("Name")), ("cluster", id())],
                        &["id", "name", "cluster"],
                    ),
                    MAX_VENUES,
                ),
                true,
            ),
        ],
        "delegation.register" => vec![
            ("id", id(), true),
            ("name", r("Name"), true),
            ("agency", id(), true),
            ("head_line", id(), false),
            ("head", r("Person"), true),
        ],
        "account.create" => vec![
            ("username", r("Name"), true),
            (
                "role",
                enumeration(
                    &[
                        "host_commander",
                        "host_operator",
                        "host_analyst",
                        "foreign_liaison",
                        "foreign_investigator",
                        "foreign_protective",
                        "organiser",
                        "oversight",
                        "admin",
                    ],
                    "The account's role",
                ),
                true,
            ),
            ("agency", id(), true),
            ("delegation", id(), false),
            ("declaration", id(), false),
            (
                "password",
                json!({ "type": "null", "description": "Never a value: the admin never chooses a password (the user does, at enrolment); a value is refused with 400" }),
                false,
            ),
        ],
        "account.confirm" => vec![("proposal", id(), true)],
        "account.enrolment" => vec![("username", r("Name"), true)],
        "vetting.clear_bulk" => vec![
            (
                "ids",
                non_empty(array(id(), service::command::MAX_BULK)),
                true,
            ),
            ("reason", r("Reason"), true),
        ],
        "applicant.submit" => vec![(
            "applicants",
            array(applicant_row(), service::command::MAX_APPLICANTS),
            true,
        )],
        "account.disable" => vec![("username", r("Name"), true)],
        // Retention (issue 14, item 4).
        "retention.propose_purge" => vec![
            ("id", id(), false),
            (
                "kind",
                enumeration(
                    &["applicant", "declaration", "consultation"],
                    "Which records: applicants, with their intake cases; declared personnel, \
                     with their screening's cases; the consultation log (the consultations made \
                     up to event_end)",
                ),
                true,
            ),
            ("event_end", r("Timestamp"), true),
            (
                "after_days",
                int(
                    0,
                    i64::from(service::command::MAX_RETENTION_DAYS),
                    "Days after the event's end the records are kept",
                ),
                true,
            ),
            ("reason", r("Reason"), true),
        ],
        "retention.purge" => vec![
            ("proposal", id(), true),
            (
                "batch",
                int(
                    1,
                    i64::from(service::command::MAX_PURGE_BATCH),
                    "Records per batch (one ledger entry each); 10,000 when absent",
                ),
                false,
            ),
        ],
        "accreditation.suspend" | "accreditation.reinstate" | "accreditation.revoke" => vec![
            ("id", id(), true),
            (
                "kind",
                enumeration(
                    &["declaration", "applicant"],
                    "Whose accreditation: a declaration line's or an applicant's",
                ),
                true,
            ),
            ("reason", r("Reason"), true),
        ],
        "declaration.submit" => vec![("id", id(), false), ("person", r("Person"), true)],
        "declaration.answer" => vec![("id", id(), true), ("answer", r("LongText"), true)],
        "declaration.request_info" => {
            vec![("id", id(), true), ("question", r("LongText"), true)]
        }
        "declaration.accredit" => vec![
            ("id", id(), true),
            ("window", window(), true),
            ("rooms", array(id(), MAX_ITEMS), false),
            (
                "zones",
                array(
                    object(
                        &[
                            ("venue", id()),
                            ("zone", int(1, 3, "1 inner, 2 middle, 3 outer")),
                        ],
                        &["venue", "zone"],
                    ),
                    MAX_VENUES,
                ),
                false,
            ),
        ],
        "arms_permit.grant" => vec![
            ("id", id(), true),
            (
                "serial",
                number(
                    domain::codes::SerialNumber::MAX_LEN,
                    "The weapon's serial number",
                ),
                true,
            ),
            ("window", window(), true),
        ],
        "room.create" => vec![
            ("id", id(), false),
            ("name", r("Name"), true),
            (
                "kind",
                enumeration(
                    &["host_national", "host_cluster", "delegation_liaison"],
                    "Which kind of room",
                ),
                true,
            ),
            ("cluster", id(), false),
            ("delegation", id(), false),
        ],
        "log.record" => vec![
            ("id", id(), false),
            ("room", id(), true),
            ("venue", id(), false),
            ("category", r("Category"), true),
            ("severity", r("Severity"), true),
            ("text", r("LongText"), true),
        ],
        "log.update" => vec![
            ("id", id(), true),
            ("severity", r("Severity"), false),
            ("text", r("LongText"), false),
        ],
        "log.read" => vec![
            ("room", id(), true),
            (
                "limit",
                int(
                    1,
                    service::command::MAX_LOG_READ.into(),
                    "At most this many entries, those changed most recently (default 200)",
                ),
                false,
            ),
        ],
        "sitrep.issue" => vec![("room", id(), true)],
        "sitrep.read" => vec![
            ("room", id(), true),
            (
                "number",
                int(1, u32::MAX.into(), "The report's number"),
                false,
            ),
        ],
        "liaison_report.submit" => vec![
            ("id", id(), false),
            ("venue", id(), false),
            ("text", r("LongText"), true),
            (
                "subject",
                object(
                    &[
                        ("name", r("PersonName")),
                        ("birth_date", nullable(r("Date"))),
                        ("nationality", nullable(r("CountryCode"))),
                    ],
                    &["name"],
                ),
                false,
            ),
        ],
        "liaison_report.triage" => vec![
            ("id", id(), true),
            ("room", id(), true),
            ("category", r("Category"), true),
            ("severity", r("Severity"), true),
            ("entry", id(), false),
        ],
        "protectee.register" => vec![
            ("id", id(), false),
            ("name", r("PersonName"), true),
            ("delegation", id(), true),
            ("risk", int(1, 4, "Risk level, 1 to 4"), true),
        ],
        "movement.plan" => vec![
            ("id", id(), false),
            ("protectee", id(), true),
            (
                "stops",
                array(
                    object(&[("venue", id()), ("at", r("Timestamp"))], &["venue", "at"]),
                    MAX_ITEMS,
                ),
                true,
            ),
            ("window", window(), true),
            ("lead", id(), true),
            ("agents", array(id(), MAX_ITEMS), false),
        ],
        "rfi.draft" => vec![
            ("id", id(), false),
            (
                "kind",
                enumeration(&["information", "assistance"], "Information or assistance"),
                true,
            ),
            (
                "priority",
                enumeration(&["urgent_direct", "urgent", "normal"], "Priority"),
                true,
            ),
            ("subject", r("Name"), true),
            ("body", r("LongText"), true),
        ],
        "rfi.accept" => vec![("id", id(), true), ("unit", id(), true)],
        "rfi.answer" => vec![
            ("id", id(), true),
            ("text", r("LongText"), true),
            ("disclosure", disclosure(), true),
        ],
        "task.create" => vec![
            ("id", id(), false),
            ("title", r("Name"), true),
            ("details", r("LongText"), true),
            ("unit", id(), true),
        ],
        "task.update" => vec![
            ("id", id(), true),
            (
                "progress",
                json!({
                    "description": "What happened: started, completed with a report, or cancelled with a reason",
                    "oneOf": [
                        { "type": "string", "const": "start" },
                        object(&[("complete", object(&[("report", r("LongText"))], &["report"]))], &["complete"]),
                        object(&[("cancel", object(&[("reason", r("Reason"))], &["reason"]))], &["cancel"]),
                    ],
                }),
                true,
            ),
        ],
        "vetting.share" => vec![
            ("id", id(), true),
            ("delegation", id(), true),
            ("legal_basis", r("LegalBasis"), true),
            ("question", r("LongText"), true),
        ],
        "vetting.attach_report" => vec![("id", id(), true), ("report", id(), true)],
        // The shared shapes.
        "declaration.withdraw"
        | "room.read"
        | "log.close"
        | "movement.approve"
        | "rfi.submit"
        | "rfi.acknowledge"
        | "rfi.start"
        | "rfi.approve_disclosure"
        | "rfi.close"
        | "task.approve"
        | "task.read"
        | "vetting.claim"
        | "vetting.release"
        | "vetting.read_opinion" => vec![("id", id(), true)],
        "declaration.refuse"
        | "liaison_report.dismiss"
        | "rfi.refuse"
        | "rfi.cancel"
        | "vetting.clear"
        | "vetting.propose_refusal"
        | "vetting.confirm_refusal"
        | "vetting.propose_referral"
        | "vetting.confirm_referral" => {
            vec![("id", id(), true), ("reason", r("Reason"), true)]
        }
        "rfi.request_clarification" | "rfi.clarify" | "vetting.note" => {
            vec![("id", id(), true), ("text", r("LongText"), true)]
        }
        "declaration.read" | "movement.read" | "rfi.read" | "vetting.read" => {
            vec![("id", id(), true), ("purpose", r("Purpose"), true)]
        }
        _ => return None,
    })
}

/// The body a route takes: its command's fields, less those the path (or,
/// for a consultation, `X-Purpose`) fills. `None` for a route without a
/// body, or an action this module does not know (a test catches that).
pub fn route_body(route: &Route) -> Option<Value> {
    let Op::Command {
        action,
        params,
        purpose,
    } = route.op
    else {
        return None;
    };
    if route.method != Method::Post {
        return None;
    }
    let fields = fields(action)?;
    let mut properties = Vec::new();
    let mut required = Vec::new();
    for (name, schema, needed) in fields {
        if params.iter().any(|p| p.field == name) || (purpose && name == "purpose") {
            continue;
        }
        if needed {
            required.push(name);
            properties.push((name, schema));
        } else if schema["type"] == "array" {
            // A list with `#[serde(default)]`: absent or a list, not null.
            properties.push((name, schema));
        } else {
            properties.push((name, nullable(schema)));
        }
    }
    let mut body = object(&properties, &required);
    body["description"] = json!(format!("The fields of `{action}`"));
    add_rules(action, &mut body);
    Some(body)
}

/// The rules between fields that JSON Schema can say: which fields a
/// room's kind takes, and that `log.update` changes something.
fn add_rules(action: &str, body: &mut Value) {
    let none = json!({ "type": "null" });
    match action {
        "room.create" => {
            body["oneOf"] = json!([
                {
                    "properties": { "kind": { "const": "host_national" }, "cluster": none, "delegation": none },
                },
                {
                    "properties": { "kind": { "const": "host_cluster" }, "cluster": r("Id"), "delegation": none },
                    "required": ["cluster"],
                },
                {
                    "properties": { "kind": { "const": "delegation_liaison" }, "delegation": r("Id"), "cluster": none },
                    "required": ["delegation"],
                },
            ]);
        }
        "log.update" => {
            body["anyOf"] = json!([
                { "properties": { "severity": r("Severity") }, "required": ["severity"] },
                { "properties": { "text": r("LongText") }, "required": ["text"] },
            ]);
        }
        _ => {}
    }
}

/// The whole command of `action` as `POST /api/v1/commands` takes it:
/// its fields and `action`.
pub fn command(action: &str) -> Option<Value> {
    let fields = fields(action)?;
    let mut properties = vec![("action", json!({ "type": "string", "const": action }))];
    let mut required = vec!["action"];
    for (name, schema, needed) in fields {
        if needed {
            required.push(name);
            properties.push((name, schema));
        } else if schema["type"] == "array" {
            // A list with `#[serde(default)]`: absent or a list, not null.
            properties.push((name, schema));
        } else {
            properties.push((name, nullable(schema)));
        }
    }
    let mut command = object(&properties, &required);
    add_rules(action, &mut command);
    Some(command)
}

/// The schema component name of a route's body (`Body_rfi.answer` is not
/// a valid name: dots and the like become `_`).
fn body_name(route: &Route) -> String {
    let action = route.command().unwrap_or("none");
    let mut name = String::from("Body_");
    name.extend(
        action
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
    );
    name
}

/// Sets the shared schemas, the body schemas and the path parameters'
/// patterns into the serialized document.
pub fn apply(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (name, schema) in components() {
        schemas.insert(name.to_owned(), schema);
    }
    let mut bodies = Vec::new();
    for route in ROUTES {
        if let Some(body) = route_body(route) {
            let name = body_name(route);
            schemas.insert(name.clone(), body);
            bodies.push((route, name));
        }
    }
    for (route, name) in bodies {
        let pointer = format!(
            "/paths/{}/{}/requestBody/content/application~1json/schema",
            route.path.replace('~', "~0").replace('/', "~1"),
            route.method.as_str()
        );
        if let Some(slot) = doc.pointer_mut(&pointer) {
            *slot = r(&name);
        }
    }
    // `POST /api/v1/commands`: any one command, by its `action`.
    let mut actions: Vec<&str> = ROUTES.iter().filter_map(Route::command).collect();
    actions.sort_unstable();
    actions.dedup();
    let mut any = Vec::new();
    for action in actions {
        if let Some(schema) = command(action) {
            let name = format!("Command_{}", action.replace('.', "_"));
            if let Some(schemas) = doc
                .pointer_mut("/components/schemas")
                .and_then(Value::as_object_mut)
            {
                schemas.insert(name.clone(), schema);
            }
            any.push(r(&name));
        }
    }
    if let Some(slot) = doc
        .pointer_mut("/paths/~1api~1v1~1commands/post/requestBody/content/application~1json/schema")
    {
        *slot = json!({ "oneOf": any });
    }
    // A live stream's events are not one JSON body: its content type says
    // what it is, `ChangeEvent` and `StreamNotice` what its data hold.
    if let Some(content) = doc.pointer_mut(
        "/paths/~1api~1v1~1rooms~1{id}~1events/get/responses/200/content/text~1event-stream",
    ) && let Some(content) = content.as_object_mut()
    {
        content.remove("schema");
    }
    // Every path parameter that names a record: an id's pattern.
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        let ours = paths
            .iter_mut()
            .filter(|(path, _)| path.starts_with("/api/v1/"))
            .filter_map(|(path, ops)| {
                Some((
                    path.as_str() == "/api/v1/ledger/entries",
                    ops.as_object_mut()?,
                ))
            });
        for (ledger, ops) in ours {
            for op in ops.values_mut() {
                let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                    continue;
                };
                for p in params.iter_mut() {
                    if p["in"] == "query" && p.get("schema").is_none() {
                        p["schema"] = match p["name"].as_str() {
                            Some("state") => json!({ "type": "string" }),
                            Some("format") => json!({ "type": "string", "enum": ["json", "csv"] }),
                            Some("kind") => {
                                json!({ "type": "string", "enum": ["rfi_answer", "case_share"] })
                            }
                            Some("recipient") => r("Id"),
                            _ if ledger => {
                                json!({ "type": "integer", "minimum": 0, "maximum": u64::MAX })
                            }
                            _ => {
                                json!({ "type": "integer", "minimum": i64::MIN, "maximum": i64::MAX })
                            }
                        };
                    }
                    if p["in"] == "path" && p["name"] == "number" {
                        p["schema"]["maximum"] = json!(u32::MAX);
                    }
                    if p["in"] == "header" && p["name"] == "X-Purpose" {
                        p["schema"] = json!({
                            "type": "string",
                            "maxLength": 500,
                            "pattern": "^[\\t -~]*[!-~][\\t -~]*$",
                            "description": "Visible ASCII, spaces and tabs (what an HTTP header value carries as text), not blank, at most 500 characters",
                        });
                    }
                }
                for p in params {
                    let is_id = p["in"] == "path"
                        && matches!(
                            p["name"].as_str(),
                            Some("id" | "room" | "username" | "proposal")
                        );
                    if is_id {
                        p["schema"] = if p["name"] == "username" {
                            r("Name")
                        } else {
                            r("Id")
                        };
                    }
                }
            }
        }
    }
}

/// Writes each number that JSON Schema counts as an integer (`3.0`: a
/// number whose fraction is zero) as an integer, so that the decoder, whose
/// integer fields refuse a float, takes what the schema's `"type":
/// "integer"` promises. Only below 2^53, where a float is exact: beyond,
/// the float may be an integer literal outside the 64-bit range that the
/// JSON reader rounded (`-9223372036854775809`), which stays refused.
pub fn integral_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
            {
                const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
                if f.abs() < EXACT {
                    // Exact: |f| < 2^53 and no fraction.
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers),
        _ => {}
    }
}
