//! The pretty-printer: one canonical spelling per tree, with parentheses only where
//! precedence or associativity needs them, so that `parse(print(p)) == p`.

use std::fmt::{self, Write};

use crate::ast::*;
use crate::lexer::{encode_base64, is_reserved};

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_obs(f, &self.expr)
    }
}

impl fmt::Display for ObsExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_obs(f, self)
    }
}

impl fmt::Display for CompExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_comp(f, self)
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.object_type)?;
        f.write_char(':')?;
        for (i, s) in self.steps.iter().enumerate() {
            match s {
                PathStep::Key(k) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    if is_plain_key(k) {
                        f.write_str(k)?;
                    } else {
                        write_string(f, k)?;
                    }
                }
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::Any => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Float(x) => write_float(f, *x),
            Literal::Str(s) => write_string(f, s),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Hex(b) => {
                f.write_str("h'")?;
                for x in b {
                    write!(f, "{x:02x}")?;
                }
                f.write_char('\'')
            }
            Literal::Binary(b) => write!(f, "b'{}'", encode_base64(b)),
            Literal::Timestamp(t) => write!(f, "t'{}'", t.as_str()),
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within(s) => {
                f.write_str("WITHIN ")?;
                if s.fract() == 0.0 && s.abs() < 1e15 {
                    write!(f, "{}", *s as i64)?;
                } else {
                    write_float(f, *s)?;
                }
                f.write_str(" SECONDS")
            }
            Qualifier::Repeats(n) => write!(f, "REPEATS {n} TIMES"),
            Qualifier::StartStop(a, b) => {
                write!(f, "START t'{}' STOP t'{}'", a.as_str(), b.as_str())
            }
        }
    }
}

/// Keys that can be written without quotes: identifiers without a hyphen that the
/// lexer would not read as a keyword.
fn is_plain_key(k: &str) -> bool {
    let mut cs = k.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_reserved(k)
}

fn write_string(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('\'')
}

fn write_float(f: &mut impl Write, x: f64) -> fmt::Result {
    // Rust's shortest round-trip form; it never uses an exponent, but may omit
    // the point, which would read back as an integer.
    let s = format!("{x}");
    if s.contains('.') {
        f.write_str(&s)
    } else {
        write!(f, "{s}.0")
    }
}

/// Binding strength of observation operators: higher binds tighter.
fn obs_prec(e: &ObsExpr) -> u8 {
    match e {
        ObsExpr::FollowedBy(..) => 1,
        ObsExpr::Or(..) => 2,
        ObsExpr::And(..) => 3,
        ObsExpr::Qualified(..) | ObsExpr::Observation(_) => 4,
    }
}

fn write_obs_operand(f: &mut fmt::Formatter<'_>, e: &ObsExpr, min: u8) -> fmt::Result {
    if obs_prec(e) < min {
        f.write_char('(')?;
        write_obs(f, e)?;
        f.write_char(')')
    } else {
        write_obs(f, e)
    }
}

fn write_obs(f: &mut fmt::Formatter<'_>, e: &ObsExpr) -> fmt::Result {
    let (xs, kw, p) = match e {
        ObsExpr::Observation(c) => {
            f.write_char('[')?;
            write_comp(f, c)?;
            return f.write_char(']');
        }
        ObsExpr::Qualified(inner, q) => {
            write_obs_operand(f, inner, 4)?;
            return write!(f, " {q}");
        }
        ObsExpr::FollowedBy(xs) => (xs, "FOLLOWEDBY", 1),
        ObsExpr::Or(xs) => (xs, "OR", 2),
        ObsExpr::And(xs) => (xs, "AND", 3),
    };
    // Operands are never the same operator (chains are flat), so anything that
    // does not bind tighter needs parentheses.
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            write!(f, " {kw} ")?;
        }
        write_obs_operand(f, x, p + 1)?;
    }
    Ok(())
}

fn comp_prec(e: &CompExpr) -> u8 {
    match e {
        CompExpr::Or(..) => 1,
        CompExpr::And(..) => 2,
        CompExpr::Test(_) => 3,
    }
}

fn write_comp_operand(f: &mut fmt::Formatter<'_>, e: &CompExpr, min: u8) -> fmt::Result {
    if comp_prec(e) < min {
        f.write_char('(')?;
        write_comp(f, e)?;
        f.write_char(')')
    } else {
        write_comp(f, e)
    }
}

fn write_comp(f: &mut fmt::Formatter<'_>, e: &CompExpr) -> fmt::Result {
    let (xs, kw, p) = match e {
        CompExpr::Or(xs) => (xs, " OR ", 1),
        CompExpr::And(xs) => (xs, " AND ", 2),
        CompExpr::Test(t) => return write_test(f, t),
    };
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            f.write_str(kw)?;
        }
        write_comp_operand(f, x, p + 1)?;
    }
    Ok(())
}

fn write_test(f: &mut fmt::Formatter<'_>, t: &PropTest) -> fmt::Result {
    let not = if t.negated { "NOT " } else { "" };
    if let Op::Exists = t.op {
        return write!(f, "{not}EXISTS {}", t.path);
    }
    write!(f, "{} {not}{} ", t.path, t.op.keyword())?;
    match &t.op {
        Op::Eq(l) | Op::Ne(l) | Op::Lt(l) | Op::Le(l) | Op::Gt(l) | Op::Ge(l) => write!(f, "{l}"),
        Op::In(set) => {
            f.write_char('(')?;
            for (i, l) in set.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{l}")?;
            }
            f.write_char(')')
        }
        Op::Like(s) | Op::Matches(s) | Op::IsSubset(s) | Op::IsSuperset(s) => write_string(f, s),
        Op::Exists => Ok(()),
    }
}
