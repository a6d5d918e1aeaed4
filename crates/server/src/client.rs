//! A blocking TAXII 2.1 client (plain HTTP, ureq) and the two use cases built on
//! it: `pull` (incremental by `added_after`, resumable, follows `next`) and
//! `push` (envelopes sized to the API root's `max_content_length`, status polled).

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stix::{Position, RawObject, Timestamp};
use store::{ImportOptions, Store, StoreError};

use crate::auth::base64_encode;
use crate::media::TAXII_MEDIA_TYPE;

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    None,
    Basic { user: String, password: String },
    Token(String),
}

/// Why a TAXII exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{method} {url}: HTTP {status}: {message}")]
    Http {
        method: &'static str,
        url: String,
        status: u16,
        message: String,
    },
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("{url}: unexpected response: {message}")]
    BadResponse { url: String, message: String },
    #[error("local store: {0}")]
    Store(#[from] StoreError),
    #[error("status {id} still pending after {seconds} s")]
    Pending { id: String, seconds: u64 },
}

/// A TAXII 2.1 client for one server.
pub struct Client {
    agent: ureq::Agent,
    authorization: Option<String>,
}

/// One page of `GET …/objects/`.
#[derive(Debug)]
pub struct ObjectsPage {
    pub objects: Vec<Value>,
    pub more: bool,
    pub next: Option<String>,
    /// `X-TAXII-Date-Added-Last`, the resume point of incremental pulls.
    pub date_added_last: Option<String>,
}

impl Client {
    pub fn new(auth: ClientAuth, timeout: Duration) -> Client {
        let agent = ureq::config::Config::builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .new_agent();
        let authorization = match auth {
            ClientAuth::None => None,
            ClientAuth::Basic { user, password } => Some(format!(
                "Basic {}",
                base64_encode(format!("{user}:{password}").as_bytes())
            )),
            ClientAuth::Token(t) => Some(format!("Bearer {t}")),
        };
        Client {
            agent,
            authorization,
        }
    }

    fn finish(
        &self,
        method: &'static str,
        url: &str,
        r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u16, ureq::http::HeaderMap, String), ClientError> {
        let mut resp = r.map_err(|e| ClientError::Transport {
            url: url.to_string(),
            message: e.to_string(),
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_string()
            .map_err(|e| ClientError::Transport {
                url: url.to_string(),
                message: e.to_string(),
            })?;
        if !(200..300).contains(&status) {
            // TAXII error messages carry a title and description.
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| {
                    let t = v.get("title")?.as_str()?.to_string();
                    Some(match v.get("description").and_then(Value::as_str) {
                        Some(d) => format!("{t}: {d}"),
                        None => t,
                    })
                })
                .unwrap_or_else(|| text.chars().take(200).collect());
            return Err(ClientError::Http {
                method,
                url: url.to_string(),
                status,
                message,
            });
        }
        Ok((status, headers, text))
    }

    fn json(url: &str, text: &str) -> Result<Value, ClientError> {
        if text.trim().is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_str(text).map_err(|e| ClientError::BadResponse {
            url: url.to_string(),
            message: format!("not JSON: {e}"),
        })
    }

    /// GET a TAXII resource.
    pub fn get(
        &self,
        url: &str,
        query: &[(&str, String)],
    ) -> Result<(Value, ureq::http::HeaderMap), ClientError> {
        let mut req = self.agent.get(url).header("Accept", TAXII_MEDIA_TYPE);
        if let Some(a) = &self.authorization {
            req = req.header("Authorization", a);
        }
        for (k, v) in query {
            req = req.query(*k, v);
        }
        let (_, headers, text) = self.finish("GET", url, req.call())?;
        Ok((Self::json(url, &text)?, headers))
    }

    /// POST an envelope; returns the status resource.
    pub fn post(&self, url: &str, body: &[u8]) -> Result<Value, ClientError> {
        let mut req = self
            .agent
            .post(url)
            .header("Accept", TAXII_MEDIA_TYPE)
            .header("Content-Type", TAXII_MEDIA_TYPE);
        if let Some(a) = &self.authorization {
            req = req.header("Authorization", a);
        }
        let (_, _, text) = self.finish("POST", url, req.send(body))?;
        Self::json(url, &text)
    }

    /// One page of a collection's objects.
    pub fn objects_page(
        &self,
        root_url: &str,
        collection: &str,
        added_after: Option<&str>,
        next: Option<&str>,
        limit: usize,
    ) -> Result<ObjectsPage, ClientError> {
        let url = format!("{}collections/{collection}/objects/", with_slash(root_url));
        let mut q = vec![("limit", limit.to_string())];
        if let Some(a) = added_after {
            q.push(("added_after", a.to_string()));
        }
        if let Some(n) = next {
            q.push(("next", n.to_string()));
        }
        let (v, headers) = self.get(&url, &q)?;
        let objects = match v.get("objects") {
            None => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => {
                return Err(ClientError::BadResponse {
                    url,
                    message: "'objects' is not an array".into(),
                })
            }
        };
        Ok(ObjectsPage {
            objects,
            more: v.get("more").and_then(Value::as_bool).unwrap_or(false),
            // `next` is a string in TAXII 2.1; some servers send numbers.
            next: v.get("next").and_then(|n| match n {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }),
            date_added_last: headers
                .get("x-taxii-date-added-last")
                .and_then(|h| h.to_str().ok())
                .map(str::to_string),
        })
    }
}

fn with_slash(u: &str) -> String {
    if u.ends_with('/') {
        u.to_string()
    } else {
        format!("{u}/")
    }
}

/// What to pull.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// The API root URL (`http://host/taxii2/api/`).
    pub root_url: String,
    pub collection: String,
    pub page_size: usize,
    /// Also add the objects to this local collection.
    pub into_collection: Option<String>,
    /// Ignore the saved cursor and pull everything.
    pub full: bool,
}

/// What a pull did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PullReport {
    pub pages: usize,
    pub objects: usize,
    pub added: usize,
    pub unchanged: usize,
    pub replaced: usize,
    pub rejected: Vec<String>,
    /// The resume point now saved (`added_after` of the next pull).
    pub cursor: Option<String>,
}

/// The key under which a pull's cursor is saved.
pub fn pull_source(root_url: &str, collection: &str) -> String {
    format!("{}#{collection}", with_slash(root_url))
}

/// Pulls a collection into the local store, page by page. Each page is one
/// transaction followed by saving the cursor, so an interrupted pull resumes
/// after the last stored page.
pub fn pull(
    client: &Client,
    store: &dyn Store,
    opts: &PullOptions,
    progress: &mut dyn FnMut(&PullReport),
) -> Result<PullReport, ClientError> {
    let taxii = store.taxii().ok_or_else(|| {
        StoreError::Backend(format!(
            "the {} backend cannot save pull cursors",
            store.backend()
        ))
    })?;
    let source = pull_source(&opts.root_url, &opts.collection);
    let mut added_after = if opts.full {
        None
    } else {
        taxii.pull_cursor(&source)?.map(|t| t.as_str().to_string())
    };
    let mut report = PullReport {
        cursor: added_after.clone(),
        ..PullReport::default()
    };
    let mut next: Option<String> = None;
    loop {
        let page = match client.objects_page(
            &opts.root_url,
            &opts.collection,
            added_after.as_deref(),
            next.as_deref(),
            opts.page_size,
        ) {
            Ok(p) => p,
            // An expired `next` (server restart): resume from the saved cursor.
            Err(ClientError::Http { status: 400, .. }) if next.is_some() => {
                next = None;
                continue;
            }
            Err(e) => return Err(e),
        };
        report.pages += 1;
        report.objects += page.objects.len();
        let mut tx = store.begin_import(&ImportOptions {
            collection: opts.into_collection.clone(),
        })?;
        let got_objects = !page.objects.is_empty();
        for (i, v) in page.objects.into_iter().enumerate() {
            let raw = RawObject {
                index: i,
                start: Position::default(),
                bytes: Vec::new(),
            };
            match app::import::check_object(&raw, v) {
                Ok(o) => match tx.add(&o) {
                    Ok(store::AddOutcome::Added) => report.added += 1,
                    Ok(store::AddOutcome::Unchanged) => report.unchanged += 1,
                    Ok(store::AddOutcome::Replaced) => report.replaced += 1,
                    Err(e @ StoreError::Conflict { .. }) => report.rejected.push(e.to_string()),
                    Err(e) => return Err(e.into()),
                },
                Err(r) => report.rejected.push(format!(
                    "{}: {} {}",
                    r.id.as_deref().unwrap_or("(no id)"),
                    r.code,
                    r.message
                )),
            }
        }
        tx.commit()?;
        if let Some(last) = &page.date_added_last {
            if let Ok(ts) = Timestamp::parse(last) {
                taxii.set_pull_cursor(&source, &ts)?;
                report.cursor = Some(last.clone());
            }
        }
        progress(&report);
        match (page.more, page.next) {
            (true, Some(n)) => next = Some(n),
            // `more` without `next`: page on by date (servers that paginate by added_after).
            (true, None) if page.date_added_last.is_some() && got_objects => {
                added_after = page.date_added_last.clone();
                next = None;
            }
            _ => break,
        }
    }
    Ok(report)
}

/// What a push did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PushReport {
    pub envelopes: usize,
    pub objects: usize,
    pub succeeded: usize,
    /// The status failures (`{id, version, message}`), as the server sent them.
    pub failures: Vec<Value>,
    pub statuses: Vec<String>,
}

/// Pushes objects to a collection in envelopes no larger than the API root's
/// `max_content_length`, waiting for each status to complete.
pub fn push(
    client: &Client,
    root_url: &str,
    collection: &str,
    objects: &mut dyn Iterator<Item = Result<Value, String>>,
    progress: &mut dyn FnMut(&PushReport),
) -> Result<PushReport, ClientError> {
    let root = with_slash(root_url);
    let (info, _) = client.get(&root, &[])?;
    let max = info
        .get("max_content_length")
        .and_then(Value::as_u64)
        .unwrap_or(10 << 20)
        .max(1024);
    let url = format!("{root}collections/{collection}/objects/");
    let mut report = PushReport::default();
    let mut batch: Vec<String> = Vec::new();
    let mut size = 20usize;
    let flush = |batch: &mut Vec<String>,
                 size: &mut usize,
                 report: &mut PushReport|
     -> Result<(), ClientError> {
        if batch.is_empty() {
            return Ok(());
        }
        let body = format!("{{\"objects\":[{}]}}", batch.join(","));
        let status = client.post(&url, body.as_bytes())?;
        let status = wait_status(client, &root, status)?;
        report.envelopes += 1;
        report.objects += batch.len();
        report.succeeded += status
            .get("success_count")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        if let Some(Value::Array(f)) = status.get("failures") {
            report.failures.extend(f.iter().cloned());
        }
        if let Some(id) = status.get("id").and_then(Value::as_str) {
            report.statuses.push(id.to_string());
        }
        batch.clear();
        *size = 20;
        Ok(())
    };
    for item in objects {
        let v = item.map_err(|message| ClientError::BadResponse {
            url: "input".into(),
            message,
        })?;
        let text = v.to_string();
        if text.len() as u64 + 20 > max {
            report.failures.push(json!({
                "id": v.get("id").cloned().unwrap_or(Value::Null),
                "message": format!("object of {} bytes exceeds the server's max_content_length ({max})", text.len()),
            }));
            continue;
        }
        if (size + text.len() + 1) as u64 > max || batch.len() >= 1000 {
            flush(&mut batch, &mut size, &mut report)?;
            progress(&report);
        }
        size += text.len() + 1;
        batch.push(text);
    }
    flush(&mut batch, &mut size, &mut report)?;
    progress(&report);
    Ok(report)
}

/// Polls a status resource until it is complete (servers may answer 202 before
/// processing; ours completes before answering).
fn wait_status(client: &Client, root: &str, mut status: Value) -> Result<Value, ClientError> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(100);
    while status.get("status").and_then(Value::as_str) == Some("pending") {
        let id = status
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if started.elapsed() > Duration::from_secs(300) {
            return Err(ClientError::Pending { id, seconds: 300 });
        }
        std::thread::sleep(delay);
        delay = (delay * 2).min(Duration::from_secs(5));
        status = client.get(&format!("{root}status/{id}/"), &[])?.0;
    }
    Ok(status)
}
