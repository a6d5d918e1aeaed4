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

/// The validation an import applies: every MUST rule of STIX 2.1 (the same
/// checker as `threatledger validate`, patterns included), no best practices.
pub fn import_options() -> stix::validate::Options<'static> {
    stix::validate::Options {
        pattern_checker: Some(&pattern::check_message),
        disabled: &[],
        musts_only: true,
    }
}

/// Checks one object before it is stored: an object with any MUST error is
/// rejected, reported with its first error (code, position, JSON path).
pub fn check_object(raw: &RawObject, v: Value) -> Result<StixObject, Rejected> {
    let diags = stix::validate::validate_object(raw, &v, &import_options());
    let mut errors = diags
        .into_iter()
        .filter(|d| d.severity == stix::validate::Severity::Error);
    if let Some(first) = errors.next() {
        let more = errors.count();
        let message = if more > 0 {
            format!("{} (and {more} more errors)", first.message)
        } else {
            first.message
        };
        return Err(Rejected {
            index: raw.index,
            id: first
                .id
                .or_else(|| v.get("id").and_then(Value::as_str).map(str::to_string)),
            line: first.line,
            column: first.column,
            path: first.path,
            code: first.code.to_string(),
            message,
        });
    }
    StixObject::from_value(v).map_err(|e| Rejected {
        index: raw.index,
        id: None,
        line: raw.start.line,
        column: raw.start.column,
        path: format!("objects[{}]", raw.index),
        code: "E005".into(),
        message: e.to_string(),
    })
}

/// What the reading thread hands to the storing thread.
enum Item {
    Object {
        raw_index: usize,
        start: stix::Position,
        object: store::PreparedObject,
    },
    Rejected(Rejected),
    Progress(u64, usize),
    Fatal(ReadError),
}

/// Imports one bundle from `reader`. `progress(bytes_read, objects)` is called as
/// objects are read. Reading and checking run on a second thread, storing on this
/// one; at most a few thousand objects are in flight, so memory stays bounded
/// whatever the size of the bundle.
pub fn import_bundle<R: Read + Send>(
    store: &dyn Store,
    reader: R,
    source: &str,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64, usize),
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let store_err = |error| ImportError::Store {
        file: source.to_string(),
        error,
    };
    let read_err = |error| ImportError::Read {
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
    let limits = opts.limits;
    let header = std::thread::scope(|scope| -> Result<stix::bundle::BundleHeader, ImportError> {
        let (send, recv) = std::sync::mpsc::sync_channel::<Vec<Item>>(16);
        let producer = scope.spawn(move || {
            let mut br = BundleReader::with_limits(reader, limits);
            let mut batch = Vec::with_capacity(256);
            let mut n = 0usize;
            loop {
                let item = match br.next_object() {
                    Ok(Some(raw)) => {
                        n += 1;
                        match raw.parse() {
                            // A syntax error inside an object means the file is not JSON: fatal.
                            Err(e) => Item::Fatal(e),
                            Ok(v) => match check_object(&raw, v) {
                                Ok(object) => {
                                    let prepared = match raw.minified() {
                                        Some(json) => {
                                            store::PreparedObject::with_json(object, json)
                                        }
                                        None => store::PreparedObject::new(object),
                                    };
                                    Item::Object {
                                        raw_index: raw.index,
                                        start: raw.start,
                                        object: prepared,
                                    }
                                }
                                Err(r) => Item::Rejected(r),
                            },
                        }
                    }
                    Ok(None) => break,
                    Err(e) => Item::Fatal(e),
                };
                let fatal = matches!(item, Item::Fatal(_));
                batch.push(item);
                if fatal || batch.len() == 256 {
                    batch.push(Item::Progress(br.position().offset, n));
                    if send
                        .send(std::mem::replace(&mut batch, Vec::with_capacity(256)))
                        .is_err()
                        || fatal
                    {
                        return None;
                    }
                }
            }
            batch.push(Item::Progress(br.position().offset, n));
            let _ = send.send(batch);
            Some(br.header().clone())
        });
        for batch in recv {
            let mut objects = Vec::with_capacity(batch.len());
            let mut places = Vec::with_capacity(batch.len());
            for item in batch {
                match item {
                    Item::Progress(bytes, n) => progress(bytes, n),
                    Item::Fatal(e) => return Err(read_err(e)),
                    Item::Rejected(r) => {
                        report.objects += 1;
                        n_rejected += 1;
                        if report.rejected.len() < MAX_LISTED {
                            report.rejected.push(r);
                        }
                    }
                    Item::Object {
                        raw_index,
                        start,
                        object,
                    } => {
                        places.push((raw_index, start));
                        objects.push(object);
                    }
                }
            }
            let results = tx.add_batch(&objects).map_err(store_err)?;
            for ((result, (raw_index, start)), object) in
                results.into_iter().zip(places).zip(&objects)
            {
                report.objects += 1;
                if let Err(e) = result {
                    n_rejected += 1;
                    if report.rejected.len() < MAX_LISTED {
                        report.rejected.push(Rejected {
                            index: raw_index,
                            id: Some(object.object.id().to_string()),
                            line: start.line,
                            column: start.column,
                            path: format!("objects[{raw_index}]"),
                            code: "E100".into(), // conflict with a stored version (see README)
                            message: e.to_string(),
                        });
                    }
                }
            }
        }
        match producer.join() {
            Ok(Some(h)) => Ok(h),
            Ok(None) => Err(store_err(StoreError::Backend(
                "the reading thread stopped early".into(),
            ))),
            Err(_) => Err(store_err(StoreError::Backend(
                "the reading thread panicked".into(),
            ))),
        }
    })?;
    // Bundle-level checks once the whole top level has been read.
    if let Some(sv) = header.other.get("spec_version") {
        return Err(read_err(ReadError::NotABundle {
            position: Default::default(),
            message: format!("the bundle has \"spec_version\": {sv}, a STIX 2.0 bundle; threatledger reads STIX 2.1 bundles"),
        }));
    }
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
