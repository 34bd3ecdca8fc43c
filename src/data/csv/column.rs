//! One CSV column as it is read: a cell becomes a number when it is a
//! finite number in `f32` range, and the column turns into text categories
//! at its first cell that is not a number. A cell that would be misread
//! (NaN, inf, 1e400, 0x10, a control character) is an error, never a
//! category.

use std::collections::BTreeMap;

use crate::data::csv_layout::Encoding;

/// A cell as a number: `Ok(Some)` for a finite number in `f32` range,
/// `Ok(None)` for text, and an error for what would be misread — a number
/// that is not finite in `f32` (NaN, inf, 1e400, 3.5e38), a hexadecimal
/// number, or a control character.
pub(super) fn number(s: &str) -> Result<Option<f32>, String> {
    let s = s.trim();
    // Line breaks and tabs may stand inside a quoted cell; other control
    // characters (NUL, escape sequences, bell…) may not.
    if let Some(c) = s
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(format!(
            "the cell contains the control character {:?}; a CSV cell must be plain text",
            c
        ));
    }
    let digits = s.trim_start_matches(['+', '-']);
    if (digits.starts_with("0x") || digits.starts_with("0X"))
        && digits.len() > 2
        && digits[2..].chars().all(|c| c.is_ascii_hexdigit())
    {
        return Err(format!(
            "`{s}` is a hexadecimal number; write it in decimal"
        ));
    }
    let Ok(v) = s.parse::<f64>() else {
        return Ok(None);
    };
    if !v.is_finite() || v.abs() > f32::MAX as f64 {
        return Err(format!(
            "`{s}` is not a finite number a 32-bit float can hold (at most ±3.4e38); fix or remove the row"
        ));
    }
    Ok(Some(v as f32))
}

/// One column as it is read: numbers until the first cell that is not.
pub(super) enum Column {
    Numbers(Vec<f32>),
    Text {
        codes: Vec<u32>,
        index: BTreeMap<String, u32>,
        /// Where the first non-number was, for messages.
        first: (usize, String),
        /// Rows before this one were numbers (keyed by their `f32` text).
        from_row: usize,
        /// The `f32` bit patterns of those numbers → their codes.
        numbers: BTreeMap<u32, u32>,
    },
}

impl Column {
    /// Adds a cell (trimmed) that [`number`] parsed as `parsed`.
    pub(super) fn push(&mut self, cell: &str, parsed: Option<f32>, line: usize) {
        let cell = cell.trim();
        match self {
            Self::Numbers(v) => match parsed {
                Some(x) => v.push(x),
                None => {
                    let mut index = BTreeMap::new();
                    let mut numbers = BTreeMap::new();
                    let mut codes = Vec::with_capacity(v.capacity());
                    for x in v.iter() {
                        let key = format!("{x}");
                        let n = index.len() as u32;
                        let code = *index.entry(key).or_insert(n);
                        numbers.insert(x.to_bits(), code);
                        codes.push(code);
                    }
                    let from_row = v.len();
                    let n = index.len() as u32;
                    codes.push(*index.entry(cell.to_string()).or_insert(n));
                    *self = Self::Text {
                        codes,
                        index,
                        first: (line, cell.to_string()),
                        from_row,
                        numbers,
                    };
                }
            },
            Self::Text { codes, index, .. } => {
                let n = index.len() as u32;
                let code = match index.get(cell) {
                    Some(c) => *c,
                    None => {
                        index.insert(cell.to_string(), n);
                        n
                    }
                };
                codes.push(code);
            }
        }
    }
}

impl Column {
    /// How the column's cells became numbers: as they are, or as
    /// categories in sorted order of their texts.
    pub(super) fn encoding(&self) -> Encoding {
        match self {
            Self::Numbers(_) => Encoding::Number,
            Self::Text {
                index,
                from_row,
                numbers,
                ..
            } => {
                // Code → position among the sorted texts.
                let mut rank = vec![0usize; index.len()];
                for (pos, code) in index.values().enumerate() {
                    rank[*code as usize] = pos;
                }
                Encoding::Categories {
                    names: index.keys().cloned().collect(),
                    text_from_row: *from_row,
                    numbers: numbers
                        .iter()
                        .map(|(bits, code)| (*bits, rank[*code as usize]))
                        .collect(),
                }
            }
        }
    }
}
