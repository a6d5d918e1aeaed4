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

/// A member of a JSON object. Small objects are scanned in order, which beats
/// hashing the key (STIX objects usually start with `type` and `id`).
#[inline]
pub fn member<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    if m.len() <= 12 {
        m.iter().find(|(k, _)| k.as_str() == key).map(|(_, x)| x)
    } else {
        m.get(key)
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

/// A LIKE operand: `%` any run of characters, `_` exactly one, both also
/// matching line breaks (as in SQL). Matched directly, without building a regex.
#[derive(Debug, Clone)]
pub struct Like {
    /// Literal runs between `%`; `None` stands for `_` inside a run.
    parts: Vec<Vec<Option<char>>>,
}

impl Like {
    pub fn new(like: &str) -> Like {
        let like = nfc(like);
        let mut parts = vec![Vec::new()];
        for c in like.chars() {
            match c {
                '%' => parts.push(Vec::new()),
                '_' => parts.last_mut().expect("non-empty").push(None),
                c => parts.last_mut().expect("non-empty").push(Some(c)),
            }
        }
        Like { parts }
    }

    fn run_at(run: &[Option<char>], s: &[char], at: usize) -> bool {
        at + run.len() <= s.len()
            && run
                .iter()
                .zip(&s[at..])
                .all(|(p, c)| p.is_none_or(|p| p == *c))
    }

    pub fn is_match(&self, value: &str) -> bool {
        let s: Vec<char> = nfc(value).chars().collect();
        let n = self.parts.len();
        if n == 1 {
            return self.parts[0].len() == s.len() && Like::run_at(&self.parts[0], &s, 0);
        }
        // First run at the start, last run at the end, the middle ones leftmost
        // in between: leftmost placement is optimal for `%`-separated runs.
        let first = &self.parts[0];
        let last = &self.parts[n - 1];
        if first.len() + last.len() > s.len() {
            return false;
        }
        if !Like::run_at(first, &s, 0) || !Like::run_at(last, &s, s.len() - last.len()) {
            return false;
        }
        let mut pos = first.len();
        let end = s.len() - last.len();
        for run in &self.parts[1..n - 1] {
            let Some(at) = (pos..=end.saturating_sub(run.len()))
                .find(|&i| i + run.len() <= end && Like::run_at(run, &s, i))
            else {
                return false;
            };
            pos = at + run.len();
        }
        true
    }
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
    Like(Like),
    /// The regex, and its byte-wise form for binary values (built when first needed).
    Matches(
        regex::Regex,
        String,
        std::sync::OnceLock<Option<regex::bytes::Regex>>,
    ),
    IsSubset(Cidr),
    IsSuperset(Cidr),
    Exists,
}

/// A property test ready to run.
#[derive(Debug)]
pub struct Test {
    /// Shared: indicators over the same path hold one copy (see `Interner`).
    pub path: std::sync::Arc<ObjectPath>,
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

/// Shares object paths between compiled tests (an index of 100k indicators
/// has a handful of distinct paths).
#[derive(Debug, Default)]
pub struct Interner {
    paths: std::collections::HashMap<ObjectPath, std::sync::Arc<ObjectPath>>,
}

impl Interner {
    pub fn path(&mut self, p: &ObjectPath) -> std::sync::Arc<ObjectPath> {
        if let Some(a) = self.paths.get(p) {
            return a.clone();
        }
        let a = std::sync::Arc::new(p.clone());
        self.paths.insert(p.clone(), a.clone());
        a
    }
}

impl Comp {
    pub fn compile(c: &CompExpr) -> Result<Comp, CompileError> {
        Comp::compile_with(c, &mut Interner::default())
    }

    pub fn compile_with(c: &CompExpr, interner: &mut Interner) -> Result<Comp, CompileError> {
        let mut all = |xs: &[CompExpr]| -> Result<Vec<Comp>, CompileError> {
            xs.iter().map(|x| Comp::compile_with(x, interner)).collect()
        };
        Ok(match c {
            CompExpr::And(xs) => Comp::And(all(xs)?),
            CompExpr::Or(xs) => Comp::Or(all(xs)?),
            CompExpr::Test(t) => Comp::Test(Test::compile(t, interner)?),
        })
    }

    /// False when no SCO of type `ty` can satisfy the expression (cheap pre-filter).
    pub fn may_hold_on(&self, ty: &str) -> bool {
        match self {
            Comp::And(xs) => xs.iter().all(|x| x.may_hold_on(ty)),
            Comp::Or(xs) => xs.iter().any(|x| x.may_hold_on(ty)),
            Comp::Test(t) => t.path.object_type == ty,
        }
    }
}

impl Test {
    pub fn compile(t: &PropTest, interner: &mut Interner) -> Result<Test, CompileError> {
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
            Op::Like(s) => Pred::Like(Like::new(s)),
            Op::Matches(s) => {
                let re = compile_regex(s).map_err(|e| err(format!("MATCHES operand: {e}")))?;
                Pred::Matches(re, s.clone(), std::sync::OnceLock::new())
            }
            Op::IsSubset(s) => Pred::IsSubset(
                net::parse_cidr(s)
                    .ok_or_else(|| err(format!("'{s}' is not an IP address or CIDR block")))?,
            ),
            Op::IsSuperset(s) => Pred::IsSuperset(
                net::parse_cidr(s)
                    .ok_or_else(|| err(format!("'{s}' is not an IP address or CIDR block")))?,
            ),
            Op::Exists => Pred::Exists,
        };
        Ok(Test {
            path: interner.path(&t.path),
            negated: t.negated,
            pred,
        })
    }

    /// True when some value the path selects on `root` passes the test.
    pub fn eval(&self, root: &Value, scope: &dyn Scope) -> bool {
        if member(root, "type").and_then(Value::as_str) != Some(self.path.object_type.as_str()) {
            return false;
        }
        if let Pred::Exists = self.pred {
            let found = walk(root, &self.path.steps, scope, &mut |_| true);
            return found != self.negated;
        }
        walk(
            root,
            &self.path.steps,
            scope,
            &mut |v| match self.pred.apply(&v) {
                Some(r) => r != self.negated,
                // Operands of incomparable types: false, whatever NOT or != say.
                None => false,
            },
        )
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
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Calls `f` on each value the path selects from `v` (dereferencing `_ref` and
/// `_refs`, decoding `_hex`/`_bin`) until it returns true; returns whether it
/// did. No allocation on the common paths.
pub fn walk<'a>(
    v: &'a Value,
    steps: &[PathStep],
    scope: &'a dyn Scope,
    f: &mut dyn FnMut(Val<'a>) -> bool,
) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        return f(Val::Json(v));
    };
    match step {
        PathStep::Key(k) => {
            let Some(x) = member(v, k) else {
                return false;
            };
            if k.ends_with("_ref") {
                match x.as_str().and_then(|r| scope.resolve(r)) {
                    Some(t) => walk(t, rest, scope, f),
                    None => false,
                }
            } else if k.ends_with("_refs") {
                // A list of references stands for the list of referents, so an
                // index or `[*]` must follow.
                let Some(a) = x.as_array() else { return false };
                let referent = |r: &'a Value| r.as_str().and_then(|r| scope.resolve(r));
                match rest.split_first() {
                    None => {
                        let objs: Vec<&'a Value> = a.iter().filter_map(referent).collect();
                        !objs.is_empty() && f(Val::Refs(objs))
                    }
                    Some((PathStep::Index(i), rest2)) => usize::try_from(*i)
                        .ok()
                        .and_then(|i| a.get(i))
                        .and_then(referent)
                        .is_some_and(|t| walk(t, rest2, scope, f)),
                    Some((PathStep::Any, rest2)) => a
                        .iter()
                        .filter_map(referent)
                        .any(|t| walk(t, rest2, scope, f)),
                    Some((PathStep::Key(_), _)) => false,
                }
            } else if k.ends_with("_hex") || k.ends_with("_bin") {
                let bytes = x.as_str().and_then(|s| {
                    if k.ends_with("_hex") {
                        decode_hex(s)
                    } else {
                        crate::lexer::decode_base64(s.as_bytes())
                    }
                });
                // Bytes have no further structure to step into.
                match bytes {
                    Some(b) if rest.is_empty() => f(Val::Bytes(b)),
                    _ => false,
                }
            } else {
                walk(x, rest, scope, f)
            }
        }
        PathStep::Index(i) => usize::try_from(*i)
            .ok()
            .and_then(|i| v.as_array()?.get(i))
            .is_some_and(|x| walk(x, rest, scope, f)),
        PathStep::Any => v
            .as_array()
            .is_some_and(|a| a.iter().any(|x| walk(x, rest, scope, f))),
    }
}

/// Every value the path selects from `root` (see [`walk`]).
pub fn select<'a>(root: &'a Value, steps: &[PathStep], scope: &'a dyn Scope) -> Vec<Val<'a>> {
    let mut out = Vec::new();
    walk(root, steps, scope, &mut |v| {
        out.push(v);
        false
    });
    out
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
            Pred::Like(like) => match v {
                Val::Json(Value::String(s)) => Some(like.is_match(s)),
                Val::Bytes(b) => std::str::from_utf8(b).ok().map(|s| like.is_match(s)),
                _ => None,
            },
            Pred::Matches(re, src, bin) => match v {
                Val::Json(Value::String(s)) => Some(re.is_match(&nfc(s))),
                Val::Bytes(b) => bin
                    .get_or_init(|| {
                        // Binary values are matched byte-wise when the pattern is Latin-1.
                        src.chars().all(|c| (c as u32) < 256).then(|| {
                            regex::bytes::RegexBuilder::new(src)
                                .unicode(false)
                                .build()
                                .ok()
                        })?
                    })
                    .as_ref()
                    .map(|r| r.is_match(b)),
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
    s.chars().map(|c| u8::try_from(c as u32).ok()).collect()
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
