//! TAXII 2.1 semantics: resources, media types, auth (401 vs 403), writes and
//! their status, pagination, versions, manifest, delete, rate limits, audit.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use stix::ext::Tlp;

use crate::support::*;

fn check_error(r: &Resp, status: u16) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(r.headers["content-type"], TAXII);
    let v = r.json();
    assert_eq!(
        v["http_status"],
        status.to_string(),
        "TAXII error message: {v}"
    );
    assert!(v["title"].is_string());
}

#[tokio::test]
async fn discovery_and_auth() {
    let f = fixture(test_config());
    let r = f.send("GET", "/taxii2/", None, None).await;
    check_error(&r, 401);
    assert!(r.headers["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("Basic"));
    check_error(
        &f.send("GET", "/taxii2/", Some("Basic YWRtaW46d3Jvbmc="), None)
            .await,
        401,
    );
    check_error(
        &f.send("GET", "/taxii2/", Some("Bearer tlk_nope"), None)
            .await,
        401,
    );
    let r = f.get("/taxii2/", "reader").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], TAXII);
    let v = r.json();
    assert_eq!(v["api_roots"], json!(["http://localhost/taxii2/api/"]));
    assert_eq!(v["default"], "http://localhost/taxii2/api/");

    let v = f.get(ROOT, "reader").await.json();
    assert_eq!(v["versions"], json!([TAXII]));
    assert_eq!(v["max_content_length"], 100_000);
    check_error(&f.get("/taxii2/nope/", "reader").await, 404);
    assert_eq!(
        f.send("GET", "/healthz", None, None).await.status,
        StatusCode::OK
    );

    // Disabled users cannot log in.
    let t = f.store.taxii().unwrap();
    let mut u = t.get_user("outsider").unwrap().unwrap();
    u.disabled = true;
    t.put_user(&u).unwrap();
    check_error(&f.get("/taxii2/", "outsider").await, 401);
}

#[tokio::test]
async fn content_negotiation() {
    let f = fixture(test_config());
    let req = |accept: &str| {
        Request::get("/taxii2/")
            .header("Accept", accept)
            .header("Authorization", basic("reader"))
            .body(Body::empty())
            .unwrap()
    };
    check_error(&f.raw(req("application/json")).await, 406);
    check_error(&f.raw(req("application/taxii+json;version=2.0")).await, 406);
    assert_eq!(
        f.raw(req("application/taxii+json")).await.status,
        StatusCode::OK
    );
    assert_eq!(f.raw(req("*/*")).await.status, StatusCode::OK);
    let post = Request::post(format!("{ROOT}collections/{COLL}/objects/"))
        .header("Accept", TAXII)
        .header("Content-Type", "application/json")
        .header("Authorization", basic("writer"))
        .body(Body::from("{}"))
        .unwrap();
    check_error(&f.raw(post).await, 415);
}

#[tokio::test]
async fn collections_and_rights() {
    let f = fixture(test_config());
    let v = f.get(&format!("{ROOT}collections/"), "reader").await.json();
    assert_eq!(v["collections"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["collections"][0]["id"], COLL);
    assert_eq!(v["collections"][0]["can_read"], true);
    assert_eq!(v["collections"][0]["can_write"], false);
    assert_eq!(v["collections"][0]["alias"], "main");
    assert_eq!(
        f.get(&format!("{ROOT}collections/"), "outsider")
            .await
            .json(),
        json!({})
    );
    let v = f.get(&format!("{ROOT}collections/"), "admin").await.json();
    assert_eq!(v["collections"].as_array().unwrap().len(), 2);
    // By alias, and 403 for a collection without rights (authenticated: not 401).
    assert_eq!(
        f.get(&format!("{ROOT}collections/main/"), "writer")
            .await
            .json()["can_write"],
        true
    );
    check_error(
        &f.get(&format!("{ROOT}collections/{COLL}/"), "outsider")
            .await,
        403,
    );
    check_error(
        &f.get(&format!("{ROOT}collections/{COLL}/objects/"), "outsider")
            .await,
        403,
    );
    check_error(
        &f.get(&format!("{ROOT}collections/{OTHER}/objects/"), "reader")
            .await,
        403,
    );
    check_error(
        &f.get(&format!("{ROOT}collections/nope/"), "admin").await,
        404,
    );
    // Writing needs can_write.
    check_error(
        &f.post(
            COLL,
            "reader",
            &[indicator(1, "2020-01-01T00:00:00.000Z", None, ORG)],
        )
        .await,
        403,
    );
}

#[tokio::test]
async fn add_objects_then_status_and_failures() {
    let f = fixture(test_config());
    let good = indicator(1, "2020-01-01T00:00:00.000Z", None, ORG);
    let bad = json!({"type": "indicator", "spec_version": "2.0", "id": "indicator--22222222-2222-4222-8222-222222222222", "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z"});
    let mut conflicting = good.clone();
    conflicting["name"] = json!("changed without a new modified");
    let r = f
        .post(COLL, "writer", &[good.clone(), bad, conflicting])
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let st = r.json();
    assert_eq!(st["status"], "complete");
    assert_eq!(
        (
            st["total_count"].as_u64(),
            st["success_count"].as_u64(),
            st["failure_count"].as_u64()
        ),
        (Some(3), Some(1), Some(2)),
        "{st}"
    );
    assert_eq!(st["pending_count"], 0);
    assert_eq!(st["successes"][0]["id"], good["id"]);
    assert_eq!(st["successes"][0]["version"], "2020-01-01T00:00:00.000Z");
    let failures = st["failures"].to_string();
    assert!(
        failures.contains("spec_version") && failures.contains("already stored"),
        "{failures}"
    );

    // The status resource is durable and readable by its owner only.
    let url = format!("{ROOT}status/{}/", st["id"].as_str().unwrap());
    assert_eq!(f.get(&url, "writer").await.json(), st);
    assert_eq!(f.get(&url, "admin").await.json(), st);
    check_error(&f.get(&url, "reader").await, 404);
    check_error(&f.get(&format!("{ROOT}status/nope/"), "writer").await, 404);

    // Re-sending the same object is a success ("already stored"), not a failure.
    let st = f.post(COLL, "writer", &[good]).await.json();
    assert_eq!(st["success_count"], 1);

    // Malformed bodies and oversized ones.
    let r = f
        .send(
            "POST",
            &format!("{ROOT}collections/{COLL}/objects/"),
            Some(&basic("writer")),
            Some("{not json"),
        )
        .await;
    check_error(&r, 400);
    let big: Vec<Value> = (0..400)
        .map(|i| indicator(i, "2020-01-01T00:00:00.000Z", None, ORG))
        .collect();
    let r = f.post(COLL, "writer", &big).await;
    check_error(&r, 413);
    assert!(r.json()["description"].as_str().unwrap().contains("100000"));
}

#[tokio::test]
async fn pages_are_stable_opaque_and_bound_to_the_user() {
    let f = fixture(test_config());
    let objs: Vec<Value> = (0..23)
        .map(|i| indicator(i, "2020-01-01T00:00:00.000Z", None, ORG))
        .collect();
    assert_eq!(
        f.post(COLL, "writer", &objs).await.status,
        StatusCode::ACCEPTED
    );
    let base = format!("{ROOT}collections/{COLL}/objects/?limit=10");
    let r = f.get(&base, "reader").await;
    let v = r.json();
    assert_eq!(v["objects"].as_array().unwrap().len(), 10);
    assert_eq!(v["more"], true);
    let next = v["next"].as_str().unwrap().to_string();
    assert_eq!(
        next.len(),
        32,
        "an opaque token, not a store cursor: {next}"
    );
    let first = r.headers["x-taxii-date-added-first"]
        .to_str()
        .unwrap()
        .to_string();
    let last = r.headers["x-taxii-date-added-last"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(first < last, "{first} < {last}");

    // Another user cannot use it; changing filters is refused.
    check_error(&f.get(&format!("{base}&next={next}"), "writer").await, 400);
    check_error(
        &f.get(&format!("{base}&next={next}&match[type]=malware"), "reader")
            .await,
        400,
    );
    check_error(&f.get(&format!("{base}&next=forged"), "reader").await, 400);

    // Objects added while paging arrive at the end, never twice.
    let mut seen: Vec<String> = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    f.post(
        COLL,
        "writer",
        &[indicator(100, "2020-01-01T00:00:00.000Z", None, ORG)],
    )
    .await;
    let mut next = Some(next);
    while let Some(n) = next {
        let v = f.get(&format!("{base}&next={n}"), "reader").await.json();
        seen.extend(
            v["objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_string()),
        );
        next = v["next"].as_str().map(str::to_string);
    }
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!((seen.len(), dedup.len()), (24, 24));

    // added_after from the header continues after the first page.
    let v = f
        .get(
            &format!("{ROOT}collections/{COLL}/objects/?added_after={last}"),
            "reader",
        )
        .await
        .json();
    assert_eq!(v["objects"].as_array().unwrap().len(), 14);
    assert_eq!(v["more"], false);
    // The server's page size caps large limits (test config: 50).
    let v = f
        .get(
            &format!("{ROOT}collections/{COLL}/objects/?limit=100000"),
            "reader",
        )
        .await
        .json();
    assert_eq!(v["objects"].as_array().unwrap().len(), 24);
    // Filters.
    let v = f
        .get(
            &format!("{ROOT}collections/{COLL}/objects/?match[type]=malware"),
            "reader",
        )
        .await
        .json();
    assert_eq!(v, json!({"more": false}));
    let id = objs[3]["id"].as_str().unwrap();
    let v = f
        .get(
            &format!("{ROOT}collections/{COLL}/objects/?match[id]={id}"),
            "reader",
        )
        .await
        .json();
    assert_eq!(v["objects"][0]["id"], id);
}

#[tokio::test]
async fn object_versions_manifest_delete() {
    let f = fixture(test_config());
    let v1 = indicator(7, "2020-01-01T00:00:00.000Z", None, ORG);
    let v2 = indicator(7, "2021-01-01T00:00:00.000Z", None, ORG);
    let v3 = indicator(7, "2022-01-01T00:00:00.000Z", Some(Tlp::Red), ORG);
    f.post(COLL, "writer", &[v1, v2, v3]).await;
    let id = "indicator--00000007-0000-4000-8000-000000000000";
    let obj = format!("{ROOT}collections/{COLL}/objects/{id}/");
    // The writer (AMBER+STRICT) does not see the RED version: last visible is 2021.
    let v = f.get(&obj, "writer").await.json();
    assert_eq!(v, json!({"more": false}), "no visible last version");
    let v = f
        .get(&format!("{obj}?match[version]=all"), "writer")
        .await
        .json();
    assert_eq!(v["objects"].as_array().unwrap().len(), 2);
    let v = f.get(&format!("{obj}versions/"), "writer").await.json();
    assert_eq!(
        v["versions"],
        json!(["2020-01-01T00:00:00.000Z", "2021-01-01T00:00:00.000Z"])
    );
    let v = f.get(&format!("{obj}versions/"), "admin").await.json();
    assert_eq!(v["versions"].as_array().unwrap().len(), 3);
    let v = f
        .get(&format!("{obj}?match[version]=first"), "admin")
        .await
        .json();
    assert_eq!(v["objects"][0]["modified"], "2020-01-01T00:00:00.000Z");

    let m = f
        .get(
            &format!("{ROOT}collections/{COLL}/manifest/?match[version]=all"),
            "writer",
        )
        .await;
    assert!(m.headers.contains_key("x-taxii-date-added-first"));
    let m = m.json();
    assert_eq!(m["objects"].as_array().unwrap().len(), 2);
    assert_eq!(
        m["objects"][0]["media_type"],
        "application/stix+json;version=2.1"
    );
    assert_eq!(m["objects"][1]["version"], "2021-01-01T00:00:00.000Z");

    check_error(
        &f.get(
            &format!(
                "{ROOT}collections/{COLL}/objects/indicator--99999999-0000-4000-8000-000000000000/"
            ),
            "admin",
        )
        .await,
        404,
    );

    // Delete: the reader may not; the writer deletes only what it can see.
    check_error(
        &f.send("DELETE", &obj, Some(&basic("reader")), None).await,
        403,
    );
    let r = f.send("DELETE", &obj, Some(&basic("writer")), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    check_error(&f.get(&obj, "writer").await, 404);
    check_error(
        &f.send("DELETE", &obj, Some(&basic("writer")), None).await,
        404,
    );
    let v = f.get(&format!("{obj}versions/"), "admin").await.json();
    assert_eq!(
        v["versions"],
        json!(["2022-01-01T00:00:00.000Z"]),
        "the RED version the writer could not see is kept"
    );
}

#[tokio::test]
async fn tokens_rate_limits_and_audit() {
    let mut cfg = test_config();
    cfg.auth_cache_ttl = Duration::ZERO;
    let f = fixture(cfg);
    let t = f.store.taxii().unwrap();
    let (secret, info) =
        app::accounts::create_token(t, "reader", "ci", stix::Timestamp::from_unix_micros(0))
            .unwrap();
    let bearer = format!("Bearer {secret}");
    let r = f
        .send("GET", &format!("{ROOT}collections/"), Some(&bearer), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(t.revoke_token(&info.id).unwrap());
    check_error(
        &f.send("GET", &format!("{ROOT}collections/"), Some(&bearer), None)
            .await,
        401,
    );

    // Writes and denials are audited.
    f.post(
        COLL,
        "writer",
        &[indicator(1, "2020-01-01T00:00:00.000Z", None, ORG)],
    )
    .await;
    check_error(
        &f.get(&format!("{ROOT}collections/{COLL}/objects/"), "outsider")
            .await,
        403,
    );
    let mut log = Vec::new();
    for _ in 0..100 {
        log = t.audit_log(100).unwrap();
        if log.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lines: Vec<String> = log
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e.user.as_deref().unwrap_or("-"),
                e.outcome,
                e.status,
                e.action
            )
        })
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("- denied 401 GET /taxii2/api/collections/")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("writer allowed 202 POST collection {COLL}"))),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "outsider denied 403 GET /taxii2/api/collections/{COLL}/objects/"
        ))),
        "{lines:?}"
    );
}

#[tokio::test]
async fn rate_limit_per_user() {
    let mut cfg = test_config();
    cfg.rate_limit = 0.5;
    cfg.rate_burst = 3.0;
    let f = fixture(cfg);
    for _ in 0..3 {
        assert_eq!(f.get("/taxii2/", "reader").await.status, StatusCode::OK);
    }
    let r = f.get("/taxii2/", "reader").await;
    check_error(&r, 429);
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(
        f.get("/taxii2/", "writer").await.status,
        StatusCode::OK,
        "limits are per user"
    );
}

#[tokio::test]
async fn password_changes_and_revocations_reach_cached_credentials() {
    let mut cfg = test_config();
    cfg.auth_cache_ttl = Duration::from_millis(100);
    let f = fixture(cfg);
    let t = f.store.taxii().unwrap();
    assert_eq!(f.get("/taxii2/", "reader").await.status, StatusCode::OK);
    // Stale entry, password unchanged: still accepted (re-checked in the background).
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(f.get("/taxii2/", "reader").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(f.get("/taxii2/", "reader").await.status, StatusCode::OK);
    // New password: the old one stops working once the entry is past two TTLs.
    t.set_password_hash("reader", &app::accounts::hash_password("new-pw").unwrap())
        .unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    check_error(&f.get("/taxii2/", "reader").await, 401);
    let new = format!("Basic {}", server::auth::base64_encode(b"reader:new-pw"));
    assert_eq!(
        f.send("GET", "/taxii2/", Some(&new), None).await.status,
        StatusCode::OK
    );
    // Disabling a user: the background re-check drops the stale entry.
    let mut u = t.get_user("reader").unwrap().unwrap();
    u.disabled = true;
    t.put_user(&u).unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let _ = f.send("GET", "/taxii2/", Some(&new), None).await; // stale: triggers the re-check
    let mut denied = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if f.send("GET", "/taxii2/", Some(&new), None).await.status == StatusCode::UNAUTHORIZED {
            denied = true;
            break;
        }
    }
    assert!(
        denied,
        "a disabled user's cached credentials must stop working"
    );
}
