//! Validation beyond the grammar: qualifiers, operands (regex, CIDR, hash values)
//! and object paths against the STIX 2.1 SCO definitions. Custom object types and
//! properties are allowed by the specification and reported as warnings.

use std::collections::BTreeSet;

use crate::ast::*;
use crate::error::{codes, PatternError};
use crate::net;
use crate::sco;

/// The outcome of validating a pattern: the tree when it parsed, and every
/// diagnostic (errors and warnings) in order of offset.
#[derive(Debug, Clone)]
pub struct Validation {
    pub pattern: Option<Pattern>,
    pub diagnostics: Vec<PatternError>,
}

impl Validation {
    pub fn is_valid(&self) -> bool {
        self.pattern.is_some() && !self.diagnostics.iter().any(PatternError::is_error)
    }
    pub fn errors(&self) -> impl Iterator<Item = &PatternError> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
    pub fn warnings(&self) -> impl Iterator<Item = &PatternError> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

/// Parses and validates a pattern.
pub fn validate(src: &str) -> Validation {
    validate_opts(src, true)
}

/// `check_regex: false` leaves MATCHES operands to the caller, which compiles them anyway.
pub(crate) fn validate_opts(src: &str, check_regex: bool) -> Validation {
    let (pattern, mut out) = match crate::parser::parse_with_diagnostics(src) {
        Ok(p) => p,
        Err(e) => {
            return Validation {
                pattern: None,
                diagnostics: vec![e],
            }
        }
    };
    check_obs(&pattern.expr, &mut out);
    for c in pattern.expr.observations() {
        check_comp_types(c, &mut out);
        for t in c.tests() {
            check_test(t, check_regex, &mut out);
        }
    }
    // One warning per custom type is enough.
    let mut seen = BTreeSet::new();
    out.retain(|d| d.code != codes::CUSTOM_TYPE || seen.insert(d.message.clone()));
    out.sort_by_key(|d| d.offset);
    Validation {
        pattern: Some(pattern),
        diagnostics: out,
    }
}

/// The check the STIX validator calls for `indicator.pattern` when
/// `pattern_type` is `stix`: syntax and semantic errors, warnings left out.
pub fn check(src: &str) -> Result<(), Vec<PatternError>> {
    let v = validate(src);
    let errors: Vec<PatternError> = v.errors().cloned().collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn first_offset(e: &ObsExpr) -> usize {
    e.observations()
        .first()
        .and_then(|c| c.tests().first().map(|t| t.offset))
        .unwrap_or(0)
}

fn check_obs(e: &ObsExpr, out: &mut Vec<PatternError>) {
    match e {
        ObsExpr::Observation(_) => {}
        ObsExpr::And(xs) | ObsExpr::Or(xs) | ObsExpr::FollowedBy(xs) => {
            for x in xs {
                check_obs(x, out);
            }
        }
        ObsExpr::Qualified(..) => {
            // Collect the chain of qualifiers applied directly to one operand.
            let mut quals = Vec::new();
            let mut cur = e;
            while let ObsExpr::Qualified(inner, q) = cur {
                quals.push(q);
                cur = inner;
            }
            let off = first_offset(cur);
            for q in &quals {
                match q {
                    Qualifier::Within(s) if *s <= 0.0 => out.push(PatternError::new(
                        codes::QUALIFIER_RANGE,
                        off,
                        "WITHIN needs a positive number of seconds",
                    )),
                    Qualifier::Repeats(0) => out.push(PatternError::new(
                        codes::QUALIFIER_RANGE,
                        off,
                        "REPEATS needs a count of at least 1",
                    )),
                    Qualifier::StartStop(a, b) if a >= b => out.push(PatternError::warning(
                        codes::NEVER_MATCHES,
                        off,
                        format!(
                            "START {} is not before STOP {}: the expression can never match",
                            a.as_str(),
                            b.as_str()
                        ),
                    )),
                    _ => {}
                }
            }
            check_obs(cur, out);
        }
    }
}

/// The object types a comparison expression can hold true on.
fn comp_types(c: &CompExpr) -> BTreeSet<&str> {
    c.tests()
        .into_iter()
        .map(|t| t.path.object_type.as_str())
        .collect()
}

fn check_comp_types(c: &CompExpr, out: &mut Vec<PatternError>) {
    match c {
        CompExpr::Test(_) => {}
        CompExpr::Or(xs) => xs.iter().for_each(|x| check_comp_types(x, out)),
        CompExpr::And(xs) => {
            // AND needs one object to satisfy every operand.
            let mut common = comp_types(&xs[0]);
            for x in &xs[1..] {
                let t = comp_types(x);
                common.retain(|ty| t.contains(ty));
            }
            if common.is_empty() {
                let all: BTreeSet<&str> = xs.iter().flat_map(comp_types).collect();
                let off = xs[1].tests().first().map(|t| t.offset).unwrap_or(0);
                out.push(PatternError::warning(
                    codes::NEVER_MATCHES,
                    off,
                    format!(
                        "AND joins comparisons on different object types ({}); every operand must hold on the same object, so this never matches (use OR, or AND between two observation expressions)",
                        all.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            xs.iter().for_each(|x| check_comp_types(x, out));
        }
    }
}

fn check_test(t: &PropTest, check_regex: bool, out: &mut Vec<PatternError>) {
    check_path(t, out);
    match &t.op {
        Op::Matches(re) if check_regex => {
            if let Err(e) = crate::eval::compile_regex(re) {
                out.push(PatternError::new(
                    codes::REGEX,
                    t.offset,
                    format!(
                        "MATCHES operand is not a usable regular expression: {}",
                        e.to_string()
                            .lines()
                            .last()
                            .unwrap_or("")
                            .trim_start_matches("error: ")
                    ),
                ));
            }
        }
        Op::IsSubset(s) | Op::IsSuperset(s) if net::parse_cidr(s).is_none() => {
            out.push(PatternError::new(
                codes::CIDR,
                t.offset,
                format!(
                    "{} operand '{s}' is not an IPv4/IPv6 address or CIDR block (expected e.g. 198.51.100.0/24)",
                    t.op.keyword()
                ),
            ));
        }
        Op::In(set) => {
            let kinds: BTreeSet<&str> = set
                .iter()
                .map(|l| match l {
                    Literal::Int(_) | Literal::Float(_) => "number",
                    Literal::Hex(_) | Literal::Binary(_) => "binary",
                    other => other.kind(),
                })
                .collect();
            if kinds.len() > 1 {
                out.push(PatternError::warning(
                    codes::MIXED_SET,
                    t.offset,
                    format!(
                        "IN set mixes constant types ({})",
                        kinds.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        _ => {}
    }
    check_hash(t, out);
}

fn check_hash(t: &PropTest, out: &mut Vec<PatternError>) {
    let steps = &t.path.steps;
    let n = steps.len();
    if n < 2 {
        return;
    }
    let (PathStep::Key(h), PathStep::Key(alg)) = (&steps[n - 2], &steps[n - 1]) else {
        return;
    };
    if h != "hashes" && h != "file_header_hashes" {
        return;
    }
    let values: Vec<&str> = match &t.op {
        Op::Eq(Literal::Str(s)) | Op::Ne(Literal::Str(s)) => vec![s],
        Op::In(set) => set
            .iter()
            .filter_map(|l| match l {
                Literal::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => return,
    };
    for v in values {
        if sco::hash_value_ok(alg, v) == Some(false) {
            out.push(PatternError::new(
                codes::HASH,
                t.offset,
                format!("'{v}' is not a valid {alg} hash"),
            ));
        }
    }
}

fn check_path(t: &PropTest, out: &mut Vec<PatternError>) {
    let ty = t.path.object_type.as_str();
    let Some(_) = sco::properties(ty) else {
        let msg = if stix::types::is_standard_type(ty) {
            format!("'{ty}' is not a cyber-observable type: patterns match SCOs, so this comparison never matches")
        } else {
            format!("'{ty}' is not a STIX 2.1 SCO type (custom object type)")
        };
        out.push(PatternError::warning(codes::CUSTOM_TYPE, t.offset, msg));
        return;
    };
    let PathStep::Key(first) = &t.path.steps[0] else {
        return;
    };
    if !sco::has_property(ty, first) {
        out.push(PatternError::warning(
            codes::CUSTOM_PROPERTY,
            t.offset,
            format!("'{first}' is not a property of {ty} (custom property)"),
        ));
        return;
    }
    // Follow a reference from the first property: the next key must belong to
    // one of the types it may point to.
    if let Some(targets) = sco::ref_targets(ty, first) {
        let next = match (
            first.ends_with("_refs"),
            t.path.steps.get(1),
            t.path.steps.get(2),
        ) {
            (false, Some(PathStep::Key(k)), _) => Some(k),
            (true, Some(PathStep::Index(_) | PathStep::Any), Some(PathStep::Key(k))) => Some(k),
            _ => None,
        };
        if let Some(k) = next {
            if !targets.iter().any(|target| sco::has_property(target, k)) {
                out.push(PatternError::warning(
                    codes::CUSTOM_PROPERTY,
                    t.offset,
                    format!(
                        "'{k}' is not a property of what {ty}:{first} points to ({}) (custom property)",
                        targets.join(", ")
                    ),
                ));
            }
        }
        if first.ends_with("_refs") && matches!(t.path.steps.get(1), Some(PathStep::Key(_))) {
            out.push(PatternError::warning(
                codes::NEVER_MATCHES,
                t.offset,
                format!(
                    "{first} is a list: step into it with [*] or an index before naming a property"
                ),
            ));
        }
    }
    if first == "extensions" {
        if let Some(PathStep::Key(ext)) = t.path.steps.get(1) {
            let known = sco::extension_properties(ty, ext);
            match (known, t.path.steps.get(2)) {
                (Some(props), Some(PathStep::Key(p))) if !props.contains(&p.as_str()) => {
                    out.push(PatternError::warning(
                        codes::CUSTOM_PROPERTY,
                        t.offset,
                        format!("'{p}' is not a property of the {ext} extension"),
                    ))
                }
                (None, _) if !ext.starts_with("extension-definition--") && !ext.ends_with("-ext") => {
                    out.push(PatternError::warning(
                        codes::CUSTOM_PROPERTY,
                        t.offset,
                        format!("'{ext}' is not a predefined {ty} extension and not an extension-definition id"),
                    ))
                }
                _ => {}
            }
        }
    }
}
