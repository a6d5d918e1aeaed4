//! The TAXII server's tables: users, tokens, groups, API roots, collections,
//! grants, status resources, the audit log and pull cursors (schema in migration 2).

use rusqlite::{params, Connection, OptionalExtension};
use stix::ext::Tlp;
use stix::Timestamp;
use store::taxii::*;
use store::StoreError;

use crate::{be, tlp_rank, SqliteStore};

/// Migration 2: the TAXII server's tables.
pub(crate) const MIGRATION: &str = "
    CREATE TABLE taxii_users (
        name TEXT PRIMARY KEY,
        clearance INTEGER NOT NULL,
        organization_refs TEXT NOT NULL,
        admin INTEGER NOT NULL,
        disabled INTEGER NOT NULL,
        password TEXT
    ) WITHOUT ROWID;
    CREATE TABLE taxii_tokens (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        label TEXT NOT NULL,
        created TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE
    );
    CREATE TABLE taxii_groups (name TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE taxii_members (
        grp TEXT NOT NULL,
        user TEXT NOT NULL,
        PRIMARY KEY (grp, user)
    ) WITHOUT ROWID;
    CREATE TABLE taxii_api_roots (
        name TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT,
        max_content_length INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE taxii_collections (
        id TEXT PRIMARY KEY,
        api_root TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT,
        alias TEXT,
        UNIQUE (api_root, alias)
    );
    CREATE TABLE taxii_grants (
        grp TEXT NOT NULL,
        collection TEXT NOT NULL,
        can_read INTEGER NOT NULL,
        can_write INTEGER NOT NULL,
        PRIMARY KEY (grp, collection)
    ) WITHOUT ROWID;
    CREATE TABLE taxii_status (
        id TEXT PRIMARY KEY,
        api_root TEXT NOT NULL,
        user TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE TABLE taxii_audit (
        seq INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        user TEXT,
        action TEXT NOT NULL,
        outcome TEXT NOT NULL,
        status INTEGER NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE TABLE taxii_pull_cursors (source TEXT PRIMARY KEY, added TEXT NOT NULL);
    -- TAXII pages of a collection walk it in addition order: without this index every
    -- page sorted the whole collection (O(n) per page instead of O(page)).
    CREATE INDEX collection_objects_seq ON collection_objects (collection, cseq);
";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, i64, String, i64, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_user(row: (String, i64, String, i64, i64)) -> Result<User, StoreError> {
    let (name, clearance, orgs, admin, disabled) = row;
    Ok(User {
        clearance: *Tlp::ALL
            .get(clearance as usize)
            .ok_or_else(|| corrupt("user clearance", clearance))?,
        organization_refs: serde_json::from_str(&orgs)
            .map_err(|e| corrupt("user organisations", e))?,
        admin: admin != 0,
        disabled: disabled != 0,
        name,
    })
}

const USER_COLS: &str = "name, clearance, organization_refs, admin, disabled";

fn exists(c: &Connection, sql: &str, key: &str) -> Result<bool, StoreError> {
    c.prepare_cached(sql).map_err(be)?.exists([key]).map_err(be)
}

fn parse_ts(s: &str) -> Result<Timestamp, StoreError> {
    Timestamp::parse(s).map_err(|e| corrupt("timestamp", e))
}

impl SqliteStore {
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(be)?;
        let out = f(&tx)?;
        tx.commit().map_err(be)?;
        Ok(out)
    }
}

/// Inserts status resources and audit events on a connection inside a transaction
/// (the store's own, or an import's: then they commit with its objects).
pub(crate) fn record_in(
    c: &Connection,
    statuses: &[StatusRecord],
    audit: &[AuditEvent],
) -> Result<(), StoreError> {
    let mut st = c
        .prepare_cached(
            "INSERT INTO taxii_status (id, api_root, user, body) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(be)?;
    for s in statuses {
        st.execute(params![s.id, s.api_root, s.user, s.body])
            .map_err(be)?;
    }
    let mut au = c
        .prepare_cached(
            "INSERT INTO taxii_audit (time, user, action, outcome, status, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(be)?;
    for e in audit {
        au.execute(params![
            e.time.as_str(),
            e.user,
            e.action,
            e.outcome,
            e.status,
            e.detail
        ])
        .map_err(be)?;
    }
    Ok(())
}

impl TaxiiStore for SqliteStore {
    fn put_user(&self, u: &User) -> Result<(), StoreError> {
        let orgs = serde_json::to_string(&u.organization_refs).map_err(|e| corrupt("user", e))?;
        self.write(|c| {
            c.execute(
                "INSERT INTO taxii_users (name, clearance, organization_refs, admin, disabled) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (name) DO UPDATE SET clearance = excluded.clearance, organization_refs = excluded.organization_refs,
                 admin = excluded.admin, disabled = excluded.disabled",
                params![u.name, tlp_rank(u.clearance), orgs, u.admin as i64, u.disabled as i64],
            )
            .map_err(be)?;
            Ok(())
        })
    }

    fn get_user(&self, name: &str) -> Result<Option<User>, StoreError> {
        self.with_reader(|c| {
            let row = c
                .prepare_cached(&format!(
                    "SELECT {USER_COLS} FROM taxii_users WHERE name = ?1"
                ))
                .map_err(be)?
                .query_row([name], user_from_row)
                .optional()
                .map_err(be)?;
            row.map(to_user).transpose()
        })
    }

    fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.with_reader(|c| {
            let rows = c
                .prepare_cached(&format!(
                    "SELECT {USER_COLS} FROM taxii_users ORDER BY name"
                ))
                .map_err(be)?
                .query_map([], user_from_row)
                .map_err(be)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(be)?;
            rows.into_iter().map(to_user).collect()
        })
    }

    fn delete_user(&self, name: &str) -> Result<bool, StoreError> {
        self.write(|c| {
            let n = c
                .execute("DELETE FROM taxii_users WHERE name = ?1", [name])
                .map_err(be)?;
            c.execute("DELETE FROM taxii_tokens WHERE user = ?1", [name])
                .map_err(be)?;
            c.execute("DELETE FROM taxii_members WHERE user = ?1", [name])
                .map_err(be)?;
            Ok(n > 0)
        })
    }

    fn set_password_hash(&self, user: &str, phc: &str) -> Result<(), StoreError> {
        self.write(|c| {
            let n = c
                .execute(
                    "UPDATE taxii_users SET password = ?2 WHERE name = ?1",
                    params![user, phc],
                )
                .map_err(be)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("user '{user}'")));
            }
            Ok(())
        })
    }

    fn password_hash(&self, user: &str) -> Result<Option<String>, StoreError> {
        self.with_reader(|c| {
            Ok(
                c.prepare_cached("SELECT password FROM taxii_users WHERE name = ?1")
                    .map_err(be)?
                    .query_row([user], |r| r.get::<_, Option<String>>(0))
                    .optional()
                    .map_err(be)?
                    .flatten(),
            )
        })
    }

    fn add_token(&self, info: &TokenInfo, hash: &str) -> Result<(), StoreError> {
        self.write(|c| {
            if !exists(c, "SELECT 1 FROM taxii_users WHERE name = ?1", &info.user)? {
                return Err(StoreError::NotFound(format!("user '{}'", info.user)));
            }
            c.execute(
                "INSERT INTO taxii_tokens (id, user, label, created, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![info.id, info.user, info.label, info.created.as_str(), hash],
            )
            .map_err(be)?;
            Ok(())
        })
    }

    fn token_user(&self, hash: &str) -> Result<Option<(User, String)>, StoreError> {
        self.with_reader(|c| {
            let row = c
                .prepare_cached(
                    "SELECT u.name, u.clearance, u.organization_refs, u.admin, u.disabled, t.id
                     FROM taxii_tokens t JOIN taxii_users u ON u.name = t.user WHERE t.hash = ?1",
                )
                .map_err(be)?
                .query_row([hash], |r| Ok((user_from_row(r)?, r.get::<_, String>(5)?)))
                .optional()
                .map_err(be)?;
            row.map(|(u, id)| Ok((to_user(u)?, id))).transpose()
        })
    }

    fn list_tokens(&self, user: Option<&str>) -> Result<Vec<TokenInfo>, StoreError> {
        self.with_reader(|c| {
            let rows = c
                .prepare_cached(
                    "SELECT id, user, label, created FROM taxii_tokens WHERE ?1 IS NULL OR user = ?1 ORDER BY user, created, id",
                )
                .map_err(be)?
                .query_map([user], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
                })
                .map_err(be)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(be)?;
            rows.into_iter()
                .map(|(id, user, label, created)| {
                    Ok(TokenInfo {
                        id,
                        user,
                        label,
                        created: parse_ts(&created)?,
                    })
                })
                .collect()
        })
    }

    fn revoke_token(&self, id: &str) -> Result<bool, StoreError> {
        self.write(|c| {
            Ok(c.execute("DELETE FROM taxii_tokens WHERE id = ?1", [id])
                .map_err(be)?
                > 0)
        })
    }

    fn add_group(&self, name: &str) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "INSERT INTO taxii_groups (name) VALUES (?1) ON CONFLICT DO NOTHING",
                [name],
            )
            .map_err(be)?;
            Ok(())
        })
    }

    fn list_groups(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        self.with_reader(|c| {
            let rows = c
                .prepare_cached(
                    "SELECT g.name, m.user FROM taxii_groups g LEFT JOIN taxii_members m ON m.grp = g.name ORDER BY g.name, m.user",
                )
                .map_err(be)?
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))
                .map_err(be)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(be)?;
            let mut out: Vec<(String, Vec<String>)> = Vec::new();
            for (g, u) in rows {
                if out.last().map(|l| &l.0) != Some(&g) {
                    out.push((g, Vec::new()));
                }
                if let (Some(u), Some(last)) = (u, out.last_mut()) {
                    last.1.push(u);
                }
            }
            Ok(out)
        })
    }

    fn add_member(&self, group: &str, user: &str) -> Result<(), StoreError> {
        self.write(|c| {
            if !exists(c, "SELECT 1 FROM taxii_groups WHERE name = ?1", group)? {
                return Err(StoreError::NotFound(format!("group '{group}'")));
            }
            if !exists(c, "SELECT 1 FROM taxii_users WHERE name = ?1", user)? {
                return Err(StoreError::NotFound(format!("user '{user}'")));
            }
            c.execute(
                "INSERT INTO taxii_members (grp, user) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![group, user],
            )
            .map_err(be)?;
            Ok(())
        })
    }

    fn remove_member(&self, group: &str, user: &str) -> Result<bool, StoreError> {
        self.write(|c| {
            Ok(c.execute(
                "DELETE FROM taxii_members WHERE grp = ?1 AND user = ?2",
                params![group, user],
            )
            .map_err(be)?
                > 0)
        })
    }

    fn groups_of(&self, user: &str) -> Result<Vec<String>, StoreError> {
        self.with_reader(|c| {
            c.prepare_cached("SELECT grp FROM taxii_members WHERE user = ?1 ORDER BY grp")
                .map_err(be)?
                .query_map([user], |r| r.get(0))
                .map_err(be)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(be)
        })
    }

    fn put_api_root(&self, root: &ApiRoot) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "INSERT INTO taxii_api_roots (name, title, description, max_content_length) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET title = excluded.title, description = excluded.description,
                 max_content_length = excluded.max_content_length",
                params![root.name, root.title, root.description, root.max_content_length as i64],
            )
            .map_err(be)?;
            Ok(())
        })
    }

    fn list_api_roots(&self) -> Result<Vec<ApiRoot>, StoreError> {
        self.with_reader(|c| {
            c.prepare_cached("SELECT name, title, description, max_content_length FROM taxii_api_roots ORDER BY name")
                .map_err(be)?
                .query_map([], |r| {
                    Ok(ApiRoot {
                        name: r.get(0)?,
                        title: r.get(1)?,
                        description: r.get(2)?,
                        max_content_length: r.get::<_, i64>(3)?.max(0) as u64,
                    })
                })
                .map_err(be)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(be)
        })
    }

    fn put_collection(&self, col: &Collection) -> Result<(), StoreError> {
        self.write(|c| {
            if !exists(c, "SELECT 1 FROM taxii_api_roots WHERE name = ?1", &col.api_root)? {
                return Err(StoreError::InvalidQuery(format!("API root '{}' does not exist", col.api_root)));
            }
            if let Some(alias) = &col.alias {
                let taken: Option<String> = c
                    .query_row(
                        "SELECT id FROM taxii_collections WHERE api_root = ?1 AND alias = ?2 AND id != ?3",
                        params![col.api_root, alias, col.id],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(be)?;
                if let Some(other) = taken {
                    return Err(StoreError::InvalidQuery(format!(
                        "alias '{alias}' is already used by collection {other} in API root '{}'",
                        col.api_root
                    )));
                }
            }
            c.execute(
                "INSERT INTO taxii_collections (id, api_root, title, description, alias) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET api_root = excluded.api_root, title = excluded.title,
                 description = excluded.description, alias = excluded.alias",
                params![col.id, col.api_root, col.title, col.description, col.alias],
            )
            .map_err(be)?;
            Ok(())
        })
    }

    fn list_collections(&self, api_root: Option<&str>) -> Result<Vec<Collection>, StoreError> {
        self.with_reader(|c| {
            c.prepare_cached(
                "SELECT id, api_root, title, description, alias FROM taxii_collections WHERE ?1 IS NULL OR api_root = ?1 ORDER BY api_root, id",
            )
            .map_err(be)?
            .query_map([api_root], |r| {
                Ok(Collection {
                    id: r.get(0)?,
                    api_root: r.get(1)?,
                    title: r.get(2)?,
                    description: r.get(3)?,
                    alias: r.get(4)?,
                })
            })
            .map_err(be)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(be)
        })
    }

    fn grant(&self, g: &Grant) -> Result<(), StoreError> {
        self.write(|c| {
            if !exists(c, "SELECT 1 FROM taxii_groups WHERE name = ?1", &g.group)? {
                return Err(StoreError::NotFound(format!("group '{}'", g.group)));
            }
            if !exists(c, "SELECT 1 FROM taxii_collections WHERE id = ?1", &g.collection)? {
                return Err(StoreError::NotFound(format!("collection '{}'", g.collection)));
            }
            if !g.read && !g.write {
                c.execute(
                    "DELETE FROM taxii_grants WHERE grp = ?1 AND collection = ?2",
                    params![g.group, g.collection],
                )
                .map_err(be)?;
            } else {
                c.execute(
                    "INSERT INTO taxii_grants (grp, collection, can_read, can_write) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (grp, collection) DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write",
                    params![g.group, g.collection, g.read as i64, g.write as i64],
                )
                .map_err(be)?;
            }
            Ok(())
        })
    }

    fn list_grants(&self) -> Result<Vec<Grant>, StoreError> {
        self.with_reader(|c| {
            c.prepare_cached("SELECT grp, collection, can_read, can_write FROM taxii_grants ORDER BY collection, grp")
                .map_err(be)?
                .query_map([], |r| {
                    Ok(Grant {
                        group: r.get(0)?,
                        collection: r.get(1)?,
                        read: r.get::<_, i64>(2)? != 0,
                        write: r.get::<_, i64>(3)? != 0,
                    })
                })
                .map_err(be)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(be)
        })
    }

    fn rights_of(&self, user: &str) -> Result<Vec<(String, bool, bool)>, StoreError> {
        self.with_reader(|c| {
            c.prepare_cached(
                "SELECT g.collection, MAX(g.can_read), MAX(g.can_write) FROM taxii_members m
                 JOIN taxii_grants g ON g.grp = m.grp WHERE m.user = ?1 GROUP BY g.collection ORDER BY g.collection",
            )
            .map_err(be)?
            .query_map([user], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0, r.get::<_, i64>(2)? != 0)))
            .map_err(be)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(be)
        })
    }

    fn record(&self, statuses: &[StatusRecord], audit: &[AuditEvent]) -> Result<(), StoreError> {
        if statuses.is_empty() && audit.is_empty() {
            return Ok(());
        }
        self.write(|c| record_in(c, statuses, audit))
    }

    fn get_status(&self, id: &str) -> Result<Option<StatusRecord>, StoreError> {
        self.with_reader(|c| {
            c.prepare_cached("SELECT id, api_root, user, body FROM taxii_status WHERE id = ?1")
                .map_err(be)?
                .query_row([id], |r| {
                    Ok(StatusRecord {
                        id: r.get(0)?,
                        api_root: r.get(1)?,
                        user: r.get(2)?,
                        body: r.get(3)?,
                    })
                })
                .optional()
                .map_err(be)
        })
    }

    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
        self.with_reader(|c| {
            let rows = c
                .prepare_cached(
                    "SELECT time, user, action, outcome, status, detail FROM
                     (SELECT * FROM taxii_audit ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
                )
                .map_err(be)?
                .query_map([limit as i64], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, u16>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                })
                .map_err(be)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(be)?;
            rows.into_iter()
                .map(|(time, user, action, outcome, status, detail)| {
                    Ok(AuditEvent {
                        time: parse_ts(&time)?,
                        user,
                        action,
                        outcome,
                        status,
                        detail,
                    })
                })
                .collect()
        })
    }

    fn pull_cursor(&self, source: &str) -> Result<Option<Timestamp>, StoreError> {
        self.with_reader(|c| {
            c.prepare_cached("SELECT added FROM taxii_pull_cursors WHERE source = ?1")
                .map_err(be)?
                .query_row([source], |r| r.get::<_, String>(0))
                .optional()
                .map_err(be)?
                .map(|s| parse_ts(&s))
                .transpose()
        })
    }

    fn set_pull_cursor(&self, source: &str, added: &Timestamp) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "INSERT INTO taxii_pull_cursors (source, added) VALUES (?1, ?2)
                 ON CONFLICT (source) DO UPDATE SET added = excluded.added",
                params![source, added.as_str()],
            )
            .map_err(be)?;
            Ok(())
        })
    }
}
