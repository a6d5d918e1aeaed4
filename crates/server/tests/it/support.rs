//! A fresh SQLite store with an API root, collections, users and rights, and a
//! helper to send requests to the router in-process.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use server::{AppState, Config};
use stix::ext::Tlp;
use store::taxii::{ApiRoot, Collection, Grant, TaxiiStore, User};
use store::Store;
use tower::ServiceExt;

static N: AtomicUsize = AtomicUsize::new(0);

pub const COLL: &str = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
pub const OTHER: &str = "52892447-4d7e-4f70-b94d-d7f22742ff63";
pub const ROOT: &str = "/taxii2/api/";
pub const TAXII: &str = "application/taxii+json;version=2.1";

pub fn temp_db() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("threatledger-server-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("t{}.db", N.fetch_add(1, Ordering::SeqCst)))
}

pub struct Fixture {
    pub store: Arc<dyn Store>,
    pub router: Router,
}

/// Users: `admin` (admin, RED), `reader` (read COLL, GREEN), `writer` (read+write
/// COLL, AMBER+STRICT of ORG), `outsider` (no rights). Password = user name + "-pw".
pub const ORG: &str = "identity--44444444-4444-4444-8444-444444444444";

pub fn fixture(config: Config) -> Fixture {
    let store: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open(temp_db()).unwrap());
    let t = store.taxii().unwrap();
    t.put_api_root(&ApiRoot {
        name: "api".into(),
        title: "API".into(),
        description: None,
        max_content_length: 100_000,
    })
    .unwrap();
    for (id, alias) in [(COLL, Some("main")), (OTHER, None)] {
        t.put_collection(&Collection {
            id: id.into(),
            api_root: "api".into(),
            title: format!("collection {id}"),
            description: None,
            alias: alias.map(str::to_string),
        })
        .unwrap();
    }
    add_user(t, "admin", Tlp::Red, vec![], true);
    add_user(t, "reader", Tlp::Green, vec![], false);
    add_user(t, "writer", Tlp::AmberStrict, vec![ORG.into()], false);
    add_user(t, "outsider", Tlp::Red, vec![], false);
    t.add_group("readers").unwrap();
    t.add_group("writers").unwrap();
    t.add_member("readers", "reader").unwrap();
    t.add_member("writers", "writer").unwrap();
    t.grant(&Grant {
        group: "readers".into(),
        collection: COLL.into(),
        read: true,
        write: false,
    })
    .unwrap();
    t.grant(&Grant {
        group: "writers".into(),
        collection: COLL.into(),
        read: true,
        write: true,
    })
    .unwrap();
    let state = AppState::new(store.clone(), config).unwrap();
    Fixture {
        router: server::app(state),
        store,
    }
}

pub fn add_user(t: &dyn TaxiiStore, name: &str, clearance: Tlp, orgs: Vec<String>, admin: bool) {
    t.put_user(&User {
        name: name.into(),
        clearance,
        organization_refs: orgs,
        admin,
        disabled: false,
    })
    .unwrap();
    // Cheap hashes keep the tests fast; the format is the real one.
    t.set_password_hash(
        name,
        &app::accounts::hash_password(&format!("{name}-pw")).unwrap(),
    )
    .unwrap();
}

pub fn test_config() -> Config {
    Config {
        rate_limit: 0.0,
        failed_login_rate: 0.0,
        max_page_size: 50,
        ..Config::default()
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

pub fn basic(user: &str) -> String {
    format!(
        "Basic {}",
        server::auth::base64_encode(format!("{user}:{user}-pw").as_bytes())
    )
}

impl Fixture {
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<&str>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("Accept", TAXII);
        if let Some(a) = auth {
            b = b.header("Authorization", a);
        }
        if body.is_some() {
            b = b.header("Content-Type", TAXII);
        }
        let req = b.body(Body::from(body.unwrap_or("").to_string())).unwrap();
        self.raw(req).await
    }

    pub async fn raw(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        Resp {
            status,
            headers,
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    pub async fn get(&self, uri: &str, user: &str) -> Resp {
        self.send("GET", uri, Some(&basic(user)), None).await
    }

    pub async fn post(&self, coll: &str, user: &str, objects: &[Value]) -> Resp {
        let body = serde_json::json!({ "objects": objects }).to_string();
        self.send(
            "POST",
            &format!("{ROOT}collections/{coll}/objects/"),
            Some(&basic(user)),
            Some(&body),
        )
        .await
    }
}

/// An indicator with a TLP marking (or none), created by `by`.
pub fn indicator(n: u32, modified: &str, tlp: Option<Tlp>, by: &str) -> Value {
    let mut v = serde_json::json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{n:08x}-0000-4000-8000-000000000000"),
        "created": "2020-01-01T00:00:00.000Z", "modified": modified,
        "created_by_ref": by,
        "name": format!("indicator {n}"),
        "pattern": format!("[ipv4-addr:value = '10.0.0.{}']", n % 256),
        "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z"
    });
    if let Some(t) = tlp {
        v["object_marking_refs"] = serde_json::json!([t.v2_marking_id()]);
    }
    v
}
