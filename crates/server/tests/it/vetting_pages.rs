//! Issue 12's pages over HTTP: the analysts' queue (filters, claim, bulk
//! clear and its share), the case view (applicant, candidates with their
//! explanation, decisions with four eyes) and the organiser's opinions —
//! and that the organiser and a foreign liaison never see a score, list or
//! case on any of them.

use serde_json::{Value, json};

use crate::ui::{assert_strict_page, form};
use crate::world::{Auth, World, backends, config};

fn applicant(reference: &str, name: &str) -> Value {
    json!({"reference": reference, "name": name, "birth_date": "", "nationality": "",
           "document_type": "passport", "document_number": format!("D{reference}"),
           "category": "media", "venues": "san-siro", "zones": "zone-2"})
}

/// The ids of the open cases on the queue page.
fn case_ids(page: &str) -> Vec<String> {
    page.match_indices("<tr data-id=\"")
        .map(|(i, m)| {
            let rest = &page[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn queue_case_view_and_opinions_pages() {
    for db in backends() {
        let w = World::start(db, config());
        w.add_every_role();
        let organiser = w.login("organiser");
        let org = Auth::Cookie(&organiser);
        let batch = json!({"applicants": [
            applicant("P-1", "Anna Colombo"),
            applicant("P-2", "Viktor Anatolyevich Bout"),
            applicant("P-3", "Viktor But"),
            applicant("P-4", "Joaquin Archivaldo Guzman Loera"),
        ]});
        let r = w.post("/api/v1/applicants", &org, &batch);
        assert_eq!(r.status, 200, "{}", r.text());

        // The queue: three cases, the claim offered, the bulk form.
        let analyst = w.login("analyst");
        let an = Auth::Cookie(&analyst);
        let q = w.get("/vetting", &an);
        assert_eq!(q.status, 200, "{}", q.text());
        assert_strict_page(&q);
        let page = q.text();
        let ids = case_ids(&page);
        assert_eq!(ids.len(), 3, "{page}");
        assert!(page.contains("action=\"/do/vetting.claim\""), "{page}");
        assert!(page.contains("action=\"/do/vetting.clear_bulk\""));
        // A filter: the list.
        let tco = w.get("/vetting?list=test_tco&state=open", &an).text();
        assert_eq!(case_ids(&tco).len(), 1, "{tco}");
        assert_eq!(w.get("/vetting?min_priority=x", &an).status, 400);
        // Intake cases put no accreditation in question.
        assert!(case_ids(&w.get("/vetting?in_question=1", &an).text()).is_empty());

        // The case view: a recorded consultation with the applicant, the
        // candidate, its explanation and its list entry.
        let guzman = case_ids(&tco).remove(0);
        let before = w.ledger_size();
        let c = w.get(&format!("/vetting/{guzman}"), &an);
        assert_eq!(c.status, 200, "{}", c.text());
        assert_strict_page(&c);
        let text = c.text();
        for needle in [
            "Joaquin Archivaldo Guzman Loera",
            "t-guzman",
            "test_tco",
            "Why it matched",
            "El Chapo",
            "action=\"/do/vetting.clear\"",
            "action=\"/do/vetting.propose_refusal\"",
        ] {
            assert!(text.contains(needle), "{needle} missing: {text}");
        }
        assert!(!text.contains("vetting.confirm_refusal"));
        assert_eq!(w.entry(before).action, "vetting.read");

        // Claim from the page, propose a refusal; the commander confirms
        // (the proposer is not offered the confirmation).
        let r = form(
            &w,
            "/do/vetting.claim",
            Some(&analyst),
            &[("id", &guzman), ("return", "/vetting")],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        let mine = w.get("/vetting?assignee=me", &an).text();
        assert_eq!(case_ids(&mine), std::slice::from_ref(&guzman));
        assert!(mine.contains("action=\"/do/vetting.release\""));
        let back = format!("/vetting/{guzman}");
        let r = form(
            &w,
            "/do/vetting.propose_refusal",
            Some(&analyst),
            &[
                ("id", &guzman),
                ("reason", "the cartel's leader, same full name"),
                ("return", &back),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        let commander = w.login("commander");
        let view = w.get(&back, &Auth::Cookie(&commander)).text();
        assert!(
            view.contains("action=\"/do/vetting.confirm_refusal\""),
            "{view}"
        );
        assert!(view.contains("leader, same full name"), "{view}");
        let r = form(
            &w,
            "/do/vetting.confirm_refusal",
            Some(&commander),
            &[
                ("id", &guzman),
                ("reason", "board decision"),
                ("return", &back),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text());

        // Bulk clear of the two Bout variants: each recorded on its own,
        // and the share cleared in bulk shown.
        let open = case_ids(&w.get("/vetting", &an).text());
        assert_eq!(open.len(), 2);
        let before = w.ledger_size();
        let r = form(
            &w,
            "/do/vetting.clear_bulk",
            Some(&analyst),
            &[
                ("ids[]", &open[0]),
                ("ids[]", &open[1]),
                ("reason", "namesakes: a journalist and a photographer"),
                ("return", "/vetting"),
            ],
        );
        assert!(r.status == 200 || r.status == 303, "{}", r.text());
        assert_eq!(w.ledger_size(), before + 2);
        assert_eq!(w.entry(before).action, "vetting.clear");
        let q = w.get("/vetting?state=cleared", &an).text();
        assert_eq!(case_ids(&q).len(), 2);
        assert!(q.contains("<span id=\"bulk-share\">100 %</span>"), "{q}");

        // The organiser's opinions page: references and opinions only.
        let o = w.get("/opinions", &org);
        assert_eq!(o.status, 200, "{}", o.text());
        assert_strict_page(&o);
        let text = o.text();
        for needle in ["P-1", "P-4", "objection", "no_objection", "format=csv"] {
            assert!(text.contains(needle), "{needle} missing: {text}");
        }
        let mut secrets = vec![
            "Bout".to_owned(),
            "Guzman".to_owned(),
            "test_tco".into(),
            "test_sanctions".into(),
            "cartel".into(),
            "namesakes".into(),
            "board decision".into(),
            "score".into(),
            "vetting".into(),
        ];
        secrets.extend(ids.iter().cloned());
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{s} on the organiser's page");
        }
        // Neither the organiser nor a foreign liaison gets the queue or a
        // case, and the liaison no opinions.
        let liaison = w.login("us-liaison");
        for (user, cookie) in [("organiser", &organiser), ("us-liaison", &liaison)] {
            let auth = Auth::Cookie(cookie);
            let mut paths = vec!["/vetting".to_owned(), format!("/vetting/{guzman}")];
            if user == "us-liaison" {
                paths.push("/opinions".into());
            }
            for path in paths {
                let r = w.get(&path, &auth);
                assert_eq!(r.status, 404, "{user} {path}: {}", r.text());
                for s in &secrets {
                    assert!(!r.text().contains(s.as_str()), "{user} {path}: {s}");
                }
            }
        }
    }
}

/// The lists after a change: the test lists and one new entry naming an
/// applicant accredited before it.
fn changed_lists(w: &World) -> std::sync::Arc<service::ScreeningLists> {
    let before = w.svc.lists().expect("lists");
    let mut entities: Vec<watchlist::Entity> = before.index().entities().to_vec();
    let mut verdi = watchlist::Entity::new("t-verdi", watchlist::Schema::Person, "test_sanctions");
    verdi.add_name("VERDI, Paolo", watchlist::NameKind::Primary);
    entities.push(verdi);
    std::sync::Arc::new(service::ScreeningLists::new(screening::Index::build(
        entities,
    )))
}

#[test]
fn a_list_change_shows_in_the_screening_and_the_commander_suspends_from_the_case() {
    for db in backends() {
        let w = World::start(db, config());
        w.add_every_role();
        let organiser = w.login("organiser");
        let org = Auth::Cookie(&organiser);
        let r = w.post(
            "/api/v1/applicants",
            &org,
            &json!({"applicants": [applicant("V-1", "Paolo Verdi"), applicant("V-2", "Anna Colombo")]}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let analyst = w.login("analyst");
        let an = Auth::Cookie(&analyst);
        assert!(case_ids(&w.get("/vetting", &an).text()).is_empty());

        // The new snapshot is in force for the next request, no restart.
        let previous = w.svc.lists().unwrap().index().clone();
        w.svc.set_lists(changed_lists(&w));
        let query =
            json!({"queries": {"q": {"schema": "Person", "properties": {"name": "Paolo Verdi"}}}});
        let r = w.send(
            "POST",
            "/match/default",
            &an,
            &[("X-Purpose", "accreditation check after a list change")],
            Some(&query.to_string()),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.text().contains("t-verdi"), "{}", r.text());

        let report = w
            .block_on(
                w.svc
                    .rescreen(&service::Actor::session("admin"), Some(previous)),
            )
            .expect("re-screen");
        assert_eq!(report.cases_opened, 1, "{report:?}");
        let ids = case_ids(&w.get("/vetting", &an).text());
        assert_eq!(ids.len(), 1);
        let view = format!("/vetting/{}", ids[0]);

        // The queue filters the cases that put an accreditation in
        // question; the commander's home counts them, the analyst's (who
        // may not suspend) does not.
        assert_eq!(case_ids(&w.get("/vetting?in_question=1", &an).text()), ids);
        let commander_cookie = w.login("commander");
        let home = w.get("/home", &Auth::Cookie(&commander_cookie)).text();
        assert!(
            home.contains("id=\"in-question-count\"><strong>1</strong> accreditation in force")
                && home.contains("href=\"/vetting?in_question=1\""),
            "{home}"
        );
        assert!(!w.get("/home", &an).text().contains("in-question-count"));

        // The analyst sees the proposal, not the form; the commander both.
        let text = w.get(&view, &an).text();
        assert!(text.contains("Accreditation in question"), "{text}");
        assert!(!text.contains("/do/accreditation.suspend"), "{text}");
        let commander = w.login("commander");
        let text = w.get(&view, &Auth::Cookie(&commander)).text();
        assert!(
            text.contains("action=\"/do/accreditation.suspend\""),
            "{text}"
        );
        let applicant_id = {
            let at = text
                .find("name=\"id\" value=\"app-")
                .expect("the applicant's id");
            let rest = &text[at + "name=\"id\" value=\"".len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        };
        let r = form(
            &w,
            "/do/accreditation.suspend",
            Some(&commander),
            &[
                ("id", &applicant_id),
                ("kind", "applicant"),
                ("reason", "listed since the update"),
                ("return", &view),
            ],
        );
        // Back to the case page (the answer's pass and state are what
        // that page shows), with the entry in the banner.
        assert_eq!(r.status, 303, "{}", r.text());
        let location = r.header("location").unwrap_or_default().to_owned();
        assert!(
            location.starts_with(&format!("{view}?done="))
                && location.ends_with("&action=accreditation.suspend"),
            "{location}"
        );
        let text = w.get(&location, &Auth::Cookie(&commander)).text();
        assert!(text.contains("Done: accreditation.suspend"), "{text}");
        assert!(text.contains("Accreditation suspended."), "{text}");

        // The organiser sees a pending opinion, nothing of why.
        let opinions = w.get("/opinions", &org).text();
        assert!(opinions.contains("pending"), "{opinions}");
        for word in ["t-verdi", "suspen", "case-", "score", "test_sanctions"] {
            assert!(!opinions.contains(word), "{word} on the opinions page");
        }
    }
}
