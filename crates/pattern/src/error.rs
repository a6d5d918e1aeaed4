//! Diagnostics: every one has a stable code, the byte offset in the pattern and a
//! message that says what was expected.

use std::fmt;

/// How bad a diagnostic is. Errors make a pattern invalid; warnings flag things
/// the specification allows but that deserve a look (custom types, properties).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// A problem found in a pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PatternError {
    /// Stable code, e.g. `P001`.
    pub code: &'static str,
    pub severity: Severity,
    /// Byte offset in the pattern text.
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{sev}[{}] at offset {}: {}",
            self.code, self.offset, self.message
        )
    }
}

/// The diagnostic codes. `P0xx` are syntax, `P1xx` semantic errors, `P2xx` warnings.
pub mod codes {
    /// Syntax error: the grammar does not accept the text.
    pub const SYNTAX: &str = "P001";
    /// A literal is malformed or out of range.
    pub const LITERAL: &str = "P002";
    /// The same qualifier type is applied twice to one observation expression.
    pub const DUPLICATE_QUALIFIER: &str = "P101";
    /// WITHIN or REPEATS is not positive, or START is not before STOP.
    pub const QUALIFIER_RANGE: &str = "P102";
    /// The MATCHES operand is not a regular expression we can run.
    pub const REGEX: &str = "P103";
    /// ISSUBSET/ISSUPERSET operand is not an IP address or CIDR block.
    pub const CIDR: &str = "P104";
    /// A hash value has the wrong form for its algorithm.
    pub const HASH: &str = "P105";
    /// An object path steps into something that cannot hold the step.
    pub const PATH: &str = "P106";
    /// The object type is not a STIX 2.1 SCO type (custom types are allowed).
    pub const CUSTOM_TYPE: &str = "P201";
    /// The property is not defined for the type (custom properties are allowed).
    pub const CUSTOM_PROPERTY: &str = "P202";
    /// AND joins comparisons on different object types: it can never match.
    pub const NEVER_MATCHES: &str = "P203";
    /// IN set mixes constant types.
    pub const MIXED_SET: &str = "P204";
}

impl PatternError {
    pub(crate) fn new(code: &'static str, offset: usize, message: impl Into<String>) -> Self {
        PatternError {
            code,
            severity: Severity::Error,
            offset,
            message: message.into(),
        }
    }
    pub(crate) fn warning(code: &'static str, offset: usize, message: impl Into<String>) -> Self {
        PatternError {
            code,
            severity: Severity::Warning,
            offset,
            message: message.into(),
        }
    }
    pub(crate) fn syntax(offset: usize, message: impl Into<String>) -> Self {
        PatternError::new(codes::SYNTAX, offset, message)
    }
    pub(crate) fn literal(offset: usize, message: impl Into<String>) -> Self {
        PatternError::new(codes::LITERAL, offset, message)
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
