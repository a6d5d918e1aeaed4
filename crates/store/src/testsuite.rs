//! The conformance suite every backend runs (one generic suite, several backends).
//! Each backend's tests call [`run_all`] with a factory that returns a fresh, empty
//! store. Assertions panic with a message naming the case.

use serde_json::json;
use stix::ext::Tlp;
use stix::StixObject;

use crate::*;

/// Runs every case against fresh stores from `make`.
type Case = (&'static str, fn(&dyn Store));

pub fn run_all(make: &dyn Fn() -> Box<dyn Store>) {
    let cases: &[Case] = &[
        ("versions", versions),
        ("conflict_rolls_back", conflict_rolls_back),
        ("unchanged_and_replaced", unchanged_and_replaced),
        ("filters", filters),
        ("pagination_under_inserts", pagination_under_inserts),
        ("revocation", revocation),
        ("markings", markings),
        ("raw_query_matches_query", raw_query_matches_query),
        ("relationships", relationships),
        ("delete", delete),
        ("collections", collections),
        ("stats", stats),
        ("taxii_accounts", taxii_accounts),
        ("taxii_collections_and_rights", taxii_collections_and_rights),
        ("taxii_status_audit_cursor", taxii_status_audit_cursor),
    ];
    for (name, case) in cases {
        let store = make();
        eprintln!("store suite [{}]: {name}", store.backend());
        case(store.as_ref());
        let problems = store.check().expect("check");
        assert!(
            problems.is_empty(),
            "{name}: store inconsistent after the case: {problems:?}"
        );
    }
}

const ID_A: &str = "indicator--11111111-1111-4111-8111-111111111111";
const ID_B: &str = "malware--22222222-2222-4222-8222-222222222222";
const ID_C: &str = "intrusion-set--33333333-3333-4333-8333-333333333333";
const ORG: &str = "identity--44444444-4444-4444-8444-444444444444";
const OTHER_ORG: &str = "identity--55555555-5555-4555-8555-555555555555";

fn obj(v: serde_json::Value) -> StixObject {
    StixObject::from_value(v).expect("test object")
}

fn sdo(ty_id: &str, modified: &str, extra: serde_json::Value) -> StixObject {
    let mut v = json!({
        "type": ty_id.split("--").next().unwrap(),
        "spec_version": "2.1",
        "id": ty_id,
        "created": "2020-01-01T00:00:00.000Z",
        "modified": modified,
        "name": format!("{ty_id}@{modified}"),
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    obj(v)
}

fn rel(n: u32, ty: &str, src: &str, dst: &str) -> StixObject {
    obj(json!({
        "type": "relationship", "spec_version": "2.1",
        "id": format!("relationship--{n:08}-0000-4000-8000-000000000000"),
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
        "relationship_type": ty, "source_ref": src, "target_ref": dst
    }))
}

fn ids(objs: &[StoredObject]) -> Vec<String> {
    objs.iter()
        .map(|o| {
            format!(
                "{}@{}",
                o.object.id(),
                o.version.as_ref().map(|v| v.as_str()).unwrap_or("-")
            )
        })
        .collect()
}

fn put(s: &dyn Store, objs: &[StixObject]) -> ImportSummary {
    s.put_all(objs, &ImportOptions::default()).expect("put")
}

fn q_versions(s: &dyn Store, id: &str, v: &[VersionSpec]) -> Vec<String> {
    let q = Query {
        ids: vec![id.into()],
        versions: v.to_vec(),
        ..Query::default()
    };
    ids(&s.query_all(&q).unwrap())
}

fn versions(s: &dyn Store) {
    put(
        s,
        &[
            sdo(ID_A, "2020-01-02T00:00:00.000Z", json!({})),
            sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({})),
            sdo(ID_A, "2020-01-03T00:00:00.000Z", json!({})),
        ],
    );
    assert_eq!(
        q_versions(s, ID_A, &[]),
        [format!("{ID_A}@2020-01-03T00:00:00.000Z")],
        "default is last"
    );
    assert_eq!(
        q_versions(s, ID_A, &[VersionSpec::First]),
        [format!("{ID_A}@2020-01-01T00:00:00.000Z")]
    );
    assert_eq!(q_versions(s, ID_A, &[VersionSpec::All]).len(), 3);
    let at = VersionSpec::parse("2020-01-02T00:00:00.000Z").unwrap();
    assert_eq!(
        q_versions(s, ID_A, &[at]),
        [format!("{ID_A}@2020-01-02T00:00:00.000Z")]
    );
    assert_eq!(
        q_versions(s, ID_A, &[VersionSpec::First, VersionSpec::Last]).len(),
        2,
        "first and last together"
    );
    let got = s.get_latest(ID_A, &Visibility::all()).unwrap().unwrap();
    assert_eq!(
        got.object.name(),
        Some(&*format!("{ID_A}@2020-01-03T00:00:00.000Z"))
    );
    assert!(s.get_latest(ID_B, &Visibility::all()).unwrap().is_none());
}

fn conflict_rolls_back(s: &dyn Store) {
    put(s, &[sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({}))]);
    let before = s.stats().unwrap();
    let mut tx = s.begin_import(&ImportOptions::default()).unwrap();
    tx.add(&sdo(ID_B, "2020-01-01T00:00:00.000Z", json!({})))
        .unwrap();
    let e = tx.add(&sdo(
        ID_A,
        "2020-01-01T00:00:00.000Z",
        json!({"description": "changed"}),
    ));
    assert!(matches!(e, Err(StoreError::Conflict { .. })), "{e:?}");
    drop(tx); // no commit: nothing of this transaction may remain
    assert_eq!(
        s.stats().unwrap(),
        before,
        "store unchanged after a failed import"
    );
    assert!(s.get_latest(ID_B, &Visibility::all()).unwrap().is_none());
}

fn unchanged_and_replaced(s: &dyn Store) {
    let a = sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({}));
    let sco = obj(
        json!({"type": "domain-name", "spec_version": "2.1", "id": "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7", "value": "example.com"}),
    );
    assert_eq!(put(s, &[a.clone(), sco.clone()]).added, 2);
    let r = put(s, &[a.clone(), sco.clone()]);
    assert_eq!((r.added, r.unchanged), (0, 2));
    let mut sco2 = sco.clone();
    sco2.set(
        "resolves_to_refs",
        json!(["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]),
    );
    assert_eq!(put(s, &[sco2]).replaced, 1);
    let got = s
        .get_latest(sco.id().as_str(), &Visibility::all())
        .unwrap()
        .unwrap();
    assert!(got.object.get("resolves_to_refs").is_some());
    assert!(got.version.is_none());
    // Key order and formatting differences are not conflicts: same JSON value.
    let reordered = StixObject::from_json(&format!(
        r#"{{"name":"{ID_A}@2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","id":"{ID_A}","created":"2020-01-01T00:00:00.000Z","spec_version":"2.1","type":"indicator"}}"#
    ))
    .unwrap();
    assert_eq!(put(s, &[reordered]).unchanged, 1);
}

fn filters(s: &dyn Store) {
    put(
        s,
        &[
            sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({})),
            sdo(ID_B, "2020-01-01T00:00:00.000Z", json!({})),
            obj(
                json!({"type": "malware", "spec_version": "2.0", "id": "malware--66666666-6666-4666-8666-666666666666", "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z"}),
            ),
        ],
    );
    let q = Query {
        types: vec!["malware".into()],
        ..Query::default()
    };
    assert_eq!(s.query_all(&q).unwrap().len(), 2);
    let q = Query {
        types: vec!["malware".into()],
        spec_versions: vec!["2.1".into()],
        ..Query::default()
    };
    assert_eq!(
        ids(&s.query_all(&q).unwrap()),
        [format!("{ID_B}@2020-01-01T00:00:00.000Z")]
    );
    let q = Query {
        ids: vec![ID_A.into(), ID_B.into()],
        types: vec!["indicator".into()],
        ..Query::default()
    };
    assert_eq!(s.query_all(&q).unwrap().len(), 1);
    // added_after: everything added after the first object's date_added.
    let all = s.query_all(&Query::default()).unwrap();
    assert_eq!(all.len(), 3);
    assert!(all
        .windows(2)
        .all(|w| w[0].date_added <= w[1].date_added && w[0].seq < w[1].seq));
    let q = Query {
        added_after: Some(all[0].date_added.clone()),
        ..Query::default()
    };
    assert_eq!(s.query_all(&q).unwrap().len(), 2);
}

fn pagination_under_inserts(s: &dyn Store) {
    let mk = |i: u32| {
        obj(json!({"type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--{i:08}-0000-4000-8000-000000000000"),
            "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
            "pattern": "[ipv4-addr:value = '1.2.3.4']", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z"}))
    };
    put(s, &(0..25).map(mk).collect::<Vec<_>>());
    let mut q = Query {
        limit: Some(7),
        ..Query::default()
    };
    let mut seen = Vec::new();
    let mut round = 0;
    loop {
        let page = s.query(&q).unwrap();
        assert!(page.objects.len() <= 7);
        seen.extend(page.objects.iter().map(|o| o.object.id().to_string()));
        // Objects added while a client pages arrive at the end, never twice.
        if round < 3 {
            put(s, &[mk(100 + round)]);
        }
        round += 1;
        if !page.more {
            assert!(page.next.is_none() || page.objects.is_empty() || !page.more);
            break;
        }
        q.next = page.next.clone();
        assert!(q.next.is_some(), "more without next");
    }
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), seen.len(), "an object was returned twice");
    assert_eq!(
        seen.len(),
        28,
        "every object once, including those added during the walk"
    );
    let bad = Query {
        next: Some("not-a-cursor".into()),
        ..Query::default()
    };
    assert!(matches!(s.query(&bad), Err(StoreError::InvalidQuery(_))));
}

fn revocation(s: &dyn Store) {
    put(
        s,
        &[
            sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({})),
            sdo(ID_A, "2020-02-01T00:00:00.000Z", json!({"revoked": true})),
            sdo(ID_B, "2020-01-01T00:00:00.000Z", json!({})),
        ],
    );
    let q = Query {
        revoked: Revoked::Exclude,
        ..Query::default()
    };
    assert_eq!(
        ids(&s.query_all(&q).unwrap()),
        [format!("{ID_B}@2020-01-01T00:00:00.000Z")]
    );
    let q = Query {
        revoked: Revoked::Exclude,
        versions: vec![VersionSpec::All],
        ..Query::default()
    };
    assert_eq!(
        s.query_all(&q).unwrap().len(),
        1,
        "all versions of a revoked object are hidden"
    );
    assert_eq!(
        s.query_all(&Query::default()).unwrap().len(),
        2,
        "TAXII semantics include revoked"
    );
    assert_eq!(s.stats().unwrap().revoked, 1);
}

fn markings(s: &dyn Store) {
    let marked = |id: &str, tlp: Tlp, by: &str| {
        sdo(
            id,
            "2020-01-01T00:00:00.000Z",
            json!({"object_marking_refs": [tlp.v2_marking_id()], "created_by_ref": by}),
        )
    };
    put(
        s,
        &[
            marked(ID_A, Tlp::Green, ORG),
            marked(ID_B, Tlp::Red, ORG),
            marked(ID_C, Tlp::AmberStrict, ORG),
            marked(
                "campaign--77777777-7777-4777-8777-777777777777",
                Tlp::AmberStrict,
                OTHER_ORG,
            ),
            sdo(
                "tool--88888888-8888-4888-8888-888888888888",
                "2020-01-01T00:00:00.000Z",
                json!({}),
            ),
            // Granular markings count too.
            sdo(
                "vulnerability--99999999-9999-4999-8999-999999999999",
                "2020-01-01T00:00:00.000Z",
                json!({"granular_markings": [{"marking_ref": Tlp::Red.v2_marking_id(), "selectors": ["description"]}]}),
            ),
            // TLP 1.0 marking ids are understood (AMBER).
            sdo(
                "attack-pattern--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
                "2020-01-01T00:00:00.000Z",
                json!({"object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}),
            ),
        ],
    );
    let see = |v: Visibility| {
        let q = Query {
            visibility: v,
            ..Query::default()
        };
        let mut got: Vec<String> = s
            .query_all(&q)
            .unwrap()
            .iter()
            .map(|o| o.object.object_type().to_string())
            .collect();
        got.sort();
        got
    };
    assert_eq!(
        see(Visibility::cleared(Tlp::Green, vec![])),
        ["indicator", "tool"]
    );
    assert_eq!(
        see(Visibility::cleared(Tlp::Amber, vec![])),
        ["attack-pattern", "indicator", "tool"]
    );
    assert_eq!(
        see(Visibility::cleared(Tlp::AmberStrict, vec![ORG.into()])),
        ["attack-pattern", "indicator", "intrusion-set", "tool"]
    );
    assert_eq!(see(Visibility::all()).len(), 7);
    // Not even by id, and not in pages' counts.
    let q = Query {
        ids: vec![ID_B.into()],
        visibility: Visibility::cleared(Tlp::Amber, vec![]),
        ..Query::default()
    };
    assert!(s.query(&q).unwrap().objects.is_empty());
    assert!(s
        .get_latest(ID_B, &Visibility::cleared(Tlp::Green, vec![]))
        .unwrap()
        .is_none());
    let q = Query {
        limit: Some(1),
        visibility: Visibility::cleared(Tlp::Green, vec![]),
        ..Query::default()
    };
    let p1 = s.query(&q).unwrap();
    let p2 = s
        .query(&Query {
            next: p1.next.clone(),
            ..q.clone()
        })
        .unwrap();
    assert!(!p2.more, "no further page of invisible objects");
}

fn relationships(s: &dyn Store) {
    let report = obj(
        json!({"type": "report", "spec_version": "2.1", "id": "report--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
        "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z", "name": "r",
        "published": "2020-01-01T00:00:00Z", "object_refs": [ID_C, ID_B]}),
    );
    put(
        s,
        &[
            sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({})),
            sdo(ID_B, "2020-01-01T00:00:00.000Z", json!({})),
            sdo(ID_C, "2020-01-01T00:00:00.000Z", json!({})),
            rel(1, "indicates", ID_A, ID_B),
            rel(2, "uses", ID_C, ID_B),
            report,
        ],
    );
    let edges = |id: &str, q: RelatedQuery| {
        let mut e: Vec<String> = s
            .related(id, &q)
            .unwrap()
            .into_iter()
            .map(|e| format!("{:?} {} {}", e.direction, e.label, e.other_type))
            .collect();
        e.sort();
        e
    };
    assert_eq!(
        edges(ID_B, RelatedQuery::default()),
        [
            "Incoming indicates indicator",
            "Incoming object_refs report",
            "Incoming uses intrusion-set"
        ]
    );
    assert_eq!(
        edges(
            ID_B,
            RelatedQuery {
                include_embedded: false,
                relationship_types: vec!["uses".into()],
                ..RelatedQuery::default()
            }
        ),
        ["Incoming uses intrusion-set"]
    );
    assert_eq!(
        edges(
            ID_C,
            RelatedQuery {
                direction: Direction::Outgoing,
                ..RelatedQuery::default()
            }
        ),
        ["Outgoing uses malware"]
    );
    assert_eq!(
        edges(
            "report--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
            RelatedQuery {
                direction: Direction::Outgoing,
                other_types: vec!["malware".into()],
                ..RelatedQuery::default()
            }
        ),
        ["Outgoing object_refs malware"]
    );
    // A revoked relationship is no longer followed.
    let mut r2 = rel(2, "uses", ID_C, ID_B);
    r2.set("modified", json!("2021-01-01T00:00:00.000Z"));
    r2.set("revoked", json!(true));
    put(s, &[r2]);
    assert_eq!(
        edges(
            ID_C,
            RelatedQuery {
                direction: Direction::Outgoing,
                include_embedded: false,
                ..RelatedQuery::default()
            }
        ),
        Vec::<String>::new()
    );
}

fn delete(s: &dyn Store) {
    put(
        s,
        &[
            sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({})),
            sdo(ID_A, "2020-01-02T00:00:00.000Z", json!({})),
        ],
    );
    assert_eq!(s.delete(None, ID_A, &[VersionSpec::First]).unwrap(), 1);
    assert_eq!(
        q_versions(s, ID_A, &[VersionSpec::All]),
        [format!("{ID_A}@2020-01-02T00:00:00.000Z")]
    );
    assert_eq!(s.delete(None, ID_A, &[]).unwrap(), 1);
    assert!(s.get_latest(ID_A, &Visibility::all()).unwrap().is_none());
}

fn collections(s: &dyn Store) {
    s.put_all(
        &[sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({}))],
        &ImportOptions {
            collection: Some("c1".into()),
        },
    )
    .unwrap();
    put(s, &[sdo(ID_B, "2020-01-01T00:00:00.000Z", json!({}))]);
    s.put_all(
        &[sdo(ID_A, "2020-01-02T00:00:00.000Z", json!({}))],
        &ImportOptions {
            collection: Some("c2".into()),
        },
    )
    .unwrap();
    let in_c = |c: &str, v: Vec<VersionSpec>| {
        ids(&s
            .query_all(&Query {
                collection: Some(c.into()),
                versions: v,
                ..Query::default()
            })
            .unwrap())
    };
    assert_eq!(
        in_c("c1", vec![]),
        [format!("{ID_A}@2020-01-01T00:00:00.000Z")],
        "last version within the collection"
    );
    assert_eq!(
        in_c("c2", vec![VersionSpec::All]),
        [format!("{ID_A}@2020-01-02T00:00:00.000Z")]
    );
    assert!(in_c("nope", vec![]).is_empty());
    assert_eq!(
        s.query_all(&Query::default()).unwrap().len(),
        2,
        "the knowledge base has everything"
    );
    // Deleting from a collection keeps the knowledge base's copy.
    assert_eq!(s.delete(Some("c1"), ID_A, &[]).unwrap(), 1);
    assert!(in_c("c1", vec![]).is_empty());
    assert_eq!(q_versions(s, ID_A, &[VersionSpec::All]).len(), 2);
}

fn stats(s: &dyn Store) {
    put(
        s,
        &[
            sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({})),
            sdo(ID_A, "2020-01-02T00:00:00.000Z", json!({})),
            sdo(ID_B, "2020-01-01T00:00:00.000Z", json!({})),
            sdo(ID_C, "2020-01-01T00:00:00.000Z", json!({})),
            rel(1, "uses", ID_C, ID_B),
            rel(2, "indicates", ID_A, ID_B),
            rel(3, "uses", ID_C, ID_A),
        ],
    );
    let st = s.stats().unwrap();
    assert_eq!(st.objects, 6);
    assert_eq!(st.versions, 7);
    assert_eq!(
        st.relationships_by_type,
        [("indicates".to_string(), 1), ("uses".to_string(), 2)]
    );
    assert!(st
        .objects_by_type
        .contains(&("relationship".to_string(), 3)));
}

fn taxii_of(s: &dyn Store) -> Option<&dyn crate::taxii::TaxiiStore> {
    let t = s.taxii();
    if t.is_none() {
        eprintln!("skipping: the {} backend has no TAXII tables", s.backend());
    }
    t
}

fn taxii_accounts(s: &dyn Store) {
    use crate::taxii::*;
    let Some(t) = taxii_of(s) else { return };
    let mut alice = User::new("alice");
    alice.clearance = Tlp::AmberStrict;
    alice.organization_refs = vec![ORG.into()];
    t.put_user(&alice).unwrap();
    t.put_user(&User::new("bob")).unwrap();
    assert_eq!(t.get_user("alice").unwrap(), Some(alice.clone()));
    assert_eq!(t.get_user("nobody").unwrap(), None);
    let names: Vec<String> = t
        .list_users()
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["alice", "bob"], "sorted by name");
    assert_eq!(
        t.get_user("alice").unwrap().unwrap().visibility(),
        Visibility::cleared(Tlp::AmberStrict, vec![ORG.into()])
    );

    // Passwords: stored as given (already hashed), replaced, unknown user refused.
    assert_eq!(t.password_hash("alice").unwrap(), None);
    t.set_password_hash("alice", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .unwrap();
    t.set_password_hash("alice", "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$b3RoZXI")
        .unwrap();
    assert_eq!(
        t.password_hash("alice").unwrap().as_deref(),
        Some("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$b3RoZXI")
    );
    assert!(matches!(
        t.set_password_hash("nobody", "x"),
        Err(StoreError::NotFound(_))
    ));
    // Re-putting a user keeps the password.
    t.put_user(&alice).unwrap();
    assert!(t.password_hash("alice").unwrap().is_some());

    // Tokens: looked up by digest, listed without it, revoked by public id.
    let tok = TokenInfo {
        id: "tok1".into(),
        user: "alice".into(),
        label: "ci".into(),
        created: stix::Timestamp::parse("2024-01-01T00:00:00Z").unwrap(),
    };
    t.add_token(&tok, "digest-1").unwrap();
    let (u, id) = t.token_user("digest-1").unwrap().unwrap();
    assert_eq!((u.name.as_str(), id.as_str()), ("alice", "tok1"));
    assert!(t.token_user("digest-2").unwrap().is_none());
    assert_eq!(
        t.list_tokens(Some("alice")).unwrap(),
        std::slice::from_ref(&tok)
    );
    assert!(t.list_tokens(Some("bob")).unwrap().is_empty());
    assert!(t.revoke_token("tok1").unwrap());
    assert!(!t.revoke_token("tok1").unwrap());
    assert!(t.token_user("digest-1").unwrap().is_none());

    // Groups and membership.
    t.add_group("analysts").unwrap();
    t.add_group("partners").unwrap();
    t.add_member("analysts", "alice").unwrap();
    t.add_member("partners", "alice").unwrap();
    t.add_member("partners", "bob").unwrap();
    t.add_member("partners", "bob").unwrap(); // idempotent
    assert!(matches!(
        t.add_member("nope", "bob"),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        t.add_member("analysts", "nobody"),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(t.groups_of("alice").unwrap(), ["analysts", "partners"]);
    assert_eq!(
        t.list_groups().unwrap(),
        [
            ("analysts".to_string(), vec!["alice".to_string()]),
            (
                "partners".to_string(),
                vec!["alice".to_string(), "bob".to_string()]
            )
        ]
    );
    assert!(t.remove_member("partners", "alice").unwrap());
    assert_eq!(t.groups_of("alice").unwrap(), ["analysts"]);

    // Deleting a user removes its tokens and memberships.
    t.add_token(
        &TokenInfo {
            id: "tok2".into(),
            user: "bob".into(),
            ..tok
        },
        "digest-2",
    )
    .unwrap();
    assert!(t.delete_user("bob").unwrap());
    assert!(!t.delete_user("bob").unwrap());
    assert!(t.token_user("digest-2").unwrap().is_none());
    assert_eq!(t.list_groups().unwrap()[1].1, Vec::<String>::new());
}

fn taxii_collections_and_rights(s: &dyn Store) {
    use crate::taxii::*;
    let Some(t) = taxii_of(s) else { return };
    let coll = |id: &str, alias: Option<&str>| Collection {
        id: id.into(),
        api_root: "api".into(),
        title: format!("title of {id}"),
        description: None,
        alias: alias.map(str::to_string),
    };
    assert!(
        matches!(
            t.put_collection(&coll("c1", None)),
            Err(StoreError::InvalidQuery(_))
        ),
        "a collection needs its API root"
    );
    let root = ApiRoot {
        name: "api".into(),
        title: "API".into(),
        description: Some("d".into()),
        max_content_length: 1000,
    };
    t.put_api_root(&root).unwrap();
    assert_eq!(t.list_api_roots().unwrap(), std::slice::from_ref(&root));
    t.put_api_root(&ApiRoot {
        max_content_length: 2000,
        ..root
    })
    .unwrap();
    assert_eq!(t.list_api_roots().unwrap()[0].max_content_length, 2000);
    t.put_collection(&coll("c1", Some("one"))).unwrap();
    t.put_collection(&coll("c2", None)).unwrap();
    assert!(
        matches!(
            t.put_collection(&coll("c3", Some("one"))),
            Err(StoreError::InvalidQuery(_))
        ),
        "aliases are unique within an API root"
    );
    let mut c1 = coll("c1", Some("one"));
    c1.title = "renamed".into();
    t.put_collection(&c1).unwrap();
    assert_eq!(
        t.list_collections(Some("api")).unwrap(),
        [c1, coll("c2", None)]
    );
    assert!(t.list_collections(Some("other")).unwrap().is_empty());

    t.put_user(&User::new("carol")).unwrap();
    t.add_group("readers").unwrap();
    t.add_group("writers").unwrap();
    t.add_member("readers", "carol").unwrap();
    t.add_member("writers", "carol").unwrap();
    let g = |group: &str, c: &str, read, write| Grant {
        group: group.into(),
        collection: c.into(),
        read,
        write,
    };
    t.grant(&g("readers", "c1", true, false)).unwrap();
    t.grant(&g("writers", "c1", false, true)).unwrap();
    t.grant(&g("readers", "c2", true, false)).unwrap();
    assert_eq!(
        t.rights_of("carol").unwrap(),
        [
            ("c1".to_string(), true, true),
            ("c2".to_string(), true, false)
        ],
        "rights of several groups add up"
    );
    assert!(t.rights_of("nobody").unwrap().is_empty());
    t.grant(&g("readers", "c2", false, false)).unwrap();
    assert_eq!(
        t.list_grants().unwrap().len(),
        2,
        "a grant of nothing is removed"
    );
    assert!(matches!(
        t.grant(&g("nope", "c1", true, false)),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        t.grant(&g("readers", "nope", true, false)),
        Err(StoreError::NotFound(_))
    ));
    t.remove_member("writers", "carol").unwrap();
    assert_eq!(
        t.rights_of("carol").unwrap(),
        [("c1".to_string(), true, false)]
    );
}

fn taxii_status_audit_cursor(s: &dyn Store) {
    use crate::taxii::*;
    let Some(t) = taxii_of(s) else { return };
    let st = StatusRecord {
        id: "status-1".into(),
        api_root: "api".into(),
        user: "alice".into(),
        body: r#"{"id":"status-1","status":"complete"}"#.into(),
    };
    let ev = |n: u32, outcome: &str| AuditEvent {
        time: stix::Timestamp::from_unix_micros(1_700_000_000_000_000 + n as i64),
        user: Some("alice".into()),
        action: format!("action {n}"),
        outcome: outcome.into(),
        status: 202,
        detail: String::new(),
    };
    t.record(
        std::slice::from_ref(&st),
        &[ev(1, "allowed"), ev(2, "denied")],
    )
    .unwrap();
    t.record(&[], &[ev(3, "denied")]).unwrap();

    assert_eq!(t.get_status("status-1").unwrap(), Some(st));
    assert_eq!(t.get_status("status-2").unwrap(), None);
    let log = t.audit_log(2).unwrap();
    assert_eq!(
        log,
        [ev(2, "denied"), ev(3, "denied")],
        "the last two, oldest first"
    );
    assert_eq!(t.audit_log(100).unwrap().len(), 3);

    assert_eq!(t.pull_cursor("http://x/api/#c1").unwrap(), None);
    let ts = stix::Timestamp::parse("2024-05-01T10:00:00.123456Z").unwrap();
    t.set_pull_cursor("http://x/api/#c1", &ts).unwrap();
    let ts2 = stix::Timestamp::parse("2024-05-02T10:00:00Z").unwrap();
    t.set_pull_cursor("http://x/api/#c1", &ts2).unwrap();
    assert_eq!(t.pull_cursor("http://x/api/#c1").unwrap(), Some(ts2));
    // Inside an import: committed with its objects, or not at all.
    let st2 = StatusRecord {
        id: "status-2".into(),
        api_root: "api".into(),
        user: "alice".into(),
        body: "{}".into(),
    };
    let mut tx = s.begin_import(&ImportOptions::default()).unwrap();
    tx.add(&sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({})))
        .unwrap();
    if tx.record_taxii(std::slice::from_ref(&st2), &[]).unwrap() {
        drop(tx);
        assert_eq!(
            t.get_status("status-2").unwrap(),
            None,
            "rolled back with the objects"
        );
        let mut tx = s.begin_import(&ImportOptions::default()).unwrap();
        tx.add(&sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({})))
            .unwrap();
        assert!(tx
            .record_taxii(std::slice::from_ref(&st2), &[ev(4, "allowed")])
            .unwrap());
        tx.commit().unwrap();
        assert_eq!(t.get_status("status-2").unwrap(), Some(st2));
        assert!(s.get_latest(ID_A, &Visibility::all()).unwrap().is_some());
        assert_eq!(t.audit_log(1).unwrap(), [ev(4, "allowed")]);
    }
}

fn raw_query_matches_query(s: &dyn Store) {
    s.put_all(
        &[
            sdo(ID_A, "2020-01-01T00:00:00.000Z", json!({})),
            sdo(
                ID_A,
                "2020-01-02T00:00:00.000Z",
                json!({"object_marking_refs": [Tlp::Red.v2_marking_id()]}),
            ),
            sdo(ID_B, "2020-01-01T00:00:00.000Z", json!({})),
            sdo(ID_C, "2020-01-01T00:00:00.000Z", json!({})),
        ],
        &ImportOptions {
            collection: Some("c".into()),
        },
    )
    .unwrap();
    for q in [
        Query {
            versions: vec![VersionSpec::All],
            limit: Some(2),
            ..Query::default()
        },
        Query {
            collection: Some("c".into()),
            visibility: Visibility::cleared(Tlp::Green, vec![]),
            versions: vec![VersionSpec::All],
            ..Query::default()
        },
        Query {
            collection: Some("c".into()),
            types: vec!["malware".into()],
            ..Query::default()
        },
    ] {
        let page = s.query(&q).unwrap();
        let raw = s.query_raw(&q).unwrap();
        assert_eq!((raw.more, &raw.next), (page.more, &page.next), "{q:?}");
        assert_eq!(raw.objects.len(), page.objects.len(), "{q:?}");
        for (r, o) in raw.objects.iter().zip(&page.objects) {
            assert_eq!(r.id, o.object.id().as_str());
            assert_eq!(StixObject::from_json(&r.json).unwrap(), o.object);
            assert_eq!(
                (&r.date_added, &r.version, r.seq),
                (&o.date_added, &o.version, o.seq)
            );
        }
    }
}
