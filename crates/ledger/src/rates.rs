//! Converting native amounts to USD at the incident date, from a shipped rate
//! table whose every row says where it comes from. Never today's price: without a
//! rate near the date, an amount stays unconverted (and says so).

use serde::Serialize;

use crate::csv::{self, CsvError};
use crate::money::{Amount, Money};

/// One rate: USD per unit of a currency on a date.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rate {
    pub currency: String,
    pub date: String,
    pub usd_per_unit: Amount,
    pub basis: String,
}

/// The rate used for a conversion, reported with the converted figure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Conversion {
    pub rate: Amount,
    pub date: String,
    pub basis: String,
}

#[derive(Debug, Clone, Default)]
pub struct RateTable {
    rates: Vec<Rate>,
}

/// Day number of a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` date, taking the middle of a
/// month or year given without its day, for distances between dates.
fn day_number(d: &str) -> Option<i64> {
    let y: i64 = d.get(..4)?.parse().ok()?;
    let month: Option<u32> = d.get(5..7).and_then(|s| s.parse().ok());
    let m = month.unwrap_or(7);
    let day: u32 = d
        .get(8..10)
        .and_then(|s| s.parse().ok())
        .unwrap_or(if month.is_some() { 15 } else { 1 });
    Some(stix::timestamp::days_from_civil(y, m, day))
}

impl RateTable {
    /// Parses `currency,date,usd_per_unit,basis`.
    pub fn parse(text: &str) -> Result<RateTable, CsvError> {
        let mut rates = Vec::new();
        for r in csv::parse("rates.csv", text)? {
            let usd = Amount::parse(r.get("usd_per_unit")).map_err(|e| CsvError {
                file: "rates.csv".into(),
                line: r.line,
                message: e.to_string(),
            })?;
            rates.push(Rate {
                currency: r.get("currency").to_uppercase(),
                date: r.get("date").to_string(),
                usd_per_unit: usd,
                basis: r.get("basis").to_string(),
            });
        }
        Ok(RateTable { rates })
    }

    pub fn rates(&self) -> &[Rate] {
        &self.rates
    }

    /// The rate nearest to `date` within 31 days.
    pub fn find(&self, currency: &str, date: &str) -> Option<&Rate> {
        let cur = currency.to_uppercase();
        let d = day_number(date)?;
        self.rates
            .iter()
            .filter(|r| r.currency == cur)
            .filter_map(|r| day_number(&r.date).map(|x| ((x - d).abs(), r)))
            .filter(|(dist, _)| *dist <= 31)
            .min_by_key(|(dist, _)| *dist)
            .map(|(_, r)| r)
    }

    /// Converts to USD at `date`, with the conversion used; `None` without a rate.
    pub fn to_usd(&self, m: &Money, date: &str) -> Option<(Amount, Conversion)> {
        if m.currency.is_usd() {
            return Some((
                m.amount,
                Conversion {
                    rate: Amount::from_units(1),
                    date: date.into(),
                    basis: "USD".into(),
                },
            ));
        }
        let r = self.find(m.currency.as_str(), date)?;
        let usd = m.amount.times(r.usd_per_unit).ok()?;
        Some((
            usd,
            Conversion {
                rate: r.usd_per_unit,
                date: r.date.clone(),
                basis: r.basis.clone(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn nearest_rate_within_a_month() {
        let t = RateTable::parse("currency,date,usd_per_unit,basis\nBTC,2017-04-22,1326.7,implied by X\nBTC,2017-05-12,2769.23,implied by Y\n").unwrap();
        let m = Money::new(Amount::parse("2").unwrap(), Currency::new("btc"));
        let (usd, c) = t.to_usd(&m, "2017-04-25").unwrap();
        assert_eq!(usd.to_string(), "2653.4");
        assert_eq!(c.date, "2017-04-22");
        assert_eq!(t.to_usd(&m, "2017-05").unwrap().1.date, "2017-05-12");
        assert!(
            t.to_usd(&m, "2019-01-01").is_none(),
            "no silent use of a far-away rate"
        );
        assert!(t
            .to_usd(
                &Money::new(Amount::from_units(1), Currency::new("XMR")),
                "2017-04-22"
            )
            .is_none());
    }
}
