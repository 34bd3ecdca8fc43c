//! How a CSV file became numbers: the delimiter, the header, which column
//! is the target, and how each column was encoded. Enough to read the same
//! file again elsewhere (the PyTorch export's `csv_data.py`) and get the
//! same arrays, cell for cell.

/// How one column's cells became numbers.
#[derive(Clone, Debug, PartialEq)]
pub enum Encoding {
    /// Every cell parsed as a number (`f64`, then rounded to `f32`).
    Number,
    /// Categories: a one-hot group for a feature, class indices for the
    /// target.
    Categories {
        /// The categories in index order (the order of the one-hot
        /// columns, or of the class indices).
        names: Vec<String>,
        /// Rows (0-based, among the rows kept) before this one were all
        /// numbers and are keyed by their `f32` value through `numbers`;
        /// from this row on a cell is keyed by its trimmed text in `names`.
        text_from_row: usize,
        /// `f32` bit pattern → index in `names`, for the rows before
        /// `text_from_row`, sorted by bit pattern.
        numbers: Vec<(u32, usize)>,
    },
}

/// How a CSV file was read, column by column.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvLayout {
    /// The delimiter found in the header.
    pub delimiter: char,
    /// The header's names, trimmed, byte-order mark removed.
    pub header: Vec<String>,
    /// Which header column is the target.
    pub target: usize,
    /// One encoding per header column (the target's included).
    pub columns: Vec<Encoding>,
    /// Data rows kept.
    pub rows: usize,
    /// Whether rows with an empty cell were dropped (otherwise one is an
    /// error).
    pub drop_empty: bool,
    /// Data rows dropped because a cell was empty.
    pub dropped: usize,
    /// Whether rows with a cell that is not a finite `f32` number (NaN,
    /// inf, 1e400, 0x10, a control character) were dropped (otherwise one
    /// is an error).
    pub drop_bad: bool,
    /// The lines (1-based, of the file) of the rows dropped for such a
    /// cell, in order.
    pub dropped_bad: Vec<usize>,
}

impl CsvLayout {
    /// The feature columns (header indices) in the order their values
    /// appear in a row of `x`.
    pub fn feature_columns(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.header.len()).filter(|&c| c != self.target)
    }

    /// What was dropped, in a sentence for the user ("dropped 3 rows with a
    /// cell that is not a finite number (lines 5, 9 and 12)"), or `None`
    /// when every row was kept.
    pub fn dropped_note(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.dropped > 0 {
            parts.push(format!(
                "{} row{} with an empty cell",
                self.dropped,
                if self.dropped == 1 { "" } else { "s" }
            ));
        }
        let n = self.dropped_bad.len();
        if n > 0 {
            let shown: Vec<String> = self
                .dropped_bad
                .iter()
                .take(5)
                .map(usize::to_string)
                .collect();
            let lines = match n {
                1 => format!("line {}", shown[0]),
                2..=5 => format!("lines {} and {}", shown[..n - 1].join(", "), shown[n - 1]),
                _ => format!("lines {}, …", shown.join(", ")),
            };
            parts.push(format!(
                "{n} row{} with a cell that is not a finite number ({lines})",
                if n == 1 { "" } else { "s" }
            ));
        }
        (!parts.is_empty()).then(|| {
            format!(
                "dropped {} of {} rows: {}",
                self.dropped + n,
                self.rows + self.dropped + n,
                parts.join(" and ")
            )
        })
    }
}
