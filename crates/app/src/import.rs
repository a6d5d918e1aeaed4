//! Importing STIX bundles: streamed object by object, checked, and stored in one
//! transaction per bundle (all or nothing unless `keep_going`).

use std::io::Read;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;
use stix::{BundleReader, Limits, RawObject, ReadError, StixObject};
use store::{ImportSummary, Store, StoreError};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Store the valid objects and report the others, instead of storing nothing
    /// when one object is bad.
    pub keep_going: bool,
    /// Also add the objects to this TAXII collection.
    pub collection: Option<String>,
    pub limits: Limits,
}

/// One object that was not stored, and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rejected {
    pub index: usize,
    pub id: Option<String>,
    pub line: u32,
    pub column: u32,
    pub path: String,
    pub code: String,
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub source: String,
    pub objects: usize,
    pub added: usize,
    pub unchanged: usize,
    pub replaced: usize,
    pub rejected: Vec<Rejected>,
    /// Whether anything was stored (false: the store is unchanged).
    pub committed: bool,
    pub seconds: f64,
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: {error}")]
    Read { file: String, error: ReadError },
    #[error("{}: {} of {} objects rejected; nothing was stored (use --keep-going to store the valid ones)", .0.source, .0.rejected.len(), .0.objects)]
    Rejected(Box<ImportReport>),
    #[error("{file}: {error}")]
    Store { file: String, error: StoreError },
}

/// At most this many rejections are listed; the count stays exact.
const MAX_LISTED: usize = 1000;

/// Checks one object before it is stored: the structural minimum every stored
/// object must meet. Returns the problems found (empty = storable).
pub fn check_object(raw: &RawObject, v: &Value) -> Result<StixObject, Rejected> {
    let reject = |path: &str, code: &str, message: String| {
        let pos = raw.position_of(stix::locate::locate(
            &raw.bytes,
            &stix::locate::parse_path(path),
        ));
        Rejected {
            index: raw.index,
            id: v.get("id").and_then(Value::as_str).map(str::to_string),
            line: pos.line,
            column: pos.column,
            path: format!(
                "objects[{}]{}{}",
                raw.index,
                if path.is_empty() { "" } else { "." },
                path
            ),
            code: code.to_string(),
            message,
        }
    };
    let o = match StixObject::from_value(v.clone()) {
        Ok(o) => o,
        Err(e) => {
            let path = match e {
                stix::ObjectError::NoType => "",
                _ => "id",
            };
            return Err(reject(path, "E001", e.to_string()));
        }
    };
    match o.spec_version() {
        Some("2.1") => {}
        Some(other) => {
            return Err(reject(
                "spec_version",
                "E002",
                format!("spec_version is '{other}'; threatledger stores STIX 2.1 objects (expected \"2.1\")"),
            ))
        }
        None if !matches!(o.kind(), stix::ObjectKind::Sco) => {
            return Err(reject("", "E003", "missing required property 'spec_version' (STIX 2.1 §3.2)".into()))
        }
        None => {}
    }
    for key in ["created", "modified"] {
        if let Some(t) = o.get(key) {
            let ok = t
                .as_str()
                .map(|s| stix::Timestamp::parse(s).map(|_| ()))
                .unwrap_or_else(|| {
                    Err(stix::timestamp::TimestampError {
                        text: t.to_string(),
                        reason: "not a string",
                    })
                });
            if let Err(e) = ok {
                return Err(reject(key, "E004", e.to_string()));
            }
        }
    }
    if let (Some(c), Some(m)) = (o.created(), o.modified()) {
        if m < c {
            return Err(reject(
                "modified",
                "E005",
                format!("modified ({m}) is earlier than created ({c})"),
            ));
        }
    }
    Ok(o)
}

/// Imports one bundle from `reader`. `progress(bytes_read, objects)` is called as
/// objects are read.
pub fn import_bundle<R: Read>(
    store: &dyn Store,
    reader: R,
    source: &str,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64, usize),
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let mut br = BundleReader::with_limits(reader, opts.limits);
    let store_err = |error| ImportError::Store {
        file: source.to_string(),
        error,
    };
    let mut tx = store
        .begin_import(&store::ImportOptions {
            collection: opts.collection.clone(),
        })
        .map_err(store_err)?;
    let mut report = ImportReport {
        source: source.to_string(),
        objects: 0,
        added: 0,
        unchanged: 0,
        replaced: 0,
        rejected: Vec::new(),
        committed: false,
        seconds: 0.0,
    };
    let mut n_rejected = 0usize;
    loop {
        let raw = match br.next_object() {
            Ok(Some(raw)) => raw,
            Ok(None) => break,
            Err(error) => {
                return Err(ImportError::Read {
                    file: source.to_string(),
                    error,
                })
            }
        };
        report.objects += 1;
        if report.objects.is_multiple_of(1024) {
            progress(br.position().offset, report.objects);
        }
        let value = match raw.parse() {
            Ok(v) => v,
            Err(error) => {
                // A syntax error inside an object means the file is not JSON: fatal.
                return Err(ImportError::Read {
                    file: source.to_string(),
                    error,
                });
            }
        };
        let outcome = match check_object(&raw, &value) {
            Ok(o) => match tx.add(&o) {
                Ok(_) => Ok(()),
                Err(e @ StoreError::Conflict { .. }) => {
                    let pos = raw.start;
                    Err(Rejected {
                        index: raw.index,
                        id: Some(o.id().to_string()),
                        line: pos.line,
                        column: pos.column,
                        path: format!("objects[{}]", raw.index),
                        code: "E100".into(),
                        message: e.to_string(),
                    })
                }
                Err(e) => return Err(store_err(e)),
            },
            Err(r) => Err(r),
        };
        if let Err(r) = outcome {
            n_rejected += 1;
            if report.rejected.len() < MAX_LISTED {
                report.rejected.push(r);
            }
        }
    }
    // Bundle-level checks once the whole top level has been read.
    if let Some(sv) = br.header().other.get("spec_version") {
        return Err(ImportError::Read {
            file: source.to_string(),
            error: ReadError::NotABundle {
                position: Default::default(),
                message: format!("the bundle has \"spec_version\": {sv}, a STIX 2.0 bundle; threatledger reads STIX 2.1 bundles"),
            },
        });
    }
    progress(br.position().offset, report.objects);
    if n_rejected > 0 && !opts.keep_going {
        drop(tx); // rolls back: the store is unchanged
        report.seconds = started.elapsed().as_secs_f64();
        return Err(ImportError::Rejected(Box::new(report)));
    }
    let ImportSummary {
        added,
        unchanged,
        replaced,
    } = tx.commit().map_err(store_err)?;
    report.added = added;
    report.unchanged = unchanged;
    report.replaced = replaced;
    report.committed = true;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
