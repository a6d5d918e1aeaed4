//! The catalogue of diagnostic codes. `E…` codes are violations of a MUST of STIX
//! 2.1 (the object is invalid); `W…` codes are the best-practice (SHOULD) checks
//! of stix2-validator, numbered exactly as its `--disable` codes; `I…` codes are
//! notes. Codes are stable: never renumber, only add.

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

macro_rules! codes {
    ($($code:ident $sev:ident $title:literal $spec:literal;)*) => {
        /// A diagnostic code (see the table in the crate's README).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($code),* }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$code),*];

            /// `E012`, `W202`, …
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code)),* }
            }
            pub fn severity(self) -> Severity {
                match self { $(Code::$code => Severity::$sev),* }
            }
            /// What the code means, in a few words.
            pub fn title(self) -> &'static str {
                match self { $(Code::$code => $title),* }
            }
            /// Where the rule comes from (STIX 2.1 section or stix2-validator check).
            pub fn source(self) -> &'static str {
                match self { $(Code::$code => $spec),* }
            }
        }
    };
}

codes! {
    E001 Error "not a JSON object, or not valid JSON" "§2, RFC 8259";
    E002 Error "missing required property" "§3.2, each object's property table";
    E003 Error "property value has the wrong JSON type" "each object's property table";
    E004 Error "invalid object type name" "§2.9, §3.1";
    E005 Error "invalid identifier" "§2.9";
    E006 Error "identifier does not match the object's type" "§2.9";
    E007 Error "invalid timestamp" "§2.13 (RFC 3339, UTC)";
    E008 Error "timestamp precision not allowed here" "§3.2 created/modified (milliseconds), §6.7.6 time_date_stamp (seconds)";
    E009 Error "timestamps out of order" "§3.2 modified, §4 first_seen/last_seen, valid_from/valid_until, §5 start_time/stop_time";
    E010 Error "reference to an object of a type that is not allowed" "§3.2 created_by_ref, object_marking_refs; §4-§6 *_ref(s)";
    E011 Error "empty list or dictionary" "§2.7 dictionary, §2.10 list";
    E012 Error "value not in the enumeration" "§10 enumerations";
    E013 Error "number out of range" "§3.2 confidence, §4 location, §5 sighting count, §6 ports";
    E014 Error "invalid property name or dictionary key" "§3.1, §2.7, §2.5 hashes";
    E015 Error "reserved property or object type name" "§3.1 reserved names";
    E016 Error "missing or unsupported spec_version" "§3.2 spec_version";
    E017 Error "mutually exclusive properties both present" "§4.13 observed-data, §6 artifact, email-message, network-traffic";
    E018 Error "property required or forbidden by another property" "§4 location, malware, §6 artifact, email-message, §7.2 marking-definition";
    E019 Error "none of a group of properties is present" "§2.5 external reference, §4 location, malware-analysis, §6 SCOs";
    E020 Error "invalid hex or base64 value" "§2.3 binary, §2.6 hex";
    E021 Error "hash value does not fit its algorithm" "§2.5 hashes, §10.6 hash-algorithm-ov";
    E022 Error "invalid URL" "§2.15 (RFC 3986)";
    E023 Error "invalid address, host name or e-mail value" "§6 ipv4-addr, ipv6-addr, mac-addr, domain-name, email-addr";
    E024 Error "invalid language tag" "§3.2 lang, §7.1 language-content (RFC 5646)";
    E025 Error "string does not have the required format" "§2.5 cve/capec ids, §5.1 relationship_type, §6 cpe, mime_type, path_enc, registry key, socket options";
    E026 Error "invalid extension key" "§7.3 extensions";
    E027 Error "extension-definition rules" "§7.3 extension_properties";
    E028 Error "granular marking selector does not resolve" "§7.2.3.1";
    E029 Error "marking definition marks itself" "§7.2.2";
    E030 Error "TLP marking definition differs from the predefined one" "§7.2.1.4 (TLP 1.0), TLP 2.0 extension";
    E031 Error "UUID version not allowed" "§2.9 (UUIDv4 when an SCO has no ID contributing property)";
    E032 Error "observed-data object reference does not resolve" "§4.13 objects (deprecated)";
    E033 Error "invalid STIX pattern" "§9 patterning";
    W101 Warning "custom names should use the x-<source>- prefix" "stix2-validator 101 custom-prefix";
    W102 Warning "custom names should use the x- prefix" "stix2-validator 102 custom-prefix-lax";
    W103 Warning "recommended UUID version not used" "stix2-validator 103 uuid-check";
    W111 Warning "open vocabulary value not lower case with hyphens" "stix2-validator 111 open-vocab-format";
    W121 Warning "kill chain names not lower case with hyphens" "stix2-validator 121 kill-chain-names";
    W141 Warning "observed-data object keys should be non-negative integers" "stix2-validator 141 observable-object-keys";
    W142 Warning "observable dictionary keys should be lower case" "stix2-validator 142 observable-dictionary-keys";
    W143 Warning "malware analysis product should be lower case with hyphens" "stix2-validator 143 malware-analysis-product";
    W149 Warning "windows process priority should end in _CLASS" "stix2-validator 149 windows-process-priority-format";
    W150 Warning "hash algorithm name longer than 30 characters" "stix2-validator 150 hash-length";
    W201 Warning "marking definition type not defined by the specification" "stix2-validator 201 marking-definition-type";
    W202 Warning "relationship not suggested by the specification" "stix2-validator 202 relationship-types";
    W203 Warning "duplicate id with the same modified timestamp" "stix2-validator 203 duplicate-ids";
    W211 Warning "value not in attack-motivation-ov" "stix2-validator 211 attack-motivation";
    W212 Warning "value not in attack-resource-level-ov" "stix2-validator 212 attack-resource-level";
    W213 Warning "value not in identity-class-ov" "stix2-validator 213 identity-class";
    W214 Warning "value not in indicator-type-ov" "stix2-validator 214 indicator-types";
    W215 Warning "value not in industry-sector-ov" "stix2-validator 215 industry-sector";
    W216 Warning "value not in malware-type-ov" "stix2-validator 216 malware-types";
    W218 Warning "value not in report-type-ov" "stix2-validator 218 report-types";
    W219 Warning "value not in threat-actor-type-ov" "stix2-validator 219 threat-actor-types";
    W220 Warning "value not in threat-actor-role-ov" "stix2-validator 220 threat-actor-role";
    W221 Warning "value not in threat-actor-sophistication-ov" "stix2-validator 221 threat-actor-sophistication";
    W222 Warning "value not in tool-type-ov" "stix2-validator 222 tool-types";
    W223 Warning "value not in region-ov" "stix2-validator 223 region";
    W225 Warning "value not in grouping-context-ov" "stix2-validator 225 grouping-context";
    W226 Warning "value not in implementation-language-ov" "stix2-validator 226 implementation-languages";
    W227 Warning "value not in infrastructure-type-ov" "stix2-validator 227 infrastructure-types";
    W228 Warning "value not in malware-capabilities-ov" "stix2-validator 228 malware-capabilities";
    W230 Warning "value not in processor-architecture-ov" "stix2-validator 230 processor-architecture";
    W231 Warning "value not in malware-result-ov" "stix2-validator 231 malware-result";
    W241 Warning "hash algorithm not in hash-algorithm-ov nor x_ custom" "stix2-validator 241 hash-algo";
    W243 Warning "value not in windows-pebinary-type-ov" "stix2-validator 243 windows-pebinary-type";
    W244 Warning "value not in account-type-ov" "stix2-validator 244 account-type";
    W245 Warning "value not in pattern-type-ov" "stix2-validator 245 indicator-pattern-types";
    W271 Warning "file mime_type not of the IANA form type/subtype" "stix2-validator 271 mime-type";
    W272 Warning "protocol not an IANA service or protocol name" "stix2-validator 272 protocols";
    W273 Warning "ipfix key not an IANA IPFIX element name" "stix2-validator 273 ipfix";
    W274 Warning "unknown HTTP request header" "stix2-validator 274 http-request-headers";
    W275 Warning "unknown socket option" "stix2-validator 275 socket-options";
    W276 Warning "unknown PDF document information key" "stix2-validator 276 pdf-doc-info";
    W277 Warning "country not an ISO 3166-1 alpha-2 code" "stix2-validator 277 countries";
    W301 Warning "network-traffic should have both src_port and dst_port" "stix2-validator 301 network-traffic-ports";
    W302 Warning "external reference with a url but no hashes" "stix2-validator 302 extref-hashes";
    W303 Warning "indicator should have both name and description" "stix2-validator 303 indicator-properties";
    W304 Warning "deprecated property used" "stix2-validator 304 deprecated-properties";
    W305 Warning "extension definition without description" "stix2-validator 305 extension-description";
    W306 Warning "toplevel-property-extension without extension_properties" "stix2-validator 306 extension-properties";
    W401 Warning "custom content not defined through an extension definition" "stix2-validator 401 extensions-use";
    I001 Info "pattern syntax not checked" "§9 (no pattern checker configured)";
    I002 Info "SCO id is not the deterministic id of its contributing properties" "§2.9 (SHOULD use UUIDv5)";
}

impl Code {
    /// The stix2-validator check number of a `W` code (`W202` → 202).
    pub fn check_number(self) -> Option<u16> {
        match self.severity() {
            Severity::Warning => self.as_str()[1..].parse().ok(),
            _ => None,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
