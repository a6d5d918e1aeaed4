//! STIX identifiers: `type--uuid`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A syntactically valid STIX identifier (`<object-type>--<RFC 4122 UUID>`).
///
/// The text is kept as given (UUID case included) so that round trips are exact.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StixId {
    raw: String,
    sep: usize,
}

/// Why a string is not a STIX identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("identifier '{0}' has no '--' separating the object type from the UUID")]
    NoSeparator(String),
    #[error("identifier '{0}' has an invalid object type part (expected lower-case letters, digits and '-', 3 to 250 characters, starting with a letter)")]
    BadType(String),
    #[error("identifier '{0}' has an invalid UUID part (expected an RFC 4122 UUID such as 1b4e28ba-2fa1-41d2-883f-0016d3cca427)")]
    BadUuid(String),
}

impl StixId {
    /// Parses and checks an identifier.
    pub fn parse(s: &str) -> Result<StixId, IdError> {
        let sep = s
            .find("--")
            .ok_or_else(|| IdError::NoSeparator(s.to_string()))?;
        let (ty, rest) = (&s[..sep], &s[sep + 2..]);
        if !is_valid_type_name(ty) {
            return Err(IdError::BadType(s.to_string()));
        }
        if !is_rfc4122_uuid(rest) {
            return Err(IdError::BadUuid(s.to_string()));
        }
        Ok(StixId {
            raw: s.to_string(),
            sep,
        })
    }

    /// Builds an id from a type and a UUID.
    pub fn new(ty: &str, uuid: uuid::Uuid) -> StixId {
        let raw = format!("{ty}--{uuid}");
        StixId { sep: ty.len(), raw }
    }

    /// A fresh random (version 4) id of the given type.
    pub fn new_v4(ty: &str) -> StixId {
        StixId::new(ty, uuid::Uuid::new_v4())
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The object type part, e.g. `indicator`.
    pub fn object_type(&self) -> &str {
        &self.raw[..self.sep]
    }

    /// The UUID part as text.
    pub fn uuid_str(&self) -> &str {
        &self.raw[self.sep + 2..]
    }

    /// The UUID version nibble (1–5).
    pub fn uuid_version(&self) -> u8 {
        let c = self.uuid_str().as_bytes()[14];
        (c as char).to_digit(16).unwrap_or(0) as u8
    }
}

/// STIX 2.1 §3.1: type names are 3–250 characters of `a-z`, `0-9` and `-`,
/// start with a letter and do not end with `-` (the schema's identifier pattern).
pub fn is_valid_type_name(ty: &str) -> bool {
    let b = ty.as_bytes();
    b.len() >= 3
        && b.len() <= 250
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && *b.last().unwrap() != b'-'
        && !ty.contains("--")
}

/// RFC 4122 layout with version 1–5 and the RFC 4122 variant, as the OASIS schema requires.
pub fn is_rfc4122_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 36 {
        return false;
    }
    for (i, c) in b.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => (b'1'..=b'5').contains(c),
            19 => matches!(c, b'8' | b'9' | b'a' | b'b' | b'A' | b'B'),
            _ => c.is_ascii_hexdigit(),
        };
        if !ok {
            return false;
        }
    }
    true
}

impl fmt::Display for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StixId({})", self.raw)
    }
}

impl std::str::FromStr for StixId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StixId::parse(s)
    }
}

impl AsRef<str> for StixId {
    fn as_ref(&self) -> &str {
        &self.raw
    }
}

impl Serialize for StixId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for StixId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        StixId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<(&str, u8), &str>) {
        match (StixId::parse(input), expect) {
            (Ok(id), Ok((ty, v))) => {
                assert_eq!(id.object_type(), ty);
                assert_eq!(id.uuid_version(), v);
                assert_eq!(id.as_str(), input);
            }
            (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{e}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn ids() {
        check(
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            Ok(("indicator", 4)),
        );
        check(
            "x-mitre-tactic--69da72d2-f550-41c5-ab9e-e8255707f28a",
            Ok(("x-mitre-tactic", 4)),
        );
        check(
            "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
            Ok(("ipv4-addr", 5)),
        );
        check("indicator-8e2e2d2b", Err("no '--'"));
        check(
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            Err("object type"),
        );
        check(
            "indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f",
            Err("UUID"),
        );
        check(
            "indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f",
            Err("UUID"),
        );
        check(
            "in--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            Err("object type"),
        );
    }
}
