//! One module per subcommand.

pub mod accounts;
pub mod chain;
pub mod db;
pub mod export;
pub mod get;
pub mod import;
pub mod init;
pub mod ledger;
pub mod matching;
pub mod pattern;
pub mod related;
pub mod serve;
pub mod stats;
pub mod synth;
pub mod taxii;
pub mod validate;

use anyhow::Context;

use crate::Cli;

/// Opens the store named by `--db` / `THREATLEDGER_DB`.
pub fn open_store(cli: &Cli) -> anyhow::Result<Box<dyn store::Store>> {
    app::open_store(&cli.db).with_context(|| format!("cannot open database {}", cli.db))
}
