//! Typed support for the extensions this product is built on: TLP (1.0 and 2.0),
//! the Incident core extension, the Impact new-SDO with its monetary category, and
//! the project's own crypto-address SCO.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Number, Value};

use crate::object::StixObject;

/// TLP 2.0 marking extension (OASIS common objects).
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// Incident core extension (property-extension on `incident`).
pub const INCIDENT_CORE_EXTENSION_ID: &str =
    "extension-definition--ef765651-680c-498d-9894-99799f2fa126";
/// Impact object (new-SDO `impact`), whose category objects sit under `extensions.<category>`.
pub const IMPACT_EXTENSION_ID: &str = "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9";
/// The project's crypto-address SCO (new-sco), defined by [`crypto_address_extension_definition`].
pub const CRYPTO_ADDRESS_EXTENSION_ID: &str =
    "extension-definition--2b8f5e0c-6a0d-4c5e-9d4b-0f1f4c1d7a01";
pub const CRYPTO_ADDRESS_TYPE: &str = "crypto-address";
/// The identity that authors the project's own definitions.
pub const THREATLEDGER_IDENTITY_ID: &str = "identity--6b1f3f0e-8a1c-4b8e-9a5e-2f7c1d0e9b11";

/// A Traffic Light Protocol level. Order is clearance order: a reader cleared for a
/// level may see everything at or below it (AMBER+STRICT also needs the organisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// Parses `clear`, `white`, `TLP:GREEN`, `amber+strict`, … (case-insensitive).
    pub fn parse(s: &str) -> Option<Tlp> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix("tlp:").unwrap_or(&s);
        Some(match s {
            "clear" | "white" => Tlp::Clear,
            "green" => Tlp::Green,
            "amber" => Tlp::Amber,
            "amber+strict" | "amber-strict" | "amber_strict" => Tlp::AmberStrict,
            "red" => Tlp::Red,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }
    /// The value of `tlp_2_0` in the TLP 2.0 marking extension (`amber+strict`).
    pub fn v2_value(self) -> &'static str {
        self.key()
    }
    fn key(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }
    /// The TLP 2.0 marking-definition id (OASIS common objects).
    pub fn v2_marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }
    /// The TLP level a marking-definition id stands for: TLP 2.0 ids and the four
    /// TLP 1.0 ids predefined by STIX 2.1 §7.2.1.4 (WHITE counts as CLEAR).
    pub fn from_marking_id(id: &str) -> Option<Tlp> {
        Some(match id {
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9" => Tlp::Clear,
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da" => Tlp::Green,
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82" => Tlp::Amber,
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed" => Tlp::Red,
            _ => return Tlp::ALL.into_iter().find(|t| t.v2_marking_id() == id),
        })
    }
    /// The TLP 2.0 marking-definition object, exactly as OASIS publishes it.
    pub fn v2_marking_definition(self) -> StixObject {
        let v = json!({
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": self.v2_marking_id(),
            "created": "2022-10-01T00:00:00.000Z",
            "name": self.name(),
            "extensions": {
                TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": self.key()}
            }
        });
        StixObject::from_value(v).expect("static TLP definition is a valid object")
    }
}

/// The most restrictive TLP among an object's markings (None when it has none).
pub fn object_tlp(o: &StixObject) -> Option<Tlp> {
    o.marking_refs()
        .into_iter()
        .filter_map(Tlp::from_marking_id)
        .max()
}

/// Incident core extension properties (`extensions[INCIDENT_CORE_EXTENSION_ID]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentCoreExt {
    pub extension_type: String,
    /// blocked, failed-attempt, false-positive, low-value, successful-attempt, suspected.
    pub determination: String,
    /// new, open, closed (open vocabulary).
    pub investigation_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<u8>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detection_methods: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incident_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub impact_refs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impacted_entity_counts: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recoverability: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

pub const INCIDENT_DETERMINATIONS: &[&str] = &[
    "blocked",
    "failed-attempt",
    "false-positive",
    "low-value",
    "successful-attempt",
    "suspected",
];

impl IncidentCoreExt {
    pub fn from_object(o: &StixObject) -> Option<IncidentCoreExt> {
        let v = o.get("extensions")?.get(INCIDENT_CORE_EXTENSION_ID)?;
        serde_json::from_value(v.clone()).ok()
    }
}

/// The monetary category of an impact (`extensions.monetary`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonetaryImpact {
    /// Open vocabulary: asset-and-fraud, ransom-demand, ransom-payment, response-and-recovery…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variety: Option<String>,
    /// ISO 4217 code (the OASIS examples use lower case) of min/max_amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The currency actually moved (e.g. `btc`), converted by `conversion_rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_actual: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_amount: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_amount: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_rate: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_time: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The `impact` new-SDO's own properties (common properties stay on the object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactProps {
    /// availability, confidentiality, external, integrity, monetary, physical, traceability.
    pub impact_category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub impacted_refs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by_ref: Option<String>,
}

impl ImpactProps {
    pub fn from_object(o: &StixObject) -> Option<ImpactProps> {
        if o.object_type() != "impact" {
            return None;
        }
        serde_json::from_value(o.to_value()).ok()
    }
}

impl MonetaryImpact {
    /// The monetary category of an `impact` object, where it has one.
    pub fn from_object(o: &StixObject) -> Option<MonetaryImpact> {
        let v = o.get("extensions")?.get("monetary")?;
        serde_json::from_value(v.clone()).ok()
    }
}

/// The project's identity object, author of its extension definitions.
pub fn threatledger_identity() -> StixObject {
    StixObject::from_value(json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": THREATLEDGER_IDENTITY_ID,
        "created": "2026-11-25T00:00:00.000Z",
        "modified": "2026-11-25T00:00:00.000Z",
        "name": "threatledger",
        "identity_class": "system"
    }))
    .expect("static identity is valid")
}

/// The extension-definition of the crypto-address SCO. STIX 2.1 has no built-in
/// type for a cryptocurrency address; this one has `address` (as written on its
/// chain) and `chain` (bitcoin, ethereum, tron…), which also make its id.
pub fn crypto_address_extension_definition() -> StixObject {
    StixObject::from_value(json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": CRYPTO_ADDRESS_EXTENSION_ID,
        "created_by_ref": THREATLEDGER_IDENTITY_ID,
        "created": "2026-11-25T00:00:00.000Z",
        "modified": "2026-11-25T00:00:00.000Z",
        "name": "crypto-address",
        "description": "A cryptocurrency address on one chain. ID contributing properties: address, chain.",
        "schema": "https://github.com/threatledger/threatledger/blob/main/docs/extensions/crypto-address.md",
        "version": "1.0.0",
        "extension_types": ["new-sco"]
    }))
    .expect("static definition is valid")
}

/// A crypto-address SCO with its deterministic id.
pub fn crypto_address(address: &str, chain: &str) -> StixObject {
    let mut m = Map::new();
    m.insert("address".into(), Value::String(address.into()));
    m.insert("chain".into(), Value::String(chain.into()));
    let id = crate::sco_id::deterministic_id(CRYPTO_ADDRESS_TYPE, &m)
        .expect("crypto-address has contributing properties");
    StixObject::from_value(json!({
        "type": CRYPTO_ADDRESS_TYPE,
        "spec_version": "2.1",
        "id": id.as_str(),
        "address": address,
        "chain": chain,
        "extensions": {CRYPTO_ADDRESS_EXTENSION_ID: {"extension_type": "new-sco"}}
    }))
    .expect("built object is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_ids() {
        for t in Tlp::ALL {
            assert_eq!(Tlp::from_marking_id(t.v2_marking_id()), Some(t));
            let md = t.v2_marking_definition();
            assert_eq!(md.name(), Some(t.name()));
        }
        assert_eq!(Tlp::parse("TLP:WHITE"), Some(Tlp::Clear));
        assert_eq!(Tlp::parse("amber+strict"), Some(Tlp::AmberStrict));
        assert!(Tlp::Green < Tlp::AmberStrict && Tlp::AmberStrict < Tlp::Red);
    }

    #[test]
    fn oasis_impact_example_reads() {
        // From oasis-open/cti-stix-common-objects incident-core/impact/examples/paid_ransom.json.
        let o = StixObject::from_json(r#"{"type":"impact","impact_category":"monetary","id":"impact--0c9511ac-e14b-4f48-9d49-54bfc93c9b34","created":"2023-05-02T20:00:00.0002Z","modified":"2023-05-02T20:00:00.0002Z","spec_version":"2.1","description":"Received a ransom demand for 0.5 BTC.","extensions":{"extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9":{"extension_type":"new-sdo"},"monetary":{"currency":"usd","min_amount":0,"max_amount":14413.05,"variety":"ransom-demand","conversion_rate":0.0000346907836994945,"conversion_time":"2023-05-02T20:00:00.0002Z","currency_actual":"btc"}}}"#).unwrap();
        let m = MonetaryImpact::from_object(&o).unwrap();
        assert_eq!(m.max_amount.unwrap().to_string(), "14413.05");
        assert_eq!(m.currency_actual.as_deref(), Some("btc"));
        assert_eq!(
            ImpactProps::from_object(&o).unwrap().impact_category,
            "monetary"
        );
        assert_eq!(o.kind(), crate::ObjectKind::Sdo);
    }

    #[test]
    fn crypto_address_id_is_deterministic() {
        let a = crypto_address("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "bitcoin");
        let b = crypto_address("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "bitcoin");
        assert_eq!(a.id(), b.id());
        assert_eq!(a.id().uuid_version(), 5);
        assert_eq!(a.kind(), crate::ObjectKind::Sco);
    }
}
