//! Object-level MUST rules: type and id, spec_version, required properties, the
//! property walk, and the rules that tie properties together (mutually exclusive,
//! dependent, timestamp order, markings, extensions, observed-data objects).

use serde_json::{Map, Value};

use super::ctx::{kind, quote, Ctx};
use super::format as f;
use super::{shoulds, walk, Code};
use crate::ext::{Tlp, TLP2_EXTENSION_ID};
use crate::id::{is_valid_type_name, StixId};
use crate::schema::{self, Struct, TypeDef};
use crate::timestamp::Timestamp;
use crate::types::{kind_of, ObjectKind, SCO_TYPES};
use crate::vocab;

/// The categories of the impact new-SDO, which the OASIS impact extension writes
/// as extension keys (`"extensions": {"monetary": {…}}`). Accepted as an explicit
/// divergence from §7.3 (see the crate README).
const IMPACT_CATEGORIES: &[&str] = &[
    "availability",
    "confidentiality",
    "external",
    "integrity",
    "monetary",
    "physical",
    "traceability",
];

/// The predefined TLP 1.0 marking definitions (§7.2.1.4): id, name, `definition.tlp`.
const TLP1: &[(&str, &str, &str)] = &[
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "TLP:WHITE",
        "white",
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "TLP:GREEN",
        "green",
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        "TLP:AMBER",
        "amber",
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        "TLP:RED",
        "red",
    ),
];
const TLP1_CREATED: &str = "2017-01-20T00:00:00.000Z";

/// Timestamp pairs that must be in order: (object type, later, earlier, strictly).
const ORDER: &[(&str, &str, &str, bool)] = &[
    ("campaign", "last_seen", "first_seen", false),
    ("indicator", "valid_until", "valid_from", true),
    ("infrastructure", "last_seen", "first_seen", false),
    ("intrusion-set", "last_seen", "first_seen", false),
    ("malware", "last_seen", "first_seen", false),
    ("observed-data", "last_observed", "first_observed", false),
    ("relationship", "stop_time", "start_time", true),
    ("sighting", "last_seen", "first_seen", false),
    ("threat-actor", "last_seen", "first_seen", false),
    ("network-traffic", "end", "start", false),
];

/// Entry point: any JSON value that should be a STIX object.
pub(crate) fn check_top<'v>(cx: &mut Ctx<'v, '_>, v: &'v Value) {
    match v.as_object() {
        Some(m) => check_object(cx, m),
        None => cx.report(
            Code::E001,
            format!("expected a STIX object (a JSON object), found {}", kind(v)),
        ),
    }
}

/// Checks one object (top-level, or an SCO embedded in observed-data `objects`).
pub(crate) fn check_object<'v>(cx: &mut Ctx<'v, '_>, m: &'v Map<String, Value>) {
    let embedded = cx.embedded.is_some();
    let ty = match m.get("type") {
        None => {
            cx.report_at("type", Code::E002, "missing required property 'type'");
            return;
        }
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            let msg = format!("'type' must be a string, found {}", kind(other));
            cx.report_at("type", Code::E003, msg);
            return;
        }
    };
    let id = match m.get("id") {
        None => {
            cx.report_at(
                "id",
                Code::E002,
                format!("missing required property 'id' (expected {ty}--<uuid>)"),
            );
            None
        }
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => {
            let msg = format!("'id' must be a string, found {}", kind(other));
            cx.report_at("id", Code::E003, msg);
            None
        }
    };
    if !embedded {
        cx.id = id;
    }
    cx.ty = Some(ty);

    if !is_valid_type_name(ty) {
        cx.report_at(
            "type",
            Code::E004,
            format!(
                "object type {} must be 3 to 250 characters of a-z, 0-9 and '-', starting with a letter",
                quote(ty)
            ),
        );
    } else if schema::RESERVED_TYPES.contains(&ty) {
        cx.report_at(
            "type",
            Code::E015,
            format!("object type {} is reserved and must not be used", quote(ty)),
        );
    }
    let parsed_id = id.and_then(|s| match StixId::parse(s) {
        Ok(pid) => Some(pid),
        Err(e) => {
            cx.report_at("id", Code::E005, e.to_string());
            None
        }
    });
    if let Some(pid) = &parsed_id {
        if pid.object_type() != ty {
            cx.report_at(
                "id",
                Code::E006,
                format!(
                    "id {} must start with '{ty}--' (the object's type)",
                    quote(pid.as_str())
                ),
            );
        }
    }

    let def: &'static TypeDef = match schema::type_def(ty) {
        Some(d) => d,
        None => match kind_of(ty, m) {
            ObjectKind::Sco => &schema::CUSTOM_SCO,
            _ => &schema::CUSTOM_SDO,
        },
    };
    if embedded && def.kind != ObjectKind::Sco {
        cx.report_at(
            "type",
            Code::E004,
            format!(
                "{} is not a cyber-observable type; observed-data 'objects' holds only SCOs",
                quote(ty)
            ),
        );
        return;
    }

    match m.get("spec_version") {
        None => {
            if def.kind != ObjectKind::Sco {
                cx.report_at(
                    "spec_version",
                    Code::E016,
                    "missing required property 'spec_version' (expected '2.1')",
                );
            }
        }
        Some(Value::String(s)) if s == "2.1" => {}
        Some(Value::String(s)) => {
            let msg = format!(
                "'spec_version' must be '2.1' (this validator checks STIX 2.1), found {}",
                quote(s)
            );
            cx.report_at("spec_version", Code::E016, msg);
        }
        Some(other) => {
            let msg = format!(
                "'spec_version' must be the string '2.1', found {}",
                kind(other)
            );
            cx.report_at("spec_version", Code::E003, msg);
        }
    }

    for p in def.common.iter().chain(def.props) {
        if p.required
            && !matches!(p.name, "type" | "id" | "spec_version")
            && !m.contains_key(p.name)
        {
            let what = if def.name.is_empty() {
                describe_kind(def.kind)
            } else {
                walk::article(def.name)
            };
            cx.report_at(
                p.name,
                Code::E002,
                format!(
                    "missing required property '{}' (required for {what})",
                    p.name
                ),
            );
        }
    }
    if !def.any_of.is_empty() && !def.any_of.iter().any(|k| m.contains_key(*k)) {
        cx.report(
            Code::E019,
            format!(
                "{} must have at least one of: {}",
                walk::article(def.name),
                def.any_of.join(", ")
            ),
        );
    }

    for (k, v) in m {
        if matches!(k.as_str(), "type" | "id" | "spec_version") {
            continue;
        }
        cx.push(k);
        if schema::RESERVED_PROPERTIES.contains(&k.as_str()) {
            cx.report(
                Code::E015,
                format!(
                    "{} is a reserved property name and must not be used",
                    quote(k)
                ),
            );
        }
        match def.prop(k) {
            Some(p) => walk::check(cx, &p.ty, v, def),
            None => match common_meaning(def, k) {
                // A common property on an object that does not define it keeps
                // its meaning (and `lang` is a language tag wherever it appears).
                Some(p) => walk::check(cx, &p.ty, v, def),
                None => walk::check_custom(cx, k, v),
            },
        }
        cx.pop();
    }

    type_rules(cx, def, ty, id, m);
    check_order(cx, ty, m);
    check_selectors(cx, m);
    if let Some(pid) = &parsed_id {
        if pid.object_type() == ty && def.kind == ObjectKind::Sco && !embedded {
            check_sco_id(cx, ty, pid, m);
        }
    }
    if cx.opts.musts_only {
        return;
    }
    if embedded {
        shoulds::check_sco(cx, def, ty, m);
    } else {
        shoulds::check(cx, def, ty, m);
    }
}

/// The common-property definition a name has on objects that do not define it.
/// On SCOs, which have none of the SDO common properties, only `lang` keeps its
/// meaning (a custom `created` on an SCO is just a custom property).
fn common_meaning(def: &TypeDef, k: &str) -> Option<&'static schema::Prop> {
    if def.kind == ObjectKind::Sco && k != "lang" {
        return None;
    }
    schema::SDO_COMMON
        .iter()
        .find(|p| p.name == k && !matches!(k, "type" | "id" | "spec_version"))
}

fn describe_kind(k: ObjectKind) -> String {
    match k {
        ObjectKind::Sdo => "a domain object (SDO)".into(),
        ObjectKind::Sro => "a relationship object".into(),
        ObjectKind::Sco => "a cyber-observable object".into(),
        ObjectKind::Meta => "a meta object".into(),
        ObjectKind::Bundle => "a bundle".into(),
    }
}

fn present(m: &Map<String, Value>, k: &str) -> bool {
    m.contains_key(k)
}

/// Rules that tie properties of one type together.
fn type_rules<'v>(
    cx: &mut Ctx<'v, '_>,
    def: &'static TypeDef,
    ty: &'v str,
    id: Option<&'v str>,
    m: &'v Map<String, Value>,
) {
    match def.name {
        "location" => {
            let (lat, lon) = (present(m, "latitude"), present(m, "longitude"));
            if lat != lon {
                let (have, missing) = if lat {
                    ("latitude", "longitude")
                } else {
                    ("longitude", "latitude")
                };
                cx.report_at(
                    missing,
                    Code::E018,
                    format!("'{missing}' is required when '{have}' is present"),
                );
            }
            if present(m, "precision") && !(lat && lon) {
                cx.report_at(
                    "precision",
                    Code::E018,
                    "'precision' requires both 'latitude' and 'longitude'",
                );
            }
            if !(present(m, "region") || present(m, "country") || (lat && lon)) {
                cx.report(
                    Code::E019,
                    "a location must have 'region', 'country', or both 'latitude' and 'longitude'",
                );
            }
        }
        "malware" if m.get("is_family") == Some(&Value::Bool(true)) && !present(m, "name") => {
            cx.report_at(
                "name",
                Code::E018,
                "'name' is required when 'is_family' is true (a malware family)",
            );
        }
        "observed-data" if present(m, "objects") && present(m, "object_refs") => {
            cx.report_at(
                "objects",
                Code::E017,
                "'objects' and 'object_refs' must not both be present (use 'object_refs')",
            );
        }
        "artifact" => {
            if present(m, "payload_bin") && present(m, "url") {
                cx.report_at(
                    "url",
                    Code::E017,
                    "'payload_bin' and 'url' must not both be present",
                );
            }
            if present(m, "url") && !present(m, "hashes") {
                cx.report_at(
                    "hashes",
                    Code::E018,
                    "'hashes' is required when 'url' is present",
                );
            }
            if present(m, "decryption_key") && !present(m, "encryption_algorithm") {
                cx.report_at(
                    "decryption_key",
                    Code::E018,
                    "'decryption_key' must not be present without 'encryption_algorithm'",
                );
            }
        }
        "email-message" => match m.get("is_multipart") {
            Some(Value::Bool(true)) if present(m, "body") => cx.report_at(
                "body",
                Code::E018,
                "'body' must not be present when 'is_multipart' is true (use 'body_multipart')",
            ),
            Some(Value::Bool(false)) if present(m, "body_multipart") => cx.report_at(
                "body_multipart",
                Code::E018,
                "'body_multipart' must not be present when 'is_multipart' is false (use 'body')",
            ),
            _ => {}
        },
        "network-traffic"
            if m.get("is_active") == Some(&Value::Bool(true)) && present(m, "end") =>
        {
            cx.report_at(
                "end",
                Code::E018,
                "'end' must not be present when 'is_active' is true",
            );
        }
        "marking-definition" => marking_rules(cx, id, m),
        "language-content" => language_content_rules(cx, m),
        "extension-definition" => {
            let toplevel = m
                .get("extension_types")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|t| t == "toplevel-property-extension"));
            if present(m, "extension_properties") && !toplevel {
                cx.report_at(
                    "extension_properties",
                    Code::E027,
                    "'extension_properties' is only allowed when 'extension_types' contains 'toplevel-property-extension'",
                );
            }
        }
        "indicator" => {
            if let (Some("stix"), Some(pattern)) = (
                m.get("pattern_type").and_then(Value::as_str),
                m.get("pattern").and_then(Value::as_str),
            ) {
                match cx.opts.pattern_checker {
                    Some(check) => {
                        if let Err(e) = check(pattern) {
                            cx.report_at(
                                "pattern",
                                Code::E033,
                                format!("invalid STIX pattern: {e}"),
                            );
                        }
                    }
                    None => cx.report_at(
                        "pattern",
                        Code::I001,
                        "pattern syntax not checked (no STIX pattern checker configured)",
                    ),
                }
            }
        }
        _ => {}
    }
    if ty == "impact" && !present(m, "impact_category") {
        cx.report_at(
            "impact_category",
            Code::E002,
            "missing required property 'impact_category' (required by the impact extension)",
        );
    }
}

fn marking_rules<'v>(cx: &mut Ctx<'v, '_>, id: Option<&'v str>, m: &'v Map<String, Value>) {
    let ext = m.get("extensions").and_then(Value::as_object);
    if ext.is_none() {
        for k in ["definition_type", "definition"] {
            if !present(m, k) {
                cx.report_at(
                    k,
                    Code::E018,
                    format!("'{k}' is required when a marking definition has no 'extensions'"),
                );
            }
        }
    }
    match m.get("definition_type").and_then(Value::as_str) {
        Some("statement") => {
            if let Some(d) = m.get("definition").and_then(Value::as_object) {
                cx.at("definition", |cx| match d.get("statement") {
                    None => cx.report_at(
                        "statement",
                        Code::E002,
                        "missing required property 'statement' of a statement marking",
                    ),
                    Some(Value::String(_)) => {}
                    Some(other) => {
                        let msg = format!("'statement' must be a string, found {}", kind(other));
                        cx.report_at("statement", Code::E003, msg);
                    }
                });
            }
        }
        Some("tlp") => tlp1_rules(cx, id, m),
        _ => {}
    }
    let v2_level = id.and_then(|id| Tlp::ALL.into_iter().find(|t| t.v2_marking_id() == id));
    match ext.and_then(|e| e.get_key_value(TLP2_EXTENSION_ID)) {
        Some((key, e)) => {
            let Some(e) = e.as_object() else { return };
            cx.push("extensions");
            cx.push(key);
            match e.get("tlp_2_0") {
                None => cx.report_at(
                    "tlp_2_0",
                    Code::E002,
                    "missing required property 'tlp_2_0' of the TLP 2.0 marking extension",
                ),
                Some(Value::String(s)) if !vocab::TLP_2_0.contains(&s.as_str()) => {
                    let msg = format!(
                        "'tlp_2_0' must be one of {}, found {}",
                        vocab::TLP_2_0.join(", "),
                        quote(s)
                    );
                    cx.report_at("tlp_2_0", Code::E012, msg);
                }
                Some(Value::String(s)) => {
                    if let Some(t) = v2_level {
                        if s != t.v2_value() {
                            let msg = format!(
                                "the predefined {} marking definition must have 'tlp_2_0' {}, found {}",
                                t.name(),
                                quote(t.v2_value()),
                                quote(s)
                            );
                            cx.report_at("tlp_2_0", Code::E030, msg);
                        }
                    }
                }
                Some(other) => {
                    let msg = format!("'tlp_2_0' must be a string, found {}", kind(other));
                    cx.report_at("tlp_2_0", Code::E003, msg);
                }
            }
            cx.pop();
            cx.pop();
            if let Some(t) = v2_level {
                if m.get("name").and_then(Value::as_str) != Some(t.name()) {
                    cx.report_at(
                        "name",
                        Code::E030,
                        format!(
                            "the predefined TLP 2.0 marking definition {} must be named '{}'",
                            id.unwrap_or(""),
                            t.name()
                        ),
                    );
                }
            }
        }
        None => {
            if let Some(t) = v2_level {
                cx.report_at(
                    "extensions",
                    Code::E030,
                    format!(
                        "the predefined {} marking definition must carry the TLP 2.0 extension ({TLP2_EXTENSION_ID})",
                        t.name()
                    ),
                );
            }
        }
    }
    // §7.2.2: a marking definition cannot mark itself.
    if let Some(id) = id {
        if let Some(refs) = m.get("object_marking_refs").and_then(Value::as_array) {
            for (i, r) in refs.iter().enumerate() {
                if r.as_str() == Some(id) {
                    cx.push("object_marking_refs");
                    cx.push_idx(i);
                    cx.report(Code::E029, "a marking definition must not mark itself (circular reference in 'object_marking_refs')");
                    cx.pop();
                    cx.pop();
                }
            }
        }
        if let Some(gms) = m.get("granular_markings").and_then(Value::as_array) {
            for (i, g) in gms.iter().enumerate() {
                if g.get("marking_ref").and_then(Value::as_str) == Some(id) {
                    cx.push("granular_markings");
                    cx.push_idx(i);
                    cx.report_at("marking_ref", Code::E029, "a marking definition must not mark itself (circular reference in 'granular_markings')");
                    cx.pop();
                    cx.pop();
                }
            }
        }
    }
}

fn tlp1_rules<'v>(cx: &mut Ctx<'v, '_>, id: Option<&'v str>, m: &'v Map<String, Value>) {
    let Some(&(_, name, level)) = id.and_then(|id| TLP1.iter().find(|t| t.0 == id)) else {
        cx.report_at(
            "definition_type",
            Code::E030,
            "definition_type 'tlp' is only allowed in the four predefined TLP 1.0 marking definitions (§7.2.1.4); use the TLP 2.0 extension for TLP markings",
        );
        return;
    };
    if m.get("name").and_then(Value::as_str) != Some(name) {
        cx.report_at(
            "name",
            Code::E030,
            format!("the predefined TLP 1.0 marking definition must be named '{name}'"),
        );
    }
    if m.get("created").and_then(Value::as_str) != Some(TLP1_CREATED) {
        cx.report_at(
            "created",
            Code::E030,
            format!("the predefined TLP 1.0 marking definitions have 'created' {TLP1_CREATED}"),
        );
    }
    let tlp = m
        .get("definition")
        .and_then(|d| d.get("tlp"))
        .and_then(Value::as_str);
    if tlp != Some(level) {
        cx.push("definition");
        cx.report_at(
            "tlp",
            Code::E030,
            format!("the predefined {name} marking definition must have definition.tlp '{level}'"),
        );
        cx.pop();
    }
    for k in m.keys() {
        if !matches!(
            k.as_str(),
            "type" | "id" | "spec_version" | "created" | "name" | "definition" | "definition_type"
        ) {
            cx.report_at(
                k,
                Code::E030,
                format!(
                    "{} is not allowed in a predefined TLP 1.0 marking definition",
                    quote(k)
                ),
            );
        }
    }
}

fn language_content_rules<'v>(cx: &mut Ctx<'v, '_>, m: &'v Map<String, Value>) {
    let Some(contents) = m.get("contents").and_then(Value::as_object) else {
        return;
    };
    cx.push("contents");
    for (lang, v) in contents {
        cx.push(lang);
        if !f::is_language_tag(lang) {
            cx.report(
                Code::E024,
                format!(
                    "keys of 'contents' must be RFC 5646 language tags, found {}",
                    quote(lang)
                ),
            );
        }
        match v.as_object() {
            None => {
                if !v.is_null() {
                    let msg = format!(
                        "'contents' of {} must be an object of translated properties, found {}",
                        quote(lang),
                        kind(v)
                    );
                    cx.report(Code::E003, msg);
                }
            }
            Some(props) => {
                for k in props.keys() {
                    if !f::is_property_name(k) {
                        cx.report_at(
                            k,
                            Code::E014,
                            format!("{} is not a valid property name (3 to 250 characters of a-z, 0-9 and '_')", quote(k)),
                        );
                    }
                }
            }
        }
        cx.pop();
    }
    cx.pop();
}

/// `modified >= created` and the per-type pairs of [`ORDER`].
fn check_order<'v>(cx: &mut Ctx<'v, '_>, ty: &str, m: &'v Map<String, Value>) {
    let ts = |k: &str| {
        m.get(k)
            .and_then(Value::as_str)
            .and_then(|s| Timestamp::parse(s).ok())
    };
    let mut pair = |later: &'static str, earlier: &'static str, strict: bool| {
        if let (Some(a), Some(b)) = (ts(later), ts(earlier)) {
            if a < b || (strict && a == b) {
                let rel = if strict {
                    "later than"
                } else {
                    "later than or equal to"
                };
                cx.report_at(
                    later,
                    Code::E009,
                    format!(
                        "'{later}' ({}) must be {rel} '{earlier}' ({})",
                        a.as_str(),
                        b.as_str()
                    ),
                );
            }
        }
    };
    pair("modified", "created", false);
    for &(t, later, earlier, strict) in ORDER {
        if t == ty {
            pair(later, earlier, strict);
        }
    }
}

/// §7.2.3.1: every selector of every granular marking must resolve in this object.
fn check_selectors<'v>(cx: &mut Ctx<'v, '_>, m: &'v Map<String, Value>) {
    let Some(gms) = m.get("granular_markings").and_then(Value::as_array) else {
        return;
    };
    for (i, g) in gms.iter().enumerate() {
        let Some(sels) = g.get("selectors").and_then(Value::as_array) else {
            continue;
        };
        for (j, sel) in sels.iter().enumerate() {
            let Some(sel) = sel.as_str() else { continue };
            let problem = if !f::is_selector_syntax(sel) {
                Some(
                    "it is not selector syntax (property names and [index] steps separated by '.')"
                        .to_string(),
                )
            } else {
                resolve_selector(m, sel).err()
            };
            if let Some(why) = problem {
                let d = cx.depth();
                cx.push("granular_markings");
                cx.push_idx(i);
                cx.push("selectors");
                cx.push_idx(j);
                cx.report(
                    Code::E028,
                    format!(
                        "selector {} does not select content of this object: {why}",
                        quote(sel)
                    ),
                );
                cx.truncate(d);
            }
        }
    }
}

fn resolve_selector(m: &Map<String, Value>, sel: &str) -> Result<(), String> {
    let mut cur: Option<&Value> = None;
    for seg in sel.split('.') {
        let next = match (cur, f::selector_index(seg)) {
            (None, _) => m.get(seg),
            (Some(Value::Array(a)), Some(i)) => {
                if i >= a.len() {
                    return Err(format!(
                        "index {i} is past the end of a list of {}",
                        a.len()
                    ));
                }
                a.get(i)
            }
            (Some(Value::Array(_)), None) => {
                return Err(format!("'{seg}' follows a list (expected [index])"))
            }
            (Some(Value::Object(o)), None) => o.get(seg),
            (Some(_), Some(_)) => {
                return Err(format!("'{seg}' indexes something that is not a list"))
            }
            (Some(_), None) => {
                return Err(format!("'{seg}' follows a value that has no properties"))
            }
        };
        match next {
            Some(v) => cur = Some(v),
            None => return Err(format!("'{seg}' is not a property")),
        }
    }
    Ok(())
}

/// §2.9: SCOs with no ID contributing property present MUST use UUIDv4; with
/// them, the id SHOULD be the UUIDv5 of those properties (note `I002`).
fn check_sco_id<'v>(cx: &mut Ctx<'v, '_>, ty: &str, id: &StixId, m: &'v Map<String, Value>) {
    let Some(contributing) = crate::sco_id::id_contributing_properties(ty) else {
        return;
    };
    if !SCO_TYPES.contains(&ty) {
        return;
    }
    let any = contributing.iter().any(|k| m.contains_key(*k));
    if !any {
        if id.uuid_version() != 4 {
            let msg = if contributing.is_empty() {
                format!("{} id must use UUIDv4 (the type has no ID contributing properties), found version {}", walk::article(ty), id.uuid_version())
            } else {
                format!(
                    "with none of its ID contributing properties ({}) present, {} id must use UUIDv4, found version {}",
                    contributing.join(", "),
                    walk::article(ty),
                    id.uuid_version()
                )
            };
            cx.report_at("id", Code::E031, msg);
        }
        return;
    }
    if id.uuid_version() == 5 {
        if let Some(expected) = crate::sco_id::deterministic_id(ty, m) {
            if !expected.as_str().eq_ignore_ascii_case(id.as_str()) {
                cx.report_at(
                    "id",
                    Code::I002,
                    format!(
                        "id is not the UUIDv5 of the ID contributing properties ({}); expected {}",
                        contributing.join(", "),
                        expected
                    ),
                );
            }
        }
    }
}

/// The `extensions` dictionary (§7.3).
pub(crate) fn check_extensions<'v>(
    cx: &mut Ctx<'v, '_>,
    def: &'static TypeDef,
    m: &'v Map<String, Value>,
) {
    let is_marking = def.name == "marking-definition";
    let ty = cx_type(cx);
    for (k, v) in m {
        cx.push(k);
        if f::is_extension_definition_id(k) {
            match v.as_object() {
                None => {
                    let msg = format!(
                        "extension {} must be an object, found {}",
                        quote(k),
                        kind(v)
                    );
                    cx.report(Code::E003, msg);
                }
                Some(e) => {
                    match e.get("extension_type") {
                        None => cx.report_at(
                            "extension_type",
                            Code::E002,
                            "missing required property 'extension_type' of an extension (new-sdo, new-sco, new-sro, property-extension or toplevel-property-extension)",
                        ),
                        Some(Value::String(t)) if !vocab::EXTENSION_TYPE.contains(&t.as_str()) => {
                            let msg = format!("'extension_type' must be one of {}, found {}", vocab::EXTENSION_TYPE.join(", "), quote(t));
                            cx.report_at("extension_type", Code::E012, msg);
                        }
                        Some(Value::String(_)) => {}
                        Some(other) => {
                            let msg = format!("'extension_type' must be a string, found {}", kind(other));
                            cx.report_at("extension_type", Code::E003, msg);
                        }
                    }
                    for (pk, pv) in e {
                        if pk != "extension_type" {
                            cx.at(pk, |cx| walk::check_custom(cx, pk, pv));
                        }
                    }
                }
            }
        } else if !is_marking
            && (f::is_ext_name(k)
                || (ty == Some("impact") && IMPACT_CATEGORIES.contains(&k.as_str())))
        {
            match v.as_object() {
                None => {
                    let msg = format!(
                        "extension {} must be an object, found {}",
                        quote(k),
                        kind(v)
                    );
                    cx.report(Code::E003, msg);
                }
                Some(e) if e.is_empty() => {
                    cx.report(
                        Code::E011,
                        format!("extension {} must not be empty", quote(k)),
                    );
                }
                Some(e) => match def.extension(k) {
                    Some(s) => walk::check_struct(cx, s, e, def),
                    None => {
                        for (pk, pv) in e {
                            cx.at(pk, |cx| walk::check_custom(cx, pk, pv));
                        }
                    }
                },
            }
        } else {
            let msg = if is_marking {
                format!(
                    "extension key {} of a marking definition must be an extension-definition id (extension-definition--<uuid>)",
                    quote(k)
                )
            } else {
                format!(
                    "extension key {} must be an extension-definition id (extension-definition--<uuid>) or a predefined extension name ending in '-ext'",
                    quote(k)
                )
            };
            cx.report(Code::E026, msg);
        }
        cx.pop();
    }
}

/// The type of the object whose `extensions` are being checked: the closest
/// enclosing object with a `type` (callers pass through [`Ctx`]).
fn cx_type<'v>(cx: &Ctx<'v, '_>) -> Option<&'v str> {
    cx.ty
}

/// `observed-data.objects` (deprecated in 2.1, still valid).
pub(crate) fn check_observed_objects<'v>(cx: &mut Ctx<'v, '_>, m: &'v Map<String, Value>) {
    let saved = (cx.embedded, cx.ty);
    for (k, v) in m {
        cx.push(k);
        match v.as_object() {
            None => {
                let msg = format!(
                    "each entry of 'objects' must be a cyber-observable object, found {}",
                    kind(v)
                );
                cx.report(Code::E003, msg);
            }
            Some(o) => {
                cx.embedded = Some(m);
                check_object(cx, o);
                (cx.embedded, cx.ty) = saved;
            }
        }
        cx.pop();
    }
}

/// Rules of nested structures beyond their property tables.
pub(crate) fn check_struct_rules<'v>(
    cx: &mut Ctx<'v, '_>,
    s: &'static Struct,
    m: &'v Map<String, Value>,
) {
    if std::ptr::eq(s, &schema::EXTERNAL_REFERENCE) {
        let source = m.get("source_name").and_then(Value::as_str);
        let ext_id = m.get("external_id").and_then(Value::as_str);
        let check = |cx: &mut Ctx<'v, '_>, name: &str, ok: fn(&str) -> bool, example: &str| {
            match ext_id {
            None => cx.report_at(
                "external_id",
                Code::E002,
                format!("an external reference with source_name '{name}' must have an 'external_id' such as {example}"),
            ),
            Some(x) if !ok(x) => cx.report_at(
                "external_id",
                Code::E025,
                format!("'external_id' of a '{name}' reference must look like {example}, found {}", quote(x)),
            ),
            Some(_) => {}
        }
        };
        match source {
            Some("cve") => check(cx, "cve", f::is_cve_id, "CVE-2019-0708"),
            Some("capec") => check(cx, "capec", f::is_capec_id, "CAPEC-66"),
            _ => {}
        }
    } else if std::ptr::eq(s, &schema::GRANULAR_MARKING) || std::ptr::eq(s, &schema::MIME_PART) {
        let (a, b) = if std::ptr::eq(s, &schema::MIME_PART) {
            ("body", "body_raw_ref")
        } else {
            ("lang", "marking_ref")
        };
        if present(m, a) && present(m, b) {
            cx.report_at(
                b,
                Code::E017,
                format!("'{a}' and '{b}' must not both be present in a {}", s.name),
            );
        }
    }
}
