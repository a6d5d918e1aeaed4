//! The STIX 2.1 object model as data: for every SDO, SRO, SCO and meta type, its
//! properties with their types and whether they are required, the "at least one
//! of" groups, and the predefined SCO extensions.
//!
//! Written from the STIX 2.1 specification (sections cited per table) and checked
//! against the OASIS JSON schemas; the validator walks these tables, and the
//! best-practice checks use them to tell defined properties from custom ones.

use crate::types::ObjectKind;
use crate::vocab;

/// The type of a property value.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Str,
    Bool,
    /// An integer (JSON numbers with no fractional part) in `min..=max`.
    Int {
        min: i64,
        max: i64,
    },
    /// Any number in `min..=max`.
    Num {
        min: f64,
        max: f64,
    },
    /// RFC 3339 UTC timestamp.
    Timestamp,
    /// Timestamp with at least millisecond precision (`created`, `modified`).
    TimestampMillis,
    /// Timestamp with whole seconds only (`time_date_stamp`).
    TimestampSecs,
    /// An identifier (`type--uuid`) of the given kinds of objects.
    Ref(Refs),
    /// A non-empty list.
    List(&'static Ty),
    /// A closed enumeration.
    Enum(&'static [&'static str]),
    /// A hashes dictionary (§2.5).
    Hashes,
    /// A dictionary (§2.7) with any values.
    Dict,
    /// A dictionary whose keys follow `Key` and whose values have the given type.
    DictOf(Key, &'static Ty),
    /// `^([a-fA-F0-9]{2})+$`.
    Hex,
    /// Base64.
    Binary,
    /// An absolute URI (RFC 3986).
    Url,
    /// A string in a particular format.
    Fmt(Fmt),
    /// Any of these types.
    OneOf(&'static [Ty]),
    /// A nested object with its own properties.
    Struct(&'static Struct),
    /// The `extensions` property.
    Extensions,
    /// `observed-data.objects` (deprecated): a dictionary of embedded SCOs.
    ObservedObjects,
    /// Any JSON value except null and empty lists (custom properties).
    Any,
}

/// Which objects a reference may point to.
#[derive(Debug, Clone, Copy)]
pub enum Refs {
    Any,
    /// One of these types.
    To(&'static [&'static str]),
    /// Not one of these types.
    Not(&'static [&'static str]),
    /// An SCO (standard or custom).
    Sco,
    /// An SDO: any type other than the standard SCO, SRO and meta types.
    Sdo,
}

/// Dictionary key rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// §2.7: `a-z A-Z 0-9 - _`, 1–250 characters.
    Dict,
    /// Socket option names (`SO_*`, `TCP_*`…).
    SocketOption,
    /// EXIF tag names (`Make`, `XResolution`).
    Exif,
    /// Any key.
    Any,
}

/// String formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    LanguageTag,
    Ipv4,
    Ipv6,
    Mac,
    Email,
    Hostname,
    Cpe,
    MimeType,
    Charset,
    RegistryKey,
    RelationshipType,
}

/// A property of an object or of a nested structure.
#[derive(Debug, Clone, Copy)]
pub struct Prop {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
}

/// A nested object type (external reference, kill chain phase, extension…).
#[derive(Debug)]
pub struct Struct {
    /// Human name for messages (`external reference`).
    pub name: &'static str,
    pub props: &'static [Prop],
    /// Unknown properties are errors.
    pub closed: bool,
    /// At least one of these properties MUST be present (empty: no such rule).
    pub any_of: &'static [&'static str],
}

/// One object type.
#[derive(Debug)]
pub struct TypeDef {
    pub name: &'static str,
    pub kind: ObjectKind,
    /// Common properties that apply (SDO/SRO common, SCO common, or the type's own).
    pub common: &'static [Prop],
    pub props: &'static [Prop],
    /// At least one of these properties MUST be present (empty: no such rule).
    pub any_of: &'static [&'static str],
    /// Predefined extensions (§6, SCOs only).
    pub extensions: &'static [(&'static str, &'static Struct)],
}

impl TypeDef {
    /// The definition of a property, common or type-specific.
    pub fn prop(&self, name: &str) -> Option<&'static Prop> {
        self.props
            .iter()
            .chain(self.common.iter())
            .find(|p| p.name == name)
    }
    pub fn extension(&self, name: &str) -> Option<&'static Struct> {
        self.extensions
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
    }
}

impl Struct {
    pub fn prop(&self, name: &str) -> Option<&'static Prop> {
        self.props.iter().find(|p| p.name == name)
    }
}

const fn p(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        required: false,
    }
}
const fn r(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        required: true,
    }
}

const STR: Ty = Ty::Str;
const BOOL: Ty = Ty::Bool;
const STRS: Ty = Ty::List(&Ty::Str);
const TS: Ty = Ty::Timestamp;
const INT: Ty = Ty::Int {
    min: i64::MIN,
    max: i64::MAX,
};
const UINT: Ty = Ty::Int {
    min: 0,
    max: i64::MAX,
};
const NUM: Ty = Ty::Num {
    min: f64::NEG_INFINITY,
    max: f64::INFINITY,
};
const ANY_REF: Ty = Ty::Ref(Refs::Any);
const ANY_REFS: Ty = Ty::List(&Ty::Ref(Refs::Any));

const fn to(types: &'static [&'static str]) -> Ty {
    Ty::Ref(Refs::To(types))
}

/// Types an SRO may not point to (§5.1: source and target are SDOs or SCOs).
pub const NOT_RELATABLE: &[&str] = &[
    "relationship",
    "sighting",
    "bundle",
    "marking-definition",
    "language-content",
    "extension-definition",
];

// ---- Common data types (§2) ----

/// External reference (§2.5).
pub static EXTERNAL_REFERENCE: Struct = Struct {
    name: "external reference",
    props: &[
        r("source_name", STR),
        p("description", STR),
        p("url", Ty::Url),
        p("hashes", Ty::Hashes),
        p("external_id", STR),
    ],
    closed: false,
    any_of: &["description", "url", "external_id"],
};

/// Kill chain phase (§2.8).
pub static KILL_CHAIN_PHASE: Struct = Struct {
    name: "kill chain phase",
    props: &[r("kill_chain_name", STR), r("phase_name", STR)],
    closed: false,
    any_of: &[],
};

/// Granular marking (§7.2.3): `lang` or `marking_ref`, and `selectors`.
pub static GRANULAR_MARKING: Struct = Struct {
    name: "granular marking",
    props: &[
        p("lang", Ty::Fmt(Fmt::LanguageTag)),
        p("marking_ref", to(&["marking-definition"])),
        r("selectors", STRS),
    ],
    closed: false,
    any_of: &["lang", "marking_ref"],
};

const EXTERNAL_REFERENCES: Ty = Ty::List(&Ty::Struct(&EXTERNAL_REFERENCE));
const KILL_CHAIN_PHASES: Ty = Ty::List(&Ty::Struct(&KILL_CHAIN_PHASE));
const GRANULAR_MARKINGS: Ty = Ty::List(&Ty::Struct(&GRANULAR_MARKING));
const MARKING_REFS: Ty = Ty::List(&to(&["marking-definition"]));

/// Common properties of SDOs and SROs (§3.2).
pub static SDO_COMMON: &[Prop] = &[
    r("type", STR),
    r("spec_version", STR),
    r("id", ANY_REF),
    p("created_by_ref", to(&["identity"])),
    r("created", Ty::TimestampMillis),
    r("modified", Ty::TimestampMillis),
    p("revoked", BOOL),
    p("labels", STRS),
    p("confidence", Ty::Int { min: 0, max: 100 }),
    p("lang", Ty::Fmt(Fmt::LanguageTag)),
    p("external_references", EXTERNAL_REFERENCES),
    p("object_marking_refs", MARKING_REFS),
    p("granular_markings", GRANULAR_MARKINGS),
    p("extensions", Ty::Extensions),
];

/// Common properties of SCOs (§3.2, §6).
pub static SCO_COMMON: &[Prop] = &[
    r("type", STR),
    p("spec_version", STR),
    r("id", ANY_REF),
    p("object_marking_refs", MARKING_REFS),
    p("granular_markings", GRANULAR_MARKINGS),
    p("defanged", BOOL),
    p("extensions", Ty::Extensions),
];

// ---- SDOs (§4) ----

const fn sdo(
    name: &'static str,
    props: &'static [Prop],
    any_of: &'static [&'static str],
) -> TypeDef {
    TypeDef {
        name,
        kind: ObjectKind::Sdo,
        common: SDO_COMMON,
        props,
        any_of,
        extensions: &[],
    }
}

const fn sco(
    name: &'static str,
    props: &'static [Prop],
    any_of: &'static [&'static str],
    extensions: &'static [(&'static str, &'static Struct)],
) -> TypeDef {
    TypeDef {
        name,
        kind: ObjectKind::Sco,
        common: SCO_COMMON,
        props,
        any_of,
        extensions,
    }
}

static ATTACK_PATTERN: TypeDef = sdo(
    "attack-pattern",
    &[
        r("name", STR),
        p("description", STR),
        p("aliases", STRS),
        p("kill_chain_phases", KILL_CHAIN_PHASES),
    ],
    &[],
);

static CAMPAIGN: TypeDef = sdo(
    "campaign",
    &[
        r("name", STR),
        p("description", STR),
        p("aliases", STRS),
        p("first_seen", TS),
        p("last_seen", TS),
        p("objective", STR),
    ],
    &[],
);

static COURSE_OF_ACTION: TypeDef = sdo(
    "course-of-action",
    &[r("name", STR), p("description", STR)],
    &[],
);

static GROUPING: TypeDef = sdo(
    "grouping",
    &[
        p("name", STR),
        p("description", STR),
        r("context", STR),
        r("object_refs", ANY_REFS),
    ],
    &[],
);

static IDENTITY: TypeDef = sdo(
    "identity",
    &[
        r("name", STR),
        p("description", STR),
        p("roles", STRS),
        p("identity_class", STR),
        p("sectors", STRS),
        p("contact_information", STR),
    ],
    &[],
);

static INCIDENT: TypeDef = sdo(
    "incident",
    &[
        r("name", STR),
        p("description", STR),
        p("kill_chain_phases", KILL_CHAIN_PHASES),
    ],
    &[],
);

static INDICATOR: TypeDef = sdo(
    "indicator",
    &[
        p("name", STR),
        p("description", STR),
        p("indicator_types", STRS),
        r("pattern", STR),
        r("pattern_type", STR),
        p("pattern_version", STR),
        r("valid_from", TS),
        p("valid_until", TS),
        p("kill_chain_phases", KILL_CHAIN_PHASES),
    ],
    &[],
);

static INFRASTRUCTURE: TypeDef = sdo(
    "infrastructure",
    &[
        r("name", STR),
        p("description", STR),
        p("infrastructure_types", STRS),
        p("aliases", STRS),
        p("kill_chain_phases", KILL_CHAIN_PHASES),
        p("first_seen", TS),
        p("last_seen", TS),
    ],
    &[],
);

static INTRUSION_SET: TypeDef = sdo(
    "intrusion-set",
    &[
        r("name", STR),
        p("description", STR),
        p("aliases", STRS),
        p("first_seen", TS),
        p("last_seen", TS),
        p("goals", STRS),
        p("resource_level", STR),
        p("primary_motivation", STR),
        p("secondary_motivations", STRS),
    ],
    &[],
);

static LOCATION: TypeDef = sdo(
    "location",
    &[
        p("name", STR),
        p("description", STR),
        p(
            "latitude",
            Ty::Num {
                min: -90.0,
                max: 90.0,
            },
        ),
        p(
            "longitude",
            Ty::Num {
                min: -180.0,
                max: 180.0,
            },
        ),
        p(
            "precision",
            Ty::Num {
                min: 0.0,
                max: f64::INFINITY,
            },
        ),
        p("region", STR),
        p("country", STR),
        p("administrative_area", STR),
        p("city", STR),
        p("street_address", STR),
        p("postal_code", STR),
    ],
    &[],
);

static MALWARE: TypeDef = sdo(
    "malware",
    &[
        p("name", STR),
        p("description", STR),
        p("malware_types", STRS),
        r("is_family", BOOL),
        p("aliases", STRS),
        p("kill_chain_phases", KILL_CHAIN_PHASES),
        p("first_seen", TS),
        p("last_seen", TS),
        p("operating_system_refs", Ty::List(&to(&["software"]))),
        p("architecture_execution_envs", STRS),
        p("implementation_languages", STRS),
        p("capabilities", STRS),
        p("sample_refs", Ty::List(&to(&["file", "artifact"]))),
    ],
    &[],
);

static MALWARE_ANALYSIS: TypeDef = sdo(
    "malware-analysis",
    &[
        r("product", STR),
        p("version", STR),
        p("host_vm_ref", to(&["software"])),
        p("operating_system_ref", to(&["software"])),
        p("installed_software_refs", Ty::List(&to(&["software"]))),
        p("configuration_version", STR),
        p("modules", STRS),
        p("analysis_engine_version", STR),
        p("analysis_definition_version", STR),
        p("submitted", TS),
        p("analysis_started", TS),
        p("analysis_ended", TS),
        p("result_name", STR),
        p("result", STR),
        p("analysis_sco_refs", Ty::List(&Ty::Ref(Refs::Sco))),
        p("sample_ref", to(&["file", "network-traffic", "artifact"])),
    ],
    &["result", "analysis_sco_refs"],
);

static NOTE: TypeDef = sdo(
    "note",
    &[
        p("abstract", STR),
        r("content", STR),
        p("authors", STRS),
        r("object_refs", ANY_REFS),
    ],
    &[],
);

static OBSERVED_DATA: TypeDef = sdo(
    "observed-data",
    &[
        r("first_observed", TS),
        r("last_observed", TS),
        r(
            "number_observed",
            Ty::Int {
                min: 1,
                max: 999_999_999,
            },
        ),
        p("objects", Ty::ObservedObjects),
        p(
            "object_refs",
            Ty::List(&Ty::Ref(Refs::Not(&[
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
                "bundle",
                "marking-definition",
                "language-content",
                "extension-definition",
            ]))),
        ),
    ],
    &["objects", "object_refs"],
);

static OPINION: TypeDef = sdo(
    "opinion",
    &[
        p("explanation", STR),
        p("authors", STRS),
        r("opinion", Ty::Enum(vocab::OPINION)),
        r("object_refs", ANY_REFS),
    ],
    &[],
);

static REPORT: TypeDef = sdo(
    "report",
    &[
        r("name", STR),
        p("description", STR),
        p("report_types", STRS),
        r("published", TS),
        r("object_refs", ANY_REFS),
    ],
    &[],
);

static THREAT_ACTOR: TypeDef = sdo(
    "threat-actor",
    &[
        r("name", STR),
        p("description", STR),
        p("threat_actor_types", STRS),
        p("aliases", STRS),
        p("first_seen", TS),
        p("last_seen", TS),
        p("roles", STRS),
        p("goals", STRS),
        p("sophistication", STR),
        p("resource_level", STR),
        p("primary_motivation", STR),
        p("secondary_motivations", STRS),
        p("personal_motivations", STRS),
    ],
    &[],
);

static TOOL: TypeDef = sdo(
    "tool",
    &[
        r("name", STR),
        p("description", STR),
        p("tool_types", STRS),
        p("aliases", STRS),
        p("kill_chain_phases", KILL_CHAIN_PHASES),
        p("tool_version", STR),
    ],
    &[],
);

static VULNERABILITY: TypeDef = sdo(
    "vulnerability",
    &[r("name", STR), p("description", STR)],
    &[],
);

// ---- SROs (§5) ----

static RELATIONSHIP: TypeDef = TypeDef {
    name: "relationship",
    kind: ObjectKind::Sro,
    common: SDO_COMMON,
    props: &[
        r("relationship_type", Ty::Fmt(Fmt::RelationshipType)),
        p("description", STR),
        r("source_ref", Ty::Ref(Refs::Not(NOT_RELATABLE))),
        r("target_ref", Ty::Ref(Refs::Not(NOT_RELATABLE))),
        p("start_time", TS),
        p("stop_time", TS),
    ],
    any_of: &[],
    extensions: &[],
};

static SIGHTING: TypeDef = TypeDef {
    name: "sighting",
    kind: ObjectKind::Sro,
    common: SDO_COMMON,
    props: &[
        p("description", STR),
        p("first_seen", TS),
        p("last_seen", TS),
        p(
            "count",
            Ty::Int {
                min: 0,
                max: 999_999_999,
            },
        ),
        r("sighting_of_ref", Ty::Ref(Refs::Sdo)),
        p("observed_data_refs", Ty::List(&to(&["observed-data"]))),
        p(
            "where_sighted_refs",
            Ty::List(&to(&["identity", "location"])),
        ),
        p("summary", BOOL),
    ],
    any_of: &[],
    extensions: &[],
};

// ---- Meta objects (§7) ----

static MARKING_DEFINITION: TypeDef = TypeDef {
    name: "marking-definition",
    kind: ObjectKind::Meta,
    common: &[
        r("type", STR),
        r("spec_version", STR),
        r("id", ANY_REF),
        p("created_by_ref", to(&["identity"])),
        r("created", Ty::TimestampMillis),
        p("external_references", EXTERNAL_REFERENCES),
        p("object_marking_refs", MARKING_REFS),
        p("granular_markings", GRANULAR_MARKINGS),
        p("extensions", Ty::Extensions),
    ],
    props: &[
        p("name", STR),
        p("definition_type", STR),
        p("definition", Ty::Dict),
    ],
    any_of: &[],
    extensions: &[],
};

static LANGUAGE_CONTENT: TypeDef = TypeDef {
    name: "language-content",
    kind: ObjectKind::Meta,
    common: &[
        r("type", STR),
        r("spec_version", STR),
        r("id", ANY_REF),
        p("created_by_ref", to(&["identity"])),
        r("created", Ty::TimestampMillis),
        r("modified", Ty::TimestampMillis),
        p("revoked", BOOL),
        p("labels", STRS),
        p("confidence", Ty::Int { min: 0, max: 100 }),
        p("external_references", EXTERNAL_REFERENCES),
        p("object_marking_refs", MARKING_REFS),
        p("granular_markings", GRANULAR_MARKINGS),
        p("extensions", Ty::Extensions),
    ],
    props: &[
        r(
            "object_ref",
            Ty::Ref(Refs::Not(&["bundle", "language-content"])),
        ),
        p("object_modified", TS),
        // Checked by the language-content rules (keys are language tags).
        r("contents", Ty::Dict),
    ],
    any_of: &[],
    extensions: &[],
};

static EXTENSION_DEFINITION: TypeDef = TypeDef {
    name: "extension-definition",
    kind: ObjectKind::Meta,
    common: &[
        r("type", STR),
        r("spec_version", STR),
        r("id", ANY_REF),
        r("created_by_ref", to(&["identity"])),
        r("created", Ty::TimestampMillis),
        r("modified", Ty::TimestampMillis),
        p("revoked", BOOL),
        p("labels", STRS),
        p("external_references", EXTERNAL_REFERENCES),
        p("object_marking_refs", MARKING_REFS),
        p("granular_markings", GRANULAR_MARKINGS),
    ],
    props: &[
        r("name", STR),
        p("description", STR),
        r("schema", STR),
        r("version", STR),
        r(
            "extension_types",
            Ty::List(&Ty::Enum(vocab::EXTENSION_TYPE)),
        ),
        p("extension_properties", STRS),
    ],
    any_of: &[],
    extensions: &[],
};

// ---- SCOs (§6) ----

static ARTIFACT: TypeDef = sco(
    "artifact",
    &[
        p("mime_type", Ty::Fmt(Fmt::MimeType)),
        p("payload_bin", Ty::Binary),
        p("url", Ty::Url),
        p("hashes", Ty::Hashes),
        p(
            "encryption_algorithm",
            Ty::Enum(vocab::ENCRYPTION_ALGORITHM),
        ),
        p("decryption_key", STR),
    ],
    &["payload_bin", "url"],
    &[],
);

static AUTONOMOUS_SYSTEM: TypeDef = sco(
    "autonomous-system",
    &[r("number", INT), p("name", STR), p("rir", STR)],
    &[],
    &[],
);

static DIRECTORY: TypeDef = sco(
    "directory",
    &[
        r("path", STR),
        p("path_enc", Ty::Fmt(Fmt::Charset)),
        p("ctime", TS),
        p("mtime", TS),
        p("atime", TS),
        p("contains_refs", Ty::List(&to(&["file", "directory"]))),
    ],
    &[],
    &[],
);

static DOMAIN_NAME: TypeDef = sco(
    "domain-name",
    &[
        r("value", Ty::Fmt(Fmt::Hostname)),
        p(
            "resolves_to_refs",
            Ty::List(&to(&["ipv4-addr", "ipv6-addr", "domain-name"])),
        ),
    ],
    &[],
    &[],
);

static EMAIL_ADDR: TypeDef = sco(
    "email-addr",
    &[
        r("value", Ty::Fmt(Fmt::Email)),
        p("display_name", STR),
        p("belongs_to_ref", to(&["user-account"])),
    ],
    &[],
    &[],
);

/// Email MIME component (§6.6.2).
pub static MIME_PART: Struct = Struct {
    name: "email MIME component",
    props: &[
        p("body", STR),
        p("body_raw_ref", to(&["artifact", "file"])),
        p("content_type", STR),
        p("content_disposition", STR),
    ],
    closed: false,
    any_of: &["body", "body_raw_ref"],
};

const EMAIL_ADDR_REF: Ty = to(&["email-addr"]);

static EMAIL_MESSAGE: TypeDef = sco(
    "email-message",
    &[
        r("is_multipart", BOOL),
        p("date", TS),
        p("content_type", STR),
        p("from_ref", EMAIL_ADDR_REF),
        p("sender_ref", EMAIL_ADDR_REF),
        p("to_refs", Ty::List(&EMAIL_ADDR_REF)),
        p("cc_refs", Ty::List(&EMAIL_ADDR_REF)),
        p("bcc_refs", Ty::List(&EMAIL_ADDR_REF)),
        p("message_id", STR),
        p("subject", STR),
        p("received_lines", STRS),
        p(
            "additional_header_fields",
            Ty::DictOf(Key::Dict, &Ty::OneOf(&[Ty::Str, Ty::List(&Ty::Str)])),
        ),
        p("body", STR),
        p("body_multipart", Ty::List(&Ty::Struct(&MIME_PART))),
        p("raw_email_ref", to(&["artifact"])),
    ],
    &[],
    &[],
);

/// Alternate data stream (§6.7.3).
pub static ALTERNATE_DATA_STREAM: Struct = Struct {
    name: "alternate data stream",
    props: &[r("name", STR), p("hashes", Ty::Hashes), p("size", UINT)],
    closed: false,
    any_of: &[],
};

pub static ARCHIVE_EXT: Struct = Struct {
    name: "archive-ext",
    props: &[
        r("contains_refs", Ty::List(&to(&["file", "directory"]))),
        p("comment", STR),
    ],
    closed: false,
    any_of: &[],
};

pub static NTFS_EXT: Struct = Struct {
    name: "ntfs-ext",
    props: &[
        p("sid", STR),
        p(
            "alternate_data_streams",
            Ty::List(&Ty::Struct(&ALTERNATE_DATA_STREAM)),
        ),
    ],
    closed: false,
    any_of: &["sid", "alternate_data_streams"],
};

pub static PDF_EXT: Struct = Struct {
    name: "pdf-ext",
    props: &[
        p("version", STR),
        p("is_optimized", BOOL),
        p("document_info_dict", Ty::DictOf(Key::Dict, &Ty::Str)),
        p("pdfid0", STR),
        p("pdfid1", STR),
    ],
    closed: false,
    any_of: &[
        "version",
        "is_optimized",
        "document_info_dict",
        "pdfid0",
        "pdfid1",
    ],
};

pub static RASTER_IMAGE_EXT: Struct = Struct {
    name: "raster-image-ext",
    props: &[
        p("image_height", INT),
        p("image_width", INT),
        p("bits_per_pixel", INT),
        p(
            "exif_tags",
            Ty::DictOf(Key::Exif, &Ty::OneOf(&[Ty::Str, INT])),
        ),
    ],
    closed: false,
    any_of: &["image_height", "image_width", "bits_per_pixel", "exif_tags"],
};

/// Windows PE optional header (§6.7.6.2); closed: only these properties.
pub static PE_OPTIONAL_HEADER: Struct = Struct {
    name: "windows PE optional header",
    props: &[
        p("magic_hex", Ty::Hex),
        p("major_linker_version", INT),
        p("minor_linker_version", INT),
        p("size_of_code", UINT),
        p("size_of_initialized_data", UINT),
        p("size_of_uninitialized_data", UINT),
        p("address_of_entry_point", INT),
        p("base_of_code", INT),
        p("base_of_data", INT),
        p("image_base", INT),
        p("section_alignment", INT),
        p("file_alignment", INT),
        p("major_os_version", INT),
        p("minor_os_version", INT),
        p("major_image_version", INT),
        p("minor_image_version", INT),
        p("major_subsystem_version", INT),
        p("minor_subsystem_version", INT),
        p("win32_version_value_hex", Ty::Hex),
        p("size_of_image", UINT),
        p("size_of_headers", UINT),
        p("checksum_hex", Ty::Hex),
        p("subsystem_hex", Ty::Hex),
        p("dll_characteristics_hex", Ty::Hex),
        p("size_of_stack_reserve", UINT),
        p("size_of_stack_commit", UINT),
        p("size_of_heap_reserve", UINT),
        p("size_of_heap_commit", UINT),
        p("loader_flags_hex", Ty::Hex),
        p("number_of_rva_and_sizes", INT),
        p("hashes", Ty::Hashes),
    ],
    closed: true,
    any_of: &[],
};

pub static PE_SECTION: Struct = Struct {
    name: "windows PE section",
    props: &[
        r("name", STR),
        p("size", UINT),
        p("entropy", NUM),
        p("hashes", Ty::Hashes),
    ],
    closed: false,
    any_of: &[],
};

pub static WINDOWS_PEBINARY_EXT: Struct = Struct {
    name: "windows-pebinary-ext",
    props: &[
        r("pe_type", STR),
        p("imphash", STR),
        p("machine_hex", Ty::Hex),
        p("number_of_sections", UINT),
        p("time_date_stamp", Ty::TimestampSecs),
        p("pointer_to_symbol_table_hex", Ty::Hex),
        p("number_of_symbols", UINT),
        p("size_of_optional_header", UINT),
        p("characteristics_hex", Ty::Hex),
        p("file_header_hashes", Ty::Hashes),
        p("optional_header", Ty::Struct(&PE_OPTIONAL_HEADER)),
        p("sections", Ty::List(&Ty::Struct(&PE_SECTION))),
    ],
    closed: false,
    any_of: &[
        "imphash",
        "machine_hex",
        "number_of_sections",
        "time_date_stamp",
        "pointer_to_symbol_table_hex",
        "number_of_symbols",
        "size_of_optional_header",
        "characteristics_hex",
        "file_header_hashes",
        "optional_header",
        "sections",
    ],
};

static FILE: TypeDef = sco(
    "file",
    &[
        p("hashes", Ty::Hashes),
        p("size", UINT),
        p("name", STR),
        p("name_enc", Ty::Fmt(Fmt::Charset)),
        p("magic_number_hex", Ty::Hex),
        p("mime_type", STR),
        p("ctime", TS),
        p("mtime", TS),
        p("atime", TS),
        p("parent_directory_ref", to(&["directory"])),
        p("contains_refs", Ty::List(&Ty::Ref(Refs::Sco))),
        p("content_ref", to(&["artifact"])),
    ],
    &["hashes", "name"],
    &[
        ("archive-ext", &ARCHIVE_EXT),
        ("ntfs-ext", &NTFS_EXT),
        ("pdf-ext", &PDF_EXT),
        ("raster-image-ext", &RASTER_IMAGE_EXT),
        ("windows-pebinary-ext", &WINDOWS_PEBINARY_EXT),
    ],
);

static IPV4_ADDR: TypeDef = sco(
    "ipv4-addr",
    &[
        r("value", Ty::Fmt(Fmt::Ipv4)),
        p("resolves_to_refs", Ty::List(&to(&["mac-addr"]))),
        p("belongs_to_refs", Ty::List(&to(&["autonomous-system"]))),
    ],
    &[],
    &[],
);

static IPV6_ADDR: TypeDef = sco(
    "ipv6-addr",
    &[
        r("value", Ty::Fmt(Fmt::Ipv6)),
        p("resolves_to_refs", Ty::List(&to(&["mac-addr"]))),
        p("belongs_to_refs", Ty::List(&to(&["autonomous-system"]))),
    ],
    &[],
    &[],
);

static MAC_ADDR: TypeDef = sco("mac-addr", &[r("value", Ty::Fmt(Fmt::Mac))], &[], &[]);

static MUTEX: TypeDef = sco("mutex", &[r("name", STR)], &[], &[]);

pub static HTTP_REQUEST_EXT: Struct = Struct {
    name: "http-request-ext",
    props: &[
        r("request_method", STR),
        r("request_value", STR),
        p("request_version", STR),
        p("request_header", Ty::DictOf(Key::Dict, &STRS)),
        p("message_body_length", INT),
        p("message_body_data_ref", to(&["artifact"])),
    ],
    closed: false,
    any_of: &[],
};

pub static ICMP_EXT: Struct = Struct {
    name: "icmp-ext",
    props: &[r("icmp_type_hex", Ty::Hex), r("icmp_code_hex", Ty::Hex)],
    closed: false,
    any_of: &[],
};

pub static SOCKET_EXT: Struct = Struct {
    name: "socket-ext",
    props: &[
        r("address_family", Ty::Enum(vocab::SOCKET_ADDRESS_FAMILY)),
        p("is_blocking", BOOL),
        p("is_listening", BOOL),
        p("options", Ty::DictOf(Key::SocketOption, &INT)),
        p("socket_type", Ty::Enum(vocab::SOCKET_TYPE)),
        p("socket_descriptor", UINT),
        p("socket_handle", INT),
    ],
    closed: false,
    any_of: &[],
};

pub static TCP_EXT: Struct = Struct {
    name: "tcp-ext",
    props: &[p("src_flags_hex", Ty::Hex), p("dst_flags_hex", Ty::Hex)],
    closed: false,
    any_of: &["src_flags_hex", "dst_flags_hex"],
};

const PORT: Ty = Ty::Int { min: 0, max: 65535 };
const NET_ENDPOINT: Ty = to(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);

static NETWORK_TRAFFIC: TypeDef = sco(
    "network-traffic",
    &[
        p("start", TS),
        p("end", TS),
        p("is_active", BOOL),
        p("src_ref", NET_ENDPOINT),
        p("dst_ref", NET_ENDPOINT),
        p("src_port", PORT),
        p("dst_port", PORT),
        r("protocols", STRS),
        p("src_byte_count", INT),
        p("dst_byte_count", INT),
        p("src_packets", INT),
        p("dst_packets", INT),
        p("ipfix", Ty::DictOf(Key::Dict, &Ty::OneOf(&[Ty::Str, INT]))),
        p("src_payload_ref", to(&["artifact"])),
        p("dst_payload_ref", to(&["artifact"])),
        p("encapsulates_refs", Ty::List(&to(&["network-traffic"]))),
        p("encapsulated_by_ref", to(&["network-traffic"])),
    ],
    &["src_ref", "dst_ref"],
    &[
        ("http-request-ext", &HTTP_REQUEST_EXT),
        ("icmp-ext", &ICMP_EXT),
        ("socket-ext", &SOCKET_EXT),
        ("tcp-ext", &TCP_EXT),
    ],
);

pub static WINDOWS_PROCESS_EXT: Struct = Struct {
    name: "windows-process-ext",
    props: &[
        p("aslr_enabled", BOOL),
        p("dep_enabled", BOOL),
        p("priority", STR),
        p("owner_sid", STR),
        p("window_title", STR),
        // A dictionary whose keys SHOULD be STARTUPINFO member names (§6.11.2).
        p("startup_info", Ty::Dict),
        p("integrity_level", Ty::Enum(vocab::WINDOWS_INTEGRITY_LEVEL)),
    ],
    closed: false,
    any_of: &[
        "aslr_enabled",
        "dep_enabled",
        "priority",
        "owner_sid",
        "window_title",
        "startup_info",
        "integrity_level",
    ],
};

pub static WINDOWS_SERVICE_EXT: Struct = Struct {
    name: "windows-service-ext",
    props: &[
        p("service_name", STR),
        p("descriptions", STRS),
        p("display_name", STR),
        p("group_name", STR),
        p("start_type", Ty::Enum(vocab::WINDOWS_SERVICE_START_TYPE)),
        p("service_dll_refs", Ty::List(&to(&["file"]))),
        p("service_type", Ty::Enum(vocab::WINDOWS_SERVICE_TYPE)),
        p("service_status", Ty::Enum(vocab::WINDOWS_SERVICE_STATUS)),
    ],
    closed: false,
    any_of: &[
        "service_name",
        "descriptions",
        "display_name",
        "group_name",
        "start_type",
        "service_dll_refs",
        "service_type",
        "service_status",
    ],
};

static PROCESS: TypeDef = sco(
    "process",
    &[
        p("is_hidden", BOOL),
        p("pid", INT),
        p("created_time", TS),
        p("cwd", STR),
        p("command_line", STR),
        p("environment_variables", Ty::Dict),
        p(
            "opened_connection_refs",
            Ty::List(&to(&["network-traffic"])),
        ),
        p("creator_user_ref", to(&["user-account"])),
        p("image_ref", to(&["file"])),
        p("parent_ref", to(&["process"])),
        p("child_refs", Ty::List(&to(&["process"]))),
    ],
    &[
        "extensions",
        "is_hidden",
        "pid",
        "created_time",
        "cwd",
        "command_line",
        "environment_variables",
        "opened_connection_refs",
        "creator_user_ref",
        "image_ref",
        "parent_ref",
        "child_refs",
    ],
    &[
        ("windows-process-ext", &WINDOWS_PROCESS_EXT),
        ("windows-service-ext", &WINDOWS_SERVICE_EXT),
    ],
);

static SOFTWARE: TypeDef = sco(
    "software",
    &[
        r("name", STR),
        p("cpe", Ty::Fmt(Fmt::Cpe)),
        p("swid", STR),
        p("languages", Ty::List(&Ty::Fmt(Fmt::LanguageTag))),
        p("vendor", STR),
        p("version", STR),
    ],
    &[],
    &[],
);

static URL: TypeDef = sco("url", &[r("value", Ty::Url)], &[], &[]);

pub static UNIX_ACCOUNT_EXT: Struct = Struct {
    name: "unix-account-ext",
    props: &[
        p("gid", INT),
        p("groups", STRS),
        p("home_dir", STR),
        p("shell", STR),
    ],
    closed: false,
    any_of: &["gid", "groups", "home_dir", "shell"],
};

static USER_ACCOUNT: TypeDef = sco(
    "user-account",
    &[
        p("user_id", STR),
        p("credential", STR),
        p("account_login", STR),
        p("account_type", STR),
        p("display_name", STR),
        p("is_service_account", BOOL),
        p("is_privileged", BOOL),
        p("can_escalate_privs", BOOL),
        p("is_disabled", BOOL),
        p("account_created", TS),
        p("account_expires", TS),
        p("credential_last_changed", TS),
        p("account_first_login", TS),
        p("account_last_login", TS),
    ],
    &[
        "extensions",
        "user_id",
        "credential",
        "account_login",
        "account_type",
        "display_name",
        "is_service_account",
        "is_privileged",
        "can_escalate_privs",
        "is_disabled",
        "account_created",
        "account_expires",
        "credential_last_changed",
        "account_first_login",
        "account_last_login",
    ],
    &[("unix-account-ext", &UNIX_ACCOUNT_EXT)],
);

/// Windows registry value (§6.17.2).
pub static REGISTRY_VALUE: Struct = Struct {
    name: "windows registry value",
    props: &[
        p("name", STR),
        p("data", STR),
        p("data_type", Ty::Enum(vocab::WINDOWS_REGISTRY_DATATYPE)),
    ],
    closed: false,
    any_of: &["name", "data", "data_type"],
};

static WINDOWS_REGISTRY_KEY: TypeDef = sco(
    "windows-registry-key",
    &[
        p("key", Ty::Fmt(Fmt::RegistryKey)),
        p("values", Ty::List(&Ty::Struct(&REGISTRY_VALUE))),
        p("modified_time", TS),
        p("creator_user_ref", to(&["user-account"])),
        p("number_of_subkeys", INT),
    ],
    &[
        "key",
        "values",
        "modified_time",
        "creator_user_ref",
        "number_of_subkeys",
    ],
    &[],
);

/// X.509 v3 extensions (§6.18.2).
pub static X509_V3_EXTENSIONS: Struct = Struct {
    name: "x509 v3 extensions",
    props: &[
        p("basic_constraints", STR),
        p("name_constraints", STR),
        p("policy_constraints", STR),
        p("key_usage", STR),
        p("extended_key_usage", STR),
        p("subject_key_identifier", STR),
        p("authority_key_identifier", STR),
        p("subject_alternative_name", STR),
        p("issuer_alternative_name", STR),
        p("subject_directory_attributes", STR),
        p("crl_distribution_points", STR),
        p("inhibit_any_policy", STR),
        p("private_key_usage_period_not_before", TS),
        p("private_key_usage_period_not_after", TS),
        p("certificate_policies", STR),
        p("policy_mappings", STR),
    ],
    closed: false,
    any_of: &[
        "basic_constraints",
        "name_constraints",
        "policy_constraints",
        "key_usage",
        "extended_key_usage",
        "subject_key_identifier",
        "authority_key_identifier",
        "subject_alternative_name",
        "issuer_alternative_name",
        "subject_directory_attributes",
        "crl_distribution_points",
        "inhibit_any_policy",
        "private_key_usage_period_not_before",
        "private_key_usage_period_not_after",
        "certificate_policies",
        "policy_mappings",
    ],
};

static X509_CERTIFICATE: TypeDef = sco(
    "x509-certificate",
    &[
        p("is_self_signed", BOOL),
        p("hashes", Ty::Hashes),
        p("version", STR),
        p("serial_number", STR),
        p("signature_algorithm", STR),
        p("issuer", STR),
        p("validity_not_before", TS),
        p("validity_not_after", TS),
        p("subject", STR),
        p("subject_public_key_algorithm", STR),
        p("subject_public_key_modulus", STR),
        p("subject_public_key_exponent", INT),
        p("x509_v3_extensions", Ty::Struct(&X509_V3_EXTENSIONS)),
    ],
    &[
        "is_self_signed",
        "hashes",
        "version",
        "serial_number",
        "signature_algorithm",
        "issuer",
        "validity_not_before",
        "validity_not_after",
        "subject",
        "subject_public_key_algorithm",
        "subject_public_key_modulus",
        "subject_public_key_exponent",
        "x509_v3_extensions",
    ],
    &[],
);

/// Every type the specification defines.
pub static TYPES: &[&TypeDef] = &[
    &ATTACK_PATTERN,
    &CAMPAIGN,
    &COURSE_OF_ACTION,
    &GROUPING,
    &IDENTITY,
    &INCIDENT,
    &INDICATOR,
    &INFRASTRUCTURE,
    &INTRUSION_SET,
    &LOCATION,
    &MALWARE,
    &MALWARE_ANALYSIS,
    &NOTE,
    &OBSERVED_DATA,
    &OPINION,
    &REPORT,
    &THREAT_ACTOR,
    &TOOL,
    &VULNERABILITY,
    &RELATIONSHIP,
    &SIGHTING,
    &MARKING_DEFINITION,
    &LANGUAGE_CONTENT,
    &EXTENSION_DEFINITION,
    &ARTIFACT,
    &AUTONOMOUS_SYSTEM,
    &DIRECTORY,
    &DOMAIN_NAME,
    &EMAIL_ADDR,
    &EMAIL_MESSAGE,
    &FILE,
    &IPV4_ADDR,
    &IPV6_ADDR,
    &MAC_ADDR,
    &MUTEX,
    &NETWORK_TRAFFIC,
    &PROCESS,
    &SOFTWARE,
    &URL,
    &USER_ACCOUNT,
    &WINDOWS_REGISTRY_KEY,
    &X509_CERTIFICATE,
];

/// The definition of a standard type.
pub fn type_def(ty: &str) -> Option<&'static TypeDef> {
    TYPES.iter().copied().find(|t| t.name == ty)
}

/// Definitions used for custom types: the common properties of their kind.
pub static CUSTOM_SDO: TypeDef = TypeDef {
    name: "",
    kind: ObjectKind::Sdo,
    common: SDO_COMMON,
    props: &[],
    any_of: &[],
    extensions: &[],
};
pub static CUSTOM_SCO: TypeDef = TypeDef {
    name: "",
    kind: ObjectKind::Sco,
    common: SCO_COMMON,
    props: &[],
    any_of: &[],
    extensions: &[],
};

/// Property names the specification reserves (§3.1): they MUST NOT be used.
pub const RESERVED_PROPERTIES: &[&str] = &["severity", "action", "username", "phone_numbers"];
/// Object type names the specification reserves.
pub const RESERVED_TYPES: &[&str] = &["action"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_type_is_described_once() {
        use crate::types::{META_TYPES, SCO_TYPES, SDO_TYPES, SRO_TYPES};
        let all: Vec<&str> = SDO_TYPES
            .iter()
            .chain(SRO_TYPES)
            .chain(SCO_TYPES)
            .chain(META_TYPES)
            .copied()
            .collect();
        assert_eq!(TYPES.len(), all.len());
        for t in all {
            assert!(type_def(t).is_some(), "{t}");
        }
        let d = type_def("malware").unwrap();
        assert!(d.prop("is_family").unwrap().required);
        assert!(d.prop("created").unwrap().required);
        assert!(d.prop("x_custom").is_none());
    }
}
