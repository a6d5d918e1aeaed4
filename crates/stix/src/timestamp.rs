//! STIX timestamps: RFC 3339, UTC (`Z`), with the precision the writer chose kept.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A STIX timestamp. The original text is kept so that a round trip never changes
/// precision (`2016-04-06T20:03:00.000Z` stays with three digits); ordering and
/// equality use the instant (nanosecond resolution; digits beyond nine are ignored).
#[derive(Clone)]
pub struct Timestamp {
    raw: String,
    secs: i64,
    nanos: u32,
    frac_digits: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a STIX timestamp: {reason} (expected YYYY-MM-DDTHH:MM:SS[.s+]Z, in UTC)")]
pub struct TimestampError {
    pub text: String,
    pub reason: &'static str,
}

impl Timestamp {
    pub fn parse(s: &str) -> Result<Timestamp, TimestampError> {
        let err = |reason| TimestampError {
            text: s.chars().take(64).collect(),
            reason,
        };
        let b = s.as_bytes();
        if b.len() < 20 {
            return Err(err("too short"));
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let mut v = 0u32;
            for &c in &b[r] {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + (c - b'0') as u32;
            }
            Some(v)
        };
        if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return Err(err("wrong separators"));
        }
        let year = digits(0..4).ok_or_else(|| err("bad year"))?;
        let month = digits(5..7).ok_or_else(|| err("bad month"))?;
        let day = digits(8..10).ok_or_else(|| err("bad day"))?;
        let hour = digits(11..13).ok_or_else(|| err("bad hour"))?;
        let minute = digits(14..16).ok_or_else(|| err("bad minute"))?;
        let second = digits(17..19).ok_or_else(|| err("bad second"))?;
        if !(1..=12).contains(&month) {
            return Err(err("month out of range"));
        }
        if day == 0 || day > days_in_month(year as i64, month) {
            return Err(err("day out of range"));
        }
        if hour > 23 || minute > 59 || second > 60 {
            return Err(err("time out of range"));
        }
        let mut i = 19;
        let mut nanos = 0u32;
        let mut frac_digits = 0u8;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    nanos = nanos * 10 + (b[i] - b'0') as u32;
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 {
                return Err(err("empty fraction of a second"));
            }
            for _ in n..9 {
                nanos *= 10;
            }
            frac_digits = n.min(255) as u8;
        }
        if i != b.len() - 1 || b[i] != b'Z' {
            return Err(err("must end with 'Z' (UTC)"));
        }
        let days = days_from_civil(year as i64, month, day);
        // A leap second (:60) sorts as the next second's start, as most libraries do.
        let secs = days * 86400 + (hour * 3600 + minute * 60 + second) as i64;
        Ok(Timestamp {
            raw: s.to_string(),
            secs,
            nanos,
            frac_digits,
        })
    }

    /// Builds a timestamp from Unix time, written with millisecond precision
    /// (what STIX requires for `created` and `modified`).
    pub fn from_unix(secs: i64, nanos: u32) -> Timestamp {
        let millis = nanos / 1_000_000;
        let raw = format!("{}.{:03}Z", format_secs(secs), millis);
        Timestamp {
            raw,
            secs,
            nanos: millis * 1_000_000,
            frac_digits: 3,
        }
    }

    /// Builds a timestamp from Unix time with full (microsecond) precision, e.g. for `date_added`.
    pub fn from_unix_micros(micros: i64) -> Timestamp {
        let secs = micros.div_euclid(1_000_000);
        let us = micros.rem_euclid(1_000_000) as u32;
        let raw = format!("{}.{:06}Z", format_secs(secs), us);
        Timestamp {
            raw,
            secs,
            nanos: us * 1000,
            frac_digits: 6,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }
    /// Microseconds since the Unix epoch (truncated), a convenient sortable integer for stores.
    pub fn unix_micros(&self) -> i64 {
        self.secs * 1_000_000 + (self.nanos / 1000) as i64
    }
    /// How many digits of a second the text carries (0 when it has no fraction).
    pub fn fraction_digits(&self) -> u8 {
        self.frac_digits
    }
    /// The calendar year.
    pub fn year(&self) -> i64 {
        civil_from_days(self.secs.div_euclid(86400)).0
    }
    /// `YYYY-MM-DD`.
    pub fn date_str(&self) -> &str {
        &self.raw[..10]
    }
}

fn format_secs(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        y,
        m,
        d,
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

pub(crate) fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The proleptic Gregorian date of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl PartialEq for Timestamp {
    fn eq(&self, o: &Self) -> bool {
        self.secs == o.secs && self.nanos == o.nanos
    }
}
impl Eq for Timestamp {}
impl PartialOrd for Timestamp {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Timestamp {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.secs, self.nanos).cmp(&(o.secs, o.nanos))
    }
}
impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.secs, self.nanos).hash(h)
    }
}
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}
impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.raw)
    }
}
impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}
impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<(i64, u32, u8), &str>) {
        match (Timestamp::parse(input), expect) {
            (Ok(t), Ok((secs, nanos, digits))) => {
                assert_eq!(
                    (t.unix_seconds(), t.subsec_nanos(), t.fraction_digits()),
                    (secs, nanos, digits)
                );
                assert_eq!(t.as_str(), input);
            }
            (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{e}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn parse() {
        check("1970-01-01T00:00:00Z", Ok((0, 0, 0)));
        check("2016-04-06T20:03:00.000Z", Ok((1459972980, 0, 3)));
        check(
            "2016-04-06T20:03:00.123456789123Z",
            Ok((1459972980, 123456789, 12)),
        );
        check("2019-08-05T10:00:00.5Z", Ok((1564999200, 500_000_000, 1)));
        check("2016-02-29T00:00:00Z", Ok((1456704000, 0, 0)));
        check("2015-02-29T00:00:00Z", Err("day out of range"));
        check("2016-04-06T20:03:00+01:00", Err("'Z'"));
        check("2016-04-06 20:03:00Z", Err("separators"));
        check("2016-04-06T20:03:00.Z", Err("empty fraction"));
        check("2016-13-06T20:03:00Z", Err("month"));
    }

    #[test]
    fn civil_round_trip() {
        for d in (-800_000..800_000).step_by(997) {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        let t = Timestamp::from_unix(1459972980, 123_999_999);
        assert_eq!(t.as_str(), "2016-04-06T20:03:00.123Z");
        assert_eq!(
            Timestamp::from_unix_micros(1_459_972_980_000_001).as_str(),
            "2016-04-06T20:03:00.000001Z"
        );
    }

    #[test]
    fn order_ignores_precision() {
        let a = Timestamp::parse("2016-04-06T20:03:00Z").unwrap();
        let b = Timestamp::parse("2016-04-06T20:03:00.000Z").unwrap();
        let c = Timestamp::parse("2016-04-06T20:03:00.001Z").unwrap();
        assert_eq!(a, b);
        assert!(b < c);
    }
}
