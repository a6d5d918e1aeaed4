//! Comparison-expression evaluation on one SCO: object-path selection (with
//! `_ref`/`_refs` dereferencing, list indexes and `[*]`) and the comparison
//! operators, with the type rules of STIX 2.1 §9 (Patterning).
//!
//! Semantics, and where they differ from stix2-matcher, are listed in README.md.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;
use stix::Timestamp;
use unicode_normalization::UnicodeNormalization;

use crate::ast::*;
use crate::net::{self, Cidr};

/// Looks up the object a `_ref` points to, in the scope of one observation.
pub trait Scope {
    fn resolve(&self, r: &str) -> Option<&Value>;
}

/// No references resolve (flat records).
pub struct NoScope;
impl Scope for NoScope {
    fn resolve(&self, _r: &str) -> Option<&Value> {
        None
    }
}

/// Strings are compared in Unicode Normalization Form C; ASCII is already NFC.
pub fn nfc(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

/// Compiles a MATCHES operand. The regex crate has no look-around or
/// back-references (PCRE has); such patterns are reported as invalid.
pub fn compile_regex(re: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(&nfc(re))
        .size_limit(1 << 22)
        .build()
}

/// Translates a LIKE operand (`%` any run, `_` one character) to an anchored regex
/// source. `%` and `_` also match line breaks, as in SQL.
pub fn like_to_regex(like: &str) -> String {
    let mut out = String::from("(?s)^");
    let mut lit = String::new();
    for c in nfc(like).chars() {
        match c {
            '%' | '_' => {
                out.push_str(&regex::escape(&lit));
                lit.clear();
                out.push_str(if c == '%' { ".*" } else { "." });
            }
            c => lit.push(c),
        }
    }
    out.push_str(&regex::escape(&lit));
    out.push('$');
    out
}

/// A constant prepared for comparison.
#[derive(Debug, Clone)]
pub enum Const {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Bytes(Vec<u8>),
    Time(Timestamp),
}

impl Const {
    pub fn from_literal(l: &Literal) -> Const {
        match l {
            Literal::Int(n) => Const::Int(*n),
            Literal::Float(x) => Const::Float(*x),
            Literal::Str(s) => Const::Str(nfc(s).into_owned()),
            Literal::Bool(b) => Const::Bool(*b),
            Literal::Hex(b) | Literal::Binary(b) => Const::Bytes(b.clone()),
            Literal::Timestamp(t) => Const::Time(t.clone()),
        }
    }
}

/// A value selected by an object path.
#[derive(Debug)]
pub enum Val<'a> {
    Json(&'a Value),
    /// The decoded value of a `*_hex` or `*_bin` property.
    Bytes(Vec<u8>),
    /// The objects a `*_refs` list points to (an index or `[*]` must follow).
    Refs(Vec<&'a Value>),
}

#[derive(Debug)]
pub enum Pred {
    Eq(Const),
    Ne(Const),
    Order(Ordering, bool, Const),
    In(Vec<Const>),
    Like(regex::Regex),
    Matches(regex::Regex, Option<regex::bytes::Regex>),
    IsSubset(Cidr),
    IsSuperset(Cidr),
    Exists,
}

/// A property test ready to run.
#[derive(Debug)]
pub struct Test {
    pub path: ObjectPath,
    pub negated: bool,
    pub pred: Pred,
}

#[derive(Debug)]
pub enum Comp {
    And(Vec<Comp>),
    Or(Vec<Comp>),
    Test(Test),
}

/// Why a pattern cannot be run (the validator reports these as errors too).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at offset {offset}: {message}")]
pub struct CompileError {
    pub offset: usize,
    pub message: String,
}

impl Comp {
    pub fn compile(c: &CompExpr) -> Result<Comp, CompileError> {
        Ok(match c {
            CompExpr::And(xs) => Comp::And(xs.iter().map(Comp::compile).collect::<Result<_, _>>()?),
            CompExpr::Or(xs) => Comp::Or(xs.iter().map(Comp::compile).collect::<Result<_, _>>()?),
            CompExpr::Test(t) => Comp::Test(Test::compile(t)?),
        })
    }
}

impl Test {
    pub fn compile(t: &PropTest) -> Result<Test, CompileError> {
        let err = |m: String| CompileError {
            offset: t.offset,
            message: m,
        };
        let pred = match &t.op {
            Op::Eq(l) => Pred::Eq(Const::from_literal(l)),
            Op::Ne(l) => Pred::Ne(Const::from_literal(l)),
            Op::Lt(l) => Pred::Order(Ordering::Less, false, Const::from_literal(l)),
            Op::Le(l) => Pred::Order(Ordering::Less, true, Const::from_literal(l)),
            Op::Gt(l) => Pred::Order(Ordering::Greater, false, Const::from_literal(l)),
            Op::Ge(l) => Pred::Order(Ordering::Greater, true, Const::from_literal(l)),
            Op::In(set) => Pred::In(set.iter().map(Const::from_literal).collect()),
            Op::Like(s) => Pred::Like(
                regex::Regex::new(&like_to_regex(s)).map_err(|e| err(format!("LIKE operand: {e}")))?,
            ),
            Op::Matches(s) => {
                let re = compile_regex(s).map_err(|e| err(format!("MATCHES operand: {e}")))?;
                // Binary values are matched byte-wise when the pattern is Latin-1.
                let bin = if s.chars().all(|c| (c as u32) < 256) {
                    let latin1: String = s.chars().collect();
                    regex::bytes::RegexBuilder::new(&latin1)
                        .unicode(false)
                        .build()
                        .ok()
                } else {
                    None
                };
                Pred::Matches(re, bin)
            }
            Op::IsSubset(s) => Pred::IsSubset(
                net::parse_cidr(s).ok_or_else(|| err(format!("'{s}' is not an IP address or CIDR block")))?,
            ),
            Op::IsSuperset(s) => Pred::IsSuperset(
                net::parse_cidr(s).ok_or_else(|| err(format!("'{s}' is not an IP address or CIDR block")))?,
            ),
            Op::Exists => Pred::Exists,
        };
        Ok(Test {
            path: t.path.clone(),
            negated: t.negated,
            pred,
        })
    }

    /// True when some value the path selects on `root` passes the test.
    pub fn eval(&self, root: &Value, scope: &dyn Scope) -> bool {
        if root.get("type").and_then(Value::as_str) != Some(self.path.object_type.as_str()) {
            return false;
        }
        let vals = select(root, &self.path.steps, scope);
        if let Pred::Exists = self.pred {
            return vals.is_empty() == self.negated;
        }
        vals.iter().any(|v| match self.pred.apply(v) {
            Some(r) => r != self.negated,
            // Operands of incomparable types: false, whatever NOT or != say.
            None => false,
        })
    }
}

impl Comp {
    pub fn eval(&self, root: &Value, scope: &dyn Scope) -> bool {
        match self {
            Comp::And(xs) => xs.iter().all(|x| x.eval(root, scope)),
            Comp::Or(xs) => xs.iter().any(|x| x.eval(root, scope)),
            Comp::Test(t) => t.eval(root, scope),
        }
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Takes the path steps from `root`, dereferencing `_ref`/`_refs` properties.
pub fn select<'a>(root: &'a Value, steps: &[PathStep], scope: &'a dyn Scope) -> Vec<Val<'a>> {
    let mut cur: Vec<Val<'a>> = vec![Val::Json(root)];
    for step in steps {
        let mut next = Vec::new();
        for v in cur {
            let v = match v {
                Val::Json(v) => v,
                Val::Refs(objs) => {
                    match step {
                        PathStep::Index(i) => {
                            if let Some(o) = usize::try_from(*i).ok().and_then(|i| objs.get(i)) {
                                next.push(Val::Json(*o));
                            }
                        }
                        PathStep::Any => next.extend(objs.into_iter().map(Val::Json)),
                        PathStep::Key(_) => {}
                    }
                    continue;
                }
                Val::Bytes(_) => continue,
            };
            match step {
                PathStep::Key(k) => {
                    let Some(x) = v.as_object().and_then(|m| m.get(k)) else {
                        continue;
                    };
                    if k.ends_with("_ref") {
                        if let Some(t) = x.as_str().and_then(|r| scope.resolve(r)) {
                            next.push(Val::Json(t));
                        }
                    } else if k.ends_with("_refs") {
                        if let Some(a) = x.as_array() {
                            let objs: Vec<&'a Value> = a
                                .iter()
                                .filter_map(|r| r.as_str().and_then(|r| scope.resolve(r)))
                                .collect();
                            if !objs.is_empty() {
                                next.push(Val::Refs(objs));
                            }
                        }
                    } else if k.ends_with("_hex") {
                        if let Some(b) = x.as_str().and_then(decode_hex) {
                            next.push(Val::Bytes(b));
                        }
                    } else if k.ends_with("_bin") {
                        if let Some(b) = x
                            .as_str()
                            .and_then(|s| crate::lexer::decode_base64(s.as_bytes()))
                        {
                            next.push(Val::Bytes(b));
                        }
                    } else {
                        next.push(Val::Json(x));
                    }
                }
                PathStep::Index(i) => {
                    if let Some(x) = usize::try_from(*i).ok().and_then(|i| v.as_array()?.get(i)) {
                        next.push(Val::Json(x));
                    }
                }
                PathStep::Any => {
                    if let Some(a) = v.as_array() {
                        next.extend(a.iter().map(Val::Json));
                    }
                }
            }
        }
        cur = next;
        if cur.is_empty() {
            break;
        }
    }
    cur
}

impl Pred {
    /// Some(result) when the value and operand are comparable, None otherwise.
    fn apply(&self, v: &Val<'_>) -> Option<bool> {
        match self {
            Pred::Eq(c) => equals(v, c),
            Pred::Ne(c) => equals(v, c).map(|r| !r),
            Pred::Order(dir, or_equal, c) => {
                let o = compare(v, c)?;
                Some(o == *dir || (*or_equal && o == Ordering::Equal))
            }
            Pred::In(set) => {
                let mut comparable = false;
                for c in set {
                    match equals(v, c) {
                        Some(true) => return Some(true),
                        Some(false) => comparable = true,
                        None => {}
                    }
                }
                comparable.then_some(false)
            }
            Pred::Like(re) => match v {
                Val::Json(Value::String(s)) => Some(re.is_match(&nfc(s))),
                Val::Bytes(b) => std::str::from_utf8(b).ok().map(|s| re.is_match(&nfc(s))),
                _ => None,
            },
            Pred::Matches(re, bin) => match v {
                Val::Json(Value::String(s)) => Some(re.is_match(&nfc(s))),
                Val::Bytes(b) => bin.as_ref().map(|r| r.is_match(b)),
                _ => None,
            },
            Pred::IsSubset(outer) => {
                let inner = net::parse_cidr(json_str(v)?)?;
                Some(outer.contains(&inner))
            }
            Pred::IsSuperset(inner) => {
                let outer = net::parse_cidr(json_str(v)?)?;
                Some(outer.contains(inner))
            }
            Pred::Exists => Some(true),
        }
    }
}

fn json_str<'a>(v: &'a Val<'_>) -> Option<&'a str> {
    match v {
        Val::Json(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// A string as bytes when every character is below U+0100 (STIX 2.1: binary
/// and string compare only then).
fn latin1(s: &str) -> Option<Vec<u8>> {
    s.chars()
        .map(|c| u8::try_from(c as u32).ok())
        .collect()
}

fn num_cmp(v: &Value, c: &Const) -> Option<Ordering> {
    let n = v.as_number()?;
    match c {
        Const::Int(i) => {
            if let Some(a) = n.as_i64() {
                Some(a.cmp(i))
            } else if n.as_u64().is_some() {
                Some(Ordering::Greater)
            } else {
                n.as_f64()?.partial_cmp(&(*i as f64))
            }
        }
        Const::Float(f) => n.as_f64()?.partial_cmp(f),
        _ => None,
    }
}

fn equals(v: &Val<'_>, c: &Const) -> Option<bool> {
    match (v, c) {
        (Val::Json(Value::Bool(a)), Const::Bool(b)) => Some(a == b),
        (Val::Json(Value::Bool(_)), _) | (_, Const::Bool(_)) => None,
        _ => compare(v, c).map(|o| o == Ordering::Equal),
    }
}

fn compare(v: &Val<'_>, c: &Const) -> Option<Ordering> {
    match (v, c) {
        (Val::Json(j @ Value::Number(_)), Const::Int(_) | Const::Float(_)) => num_cmp(j, c),
        (Val::Json(Value::String(s)), Const::Str(t)) => Some(nfc(s).as_ref().cmp(t.as_str())),
        (Val::Json(Value::String(s)), Const::Time(t)) => {
            Timestamp::parse(s).ok().map(|ts| ts.cmp(t))
        }
        (Val::Json(Value::String(s)), Const::Bytes(b)) => {
            latin1(s).map(|sb| sb.as_slice().cmp(b.as_slice()))
        }
        (Val::Bytes(a), Const::Bytes(b)) => Some(a.as_slice().cmp(b.as_slice())),
        (Val::Bytes(a), Const::Str(s)) => latin1(s).map(|sb| a.as_slice().cmp(sb.as_slice())),
        _ => None,
    }
}
