//! The pattern syntax tree. Parentheses are not kept: the printer puts them back
//! where precedence needs them, so `parse(print(ast)) == ast` holds.

use stix::Timestamp;

/// A whole STIX pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub expr: ObsExpr,
}

/// An observation expression (outside the square brackets).
#[derive(Debug, Clone, PartialEq)]
pub enum ObsExpr {
    /// `[ comparison ]`
    Observation(CompExpr),
    /// The operators are associative, so chains are kept flat: at least two
    /// operands, none of them the same operator (a long `OR` list of indicators
    /// is one node, not a deep tree).
    And(Vec<ObsExpr>),
    Or(Vec<ObsExpr>),
    FollowedBy(Vec<ObsExpr>),
    Qualified(Box<ObsExpr>, Qualifier),
}

/// A qualifier on an observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS` (integer or float literal).
    Within(f64),
    /// `REPEATS n TIMES`.
    Repeats(u64),
    /// `START t'…' STOP t'…'`.
    StartStop(Timestamp, Timestamp),
}

/// A comparison expression (inside the square brackets).
#[derive(Debug, Clone, PartialEq)]
pub enum CompExpr {
    /// Flat, like the observation operators: two or more operands, none of the
    /// same operator.
    And(Vec<CompExpr>),
    Or(Vec<CompExpr>),
    Test(PropTest),
}

/// `path [NOT] op value`, or `[NOT] EXISTS path`.
#[derive(Debug, Clone)]
pub struct PropTest {
    pub path: ObjectPath,
    pub negated: bool,
    pub op: Op,
    /// Byte offset of the test in the pattern text (not part of equality).
    pub offset: usize,
}

impl PartialEq for PropTest {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.negated == other.negated && self.op == other.op
    }
}

/// A comparison operator with its operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Eq(Literal),
    Ne(Literal),
    Lt(Literal),
    Le(Literal),
    Gt(Literal),
    Ge(Literal),
    In(Vec<Literal>),
    Like(String),
    Matches(String),
    IsSubset(String),
    IsSuperset(String),
    Exists,
}

impl Op {
    /// The operator keyword as written in a pattern.
    pub fn keyword(&self) -> &'static str {
        match self {
            Op::Eq(_) => "=",
            Op::Ne(_) => "!=",
            Op::Lt(_) => "<",
            Op::Le(_) => "<=",
            Op::Gt(_) => ">",
            Op::Ge(_) => ">=",
            Op::In(_) => "IN",
            Op::Like(_) => "LIKE",
            Op::Matches(_) => "MATCHES",
            Op::IsSubset(_) => "ISSUBSET",
            Op::IsSuperset(_) => "ISSUPERSET",
            Op::Exists => "EXISTS",
        }
    }
}

/// `type:first.step[0].step[*]`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectPath {
    pub object_type: String,
    /// At least one step; the first is always a `Key`.
    pub steps: Vec<PathStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    Key(String),
    Index(i64),
    /// `[*]`: any element of a list.
    Any,
}

/// A constant. Hex and binary literals are kept apart so the printer can write
/// back what was read; they compare alike.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Hex(Vec<u8>),
    Binary(Vec<u8>),
    Timestamp(Timestamp),
}

impl Literal {
    pub fn kind(&self) -> &'static str {
        match self {
            Literal::Int(_) => "integer",
            Literal::Float(_) => "float",
            Literal::Str(_) => "string",
            Literal::Bool(_) => "boolean",
            Literal::Hex(_) => "hex",
            Literal::Binary(_) => "binary",
            Literal::Timestamp(_) => "timestamp",
        }
    }
}

impl ObsExpr {
    /// Every comparison expression of the pattern, left to right.
    pub fn observations(&self) -> Vec<&CompExpr> {
        let mut out = Vec::new();
        fn walk<'a>(e: &'a ObsExpr, out: &mut Vec<&'a CompExpr>) {
            match e {
                ObsExpr::Observation(c) => out.push(c),
                ObsExpr::And(xs) | ObsExpr::Or(xs) | ObsExpr::FollowedBy(xs) => {
                    for x in xs {
                        walk(x, out);
                    }
                }
                ObsExpr::Qualified(a, _) => walk(a, out),
            }
        }
        walk(self, &mut out);
        out
    }
}

impl CompExpr {
    /// Every property test, left to right.
    pub fn tests(&self) -> Vec<&PropTest> {
        let mut out = Vec::new();
        fn walk<'a>(e: &'a CompExpr, out: &mut Vec<&'a PropTest>) {
            match e {
                CompExpr::Test(t) => out.push(t),
                CompExpr::And(xs) | CompExpr::Or(xs) => {
                    for x in xs {
                        walk(x, out);
                    }
                }
            }
        }
        walk(self, &mut out);
        out
    }
}

impl ObsExpr {
    /// Joins operands with AND, OR or FOLLOWEDBY, keeping chains flat.
    pub fn join(make: fn(Vec<ObsExpr>) -> ObsExpr, a: ObsExpr, b: ObsExpr) -> ObsExpr {
        let probe = make(Vec::new());
        let same = |e: &ObsExpr| std::mem::discriminant(e) == std::mem::discriminant(&probe);
        let mut v = Vec::new();
        for x in [a, b] {
            if same(&x) {
                match x {
                    ObsExpr::And(xs) | ObsExpr::Or(xs) | ObsExpr::FollowedBy(xs) => v.extend(xs),
                    other => v.push(other),
                }
            } else {
                v.push(x);
            }
        }
        make(v)
    }
}

impl CompExpr {
    /// Joins operands with AND or OR, keeping chains flat.
    pub fn join(make: fn(Vec<CompExpr>) -> CompExpr, a: CompExpr, b: CompExpr) -> CompExpr {
        let probe = make(Vec::new());
        let same = |e: &CompExpr| std::mem::discriminant(e) == std::mem::discriminant(&probe);
        let mut v = Vec::new();
        for x in [a, b] {
            if same(&x) {
                match x {
                    CompExpr::And(xs) | CompExpr::Or(xs) => v.extend(xs),
                    other => v.push(other),
                }
            } else {
                v.push(x);
            }
        }
        make(v)
    }
}
