//! Deterministic identifiers for Cyber-observable Objects (STIX 2.1 §2.9).
//!
//! The id is `type--UUIDv5(namespace 00abedb4-aa42-466c-9c01-fed23315a9b7,
//! JCS(object of the type's ID contributing properties that are present))`.
//! When `hashes` contributes, a single hash is used, chosen by preference MD5,
//! SHA-1, SHA-256, SHA-512, else the first listed — what python-stix2 does.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::canonical::canonicalize;
use crate::id::StixId;

/// The STIX 2.1 namespace for SCO UUIDv5 ids.
pub const SCO_NAMESPACE: Uuid = Uuid::from_bytes([
    0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
]);

/// ID contributing properties of the STIX 2.1 SCO types (spec §6, one list per type).
/// `None` for types that are not SCOs known to the spec.
pub fn id_contributing_properties(sco_type: &str) -> Option<&'static [&'static str]> {
    Some(match sco_type {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" => &["value"],
        "email-addr" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "ipv4-addr" => &["value"],
        "ipv6-addr" => &["value"],
        "mac-addr" => &["value"],
        "mutex" => &["name"],
        "network-traffic" => &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        "process" => &[],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "url" => &["value"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        // Project extension (see `ext::crypto`): one address on one chain.
        crate::ext::CRYPTO_ADDRESS_TYPE => &["address", "chain"],
        _ => return None,
    })
}

/// Picks the one hash that contributes to an id.
pub fn choose_one_hash(hashes: &Map<String, Value>) -> Option<(String, Value)> {
    for k in ["MD5", "SHA-1", "SHA-256", "SHA-512"] {
        if let Some(v) = hashes.get(k) {
            return Some((k.to_string(), v.clone()));
        }
    }
    hashes.iter().next().map(|(k, v)| (k.clone(), v.clone()))
}

/// The name (JCS text) that is hashed for an SCO's id, or `None` when no
/// contributing property is present (the id is then a random UUIDv4).
pub fn id_name(sco_type: &str, props: &Map<String, Value>) -> Option<String> {
    let contributing = id_contributing_properties(sco_type)?;
    let mut obj = Map::new();
    for &key in contributing {
        let Some(v) = props.get(key) else { continue };
        if key == "hashes" {
            if let Some((k, h)) = v.as_object().and_then(choose_one_hash) {
                let mut one = Map::new();
                one.insert(k, h);
                obj.insert(key.to_string(), Value::Object(one));
            }
        } else {
            obj.insert(key.to_string(), v.clone());
        }
    }
    if obj.is_empty() {
        return None;
    }
    Some(canonicalize(&Value::Object(obj)))
}

/// The deterministic id of an SCO, or `None` when it has no contributing property
/// (or is not a known SCO type); callers then use a random v4 id.
pub fn deterministic_id(sco_type: &str, props: &Map<String, Value>) -> Option<StixId> {
    let name = id_name(sco_type, props)?;
    Some(StixId::new(
        sco_type,
        Uuid::new_v5(&SCO_NAMESPACE, name.as_bytes()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(ty: &str, props: &str, expect: &str) {
        let m: Map<String, Value> = serde_json::from_str(props).unwrap();
        assert_eq!(deterministic_id(ty, &m).unwrap().as_str(), expect);
    }

    #[test]
    fn spec_and_python_stix2_values() {
        // Values computed by python-stix2 3.0.2 (stix2.IPv4Address(value=...).id etc.).
        check(
            "ipv4-addr",
            r#"{"value":"198.51.100.3"}"#,
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
        );
        check(
            "email-addr",
            r#"{"value":"john@example.com"}"#,
            "email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934",
        );
        check(
            "domain-name",
            r#"{"value":"example.com"}"#,
            "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7",
        );
    }

    #[test]
    fn no_contributing_property() {
        let m: Map<String, Value> = serde_json::from_str(r#"{"pid": 3}"#).unwrap();
        assert!(deterministic_id("process", &m).is_none());
        assert!(deterministic_id("x-custom", &m).is_none());
    }
}
