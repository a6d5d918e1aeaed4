//! `threatledger taxii pull|push`: exchange STIX with any TAXII 2.1 server.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, Context};
use server::client::{self, Client, ClientAuth, PullOptions};

use crate::output::{print_json, Format, Progress};
use crate::{exit, Cli};

/// Pull objects from, or push bundles to, a TAXII 2.1 collection.
#[derive(clap::Args)]
#[command(
    after_help = "Authentication: --user with the password in THREATLEDGER_TAXII_PASSWORD (or --password-stdin),
or --token (or THREATLEDGER_TAXII_TOKEN).

Examples:
  THREATLEDGER_TAXII_PASSWORD=s3cret threatledger taxii pull http://127.0.0.1:8080/taxii2/api/ --collection dprk --user alice
  threatledger taxii pull https://host/api1/ --collection 91a7b528-80eb-42ed-a74d-c6fbd5a26116 --token tlk_...
  threatledger taxii push http://127.0.0.1:8080/taxii2/api/ --collection dprk --user alice bundle.json

Exit codes: 0 done; 1 some objects were rejected; 2 transport, HTTP or database error."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: TaxiiCommand,
}

#[derive(clap::Args)]
pub struct Remote {
    /// The API root URL (e.g. http://127.0.0.1:8080/taxii2/api/).
    pub url: String,
    /// Collection id (or alias, where the server accepts one).
    #[arg(long)]
    pub collection: String,
    /// HTTP Basic user (password: THREATLEDGER_TAXII_PASSWORD or --password-stdin).
    #[arg(long, conflicts_with = "token")]
    pub user: Option<String>,
    #[arg(long, requires = "user")]
    pub password_stdin: bool,
    /// Bearer API token.
    #[arg(long, env = "THREATLEDGER_TAXII_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Request timeout in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
}

#[derive(clap::Subcommand)]
pub enum TaxiiCommand {
    /// Fetch new objects into the local store (incremental: resumes after the last
    /// date_added seen; follows `next`).
    Pull {
        #[command(flatten)]
        remote: Remote,
        /// Objects per request.
        #[arg(long, default_value_t = 500)]
        limit: usize,
        /// Also add the objects to this local collection.
        #[arg(long)]
        into: Option<String>,
        /// Ignore the saved position and fetch everything.
        #[arg(long)]
        full: bool,
    },
    /// Send STIX bundles (files or - for stdin) to a collection.
    Push {
        #[command(flatten)]
        remote: Remote,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn client_for(r: &Remote) -> anyhow::Result<Client> {
    let auth = match (&r.user, &r.token) {
        (Some(u), _) => {
            let password = if r.password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_string()
            } else {
                std::env::var("THREATLEDGER_TAXII_PASSWORD")
                    .map_err(|_| anyhow!("--user needs a password: set THREATLEDGER_TAXII_PASSWORD or use --password-stdin"))?
            };
            ClientAuth::Basic {
                user: u.clone(),
                password,
            }
        }
        (None, Some(t)) => ClientAuth::Token(t.clone()),
        (None, None) => ClientAuth::None,
    };
    if r.url.starts_with("https://") {
        return Err(anyhow!(
            "{}: this build speaks plain HTTP only; reach HTTPS servers through a local TLS proxy",
            r.url
        ));
    }
    Ok(Client::new(auth, Duration::from_secs(r.timeout)))
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        TaxiiCommand::Pull {
            remote,
            limit,
            into,
            full,
        } => {
            let c = client_for(remote)?;
            let store = super::open_store(cli)?;
            let opts = PullOptions {
                root_url: remote.url.clone(),
                collection: remote.collection.clone(),
                page_size: (*limit).max(1),
                into_collection: into.clone(),
                full: *full,
            };
            let mut progress = Progress::count(cli.quiet);
            let report = client::pull(&c, store.as_ref(), &opts, &mut |r| {
                progress.update(r.objects as u64, || {
                    format!("{} pages, {} added", r.pages, r.added)
                })
            });
            progress.finish();
            let report = report.with_context(|| format!("pull from {}", remote.url))?;
            match cli.format {
                Format::Json => print_json(&report)?,
                Format::Text => {
                    for r in &report.rejected {
                        eprintln!("rejected: {r}");
                    }
                    println!(
                        "{}: {} objects in {} pages: {} added, {} unchanged, {} replaced, {} rejected; next pull starts after {}",
                        remote.collection,
                        report.objects,
                        report.pages,
                        report.added,
                        report.unchanged,
                        report.replaced,
                        report.rejected.len(),
                        report.cursor.as_deref().unwrap_or("the beginning")
                    );
                }
            }
            Ok(if report.rejected.is_empty() {
                exit::OK
            } else {
                exit::REJECTED
            })
        }
        TaxiiCommand::Push { remote, files } => {
            let c = client_for(remote)?;
            let mut total = client::PushReport::default();
            for f in files {
                let name = f.display().to_string();
                let reader: Box<dyn std::io::Read> = if name == "-" {
                    Box::new(std::io::stdin().lock())
                } else {
                    Box::new(BufReader::new(
                        File::open(f).with_context(|| format!("cannot open {name}"))?,
                    ))
                };
                let mut br = stix::BundleReader::new(reader);
                let mut objects = std::iter::from_fn(|| match br.next_object() {
                    Ok(Some(raw)) => Some(raw.parse().map_err(|e| format!("{name}: {e}"))),
                    Ok(None) => None,
                    Err(e) => Some(Err(format!("{name}: {e}"))),
                });
                let mut progress = Progress::count(cli.quiet);
                let r = client::push(
                    &c,
                    &remote.url,
                    &remote.collection,
                    &mut objects,
                    &mut |r| {
                        progress.update(r.objects as u64, || format!("{} envelopes", r.envelopes))
                    },
                );
                progress.finish();
                let r = r.with_context(|| format!("push {name} to {}", remote.url))?;
                total.envelopes += r.envelopes;
                total.objects += r.objects;
                total.succeeded += r.succeeded;
                total.failures.extend(r.failures);
                total.statuses.extend(r.statuses);
            }
            match cli.format {
                Format::Json => print_json(&total)?,
                Format::Text => {
                    for f in &total.failures {
                        eprintln!(
                            "failed: {} {}",
                            f["id"].as_str().unwrap_or("-"),
                            f["message"].as_str().unwrap_or("")
                        );
                    }
                    println!(
                        "{}: {} objects in {} envelopes: {} stored, {} failed",
                        remote.collection,
                        total.objects,
                        total.envelopes,
                        total.succeeded,
                        total.failures.len()
                    );
                }
            }
            Ok(if total.failures.is_empty() {
                exit::OK
            } else {
                exit::REJECTED
            })
        }
    }
}
