//! STIX 2.1 patterning for threatledger: a hand-written parser for the whole
//! grammar (STIXPattern.g4) with a round-tripping printer, a validator for
//! operands and object paths, a matcher over observed-data with the
//! specification's semantics, and an index that checks each observation against
//! many indicators at once and turns matches into sightings.
//!
//! **Architecture invariant:** this crate does no I/O: no files, sockets, clock
//! or global state. Observations and indicators come in as values; matches and
//! sighting objects go out as values.

pub mod ast;
pub mod bindings;
pub mod error;
pub mod eval;
pub mod flat;
pub mod gen;
pub mod index;
mod lexer;
pub mod matcher;
pub mod net;
pub mod observed;
pub(crate) mod parser;
mod print;
pub mod sco;
pub mod sighting;
pub(crate) mod validate;

pub use ast::{CompExpr, Literal, ObjectPath, ObsExpr, Op, PathStep, Pattern, PropTest, Qualifier};
pub use error::{codes, PatternError, Severity};
pub use matcher::{MatchResult, Matcher};
pub use observed::{Observation, ObservationSet};
pub use parser::parse;
pub use validate::{check, validate, Validation};

/// [`check`] in the shape the STIX validator's `pattern_checker` hook takes
/// (`stix` cannot depend on this crate; the CLI passes this function in).
pub fn check_message(pattern: &str) -> Result<(), String> {
    check(pattern).map_err(|errs| {
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

#[cfg(test)]
mod tests;
