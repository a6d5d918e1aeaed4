//! Use cases shared by the command line and the server: opening the configured
//! store and importing STIX bundles. No argument parsing and no HTTP here.

pub mod accounts;
pub mod chain;
pub mod import;
pub mod ledger;
pub mod synth;

use std::path::Path;

use store::{Store, StoreError};

/// The database used when neither `--db` nor `THREATLEDGER_DB` is given: a file in
/// the current directory, so that a demo, its tests and its user see the same data.
pub const DEFAULT_DB: &str = "threatledger.db";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("unsupported database '{0}': use a file path (SQLite, optionally 'sqlite:PATH') or a postgres:// URL")]
    UnsupportedDb(String),
    #[error("no knowledge pack named '{0}' (available: dprk)")]
    UnknownPack(String),
    #[error("knowledge pack: {0}")]
    Pack(String),
}

/// Opens the store a `--db` value names: a path or `sqlite:PATH` for SQLite.
pub fn open_store(db: &str) -> Result<Box<dyn Store>, AppError> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        return Err(AppError::UnsupportedDb(format!(
            "{db} (PostgreSQL support is not built yet)"
        )));
    }
    let path = db.strip_prefix("sqlite:").unwrap_or(db);
    if path.contains("://") {
        return Err(AppError::UnsupportedDb(db.to_string()));
    }
    Ok(Box::new(store_sqlite::SqliteStore::open(Path::new(path))?))
}
