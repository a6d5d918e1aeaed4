//! The `Store` trait: everything threatledger keeps goes through it. SQLite
//! (`store-sqlite`) and PostgreSQL (`store-postgres`) implement it; nothing here
//! knows SQL.
//!
//! Model: the knowledge base holds every version of every object (keyed by id and
//! version — `modified`, else `created`, else unversioned), each with the time it
//! was added and a store-wide sequence number that orders additions. TAXII
//! collections are named sets of object versions with their own added times.
//! Queries follow the TAXII 2.1 filter semantics (`match[id|type|version|
//! spec_version]`, `added_after`, `limit`, `next`) and never return an object the
//! reader's [`Visibility`] does not allow.
//!
//! **Architecture invariant:** no SQL, file or backend type appears in this crate's API.

use serde::{Deserialize, Serialize};
use stix::ext::Tlp;
use stix::{StixObject, Timestamp};

pub mod taxii;
pub mod testsuite;

/// One stored version of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredObject {
    pub object: StixObject,
    /// When this version was added (to the collection, when the query named one).
    pub date_added: Timestamp,
    /// `modified`, else `created`; `None` for unversioned objects (most SCOs).
    pub version: Option<Timestamp>,
    /// Store-wide (or collection-wide) addition order; the pagination cursor.
    pub seq: i64,
}

/// One stored version as its JSON text, unparsed: for callers that only forward
/// objects (the TAXII server), where parsing and re-serialising dominate the cost.
#[derive(Debug, Clone, PartialEq)]
pub struct RawStored {
    pub id: String,
    /// The object's JSON text as stored.
    pub json: String,
    pub date_added: Timestamp,
    pub version: Option<Timestamp>,
    pub seq: i64,
}

/// A page of [`RawStored`] objects (see [`Page`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RawPage {
    pub objects: Vec<RawStored>,
    pub next: Option<String>,
    pub more: bool,
}

impl RawPage {
    pub fn first_added(&self) -> Option<&Timestamp> {
        self.objects.first().map(|o| &o.date_added)
    }
    pub fn last_added(&self) -> Option<&Timestamp> {
        self.objects.last().map(|o| &o.date_added)
    }
}

/// Which versions of each object a query returns (TAXII `match[version]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSpec {
    First,
    Last,
    All,
    At(Timestamp),
}

impl VersionSpec {
    /// Parses one TAXII `match[version]` value.
    pub fn parse(s: &str) -> Result<VersionSpec, StoreError> {
        Ok(match s {
            "first" => VersionSpec::First,
            "last" => VersionSpec::Last,
            "all" => VersionSpec::All,
            t => VersionSpec::At(
                Timestamp::parse(t).map_err(|e| StoreError::InvalidQuery(e.to_string()))?,
            ),
        })
    }
}

/// What a reader may see. Objects marked above the clearance are invisible:
/// they are never returned, counted or revealed by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visibility {
    /// Highest TLP level the reader is cleared for; `None` = everything (admin, CLI).
    pub max_tlp: Option<Tlp>,
    /// Identity ids of the reader's organisation: AMBER+STRICT objects are visible
    /// only when their `created_by_ref` is one of these.
    pub organization_refs: Vec<String>,
}

impl Visibility {
    /// No restriction (local CLI use, administrators).
    pub fn all() -> Visibility {
        Visibility {
            max_tlp: None,
            organization_refs: vec![],
        }
    }
    pub fn cleared(max: Tlp, organization_refs: Vec<String>) -> Visibility {
        Visibility {
            max_tlp: Some(max),
            organization_refs,
        }
    }
    /// The rule itself, shared by every backend's tests and by callers that filter
    /// objects in memory: may a reader see an object with this TLP and author?
    pub fn allows(&self, tlp: Option<Tlp>, created_by_ref: Option<&str>) -> bool {
        let Some(max) = self.max_tlp else { return true };
        let Some(tlp) = tlp else { return true };
        if tlp > max {
            return false;
        }
        if tlp == Tlp::AmberStrict {
            return created_by_ref.is_some_and(|c| self.organization_refs.iter().any(|o| o == c));
        }
        true
    }
}

/// Which revoked objects a query returns. An object is revoked when its latest
/// version says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Revoked {
    /// TAXII semantics: revoked objects are returned like any other.
    #[default]
    Include,
    Exclude,
}

/// A query over the knowledge base or one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub collection: Option<String>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    /// Empty means `[Last]`.
    pub versions: Vec<VersionSpec>,
    /// Empty means every spec version (TAXII's default of "latest spec version" is
    /// applied by the server, which knows what it offers).
    pub spec_versions: Vec<String>,
    pub added_after: Option<Timestamp>,
    pub limit: Option<usize>,
    /// Opaque cursor from a previous [`Page::next`].
    pub next: Option<String>,
    pub revoked: Revoked,
    pub visibility: Visibility,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            collection: None,
            ids: vec![],
            types: vec![],
            versions: vec![],
            spec_versions: vec![],
            added_after: None,
            limit: None,
            next: None,
            revoked: Revoked::Include,
            visibility: Visibility::all(),
        }
    }
}

impl Query {
    pub fn of_type(ty: &str) -> Query {
        Query {
            types: vec![ty.to_string()],
            ..Query::default()
        }
    }
    pub fn by_id(id: &str) -> Query {
        Query {
            ids: vec![id.to_string()],
            ..Query::default()
        }
    }
}

/// One page of results, in addition order.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub objects: Vec<StoredObject>,
    /// Cursor for the next page when `more`.
    pub next: Option<String>,
    pub more: bool,
}

impl Page {
    pub fn first_added(&self) -> Option<&Timestamp> {
        self.objects.first().map(|o| &o.date_added)
    }
    pub fn last_added(&self) -> Option<&Timestamp> {
        self.objects.last().map(|o| &o.date_added)
    }
}

/// Options for an import transaction.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Also add every object to this collection.
    pub collection: Option<String>,
}

/// What happened to one object added in an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// A new object or a new version of one.
    Added,
    /// The same id and version with the same content was already stored.
    Unchanged,
    /// An unversioned object (SCO) whose content changed: the new content replaced it.
    Replaced,
}

/// Counts of an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub added: usize,
    pub unchanged: usize,
    pub replaced: usize,
}

/// An object with everything a backend stores about it computed in advance (compact
/// JSON, version, markings, references), so that an import can do this work on
/// another thread than the one writing to the database.
#[derive(Debug, Clone)]
pub struct PreparedObject {
    pub object: StixObject,
    /// Compact JSON text, members in their original order.
    pub json: String,
    pub version: Option<Timestamp>,
    pub tlp: Option<Tlp>,
    pub revoked: bool,
    /// `relationship_type` of relationship objects.
    pub relationship_type: Option<String>,
    /// `(property, id)` of every reference the traversal follows (markings excluded:
    /// they say how to share, not what is related). Property is the top-level name.
    pub refs: Vec<(String, String)>,
}

impl PreparedObject {
    pub fn new(object: StixObject) -> PreparedObject {
        let json = object.to_json();
        PreparedObject::with_json(object, json)
    }

    /// With the JSON text already at hand (e.g. the input minified): it must be
    /// the same JSON value as `object`.
    pub fn with_json(object: StixObject, json: String) -> PreparedObject {
        let refs = object
            .references()
            .into_iter()
            .filter(|(path, _)| {
                !(path.starts_with("object_marking_refs") || path.starts_with("granular_markings"))
            })
            .map(|(path, dst)| {
                let prop = path.split(['[', '.']).next().unwrap_or(&path).to_string();
                (prop, dst.to_string())
            })
            .collect();
        PreparedObject {
            json,
            version: object.version(),
            tlp: tlp_of(&object),
            revoked: object.revoked(),
            relationship_type: (object.object_type() == "relationship")
                .then(|| object.get_str("relationship_type").map(str::to_string))
                .flatten(),
            refs,
            object,
        }
    }
}

/// A write transaction: everything added is stored at `commit`, or nothing (on drop
/// without commit, on error, or if the process dies).
pub trait ImportTx {
    fn add_prepared(&mut self, object: &PreparedObject) -> Result<AddOutcome, StoreError>;
    fn add(&mut self, object: &StixObject) -> Result<AddOutcome, StoreError> {
        self.add_prepared(&PreparedObject::new(object.clone()))
    }
    /// Adds several objects in order. The outer error aborts the transaction; a
    /// per-object error (a [`StoreError::Conflict`]) rejects that object only.
    /// Backends override this to write batches with fewer statements.
    fn add_batch(
        &mut self,
        objects: &[PreparedObject],
    ) -> Result<Vec<Result<AddOutcome, StoreError>>, StoreError> {
        let mut out = Vec::with_capacity(objects.len());
        for o in objects {
            match self.add_prepared(o) {
                Err(e @ StoreError::Conflict { .. }) => out.push(Err(e)),
                Err(e) => return Err(e),
                Ok(r) => out.push(Ok(r)),
            }
        }
        Ok(out)
    }
    /// Records TAXII status resources and audit events in this transaction, so
    /// that they commit (or vanish) with the objects. `Ok(false)`: this backend
    /// cannot; the caller records them itself with [`taxii::TaxiiStore::record`].
    fn record_taxii(
        &mut self,
        _statuses: &[taxii::StatusRecord],
        _audit: &[taxii::AuditEvent],
    ) -> Result<bool, StoreError> {
        Ok(false)
    }
    fn commit(self: Box<Self>) -> Result<ImportSummary, StoreError>;
}

/// Direction of an edge relative to the object asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Outgoing,
    Incoming,
    Both,
}

/// What a traversal follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedQuery {
    pub direction: Direction,
    /// Relationship types to follow (`uses`, `attributed-to`, …); empty = all.
    pub relationship_types: Vec<String>,
    /// Types of the object at the other end; empty = all.
    pub other_types: Vec<String>,
    /// Also follow embedded references (`object_refs`, `sighting_of_ref`, …), not
    /// only relationship objects.
    pub include_embedded: bool,
    pub include_revoked: bool,
    pub visibility: Visibility,
}

impl Default for RelatedQuery {
    fn default() -> Self {
        RelatedQuery {
            direction: Direction::Both,
            relationship_types: vec![],
            other_types: vec![],
            include_embedded: true,
            include_revoked: false,
            visibility: Visibility::all(),
        }
    }
}

/// One edge from the object asked about to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub direction: Direction,
    /// The relationship (or sighting) object, for edges made by one.
    pub relationship_id: Option<String>,
    /// `relationship_type` for relationships; the property name (`object_refs`, …)
    /// for embedded references.
    pub label: String,
    pub other_id: String,
    pub other_type: String,
}

/// Counts for `threatledger stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Distinct objects by type (sorted by type).
    pub objects_by_type: Vec<(String, u64)>,
    pub objects: u64,
    pub versions: u64,
    pub revoked: u64,
    /// Relationship objects (latest versions) by relationship_type.
    pub relationships_by_type: Vec<(String, u64)>,
    pub collections: Vec<(String, u64)>,
}

/// Errors of every backend, backend-neutral. Deliberately not `#[non_exhaustive]`:
/// the server's one error-to-HTTP map matches every variant, so a new one forces a
/// decision there.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{id} version {version} is already stored with different content (a new version needs a later 'modified')")]
    Conflict { id: String, version: String },
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("the database schema is version {found}, newer than this program understands ({supported}); upgrade threatledger")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("database error: {0}")]
    Backend(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// The storage seam. Implementations are internally synchronized (`&self`
/// everywhere) and blocking: async callers use `spawn_blocking`.
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Starts a write transaction.
    fn begin_import(&self, opts: &ImportOptions) -> Result<Box<dyn ImportTx + '_>, StoreError>;

    /// Objects matching a query, one page at a time.
    fn query(&self, q: &Query) -> Result<Page, StoreError>;

    /// [`Store::query`] with each object as its stored JSON text. Same filters,
    /// order, visibility and cursors.
    fn query_raw(&self, q: &Query) -> Result<RawPage, StoreError> {
        let p = self.query(q)?;
        Ok(RawPage {
            objects: p
                .objects
                .into_iter()
                .map(|o| RawStored {
                    id: o.object.id().to_string(),
                    json: o.object.to_json(),
                    date_added: o.date_added,
                    version: o.version,
                    seq: o.seq,
                })
                .collect(),
            next: p.next,
            more: p.more,
        })
    }

    /// Relationship and reference traversal around one object.
    fn related(&self, id: &str, q: &RelatedQuery) -> Result<Vec<Edge>, StoreError>;

    /// Removes versions of an object (TAXII DELETE): from a collection when one is
    /// given (the knowledge base keeps them), else from the store. Returns how many
    /// versions were removed.
    fn delete(
        &self,
        collection: Option<&str>,
        id: &str,
        versions: &[VersionSpec],
    ) -> Result<usize, StoreError>;

    fn stats(&self) -> Result<Stats, StoreError>;

    /// Checks the database's integrity and the store's own invariants (every
    /// version has its id's row, first/last versions agree with the versions
    /// stored). Returns the problems found; empty means consistent.
    fn check(&self) -> Result<Vec<String>, StoreError>;

    /// The TAXII server's tables (users, collections, rights, status, audit), when
    /// this backend has them. The server refuses to start without.
    fn taxii(&self) -> Option<&dyn taxii::TaxiiStore> {
        None
    }

    /// Convenience: stores a batch in one transaction.
    fn put_all(
        &self,
        objects: &[StixObject],
        opts: &ImportOptions,
    ) -> Result<ImportSummary, StoreError> {
        let mut tx = self.begin_import(opts)?;
        for o in objects {
            tx.add(o)?;
        }
        tx.commit()
    }

    /// Convenience: the latest version of one object, if visible.
    fn get_latest(&self, id: &str, vis: &Visibility) -> Result<Option<StoredObject>, StoreError> {
        let q = Query {
            ids: vec![id.to_string()],
            visibility: vis.clone(),
            ..Query::default()
        };
        Ok(self.query(&q)?.objects.into_iter().next())
    }

    /// Convenience: every page of a query, concatenated.
    fn query_all(&self, q: &Query) -> Result<Vec<StoredObject>, StoreError> {
        let mut q = q.clone();
        let mut out = Vec::new();
        loop {
            let page = self.query(&q)?;
            out.extend(page.objects);
            match page.next {
                Some(n) if page.more => q.next = Some(n),
                _ => return Ok(out),
            }
        }
    }
}

/// The TLP level of an object for storage (most restrictive TLP marking).
pub fn tlp_of(o: &StixObject) -> Option<Tlp> {
    stix::ext::object_tlp(o)
}
