//! Property test of TLP enforcement: random objects (random markings, authors and
//! versions), random users (clearance, organisation) and random requests. No read
//! path may return, count or name an object version above the user's clearance,
//! and every visible one must be reachable. A hand-written generator keeps the
//! test deterministic (seeded) and dependency-free.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use stix::ext::Tlp;
use stix::StixObject;
use store::taxii::{Grant, User};
use store::Visibility;

use crate::support::*;

/// xorshift64*: small, deterministic, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const OTHER_ORG: &str = "identity--55555555-5555-4555-8555-555555555555";

fn marked(n: u32, version: u32, tlp: Option<Tlp>, by: Option<&str>, granular: bool) -> Value {
    let mut v = indicator(n, &format!("202{version}-01-01T00:00:00.000Z"), None, ORG);
    match by {
        Some(b) => v["created_by_ref"] = json!(b),
        None => {
            v.as_object_mut().unwrap().remove("created_by_ref");
        }
    }
    if let Some(t) = tlp {
        if granular {
            v["granular_markings"] =
                json!([{"marking_ref": t.v2_marking_id(), "selectors": ["name"]}]);
        } else {
            v["object_marking_refs"] = json!([t.v2_marking_id()]);
        }
    }
    v
}

#[tokio::test]
async fn no_read_path_reveals_objects_above_clearance() {
    for seed in [1u64, 7, 42] {
        run(seed).await;
    }
}

async fn run(seed: u64) {
    let f = fixture(test_config());
    let t = f.store.taxii().unwrap();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let tlps = [
        None,
        Some(Tlp::Clear),
        Some(Tlp::Green),
        Some(Tlp::Amber),
        Some(Tlp::AmberStrict),
        Some(Tlp::Red),
    ];
    let authors = [Some(ORG), Some(OTHER_ORG), None];

    // Objects: 1-3 versions each, each version with its own marking.
    let mut objects = Vec::new();
    for n in 0..40u32 {
        for version in 0..=rng.below(3) as u32 {
            objects.push(marked(
                n,
                version,
                *rng.pick(&tlps),
                *rng.pick(&authors),
                rng.below(5) == 0,
            ));
        }
    }
    // Shuffle so that addition order differs from id order.
    for i in (1..objects.len()).rev() {
        objects.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let r = f.post(COLL, "admin", &objects).await;
    assert_eq!(
        r.json()["success_count"].as_u64(),
        Some(objects.len() as u64),
        "{}",
        r.text
    );
    let parsed: Vec<StixObject> = objects
        .iter()
        .map(|v| StixObject::from_value(v.clone()).unwrap())
        .collect();

    t.add_group("prop").unwrap();
    t.grant(&Grant {
        group: "prop".into(),
        collection: COLL.into(),
        read: true,
        write: false,
    })
    .unwrap();
    let clearances = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];
    for u in 0..6 {
        let name = format!("p{seed}u{u}");
        let clearance = *rng.pick(&clearances);
        let orgs: Vec<String> = match rng.below(3) {
            0 => vec![],
            1 => vec![ORG.into()],
            _ => vec![OTHER_ORG.into()],
        };
        add_user(t, &name, clearance, orgs.clone(), false);
        t.add_member("prop", &name).unwrap();
        let vis = Visibility::cleared(clearance, orgs);
        let user = t.get_user(&name).unwrap().unwrap();
        check_user(&f, &mut rng, &name, &user, &vis, &parsed).await;
    }
}

/// Visible (id, version) pairs.
type VisibleSet = BTreeSet<(String, String)>;
/// Per id, its last version if that version is visible.
type LastVisible = BTreeMap<String, Option<String>>;

/// The oracle, from the objects as posted and the rule itself.
fn oracle(vis: &Visibility, objs: &[StixObject]) -> (VisibleSet, LastVisible) {
    let mut visible = BTreeSet::new();
    let mut last: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for o in objs {
        let v = o.version().unwrap().as_str().to_string();
        let ok = vis.allows(store::tlp_of(o), o.created_by_ref());
        if ok {
            visible.insert((o.id().to_string(), v.clone()));
        }
        let e = last
            .entry(o.id().to_string())
            .or_insert((String::new(), false));
        if v > e.0 {
            *e = (v, ok);
        }
    }
    let last = last
        .into_iter()
        .map(|(id, (v, ok))| (id, ok.then_some(v)))
        .collect();
    (visible, last)
}

async fn check_user(
    f: &Fixture,
    rng: &mut Rng,
    name: &str,
    user: &User,
    vis: &Visibility,
    objs: &[StixObject],
) {
    let (visible, last) = oracle(vis, objs);
    let visible_ids: BTreeSet<&String> = visible.iter().map(|(i, _)| i).collect();
    let hidden_ids: Vec<&String> = last.keys().filter(|i| !visible_ids.contains(i)).collect();
    let ctx = format!(
        "user {name} clearance {:?} orgs {:?}",
        user.clearance, user.organization_refs
    );
    let mut texts = Vec::new();

    // Every version, paged with a random limit: exactly the visible set, full pages.
    for endpoint in ["objects", "manifest"] {
        let limit = 1 + rng.below(9);
        let mut got = BTreeSet::new();
        let mut url =
            format!("{ROOT}collections/{COLL}/{endpoint}/?match[version]=all&limit={limit}");
        loop {
            let r = f.get(&url, name).await;
            assert_eq!(r.status.as_u16(), 200, "{ctx}: {}", r.text);
            let v = r.json();
            let page = v["objects"].as_array().cloned().unwrap_or_default();
            for o in &page {
                let ver = o
                    .get("modified")
                    .or_else(|| o.get("version"))
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(
                    got.insert((o["id"].as_str().unwrap().to_string(), ver)),
                    "{ctx}: returned twice"
                );
            }
            texts.push(r.text.clone());
            if v["more"] == true {
                assert_eq!(
                    page.len() as u64,
                    limit,
                    "{ctx}: a short page with more=true reveals hidden objects"
                );
                url = format!(
                    "{ROOT}collections/{COLL}/{endpoint}/?match[version]=all&limit={limit}&next={}",
                    v["next"].as_str().unwrap()
                );
            } else {
                assert!(v.get("next").is_none());
                break;
            }
        }
        assert_eq!(got, visible, "{ctx}: {endpoint} with match[version]=all");
    }

    // Default (last version): only ids whose last version is visible.
    let v = f
        .get(&format!("{ROOT}collections/{COLL}/objects/"), name)
        .await;
    texts.push(v.text.clone());
    let got: BTreeSet<String> = v.json()["objects"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = last
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(i, _)| i.clone())
        .collect();
    assert_eq!(got, want, "{ctx}: last versions");

    // By id and versions: hidden objects are indistinguishable from absent ones.
    let absent = "indicator--ffffffff-0000-4000-8000-000000000000";
    let absent_resp = f
        .get(&format!("{ROOT}collections/{COLL}/objects/{absent}/"), name)
        .await;
    assert_eq!(absent_resp.status.as_u16(), 404);
    for id in last.keys() {
        for suffix in ["", "versions/", "?match[version]=all"] {
            let r = f
                .get(
                    &format!("{ROOT}collections/{COLL}/objects/{id}/{suffix}"),
                    name,
                )
                .await;
            if hidden_ids.contains(&id) {
                assert_eq!(
                    r.status.as_u16(),
                    404,
                    "{ctx}: {id}{suffix} must not exist: {}",
                    r.text
                );
                assert_eq!(
                    r.text.replace(id.as_str(), absent),
                    absent_resp.text.replace("/?", "/"),
                    "{ctx}: same 404 as an absent object"
                );
            } else {
                assert_eq!(r.status.as_u16(), 200, "{ctx}: {id}{suffix}");
                texts.push(r.text);
            }
        }
    }
    for text in &texts {
        for h in &hidden_ids {
            assert!(
                !text.contains(h.as_str()),
                "{ctx}: hidden {h} revealed in {text}"
            );
        }
    }
}
