//! The STIX 2.1 object types and their categories.

use serde_json::{Map, Value};

/// What kind of object a type is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// STIX Domain Object (standard or defined by a `new-sdo` extension).
    Sdo,
    /// STIX Relationship Object.
    Sro,
    /// STIX Cyber-observable Object (standard or `new-sco`).
    Sco,
    /// Meta object: marking-definition, language-content, extension-definition.
    Meta,
    /// A bundle (not an object that is stored).
    Bundle,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Sdo => "sdo",
            ObjectKind::Sro => "sro",
            ObjectKind::Sco => "sco",
            ObjectKind::Meta => "meta",
            ObjectKind::Bundle => "bundle",
        }
    }
}

/// The 19 STIX 2.1 SDO types.
pub const SDO_TYPES: &[&str] = &[
    "attack-pattern",
    "campaign",
    "course-of-action",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "location",
    "malware",
    "malware-analysis",
    "note",
    "observed-data",
    "opinion",
    "report",
    "threat-actor",
    "tool",
    "vulnerability",
];

/// The 2 STIX 2.1 SRO types.
pub const SRO_TYPES: &[&str] = &["relationship", "sighting"];

/// The 18 STIX 2.1 SCO types.
pub const SCO_TYPES: &[&str] = &[
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

/// The 3 STIX 2.1 meta object types.
pub const META_TYPES: &[&str] = &[
    "marking-definition",
    "language-content",
    "extension-definition",
];

/// True for the types the STIX 2.1 specification itself defines.
pub fn is_standard_type(ty: &str) -> bool {
    SDO_TYPES.contains(&ty)
        || SRO_TYPES.contains(&ty)
        || SCO_TYPES.contains(&ty)
        || META_TYPES.contains(&ty)
        || ty == "bundle"
}

/// The kind of an object. Standard types are looked up; custom types are SDOs when
/// they carry `created`/`modified` or a `new-sdo` extension, SCOs otherwise.
pub fn kind_of(ty: &str, props: &Map<String, Value>) -> ObjectKind {
    if SDO_TYPES.contains(&ty) {
        return ObjectKind::Sdo;
    }
    if SRO_TYPES.contains(&ty) {
        return ObjectKind::Sro;
    }
    if SCO_TYPES.contains(&ty) {
        return ObjectKind::Sco;
    }
    if META_TYPES.contains(&ty) {
        return ObjectKind::Meta;
    }
    if ty == "bundle" {
        return ObjectKind::Bundle;
    }
    if let Some(exts) = props.get("extensions").and_then(Value::as_object) {
        for e in exts.values() {
            match e.get("extension_type").and_then(Value::as_str) {
                Some("new-sdo") => return ObjectKind::Sdo,
                Some("new-sro") => return ObjectKind::Sro,
                Some("new-sco") => return ObjectKind::Sco,
                _ => {}
            }
        }
    }
    if props.contains_key("created") || props.contains_key("modified") {
        ObjectKind::Sdo
    } else {
        ObjectKind::Sco
    }
}
