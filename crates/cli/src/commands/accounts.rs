//! `threatledger user|group|collection|api-root|audit`: TAXII users, groups, API
//! tokens, API roots, collections and rights, and the audit log. Every change is
//! itself recorded in the audit log (status 0 = local command).

use std::io::BufRead;

use anyhow::{anyhow, bail, Context};
use serde_json::json;
use stix::ext::Tlp;
use store::taxii::{ApiRoot, AuditEvent, Collection, Grant, TaxiiStore, User};
use store::Store;

use crate::output::{print_json, Format};
use crate::{exit, Cli};

/// Default API root created on demand (`/taxii2/api/`).
pub const DEFAULT_API_ROOT: &str = "api";
/// Default `max_content_length` of new API roots: 10 MiB.
pub const DEFAULT_MAX_CONTENT_LENGTH: u64 = 10 << 20;

pub fn taxii_of(store: &dyn Store) -> anyhow::Result<&dyn TaxiiStore> {
    store
        .taxii()
        .ok_or_else(|| anyhow!("the {} backend has no TAXII tables", store.backend()))
}

fn audit(t: &dyn TaxiiStore, action: String) -> anyhow::Result<()> {
    let who = std::env::var("USER").ok().map(|u| format!("local:{u}"));
    t.record(
        &[],
        &[AuditEvent {
            time: now(),
            user: who,
            action,
            outcome: "allowed".into(),
            status: 0,
            detail: String::new(),
        }],
    )?;
    Ok(())
}

pub fn now() -> stix::Timestamp {
    let us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    stix::Timestamp::from_unix_micros(us)
}

fn parse_tlp(s: &str) -> Result<Tlp, String> {
    Tlp::parse(s)
        .ok_or_else(|| format!("unknown TLP level '{s}' (clear, green, amber, amber+strict, red)"))
}

/// The password for `user add|passwd`: stdin (one line) or THREATLEDGER_PASSWORD.
fn read_password(stdin: bool) -> anyhow::Result<Option<String>> {
    if stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        if pw.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(Some(pw));
    }
    Ok(std::env::var("THREATLEDGER_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty()))
}

// ---- user ------------------------------------------------------------------

/// Manage TAXII users: clearance, organisation, passwords, API tokens.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  echo 's3cret' | threatledger user add alice --clearance amber --group analysts --password-stdin
  threatledger user add partner --clearance amber+strict --org identity--f431f809-377b-45e0-aa1c-6a4751cae5ff
  threatledger user token alice --label nightly-pull
  threatledger user list --format json")]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Create (or update) a user. Password from --password-stdin or THREATLEDGER_PASSWORD.
    Add {
        name: String,
        /// Highest TLP level the user may read.
        #[arg(long, default_value = "clear", value_parser = parse_tlp)]
        clearance: Tlp,
        /// Identity id of the user's organisation (repeatable): AMBER+STRICT objects created by it are visible.
        #[arg(long = "org")]
        orgs: Vec<String>,
        /// Rights on every collection.
        #[arg(long)]
        admin: bool,
        /// Add to these groups (created if missing).
        #[arg(long = "group")]
        groups: Vec<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users with clearance, groups and tokens.
    List,
    /// Set a user's password (from --password-stdin or THREATLEDGER_PASSWORD).
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change clearance, organisation, admin flag, or disable/enable.
    Set {
        name: String,
        #[arg(long, value_parser = parse_tlp)]
        clearance: Option<Tlp>,
        /// Replace the organisation ids (repeatable).
        #[arg(long = "org")]
        orgs: Vec<String>,
        #[arg(long)]
        admin: Option<bool>,
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        #[arg(long)]
        enable: bool,
    },
    /// Delete a user with its tokens and memberships.
    Remove { name: String },
    /// Create an API token (printed once; only its digest is stored).
    Token {
        name: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List API tokens (ids and labels, never secrets).
    Tokens { name: Option<String> },
    /// Revoke an API token by id.
    Revoke { token_id: String },
}

pub fn run_user(cli: &Cli, args: &UserArgs) -> anyhow::Result<u8> {
    let store = super::open_store(cli)?;
    let t = taxii_of(store.as_ref())?;
    match &args.command {
        UserCommand::Add {
            name,
            clearance,
            orgs,
            admin,
            groups,
            password_stdin,
        } => {
            app::accounts::check_name(name)?;
            let user = User {
                name: name.clone(),
                clearance: *clearance,
                organization_refs: orgs.clone(),
                admin: *admin,
                disabled: false,
            };
            t.put_user(&user)?;
            if let Some(pw) = read_password(*password_stdin)? {
                t.set_password_hash(name, &app::accounts::hash_password(&pw)?)?;
            }
            for g in groups {
                t.add_group(g)?;
                t.add_member(g, name)?;
            }
            audit(t, format!("user add {name} clearance {}", clearance.name()))?;
            report(
                cli,
                json!({"user": name, "created": true}),
                &format!("user {name} saved"),
            )
        }
        UserCommand::List => {
            let users = t.list_users()?;
            let tokens = t.list_tokens(None)?;
            let mut rows = Vec::new();
            for u in &users {
                let has_password = t.password_hash(&u.name)?.is_some();
                rows.push(json!({
                    "name": u.name, "clearance": u.clearance, "organization_refs": u.organization_refs,
                    "admin": u.admin, "disabled": u.disabled, "groups": t.groups_of(&u.name)?,
                    "password": has_password, "tokens": tokens.iter().filter(|k| k.user == u.name).count(),
                }));
            }
            match cli.format {
                Format::Json => print_json(&rows)?,
                Format::Text => {
                    for r in &rows {
                        println!(
                            "{:<20} {:<16} {}{}groups: {} tokens: {}",
                            r["name"].as_str().unwrap_or(""),
                            r["clearance"].as_str().unwrap_or(""),
                            if r["admin"] == true { "admin " } else { "" },
                            if r["disabled"] == true {
                                "DISABLED "
                            } else {
                                ""
                            },
                            r["groups"]
                                .as_array()
                                .map(|g| g
                                    .iter()
                                    .filter_map(|x| x.as_str())
                                    .collect::<Vec<_>>()
                                    .join(","))
                                .unwrap_or_default(),
                            r["tokens"]
                        );
                    }
                }
            }
            Ok(exit::OK)
        }
        UserCommand::Passwd {
            name,
            password_stdin,
        } => {
            let pw = read_password(*password_stdin)?.ok_or_else(|| {
                anyhow!("give the password on stdin (--password-stdin) or in THREATLEDGER_PASSWORD")
            })?;
            t.set_password_hash(name, &app::accounts::hash_password(&pw)?)?;
            audit(t, format!("user passwd {name}"))?;
            report(
                cli,
                json!({"user": name, "password": true}),
                &format!("password of {name} set"),
            )
        }
        UserCommand::Set {
            name,
            clearance,
            orgs,
            admin,
            disable,
            enable,
        } => {
            let mut u = t
                .get_user(name)?
                .ok_or_else(|| anyhow!("no user '{name}'"))?;
            if let Some(c) = clearance {
                u.clearance = *c;
            }
            if !orgs.is_empty() {
                u.organization_refs = orgs.clone();
            }
            if let Some(a) = admin {
                u.admin = *a;
            }
            if *disable {
                u.disabled = true;
            }
            if *enable {
                u.disabled = false;
            }
            t.put_user(&u)?;
            audit(t, format!("user set {name}"))?;
            report(
                cli,
                serde_json::to_value(&u)?,
                &format!("user {name} updated"),
            )
        }
        UserCommand::Remove { name } => {
            if !t.delete_user(name)? {
                bail!("no user '{name}'");
            }
            audit(t, format!("user remove {name}"))?;
            report(
                cli,
                json!({"user": name, "removed": true}),
                &format!("user {name} removed"),
            )
        }
        UserCommand::Token { name, label } => {
            let (secret, info) = app::accounts::create_token(t, name, label, now())?;
            audit(t, format!("user token {name} id {}", info.id))?;
            match cli.format {
                Format::Json => print_json(
                    &json!({"user": name, "id": info.id, "label": info.label, "token": secret}),
                )?,
                Format::Text => {
                    eprintln!("token {} for {name} (shown once; store it now):", info.id);
                    println!("{secret}");
                }
            }
            Ok(exit::OK)
        }
        UserCommand::Tokens { name } => {
            let tokens = t.list_tokens(name.as_deref())?;
            match cli.format {
                Format::Json => print_json(&tokens)?,
                Format::Text => {
                    for k in tokens {
                        println!("{:<14} {:<20} {:<24} {}", k.id, k.user, k.created, k.label);
                    }
                }
            }
            Ok(exit::OK)
        }
        UserCommand::Revoke { token_id } => {
            if !t.revoke_token(token_id)? {
                bail!("no token '{token_id}'");
            }
            audit(t, format!("token revoke {token_id}"))?;
            report(
                cli,
                json!({"token": token_id, "revoked": true}),
                &format!("token {token_id} revoked"),
            )
        }
    }
}

fn report(cli: &Cli, v: serde_json::Value, text: &str) -> anyhow::Result<u8> {
    match cli.format {
        Format::Json => print_json(&v)?,
        Format::Text => {
            if !cli.quiet {
                println!("{text}");
            }
        }
    }
    Ok(exit::OK)
}

// ---- group -----------------------------------------------------------------

/// Manage groups (rights on collections are granted to groups).
#[derive(clap::Args)]
#[command(after_help = "Examples:
  threatledger group add analysts --member alice --member bob
  threatledger group leave analysts bob
  threatledger group list")]
pub struct GroupArgs {
    #[command(subcommand)]
    pub command: GroupCommand,
}

#[derive(clap::Subcommand)]
pub enum GroupCommand {
    /// Create a group (and add members).
    Add {
        name: String,
        #[arg(long = "member")]
        members: Vec<String>,
    },
    /// Add users to a group.
    Join { group: String, users: Vec<String> },
    /// Remove users from a group.
    Leave { group: String, users: Vec<String> },
    /// Groups with their members.
    List,
}

pub fn run_group(cli: &Cli, args: &GroupArgs) -> anyhow::Result<u8> {
    let store = super::open_store(cli)?;
    let t = taxii_of(store.as_ref())?;
    match &args.command {
        GroupCommand::Add { name, members } => {
            app::accounts::check_name(name)?;
            t.add_group(name)?;
            for m in members {
                t.add_member(name, m)?;
            }
            audit(t, format!("group add {name}"))?;
            report(
                cli,
                json!({"group": name, "members": members}),
                &format!("group {name} saved"),
            )
        }
        GroupCommand::Join { group, users } => {
            for u in users {
                t.add_member(group, u)?;
            }
            audit(t, format!("group join {group} {}", users.join(",")))?;
            report(
                cli,
                json!({"group": group, "added": users}),
                &format!("{} added to {group}", users.join(", ")),
            )
        }
        GroupCommand::Leave { group, users } => {
            for u in users {
                t.remove_member(group, u)?;
            }
            audit(t, format!("group leave {group} {}", users.join(",")))?;
            report(
                cli,
                json!({"group": group, "removed": users}),
                &format!("{} removed from {group}", users.join(", ")),
            )
        }
        GroupCommand::List => {
            let groups = t.list_groups()?;
            match cli.format {
                Format::Json => print_json(
                    &groups
                        .iter()
                        .map(|(g, m)| json!({"group": g, "members": m}))
                        .collect::<Vec<_>>(),
                )?,
                Format::Text => {
                    for (g, m) in groups {
                        println!("{g:<20} {}", m.join(", "));
                    }
                }
            }
            Ok(exit::OK)
        }
    }
}

// ---- api-root and collection -------------------------------------------------

/// Manage TAXII API roots (served at /taxii2/NAME/).
#[derive(clap::Args)]
#[command(after_help = "Examples:
  threatledger api-root add api --title 'DPRK financial theft' --max-content-length 20971520
  threatledger api-root list")]
pub struct ApiRootArgs {
    #[command(subcommand)]
    pub command: ApiRootCommand,
}

#[derive(clap::Subcommand)]
pub enum ApiRootCommand {
    /// Create or update an API root.
    Add {
        name: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Largest accepted request body, in bytes (413 above it).
        #[arg(long, default_value_t = DEFAULT_MAX_CONTENT_LENGTH)]
        max_content_length: u64,
    },
    List,
}

pub fn run_api_root(cli: &Cli, args: &ApiRootArgs) -> anyhow::Result<u8> {
    let store = super::open_store(cli)?;
    let t = taxii_of(store.as_ref())?;
    match &args.command {
        ApiRootCommand::Add {
            name,
            title,
            description,
            max_content_length,
        } => {
            app::accounts::check_name(name)?;
            let root = ApiRoot {
                name: name.clone(),
                title: title.clone().unwrap_or_else(|| name.clone()),
                description: description.clone(),
                max_content_length: *max_content_length,
            };
            t.put_api_root(&root)?;
            audit(t, format!("api-root add {name}"))?;
            report(
                cli,
                serde_json::to_value(&root)?,
                &format!("API root {name} saved (/taxii2/{name}/)"),
            )
        }
        ApiRootCommand::List => {
            let roots = t.list_api_roots()?;
            match cli.format {
                Format::Json => print_json(&roots)?,
                Format::Text => {
                    for r in roots {
                        println!(
                            "/taxii2/{}/  {}  (max_content_length {})",
                            r.name, r.title, r.max_content_length
                        );
                    }
                }
            }
            Ok(exit::OK)
        }
    }
}

/// Manage TAXII collections and the rights of groups on them.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  threatledger collection add 'DPRK thefts' --alias dprk
  threatledger collection grant dprk analysts --read --write
  threatledger collection grant dprk partners --read
  threatledger collection grant dprk partners          # revokes
  threatledger collection list --format json")]
pub struct CollectionArgs {
    #[command(subcommand)]
    pub command: CollectionCommand,
}

#[derive(clap::Subcommand)]
pub enum CollectionCommand {
    /// Create (or update, with --id) a collection; prints its id.
    Add {
        title: String,
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        alias: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// API root (created with defaults if missing).
        #[arg(long, default_value = DEFAULT_API_ROOT)]
        api_root: String,
    },
    /// Collections with their grants.
    List,
    /// Set a group's rights on a collection (id or alias); neither flag revokes.
    Grant {
        collection: String,
        group: String,
        #[arg(long)]
        read: bool,
        #[arg(long)]
        write: bool,
    },
}

/// Finds a collection by id or alias.
pub fn resolve_collection(t: &dyn TaxiiStore, key: &str) -> anyhow::Result<Collection> {
    let all = t.list_collections(None)?;
    let found: Vec<&Collection> = all
        .iter()
        .filter(|c| c.id == key || c.alias.as_deref() == Some(key))
        .collect();
    match found.as_slice() {
        [c] => Ok((*c).clone()),
        [] => bail!("no collection '{key}' (see `threatledger collection list`)"),
        _ => bail!("'{key}' is the alias of collections in several API roots: use the id"),
    }
}

pub fn ensure_api_root(t: &dyn TaxiiStore, name: &str) -> anyhow::Result<()> {
    if !t.list_api_roots()?.iter().any(|r| r.name == name) {
        app::accounts::check_name(name)?;
        t.put_api_root(&ApiRoot {
            name: name.to_string(),
            title: "threatledger".into(),
            description: None,
            max_content_length: DEFAULT_MAX_CONTENT_LENGTH,
        })?;
    }
    Ok(())
}

pub fn run_collection(cli: &Cli, args: &CollectionArgs) -> anyhow::Result<u8> {
    let store = super::open_store(cli)?;
    let t = taxii_of(store.as_ref())?;
    match &args.command {
        CollectionCommand::Add {
            title,
            id,
            alias,
            description,
            api_root,
        } => {
            ensure_api_root(t, api_root)?;
            let id = match id {
                Some(i) => uuid::Uuid::parse_str(i)
                    .with_context(|| format!("collection id '{i}' is not a UUID"))?
                    .to_string(),
                None => uuid::Uuid::new_v4().to_string(),
            };
            let c = Collection {
                id: id.clone(),
                api_root: api_root.clone(),
                title: title.clone(),
                description: description.clone(),
                alias: alias.clone(),
            };
            t.put_collection(&c)?;
            audit(t, format!("collection add {id}"))?;
            match cli.format {
                Format::Json => print_json(&c)?,
                Format::Text => println!("{id}"),
            }
            Ok(exit::OK)
        }
        CollectionCommand::List => {
            let cols = t.list_collections(None)?;
            let grants = t.list_grants()?;
            let stats = store.stats()?;
            let rows: Vec<serde_json::Value> = cols
                .iter()
                .map(|c| {
                    let g: Vec<serde_json::Value> = grants
                        .iter()
                        .filter(|g| g.collection == c.id)
                        .map(|g| json!({"group": g.group, "read": g.read, "write": g.write}))
                        .collect();
                    let n = stats
                        .collections
                        .iter()
                        .find(|(k, _)| *k == c.id)
                        .map(|(_, n)| *n)
                        .unwrap_or(0);
                    json!({"id": c.id, "api_root": c.api_root, "title": c.title, "alias": c.alias,
                           "description": c.description, "objects": n, "grants": g,
                           "url": format!("/taxii2/{}/collections/{}/", c.api_root, c.id)})
                })
                .collect();
            match cli.format {
                Format::Json => print_json(&rows)?,
                Format::Text => {
                    for r in &rows {
                        let grants: Vec<String> = r["grants"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|g| {
                                format!(
                                    "{}:{}{}",
                                    g["group"].as_str().unwrap_or(""),
                                    if g["read"] == true { "r" } else { "" },
                                    if g["write"] == true { "w" } else { "" }
                                )
                            })
                            .collect();
                        println!(
                            "{}  {:<10} {:<28} {:>7} objects  {}",
                            r["id"].as_str().unwrap_or(""),
                            r["alias"].as_str().unwrap_or("-"),
                            r["title"].as_str().unwrap_or(""),
                            r["objects"],
                            grants.join(" ")
                        );
                    }
                }
            }
            Ok(exit::OK)
        }
        CollectionCommand::Grant {
            collection,
            group,
            read,
            write,
        } => {
            let c = resolve_collection(t, collection)?;
            t.grant(&Grant {
                group: group.clone(),
                collection: c.id.clone(),
                read: *read,
                write: *write,
            })?;
            audit(
                t,
                format!(
                    "collection grant {} {group} read={read} write={write}",
                    c.id
                ),
            )?;
            report(
                cli,
                json!({"collection": c.id, "group": group, "read": read, "write": write}),
                &format!("{group} on {}: read={read} write={write}", c.id),
            )
        }
    }
}

// ---- audit -------------------------------------------------------------------

/// Show the audit log: server writes, denied requests, and account changes.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  threatledger audit --limit 50\n  threatledger audit --format json | jq 'map(select(.outcome == \"denied\"))'"
)]
pub struct AuditArgs {
    /// How many of the latest events.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

pub fn run_audit(cli: &Cli, args: &AuditArgs) -> anyhow::Result<u8> {
    let store = super::open_store(cli)?;
    let t = taxii_of(store.as_ref())?;
    let log = t.audit_log(args.limit)?;
    match cli.format {
        Format::Json => print_json(&log)?,
        Format::Text => {
            for e in log {
                println!(
                    "{} {:<16} {:<7} {:>3} {} {}",
                    e.time,
                    e.user.as_deref().unwrap_or("-"),
                    e.outcome,
                    e.status,
                    e.action,
                    e.detail
                );
            }
        }
    }
    Ok(exit::OK)
}
