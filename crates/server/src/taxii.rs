//! TAXII 2.1 endpoints (§4 and §5 of the specification). Each handler checks the
//! media types, authenticates ([`Auth`]), does its store work in one blocking
//! task, and formats the TAXII resource.
//!
//! Rights: a collection is listed when the user may read or write it; reading
//! objects, manifests and versions needs `can_read` (else 403), adding needs
//! `can_write` (else 403), deleting needs both. Objects above the user's
//! clearance do not exist for that user (404, never 403, and absent from pages).

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use stix::{StixObject, Timestamp};
use store::taxii::{AuditEvent, Collection};
use store::{PreparedObject, Query, RawPage, RawStored, VersionSpec};

use crate::auth::{Auth, Principal};
use crate::error::ApiError;
use crate::media::{check_accept, check_content_type, Taxii, STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};
use crate::writer::{Envelope, Failure, Job};
use crate::{now, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/taxii2/", get(discovery))
        .route("/taxii2/{root}/", get(api_root))
        .route("/taxii2/{root}/status/{status}/", get(status))
        .route("/taxii2/{root}/collections/", get(collections))
        .route("/taxii2/{root}/collections/{coll}/", get(collection))
        .route("/taxii2/{root}/collections/{coll}/manifest/", get(manifest))
        .route(
            "/taxii2/{root}/collections/{coll}/objects/",
            get(objects).post(add_objects),
        )
        .route(
            "/taxii2/{root}/collections/{coll}/objects/{id}/",
            get(object).delete(delete_object),
        )
        .route(
            "/taxii2/{root}/collections/{coll}/objects/{id}/versions/",
            get(versions),
        )
}

/// Checks one posted object with the validation every import applies (all MUST
/// rules of STIX 2.1, patterns included: `app::import::check_object`). The one
/// place to change what the server accepts.
fn check_object(index: usize, v: Value) -> Result<StixObject, Failure> {
    let raw = stix::RawObject {
        index,
        start: stix::Position::default(),
        bytes: Vec::new(),
    };
    let version = v
        .get("modified")
        .or_else(|| v.get("created"))
        .and_then(Value::as_str)
        .map(str::to_string);
    app::import::check_object(&raw, v).map_err(|r| Failure {
        id: r.id,
        version,
        message: format!("{} at {}: {}", r.code, r.path, r.message),
    })
}

// ---- Resources -------------------------------------------------------------

async fn discovery(
    State(st): State<AppState>,
    Auth(_p): Auth,
    headers: HeaderMap,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let roots = st.blocking(|_, t| Ok(t.list_api_roots()?)).await?;
    let base = st.base_url(&headers);
    let urls: Vec<String> = roots
        .iter()
        .map(|r| format!("{base}/taxii2/{}/", r.name))
        .collect();
    let c = st.config();
    let mut body = json!({"title": c.title});
    if let Some(d) = &c.description {
        body["description"] = json!(d);
    }
    if let Some(d) = &c.contact {
        body["contact"] = json!(d);
    }
    if let Some(first) = urls.first() {
        body["default"] = json!(first);
    }
    body["api_roots"] = json!(urls);
    Ok(Taxii::ok(body.to_string()))
}

async fn api_root(
    State(st): State<AppState>,
    Auth(_p): Auth,
    headers: HeaderMap,
    Path(root): Path<String>,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let cat = st.catalog().await?;
    let r = cat.root(&root)?;
    let mut body = json!({
        "title": r.title,
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": r.max_content_length,
    });
    if let Some(d) = &r.description {
        body["description"] = json!(d);
    }
    Ok(Taxii::ok(body.to_string()))
}

fn collection_resource(c: &Collection, p: &Principal) -> Value {
    let mut v = json!({
        "id": c.id,
        "title": c.title,
        "can_read": p.can_read(&c.id),
        "can_write": p.can_write(&c.id),
        "media_types": [STIX_MEDIA_TYPE],
    });
    if let Some(d) = &c.description {
        v["description"] = json!(d);
    }
    if let Some(a) = &c.alias {
        v["alias"] = json!(a);
    }
    v
}

async fn collections(
    State(st): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path(root): Path<String>,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let cat = st.catalog().await?;
    cat.root(&root)?;
    let listed: Vec<Value> = cat
        .collections
        .iter()
        .filter(|c| c.api_root == root)
        .filter(|c| p.can_read(&c.id) || p.can_write(&c.id))
        .map(|c| collection_resource(c, &p))
        .collect();
    let body = if listed.is_empty() {
        json!({})
    } else {
        json!({"collections": listed})
    };
    Ok(Taxii::ok(body.to_string()))
}

async fn collection(
    State(st): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path((root, coll)): Path<(String, String)>,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let cat = st.catalog().await?;
    let (_, c) = cat.collection(&root, &coll)?;
    if !p.can_read(&c.id) && !p.can_write(&c.id) {
        return Err(ApiError::Forbidden(format!(
            "no access to collection {}",
            c.id
        )));
    }
    Ok(Taxii::ok(collection_resource(c, &p).to_string()))
}

async fn status(
    State(st): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path((root, id)): Path<(String, String)>,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    st.catalog().await?.root(&root)?;
    let rec = st
        .blocking(move |_, t| Ok(t.get_status(&id)?.filter(|s| s.api_root == root)))
        .await?;
    // Another user's status would reveal the ids it lists: it does not exist for them.
    match rec {
        Some(s) if s.user == p.name() || p.user.admin => Ok(Taxii::ok(s.body)),
        _ => Err(ApiError::NotFound("status resource".into())),
    }
}

// ---- Filters and pages -----------------------------------------------------

/// The URL filters of object, manifest and version requests (§3.4).
#[derive(Debug, Default)]
struct Filters {
    added_after: Option<Timestamp>,
    limit: Option<usize>,
    next: Option<String>,
    ids: Vec<String>,
    types: Vec<String>,
    versions: Vec<VersionSpec>,
    spec_versions: Vec<String>,
    /// The filters as sent, minus `next` and `limit`: what a cursor is bound to.
    key: String,
}

fn percent_decode(s: &str) -> Result<String, ApiError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        ApiError::BadRequest(format!("bad percent-encoding in '{s}'"))
                    })?;
                out.push(hex);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ApiError::BadRequest("query is not UTF-8".into()))
}

fn parse_filters(raw: Option<&str>) -> Result<Filters, ApiError> {
    let mut f = Filters::default();
    let mut key_parts = Vec::new();
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k)?;
        let v = percent_decode(v)?;
        let list = || {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        match k.as_str() {
            "added_after" => {
                f.added_after = Some(
                    Timestamp::parse(&v)
                        .map_err(|e| ApiError::BadRequest(format!("added_after: {e}")))?,
                )
            }
            "limit" => {
                let n: usize = v.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    ApiError::BadRequest(format!("limit must be a positive integer, not '{v}'"))
                })?;
                f.limit = Some(n);
                continue;
            }
            "next" => {
                f.next = Some(v);
                continue;
            }
            "match[id]" => f.ids.extend(list()),
            "match[type]" => f.types.extend(list()),
            "match[version]" => {
                for s in list() {
                    f.versions.push(VersionSpec::parse(&s).map_err(|_| {
                        ApiError::BadRequest(format!(
                            "match[version]: '{s}' is not first, last, all or a timestamp"
                        ))
                    })?);
                }
            }
            "match[spec_version]" => f.spec_versions.extend(list()),
            // Unknown parameters are ignored (§3.4: servers may ignore filters they do not support).
            _ => continue,
        }
        key_parts.push(format!("{k}={v}"));
    }
    key_parts.sort();
    f.key = key_parts.join("&");
    Ok(f)
}

/// Builds the store query for a collection and user; resolves `next`.
fn build_query(
    st: &AppState,
    p: &Principal,
    coll: &str,
    endpoint: &str,
    f: &Filters,
) -> Result<Query, ApiError> {
    let cfg = st.config();
    let next = match &f.next {
        Some(tok) => Some(st.0.cursors.resolve(
            tok,
            p.name(),
            &cursor_key(coll, endpoint, f),
            cfg.cursor_ttl,
        )?),
        None => None,
    };
    Ok(Query {
        collection: None,
        ids: f.ids.clone(),
        types: f.types.clone(),
        versions: f.versions.clone(),
        spec_versions: f.spec_versions.clone(),
        added_after: f.added_after.clone(),
        limit: Some(f.limit.unwrap_or(cfg.max_page_size).min(cfg.max_page_size)),
        next,
        revoked: store::Revoked::Include,
        visibility: p.visibility(),
    })
}

fn cursor_key(coll: &str, endpoint: &str, f: &Filters) -> String {
    format!("{endpoint} {coll} {}", f.key)
}

/// `more` and `next` of a page, the store cursor swapped for an opaque token.
fn page_links(
    st: &AppState,
    p: &Principal,
    coll: &str,
    endpoint: &str,
    f: &Filters,
    page: &RawPage,
) -> Value {
    let mut v = json!({"more": page.more});
    if let (true, Some(n)) = (page.more, &page.next) {
        let tok = st.0.cursors.issue(
            p.name(),
            &cursor_key(coll, endpoint, f),
            n.clone(),
            st.config().cursor_ttl,
        );
        v["next"] = json!(tok);
    }
    v
}

fn date_headers(page: &RawPage) -> Option<(String, String)> {
    Some((
        page.first_added()?.as_str().to_string(),
        page.last_added()?.as_str().to_string(),
    ))
}

/// The TAXII envelope of a page, written without re-parsing the stored JSON.
fn envelope_body(links: Value, objects: &[RawStored]) -> String {
    let mut body = links.to_string();
    if objects.is_empty() {
        return body;
    }
    body.pop(); // the closing brace of the links object
    body.push_str(",\"objects\":[");
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&o.json);
    }
    body.push_str("]}");
    body
}

fn version_of(o: &RawStored) -> String {
    o.version
        .as_ref()
        .unwrap_or(&o.date_added)
        .as_str()
        .to_string()
}

/// Common start of the object endpoints, in one blocking call: collection, read
/// right, query.
async fn read_page(
    st: &AppState,
    p: &std::sync::Arc<Principal>,
    root: String,
    coll: String,
    endpoint: &'static str,
    f: &Filters,
) -> Result<(Collection, RawPage), ApiError> {
    let mut q = build_query(st, p, &coll, endpoint, f)?;
    let cat = st.catalog().await?;
    let (_, c) = cat.collection(&root, &coll)?;
    if !p.can_read(&c.id) {
        return Err(ApiError::Forbidden(format!(
            "no read access to collection {}",
            c.id
        )));
    }
    q.collection = Some(c.id.clone());
    let page = st.blocking(move |s, _| Ok(s.query_raw(&q)?)).await?;
    Ok((c.clone(), page))
}

async fn objects(
    State(st): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path((root, coll)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let f = parse_filters(raw.as_deref())?;
    let (_, page) = read_page(&st, &p, root, coll.clone(), "objects", &f).await?;
    let links = page_links(&st, &p, &coll, "objects", &f, &page);
    Ok(Taxii {
        status: StatusCode::OK,
        date_added: date_headers(&page),
        body: envelope_body(links, &page.objects),
    })
}

async fn manifest(
    State(st): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path((root, coll)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let f = parse_filters(raw.as_deref())?;
    let (_, page) = read_page(&st, &p, root, coll.clone(), "manifest", &f).await?;
    let mut body = page_links(&st, &p, &coll, "manifest", &f, &page);
    if !page.objects.is_empty() {
        let entries: Vec<Value> = page
            .objects
            .iter()
            .map(|o| {
                json!({
                    "id": o.id,
                    "date_added": o.date_added.as_str(),
                    "version": version_of(o),
                    "media_type": STIX_MEDIA_TYPE,
                })
            })
            .collect();
        body["objects"] = json!(entries);
    }
    Ok(Taxii {
        status: StatusCode::OK,
        date_added: date_headers(&page),
        body: body.to_string(),
    })
}

/// Whether an object has any version this user may see in the collection.
async fn visible_anywhere(
    st: &AppState,
    p: &Principal,
    coll: &str,
    id: &str,
) -> Result<bool, ApiError> {
    let q = Query {
        collection: Some(coll.to_string()),
        ids: vec![id.to_string()],
        versions: vec![VersionSpec::All],
        limit: Some(1),
        visibility: p.visibility(),
        ..Query::default()
    };
    st.blocking(move |s, _| Ok(!s.query(&q)?.objects.is_empty()))
        .await
}

async fn object(
    State(st): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path((root, coll, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let mut f = parse_filters(raw.as_deref())?;
    f.types.clear();
    f.ids = vec![id.clone()];
    let (c, page) = read_page(&st, &p, root, coll.clone(), "object", &f).await?;
    if page.objects.is_empty() && !visible_anywhere(&st, &p, &c.id, &id).await? {
        return Err(ApiError::NotFound(format!(
            "object {id} in collection {}",
            c.id
        )));
    }
    let links = page_links(&st, &p, &coll, "object", &f, &page);
    Ok(Taxii {
        status: StatusCode::OK,
        date_added: date_headers(&page),
        body: envelope_body(links, &page.objects),
    })
}

async fn versions(
    State(st): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path((root, coll, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let mut f = parse_filters(raw.as_deref())?;
    f.types.clear();
    f.ids = vec![id.clone()];
    f.versions = vec![VersionSpec::All];
    let (c, page) = read_page(&st, &p, root, coll.clone(), "versions", &f).await?;
    if page.objects.is_empty() && !visible_anywhere(&st, &p, &c.id, &id).await? {
        return Err(ApiError::NotFound(format!(
            "object {id} in collection {}",
            c.id
        )));
    }
    let mut body = page_links(&st, &p, &coll, "versions", &f, &page);
    if !page.objects.is_empty() {
        let v: Vec<String> = page.objects.iter().map(version_of).collect();
        body["versions"] = json!(v);
    }
    Ok(Taxii {
        status: StatusCode::OK,
        date_added: date_headers(&page),
        body: body.to_string(),
    })
}

// ---- Writes ----------------------------------------------------------------

fn audit_event(p: &Principal, action: String, status: u16) -> AuditEvent {
    AuditEvent {
        time: now(),
        user: Some(p.name().to_string()),
        action,
        outcome: "allowed".into(),
        status,
        detail: p
            .token_id
            .as_ref()
            .map(|t| format!("token {t}"))
            .unwrap_or_default(),
    }
}

async fn add_objects(
    State(st): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path((root, coll)): Path<(String, String)>,
    body: Body,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    check_content_type(&headers)?;
    let request_timestamp = now();
    let cat = st.catalog().await?;
    let (r, c) = cat.collection(&root, &coll)?;
    if !p.can_write(&c.id) {
        return Err(ApiError::Forbidden(format!(
            "no write access to collection {}",
            c.id
        )));
    }
    let limit = r.max_content_length;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let bytes = axum::body::to_bytes(body, usize::try_from(limit).unwrap_or(usize::MAX))
        .await
        .map_err(|e| {
            if e.to_string().contains("length limit") {
                ApiError::PayloadTooLarge { limit }
            } else {
                ApiError::BadRequest(format!("cannot read the request body: {e}"))
            }
        })?;
    // Parsing and checking are CPU work: off the async threads.
    let (objects, failures) = tokio::task::spawn_blocking(move || parse_envelope(&bytes))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let status_id = uuid::Uuid::new_v4().to_string();
    let env = Envelope {
        collection: c.id.clone(),
        api_root: root,
        user: p.name().to_string(),
        status_id,
        request_timestamp,
        objects,
        failures,
        audit: audit_event(&p, format!("POST collection {}", c.id), 202),
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    st.send(Job::Envelope(Box::new(env), tx))?;
    let body = rx.await.map_err(|_| ApiError::ShuttingDown)??;
    Ok(Taxii {
        status: StatusCode::ACCEPTED,
        body,
        date_added: None,
    })
}

/// A TAXII envelope (§3.7): `{"objects": [...]}`; `more` and `next` are ignored.
fn parse_envelope(bytes: &[u8]) -> Result<(Vec<PreparedObject>, Vec<Failure>), ApiError> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
    let Value::Object(mut m) = v else {
        return Err(ApiError::BadRequest(
            "the body must be a TAXII envelope (a JSON object)".into(),
        ));
    };
    let objects = match m.remove("objects") {
        None => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ApiError::BadRequest("'objects' must be an array".into())),
    };
    let mut ok = Vec::with_capacity(objects.len());
    let mut failed = Vec::new();
    for (i, o) in objects.into_iter().enumerate() {
        match check_object(i, o) {
            Ok(obj) => ok.push(PreparedObject::new(obj)),
            Err(f) => failed.push(f),
        }
    }
    Ok((ok, failed))
}

async fn delete_object(
    State(st): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    Path((root, coll, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Taxii, ApiError> {
    check_accept(&headers)?;
    let f = parse_filters(raw.as_deref())?;
    let cat = st.catalog().await?;
    let (_, c) = cat.collection(&root, &coll)?;
    if !p.can_read(&c.id) || !p.can_write(&c.id) {
        return Err(ApiError::Forbidden(format!(
            "deleting from collection {} needs read and write access",
            c.id
        )));
    }
    // Only versions this user can see are deleted; if there are none, the object
    // does not exist for them.
    let q = Query {
        collection: Some(c.id.clone()),
        ids: vec![id.clone()],
        versions: if f.versions.is_empty() {
            vec![VersionSpec::All]
        } else {
            f.versions.clone()
        },
        spec_versions: f.spec_versions.clone(),
        visibility: p.visibility(),
        ..Query::default()
    };
    let found = st.blocking(move |s, _| Ok(s.query_all(&q)?)).await?;
    if found.is_empty() {
        return Err(ApiError::NotFound(format!(
            "object {id} in collection {}",
            c.id
        )));
    }
    let versions: Vec<VersionSpec> = found
        .iter()
        .map(|o| match &o.version {
            Some(v) => VersionSpec::At(v.clone()),
            None => VersionSpec::All,
        })
        .collect();
    let (tx, rx) = tokio::sync::oneshot::channel();
    st.send(Job::Delete {
        collection: c.id.clone(),
        id: id.clone(),
        versions,
        audit: audit_event(&p, format!("DELETE {id} from collection {}", c.id), 200),
        reply: tx,
    })?;
    rx.await.map_err(|_| ApiError::ShuttingDown)??;
    Ok(Taxii::ok(String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_bind_cursor_key() {
        let f = parse_filters(Some(
            "match%5Btype%5D=indicator,malware&limit=5&added_after=2020-01-01T00:00:00Z&match[version]=all&next=abc",
        ))
        .unwrap();
        assert_eq!(f.types, ["indicator", "malware"]);
        assert_eq!(f.limit, Some(5));
        assert_eq!(f.versions, [VersionSpec::All]);
        assert_eq!(f.next.as_deref(), Some("abc"));
        assert_eq!(
            f.key,
            "added_after=2020-01-01T00:00:00Z&match[type]=indicator,malware&match[version]=all",
            "limit and next are not part of the key"
        );
        for bad in [
            "limit=0",
            "limit=x",
            "added_after=yesterday",
            "match[version]=newest",
            "a=%zz",
        ] {
            assert!(
                matches!(parse_filters(Some(bad)), Err(ApiError::BadRequest(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn envelope_checks_each_object() {
        let body = br#"{"objects": [
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--11111111-1111-4111-8111-111111111111",
             "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
             "pattern": "[ipv4-addr:value = '1.2.3.4']", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z"},
            {"type": "indicator", "id": "not-an-id"},
            {"type": "malware", "spec_version": "2.0", "id": "malware--22222222-2222-4222-8222-222222222222",
             "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z"}
        ]}"#;
        let (ok, failed) = parse_envelope(body).unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(failed.len(), 2);
        assert!(
            failed[1].message.contains("spec_version"),
            "{:?}",
            failed[1]
        );
        assert_eq!(
            failed[1].version.as_deref(),
            Some("2020-01-01T00:00:00.000Z")
        );
        assert!(matches!(
            parse_envelope(b"[1]"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse_envelope(b"{\"objects\": 3}"),
            Err(ApiError::BadRequest(_))
        ));
        assert_eq!(parse_envelope(b"{}").unwrap().0.len(), 0);
    }
}
