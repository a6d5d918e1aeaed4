//! A small RFC 4180 CSV reader for the knowledge pack's own tables (UTF-8, one
//! header row, quoted fields with doubled quotes, LF or CRLF line ends).

use std::collections::HashMap;

/// A malformed table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct CsvError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// One data row, by column name, with its line number.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    fields: HashMap<String, String>,
}

impl Row {
    /// A column's value; missing columns read as empty.
    pub fn get(&self, col: &str) -> &str {
        self.fields.get(col).map(String::as_str).unwrap_or("")
    }
}

fn split_records(file: &str, text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut rec_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    cur.push(c);
                }
                _ => cur.push(c),
            }
            continue;
        }
        match c {
            '"' if cur.is_empty() => in_quotes = true,
            ',' => fields.push(std::mem::take(&mut cur)),
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut cur));
                out.push((rec_line, std::mem::take(&mut fields)));
                line += 1;
                rec_line = line;
            }
            _ => cur.push(c),
        }
    }
    if in_quotes {
        return Err(CsvError {
            file: file.into(),
            line: rec_line,
            message: "unterminated quoted field".into(),
        });
    }
    if !cur.is_empty() || !fields.is_empty() {
        fields.push(cur);
        out.push((rec_line, fields));
    }
    Ok(out)
}

/// Parses a table with a header row.
pub fn parse(file: &str, text: &str) -> Result<Vec<Row>, CsvError> {
    let mut recs = split_records(file, text)?.into_iter();
    let Some((_, header)) = recs.next() else {
        return Err(CsvError {
            file: file.into(),
            line: 1,
            message: "empty table (expected a header row)".into(),
        });
    };
    let mut rows = Vec::new();
    for (line, fields) in recs {
        if fields.len() == 1 && fields[0].is_empty() {
            continue;
        }
        if fields.len() != header.len() {
            return Err(CsvError {
                file: file.into(),
                line,
                message: format!(
                    "{} fields, expected {} ({})",
                    fields.len(),
                    header.len(),
                    header.join(",")
                ),
            });
        }
        rows.push(Row {
            line,
            fields: header.iter().cloned().zip(fields).collect(),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let rows = parse("t.csv", "a,b\n1,\"x, \"\"y\"\"\nz\"\n\n2,\r\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get("b"), "x, \"y\"\nz");
        assert_eq!(rows[1].line, 5);
        assert_eq!(rows[1].get("b"), "");
        let e = parse("t.csv", "a,b\n1,2,3\n").unwrap_err();
        assert_eq!(e.to_string(), "t.csv:2: 3 fields, expected 2 (a,b)");
        assert!(parse("t.csv", "a\n\"open\n").is_err());
    }
}
