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
pub mod gen;
pub mod flat;
pub mod index;
pub mod sighting;
pub mod eval;
mod lexer;
pub mod matcher;
pub mod net;
pub mod observed;
pub(crate) mod parser;
mod print;
pub mod sco;
pub(crate) mod validate;

pub use ast::{CompExpr, Literal, ObjectPath, ObsExpr, Op, PathStep, Pattern, PropTest, Qualifier};
pub use error::{codes, PatternError, Severity};
pub use matcher::{MatchResult, Matcher};
pub use observed::{Observation, ObservationSet};
pub use parser::parse;
pub use validate::{check, validate, Validation};

#[cfg(test)]
mod tests;
