//! Money without floating point: amounts are integers of 10⁻⁸ units (a satoshi
//! for BTC, far below a cent for fiat), and a currency travels with every amount
//! so that two currencies are never added by accident.

use std::fmt;
use std::ops::Neg;

use serde::{Serialize, Serializer};

/// 10⁻⁸: the smallest unit an amount can express.
pub const SCALE: i128 = 100_000_000;

/// A signed decimal amount with 8 fractional digits, exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(i128);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("'{0}' is not a decimal amount (expected digits with an optional '.' and at most 8 decimals)")]
    Parse(String),
    #[error("cannot add {0} to {1}: different currencies (convert one first)")]
    CurrencyMismatch(String, String),
    #[error("amount overflow")]
    Overflow,
}

impl Amount {
    pub const ZERO: Amount = Amount(0);

    pub fn from_units(units: i128) -> Amount {
        Amount(units * SCALE)
    }
    /// The raw count of 10⁻⁸ units.
    pub fn raw(self) -> i128 {
        self.0
    }
    pub fn from_raw(raw: i128) -> Amount {
        Amount(raw)
    }

    /// Parses `16000000`, `4502.9`, `-0.5`, `1e9`-free decimal text.
    pub fn parse(s: &str) -> Result<Amount, MoneyError> {
        let err = || MoneyError::Parse(s.to_string());
        let t = s.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(err());
        }
        if !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 8
        {
            return Err(err());
        }
        let mut v: i128 = 0;
        for b in int.bytes() {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add((b - b'0') as i128))
                .ok_or_else(err)?;
        }
        v = v.checked_mul(SCALE).ok_or_else(err)?;
        let mut f: i128 = 0;
        for b in frac.bytes() {
            f = f * 10 + (b - b'0') as i128;
        }
        for _ in frac.len()..8 {
            f *= 10;
        }
        let v = v + f;
        Ok(Amount(if neg { -v } else { v }))
    }

    pub fn checked_add(self, o: Amount) -> Result<Amount, MoneyError> {
        self.0
            .checked_add(o.0)
            .map(Amount)
            .ok_or(MoneyError::Overflow)
    }

    /// `self × rate`, rounded half to even at 10⁻⁸.
    pub fn times(self, rate: Amount) -> Result<Amount, MoneyError> {
        let p = self.0.checked_mul(rate.0).ok_or(MoneyError::Overflow)?;
        let q = p / SCALE;
        let r = p % SCALE;
        let half = SCALE / 2;
        let q = if r.abs() > half || (r.abs() == half && q % 2 != 0) {
            q + p.signum()
        } else {
            q
        };
        Ok(Amount(q))
    }

    /// Rounded to whole cents, as an integer number of cents.
    pub fn cents(self) -> i128 {
        let unit = SCALE / 100;
        let q = self.0 / unit;
        let r = self.0 % unit;
        if r.abs() * 2 >= unit {
            q + self.0.signum()
        } else {
            q
        }
    }

    /// For JSON output only (figures stay integers inside the ledger).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl Neg for Amount {
    type Output = Amount;
    fn neg(self) -> Amount {
        Amount(-self.0)
    }
}

impl fmt::Display for Amount {
    /// Shortest exact decimal: `16000000`, `4502.9`, `0.00000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let a = self.0.unsigned_abs();
        let int = a / SCALE as u128;
        let frac = a % SCALE as u128;
        if neg {
            f.write_str("-")?;
        }
        if frac == 0 {
            write!(f, "{int}")
        } else {
            let s = format!("{frac:08}");
            write!(f, "{int}.{}", s.trim_end_matches('0'))
        }
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Whole amounts as integers, others as the exact decimal's nearest double.
        if self.0 % SCALE == 0 {
            s.serialize_i128(self.0 / SCALE)
        } else {
            s.serialize_f64(self.to_f64())
        }
    }
}

/// A currency code: ISO 4217 (`USD`, `JPY`) or a ticker (`BTC`, `ETH`), upper case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Currency(String);

impl Currency {
    pub fn new(code: &str) -> Currency {
        Currency(code.trim().to_uppercase())
    }
    pub fn usd() -> Currency {
        Currency("USD".into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn is_usd(&self) -> bool {
        self.0 == "USD"
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount in a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Money {
    pub amount: Amount,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Amount, currency: Currency) -> Money {
        Money { amount, currency }
    }
    pub fn usd(amount: Amount) -> Money {
        Money::new(amount, Currency::usd())
    }
    /// Adds two amounts of the same currency; different currencies are an error.
    pub fn checked_add(&self, o: &Money) -> Result<Money, MoneyError> {
        if self.currency != o.currency {
            return Err(MoneyError::CurrencyMismatch(
                o.currency.to_string(),
                self.currency.to_string(),
            ));
        }
        Ok(Money::new(
            self.amount.checked_add(o.amount)?,
            self.currency.clone(),
        ))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Formats a USD amount for people: `$1.939 bn`, `$270.659 M`, `$950,000`
/// (integer arithmetic, rounded half up).
pub fn human_usd(a: Amount) -> String {
    let cents = a.cents();
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let scaled = |unit: u128| {
        // Thousandths of `unit` cents, rounded half up, with trailing zeros trimmed.
        let t = (c * 1000 + unit / 2) / unit;
        let (int, frac) = (t / 1000, t % 1000);
        if frac == 0 {
            int.to_string()
        } else {
            format!("{int}.{}", format!("{frac:03}").trim_end_matches('0'))
        }
    };
    if c >= 100_000_000_000 {
        format!("{sign}${} bn", scaled(100_000_000_000))
    } else if c >= 100_000_000 {
        format!("{sign}${} M", scaled(100_000_000))
    } else {
        let mut digits = (c / 100).to_string();
        let mut i = digits.len() as isize - 3;
        while i > 0 {
            digits.insert(i as usize, ',');
            i -= 3;
        }
        format!("{sign}${digits}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<&str, ()>) {
        match (Amount::parse(input), expect) {
            (Ok(a), Ok(s)) => assert_eq!(a.to_string(), s),
            (Err(_), Err(())) => {}
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn parse_and_print() {
        check("16000000", Ok("16000000"));
        check("4502.9", Ok("4502.9"));
        check("0.00000001", Ok("0.00000001"));
        check("-0.5", Ok("-0.5"));
        check(".5", Ok("0.5"));
        check("1e9", Err(()));
        check("0.000000001", Err(()));
        check("", Err(()));
        check("12,000", Err(()));
    }

    #[test]
    fn arithmetic_is_exact() {
        // 0.1 + 0.2 is 0.3 here.
        let a = Amount::parse("0.1")
            .unwrap()
            .checked_add(Amount::parse("0.2").unwrap())
            .unwrap();
        assert_eq!(a, Amount::parse("0.3").unwrap());
        let usd = Amount::parse("147000")
            .unwrap()
            .times(Amount::parse("0.009677").unwrap())
            .unwrap();
        assert_eq!(usd.to_string(), "1422.519");
        assert_eq!(human_usd(Amount::parse("1938500000").unwrap()), "$1.939 bn");
        assert_eq!(human_usd(Amount::parse("270659000").unwrap()), "$270.659 M");
        assert_eq!(human_usd(Amount::parse("950000").unwrap()), "$950,000");
    }

    #[test]
    fn currencies_never_mix() {
        let a = Money::usd(Amount::from_units(1));
        let b = Money::new(Amount::from_units(1), Currency::new("btc"));
        assert!(matches!(
            a.checked_add(&b),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        assert_eq!(a.checked_add(&a).unwrap().amount, Amount::from_units(2));
    }

    /// Property: addition is associative and commutative on exact decimals, and
    /// rounding to cents is within half a cent (deterministic pseudo-random cases).
    #[test]
    fn properties() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 2_000_000_000_000) as i128 - 1_000_000_000_000
        };
        for _ in 0..10_000 {
            let (a, b, c) = (
                Amount::from_raw(next()),
                Amount::from_raw(next()),
                Amount::from_raw(next()),
            );
            let ab_c = a.checked_add(b).unwrap().checked_add(c).unwrap();
            let a_bc = a.checked_add(b.checked_add(c).unwrap()).unwrap();
            assert_eq!(ab_c, a_bc);
            assert_eq!(a.checked_add(b).unwrap(), b.checked_add(a).unwrap());
            let back = Amount::parse(&a.to_string()).unwrap();
            assert_eq!(back, a, "print/parse round trip");
            let err = a.raw() - a.cents() * (SCALE / 100);
            assert!(err.abs() * 2 <= SCALE / 100, "cents rounding of {a}");
        }
    }
}
