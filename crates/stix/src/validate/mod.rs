//! The STIX 2.1 validator: every MUST of the specification (errors, `E…`), the
//! best-practice checks of stix2-validator under the same numbers (warnings,
//! `W…`), and notes (`I…`). See the code table in the crate's README.
//!
//! Each diagnostic carries its code, a message saying what was expected, the
//! object's id, a JSON path (`objects[3].external_references[0].url`) and a line
//! and column. Positions are computed only for objects that have diagnostics.
//!
//! ```text
//! let report = validate_bundle(file, &Options::default())?;
//! for d in &report.errors { eprintln!("{}", d.render("bundle.json")); }
//! ```

mod codes;
mod ctx;
pub mod format;
mod rules;
mod shoulds;
mod walk;

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::io::Read;

use serde_json::Value;

pub use codes::{Code, Severity};

use crate::bundle::{BundleReader, Position, RawObject, ReadError};
use crate::locate;
use ctx::Ctx;

/// A checker for STIX pattern syntax (`pattern_type: "stix"`): `Err(message)`
/// for an invalid pattern.
pub type PatternChecker<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// What to check.
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    /// Checks indicator patterns of type `stix`. Without one, such patterns get
    /// the note `I001` ("pattern syntax not checked"), never an error.
    pub pattern_checker: Option<PatternChecker<'a>>,
    /// Best-practice checks to skip, by stix2-validator number, with its group
    /// numbers: `1` (all 1xx), `2` (all 2xx), `210` (vocabularies), `270`
    /// (registries). As in stix2-validator, disabling `401` turns on `101`
    /// (or `102` when `101` is disabled too).
    pub disabled: &'a [u16],
    /// Only the MUST rules: no best-practice check runs at all (what an import
    /// needs, and faster than disabling them one by one).
    pub musts_only: bool,
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("pattern_checker", &self.pattern_checker.is_some())
            .field("disabled", &self.disabled)
            .field("musts_only", &self.musts_only)
            .finish()
    }
}

impl Options<'_> {
    /// Whether a code is reported (errors always are).
    pub fn enabled(&self, code: Code) -> bool {
        let Some(n) = code.check_number() else {
            return !self.musts_only || code.severity() == Severity::Error;
        };
        if self.musts_only {
            return false;
        }
        let off = |x: u16| self.disabled.contains(&x);
        if off(n)
            || (off(1) && (100..200).contains(&n))
            || (off(2) && (200..300).contains(&n))
            || (off(210) && (211..=245).contains(&n))
            || (off(270) && (271..=277).contains(&n))
        {
            return false;
        }
        match n {
            101 => off(401),
            102 => off(401) && off(101),
            _ => true,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Lower case, no trailing period; says what was expected.
    pub message: String,
    /// The object's id, when it has one.
    pub id: Option<String>,
    /// JSON path from the top of the file (`objects[3].confidence`).
    pub path: String,
    /// 1-based line and column (characters) in the file; 0 when unknown.
    pub line: u32,
    pub column: u32,
}

impl Diagnostic {
    /// `file:line:col: error[E012]: message` (as compilers write diagnostics).
    pub fn render(&self, file: &str) -> String {
        let mut s = String::with_capacity(file.len() + self.message.len() + 48);
        s.push_str(file);
        if self.line > 0 {
            s.push_str(&format!(":{}:{}", self.line, self.column));
        }
        s.push_str(&format!(
            ": {}[{}]: {}",
            self.severity.as_str(),
            self.code,
            self.message
        ));
        if !self.path.is_empty() {
            s.push_str(&format!(" (at {})", self.path));
        }
        s
    }
}

/// The result of validating a bundle.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// How many objects the bundle holds.
    pub objects: usize,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    pub infos: Vec<Diagnostic>,
}

impl Report {
    /// True when no MUST of the specification is violated.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    fn add(&mut self, diags: Vec<Diagnostic>) {
        for d in diags {
            match d.severity {
                Severity::Error => self.errors.push(d),
                Severity::Warning => self.warnings.push(d),
                Severity::Info => self.infos.push(d),
            }
        }
    }
}

/// Validates one object of a bundle. `value` is `raw` parsed; positions of the
/// diagnostics are computed from `raw` (only when there are diagnostics).
pub fn validate_object(raw: &RawObject, value: &Value, opts: &Options<'_>) -> Vec<Diagnostic> {
    let mut cx = Ctx::new(opts, Some(raw.index));
    rules::check_top(&mut cx, value);
    let mut out = cx.out;
    resolve_positions(raw, &mut out);
    out
}

/// Validates an object that is not read from a file: paths are relative to the
/// object and positions are 0.
pub fn validate_value(value: &Value, opts: &Options<'_>) -> Vec<Diagnostic> {
    let mut cx = Ctx::new(opts, None);
    rules::check_top(&mut cx, value);
    cx.out
}

/// Validates a bundle read from `reader`, one object at a time (memory bounded by
/// the largest object plus 8 bytes per object for the duplicate check). An error
/// is returned only when the input cannot be read as a bundle at all; problems
/// of single objects, including JSON syntax inside an object, are diagnostics.
pub fn validate_bundle<R: Read>(reader: R, opts: &Options<'_>) -> Result<Report, ReadError> {
    let mut rd = BundleReader::new(reader);
    let mut report = Report::default();
    // (id, modified) pairs seen, as 64-bit hashes (stix2-validator check 203).
    let mut versions: HashSet<u64> = HashSet::new();
    while let Some(raw) = rd.next_object()? {
        report.objects += 1;
        let value = match raw.parse() {
            Ok(v) => v,
            Err(e) => {
                let pos = e.position().unwrap_or(raw.start);
                report.errors.push(Diagnostic {
                    code: Code::E001,
                    severity: Severity::Error,
                    message: format!("the object is not valid JSON: {}", syntax_message(&e)),
                    id: None,
                    path: format!("objects[{}]", raw.index),
                    line: pos.line,
                    column: pos.column,
                });
                continue;
            }
        };
        let mut diags = validate_object(&raw, &value, opts);
        if let (Some(id), Some(modified)) = (
            value.get("id").and_then(Value::as_str),
            value.get("modified").and_then(Value::as_str),
        ) {
            let mut h = std::hash::DefaultHasher::new();
            (id, modified).hash(&mut h);
            if !versions.insert(h.finish()) && opts.enabled(Code::W203) {
                let pos = raw.position_of(locate::locate(
                    &raw.bytes,
                    &[locate::Seg::Key("modified".into())],
                ));
                diags.push(Diagnostic {
                    code: Code::W203,
                    severity: Severity::Warning,
                    message: format!(
                        "duplicate id '{id}' with the same 'modified' ({modified}); versions of an object should differ in 'modified'"
                    ),
                    id: Some(id.to_string()),
                    path: format!("objects[{}].modified", raw.index),
                    line: pos.line,
                    column: pos.column,
                });
            }
        }
        report.add(diags);
    }
    check_bundle_header(&rd, &mut report);
    Ok(report)
}

/// Validates a document holding a single STIX object rather than a bundle.
pub fn validate_document(text: &[u8], opts: &Options<'_>) -> Report {
    let raw = RawObject {
        index: 0,
        start: Position {
            offset: 0,
            line: 1,
            column: 1,
        },
        bytes: text.to_vec(),
    };
    let mut report = Report {
        objects: 1,
        ..Report::default()
    };
    match serde_json::from_slice::<Value>(text) {
        Ok(v) => {
            let mut cx = Ctx::new(opts, None);
            rules::check_top(&mut cx, &v);
            let mut out = cx.out;
            resolve_positions(&raw, &mut out);
            report.add(out);
        }
        Err(e) => report.errors.push(Diagnostic {
            code: Code::E001,
            severity: Severity::Error,
            message: format!("not valid JSON: {}", strip_position(&e.to_string())),
            id: None,
            path: String::new(),
            line: e.line() as u32,
            column: e.column() as u32,
        }),
    }
    report
}

fn check_bundle_header<R: Read>(rd: &BundleReader<R>, report: &mut Report) {
    let h = rd.header();
    let pos = h.id_position.unwrap_or(Position {
        offset: 0,
        line: 1,
        column: 1,
    });
    let mut err = |code: Code, message: String| {
        report.errors.push(Diagnostic {
            code,
            severity: Severity::Error,
            message,
            id: h.id.clone(),
            path: "id".into(),
            line: pos.line,
            column: pos.column,
        })
    };
    match h.id.as_deref() {
        None => err(
            Code::E002,
            "missing required property 'id' of the bundle (expected bundle--<uuid>)".into(),
        ),
        Some(id) => match crate::StixId::parse(id) {
            Ok(sid) if sid.object_type() == "bundle" => {}
            Ok(_) => err(
                Code::E006,
                format!("bundle id {} must start with 'bundle--'", ctx::quote(id)),
            ),
            Err(e) => err(Code::E005, e.to_string()),
        },
    }
}

fn syntax_message(e: &ReadError) -> String {
    match e {
        ReadError::Syntax { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Fills in line and column from the paths, for one object's diagnostics.
fn resolve_positions(raw: &RawObject, diags: &mut [Diagnostic]) {
    if diags.is_empty() {
        return;
    }
    let prefix = format!("objects[{}]", raw.index);
    let mut offsets: Vec<(usize, usize)> = diags
        .iter()
        .enumerate()
        .map(|(n, d)| {
            let rel = d.path.strip_prefix(&prefix).unwrap_or(&d.path);
            (locate::locate(&raw.bytes, &locate::parse_path(rel)), n)
        })
        .collect();
    // One pass over the object's text for all offsets.
    offsets.sort_unstable();
    let mut pos = raw.start;
    let mut at = 0usize;
    for (off, n) in offsets {
        if off > at {
            pos = advance_to(pos, &raw.bytes[at..off.min(raw.bytes.len())]);
            at = off;
        }
        diags[n].line = pos.line;
        diags[n].column = pos.column;
    }
}

fn advance_to(mut p: Position, bytes: &[u8]) -> Position {
    for &b in bytes {
        p.offset += 1;
        if b == b'\n' {
            p.line += 1;
            p.column = 1;
        } else if b & 0xC0 != 0x80 {
            p.column += 1;
        }
    }
    p
}

#[cfg(test)]
mod tests;
