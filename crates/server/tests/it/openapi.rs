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
