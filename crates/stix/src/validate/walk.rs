//! Checks a value against a property type of the schema tables ([`crate::schema`]).

use serde_json::{Map, Value};

use super::ctx::{kind, quote, show, Ctx};
use super::format as f;
use super::{rules, Code};
use crate::id::StixId;
use crate::schema::{Fmt, Key, Refs, Struct, Ty, TypeDef};
use crate::timestamp::Timestamp;
use crate::types::{META_TYPES, SCO_TYPES, SRO_TYPES};

/// How a type is described in messages ("a string", "a list of identifiers").
pub(crate) fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Str | Ty::Fmt(_) => "a string".into(),
        Ty::Bool => "a boolean".into(),
        Ty::Int { min, max } => match (*min, *max) {
            (i64::MIN, i64::MAX) => "an integer".into(),
            (0, i64::MAX) => "a non-negative integer".into(),
            (a, b) => format!("an integer from {a} to {b}"),
        },
        Ty::Num { min, max } if min.is_finite() && max.is_finite() => {
            format!("a number from {min} to {max}")
        }
        Ty::Num { .. } => "a number".into(),
        Ty::Timestamp | Ty::TimestampMillis | Ty::TimestampSecs => "a timestamp string".into(),
        Ty::Ref(_) => "an identifier string".into(),
        Ty::List(inner) => format!("a non-empty list of {}", plural(inner)),
        Ty::Enum(_) => "a string".into(),
        Ty::Hashes => "a hashes dictionary".into(),
        Ty::Dict | Ty::DictOf(..) => "a dictionary (JSON object)".into(),
        Ty::Hex => "a hex string".into(),
        Ty::Binary => "a base64 string".into(),
        Ty::Url => "a URL string".into(),
        Ty::OneOf(tys) => tys.iter().map(describe).collect::<Vec<_>>().join(" or "),
        Ty::Struct(s) => format!("an object ({})", s.name),
        Ty::Extensions => "a dictionary of extensions".into(),
        Ty::ObservedObjects => "a dictionary of cyber-observable objects".into(),
        Ty::Any => "a value".into(),
    }
}

fn plural(ty: &Ty) -> String {
    match ty {
        Ty::Str | Ty::Fmt(_) | Ty::Enum(_) => "strings".into(),
        Ty::Ref(_) => "identifiers".into(),
        Ty::Struct(s) => format!("{}s", s.name),
        Ty::Int { .. } => "integers".into(),
        other => describe(other),
    }
}

fn wrong_type(cx: &mut Ctx<'_, '_>, ty: &Ty, v: &Value) {
    let msg = format!(
        "'{}' must be {}, found {}",
        cx.label(),
        describe(ty),
        kind(v)
    );
    cx.report(Code::E003, msg);
}

/// Integer value of a JSON number with no fractional part (`50` and `50.0`).
pub(crate) fn as_integer(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i as i128)
            } else if let Some(u) = n.as_u64() {
                Some(u as i128)
            } else {
                let x = n.as_f64()?;
                (x.fract() == 0.0 && x.abs() < 1e30).then_some(x as i128)
            }
        }
        _ => None,
    }
}

/// Checks `v` against `ty` at the current path.
pub(crate) fn check<'v>(cx: &mut Ctx<'v, '_>, ty: &Ty, v: &'v Value, def: &'static TypeDef) {
    if v.is_null() {
        let msg = format!(
            "'{}' must not be null (omit the property instead)",
            cx.label()
        );
        cx.report(Code::E003, msg);
        return;
    }
    match ty {
        Ty::Str => {
            if !v.is_string() {
                wrong_type(cx, ty, v);
            }
        }
        Ty::Bool => {
            if !v.is_boolean() {
                wrong_type(cx, ty, v);
            }
        }
        Ty::Int { min, max } => match as_integer(v) {
            Some(i) if i < *min as i128 || i > *max as i128 => {
                let msg = format!(
                    "'{}' must be {}, found {}",
                    cx.label(),
                    describe(ty),
                    show(v)
                );
                cx.report(Code::E013, msg);
            }
            Some(_) => {}
            None => wrong_type(cx, ty, v),
        },
        Ty::Num { min, max } => match v.as_f64() {
            Some(x) if x < *min || x > *max => {
                let msg = format!(
                    "'{}' must be {}, found {}",
                    cx.label(),
                    describe(ty),
                    show(v)
                );
                cx.report(Code::E013, msg);
            }
            Some(_) => {}
            None => wrong_type(cx, ty, v),
        },
        Ty::Timestamp | Ty::TimestampMillis | Ty::TimestampSecs => {
            let Some(s) = v.as_str() else {
                return wrong_type(cx, ty, v);
            };
            match Timestamp::parse(s) {
                Err(e) => {
                    let msg = format!(
                        "'{}' is not a valid timestamp: {} (expected YYYY-MM-DDTHH:MM:SS[.s+]Z in UTC), found {}",
                        cx.label(),
                        e.reason,
                        quote(s)
                    );
                    cx.report(Code::E007, msg);
                }
                Ok(t) => {
                    if matches!(ty, Ty::TimestampMillis) && t.fraction_digits() < 3 {
                        let msg = format!(
                            "'{}' must be precise to the millisecond (at least 3 digits of a second, e.g. 2016-04-06T20:03:00.000Z), found {}",
                            cx.label(),
                            quote(s)
                        );
                        cx.report(Code::E008, msg);
                    }
                    if matches!(ty, Ty::TimestampSecs) && t.fraction_digits() > 0 {
                        let msg = format!(
                            "'{}' must be precise to the second (no fraction, e.g. 2016-04-06T20:03:00Z), found {}",
                            cx.label(),
                            quote(s)
                        );
                        cx.report(Code::E008, msg);
                    }
                }
            }
        }
        Ty::Ref(refs) => check_ref(cx, refs, v),
        Ty::List(inner) => {
            let Some(items) = v.as_array() else {
                return wrong_type(cx, ty, v);
            };
            if items.is_empty() {
                let msg = format!(
                    "'{}' must not be an empty list (omit the property instead)",
                    cx.label()
                );
                return cx.report(Code::E011, msg);
            }
            for (i, item) in items.iter().enumerate() {
                cx.push_idx(i);
                check(cx, inner, item, def);
                cx.pop();
            }
        }
        Ty::Enum(values) => {
            let Some(s) = v.as_str() else {
                return wrong_type(cx, ty, v);
            };
            if !values.contains(&s) {
                let msg = format!(
                    "'{}' must be one of {}, found {}",
                    cx.label(),
                    values.join(", "),
                    quote(s)
                );
                cx.report(Code::E012, msg);
            }
        }
        Ty::Hashes => check_hashes(cx, v),
        Ty::Dict => {
            let Some(m) = dict(cx, ty, v) else { return };
            for (k, x) in m {
                cx.push(k);
                if !f::is_dict_key(k) {
                    cx.report(
                        Code::E014,
                        format!(
                            "dictionary key {} must be 1 to 250 characters of a-z, A-Z, 0-9, '-' and '_'",
                            quote(k)
                        ),
                    );
                }
                check(cx, &Ty::Any, x, def);
                cx.pop();
            }
        }
        Ty::DictOf(key, inner) => {
            let Some(m) = dict(cx, ty, v) else { return };
            for (k, x) in m {
                cx.push(k);
                let (ok, expect) = match key {
                    Key::Dict => (
                        f::is_dict_key(k),
                        "1 to 250 characters of a-z, A-Z, 0-9, '-' and '_'",
                    ),
                    Key::SocketOption => (
                        f::is_socket_option(k),
                        "a socket option name such as SO_REUSEADDR (SO|ICMP|ICMP6|IP|IPV6|MCAST|TCP|IRLMP followed by _WORDS)",
                    ),
                    Key::Exif => (
                        f::is_exif_tag(k),
                        "an EXIF tag name starting with an upper-case letter",
                    ),
                    Key::Any => (true, ""),
                };
                if !ok {
                    let code = if *key == Key::Dict {
                        Code::E014
                    } else {
                        Code::E025
                    };
                    cx.report(
                        code,
                        format!("dictionary key {} must be {expect}", quote(k)),
                    );
                }
                check(cx, inner, x, def);
                cx.pop();
            }
        }
        Ty::Hex => match v.as_str() {
            Some(s) if !f::is_hex(s) => {
                let msg = format!(
                    "'{}' must be hexadecimal (pairs of 0-9, a-f), found {}",
                    cx.label(),
                    quote(s)
                );
                cx.report(Code::E020, msg);
            }
            Some(_) => {}
            None => wrong_type(cx, ty, v),
        },
        Ty::Binary => match v.as_str() {
            Some(s) if !f::is_base64(s) => {
                let msg = format!(
                    "'{}' must be padded base64 (RFC 4648), found {}",
                    cx.label(),
                    quote(s)
                );
                cx.report(Code::E020, msg);
            }
            Some(_) => {}
            None => wrong_type(cx, ty, v),
        },
        Ty::Url => match v.as_str() {
            Some(s) if !f::is_uri(s) => {
                let msg = format!(
                    "'{}' must be an absolute URL (RFC 3986, percent-encoded), found {}",
                    cx.label(),
                    quote(s)
                );
                cx.report(Code::E022, msg);
            }
            Some(_) => {}
            None => wrong_type(cx, ty, v),
        },
        Ty::Fmt(fmt) => {
            let Some(s) = v.as_str() else {
                return wrong_type(cx, ty, v);
            };
            check_format(cx, *fmt, s);
        }
        Ty::OneOf(tys) => {
            if !tys.iter().any(|t| conforms(t, v)) {
                wrong_type(cx, ty, v);
            }
        }
        Ty::Struct(s) => {
            let Some(m) = v.as_object() else {
                return wrong_type(cx, ty, v);
            };
            check_struct(cx, s, m, def);
        }
        Ty::Extensions => {
            let Some(m) = dict(cx, ty, v) else { return };
            rules::check_extensions(cx, def, m);
        }
        Ty::ObservedObjects => {
            let Some(m) = dict(cx, ty, v) else { return };
            rules::check_observed_objects(cx, m);
        }
        Ty::Any => {
            if let Some(a) = v.as_array() {
                if a.is_empty() {
                    let msg = format!(
                        "'{}' must not be an empty list (omit the property instead)",
                        cx.label()
                    );
                    cx.report(Code::E011, msg);
                }
            }
        }
    }
}

/// A non-empty JSON object, or a diagnostic.
fn dict<'v>(cx: &mut Ctx<'v, '_>, ty: &Ty, v: &'v Value) -> Option<&'v Map<String, Value>> {
    match v.as_object() {
        None => {
            wrong_type(cx, ty, v);
            None
        }
        Some(m) if m.is_empty() => {
            let msg = format!(
                "'{}' must not be an empty dictionary (omit the property instead)",
                cx.label()
            );
            cx.report(Code::E011, msg);
            None
        }
        Some(m) => Some(m),
    }
}

/// Whether a value has a simple type (for `OneOf`).
fn conforms(ty: &Ty, v: &Value) -> bool {
    match ty {
        Ty::Str => v.is_string(),
        Ty::Int { min, max } => {
            as_integer(v).is_some_and(|i| i >= *min as i128 && i <= *max as i128)
        }
        Ty::List(inner) => v
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|x| conforms(inner, x))),
        Ty::Bool => v.is_boolean(),
        _ => false,
    }
}

fn check_hashes<'v>(cx: &mut Ctx<'v, '_>, v: &'v Value) {
    let Some(m) = dict(cx, &Ty::Hashes, v) else {
        return;
    };
    for (k, x) in m {
        cx.push(k);
        if !f::is_hash_key(k) {
            cx.report(
                Code::E014,
                format!(
                    "hash algorithm name {} must be 3 to 250 characters of a-z, A-Z, 0-9, '-' and '_'",
                    quote(k)
                ),
            );
        }
        match x.as_str() {
            None => {
                let msg = format!(
                    "hash value of {} must be a string, found {}",
                    quote(k),
                    kind(x)
                );
                cx.report(Code::E003, msg);
            }
            Some(h) if !f::is_hash_value(k, h) => {
                let msg = format!(
                    "hash {} must be {}, found {}",
                    quote(k),
                    f::hash_value_rule(k).unwrap_or("valid"),
                    quote(h)
                );
                cx.report(Code::E021, msg);
            }
            Some(_) => {}
        }
        cx.pop();
    }
}

fn check_ref<'v>(cx: &mut Ctx<'v, '_>, refs: &Refs, v: &'v Value) {
    let Some(s) = v.as_str() else {
        return wrong_type(cx, &Ty::Ref(*refs), v);
    };
    let target_type: &str = if let Some(objects) = cx.embedded {
        // Inside observed-data.objects, references are keys of that dictionary.
        match objects.get(s) {
            None => {
                let msg = format!(
                    "'{}' refers to {} which is not a key of this observed-data's 'objects'",
                    cx.label(),
                    quote(s)
                );
                return cx.report(Code::E032, msg);
            }
            Some(o) => match o.get("type").and_then(Value::as_str) {
                Some(t) => t,
                None => return,
            },
        }
    } else {
        match StixId::parse(s) {
            Err(e) => {
                let msg = format!("'{}': {}", cx.label(), e);
                return cx.report(Code::E005, msg);
            }
            Ok(_) => &s[..s.find("--").unwrap_or(0)],
        }
    };
    let (ok, expect) = ref_allowed(refs, target_type);
    if !ok {
        let msg = format!(
            "'{}' must refer to {}, found a reference to {} ({})",
            cx.label(),
            expect,
            article(target_type),
            quote(s)
        );
        cx.report(Code::E010, msg);
    }
}

pub(crate) fn article(t: &str) -> String {
    if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {t}")
    } else {
        format!("a {t}")
    }
}

/// Whether a reference may point to an object of type `t`, and what is allowed.
pub(crate) fn ref_allowed(refs: &Refs, t: &str) -> (bool, String) {
    match refs {
        Refs::Any => (true, String::new()),
        Refs::To(types) => (
            types.contains(&t),
            match types {
                [one] => article(one),
                many => format!("one of {}", many.join(", ")),
            },
        ),
        Refs::Not(types) => (
            !types.contains(&t),
            format!("an object other than {}", types.join(", ")),
        ),
        Refs::Sco => (
            !(crate::types::SDO_TYPES.contains(&t)
                || SRO_TYPES.contains(&t)
                || META_TYPES.contains(&t)
                || t == "bundle"),
            "a cyber-observable object".into(),
        ),
        Refs::Sdo => (
            !(SCO_TYPES.contains(&t)
                || SRO_TYPES.contains(&t)
                || META_TYPES.contains(&t)
                || t == "bundle"),
            "a domain object (SDO)".into(),
        ),
    }
}

fn check_format(cx: &mut Ctx<'_, '_>, fmt: Fmt, s: &str) {
    let (ok, code, expect) = match fmt {
        Fmt::LanguageTag => (
            f::is_language_tag(s),
            Code::E024,
            "an RFC 5646 language tag such as en or de-CH",
        ),
        Fmt::Ipv4 => (
            f::is_ipv4_cidr(s),
            Code::E023,
            "an IPv4 address or CIDR block such as 198.51.100.0/24",
        ),
        Fmt::Ipv6 => (
            f::is_ipv6_cidr(s),
            Code::E023,
            "an IPv6 address or CIDR block such as 2001:db8::/32",
        ),
        Fmt::Mac => (
            f::is_mac(s),
            Code::E023,
            "a lower-case colon-delimited MAC-48 address such as d2:fb:49:24:37:18",
        ),
        Fmt::Email => (
            f::is_email(s),
            Code::E023,
            "an e-mail address (local-part@domain)",
        ),
        Fmt::Hostname => (
            f::is_hostname(s),
            Code::E023,
            "a domain name (labels of letters, digits and '-', at most 63 characters each)",
        ),
        Fmt::Cpe => (
            f::is_cpe23(s),
            Code::E025,
            "a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:…, 13 fields)",
        ),
        Fmt::MimeType => (
            f::is_mime_type_form(s),
            Code::E025,
            "a MIME type such as application/zip",
        ),
        Fmt::Charset => (
            f::is_charset_form(s),
            Code::E025,
            "an IANA character set name such as UTF-8",
        ),
        Fmt::RegistryKey => (
            !f::uses_abbreviated_hive(s),
            Code::E025,
            "a key with its full hive name (HKEY_LOCAL_MACHINE\\…, not HKLM\\…)",
        ),
        Fmt::RelationshipType => (
            f::is_relationship_type(s),
            Code::E025,
            "lower-case letters, digits and '-'",
        ),
    };
    if !ok {
        let msg = format!("'{}' must be {}, found {}", cx.label(), expect, quote(s));
        cx.report(code, msg);
    }
}

/// Checks a nested object against its structure.
pub(crate) fn check_struct<'v>(
    cx: &mut Ctx<'v, '_>,
    s: &'static Struct,
    m: &'v Map<String, Value>,
    def: &'static TypeDef,
) {
    for p in s.props.iter().filter(|p| p.required) {
        if !m.contains_key(p.name) {
            cx.report_at(
                p.name,
                Code::E002,
                format!("missing required property '{}' of the {}", p.name, s.name),
            );
        }
    }
    check_any_of(cx, s.any_of, m, s.name);
    for (k, v) in m {
        cx.push(k);
        match s.prop(k) {
            Some(p) => check(cx, &p.ty, v, def),
            None if s.closed => {
                cx.report(
                    Code::E014,
                    format!(
                        "{} is not a property of the {} (allowed: {})",
                        quote(k),
                        s.name,
                        s.props
                            .iter()
                            .map(|p| p.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            None => check_custom(cx, k, v),
        }
        cx.pop();
    }
    rules::check_struct_rules(cx, s, m);
}

/// "At least one of" rules.
pub(crate) fn check_any_of(
    cx: &mut Ctx<'_, '_>,
    any_of: &[&str],
    m: &Map<String, Value>,
    what: &str,
) {
    if !any_of.is_empty() && !any_of.iter().any(|k| m.contains_key(*k)) {
        cx.report(
            Code::E019,
            format!(
                "{} must have at least one of: {}",
                article(what),
                any_of.join(", ")
            ),
        );
    }
}

/// A property that the tables do not define (custom, or of a custom extension):
/// a valid name, not null, not an empty list, and `_hex`/`_bin` values encoded.
pub(crate) fn check_custom(cx: &mut Ctx<'_, '_>, k: &str, v: &Value) {
    if !f::is_property_name(k) {
        cx.report(
            Code::E014,
            format!(
                "property name {} must be 3 to 250 characters of a-z, 0-9 and '_', starting with a letter",
                quote(k)
            ),
        );
    }
    match v {
        Value::Null => cx.report(
            Code::E003,
            format!("'{k}' must not be null (omit the property instead)"),
        ),
        Value::Array(a) if a.is_empty() => cx.report(
            Code::E011,
            format!("'{k}' must not be an empty list (omit the property instead)"),
        ),
        Value::String(s) if k.ends_with("_hex") && !f::is_hex(s) => cx.report(
            Code::E020,
            format!(
                "'{k}' ends in _hex and must be hexadecimal, found {}",
                quote(s)
            ),
        ),
        Value::String(s) if k.ends_with("_bin") && !f::is_base64(s) => cx.report(
            Code::E020,
            format!(
                "'{k}' ends in _bin and must be padded base64, found {}",
                quote(s)
            ),
        ),
        Value::String(_) => {}
        _ if k.ends_with("_hex") || k.ends_with("_bin") => cx.report(
            Code::E003,
            format!("'{k}' ends in {} and must be a string", &k[k.len() - 4..]),
        ),
        _ => {}
    }
}
