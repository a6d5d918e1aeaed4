//! The embedded SQLite backend: one database file in WAL mode, one writer
//! connection and a small pool of readers.
//!
//! Tables:
//! - `latest`: one row per id ever seen (stored, or only referenced), with a dense
//!   integer `n` that every other table uses instead of the id text, and the state
//!   of the latest version (first/last version, revocation, TLP, author,
//!   relationship type). `type` is NULL for ids only referenced so far.
//! - `objects`: every version, `seq` = addition time in microseconds (unique,
//!   strictly increasing: the pagination cursor and the `added_after` filter).
//! - `refs`: the `*_ref(s)` of each object's latest version as `(src_n, prop,
//!   dst_n)` integers, for traversal.
//! - `collection_objects`: TAXII collection membership with its own addition time.
//!
//! **Architecture invariant:** this is the only crate that knows SQLite; every
//! write happens inside one transaction per import, so a process killed at any
//! moment leaves the previous consistent state.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, ToSql};
use serde_json::Value;
use stix::ext::Tlp;
use stix::{StixObject, Timestamp};
use store::*;

mod taxii;

/// The schema version this program writes. Older databases are migrated on open;
/// newer ones are refused.
pub const SCHEMA_VERSION: i64 = 2;

const MIGRATIONS: &[&str] = &[
    // 1: initial schema.
    "CREATE TABLE latest (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        type TEXT,
        first_ns INTEGER NOT NULL DEFAULT 0,
        last_ns INTEGER NOT NULL DEFAULT 0,
        revoked INTEGER NOT NULL DEFAULT 0,
        tlp INTEGER,
        -- Author, kept only for AMBER+STRICT objects (the one case visibility needs it).
        strict_author TEXT,
        rel_type TEXT
    );
    CREATE TABLE objects (
        seq INTEGER PRIMARY KEY,
        n INTEGER NOT NULL,
        version_ns INTEGER NOT NULL,
        type TEXT NOT NULL,
        spec_version TEXT,
        strict_author TEXT,
        revoked INTEGER NOT NULL,
        tlp INTEGER,
        json TEXT NOT NULL,
        UNIQUE (n, version_ns)
    );
    CREATE INDEX objects_type ON objects (type, seq);
    CREATE TABLE refs (
        src_n INTEGER NOT NULL,
        prop TEXT NOT NULL,
        dst_n INTEGER NOT NULL,
        PRIMARY KEY (src_n, prop, dst_n)
    ) WITHOUT ROWID;
    CREATE INDEX refs_dst ON refs (dst_n);
    CREATE TABLE collection_objects (
        cseq INTEGER PRIMARY KEY,
        collection TEXT NOT NULL,
        n INTEGER NOT NULL,
        version_ns INTEGER NOT NULL,
        UNIQUE (collection, n, version_ns)
    );",
    // 2: the TAXII server's users, collections, rights, status and audit log.
    taxii::MIGRATION,
];

/// Mapped rows of a query (with their sequence numbers), the next cursor and `more`.
type Rows<T> = (Vec<(i64, T)>, Option<String>, bool);

/// A knowledge base in one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Last addition time handed out (µs): additions get strictly increasing times
    /// so that `added_after` never splits a group of equal timestamps.
    last_added: Mutex<i64>,
}

fn be(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn open_conn(path: &Path) -> Result<Connection, StoreError> {
    let c = Connection::open(path).map_err(be)?;
    c.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(be)?;
    c.execute_batch(
        "PRAGMA page_size = 8192;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = OFF;
         PRAGMA cache_size = -131072;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(be)?;
    Ok(c)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, applying migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() && !dir.exists() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Backend(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
        let mut w = open_conn(&path)?;
        migrate(&mut w)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(w),
            readers: Mutex::new(Vec::new()),
            last_added: Mutex::new(0),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rows of a query, each mapped by `map(seq, json, id, version)` (the
    /// version text read by SQLite from the JSON, so that callers need not parse it);
    /// returns them with `next` and `more`.
    fn query_rows<T>(
        &self,
        q: &Query,
        map: impl Fn(i64, String, String, Option<String>) -> Result<T, StoreError>,
    ) -> Result<Rows<T>, StoreError> {
        let coll = q.collection.is_some();
        let mut sql = if let Some(c) = &q.collection {
            let mut s = Sql::new(
                "SELECT c.cseq, o.json, l.id, COALESCE(o.json ->> '$.modified', o.json ->> '$.created') FROM collection_objects c
                 JOIN objects o ON o.n = c.n AND o.version_ns = c.version_ns
                 JOIN latest l ON l.n = c.n WHERE ",
            );
            let p = s.arg(c.clone());
            s.push(&format!("c.collection = {p}"));
            s
        } else {
            Sql::new("SELECT o.seq, o.json, l.id, COALESCE(o.json ->> '$.modified', o.json ->> '$.created') FROM objects o JOIN latest l ON l.n = o.n WHERE 1 = 1")
        };
        let seq_col = if coll { "c.cseq" } else { "o.seq" };
        if !q.ids.is_empty() {
            sql.list("l.id", &q.ids);
        }
        if !q.types.is_empty() {
            // One type: the (type, seq) index gives seq order. Several: the index
            // would need a sort of every match on each page (quadratic over a
            // walk), so scan in seq order instead (`+` keeps the index out).
            let col = if q.types.len() == 1 || coll {
                "o.type"
            } else {
                "+o.type"
            };
            sql.list(col, &q.types);
        }
        if !q.spec_versions.is_empty() {
            // Objects without spec_version (2.1 SCOs may omit it) count as 2.1.
            sql.list("COALESCE(o.spec_version, '2.1')", &q.spec_versions);
        }
        if let Some(t) = &q.added_after {
            let p = sql.arg(t.unix_micros());
            sql.push(&format!(" AND {seq_col} > {p}"));
        }
        if let Some(n) = &q.next {
            let p = sql.arg(parse_cursor(n)?);
            sql.push(&format!(" AND {seq_col} > {p}"));
        }
        version_clause(&mut sql, &q.versions, coll);
        if q.revoked == Revoked::Exclude {
            sql.push(" AND l.revoked = 0");
        }
        visibility_clause(&mut sql, &q.visibility, "o.tlp", "o.strict_author");
        sql.push(&format!(" ORDER BY {seq_col}"));
        if let Some(limit) = q.limit {
            let p = sql.arg((limit as i64).saturating_add(1));
            sql.push(&format!(" LIMIT {p}"));
        }
        self.with_reader(|c| {
            let mut st = c.prepare_cached(&sql.text).map_err(be)?;
            let mut rows = st.query(params_from_iter(sql.args.iter())).map_err(be)?;
            let mut out = Vec::new();
            while let Some(r) = rows.next().map_err(be)? {
                let seq: i64 = r.get(0).map_err(be)?;
                let json: String = r.get(1).map_err(be)?;
                let id: String = r.get(2).map_err(be)?;
                let version: Option<String> = r.get(3).map_err(be)?;
                out.push((seq, map(seq, json, id, version)?));
            }
            let more = q.limit.is_some_and(|l| out.len() > l);
            if more {
                out.truncate(q.limit.unwrap_or(0));
            }
            let next = if more {
                out.last().map(|o| format!("s{:x}", o.0))
            } else {
                None
            };
            Ok((out, next, more))
        })
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => open_conn(&self.path)?,
        };
        let res = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < 16 {
            pool.push(conn);
        }
        res
    }

    /// Brings the addition clock up to what is in the database (another process may
    /// have written since). Called with the write lock held.
    fn sync_clock(&self, c: &Connection) -> Result<(), StoreError> {
        let db_max: i64 = c
            .query_row(
                "SELECT MAX(COALESCE((SELECT MAX(seq) FROM objects), 0), COALESCE((SELECT MAX(cseq) FROM collection_objects), 0))",
                [],
                |r| r.get(0),
            )
            .map_err(be)?;
        let mut last = self.last_added.lock().unwrap_or_else(|p| p.into_inner());
        *last = (*last).max(db_max);
        Ok(())
    }

    fn next_added(&self) -> i64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        let mut last = self.last_added.lock().unwrap_or_else(|p| p.into_inner());
        *last = now.max(*last + 1);
        *last
    }
}

fn migrate(c: &mut Connection) -> Result<(), StoreError> {
    c.execute_batch("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        .map_err(be)?;
    let found: i64 = c
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .map_err(be)?
        .map(|s| s.parse().unwrap_or(0))
        .unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = c.transaction().map_err(be)?;
        tx.execute_batch(sql).map_err(be)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(i as i64 + 1).to_string()],
        )
        .map_err(be)?;
        tx.commit().map_err(be)?;
    }
    Ok(())
}

fn tlp_rank(t: Tlp) -> i64 {
    match t {
        Tlp::Clear => 0,
        Tlp::Green => 1,
        Tlp::Amber => 2,
        Tlp::AmberStrict => 3,
        Tlp::Red => 4,
    }
}

fn rank_tlp(r: Option<i64>) -> Option<Tlp> {
    r.and_then(|r| Tlp::ALL.get(r as usize).copied())
}

fn version_ns(t: &Option<Timestamp>) -> i64 {
    t.as_ref()
        .map(|t| t.unix_seconds() * 1_000_000_000 + t.subsec_nanos() as i64)
        .unwrap_or(0)
}

/// The dense number of an id, creating a placeholder row for ids not seen before.
fn resolve(c: &Connection, cache: &mut HashMap<String, i64>, id: &str) -> Result<i64, StoreError> {
    if let Some(n) = cache.get(id) {
        return Ok(*n);
    }
    let found: Option<i64> = c
        .prepare_cached("SELECT n FROM latest WHERE id = ?1")
        .map_err(be)?
        .query_row([id], |r| r.get(0))
        .optional()
        .map_err(be)?;
    let n = match found {
        Some(n) => n,
        None => {
            c.prepare_cached("INSERT INTO latest (id) VALUES (?1)")
                .map_err(be)?
                .execute([id])
                .map_err(be)?;
            c.last_insert_rowid()
        }
    };
    // Bounded: memory must not grow with the size of an import.
    if cache.len() >= 100_000 {
        cache.clear();
    }
    cache.insert(id.to_string(), n);
    Ok(n)
}

/// Rows of `refs` per multi-row INSERT: one statement per 64 rows costs a fraction
/// of 64 statements.
const REFS_BATCH: usize = 64;

fn insert_refs_rows(c: &Connection, rows: &[(i64, String, i64)]) -> Result<(), StoreError> {
    let mut chunks = rows.chunks_exact(REFS_BATCH);
    if rows.len() >= REFS_BATCH {
        let sql = format!(
            "INSERT OR IGNORE INTO refs (src_n, prop, dst_n) VALUES {}",
            vec!["(?, ?, ?)"; REFS_BATCH].join(", ")
        );
        let mut st = c.prepare_cached(&sql).map_err(be)?;
        for chunk in chunks.by_ref() {
            let mut i = 1;
            for (src, prop, dst) in chunk {
                st.raw_bind_parameter(i, src).map_err(be)?;
                st.raw_bind_parameter(i + 1, prop).map_err(be)?;
                st.raw_bind_parameter(i + 2, dst).map_err(be)?;
                i += 3;
            }
            st.raw_execute().map_err(be)?;
        }
    }
    let mut st = c
        .prepare_cached("INSERT OR IGNORE INTO refs (src_n, prop, dst_n) VALUES (?1, ?2, ?3)")
        .map_err(be)?;
    for (src, prop, dst) in chunks.remainder() {
        st.execute(params![src, prop, dst]).map_err(be)?;
    }
    Ok(())
}

/// Resolves the targets of `refs` and queues the rows (written by `flush_refs`).
fn queue_refs(
    c: &Connection,
    cache: &mut HashMap<String, i64>,
    pending: &mut Vec<(i64, String, i64)>,
    n: i64,
    refs: &[(String, String)],
) -> Result<(), StoreError> {
    for (prop, dst) in refs {
        let dst_n = resolve(c, cache, dst)?;
        pending.push((n, prop.clone(), dst_n));
    }
    Ok(())
}

struct SqliteImport<'a> {
    store: &'a SqliteStore,
    conn: MutexGuard<'a, Connection>,
    collection: Option<String>,
    summary: ImportSummary,
    cache: HashMap<String, i64>,
    /// `refs` rows not yet written (batched; flushed before anything reads or
    /// deletes refs, and at commit).
    pending_refs: Vec<(i64, String, i64)>,
    open: bool,
}

impl SqliteImport<'_> {
    fn add_inner(&mut self, p: &PreparedObject) -> Result<AddOutcome, StoreError> {
        let c: &Connection = &self.conn;
        let o = &p.object;
        let id = o.id().as_str();
        let ty = o.object_type();
        let vns = version_ns(&p.version);
        let tlp = p.tlp.map(tlp_rank);
        let revoked = p.revoked as i64;
        let strict_author = if p.tlp == Some(Tlp::AmberStrict) {
            o.created_by_ref()
        } else {
            None
        };
        let rel_type = p.relationship_type.as_deref();
        let added = self.store.next_added();

        // One lookup gives the id's number and the state of its latest version.
        let cur: Option<(i64, bool, i64, i64)> = c
            .prepare_cached(
                "SELECT n, type IS NOT NULL, first_ns, last_ns FROM latest WHERE id = ?1",
            )
            .map_err(be)?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()
            .map_err(be)?;
        let insert_object = |n: i64| -> Result<usize, StoreError> {
            c.prepare_cached(
                "INSERT INTO objects (seq, n, version_ns, type, spec_version, strict_author, revoked, tlp, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (n, version_ns) DO NOTHING",
            )
            .map_err(be)?
            .execute(params![added, n, vns, ty, o.spec_version(), strict_author, revoked, tlp, p.json])
            .map_err(be)
        };
        let (n, outcome) = match cur {
            None => {
                // A new id: its latest state is this version.
                c.prepare_cached(
                    "INSERT INTO latest (id, type, first_ns, last_ns, revoked, tlp, strict_author, rel_type)
                     VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(be)?
                .execute(params![id, ty, vns, revoked, tlp, strict_author, rel_type])
                .map_err(be)?;
                let n = c.last_insert_rowid();
                self.cache.insert(id.to_string(), n);
                insert_object(n)?;
                queue_refs(c, &mut self.cache, &mut self.pending_refs, n, &p.refs)?;
                (n, AddOutcome::Added)
            }
            Some((n, has_versions, first_ns, last_ns)) => {
                let mut outcome = AddOutcome::Added;
                if insert_object(n)? == 0 {
                    let old: String = c
                        .prepare_cached("SELECT json FROM objects WHERE n = ?1 AND version_ns = ?2")
                        .map_err(be)?
                        .query_row(params![n, vns], |r| r.get(0))
                        .map_err(be)?;
                    let same = old == p.json
                        || serde_json::from_str::<Value>(&old).ok().as_ref()
                            == Some(&Value::Object(o.properties().clone()));
                    if same {
                        outcome = AddOutcome::Unchanged;
                    } else if p.version.is_none() {
                        // Unversioned objects (SCOs) have one version: the latest content
                        // wins, re-added so that readers see it as new.
                        c.prepare_cached(
                            "UPDATE objects SET seq = ?3, type = ?4, spec_version = ?5, strict_author = ?6, revoked = ?7, tlp = ?8, json = ?9
                             WHERE n = ?1 AND version_ns = ?2",
                        )
                        .map_err(be)?
                        .execute(params![n, vns, added, ty, o.spec_version(), strict_author, revoked, tlp, p.json])
                        .map_err(be)?;
                        outcome = AddOutcome::Replaced;
                    } else {
                        return Err(StoreError::Conflict {
                            id: id.to_string(),
                            version: p
                                .version
                                .as_ref()
                                .map(|v| v.to_string())
                                .unwrap_or_default(),
                        });
                    }
                }
                if outcome != AddOutcome::Unchanged {
                    let becomes_latest =
                        !has_versions || outcome == AddOutcome::Replaced || vns >= last_ns;
                    let first = if has_versions { first_ns.min(vns) } else { vns };
                    if becomes_latest {
                        c.prepare_cached(
                            "UPDATE latest SET type = ?2, first_ns = ?3, last_ns = ?4, revoked = ?5, tlp = ?6, strict_author = ?7, rel_type = ?8
                             WHERE n = ?1",
                        )
                        .map_err(be)?
                        .execute(params![n, ty, first, vns, revoked, tlp, strict_author, rel_type])
                        .map_err(be)?;
                        if has_versions {
                            insert_refs_rows(c, &self.pending_refs)?;
                            self.pending_refs.clear();
                            c.prepare_cached("DELETE FROM refs WHERE src_n = ?1")
                                .map_err(be)?
                                .execute([n])
                                .map_err(be)?;
                        }
                        queue_refs(c, &mut self.cache, &mut self.pending_refs, n, &p.refs)?;
                    } else if first != first_ns {
                        c.prepare_cached("UPDATE latest SET first_ns = ?2 WHERE n = ?1")
                            .map_err(be)?
                            .execute(params![n, first])
                            .map_err(be)?;
                    }
                }
                (n, outcome)
            }
        };

        if let Some(coll) = &self.collection {
            let inserted = c
                .prepare_cached(
                    "INSERT INTO collection_objects (cseq, collection, n, version_ns) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (collection, n, version_ns) DO NOTHING",
                )
                .map_err(be)?
                .execute(params![added, coll, n, vns])
                .map_err(be)?;
            if inserted == 0 && outcome == AddOutcome::Replaced {
                c.prepare_cached(
                    "UPDATE collection_objects SET cseq = ?3 WHERE collection = ?1 AND n = ?2",
                )
                .map_err(be)?
                .execute(params![coll, n, added])
                .map_err(be)?;
            }
        }
        Ok(outcome)
    }
}

/// Rows per multi-row INSERT of new objects (9 parameters each).
const NEW_BATCH: usize = 64;

impl SqliteImport<'_> {
    fn count(&mut self, r: AddOutcome) {
        match r {
            AddOutcome::Added => self.summary.added += 1,
            AddOutcome::Unchanged => self.summary.unchanged += 1,
            AddOutcome::Replaced => self.summary.replaced += 1,
        }
    }

    fn flush_refs_if_large(&mut self) -> Result<(), StoreError> {
        if self.pending_refs.len() >= 4 * REFS_BATCH {
            insert_refs_rows(&self.conn, &self.pending_refs)?;
            self.pending_refs.clear();
        }
        Ok(())
    }

    /// Writes objects whose ids are not stored yet (and distinct): their `latest`
    /// rows and versions with multi-row INSERTs, numbered from the current maximum.
    fn add_new(&mut self, objs: &[&PreparedObject]) -> Result<(), StoreError> {
        let c: &Connection = &self.conn;
        let latest_sql = |k: usize| {
            format!(
                "INSERT INTO latest (n, id, type, first_ns, last_ns, revoked, tlp, strict_author, rel_type) VALUES {}",
                vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; k].join(", ")
            )
        };
        let objects_sql = |k: usize| {
            format!(
                "INSERT INTO objects (seq, n, version_ns, type, spec_version, strict_author, revoked, tlp, json) VALUES {}",
                vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; k].join(", ")
            )
        };
        let mut next_n: i64 = c
            .query_row("SELECT COALESCE(MAX(n), 0) + 1 FROM latest", [], |r| {
                r.get(0)
            })
            .map_err(be)?;
        let mut all_ns = Vec::with_capacity(objs.len());
        for chunk in objs.chunks(NEW_BATCH) {
            let mut ns = Vec::with_capacity(chunk.len());
            {
                let mut st = c.prepare_cached(&latest_sql(chunk.len())).map_err(be)?;
                let mut i = 1;
                for p in chunk {
                    let vns = version_ns(&p.version);
                    let strict = if p.tlp == Some(Tlp::AmberStrict) {
                        p.object.created_by_ref()
                    } else {
                        None
                    };
                    st.raw_bind_parameter(i, next_n).map_err(be)?;
                    st.raw_bind_parameter(i + 1, p.object.id().as_str())
                        .map_err(be)?;
                    st.raw_bind_parameter(i + 2, p.object.object_type())
                        .map_err(be)?;
                    st.raw_bind_parameter(i + 3, vns).map_err(be)?;
                    st.raw_bind_parameter(i + 4, vns).map_err(be)?;
                    st.raw_bind_parameter(i + 5, p.revoked as i64).map_err(be)?;
                    st.raw_bind_parameter(i + 6, p.tlp.map(tlp_rank))
                        .map_err(be)?;
                    st.raw_bind_parameter(i + 7, strict).map_err(be)?;
                    st.raw_bind_parameter(i + 8, p.relationship_type.as_deref())
                        .map_err(be)?;
                    ns.push(next_n);
                    next_n += 1;
                    i += 9;
                }
                st.raw_execute().map_err(be)?;
            }
            {
                let mut st = c.prepare_cached(&objects_sql(chunk.len())).map_err(be)?;
                let mut i = 1;
                for (p, n) in chunk.iter().zip(&ns) {
                    let strict = if p.tlp == Some(Tlp::AmberStrict) {
                        p.object.created_by_ref()
                    } else {
                        None
                    };
                    st.raw_bind_parameter(i, self.store.next_added())
                        .map_err(be)?;
                    st.raw_bind_parameter(i + 1, *n).map_err(be)?;
                    st.raw_bind_parameter(i + 2, version_ns(&p.version))
                        .map_err(be)?;
                    st.raw_bind_parameter(i + 3, p.object.object_type())
                        .map_err(be)?;
                    st.raw_bind_parameter(i + 4, p.object.spec_version())
                        .map_err(be)?;
                    st.raw_bind_parameter(i + 5, strict).map_err(be)?;
                    st.raw_bind_parameter(i + 6, p.revoked as i64).map_err(be)?;
                    st.raw_bind_parameter(i + 7, p.tlp.map(tlp_rank))
                        .map_err(be)?;
                    st.raw_bind_parameter(i + 8, p.json.as_str()).map_err(be)?;
                    i += 9;
                }
                st.raw_execute().map_err(be)?;
            }
            for (p, n) in chunk.iter().zip(&ns) {
                if self.cache.len() >= 100_000 {
                    self.cache.clear();
                }
                self.cache.insert(p.object.id().to_string(), *n);
            }
            all_ns.extend_from_slice(&ns);
            if let Some(coll) = self.collection.clone() {
                for (p, n) in chunk.iter().zip(&ns) {
                    c.prepare_cached("INSERT INTO collection_objects (cseq, collection, n, version_ns) VALUES (?1, ?2, ?3, ?4)")
                        .map_err(be)?
                        .execute(params![self.store.next_added(), coll, n, version_ns(&p.version)])
                        .map_err(be)?;
                }
            }
        }
        // References last: resolving them may add placeholder rows for ids not yet
        // stored, which must not take the numbers or ids assigned above.
        for (p, n) in objs.iter().zip(&all_ns) {
            queue_refs(c, &mut self.cache, &mut self.pending_refs, *n, &p.refs)?;
        }
        self.summary.added += objs.len();
        self.flush_refs_if_large()
    }
}

impl ImportTx for SqliteImport<'_> {
    fn record_taxii(
        &mut self,
        statuses: &[store::taxii::StatusRecord],
        audit: &[store::taxii::AuditEvent],
    ) -> Result<bool, StoreError> {
        taxii::record_in(&self.conn, statuses, audit)?;
        Ok(true)
    }

    fn add_prepared(&mut self, object: &PreparedObject) -> Result<AddOutcome, StoreError> {
        let r = self.add_inner(object)?;
        self.flush_refs_if_large()?;
        self.count(r);
        Ok(r)
    }

    fn add_batch(
        &mut self,
        objects: &[PreparedObject],
    ) -> Result<Vec<Result<AddOutcome, StoreError>>, StoreError> {
        // Which ids are stored (or referenced) already: one query per 500 ids.
        let mut known: std::collections::HashSet<String> = std::collections::HashSet::new();
        for chunk in objects.chunks(500) {
            let sql = format!(
                "SELECT id FROM latest WHERE id IN ({})",
                vec!["?"; chunk.len()].join(",")
            );
            let mut st = self.conn.prepare_cached(&sql).map_err(be)?;
            let ids = chunk.iter().map(|p| p.object.id().as_str());
            let rows = st
                .query_map(params_from_iter(ids), |r| r.get::<_, String>(0))
                .map_err(be)?;
            for id in rows {
                known.insert(id.map_err(be)?);
            }
        }
        // Runs of objects with new, distinct ids take the fast path; the others go
        // one by one, in order.
        let mut out = Vec::with_capacity(objects.len());
        let mut run: Vec<&PreparedObject> = Vec::new();
        for p in objects {
            let id = p.object.id().as_str();
            if !known.contains(id) {
                known.insert(id.to_string());
                run.push(p);
                out.push(Ok(AddOutcome::Added));
                continue;
            }
            if !run.is_empty() {
                self.add_new(&std::mem::take(&mut run))?;
            }
            match self.add_inner(p) {
                Ok(r) => {
                    self.count(r);
                    out.push(Ok(r));
                }
                Err(e @ StoreError::Conflict { .. }) => out.push(Err(e)),
                Err(e) => return Err(e),
            }
            self.flush_refs_if_large()?;
        }
        if !run.is_empty() {
            self.add_new(&run)?;
        }
        Ok(out)
    }

    fn commit(mut self: Box<Self>) -> Result<ImportSummary, StoreError> {
        insert_refs_rows(&self.conn, &self.pending_refs)?;
        self.pending_refs.clear();
        self.conn.execute_batch("COMMIT").map_err(be)?;
        self.open = false;
        Ok(self.summary)
    }
}

impl Drop for SqliteImport<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Builds a statement and its arguments together.
struct Sql {
    text: String,
    args: Vec<Box<dyn ToSql>>,
}

impl Sql {
    fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    fn arg(&mut self, v: impl ToSql + 'static) -> String {
        self.args.push(Box::new(v));
        format!("?{}", self.args.len())
    }
    fn list(&mut self, col: &str, vals: &[String]) {
        let ph: Vec<String> = vals.iter().map(|v| self.arg(v.clone())).collect();
        self.text
            .push_str(&format!(" AND {col} IN ({})", ph.join(",")));
    }
}

fn visibility_clause(sql: &mut Sql, vis: &Visibility, tlp_col: &str, by_col: &str) {
    let Some(max) = vis.max_tlp else { return };
    let r = sql.arg(tlp_rank(max));
    sql.push(&format!(" AND ({tlp_col} IS NULL OR {tlp_col} <= {r})"));
    let orgs: Vec<String> = vis
        .organization_refs
        .iter()
        .map(|o| sql.arg(o.clone()))
        .collect();
    let strict = tlp_rank(Tlp::AmberStrict);
    if orgs.is_empty() {
        sql.push(&format!(
            " AND ({tlp_col} IS NULL OR {tlp_col} != {strict})"
        ));
    } else {
        sql.push(&format!(
            " AND ({tlp_col} IS NULL OR {tlp_col} != {strict} OR {by_col} IN ({}))",
            orgs.join(",")
        ));
    }
}

/// `versions` over `o` (objects) and `l` (latest), or `c` (collection_objects).
fn version_clause(sql: &mut Sql, versions: &[VersionSpec], collection: bool) {
    let versions: Vec<VersionSpec> = if versions.is_empty() {
        vec![VersionSpec::Last]
    } else {
        versions.to_vec()
    };
    if versions.contains(&VersionSpec::All) {
        return;
    }
    let mut parts = Vec::new();
    for v in &versions {
        match v {
            VersionSpec::Last if collection => parts.push(
                "c.version_ns = (SELECT MAX(c2.version_ns) FROM collection_objects c2 WHERE c2.collection = c.collection AND c2.n = c.n)"
                    .to_string(),
            ),
            VersionSpec::First if collection => parts.push(
                "c.version_ns = (SELECT MIN(c2.version_ns) FROM collection_objects c2 WHERE c2.collection = c.collection AND c2.n = c.n)"
                    .to_string(),
            ),
            VersionSpec::Last => parts.push("o.version_ns = l.last_ns".to_string()),
            VersionSpec::First => parts.push("o.version_ns = l.first_ns".to_string()),
            VersionSpec::At(t) => {
                let p = sql.arg(version_ns(&Some(t.clone())));
                parts.push(format!("o.version_ns = {p}"));
            }
            VersionSpec::All => {}
        }
    }
    sql.push(&format!(" AND ({})", parts.join(" OR ")));
}

fn parse_cursor(s: &str) -> Result<i64, StoreError> {
    s.strip_prefix('s')
        .and_then(|h| i64::from_str_radix(h, 16).ok())
        .ok_or_else(|| {
            StoreError::InvalidQuery(format!("'{s}' is not a cursor this server issued"))
        })
}

fn row_to_stored(seq: i64, json: &str) -> Result<StoredObject, StoreError> {
    let object = StixObject::from_json(json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let version = object.version();
    Ok(StoredObject {
        object,
        date_added: Timestamp::from_unix_micros(seq),
        version,
        seq,
    })
}

fn type_of_id(id: &str) -> String {
    id.split("--").next().unwrap_or("").to_string()
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn begin_import(&self, opts: &ImportOptions) -> Result<Box<dyn ImportTx + '_>, StoreError> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.set_prepared_statement_cache_capacity(256);
        conn.execute_batch("BEGIN IMMEDIATE").map_err(be)?;
        let mut tx = SqliteImport {
            store: self,
            conn,
            collection: opts.collection.clone(),
            summary: ImportSummary::default(),
            cache: HashMap::new(),
            pending_refs: Vec::new(),
            open: true,
        };
        self.sync_clock(&tx.conn)?;
        tx.open = true;
        Ok(Box::new(tx))
    }

    fn query(&self, q: &Query) -> Result<Page, StoreError> {
        let (rows, next, more) = self.query_rows(q, |seq, json, _, _| row_to_stored(seq, &json))?;
        Ok(Page {
            objects: rows.into_iter().map(|(_, o)| o).collect(),
            next,
            more,
        })
    }

    fn query_raw(&self, q: &Query) -> Result<RawPage, StoreError> {
        let (rows, next, more) = self.query_rows(q, |seq, json, id, version| {
            let version = match version {
                Some(v) => {
                    Some(Timestamp::parse(&v).map_err(|e| StoreError::Corrupt(e.to_string()))?)
                }
                None => None,
            };
            Ok(RawStored {
                id,
                json,
                date_added: Timestamp::from_unix_micros(seq),
                version,
                seq,
            })
        })?;
        Ok(RawPage {
            objects: rows.into_iter().map(|(_, o)| o).collect(),
            next,
            more,
        })
    }

    fn taxii(&self) -> Option<&dyn store::taxii::TaxiiStore> {
        Some(self)
    }

    fn related(&self, id: &str, q: &RelatedQuery) -> Result<Vec<Edge>, StoreError> {
        self.with_reader(|c| {
            let mut edges = Vec::new();
            let visible = |tlp: Option<i64>, by: Option<String>| q.visibility.allows(rank_tlp(tlp), by.as_deref());
            // The object itself must be stored and visible, or nothing about it is revealed.
            let me: Option<(i64, String, Option<i64>, Option<String>)> = c
                .prepare_cached("SELECT n, type, tlp, strict_author FROM latest WHERE id = ?1 AND type IS NOT NULL")
                .map_err(be)?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()
                .map_err(be)?;
            let Some((n, my_type, tlp, by)) = me else { return Ok(edges) };
            if !visible(tlp, by) {
                return Ok(edges);
            }
            let dirs: &[(Direction, &str, &str)] = match q.direction {
                Direction::Outgoing => &[(Direction::Outgoing, "source_ref", "target_ref")],
                Direction::Incoming => &[(Direction::Incoming, "target_ref", "source_ref")],
                Direction::Both => &[
                    (Direction::Outgoing, "source_ref", "target_ref"),
                    (Direction::Incoming, "target_ref", "source_ref"),
                ],
            };
            // Relationship objects: X <-source_ref- R -target_ref-> Y.
            let mut st = c
                .prepare_cached(
                    "SELECT lr.id, lr.rel_type, lr.revoked, lr.tlp, lr.strict_author, lo.id, lo.type, lo.revoked, lo.tlp, lo.strict_author
                     FROM refs r1
                     JOIN latest lr ON lr.n = r1.src_n
                     JOIN refs r2 ON r2.src_n = r1.src_n AND r2.prop = ?3
                     JOIN latest lo ON lo.n = r2.dst_n
                     WHERE r1.dst_n = ?1 AND r1.prop = ?2 AND lr.type = 'relationship'",
                )
                .map_err(be)?;
            for (dir, mine, other) in dirs {
                let mut rows = st.query(params![n, mine, other]).map_err(be)?;
                while let Some(r) = rows.next().map_err(be)? {
                    let rel_id: String = r.get(0).map_err(be)?;
                    let label: String = r.get::<_, Option<String>>(1).map_err(be)?.unwrap_or_default();
                    let rel_revoked: i64 = r.get(2).map_err(be)?;
                    let other_id: String = r.get(5).map_err(be)?;
                    let other_type: Option<String> = r.get(6).map_err(be)?;
                    let other_revoked: i64 = r.get(7).map_err(be)?;
                    if !q.include_revoked && (rel_revoked != 0 || other_revoked != 0) {
                        continue;
                    }
                    if !visible(r.get(3).map_err(be)?, r.get(4).map_err(be)?)
                        || !visible(r.get(8).map_err(be)?, r.get(9).map_err(be)?)
                    {
                        continue;
                    }
                    let other_type = other_type.unwrap_or_else(|| type_of_id(&other_id));
                    if !q.relationship_types.is_empty() && !q.relationship_types.contains(&label) {
                        continue;
                    }
                    if !q.other_types.is_empty() && !q.other_types.contains(&other_type) {
                        continue;
                    }
                    edges.push(Edge {
                        direction: *dir,
                        relationship_id: Some(rel_id),
                        label,
                        other_id,
                        other_type,
                    });
                }
            }
            if !q.include_embedded || !q.relationship_types.is_empty() {
                return Ok(edges);
            }
            let mut embedded = |dir: Direction, sql: &str| -> Result<(), StoreError> {
                let mut st = c.prepare_cached(sql).map_err(be)?;
                let mut rows = st.query([n]).map_err(be)?;
                while let Some(r) = rows.next().map_err(be)? {
                    let prop: String = r.get(0).map_err(be)?;
                    let other_id: String = r.get(1).map_err(be)?;
                    let other_type: Option<String> = r.get(2).map_err(be)?;
                    let revoked: i64 = r.get(3).map_err(be)?;
                    if !q.include_revoked && revoked != 0 {
                        continue;
                    }
                    if !visible(r.get(4).map_err(be)?, r.get(5).map_err(be)?) {
                        continue;
                    }
                    let other_type = other_type.unwrap_or_else(|| type_of_id(&other_id));
                    if !q.other_types.is_empty() && !q.other_types.contains(&other_type) {
                        continue;
                    }
                    edges.push(Edge {
                        direction: dir,
                        relationship_id: None,
                        label: prop,
                        other_id,
                        other_type,
                    });
                }
                Ok(())
            };
            if q.direction != Direction::Incoming && my_type != "relationship" {
                embedded(
                    Direction::Outgoing,
                    "SELECT r.prop, lo.id, lo.type, lo.revoked, lo.tlp, lo.strict_author FROM refs r
                     JOIN latest lo ON lo.n = r.dst_n WHERE r.src_n = ?1",
                )?;
            }
            if q.direction != Direction::Outgoing {
                embedded(
                    Direction::Incoming,
                    "SELECT r.prop, ls.id, ls.type, ls.revoked, ls.tlp, ls.strict_author FROM refs r
                     JOIN latest ls ON ls.n = r.src_n WHERE r.dst_n = ?1 AND ls.type != 'relationship'",
                )?;
            }
            Ok(edges)
        })
    }

    fn delete(
        &self,
        collection: Option<&str>,
        id: &str,
        versions: &[VersionSpec],
    ) -> Result<usize, StoreError> {
        let all = if versions.is_empty() {
            vec![VersionSpec::All]
        } else {
            versions.to_vec()
        };
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let c = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(be)?;
        let n: Option<i64> = c
            .query_row("SELECT n FROM latest WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(be)?;
        let Some(n) = n else { return Ok(0) };
        let mut sql;
        if let Some(coll) = collection {
            sql = Sql::new("DELETE FROM collection_objects WHERE cseq IN (SELECT c.cseq FROM collection_objects c JOIN objects o ON o.n = c.n AND o.version_ns = c.version_ns JOIN latest l ON l.n = c.n WHERE ");
            let p = sql.arg(coll.to_string());
            let i = sql.arg(n);
            sql.push(&format!("c.collection = {p} AND c.n = {i}"));
            version_clause(&mut sql, &all, true);
        } else {
            sql = Sql::new("DELETE FROM objects WHERE seq IN (SELECT o.seq FROM objects o JOIN latest l ON l.n = o.n WHERE ");
            let i = sql.arg(n);
            sql.push(&format!("o.n = {i}"));
            version_clause(&mut sql, &all, false);
        }
        sql.push(")");
        let deleted = c
            .execute(&sql.text, params_from_iter(sql.args.iter()))
            .map_err(be)?;
        if collection.is_none() && deleted > 0 {
            refresh_latest(&c, n)?;
            c.execute(
                "DELETE FROM collection_objects WHERE n = ?1 AND version_ns NOT IN (SELECT version_ns FROM objects WHERE n = ?1)",
                [n],
            )
            .map_err(be)?;
        }
        c.commit().map_err(be)?;
        Ok(deleted)
    }

    fn check(&self) -> Result<Vec<String>, StoreError> {
        self.check_impl()
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        self.with_reader(|c| {
            let pairs = |sql: &str| -> Result<Vec<(String, u64)>, StoreError> {
                let mut q = c.prepare_cached(sql).map_err(be)?;
                let rows = q
                    .query_map([], |r| Ok((r.get::<_, Option<String>>(0)?.unwrap_or_default(), r.get::<_, i64>(1)? as u64)))
                    .map_err(be)?;
                rows.collect::<Result<_, _>>().map_err(be)
            };
            let count = |sql: &str| -> Result<u64, StoreError> {
                Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0)).map_err(be)? as u64)
            };
            let objects_by_type = pairs("SELECT type, COUNT(*) FROM latest WHERE type IS NOT NULL GROUP BY type ORDER BY type")?;
            Ok(Stats {
                objects: objects_by_type.iter().map(|(_, n)| n).sum(),
                objects_by_type,
                versions: count("SELECT COUNT(*) FROM objects")?,
                revoked: count("SELECT COUNT(*) FROM latest WHERE type IS NOT NULL AND revoked = 1")?,
                relationships_by_type: pairs(
                    "SELECT rel_type, COUNT(*) FROM latest WHERE type = 'relationship' AND revoked = 0 GROUP BY rel_type ORDER BY rel_type",
                )?,
                collections: pairs(
                    "SELECT collection, COUNT(DISTINCT n) FROM collection_objects GROUP BY collection ORDER BY collection",
                )?,
            })
        })
    }
}

impl SqliteStore {
    fn check_impl(&self) -> Result<Vec<String>, StoreError> {
        self.with_reader(|c| {
            let mut problems = Vec::new();
            let mut st = c.prepare("PRAGMA integrity_check").map_err(be)?;
            for row in st.query_map([], |r| r.get::<_, String>(0)).map_err(be)? {
                let row = row.map_err(be)?;
                if row != "ok" {
                    problems.push(format!("sqlite: {row}"));
                }
            }
            let checks = [
                (
                    "versions whose id has no row in latest",
                    "SELECT COUNT(*) FROM objects o LEFT JOIN latest l ON l.n = o.n WHERE l.n IS NULL OR l.type IS NULL",
                ),
                (
                    "ids whose first/last version disagrees with the stored versions",
                    "SELECT COUNT(*) FROM latest l JOIN (SELECT n, MIN(version_ns) AS lo, MAX(version_ns) AS hi FROM objects GROUP BY n) v ON v.n = l.n
                     WHERE l.first_ns != v.lo OR l.last_ns != v.hi",
                ),
                (
                    "ids marked stored without any version",
                    "SELECT COUNT(*) FROM latest l WHERE l.type IS NOT NULL AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.n = l.n)",
                ),
                (
                    "collection entries without the version they name",
                    "SELECT COUNT(*) FROM collection_objects c WHERE NOT EXISTS (SELECT 1 FROM objects o WHERE o.n = c.n AND o.version_ns = c.version_ns)",
                ),
            ];
            for (what, sql) in checks {
                let n: i64 = c.query_row(sql, [], |r| r.get(0)).map_err(be)?;
                if n > 0 {
                    problems.push(format!("{n} {what}"));
                }
            }
            Ok(problems)
        })
    }
}

/// Recomputes the `latest` row and `refs` of one id after versions were deleted.
fn refresh_latest(c: &Connection, n: i64) -> Result<(), StoreError> {
    c.execute("DELETE FROM refs WHERE src_n = ?1", [n])
        .map_err(be)?;
    let rows: Vec<(i64, String)> = c
        .prepare("SELECT version_ns, json FROM objects WHERE n = ?1 ORDER BY version_ns")
        .map_err(be)?
        .query_map([n], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(be)?
        .collect::<Result<_, _>>()
        .map_err(be)?;
    let (Some((first, _)), Some((last, json))) = (rows.first(), rows.last()) else {
        // No version left: the id stays as a placeholder (others may refer to it).
        c.execute(
            "UPDATE latest SET type = NULL, first_ns = 0, last_ns = 0, revoked = 0, tlp = NULL, strict_author = NULL, rel_type = NULL WHERE n = ?1",
            [n],
        )
        .map_err(be)?;
        return Ok(());
    };
    let o = StixObject::from_json(json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let p = PreparedObject::new(o);
    c.execute(
        "UPDATE latest SET type = ?2, first_ns = ?3, last_ns = ?4, revoked = ?5, tlp = ?6, strict_author = ?7, rel_type = ?8 WHERE n = ?1",
        params![
            n,
            p.object.object_type(),
            first,
            last,
            p.revoked as i64,
            p.tlp.map(tlp_rank),
            if p.tlp == Some(Tlp::AmberStrict) { p.object.created_by_ref() } else { None },
            p.relationship_type
        ],
    )
    .map_err(be)?;
    let mut rows = Vec::new();
    queue_refs(c, &mut HashMap::new(), &mut rows, n, &p.refs)?;
    insert_refs_rows(c, &rows)
}

#[cfg(test)]
mod tests;
