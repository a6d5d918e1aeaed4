//! `threatledger`: a thin binary over the library crates. Argument parsing, output
//! formats and exit codes live here; everything else is in the libraries.

mod commands;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::Format;

// The import pipeline allocates on one thread and frees on another; glibc malloc
// spends a third of the time on that, mimalloc a small fraction.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes (documented in `--help` and the README).
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// The input was processed but found wanting: invalid STIX, rejected objects,
    /// no match (for commands that test something).
    pub const REJECTED: u8 = 1;
    /// Usage error, unreadable file, database error: nothing useful was done.
    pub const ERROR: u8 = 2;
}

const AFTER_HELP: &str = "\
Exit codes: 0 success; 1 input rejected (invalid STIX, a rejected object, nothing matched); 2 usage, I/O or database error.

Examples:
  threatledger import ../shared/data/attack/ics-attack.json
  threatledger validate --format json bundle.json
  threatledger stats --format json
  threatledger get intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a
  threatledger related intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a --direction outgoing --type uses
  threatledger export --type intrusion-set --out groups.json
  threatledger pattern check \"[ipv4-addr:value ISSUBSET '198.51.100.0/24']\"
  threatledger match --indicators store --observed conn.csv --format json
  threatledger serve --listen 127.0.0.1:8080
  threatledger trace --synthetic 7 --theft x5322 --follow-mixers
  threatledger screen 1AXUTu9y3H8w4wYx4BjyFWgRhZKDhmcMrn --labels ../shared/data/chain/ofac
  threatledger taxii pull http://127.0.0.1:8080/taxii2/api/ --collection dprk --token tlk_...";

#[derive(Parser)]
#[command(
    name = "threatledger",
    version,
    about = "Threat intelligence for state-sponsored financial theft: STIX 2.1 store, loss ledger, TAXII",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Database: a SQLite file path (or sqlite:PATH). Default ./threatledger.db.
    #[arg(long, global = true, env = "THREATLEDGER_DB", default_value = app::DEFAULT_DB)]
    pub db: String,
    /// Output format of commands that print results.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// No progress bars or informational messages.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    Import(commands::import::Args),
    Export(commands::export::Args),
    Get(commands::get::Args),
    Stats(commands::stats::Args),
    Related(commands::related::Args),
    Serve(commands::serve::Args),
    Taxii(commands::taxii::Args),
    User(commands::accounts::UserArgs),
    Group(commands::accounts::GroupArgs),
    Collection(commands::accounts::CollectionArgs),
    ApiRoot(commands::accounts::ApiRootArgs),
    Audit(commands::accounts::AuditArgs),
    Pattern(commands::pattern::Args),
    Match(commands::matching::Args),
    Db(commands::db::Args),
    Init(commands::init::Args),
    Ledger(commands::ledger::Args),
    Validate(commands::validate::Args),
    Trace(commands::chain::TraceArgs),
    Screen(commands::chain::ScreenArgs),
    /// Write a synthetic bundle (benchmarks, load tests).
    #[command(hide = true)]
    Synth(commands::synth::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(exit::OK);
            }
            eprintln!("threatledger: {e:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: &Cli) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Import(a) => commands::import::run(cli, a),
        Command::Export(a) => commands::export::run(cli, a),
        Command::Get(a) => commands::get::run(cli, a),
        Command::Stats(a) => commands::stats::run(cli, a),
        Command::Related(a) => commands::related::run(cli, a),
        Command::Serve(a) => commands::serve::run(cli, a),
        Command::Taxii(a) => commands::taxii::run(cli, a),
        Command::User(a) => commands::accounts::run_user(cli, a),
        Command::Group(a) => commands::accounts::run_group(cli, a),
        Command::Collection(a) => commands::accounts::run_collection(cli, a),
        Command::ApiRoot(a) => commands::accounts::run_api_root(cli, a),
        Command::Audit(a) => commands::accounts::run_audit(cli, a),
        Command::Pattern(a) => commands::pattern::run(cli, a),
        Command::Match(a) => commands::matching::run(cli, a),
        Command::Db(a) => commands::db::run(cli, a),
        Command::Init(a) => commands::init::run(cli, a),
        Command::Ledger(a) => commands::ledger::run(cli, a),
        Command::Validate(a) => commands::validate::run(cli, a),
        Command::Trace(a) => commands::chain::run_trace(cli, a),
        Command::Screen(a) => commands::chain::run_screen(cli, a),
        Command::Synth(a) => commands::synth::run(cli, a),
    }
}
