//! The OpenAPI document names every route the router serves, and every
//! path it names is served.

use crate::world::{Auth, World, config};

/// Every route of the router, as (method, OpenAPI path).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/api/v1/session"),
    ("get", "/api/v1/session"),
    ("delete", "/api/v1/session"),
    ("post", "/api/v1/commands"),
    ("get", "/api/v1/requests"),
    ("get", "/api/v1/tasks"),
    ("get", "/api/v1/declarations"),
    ("get", "/api/v1/rooms/{id}/events"),
    ("get", "/api/v1/openapi.json"),
    ("post", "/match/{dataset}"),
    ("get", "/search/{dataset}"),
    ("get", "/catalog"),
    ("get", "/entities/{id}"),
    ("get", "/ledger/checkpoint"),
    ("get", "/ledger/key"),
    ("get", "/ledger/tile/{path}"),
];

#[test]
fn every_route_is_in_the_openapi_document() {
    let w = World::start(store::testing::sqlite(), config());
    let r = w.get("/api/v1/openapi.json", &Auth::None);
    assert_eq!(r.status, 200, "{}", r.text());
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    for (method, path) in ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} is missing from the OpenAPI document"
        );
    }
    // And the other way round: every documented operation is served (the
    // fallback's "no such route" never answers it), and is in ROUTES.
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            assert!(
                ROUTES.contains(&(method.as_str(), path.as_str())),
                "{method} {path} is documented but not in ROUTES"
            );
            let concrete = path
                .replace("{dataset}", "default")
                .replace("{id}", "x")
                .replace("{path}", "0/000");
            let r = w.send(&method.to_uppercase(), &concrete, &Auth::None, &[], None);
            let text = r.text();
            assert!(!text.contains("no such route"), "{method} {path}: {text}");
        }
    }
}
