//! `threatledger serve`: the TAXII 2.1 server on the configured database.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;
use stix::ext::Tlp;
use store::taxii::{ApiRoot, Collection, Grant, TaxiiStore, User};

use super::accounts::{ensure_api_root, taxii_of, DEFAULT_API_ROOT, DEFAULT_MAX_CONTENT_LENGTH};
use crate::{exit, Cli};

/// Serve TAXII 2.1 at http://LISTEN/taxii2/ until SIGINT or SIGTERM.
///
/// Settings come from the config file (--config, JSON) and then the flags, which
/// win. The config file may also declare API roots, collections, groups, grants
/// and users; they are created or updated at start-up (passwords only as argon2
/// hashes or from environment variables, never in clear). Without any API root,
/// `/taxii2/api/` is created.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  threatledger serve --listen 127.0.0.1:8080
  threatledger serve --config taxii.json
  RUST_LOG=debug threatledger serve --listen 0.0.0.0:9000 --public-url https://taxii.example.org

Exit codes: 0 after a clean shutdown; 2 when the server cannot start.")]
pub struct Args {
    /// Address to listen on.
    #[arg(long)]
    pub listen: Option<String>,
    /// JSON config file (see README, section TAXII server).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Base URL clients use (for discovery links); default http://<Host header>.
    #[arg(long)]
    pub public_url: Option<String>,
    /// Requests per second per user (0 = no limit).
    #[arg(long)]
    pub rate_limit: Option<f64>,
    /// Largest page of objects (and the default page size).
    #[arg(long)]
    pub max_page_size: Option<usize>,
}

/// The config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub contact: Option<String>,
    pub public_url: Option<String>,
    pub max_page_size: Option<usize>,
    pub rate_limit: Option<f64>,
    pub rate_burst: Option<f64>,
    pub failed_login_rate: Option<f64>,
    pub auth_cache_seconds: Option<u64>,
    pub drain_timeout_seconds: Option<u64>,
    #[serde(default)]
    pub api_roots: Vec<FileApiRoot>,
    #[serde(default)]
    pub collections: Vec<FileCollection>,
    #[serde(default)]
    pub users: Vec<FileUser>,
    #[serde(default)]
    pub groups: Vec<FileGroup>,
    #[serde(default)]
    pub grants: Vec<FileGrant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileApiRoot {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub max_content_length: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCollection {
    pub id: String,
    #[serde(default = "default_root")]
    pub api_root: String,
    pub title: String,
    pub description: Option<String>,
    pub alias: Option<String>,
}

fn default_root() -> String {
    DEFAULT_API_ROOT.to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileUser {
    pub name: String,
    #[serde(default)]
    pub clearance: Option<String>,
    #[serde(default)]
    pub organization_refs: Vec<String>,
    #[serde(default)]
    pub admin: bool,
    /// An argon2 PHC string (`threatledger user passwd` writes one).
    pub password_hash: Option<String>,
    /// Name of an environment variable holding the password.
    pub password_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileGroup {
    pub name: String,
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileGrant {
    pub group: String,
    /// Collection id or alias.
    pub collection: String,
    #[serde(default)]
    pub read: bool,
    #[serde(default)]
    pub write: bool,
}

/// Creates or updates what the config file declares.
fn provision(t: &dyn TaxiiStore, f: &FileConfig) -> anyhow::Result<()> {
    for r in &f.api_roots {
        app::accounts::check_name(&r.name)?;
        t.put_api_root(&ApiRoot {
            name: r.name.clone(),
            title: r.title.clone().unwrap_or_else(|| r.name.clone()),
            description: r.description.clone(),
            max_content_length: r.max_content_length.unwrap_or(DEFAULT_MAX_CONTENT_LENGTH),
        })?;
    }
    for c in &f.collections {
        ensure_api_root(t, &c.api_root)?;
        t.put_collection(&Collection {
            id: c.id.clone(),
            api_root: c.api_root.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            alias: c.alias.clone(),
        })?;
    }
    for u in &f.users {
        app::accounts::check_name(&u.name)?;
        let clearance = match &u.clearance {
            Some(c) => Tlp::parse(c)
                .with_context(|| format!("user {}: unknown clearance '{c}'", u.name))?,
            None => Tlp::Clear,
        };
        t.put_user(&User {
            name: u.name.clone(),
            clearance,
            organization_refs: u.organization_refs.clone(),
            admin: u.admin,
            disabled: false,
        })?;
        if let Some(h) = &u.password_hash {
            t.set_password_hash(&u.name, h)?;
        } else if let Some(var) = &u.password_env {
            let pw = std::env::var(var).with_context(|| {
                format!("user {}: environment variable {var} is not set", u.name)
            })?;
            t.set_password_hash(&u.name, &app::accounts::hash_password(&pw)?)?;
        }
    }
    for g in &f.groups {
        t.add_group(&g.name)?;
        for m in &g.members {
            t.add_member(&g.name, m)?;
        }
    }
    for g in &f.grants {
        let c = super::accounts::resolve_collection(t, &g.collection)?;
        t.grant(&Grant {
            group: g.group.clone(),
            collection: c.id,
            read: g.read,
            write: g.write,
        })?;
    }
    Ok(())
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    init_tracing(cli.quiet);
    let file: FileConfig = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{}: invalid config", p.display()))?
        }
        None => FileConfig::default(),
    };
    let store: Arc<dyn store::Store> = Arc::from(super::open_store(cli)?);
    let t = taxii_of(store.as_ref())?;
    provision(t, &file)?;
    if t.list_api_roots()?.is_empty() {
        ensure_api_root(t, DEFAULT_API_ROOT)?;
    }
    let d = server::Config::default();
    let config = server::Config {
        title: file.title.unwrap_or(d.title),
        description: file.description.or(d.description),
        contact: file.contact,
        public_url: args.public_url.clone().or(file.public_url),
        max_page_size: args
            .max_page_size
            .or(file.max_page_size)
            .unwrap_or(d.max_page_size)
            .max(1),
        rate_limit: args.rate_limit.or(file.rate_limit).unwrap_or(d.rate_limit),
        rate_burst: file.rate_burst.unwrap_or(d.rate_burst),
        failed_login_rate: file.failed_login_rate.unwrap_or(d.failed_login_rate),
        auth_cache_ttl: file
            .auth_cache_seconds
            .map(Duration::from_secs)
            .unwrap_or(d.auth_cache_ttl),
        cursor_ttl: d.cursor_ttl,
        drain_timeout: file
            .drain_timeout_seconds
            .map(Duration::from_secs)
            .unwrap_or(d.drain_timeout),
    };
    let listen = args
        .listen
        .clone()
        .or(file.listen)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let state = server::AppState::new(store, config)?;
        // The one line scripts wait for (tests read the port from it).
        eprintln!("threatledger: serving TAXII 2.1 at http://{addr}/taxii2/");
        server::serve(listener, state, server::shutdown_signal()).await?;
        tracing::info!("stopped");
        anyhow::Ok(())
    })?;
    Ok(exit::OK)
}

fn init_tracing(quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if quiet { "warn" } else { "info" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
