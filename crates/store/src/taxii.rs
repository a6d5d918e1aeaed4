//! What the TAXII server keeps besides STIX objects: users and their clearances,
//! groups, API tokens, API roots, collections and per-group rights on them, status
//! resources, the audit log and the TAXII client's pull cursors.
//!
//! Backend-neutral like the rest of this crate: secrets arrive already hashed
//! (argon2 PHC strings for passwords, a digest for tokens); nothing here hashes,
//! verifies or knows SQL.

use serde::{Deserialize, Serialize};
use stix::ext::Tlp;
use stix::Timestamp;

use crate::{StoreError, Visibility};

/// A TAXII user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    /// Highest TLP level the user may read.
    pub clearance: Tlp,
    /// Identity ids of the user's organisation (AMBER+STRICT objects created by one
    /// of these are visible at AMBER+STRICT clearance or above).
    pub organization_refs: Vec<String>,
    /// May read and write every collection (rights are not checked).
    pub admin: bool,
    pub disabled: bool,
}

impl User {
    /// A user with no rights and CLEAR clearance.
    pub fn new(name: &str) -> User {
        User {
            name: name.to_string(),
            clearance: Tlp::Clear,
            organization_refs: vec![],
            admin: false,
            disabled: false,
        }
    }

    /// What this user may see.
    pub fn visibility(&self) -> Visibility {
        Visibility::cleared(self.clearance, self.organization_refs.clone())
    }
}

/// An API token (the secret itself is never stored; `hash` is its digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Public identifier (shown in listings and the audit log, used to revoke).
    pub id: String,
    pub user: String,
    pub label: String,
    pub created: Timestamp,
}

/// A TAXII API root (served at `/taxii2/{name}/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiRoot {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    /// Largest accepted request body, in bytes.
    pub max_content_length: u64,
}

/// A TAXII collection. Its objects are the store's collection named `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    pub id: String,
    pub api_root: String,
    pub title: String,
    pub description: Option<String>,
    /// Unique within the API root; accepted in URLs in place of the id.
    pub alias: Option<String>,
}

/// Rights of one group on one collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub group: String,
    pub collection: String,
    pub read: bool,
    pub write: bool,
}

/// A TAXII status resource, stored as its JSON body plus who may read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    pub id: String,
    pub api_root: String,
    /// The user who sent the request; only they (and administrators) may read it.
    pub user: String,
    /// The TAXII status resource (JSON text).
    pub body: String,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub time: Timestamp,
    /// The authenticated user, or the name a failed login claimed.
    pub user: Option<String>,
    /// `POST /taxii2/api/collections/…/objects/`, `user.add`, …
    pub action: String,
    /// `allowed` or `denied`.
    pub outcome: String,
    /// HTTP status, or 0 for local (CLI) actions.
    pub status: u16,
    pub detail: String,
}

/// The storage seam of the TAXII server. Implementations are blocking and
/// internally synchronized, like [`crate::Store`].
pub trait TaxiiStore: Send + Sync {
    // Users.
    /// Creates or replaces a user (its password and tokens are kept).
    fn put_user(&self, user: &User) -> Result<(), StoreError>;
    fn get_user(&self, name: &str) -> Result<Option<User>, StoreError>;
    fn list_users(&self) -> Result<Vec<User>, StoreError>;
    /// Removes a user with its tokens and memberships. Returns whether it existed.
    fn delete_user(&self, name: &str) -> Result<bool, StoreError>;
    /// Sets the password hash (PHC string). Errors with `NotFound` for unknown users.
    fn set_password_hash(&self, user: &str, phc: &str) -> Result<(), StoreError>;
    fn password_hash(&self, user: &str) -> Result<Option<String>, StoreError>;

    // Tokens.
    fn add_token(&self, info: &TokenInfo, hash: &str) -> Result<(), StoreError>;
    /// The user a token digest belongs to, with the token's public id.
    fn token_user(&self, hash: &str) -> Result<Option<(User, String)>, StoreError>;
    fn list_tokens(&self, user: Option<&str>) -> Result<Vec<TokenInfo>, StoreError>;
    fn revoke_token(&self, id: &str) -> Result<bool, StoreError>;

    // Groups.
    fn add_group(&self, name: &str) -> Result<(), StoreError>;
    fn list_groups(&self) -> Result<Vec<(String, Vec<String>)>, StoreError>;
    /// Errors with `NotFound` when the group or user does not exist.
    fn add_member(&self, group: &str, user: &str) -> Result<(), StoreError>;
    fn remove_member(&self, group: &str, user: &str) -> Result<bool, StoreError>;
    fn groups_of(&self, user: &str) -> Result<Vec<String>, StoreError>;

    // API roots and collections.
    fn put_api_root(&self, root: &ApiRoot) -> Result<(), StoreError>;
    fn list_api_roots(&self) -> Result<Vec<ApiRoot>, StoreError>;
    /// Creates or replaces a collection. Errors with `InvalidQuery` when its API
    /// root does not exist or the alias is taken.
    fn put_collection(&self, c: &Collection) -> Result<(), StoreError>;
    fn list_collections(&self, api_root: Option<&str>) -> Result<Vec<Collection>, StoreError>;
    /// Sets a group's rights on a collection (both false removes the grant).
    fn grant(&self, g: &Grant) -> Result<(), StoreError>;
    fn list_grants(&self) -> Result<Vec<Grant>, StoreError>;
    /// The rights of a user (through its groups) per collection id.
    fn rights_of(&self, user: &str) -> Result<Vec<(String, bool, bool)>, StoreError>;

    // Status resources and audit log, written together with the request they
    // describe: one durable transaction for many records.
    fn record(&self, statuses: &[StatusRecord], audit: &[AuditEvent]) -> Result<(), StoreError>;
    fn get_status(&self, id: &str) -> Result<Option<StatusRecord>, StoreError>;
    /// The last `limit` audit events, oldest first.
    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEvent>, StoreError>;

    // The TAXII client's incremental pulls: the last `date_added` seen per source.
    fn pull_cursor(&self, source: &str) -> Result<Option<Timestamp>, StoreError>;
    fn set_pull_cursor(&self, source: &str, added: &Timestamp) -> Result<(), StoreError>;
}

/// Parses a clearance name as the CLI and config files write it.
pub fn parse_clearance(s: &str) -> Result<Tlp, StoreError> {
    Tlp::parse(s).ok_or_else(|| {
        StoreError::InvalidQuery(format!(
            "unknown TLP level '{s}' (expected clear, green, amber, amber+strict or red)"
        ))
    })
}
