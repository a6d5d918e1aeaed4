//! STIX 2.1 for threatledger: the object model, identifiers, timestamps, canonical
//! JSON and deterministic SCO ids, typed extensions, a streaming bundle reader and
//! the validator.
//!
//! **Architecture invariant:** this crate does no I/O of its own. It never opens a
//! file or socket and never reads the clock; the bundle reader takes any
//! `std::io::Read` its caller provides, and "now" is passed in.

pub mod bundle;
pub mod canonical;
pub mod ext;
pub mod id;
pub mod locate;
pub mod object;
pub mod schema;
pub mod sco_id;
pub mod timestamp;
pub mod types;
pub mod validate;
pub mod vocab;

pub use bundle::{BundleReader, Limits, Position, RawObject, ReadError};
pub use id::StixId;
pub use object::{ObjectError, StixObject};
pub use timestamp::Timestamp;
pub use types::ObjectKind;

/// Errors of this crate's conveniences that parse text.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("line {line} column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(transparent)]
    Object(#[from] ObjectError),
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl Error {
    pub(crate) fn from_json(e: serde_json::Error) -> Error {
        let msg = e.to_string();
        let message = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        };
        Error::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}
