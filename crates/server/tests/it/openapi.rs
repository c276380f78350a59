//! The OpenAPI document names every route the router serves, and every
//! path it names is served. The resource routes come from `rest::ROUTES`,
//! the table that also builds their router: the test walks the table
//! against the document and the document against the table and the server.

use std::collections::BTreeSet;

use server::rest::{self, Method, Op};

use crate::world::{Auth, World, config};

/// The routes outside the resource table, as (method, OpenAPI path).
const OTHER_ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/api/v1/session"),
    ("get", "/api/v1/session"),
    ("delete", "/api/v1/session"),
    ("post", "/api/v1/session/password"),
    ("post", "/api/v1/enrolment"),
    ("post", "/api/v1/commands"),
    ("get", "/api/v1/rooms/{id}/events"),
    ("get", "/api/v1/openapi.json"),
    ("post", "/match/{dataset}"),
    ("get", "/search/{dataset}"),
    ("get", "/catalog"),
    ("get", "/algorithms"),
    ("get", "/entities/{id}"),
    ("get", "/ledger/checkpoint"),
    ("get", "/ledger/key"),
    ("get", "/ledger/tile/{path}"),
    ("get", "/api/v1/gate/bundle"),
    ("get", "/api/v1/passes/declarations/{id}"),
    ("get", "/api/v1/passes/applicants/{id}"),
];

/// Every route: the others and the table's.
fn all_routes() -> BTreeSet<(String, String)> {
    OTHER_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .chain(
            rest::ROUTES
                .iter()
                .map(|r| (r.method.as_str().to_owned(), r.path.to_owned())),
        )
        .collect()
}

#[test]
fn every_route_is_in_the_openapi_document() {
    let w = World::start(store::testing::sqlite(), config());
    let r = w.get("/api/v1/openapi.json", &Auth::None);
    assert_eq!(r.status, 200, "{}", r.text());
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    let routes = all_routes();
    assert_eq!(
        routes.len(),
        OTHER_ROUTES.len() + rest::ROUTES.len(),
        "a route is in the table twice, or also outside it"
    );
    for (method, path) in &routes {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is missing from the OpenAPI document"
        );
    }
    // And the other way round: every documented operation is a route, and
    // is served (the fallback's "no such route" never answers it).
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            assert!(
                routes.contains(&(method.clone(), path.clone())),
                "{method} {path} is documented but not a route"
            );
            let concrete = path
                .replace("{dataset}", "default")
                .replace("{id}", "x")
                .replace("{room}", "x")
                .replace("{username}", "x")
                .replace("{number}", "1")
                .replace("{path}", "0/000");
            let r = w.send(&method.to_uppercase(), &concrete, &Auth::None, &[], None);
            let text = r.text();
            assert!(!text.contains("no such route"), "{method} {path}: {text}");
            assert_ne!(r.status, 405, "{method} {path}: {text}");
        }
    }
}

#[test]
fn each_resource_route_is_documented_with_its_parameters_body_and_errors() {
    let w = World::start(store::testing::sqlite(), config());
    let doc = w.get("/api/v1/openapi.json", &Auth::None).json();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for route in rest::ROUTES {
        let what = format!("{} {}", route.method.as_str(), route.path);
        let op = &doc["paths"][route.path][route.method.as_str()];
        let params: Vec<(&str, &str)> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| (p["in"].as_str().unwrap(), p["name"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        // The path's parameters, exactly those of the template.
        let in_template: Vec<&str> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let documented: Vec<&str> = params
            .iter()
            .filter(|(i, _)| *i == "path")
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(documented, in_template, "{what}: path parameters");
        let table: Vec<&str> = route.params().iter().map(|p| p.name).collect();
        assert_eq!(table, in_template, "{what}: the table's parameters");
        assert_eq!(
            params.contains(&("header", "X-Purpose")),
            route.needs_purpose(),
            "{what}: X-Purpose"
        );
        // A body exactly for the POSTs.
        let body = &op["requestBody"]["content"]["application/json"];
        assert_eq!(
            !body.is_null(),
            route.method == Method::Post,
            "{what}: request body"
        );
        if let Some(action) = route.command() {
            assert!(
                route.method == Method::Get
                    || op["requestBody"]["description"]
                        .as_str()
                        .unwrap()
                        .contains(action),
                "{what}: the body names its command"
            );
        }
        // The errors, in the API's shape.
        let mut statuses = vec!["200", "401", "403"];
        if matches!(route.op, Op::Command { .. }) {
            statuses.extend(["400", "404", "409", "422"]);
        }
        if route.method == Method::Post {
            statuses.extend(["413", "415"]);
        }
        for status in statuses {
            let response = &op["responses"][status];
            assert!(!response.is_null(), "{what}: no {status} response");
            if status != "200" {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{what}: {status}"
                );
            }
        }
    }
    // Every schema named is in the document.
    let text = doc.to_string();
    for name in text
        .split("#/components/schemas/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
    {
        assert!(
            schemas.contains_key(name),
            "schema {name} is named but absent"
        );
    }
}

/// The command names of `service::Command`, read from its source: the
/// `#[serde(rename = "…")]` of each variant.
fn command_names() -> BTreeSet<String> {
    let source = include_str!("../../../service/src/command.rs");
    let start = source.find("pub enum Command {").expect("enum Command");
    let end = start + source[start..].find("\n}\n").expect("end of enum Command");
    source[start..end]
        .split("#[serde(rename = \"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect()
}

#[test]
fn every_command_has_a_route_and_every_route_a_command() {
    let names = command_names();
    assert!(names.len() > 40, "{names:?}");
    let routed: BTreeSet<String> = rest::ROUTES
        .iter()
        .filter_map(|r| r.command().map(str::to_owned))
        .collect();
    let missing: Vec<&String> = names.difference(&routed).collect();
    assert!(missing.is_empty(), "commands without a route: {missing:?}");
    let unknown: Vec<&String> = routed.difference(&names).collect();
    assert!(unknown.is_empty(), "routes to no command: {unknown:?}");
}

/// The names of the fields the command decoder knows for `action`, read
/// from its own refusal of an unknown field ("expected one of …").
fn decoder_fields(action: &str) -> BTreeSet<String> {
    let probe = serde_json::json!({"action": action, "zz_probe": 1});
    let err = serde_json::from_value::<service::Command>(probe)
        .expect_err("an unknown field is refused")
        .to_string();
    let expected = err
        .split("expected one of ")
        .nth(1)
        .or_else(|| err.split("expected ").nth(1))
        .unwrap_or_else(|| panic!("{action}: {err}"));
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// Follows `$ref`s into `components/schemas`.
fn resolve<'a>(doc: &'a serde_json::Value, schema: &'a serde_json::Value) -> &'a serde_json::Value {
    match schema["$ref"].as_str() {
        Some(r) => resolve(
            doc,
            &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        ),
        None => schema,
    }
}

/// A small value the schema accepts: required properties only, the first
/// branch of a `oneOf`/`anyOf`, the smallest of a range, a text that
/// satisfies its pattern.
fn example(doc: &serde_json::Value, schema: &serde_json::Value) -> serde_json::Value {
    use serde_json::{Value, json};
    let schema = resolve(doc, schema);
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(e) = schema["enum"].as_array() {
        return e[0].clone();
    }
    if let Some(branches) = schema["anyOf"].as_array().or(schema["oneOf"].as_array())
        && schema.get("properties").is_none()
    {
        return example(doc, &branches[0]);
    }
    match schema["type"].as_str() {
        Some("string") => {
            if schema["format"] == "date" {
                json!("1980-01-01")
            } else if schema["pattern"]
                .as_str()
                .is_some_and(|p| p.contains("A-Za-z0-9][ -]"))
            {
                json!("A1")
            } else if schema["pattern"].as_str() == Some(server::schema::ID_PATTERN) {
                json!("x-1")
            } else {
                json!("A text")
            }
        }
        Some("integer") => json!(schema["minimum"].as_i64().map_or(1, |m| m.max(1))),
        Some("boolean") => json!(false),
        Some("array") => json!([]),
        Some("object") => {
            let mut out = serde_json::Map::new();
            let mut required: Vec<&Value> = schema["required"]
                .as_array()
                .map(|r| r.iter().collect())
                .unwrap_or_default();
            // The first branch's rule between fields.
            let branch = schema["oneOf"].get(0).or(schema["anyOf"].get(0));
            if let Some(b) = branch {
                required.extend(b["required"].as_array().into_iter().flatten());
            }
            for name in required {
                let name = name.as_str().unwrap();
                let field = branch
                    .and_then(|b| b["properties"].get(name))
                    .filter(|s| s.get("const").is_some() || s.get("$ref").is_some())
                    .unwrap_or(&schema["properties"][name]);
                out.insert(name.to_owned(), example(doc, field));
            }
            if let Some(b) = branch {
                for (name, s) in b["properties"].as_object().into_iter().flatten() {
                    if s.get("const").is_some() {
                        out.insert(name.clone(), s["const"].clone());
                    }
                }
            }
            Value::Object(out)
        }
        other => panic!("no example for {other:?}: {schema}"),
    }
}

#[test]
fn each_command_body_schema_is_the_decoders_fields_and_its_examples_decode() {
    let w = World::start(store::testing::sqlite(), config());
    let doc = w.get("/api/v1/openapi.json", &Auth::None).json();
    let mut checked = 0;
    for route in rest::ROUTES {
        let Some(action) = route.command() else {
            continue;
        };
        let what = format!("{} {}", route.method.as_str(), route.path);
        let op = &doc["paths"][route.path][route.method.as_str()];
        let from_path: BTreeSet<String> = route
            .params()
            .iter()
            .map(|p| p.field.to_owned())
            .chain(route.needs_purpose().then(|| "purpose".to_owned()))
            .collect();
        let body_fields: BTreeSet<String> = if route.method == Method::Post {
            let schema = resolve(
                &doc,
                &op["requestBody"]["content"]["application/json"]["schema"],
            );
            assert_eq!(
                schema["additionalProperties"], false,
                "{what}: a closed body"
            );
            schema["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("{what}: {schema}"))
                .keys()
                .cloned()
                .collect()
        } else {
            BTreeSet::new()
        };
        assert!(
            body_fields.is_disjoint(&from_path),
            "{what}: the path's fields are not in the body"
        );
        let documented: BTreeSet<String> = body_fields.union(&from_path).cloned().collect();
        if route.method == Method::Post {
            assert_eq!(
                documented,
                decoder_fields(action),
                "{what}: the documented fields are the decoder's"
            );
        } else {
            // A read takes its fields from the path alone (`sitrep.read`'s
            // optional `number` has a route of its own).
            assert!(
                documented.is_subset(&decoder_fields(action)),
                "{what}: {documented:?}"
            );
        }
        // The smallest body the schema accepts decodes, with the path's fields.
        if route.method == Method::Post {
            let mut body = example(
                &doc,
                &op["requestBody"]["content"]["application/json"]["schema"],
            );
            for p in route.params() {
                body[p.field] = if p.number {
                    serde_json::json!(1)
                } else {
                    serde_json::json!("x-1")
                };
            }
            body["action"] = serde_json::json!(action);
            let decoded = serde_json::from_value::<service::Command>(body.clone());
            assert!(
                decoded.is_ok(),
                "{what}: {body}: {}",
                decoded.err().unwrap()
            );
            assert!(decoded.unwrap().check_limits().is_ok(), "{what}");
        }
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
    // `POST /api/v1/commands` takes any one of them, by `action`.
    let any = &doc["paths"]["/api/v1/commands"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["oneOf"];
    let names: BTreeSet<String> = any
        .as_array()
        .expect("oneOf")
        .iter()
        .map(|s| {
            resolve(&doc, s)["properties"]["action"]["const"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names, command_names());
}

#[test]
fn path_parameters_carry_patterns_and_every_query_parameter_a_schema() {
    let w = World::start(store::testing::sqlite(), config());
    let doc = w.get("/api/v1/openapi.json", &Auth::None).json();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let what = format!("{method} {path} {}", p["name"]);
                assert!(p.get("schema").is_some(), "{what}: no schema");
                if path.starts_with("/api/v1/") && p["in"] == "path" {
                    let schema = resolve(&doc, &p["schema"]);
                    assert!(
                        schema.get("pattern").is_some() || schema["type"] == "integer",
                        "{what}: {schema}"
                    );
                }
            }
        }
    }
    let id = &doc["components"]["schemas"]["Id"];
    assert_eq!(id["pattern"], server::schema::ID_PATTERN);
    assert_eq!(id["maxLength"], domain::ids::ID_MAX_LEN);
}

#[test]
fn a_refusal_for_the_records_state_is_a_409_and_outside_the_host_still_a_404() {
    use serde_json::json;
    for db in crate::world::backends() {
        let w = World::start(db, config());
        let us_cookie = w.login("us-liaison");
        let us = Auth::Cookie(&us_cookie);
        let r = w.post(
            "/api/v1/requests",
            &us,
            &json!({"id": "us-rfi-9", "kind": "information", "priority": "normal",
                    "subject": "Route", "body": "Which route?"}),
        );
        assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
        let r = w.post("/api/v1/requests/us-rfi-9/submit", &us, &json!({}));
        assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
        // Submitting it again: well formed, but the request is submitted.
        let r = w.post("/api/v1/requests/us-rfi-9/submit", &us, &json!({}));
        assert_eq!(r.status, 409, "{}: {}", w.name, r.text());
        assert_eq!(r.json()["error"]["code"], "conflict");
        // The French liaison may not know the request: 404, exactly as for
        // one that does not exist, before any state is looked at.
        let fr_cookie = w.login("fr-liaison");
        let fr = Auth::Cookie(&fr_cookie);
        let seen = w.post("/api/v1/requests/us-rfi-9/submit", &fr, &json!({}));
        let none = w.post("/api/v1/requests/us-rfi-404/submit", &fr, &json!({}));
        for r in [&seen, &none] {
            assert_eq!(r.status, 404, "{}: {}", w.name, r.text());
            assert_eq!(r.json()["error"]["code"], "not_found");
            assert_eq!(
                r.json()["error"]["message"],
                none.json()["error"]["message"]
            );
        }
        // The requester closing it before any answer, and the host
        // acknowledging it twice: 409 both.
        let r = w.post("/api/v1/requests/us-rfi-9/close", &us, &json!({}));
        assert_eq!(r.status, 409, "{}: {}", w.name, r.text());
        let operator_cookie = w.login("operator");
        let operator = Auth::Cookie(&operator_cookie);
        let r = w.post(
            "/api/v1/requests/us-rfi-9/acknowledge",
            &operator,
            &json!({}),
        );
        assert_eq!(r.status, 200, "{}: {}", w.name, r.text());
        let r = w.post(
            "/api/v1/requests/us-rfi-9/acknowledge",
            &operator,
            &json!({}),
        );
        assert_eq!(r.status, 409, "{}: {}", w.name, r.text());
        assert_eq!(r.json()["error"]["code"], "conflict");
        let commander_cookie = w.login("commander");
        let commander = Auth::Cookie(&commander_cookie);
        // A value JSON Schema cannot check (a window that ends as it
        // starts) stays a 422 `invalid`.
        let r = w.post(
            "/api/v1/declarations/us-head/accredit",
            &commander,
            &json!({"window": {"from": 5, "until": 5}}),
        );
        assert_eq!(r.status, 422, "{}: {}", w.name, r.text());
        assert_eq!(r.json()["error"]["code"], "invalid");
    }
}
