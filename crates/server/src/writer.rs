//! The single writer: every write of the server (envelopes of objects, deletes,
//! status resources, audit events) goes through one thread that batches what is
//! queued into as few durable transactions as possible (group commit). A caller
//! gets its answer only after its data is committed (SQLite: WAL with
//! `synchronous = FULL`), so a 202 is never sent for data a crash could lose.

use std::sync::mpsc;
use std::sync::Arc;

use serde_json::{json, Value};
use stix::Timestamp;
use store::taxii::{AuditEvent, StatusRecord};
use store::{AddOutcome, ImportOptions, PreparedObject, Store, StoreError, VersionSpec};
use tokio::sync::oneshot;

/// An object of an envelope that was not stored, and why.
#[derive(Debug, Clone)]
pub struct Failure {
    pub id: Option<String>,
    pub version: Option<String>,
    pub message: String,
}

/// A validated envelope to store in a collection.
pub struct Envelope {
    pub collection: String,
    pub api_root: String,
    pub user: String,
    pub status_id: String,
    pub request_timestamp: Timestamp,
    /// Objects that passed validation, prepared for storage off the writer thread.
    pub objects: Vec<PreparedObject>,
    /// Objects that failed validation.
    pub failures: Vec<Failure>,
    pub audit: AuditEvent,
}

pub(crate) enum Job {
    /// Replies with the status resource (JSON text) once stored.
    Envelope(Box<Envelope>, oneshot::Sender<Result<String, StoreError>>),
    /// Removes versions from a collection; replies with how many.
    Delete {
        collection: String,
        id: String,
        versions: Vec<VersionSpec>,
        audit: AuditEvent,
        reply: oneshot::Sender<Result<usize, StoreError>>,
    },
    /// Appends to the audit log (denied requests); no reply.
    Audit(AuditEvent),
}

/// Handle to the writer thread; dropping every handle stops it after it has
/// written what was queued.
pub(crate) struct Writer {
    tx: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Most jobs in one batch (bounds the latency a batch adds).
const MAX_BATCH: usize = 256;

impl Writer {
    pub(crate) fn start(store: Arc<dyn Store>) -> Writer {
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("taxii-writer".into())
            .spawn(move || run(store.as_ref(), rx))
            .ok();
        Writer {
            tx: Some(tx),
            thread,
        }
    }

    pub(crate) fn send(&self, job: Job) -> bool {
        self.tx.as_ref().is_some_and(|t| t.send(job).is_ok())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(store: &dyn Store, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        write_batch(store, batch);
    }
}

struct Pending {
    env: Box<Envelope>,
    reply: oneshot::Sender<Result<String, StoreError>>,
    successes: Vec<Value>,
    failures: Vec<Failure>,
    /// The status resource, once the objects are added.
    body: Option<String>,
    /// Whether the status and audit event were written in the import transaction.
    recorded: bool,
}

impl Pending {
    fn records(&self) -> (StatusRecord, AuditEvent) {
        let mut a = self.env.audit.clone();
        a.detail = format!(
            "status {}: {} stored, {} failed{}{}",
            self.env.status_id,
            self.successes.len(),
            self.failures.len(),
            if a.detail.is_empty() { "" } else { "; " },
            a.detail
        );
        let status = StatusRecord {
            id: self.env.status_id.clone(),
            api_root: self.env.api_root.clone(),
            user: self.env.user.clone(),
            body: self.body.clone().unwrap_or_default(),
        };
        (status, a)
    }
}

fn write_batch(store: &dyn Store, batch: Vec<Job>) {
    let mut envelopes: Vec<Pending> = Vec::new();
    let mut audit: Vec<AuditEvent> = Vec::new();
    for job in batch {
        match job {
            Job::Envelope(env, reply) => {
                let failures = env.failures.clone();
                envelopes.push(Pending {
                    env,
                    reply,
                    successes: Vec::new(),
                    failures,
                    body: None,
                    recorded: false,
                })
            }
            Job::Delete {
                collection,
                id,
                versions,
                audit: a,
                reply,
            } => {
                // Deletes are rare: each is its own transaction, its audit event
                // joins the batch's record below.
                let r = store.delete(Some(&collection), &id, &versions);
                if r.is_ok() {
                    audit.push(a);
                }
                let _ = reply.send(r);
            }
            Job::Audit(a) => audit.push(a),
        }
    }

    // One import transaction per collection for all envelopes queued for it; their
    // status resources and audit events commit in the same transaction.
    let mut collections: Vec<String> = envelopes.iter().map(|p| p.env.collection.clone()).collect();
    collections.sort();
    collections.dedup();
    let mut failed: Vec<(String, String)> = Vec::new();
    for coll in collections {
        if let Err(e) = import_group(store, &coll, &mut envelopes) {
            tracing::error!(collection = %coll, error = %e, "cannot store envelopes");
            failed.push((coll, e.to_string()));
        }
    }

    // What the import transactions could not record (other backends, denials,
    // deletes): one more durable transaction, before anyone is answered.
    let mut statuses = Vec::new();
    for p in &envelopes {
        let ok = !failed.iter().any(|(c, _)| *c == p.env.collection);
        if ok && !p.recorded {
            let (st, a) = p.records();
            statuses.push(st);
            audit.push(a);
        }
    }
    let recorded = taxii_record(store, &statuses, &audit);
    if let Err(e) = &recorded {
        tracing::error!(error = %e, "cannot record status resources and audit events");
    }
    for p in envelopes {
        let r = match failed.iter().find(|(c, _)| *c == p.env.collection) {
            Some((_, e)) => Err(StoreError::Backend(e.clone())),
            None => match (&recorded, p.recorded) {
                (Err(e), false) => Err(StoreError::Backend(e.to_string())),
                _ => Ok(p.body.unwrap_or_default()),
            },
        };
        let _ = p.reply.send(r);
    }
}

fn taxii_record(
    store: &dyn Store,
    statuses: &[StatusRecord],
    audit: &[AuditEvent],
) -> Result<(), StoreError> {
    if statuses.is_empty() && audit.is_empty() {
        return Ok(());
    }
    match store.taxii() {
        Some(t) => t.record(statuses, audit),
        None => Err(StoreError::Backend(format!(
            "the {} backend has no TAXII tables",
            store.backend()
        ))),
    }
}

fn import_group(
    store: &dyn Store,
    coll: &str,
    envelopes: &mut [Pending],
) -> Result<(), StoreError> {
    let mut tx = store.begin_import(&ImportOptions {
        collection: Some(coll.to_string()),
    })?;
    // All objects of the group in one call: the backend writes runs of new objects
    // with multi-row statements (duplicates across envelopes are handled in order).
    let mut all: Vec<PreparedObject> = Vec::new();
    let mut counts = Vec::new();
    for p in envelopes.iter_mut().filter(|p| p.env.collection == coll) {
        counts.push(p.env.objects.len());
        all.append(&mut p.env.objects);
    }
    let results = tx.add_batch(&all)?;
    let mut outcomes = all.iter().zip(results);
    for (p, n) in envelopes
        .iter_mut()
        .filter(|p| p.env.collection == coll)
        .zip(counts)
    {
        for (o, r) in outcomes.by_ref().take(n) {
            let id = o.object.id().as_str();
            let version = o.version.as_ref().map(|v| v.as_str().to_string());
            match r {
                Ok(outcome) => {
                    let mut s = json!({"id": id});
                    if let Some(v) = &version {
                        s["version"] = json!(v);
                    }
                    if outcome == AddOutcome::Unchanged {
                        s["message"] = json!("already stored with the same content");
                    }
                    p.successes.push(s);
                }
                Err(e) => p.failures.push(Failure {
                    id: Some(id.to_string()),
                    version,
                    message: e.to_string(),
                }),
            }
        }
        p.body = Some(status_body(&p.env, &p.successes, &p.failures).to_string());
    }
    let (statuses, audit): (Vec<StatusRecord>, Vec<AuditEvent>) = envelopes
        .iter()
        .filter(|p| p.env.collection == coll)
        .map(Pending::records)
        .unzip();
    let recorded = tx.record_taxii(&statuses, &audit)?;
    tx.commit()?;
    for p in envelopes.iter_mut().filter(|p| p.env.collection == coll) {
        p.recorded = recorded;
    }
    Ok(())
}

/// The TAXII status resource (§4.3.1) of a processed envelope.
fn status_body(env: &Envelope, successes: &[Value], failures: &[Failure]) -> Value {
    let failures: Vec<Value> = failures
        .iter()
        .map(|f| {
            let mut v = json!({"id": f.id.as_deref().unwrap_or(""), "message": f.message});
            if let Some(ver) = &f.version {
                v["version"] = json!(ver);
            }
            v
        })
        .collect();
    let total = successes.len() + failures.len();
    let mut body = json!({
        "id": env.status_id,
        "status": "complete",
        "request_timestamp": env.request_timestamp.as_str(),
        "total_count": total,
        "success_count": successes.len(),
        "failure_count": failures.len(),
        "pending_count": 0,
    });
    if !successes.is_empty() {
        body["successes"] = json!(successes);
    }
    if !failures.is_empty() {
        body["failures"] = json!(failures);
    }
    body
}
