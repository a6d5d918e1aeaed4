//! The embedded SQLite backend: one database file in WAL mode, one writer
//! connection and a small pool of readers.
//!
//! Tables: `objects` (every version: seq = addition order, JSON text, the columns
//! queries filter on), `latest` (per id: first/last version, revocation, TLP and
//! relationship type of the latest version), `refs` (the `*_ref(s)` of each
//! object's latest version, for traversal) and `collection_objects` (TAXII
//! collection membership with its own addition order).
//!
//! **Architecture invariant:** this is the only crate that knows SQLite; every
//! write happens inside one transaction per import, so a process killed at any
//! moment leaves the previous consistent state.

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
    "CREATE TABLE objects (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        version TEXT NOT NULL,
        version_ns INTEGER NOT NULL,
        spec_version TEXT,
        created_by_ref TEXT,
        revoked INTEGER NOT NULL,
        tlp INTEGER,
        added_us INTEGER NOT NULL,
        json TEXT NOT NULL,
        UNIQUE (id, version)
    );
    CREATE INDEX objects_type ON objects (type, seq);
    CREATE INDEX objects_added ON objects (added_us);
    CREATE TABLE latest (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        first_ns INTEGER NOT NULL,
        last_ns INTEGER NOT NULL,
        revoked INTEGER NOT NULL,
        tlp INTEGER,
        created_by_ref TEXT,
        rel_type TEXT
    ) WITHOUT ROWID;
    CREATE INDEX latest_type ON latest (type);
    CREATE TABLE refs (
        src_id TEXT NOT NULL,
        src_type TEXT NOT NULL,
        prop TEXT NOT NULL,
        dst_id TEXT NOT NULL
    );
    CREATE INDEX refs_src ON refs (src_id);
    CREATE INDEX refs_dst ON refs (dst_id);
    CREATE TABLE collection_objects (
        cseq INTEGER PRIMARY KEY,
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        version TEXT NOT NULL,
        version_ns INTEGER NOT NULL,
        added_us INTEGER NOT NULL,
        UNIQUE (collection, id, version)
    );
    CREATE INDEX collection_objects_id ON collection_objects (collection, id, version_ns);",
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
    /// Last `added_us` handed out: additions get strictly increasing times so that
    /// `added_after` never splits a group of equal timestamps.
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
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = OFF;
         PRAGMA cache_size = -65536;
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
        let last: i64 = w
            .query_row(
                "SELECT MAX(m) FROM (SELECT MAX(added_us) AS m FROM objects UNION ALL SELECT MAX(added_us) FROM collection_objects)",
                [],
                |r| r.get::<_, Option<i64>>(0),
            )
            .map_err(be)?
            .unwrap_or(0);
        Ok(SqliteStore {
            path,
            writer: Mutex::new(w),
            readers: Mutex::new(Vec::new()),
            last_added: Mutex::new(last),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
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

    /// The rows of a query, each mapped by `map(seq, json, added_us, version, id)`;
    /// returns them with `next` and `more`.
    fn query_rows<T>(
        &self,
        q: &Query,
        map: impl Fn(i64, String, i64, String, String) -> Result<T, StoreError>,
    ) -> Result<Rows<T>, StoreError> {
        let mut sql = Sql {
            text: String::new(),
            args: Vec::new(),
        };
        let coll = q.collection.is_some();
        if let Some(c) = &q.collection {
            sql.push("SELECT c.cseq, o.json, c.added_us, o.version, o.id FROM collection_objects c JOIN objects o ON o.id = c.id AND o.version = c.version JOIN latest l ON l.id = c.id WHERE ");
            let p = sql.arg(c.clone());
            sql.push(&format!("c.collection = {p}"));
        } else {
            sql.push("SELECT o.seq, o.json, o.added_us, o.version, o.id FROM objects o JOIN latest l ON l.id = o.id WHERE 1 = 1");
        }
        let (seq_col, added_col) = if coll {
            ("c.cseq", "c.added_us")
        } else {
            ("o.seq", "o.added_us")
        };
        if !q.ids.is_empty() {
            sql.list("o.id", &q.ids);
        }
        if !q.types.is_empty() {
            sql.list("o.type", &q.types);
        }
        if !q.spec_versions.is_empty() {
            // Objects without spec_version (2.1 SCOs may omit it) count as 2.1.
            sql.list("COALESCE(o.spec_version, '2.1')", &q.spec_versions);
        }
        if let Some(t) = &q.added_after {
            let p = sql.arg(t.unix_micros());
            sql.push(&format!(" AND {added_col} > {p}"));
        }
        if let Some(n) = &q.next {
            let p = sql.arg(parse_cursor(n)?);
            sql.push(&format!(" AND {seq_col} > {p}"));
        }
        version_clause(&mut sql, &q.versions, coll);
        if q.revoked == Revoked::Exclude {
            sql.push(" AND l.revoked = 0");
        }
        visibility_clause(&mut sql, &q.visibility, "o.tlp", "o.created_by_ref");
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
                let added: i64 = r.get(2).map_err(be)?;
                let version: String = r.get(3).map_err(be)?;
                let id: String = r.get(4).map_err(be)?;
                out.push((seq, map(seq, json, added, version, id)?));
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

fn version_ns(t: &Option<Timestamp>) -> i64 {
    t.as_ref()
        .map(|t| t.unix_seconds() * 1_000_000_000 + t.subsec_nanos() as i64)
        .unwrap_or(0)
}

/// Properties not followed by traversal: markings say how to share, not what is related.
fn is_traversed_ref(path: &str) -> bool {
    !(path.starts_with("object_marking_refs") || path.starts_with("granular_markings"))
}

struct SqliteImport<'a> {
    store: &'a SqliteStore,
    conn: MutexGuard<'a, Connection>,
    collection: Option<String>,
    summary: ImportSummary,
    open: bool,
}

impl<'a> SqliteImport<'a> {
    fn add_inner(&mut self, o: &StixObject) -> Result<AddOutcome, StoreError> {
        let id = o.id().as_str();
        let ty = o.object_type();
        let version = o.version();
        let vtext = version.as_ref().map(|v| v.as_str()).unwrap_or("");
        let vns = version_ns(&version);
        let json = o.to_json();
        let tlp = store::tlp_of(o).map(tlp_rank);
        let revoked = o.revoked() as i64;
        let created_by = o.created_by_ref();
        let added = self.store.next_added();
        let c = &*self.conn;

        let inserted = c
            .prepare_cached(
                "INSERT INTO objects (id, type, version, version_ns, spec_version, created_by_ref, revoked, tlp, added_us, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id, version) DO NOTHING",
            )
            .map_err(be)?
            .execute(params![id, ty, vtext, vns, o.spec_version(), created_by, revoked, tlp, added, json])
            .map_err(be)?;
        let mut outcome = AddOutcome::Added;
        if inserted == 0 {
            let old: String = c
                .prepare_cached("SELECT json FROM objects WHERE id = ?1 AND version = ?2")
                .map_err(be)?
                .query_row(params![id, vtext], |r| r.get(0))
                .map_err(be)?;
            let same = old == json
                || serde_json::from_str::<Value>(&old).ok().as_ref()
                    == Some(&Value::Object(o.properties().clone()));
            if same {
                outcome = AddOutcome::Unchanged;
            } else if version.is_none() {
                // Unversioned objects (SCOs) have one version: the latest content wins,
                // re-added so that readers see it as new.
                c.prepare_cached("DELETE FROM objects WHERE id = ?1 AND version = ''")
                    .map_err(be)?
                    .execute([id])
                    .map_err(be)?;
                c.prepare_cached(
                    "INSERT INTO objects (id, type, version, version_ns, spec_version, created_by_ref, revoked, tlp, added_us, json)
                     VALUES (?1, ?2, '', 0, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(be)?
                .execute(params![id, ty, o.spec_version(), created_by, revoked, tlp, added, json])
                .map_err(be)?;
                outcome = AddOutcome::Replaced;
            } else {
                return Err(StoreError::Conflict {
                    id: id.to_string(),
                    version: vtext.to_string(),
                });
            }
        }

        if outcome != AddOutcome::Unchanged {
            self.update_latest(
                o,
                vns,
                revoked,
                tlp,
                created_by,
                outcome == AddOutcome::Replaced,
            )?;
        }

        if let Some(coll) = &self.collection {
            let n = self
                .conn
                .prepare_cached(
                    "INSERT INTO collection_objects (collection, id, version, version_ns, added_us) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (collection, id, version) DO NOTHING",
                )
                .map_err(be)?
                .execute(params![coll, id, vtext, vns, added])
                .map_err(be)?;
            if n == 0 && outcome == AddOutcome::Replaced {
                self.conn
                    .prepare_cached("UPDATE collection_objects SET added_us = ?3, cseq = (SELECT MAX(cseq) + 1 FROM collection_objects) WHERE collection = ?1 AND id = ?2")
                    .map_err(be)?
                    .execute(params![coll, id, added])
                    .map_err(be)?;
            }
        }
        Ok(outcome)
    }

    fn update_latest(
        &self,
        o: &StixObject,
        vns: i64,
        revoked: i64,
        tlp: Option<i64>,
        created_by: Option<&str>,
        force: bool,
    ) -> Result<(), StoreError> {
        let c = &*self.conn;
        let id = o.id().as_str();
        let cur: Option<(i64, i64)> = c
            .prepare_cached("SELECT first_ns, last_ns FROM latest WHERE id = ?1")
            .map_err(be)?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(be)?;
        let rel_type = if o.object_type() == "relationship" {
            o.get_str("relationship_type")
        } else {
            None
        };
        let becomes_latest = match cur {
            None => true,
            Some((_, last)) => force || vns >= last,
        };
        match cur {
            None => {
                c.prepare_cached(
                    "INSERT INTO latest (id, type, first_ns, last_ns, revoked, tlp, created_by_ref, rel_type)
                     VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(be)?
                .execute(params![id, o.object_type(), vns, revoked, tlp, created_by, rel_type])
                .map_err(be)?;
            }
            Some((first, _)) if becomes_latest => {
                c.prepare_cached(
                    "UPDATE latest SET first_ns = ?2, last_ns = ?3, revoked = ?4, tlp = ?5, created_by_ref = ?6, rel_type = ?7 WHERE id = ?1",
                )
                .map_err(be)?
                .execute(params![id, first.min(vns), vns, revoked, tlp, created_by, rel_type])
                .map_err(be)?;
                c.prepare_cached("DELETE FROM refs WHERE src_id = ?1")
                    .map_err(be)?
                    .execute([id])
                    .map_err(be)?;
            }
            Some((first, _)) => {
                if vns < first {
                    c.prepare_cached("UPDATE latest SET first_ns = ?2 WHERE id = ?1")
                        .map_err(be)?
                        .execute(params![id, vns])
                        .map_err(be)?;
                }
            }
        }
        if becomes_latest {
            let mut ins = c
                .prepare_cached(
                    "INSERT INTO refs (src_id, src_type, prop, dst_id) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(be)?;
            for (path, dst) in o.references() {
                if !is_traversed_ref(&path) {
                    continue;
                }
                let prop = path.split(['[', '.']).next().unwrap_or(&path);
                ins.execute(params![id, o.object_type(), prop, dst])
                    .map_err(be)?;
            }
        }
        Ok(())
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

    fn add(&mut self, object: &StixObject) -> Result<AddOutcome, StoreError> {
        let r = self.add_inner(object)?;
        match r {
            AddOutcome::Added => self.summary.added += 1,
            AddOutcome::Unchanged => self.summary.unchanged += 1,
            AddOutcome::Replaced => self.summary.replaced += 1,
        }
        Ok(r)
    }

    fn commit(mut self: Box<Self>) -> Result<ImportSummary, StoreError> {
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

/// Builds the WHERE clause shared by queries and deletes.
struct Sql {
    text: String,
    args: Vec<Box<dyn ToSql>>,
}

impl Sql {
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
                "c.version_ns = (SELECT MAX(c2.version_ns) FROM collection_objects c2 WHERE c2.collection = c.collection AND c2.id = c.id)".to_string(),
            ),
            VersionSpec::First if collection => parts.push(
                "c.version_ns = (SELECT MIN(c2.version_ns) FROM collection_objects c2 WHERE c2.collection = c.collection AND c2.id = c.id)".to_string(),
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

fn row_to_stored(
    seq: i64,
    json: &str,
    added_us: i64,
    version: &str,
) -> Result<StoredObject, StoreError> {
    let object = StixObject::from_json(json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let version = if version.is_empty() {
        None
    } else {
        Some(Timestamp::parse(version).map_err(|e| StoreError::Corrupt(e.to_string()))?)
    };
    Ok(StoredObject {
        object,
        date_added: Timestamp::from_unix_micros(added_us),
        version,
        seq,
    })
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn begin_import(&self, opts: &ImportOptions) -> Result<Box<dyn ImportTx + '_>, StoreError> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute_batch("BEGIN IMMEDIATE").map_err(be)?;
        Ok(Box::new(SqliteImport {
            store: self,
            conn,
            collection: opts.collection.clone(),
            summary: ImportSummary::default(),
            open: true,
        }))
    }

    fn query(&self, q: &Query) -> Result<Page, StoreError> {
        let (rows, next, more) = self.query_rows(q, |seq, json, added, version, _| {
            row_to_stored(seq, &json, added, &version)
        })?;
        Ok(Page {
            objects: rows.into_iter().map(|(_, o)| o).collect(),
            next,
            more,
        })
    }

    fn query_raw(&self, q: &Query) -> Result<RawPage, StoreError> {
        let (rows, next, more) = self.query_rows(q, |seq, json, added, version, id| {
            Ok(RawStored {
                id,
                json,
                date_added: Timestamp::from_unix_micros(added),
                version: if version.is_empty() {
                    None
                } else {
                    Some(
                        Timestamp::parse(&version)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    )
                },
                seq,
            })
        })?;
        Ok(RawPage {
            objects: rows.into_iter().map(|(_, o)| o).collect(),
            next,
            more,
        })
    }

    fn related(&self, id: &str, q: &RelatedQuery) -> Result<Vec<Edge>, StoreError> {
        self.with_reader(|c| {
            let mut edges = Vec::new();
            let visible = |tlp: Option<i64>, by: Option<String>| {
                let t = tlp.map(|r| Tlp::ALL[r as usize]);
                q.visibility.allows(t, by.as_deref())
            };
            // The object itself must be visible, or nothing about it is revealed.
            let me: Option<(Option<i64>, Option<String>)> = c
                .prepare_cached("SELECT tlp, created_by_ref FROM latest WHERE id = ?1")
                .map_err(be)?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(be)?;
            match me {
                Some((t, by)) if visible(t, by.clone()) => {}
                _ => return Ok(edges),
            }
            let dirs: &[(Direction, &str, &str)] = match q.direction {
                Direction::Outgoing => &[(Direction::Outgoing, "source_ref", "target_ref")],
                Direction::Incoming => &[(Direction::Incoming, "target_ref", "source_ref")],
                Direction::Both => &[
                    (Direction::Outgoing, "source_ref", "target_ref"),
                    (Direction::Incoming, "target_ref", "source_ref"),
                ],
            };
            // Relationship objects: X --source_ref-- R --target_ref--> Y.
            let mut st = c
                .prepare_cached(
                    "SELECT r1.src_id, lr.rel_type, lr.revoked, lr.tlp, lr.created_by_ref, r2.dst_id, lo.type, lo.revoked, lo.tlp, lo.created_by_ref
                     FROM refs r1
                     JOIN refs r2 ON r2.src_id = r1.src_id AND r2.prop = ?3
                     JOIN latest lr ON lr.id = r1.src_id
                     LEFT JOIN latest lo ON lo.id = r2.dst_id
                     WHERE r1.dst_id = ?1 AND r1.prop = ?2 AND r1.src_type = 'relationship'",
                )
                .map_err(be)?;
            for (dir, mine, other) in dirs {
                let mut rows = st.query(params![id, mine, other]).map_err(be)?;
                while let Some(r) = rows.next().map_err(be)? {
                    let rel_id: String = r.get(0).map_err(be)?;
                    let rel_type: Option<String> = r.get(1).map_err(be)?;
                    let rel_revoked: i64 = r.get(2).map_err(be)?;
                    let other_id: String = r.get(5).map_err(be)?;
                    let other_type: Option<String> = r.get(6).map_err(be)?;
                    let other_revoked: Option<i64> = r.get(7).map_err(be)?;
                    if !q.include_revoked && (rel_revoked != 0 || other_revoked == Some(1)) {
                        continue;
                    }
                    if !visible(r.get(3).map_err(be)?, r.get(4).map_err(be)?) {
                        continue;
                    }
                    if other_type.is_some() && !visible(r.get(8).map_err(be)?, r.get(9).map_err(be)?) {
                        continue;
                    }
                    let label = rel_type.unwrap_or_default();
                    let other_type = other_type.unwrap_or_else(|| other_id.split("--").next().unwrap_or("").to_string());
                    if !q.relationship_types.is_empty() && !q.relationship_types.contains(&label) {
                        continue;
                    }
                    if !q.other_types.is_empty() && !q.other_types.contains(&other_type) {
                        continue;
                    }
                    edges.push(Edge { direction: *dir, relationship_id: Some(rel_id), label, other_id, other_type });
                }
            }
            if q.include_embedded && q.relationship_types.is_empty() {
                let want_out = q.direction != Direction::Incoming;
                let want_in = q.direction != Direction::Outgoing;
                let mut push = |dir: Direction, prop: String, other_id: String, other_type: Option<String>, revoked: Option<i64>, tlp: Option<i64>, by: Option<String>| {
                    if !q.include_revoked && revoked == Some(1) {
                        return;
                    }
                    if other_type.is_some() && !visible(tlp, by) {
                        return;
                    }
                    let other_type = other_type.unwrap_or_else(|| other_id.split("--").next().unwrap_or("").to_string());
                    if !q.other_types.is_empty() && !q.other_types.contains(&other_type) {
                        return;
                    }
                    edges.push(Edge { direction: dir, relationship_id: None, label: prop, other_id, other_type });
                };
                if want_out {
                    let mut st = c
                        .prepare_cached(
                            "SELECT r.prop, r.dst_id, lo.type, lo.revoked, lo.tlp, lo.created_by_ref FROM refs r
                             LEFT JOIN latest lo ON lo.id = r.dst_id
                             WHERE r.src_id = ?1 AND r.src_type != 'relationship'",
                        )
                        .map_err(be)?;
                    let mut rows = st.query([id]).map_err(be)?;
                    while let Some(r) = rows.next().map_err(be)? {
                        push(Direction::Outgoing, r.get(0).map_err(be)?, r.get(1).map_err(be)?, r.get(2).map_err(be)?, r.get(3).map_err(be)?, r.get(4).map_err(be)?, r.get(5).map_err(be)?);
                    }
                }
                if want_in {
                    let mut st = c
                        .prepare_cached(
                            "SELECT r.prop, r.src_id, lo.type, lo.revoked, lo.tlp, lo.created_by_ref FROM refs r
                             JOIN latest lo ON lo.id = r.src_id
                             WHERE r.dst_id = ?1 AND r.src_type != 'relationship'",
                        )
                        .map_err(be)?;
                    let mut rows = st.query([id]).map_err(be)?;
                    while let Some(r) = rows.next().map_err(be)? {
                        push(Direction::Incoming, r.get(0).map_err(be)?, r.get(1).map_err(be)?, r.get(2).map_err(be)?, r.get(3).map_err(be)?, r.get(4).map_err(be)?, r.get(5).map_err(be)?);
                    }
                }
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
        let n = {
            let mut sql = Sql {
                text: String::new(),
                args: Vec::new(),
            };
            if let Some(coll) = collection {
                let p = sql.arg(coll.to_string());
                let i = sql.arg(id.to_string());
                sql.push(&format!("DELETE FROM collection_objects WHERE cseq IN (SELECT c.cseq FROM collection_objects c JOIN objects o ON o.id = c.id AND o.version = c.version JOIN latest l ON l.id = c.id WHERE c.collection = {p} AND c.id = {i}"));
                version_clause(&mut sql, &all, true);
                sql.push(")");
            } else {
                let i = sql.arg(id.to_string());
                sql.push(&format!("DELETE FROM objects WHERE seq IN (SELECT o.seq FROM objects o JOIN latest l ON l.id = o.id WHERE o.id = {i}"));
                version_clause(&mut sql, &all, false);
                sql.push(")");
            }
            let n = c
                .execute(&sql.text, params_from_iter(sql.args.iter()))
                .map_err(be)?;
            if collection.is_none() && n > 0 {
                refresh_latest(&c, id)?;
                c.execute("DELETE FROM collection_objects WHERE id = ?1 AND version NOT IN (SELECT version FROM objects WHERE id = ?1)", [id])
                    .map_err(be)?;
            }
            n
        };
        c.commit().map_err(be)?;
        Ok(n)
    }

    fn taxii(&self) -> Option<&dyn store::taxii::TaxiiStore> {
        Some(self)
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        self.with_reader(|c| {
            let mut st = Stats::default();
            let mut q = c.prepare_cached("SELECT type, COUNT(*) FROM latest GROUP BY type ORDER BY type").map_err(be)?;
            st.objects_by_type = q
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))
                .map_err(be)?
                .collect::<Result<_, _>>()
                .map_err(be)?;
            st.objects = st.objects_by_type.iter().map(|(_, n)| n).sum();
            st.versions = c.query_row("SELECT COUNT(*) FROM objects", [], |r| r.get::<_, i64>(0)).map_err(be)? as u64;
            st.revoked = c.query_row("SELECT COUNT(*) FROM latest WHERE revoked = 1", [], |r| r.get::<_, i64>(0)).map_err(be)? as u64;
            let mut q = c
                .prepare_cached("SELECT rel_type, COUNT(*) FROM latest WHERE type = 'relationship' AND revoked = 0 GROUP BY rel_type ORDER BY rel_type")
                .map_err(be)?;
            st.relationships_by_type = q
                .query_map([], |r| Ok((r.get::<_, Option<String>>(0)?.unwrap_or_default(), r.get::<_, i64>(1)? as u64)))
                .map_err(be)?
                .collect::<Result<_, _>>()
                .map_err(be)?;
            let mut q = c
                .prepare_cached("SELECT collection, COUNT(DISTINCT id) FROM collection_objects GROUP BY collection ORDER BY collection")
                .map_err(be)?;
            st.collections = q
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))
                .map_err(be)?
                .collect::<Result<_, _>>()
                .map_err(be)?;
            Ok(st)
        })
    }
}

/// Recomputes `latest` and `refs` of one id after versions were deleted.
fn refresh_latest(c: &Connection, id: &str) -> Result<(), StoreError> {
    c.execute("DELETE FROM latest WHERE id = ?1", [id])
        .map_err(be)?;
    c.execute("DELETE FROM refs WHERE src_id = ?1", [id])
        .map_err(be)?;
    let rows: Vec<(i64, String)> = c
        .prepare("SELECT version_ns, json FROM objects WHERE id = ?1 ORDER BY version_ns")
        .map_err(be)?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(be)?
        .collect::<Result<_, _>>()
        .map_err(be)?;
    let (Some((first, _)), Some((last, json))) = (rows.first(), rows.last()) else {
        return Ok(());
    };
    let o = StixObject::from_json(json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let rel_type = (o.object_type() == "relationship")
        .then(|| o.get_str("relationship_type"))
        .flatten();
    c.execute(
        "INSERT INTO latest (id, type, first_ns, last_ns, revoked, tlp, created_by_ref, rel_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, o.object_type(), first, last, o.revoked() as i64, store::tlp_of(&o).map(tlp_rank), o.created_by_ref(), rel_type],
    )
    .map_err(be)?;
    for (path, dst) in o.references() {
        if is_traversed_ref(&path) {
            let prop = path.split(['[', '.']).next().unwrap_or(&path);
            c.execute(
                "INSERT INTO refs (src_id, src_type, prop, dst_id) VALUES (?1, ?2, ?3, ?4)",
                params![id, o.object_type(), prop, dst],
            )
            .map_err(be)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
