//! `threatledger db`: maintenance of the database itself.

use crate::output::{print_json, Format};
use crate::{exit, Cli};

/// Database maintenance.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(clap::Subcommand)]
pub enum DbCommand {
    /// Check the database's integrity and the store's invariants (exit 0 when
    /// consistent, 1 when problems were found).
    #[command(
        after_help = "Examples:\n  threatledger db check\n  threatledger --db other.db db check --format json"
    )]
    Check,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    match args.command {
        DbCommand::Check => {
            let store = super::open_store(cli)?;
            let problems = store.check()?;
            match cli.format {
                Format::Json => print_json(
                    &serde_json::json!({"database": cli.db, "ok": problems.is_empty(), "problems": problems}),
                )?,
                Format::Text if problems.is_empty() => println!("{}: ok", cli.db),
                Format::Text => {
                    for p in &problems {
                        println!("{}: {p}", cli.db);
                    }
                }
            }
            Ok(if problems.is_empty() {
                exit::OK
            } else {
                exit::REJECTED
            })
        }
    }
}
