//! Ledger use cases over a store: load a knowledge pack, build the ledger from
//! what is stored (what the reader may see), record merges.

use ledger::model::LEDGER_TYPES;
use ledger::{Ledger, RateTable};
use stix::StixObject;
use store::{ImportOptions, ImportSummary, Query, Revoked, Store, StoreError, Visibility};

/// Loads a knowledge pack into the store (one transaction). Loading it again
/// changes nothing: its objects have deterministic ids.
pub fn init_pack(store: &dyn Store, name: &str) -> Result<ImportSummary, crate::AppError> {
    let files = ledger::pack::by_name(name)
        .ok_or_else(|| crate::AppError::UnknownPack(name.to_string()))?;
    let objects = ledger::pack::compile(files).map_err(|e| crate::AppError::Pack(e.to_string()))?;
    Ok(store.put_all(&objects, &ImportOptions::default())?)
}

/// The rate table used for conversions (the shipped one).
pub fn rates() -> RateTable {
    ledger::dprk_rates()
}

/// Every object the ledger reads, latest versions, not revoked, visible to `vis`.
pub fn ledger_objects(store: &dyn Store, vis: &Visibility) -> Result<Vec<StixObject>, StoreError> {
    let q = Query {
        types: LEDGER_TYPES.iter().map(|t| t.to_string()).collect(),
        revoked: Revoked::Exclude,
        visibility: vis.clone(),
        limit: Some(10_000),
        ..Query::default()
    };
    Ok(store.query_all(&q)?.into_iter().map(|s| s.object).collect())
}

/// The ledger as `vis` may see it.
pub fn load(store: &dyn Store, vis: &Visibility) -> Result<Ledger, StoreError> {
    let objects = ledger_objects(store, vis)?;
    Ok(Ledger::from_objects(&objects, &rates()))
}

/// Stores the new version of an incident written by a merge or an unmerge.
pub fn save_version(store: &dyn Store, o: &StixObject) -> Result<(), StoreError> {
    store.put_all(std::slice::from_ref(o), &ImportOptions::default())?;
    Ok(())
}
