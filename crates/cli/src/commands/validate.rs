//! `threatledger validate`: check files against STIX 2.1 (no database needed).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use serde::Serialize;
use stix::validate::{self, Diagnostic, Options, Report};
use stix::ReadError;

use crate::output::{print_json, Format, Progress};
use crate::{exit, Cli};

/// Validate STIX 2.1 files: every MUST of the specification (errors, E…; STIX
/// patterns included) and the best practices of stix2-validator under its
/// numbers (warnings, W…).
///
/// Exit 0 when no file violates a MUST, 1 when any does (or is not readable as
/// STIX: not JSON, truncated, not a bundle), 2 on usage or I/O errors.
#[derive(clap::Args)]
#[command(after_help = "\
Each file is a bundle (streamed) or a single STIX object. Diagnostics print as
  FILE:LINE:COL: error[E010]: message (at objects[3].created_by_ref)
With --format json, one JSON object per file:
  {\"file\", \"valid\", \"objects\", \"errors\": [{\"code\", \"message\", \"id\", \"path\", \"line\", \"column\"}], \"warnings\": [...]}
The codes are listed in crates/stix/README.md.

Exit codes: 0 all files valid (warnings allowed); 1 a file is invalid or unreadable as STIX; 2 usage or I/O error.

Examples:
  threatledger validate ../shared/data/attack/ics-attack.json
  threatledger validate --format json feed1.json feed2.json
  threatledger validate --disable 401,302 bundle.json")]
pub struct Args {
    /// STIX files (bundles or single objects).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Best-practice checks to skip, by stix2-validator number (e.g. 401,302; 2 = all 2xx).
    #[arg(long, value_delimiter = ',', value_name = "CHECKS")]
    pub disable: Vec<u16>,
    /// Do not print warnings (text format); they are still counted.
    #[arg(long)]
    pub no_warnings: bool,
}

#[derive(Serialize)]
struct FileResult<'a> {
    file: &'a str,
    valid: bool,
    objects: usize,
    errors: Vec<JsonDiagnostic<'a>>,
    warnings: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    message: &'a str,
    id: Option<&'a str>,
    path: &'a str,
    line: u32,
    column: u32,
}

impl<'a> From<&'a Diagnostic> for JsonDiagnostic<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        JsonDiagnostic {
            code: d.code.as_str(),
            message: &d.message,
            id: d.id.as_deref(),
            path: &d.path,
            line: d.line,
            column: d.column,
        }
    }
}

/// Counts bytes read, for the progress bar.
struct Counting<'p, R> {
    inner: R,
    read: u64,
    progress: &'p mut Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.progress.update(self.read, String::new);
        Ok(n)
    }
}

/// Largest file validated as a single (non-bundle) object, read whole.
const MAX_SINGLE_OBJECT: u64 = 16 << 20;

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<u8> {
    let checker = pattern::check_message;
    let opts = Options {
        // STIX patterns of indicators are checked by the pattern crate (E033).
        pattern_checker: Some(&checker),
        disabled: &args.disable,
        musts_only: false,
    };
    let mut code = exit::OK;
    for path in &args.files {
        let name = path.display().to_string();
        let report = match validate_file(cli, path, &opts) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("threatledger: {name}: {e}");
                code = exit::ERROR;
                continue;
            }
        };
        if !report.is_valid() {
            code = code.max(exit::REJECTED);
        }
        print_report(cli, args, &name, &report)?;
    }
    Ok(code)
}

/// A report for the file; `Err` only for I/O errors (the file cannot be read).
fn validate_file(cli: &Cli, path: &PathBuf, opts: &Options<'_>) -> std::io::Result<Report> {
    let file = File::open(path)?;
    let size = file.metadata().map(|m| m.len()).ok();
    let mut progress = Progress::bytes(size, cli.quiet);
    let reader = Counting {
        inner: BufReader::with_capacity(1 << 20, file),
        read: 0,
        progress: &mut progress,
    };
    let result = validate::validate_bundle(reader, opts);
    progress.finish();
    match result {
        Ok(r) => Ok(r),
        Err(ReadError::Io(e)) => Err(e),
        // A document holding one object rather than a bundle.
        Err(ReadError::NotABundle { .. }) if size.is_some_and(|s| s <= MAX_SINGLE_OBJECT) => {
            let bytes = std::fs::read(path)?;
            if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                Ok(validate::validate_document(&bytes, opts))
            } else {
                Ok(unreadable(
                    &validate::validate_bundle(&bytes[..], opts).unwrap_err(),
                ))
            }
        }
        Err(e) => Ok(unreadable(&e)),
    }
}

/// The report of a file that cannot be read as STIX at all (one `E001` error).
fn unreadable(e: &ReadError) -> Report {
    let pos = e.position().unwrap_or_default();
    let message = match e {
        ReadError::Syntax {
            message, context, ..
        } if message.starts_with("not JSON") => format!("{message} (in {context})"),
        ReadError::Syntax {
            message, context, ..
        } => format!("not valid JSON: {message} (in {context})"),
        ReadError::Truncated { context, .. } => {
            format!("unexpected end of input in {context}: the file is truncated")
        }
        ReadError::NotABundle { message, .. } => format!("not a STIX bundle: {message}"),
        ReadError::TooLarge { context, limit, .. } => {
            format!("{context} is larger than the limit of {limit} bytes")
        }
        ReadError::TooDeep { context, limit, .. } => {
            format!("JSON nested deeper than {limit} levels in {context}")
        }
        ReadError::Io(e) => e.to_string(),
    };
    Report {
        objects: 0,
        errors: vec![Diagnostic {
            code: validate::Code::E001,
            severity: validate::Severity::Error,
            message,
            id: None,
            path: String::new(),
            line: pos.line,
            column: pos.column,
        }],
        warnings: Vec::new(),
        infos: Vec::new(),
    }
}

fn print_report(cli: &Cli, args: &Args, name: &str, r: &Report) -> anyhow::Result<()> {
    match cli.format {
        Format::Json => print_json(&FileResult {
            file: name,
            valid: r.is_valid(),
            objects: r.objects,
            errors: r.errors.iter().map(JsonDiagnostic::from).collect(),
            warnings: r.warnings.iter().map(JsonDiagnostic::from).collect(),
        }),
        Format::Text => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let mut shown: Vec<&Diagnostic> = r.errors.iter().collect();
            if !args.no_warnings {
                shown.extend(&r.warnings);
            }
            shown.sort_by_key(|d| (d.line, d.column, d.code));
            for d in shown {
                writeln!(out, "{}", d.render(name))?;
            }
            writeln!(
                out,
                "{name}: {} — {} objects, {} errors, {} warnings, {} notes",
                if r.is_valid() { "valid" } else { "invalid" },
                r.objects,
                r.errors.len(),
                r.warnings.len(),
                r.infos.len()
            )?;
            Ok(())
        }
    }
}
