//! Best-practice (SHOULD) checks, numbered as stix2-validator numbers them
//! (`W103` = its check 103, …), so that both tools' warnings compare one to one.
//! Where stix2-validator's tables disagree with the specification we follow the
//! specification; the differences are listed in the crate README.

use serde_json::{Map, Value};

use super::ctx::{quote, show, Ctx};
use super::format as f;
use super::Code;
use crate::schema::TypeDef;
use crate::types::{ObjectKind, SCO_TYPES};
use crate::vocab::{self, RelationshipFit};

/// Open-vocabulary properties whose values should be lower case with hyphens
/// (`W111`), per type.
const VOCAB_STYLE: &[(&str, &[&str])] = &[
    ("grouping", &["context"]),
    ("identity", &["identity_class", "sectors"]),
    ("indicator", &["indicator_types"]),
    ("infrastructure", &["infrastructure_types"]),
    (
        "intrusion-set",
        &[
            "resource_level",
            "primary_motivation",
            "secondary_motivations",
        ],
    ),
    ("location", &["region"]),
    (
        "malware",
        &[
            "malware_types",
            "architecture_execution_envs",
            "implementation_languages",
            "capabilities",
        ],
    ),
    ("malware-analysis", &["result"]),
    ("report", &["report_types"]),
    (
        "threat-actor",
        &[
            "threat_actor_types",
            "roles",
            "sophistication",
            "resource_level",
            "primary_motivation",
            "secondary_motivations",
            "personal_motivations",
        ],
    ),
    ("tool", &["tool_types"]),
    ("marking-definition", &["definition_type"]),
];

/// Properties that should take values from an open vocabulary: (code, type,
/// properties, vocabulary name, vocabulary).
type VocabUse = (
    Code,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
);

const VOCAB_USES: &[VocabUse] = &[
    (
        Code::W211,
        "intrusion-set",
        &["primary_motivation", "secondary_motivations"],
        "attack-motivation-ov",
        vocab::ATTACK_MOTIVATION,
    ),
    (
        Code::W211,
        "threat-actor",
        &[
            "primary_motivation",
            "secondary_motivations",
            "personal_motivations",
        ],
        "attack-motivation-ov",
        vocab::ATTACK_MOTIVATION,
    ),
    (
        Code::W212,
        "intrusion-set",
        &["resource_level"],
        "attack-resource-level-ov",
        vocab::ATTACK_RESOURCE_LEVEL,
    ),
    (
        Code::W212,
        "threat-actor",
        &["resource_level"],
        "attack-resource-level-ov",
        vocab::ATTACK_RESOURCE_LEVEL,
    ),
    (
        Code::W213,
        "identity",
        &["identity_class"],
        "identity-class-ov",
        vocab::IDENTITY_CLASS,
    ),
    (
        Code::W214,
        "indicator",
        &["indicator_types"],
        "indicator-type-ov",
        vocab::INDICATOR_TYPE,
    ),
    (
        Code::W215,
        "identity",
        &["sectors"],
        "industry-sector-ov",
        vocab::INDUSTRY_SECTOR,
    ),
    (
        Code::W216,
        "malware",
        &["malware_types"],
        "malware-type-ov",
        vocab::MALWARE_TYPE,
    ),
    (
        Code::W218,
        "report",
        &["report_types"],
        "report-type-ov",
        vocab::REPORT_TYPE,
    ),
    (
        Code::W219,
        "threat-actor",
        &["threat_actor_types"],
        "threat-actor-type-ov",
        vocab::THREAT_ACTOR_TYPE,
    ),
    (
        Code::W220,
        "threat-actor",
        &["roles"],
        "threat-actor-role-ov",
        vocab::THREAT_ACTOR_ROLE,
    ),
    (
        Code::W221,
        "threat-actor",
        &["sophistication"],
        "threat-actor-sophistication-ov",
        vocab::THREAT_ACTOR_SOPHISTICATION,
    ),
    (
        Code::W222,
        "tool",
        &["tool_types"],
        "tool-type-ov",
        vocab::TOOL_TYPE,
    ),
    (
        Code::W223,
        "location",
        &["region"],
        "region-ov",
        vocab::REGION,
    ),
    (
        Code::W225,
        "grouping",
        &["context"],
        "grouping-context-ov",
        vocab::GROUPING_CONTEXT,
    ),
    (
        Code::W226,
        "malware",
        &["implementation_languages"],
        "implementation-language-ov",
        vocab::IMPLEMENTATION_LANGUAGE,
    ),
    (
        Code::W227,
        "infrastructure",
        &["infrastructure_types"],
        "infrastructure-type-ov",
        vocab::INFRASTRUCTURE_TYPE,
    ),
    (
        Code::W228,
        "malware",
        &["capabilities"],
        "malware-capabilities-ov",
        vocab::MALWARE_CAPABILITIES,
    ),
    (
        Code::W230,
        "malware",
        &["architecture_execution_envs"],
        "processor-architecture-ov",
        vocab::PROCESSOR_ARCHITECTURE,
    ),
    (
        Code::W231,
        "malware-analysis",
        &["result"],
        "malware-result-ov",
        vocab::MALWARE_RESULT,
    ),
    (
        Code::W245,
        "indicator",
        &["pattern_type"],
        "pattern-type-ov",
        vocab::PATTERN_TYPE,
    ),
];

/// Types with `kill_chain_phases` (`W121`).
const KILL_CHAIN_TYPES: &[&str] = &[
    "attack-pattern",
    "incident",
    "indicator",
    "infrastructure",
    "malware",
    "tool",
];

/// Types a relationship check (`W202`) does not look at.
const NON_SDOS: &[&str] = &[
    "bundle",
    "language-content",
    "marking-definition",
    "sighting",
    "relationship",
    "extension-definition",
];

/// Dictionary properties of SCOs whose keys need not be lower case (`W142`).
const DICT_KEY_EXCEPTIONS: &[&str] = &[
    "hashes",
    "file_header_hashes",
    "request_header",
    "additional_header_fields",
    "document_info_dict",
    "exif_tags",
    "ipfix",
    "options",
    "environment_variables",
    "key",
    "startup_info",
];

/// Checks for a top-level object.
pub(crate) fn check<'v>(
    cx: &mut Ctx<'v, '_>,
    def: &'static TypeDef,
    ty: &'v str,
    m: &'v Map<String, Value>,
) {
    let standard = !def.name.is_empty();
    uuid_check(cx, def, ty, m);
    vocab_style(cx, ty, m);
    kill_chain_names(cx, ty, m);
    for &(code, t, props, name, values) in VOCAB_USES {
        if t != ty || !cx.enabled(code) {
            continue;
        }
        for &p in props {
            // Values of the wrong JSON type are errors already; they are not in
            // the vocabulary either (as stix2-validator reports).
            let ok = match m.get(p) {
                None => true,
                Some(Value::Array(a)) => a
                    .iter()
                    .all(|x| x.as_str().is_some_and(|s| values.contains(&s))),
                Some(x) => x.as_str().is_some_and(|s| values.contains(&s)),
            };
            if !ok {
                cx.report_at(
                    p,
                    code,
                    format!("the value of '{p}' is permitted, but is not in {name}"),
                );
            }
        }
    }
    match ty {
        "malware-analysis" => {
            if let Some(p) = m.get("product").and_then(Value::as_str) {
                if p.is_empty()
                    || !p
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
                {
                    cx.report_at(
                        "product",
                        Code::W143,
                        format!(
                            "'product' {} should be lower case with words separated by '-'",
                            quote(p)
                        ),
                    );
                }
            }
        }
        "marking-definition" => {
            if let Some(t) = m.get("definition_type").and_then(Value::as_str) {
                if !vocab::MARKING_DEFINITION_TYPE.contains(&t) {
                    cx.report_at(
                        "definition_type",
                        Code::W201,
                        format!(
                            "'definition_type' {} should be one of: statement, tlp",
                            quote(t)
                        ),
                    );
                }
            }
            if !m.contains_key("extensions")
                && !matches!(
                    m.get("definition_type").and_then(Value::as_str),
                    Some("statement" | "tlp")
                )
            {
                cx.report(Code::W401, "custom marking definitions should be defined through 'extensions' (an extension definition)");
            }
        }
        "relationship" => relationship_types(cx, m),
        "location" => {
            if let Some(c) = m.get("country").and_then(Value::as_str) {
                if !vocab::is_country_code(c) {
                    cx.report_at(
                        "country",
                        Code::W277,
                        format!(
                            "'country' {} should be an ISO 3166-1 alpha-2 code such as KP or US",
                            quote(c)
                        ),
                    );
                }
            }
        }
        "indicator" if !(m.contains_key("name") && m.contains_key("description")) => {
            cx.report(
                Code::W303,
                "an indicator should have both 'name' and 'description'",
            );
        }
        "observed-data" => {
            if let Some(objects) = m.get("objects").and_then(Value::as_object) {
                cx.report_at(
                    "objects",
                    Code::W304,
                    "'objects' is deprecated in STIX 2.1; use 'object_refs' to SCOs in the bundle",
                );
                cx.push("objects");
                for k in objects.keys() {
                    if k.is_empty() || !k.bytes().all(|c| c.is_ascii_digit()) {
                        cx.report_at(
                            k,
                            Code::W141,
                            format!(
                                "observed-data object key {} should be a non-negative integer",
                                quote(k)
                            ),
                        );
                    }
                }
                cx.pop();
            }
        }
        "extension-definition" => {
            if !m.contains_key("description") {
                cx.report(
                    Code::W305,
                    "an extension definition should have a 'description'",
                );
            }
            let toplevel = m
                .get("extension_types")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|t| t == "toplevel-property-extension"));
            if toplevel && !m.contains_key("extension_properties") {
                cx.report(
                    Code::W306,
                    "a toplevel-property-extension should list its property names in 'extension_properties'",
                );
            }
        }
        _ => {}
    }
    extref_hashes(cx, m);

    // W401 (extensions-use) and, when it is disabled, W101/W102 (custom prefixes).
    let custom_type = !standard && !crate::types::is_standard_type(ty) && ty != "action";
    if custom_type && !uses_extension(m, &["new-sdo", "new-sco", "new-sro"]) {
        cx.report_at(
            "type",
            Code::W401,
            format!("custom object type {} should be defined through an extension definition of extension_type new-sdo, new-sco or new-sro", quote(ty)),
        );
    }
    if custom_type {
        prefix_check(cx, "type", ty, PrefixKind::Type);
    }
    if standard {
        let toplevel = uses_extension(m, &["toplevel-property-extension"]);
        for k in m.keys() {
            if def.prop(k).is_some() || crate::schema::RESERVED_PROPERTIES.contains(&k.as_str()) {
                continue;
            }
            if !toplevel {
                cx.report_at(
                    k,
                    Code::W401,
                    format!("custom property {} should be defined through an extension definition (property-extension or toplevel-property-extension)", quote(k)),
                );
            }
            prefix_check(cx, k, k, PrefixKind::Property);
        }
    }
    if SCO_TYPES.contains(&ty) {
        check_sco(cx, def, ty, m);
    }
}

/// `W103`: UUIDv4 for SDOs, SROs and meta objects, UUIDv5 for SCOs (except process).
fn uuid_check<'v>(
    cx: &mut Ctx<'v, '_>,
    def: &'static TypeDef,
    ty: &str,
    m: &'v Map<String, Value>,
) {
    // The version nibble of anything shaped like a UUID (even one the id rules reject).
    let Some(id) = m.get("id").and_then(Value::as_str) else {
        return;
    };
    let Some(v) = id
        .rsplit_once("--")
        .and_then(|(_, u)| uuid::Uuid::parse_str(u).ok())
        .map(|u| u.get_version_num())
    else {
        return;
    };
    if SCO_TYPES.contains(&ty) && ty != "process" {
        // With no ID contributing property present, the id MUST be a v4 (E031):
        // recommending v5 then would contradict the specification.
        let contributing = crate::sco_id::id_contributing_properties(ty).unwrap_or(&[]);
        if !contributing.iter().any(|k| m.contains_key(*k)) {
            return;
        }
        if v != 5 {
            cx.report_at(
                "id",
                Code::W103,
                format!(
                    "cyber-observable id {} should be a UUIDv5 (deterministic) id",
                    quote(id)
                ),
            );
        }
    } else if def.kind == ObjectKind::Sco && ty != "process" {
        // Custom SCOs: v5 when their extension defines contributing properties,
        // v4 otherwise; both are acceptable.
    } else if v != 4 {
        cx.report_at(
            "id",
            Code::W103,
            format!("id {} should use a UUIDv4", quote(id)),
        );
    }
}

fn vocab_style<'v>(cx: &mut Ctx<'v, '_>, ty: &str, m: &'v Map<String, Value>) {
    let Some(&(_, props)) = VOCAB_STYLE.iter().find(|(t, _)| *t == ty) else {
        return;
    };
    for &p in props {
        let bad = |s: &str| !f::is_vocab_style(s);
        let report = |cx: &mut Ctx<'v, '_>, s: &str| {
            cx.report_at(
                p,
                Code::W111,
                format!("open vocabulary value {} should be all lower case, with hyphens instead of spaces or underscores", quote(s)),
            )
        };
        match m.get(p) {
            Some(Value::String(s)) if bad(s) => report(cx, s),
            Some(Value::Array(a)) => {
                for s in a.iter().filter_map(Value::as_str).filter(|s| bad(s)) {
                    report(cx, s);
                }
            }
            _ => {}
        }
    }
}

fn kill_chain_names<'v>(cx: &mut Ctx<'v, '_>, ty: &str, m: &'v Map<String, Value>) {
    if !KILL_CHAIN_TYPES.contains(&ty) {
        return;
    }
    let Some(phases) = m.get("kill_chain_phases").and_then(Value::as_array) else {
        return;
    };
    for (i, ph) in phases.iter().enumerate() {
        for k in ["kill_chain_name", "phase_name"] {
            if let Some(s) = ph.get(k).and_then(Value::as_str) {
                if !f::is_vocab_style(s) {
                    let d = cx.depth();
                    cx.push("kill_chain_phases");
                    cx.push_idx(i);
                    cx.report_at(k, Code::W121, format!("{k} {} should be all lower case, with hyphens instead of spaces or underscores", quote(s)));
                    cx.truncate(d);
                }
            }
        }
    }
}

fn relationship_types<'v>(cx: &mut Ctx<'v, '_>, m: &'v Map<String, Value>) {
    let (Some(rel), Some(src), Some(tgt)) = (
        m.get("relationship_type").and_then(Value::as_str),
        m.get("source_ref").and_then(Value::as_str),
        m.get("target_ref").and_then(Value::as_str),
    ) else {
        return;
    };
    let (Some((src_t, _)), Some((tgt_t, _))) = (src.rsplit_once("--"), tgt.rsplit_once("--"))
    else {
        return;
    };
    if NON_SDOS.contains(&src_t) || NON_SDOS.contains(&tgt_t) {
        return;
    }
    let msg = match vocab::relationship_fit(src_t, rel, tgt_t) {
        RelationshipFit::Defined => return,
        RelationshipFit::UnknownSource => format!("'{src_t}' is permitted, but not a suggested source of a '{rel}' relationship"),
        RelationshipFit::UnknownType => format!("'{rel}' is permitted, but not a suggested relationship type for '{src_t}' objects"),
        RelationshipFit::UnknownTarget => format!("'{tgt_t}' is permitted, but not a suggested target of '{src_t}' objects with the '{rel}' relationship"),
    };
    cx.report_at("relationship_type", Code::W202, msg);
}

/// `W302`: the first external reference with a `url` but no `hashes`.
fn extref_hashes<'v>(cx: &mut Ctx<'v, '_>, m: &'v Map<String, Value>) {
    let Some(refs) = m.get("external_references").and_then(Value::as_array) else {
        return;
    };
    if let Some((i, r)) = refs
        .iter()
        .enumerate()
        .find(|(_, r)| r.get("url").is_some() && r.get("hashes").is_none())
    {
        let src = r.get("source_name").and_then(Value::as_str).unwrap_or("");
        cx.push("external_references");
        cx.push_idx(i);
        cx.report(
            Code::W302,
            format!("external reference {} has a url but no hashes", quote(src)),
        );
        cx.pop();
        cx.pop();
    }
}

/// Whether any extension of the object has one of these extension types.
fn uses_extension(m: &Map<String, Value>, types: &[&str]) -> bool {
    m.get("extensions")
        .and_then(Value::as_object)
        .is_some_and(|e| {
            e.values().any(|x| {
                x.get("extension_type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| types.contains(&t))
            })
        })
}

#[derive(Clone, Copy)]
enum PrefixKind {
    Type,
    Property,
    Extension,
}

/// `W101`/`W102` (only when `401` is disabled): custom names should start with
/// `x-<source>-` / `x_<source>_` (strict) or `x-` / `x_` (lax).
fn prefix_check<'v>(cx: &mut Ctx<'v, '_>, at: &'v str, name: &str, kind: PrefixKind) {
    // `x<sep>` then, for the strict form, `.+<sep>.+`.
    fn form(name: &str, sep: char, strict: bool) -> bool {
        let Some(rest) = name.strip_prefix('x').and_then(|r| r.strip_prefix(sep)) else {
            return false;
        };
        if !strict {
            return !rest.is_empty();
        }
        rest.char_indices()
            .any(|(i, c)| c == sep && i > 0 && i + c.len_utf8() < rest.len())
    }
    let (code, strict) = if cx.enabled(Code::W101) {
        (Code::W101, true)
    } else if cx.enabled(Code::W102) {
        (Code::W102, false)
    } else {
        return;
    };
    let ok = match kind {
        PrefixKind::Type => form(name, '-', strict),
        PrefixKind::Property => form(name, '_', strict),
        PrefixKind::Extension => name
            .strip_suffix("-ext")
            .is_some_and(|stem| form(stem, '-', strict)),
    };
    if !ok {
        let want = match (kind, strict) {
            (PrefixKind::Property, true) => "x_<source>_<name>",
            (PrefixKind::Property, false) => "x_<name>",
            (PrefixKind::Type, true) => "x-<source>-<name>",
            (PrefixKind::Type, false) => "x-<name>",
            (PrefixKind::Extension, true) => "x-<source>-<name>-ext",
            (PrefixKind::Extension, false) => "x-<name>-ext",
        };
        cx.report_at(
            at,
            code,
            format!("custom name {} should have the form {want}", quote(name)),
        );
    }
}

/// Checks stix2-validator applies to cyber-observable objects, top-level or
/// embedded in observed-data `objects`.
pub(crate) fn check_sco<'v>(
    cx: &mut Ctx<'v, '_>,
    def: &'static TypeDef,
    ty: &'v str,
    m: &'v Map<String, Value>,
) {
    dict_keys(cx, m);
    hash_algo(cx, ty, m);
    hash_length(cx, ty, m);
    let ext = |name: &str| {
        m.get("extensions")
            .and_then(|e| e.get(name))
            .and_then(Value::as_object)
    };
    match ty {
        "file" => {
            if let Some(t) = ext("windows-pebinary-ext").and_then(|e| e.get("pe_type")) {
                if !t
                    .as_str()
                    .is_some_and(|t| vocab::WINDOWS_PEBINARY_TYPE.contains(&t))
                {
                    at_ext(
                        cx,
                        "windows-pebinary-ext",
                        "pe_type",
                        Code::W243,
                        format!("'pe_type' {} is not in windows-pebinary-type-ov", show(t)),
                    );
                }
            }
            if let Some(mt) = m.get("mime_type") {
                if !mt.as_str().is_some_and(f::is_mime_type_form) {
                    cx.report_at(
                        "mime_type",
                        Code::W271,
                        format!(
                            "'mime_type' {} should be an IANA media type of the form type/subtype",
                            show(mt)
                        ),
                    );
                }
            }
            if let Some(d) = ext("pdf-ext")
                .and_then(|e| e.get("document_info_dict"))
                .and_then(Value::as_object)
            {
                for k in d
                    .keys()
                    .filter(|k| !vocab::PDF_DOC_INFO_KEYS.contains(&k.as_str()))
                {
                    at_ext(
                        cx,
                        "pdf-ext",
                        "document_info_dict",
                        Code::W276,
                        format!(
                            "{} is not a PDF document information dictionary key",
                            quote(k)
                        ),
                    );
                }
            }
        }
        "user-account" => {
            if let Some(t) = m.get("account_type") {
                if !t.as_str().is_some_and(|t| vocab::ACCOUNT_TYPE.contains(&t)) {
                    cx.report_at(
                        "account_type",
                        Code::W244,
                        format!("'account_type' {} is not in account-type-ov", show(t)),
                    );
                }
            }
        }
        "network-traffic" => {
            if !(m.contains_key("src_port") && m.contains_key("dst_port")) {
                cx.report(
                    Code::W301,
                    "network traffic should have both 'src_port' and 'dst_port'",
                );
            }
            match m.get("protocols") {
                Some(Value::Array(ps)) => {
                    for p in ps
                        .iter()
                        .filter(|p| !p.as_str().is_some_and(f::is_protocol_form))
                    {
                        cx.report_at(
                            "protocols",
                            Code::W272,
                            format!(
                                "protocol {} is not an IANA service or protocol name",
                                show(p)
                            ),
                        );
                    }
                }
                Some(other) => cx.report_at(
                    "protocols",
                    Code::W272,
                    format!(
                        "protocols {} are not IANA service or protocol names",
                        show(other)
                    ),
                ),
                None => {}
            }
            if let Some(ipfix) = m.get("ipfix").and_then(Value::as_object) {
                for k in ipfix.keys().filter(|k| !f::is_ipfix_form(k)) {
                    cx.report_at(
                        "ipfix",
                        Code::W273,
                        format!(
                            "ipfix key {} is not an IANA IPFIX information element name",
                            quote(k)
                        ),
                    );
                }
            }
            if let Some(h) = ext("http-request-ext")
                .and_then(|e| e.get("request_header"))
                .and_then(Value::as_object)
            {
                for k in h
                    .keys()
                    .filter(|k| !vocab::HTTP_REQUEST_HEADERS.contains(&k.as_str()))
                {
                    at_ext(
                        cx,
                        "http-request-ext",
                        "request_header",
                        Code::W274,
                        format!("{} is not a known HTTP request header", quote(k)),
                    );
                }
            }
            if let Some(o) = ext("socket-ext")
                .and_then(|e| e.get("options"))
                .and_then(Value::as_object)
            {
                for k in o.keys().filter(|k| !f::is_socket_option(k)) {
                    at_ext(
                        cx,
                        "socket-ext",
                        "options",
                        Code::W275,
                        format!("{} is not a known socket option", quote(k)),
                    );
                }
            }
        }
        "process" => {
            if let Some(p) = ext("windows-process-ext")
                .and_then(|e| e.get("priority"))
                .and_then(Value::as_str)
            {
                if !(p.len() > "_CLASS".len() && p.ends_with("_CLASS")) {
                    at_ext(
                        cx,
                        "windows-process-ext",
                        "priority",
                        Code::W149,
                        format!(
                            "windows-process-ext 'priority' {} should end in _CLASS",
                            quote(p)
                        ),
                    );
                }
            }
        }
        _ => {}
    }
    custom_sco_content(cx, def, ty, m);
}

/// Reports at `extensions.<ext>.<prop>`.
fn at_ext<'v>(cx: &mut Ctx<'v, '_>, ext: &'v str, prop: &'v str, code: Code, msg: String) {
    let d = cx.depth();
    cx.push("extensions");
    cx.push(ext);
    cx.report_at(prop, code, msg);
    cx.truncate(d);
}

/// `W142`: keys of dictionaries in SCOs should be lower case.
fn dict_keys<'v>(cx: &mut Ctx<'v, '_>, m: &'v Map<String, Value>) {
    for (k, v) in m {
        if k.is_empty() || k.bytes().any(|c| c.is_ascii_uppercase()) {
            cx.report_at(
                k,
                Code::W142,
                format!("dictionary key {} should be lower case", quote(k)),
            );
        }
        if let Value::Object(inner) = v {
            if !DICT_KEY_EXCEPTIONS.contains(&k.as_str()) {
                cx.push(k);
                dict_keys(cx, inner);
                cx.pop();
            }
        }
    }
}

fn valid_hash_name(h: &str) -> bool {
    vocab::HASH_ALGORITHM.contains(&h) || h.starts_with("x_")
}

/// All hashes dictionaries of an SCO with their paths (`W241`, `W150`).
fn each_hashes<'v>(ty: &str, m: &'v Map<String, Value>, mut f: impl FnMut(&'v Map<String, Value>)) {
    if matches!(ty, "file" | "artifact" | "x509-certificate") {
        if let Some(h) = m.get("hashes").and_then(Value::as_object) {
            f(h);
        }
    }
    if ty != "file" {
        return;
    }
    let Some(ext) = m.get("extensions").and_then(Value::as_object) else {
        return;
    };
    if let Some(ads) = ext
        .get("ntfs-ext")
        .and_then(|e| e.get("alternate_data_streams"))
        .and_then(Value::as_array)
    {
        for s in ads {
            if let Some(h) = s.get("hashes").and_then(Value::as_object) {
                f(h);
            }
        }
    }
    if let Some(pe) = ext.get("windows-pebinary-ext") {
        if let Some(h) = pe.get("file_header_hashes").and_then(Value::as_object) {
            f(h);
        }
        if let Some(h) = pe
            .get("optional_header")
            .and_then(|o| o.get("hashes"))
            .and_then(Value::as_object)
        {
            f(h);
        }
        if let Some(secs) = pe.get("sections").and_then(Value::as_array) {
            for s in secs {
                if let Some(h) = s.get("hashes").and_then(Value::as_object) {
                    f(h);
                }
            }
        }
    }
}

fn hash_algo<'v>(cx: &mut Ctx<'v, '_>, ty: &str, m: &'v Map<String, Value>) {
    let mut bad: Vec<&str> = Vec::new();
    each_hashes(ty, m, |h| {
        bad.extend(h.keys().map(String::as_str).filter(|k| !valid_hash_name(k)))
    });
    for k in bad {
        cx.report(Code::W241, format!("hash algorithm {} is not in hash-algorithm-ov nor a custom name starting with 'x_'", quote(k)));
    }
}

fn hash_length<'v>(cx: &mut Ctx<'v, '_>, ty: &str, m: &'v Map<String, Value>) {
    let mut long: Option<&str> = None;
    each_hashes(ty, m, |h| {
        if long.is_none() {
            long = h
                .keys()
                .map(String::as_str)
                .find(|k| k.chars().count() > 30);
        }
    });
    if let Some(k) = long {
        cx.report(
            Code::W150,
            format!(
                "hash algorithm name {} is longer than 30 characters",
                quote(k)
            ),
        );
    }
}

/// `W401` parts for SCOs: custom properties of embedded types and predefined
/// extensions, and custom extensions not made with a property-extension.
fn custom_sco_content<'v>(
    cx: &mut Ctx<'v, '_>,
    def: &'static TypeDef,
    ty: &'v str,
    m: &'v Map<String, Value>,
) {
    if def.name.is_empty() {
        return;
    }
    // Embedded structures: email MIME parts, registry values, X.509 v3 extensions.
    let embedded: Option<(&str, &crate::schema::Struct)> = match ty {
        "email-message" => Some(("body_multipart", &crate::schema::MIME_PART)),
        "windows-registry-key" => Some(("values", &crate::schema::REGISTRY_VALUE)),
        "x509-certificate" => Some(("x509_v3_extensions", &crate::schema::X509_V3_EXTENSIONS)),
        _ => None,
    };
    if let Some((prop, s)) = embedded {
        let mut keys: Vec<&str> = Vec::new();
        match m.get(prop) {
            Some(Value::Array(a)) => {
                for x in a.iter().filter_map(Value::as_object) {
                    keys.extend(x.keys().map(String::as_str));
                }
            }
            Some(Value::Object(o)) => keys.extend(o.keys().map(String::as_str)),
            _ => {}
        }
        for k in keys.into_iter().filter(|k| s.prop(k).is_none()) {
            cx.report_at(prop, Code::W401, format!("custom property {} in '{prop}' should be defined through an extension definition", quote(k)));
        }
    }
    let Some(exts) = m.get("extensions").and_then(Value::as_object) else {
        return;
    };
    let property_ext = uses_extension(m, &["property-extension"]);
    cx.push("extensions");
    for (k, e) in exts {
        match def.extension(k) {
            Some(s) => {
                let Some(e) = e.as_object() else { continue };
                for (pk, pv) in e {
                    match s.prop(pk) {
                        None => cx.report_at(k, Code::W401, format!("custom property {} in the {k} extension should be defined through an extension definition", quote(pk))),
                        Some(p) => {
                            // Nested structures of predefined extensions.
                            let inner = match p.ty {
                                crate::schema::Ty::Struct(st) => Some(st),
                                crate::schema::Ty::List(crate::schema::Ty::Struct(st)) => Some(*st),
                                _ => None,
                            };
                            if let Some(st) = inner {
                                let mut keys: Vec<&str> = Vec::new();
                                match pv {
                                    Value::Object(o) => keys.extend(o.keys().map(String::as_str)),
                                    Value::Array(a) => {
                                        for x in a.iter().filter_map(Value::as_object) {
                                            keys.extend(x.keys().map(String::as_str));
                                        }
                                    }
                                    _ => {}
                                }
                                for q in keys.into_iter().filter(|q| st.prop(q).is_none()) {
                                    cx.report_at(k, Code::W401, format!("custom property {} in '{pk}' of the {k} extension should be defined through an extension definition", quote(q)));
                                }
                            }
                        }
                    }
                }
            }
            None if !def.extensions.is_empty() => {
                if !property_ext {
                    cx.report_at(k, Code::W401, format!("custom extension {} of a {ty} should be defined through an extension definition of extension_type property-extension", quote(k)));
                }
                if f::is_ext_name(k) {
                    prefix_check(cx, k, k, PrefixKind::Extension);
                }
            }
            None => {}
        }
    }
    cx.pop();
}
