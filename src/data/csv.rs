//! CSV import: header row, delimiter detection, quoted fields, BOM and
//! CRLF; a target column by name (default: the last); text classes mapped
//! to indices; text features one-hot encoded; empty cells reported or
//! dropped. Errors name the file, line and column.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::Array2;

use super::csv_layout::{CsvLayout, Encoding};
use super::{DataError, Dataset, Target};

/// Most distinct values a text feature column may have (each becomes a
/// one-hot column).
pub const MAX_CATEGORIES: usize = 256;

/// Largest CSV file read (4 GB).
pub const MAX_BYTES: u64 = 4 << 30;

/// How to read a CSV file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// Target column name; `None` = the last column.
    pub target: Option<String>,
    /// Whether the target is a class (text or integer) or a number.
    pub classification: bool,
    /// Drop rows with empty cells instead of reporting them.
    pub drop_empty: bool,
}

/// Splits one record (which may span lines inside quotes) into fields.
fn split_record(record: &str, delim: char, fields: &mut Vec<String>) {
    fields.clear();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = record.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
        } else if c == '"' && field.is_empty() {
            in_quotes = true;
        } else if c == delim {
            fields.push(std::mem::take(&mut field));
        } else {
            field.push(c);
        }
    }
    fields.push(field);
}

/// Reads records one at a time from a buffered reader, joining lines that
/// a quoted field spans, and counting lines and bytes. Linear in the text:
/// each line's quotes are counted once.
struct Records<R> {
    reader: R,
    line: usize,
    bytes: u64,
    buf: String,
    path: String,
}

impl<R: std::io::BufRead> Records<R> {
    fn read_line(&mut self) -> Result<usize, DataError> {
        self.buf.clear();
        let n = self.reader.read_line(&mut self.buf).map_err(|source| {
            if source.kind() == std::io::ErrorKind::InvalidData {
                DataError::Format {
                    path: self.path.clone(),
                    message: format!(
                        "line {} is not UTF-8 text; save the file as UTF-8 CSV",
                        self.line + 1
                    ),
                }
            } else {
                DataError::Io {
                    path: self.path.clone(),
                    source,
                }
            }
        })?;
        self.bytes += n as u64;
        Ok(n)
    }

    /// The next record's text and its first line, or `None` at the end.
    fn next_record(&mut self) -> Result<Option<(usize, String)>, DataError> {
        loop {
            if self.read_line()? == 0 {
                return Ok(None);
            }
            self.line += 1;
            let first = self.line;
            let mut record = self.buf.trim_end_matches(['\n', '\r']).to_string();
            let mut quotes = record.matches('"').count();
            while quotes % 2 == 1 {
                if self.read_line()? == 0 {
                    return Err(DataError::Format {
                        path: self.path.clone(),
                        message: format!(
                            "line {first}: a quote `\"` opens there and is never closed; close it, or double it (`\"\"`) inside a quoted cell"
                        ),
                    });
                }
                self.line += 1;
                let next = self.buf.trim_end_matches(['\n', '\r']);
                quotes += next.matches('"').count();
                record.push('\n');
                record.push_str(next);
            }
            if !record.trim().is_empty() {
                return Ok(Some((first, record)));
            }
        }
    }
}

/// Refuses text encodings other than UTF-8 by name, from the first bytes.
fn check_encoding(head: &[u8]) -> Result<(), String> {
    let named = if head.starts_with(&[0xff, 0xfe, 0, 0]) {
        Some("UTF-32 (little-endian)")
    } else if head.starts_with(&[0, 0, 0xfe, 0xff]) {
        Some("UTF-32 (big-endian)")
    } else if head.starts_with(&[0xff, 0xfe]) {
        Some("UTF-16 (little-endian)")
    } else if head.starts_with(&[0xfe, 0xff]) {
        Some("UTF-16 (big-endian)")
    } else {
        None
    };
    if let Some(n) = named {
        return Err(format!("the file is {n} text; save it as UTF-8 CSV"));
    }
    // Text in UTF-16 or UTF-32 without a byte-order mark has a zero in
    // every second (or in three of four) bytes. A few zeros are left to
    // the cells, which name their line and column.
    let nuls = head.iter().filter(|&&b| b == 0).count();
    if nuls * 4 >= head.len() && nuls > 0 {
        return Err("the file has zero bytes between its letters: UTF-16 or UTF-32 text without a byte-order mark, or binary data; save it as UTF-8 CSV".to_string());
    }
    Ok(())
}

/// The delimiter among `,` `;` and tab that appears most in the first line.
pub fn detect_delimiter(text: &str) -> char {
    let first = text.lines().next().unwrap_or("");
    let mut best = (',', 0);
    for d in [',', ';', '\t'] {
        let n = first.matches(d).count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// Called with the share of the file read so far, in [0, 1].
pub type Progress<'a> = &'a mut dyn FnMut(f32);

/// Reads a CSV file, streaming: memory grows with the parsed numbers
/// (4 bytes a cell), not with the text. `progress` hears how far it got.
///
/// # Errors
/// [`DataError`] naming the file, line and column; a file whose numbers
/// would not fit in the available memory is refused before reading.
pub fn load(
    path: &Path,
    opts: &CsvOptions,
    progress: Option<Progress>,
) -> Result<Dataset, DataError> {
    load_with_layout(path, opts, progress).map(|(d, _)| d)
}

/// As [`load`], and how the file was read: delimiter, header and each
/// column's encoding.
///
/// # Errors
/// As [`load`].
pub fn load_with_layout(
    path: &Path,
    opts: &CsvOptions,
    progress: Option<Progress>,
) -> Result<(Dataset, CsvLayout), DataError> {
    let name = path.display().to_string();
    let (file, total) = super::file::open_regular(path, MAX_BYTES)?;
    // Parsed cells take about as many bytes as their text (a 4-byte float
    // per cell of at least two bytes), twice while the table is built.
    if let Some(avail) = super::file::available_memory()
        && total > avail / 3
    {
        return Err(DataError::Format {
            path: name,
            message: format!(
                "the file is {:.1} GB; loading it could need that much memory, and only {:.1} GB is available",
                total as f64 / 1e9,
                avail as f64 / 1e9
            ),
        });
    }
    read(
        std::io::BufReader::with_capacity(1 << 20, file),
        total,
        &name,
        opts,
        progress,
    )
}

/// A cell as a number: `Ok(Some)` for a finite number in `f32` range,
/// `Ok(None)` for text, and an error for what would be misread — a number
/// that is not finite in `f32` (NaN, inf, 1e400, 3.5e38), a hexadecimal
/// number, or a control character.
fn number(s: &str) -> Result<Option<f32>, String> {
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
enum Column {
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
    fn push(&mut self, cell: &str, line: usize) -> Result<(), String> {
        let cell = cell.trim();
        let parsed = number(cell)?;
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
        Ok(())
    }
}

impl Column {
    /// How the column's cells became numbers: as they are, or as
    /// categories in sorted order of their texts.
    fn encoding(&self) -> Encoding {
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

/// Parses CSV text; `path` names it in messages.
///
/// # Errors
/// As [`load`].
pub fn parse(text: &str, path: &str, opts: &CsvOptions) -> Result<Dataset, DataError> {
    parse_with_layout(text, path, opts).map(|(d, _)| d)
}

/// As [`parse`], and how the text was read (see [`load_with_layout`]).
///
/// # Errors
/// As [`load`].
pub fn parse_with_layout(
    text: &str,
    path: &str,
    opts: &CsvOptions,
) -> Result<(Dataset, CsvLayout), DataError> {
    read(
        std::io::Cursor::new(text.as_bytes()),
        text.len() as u64,
        path,
        opts,
        None,
    )
}

fn read<R: std::io::BufRead>(
    reader: R,
    total: u64,
    path: &str,
    opts: &CsvOptions,
    mut progress: Option<Progress>,
) -> Result<(Dataset, CsvLayout), DataError> {
    let fmt = |message: String| DataError::Format {
        path: path.to_string(),
        message,
    };
    let io = |source| DataError::Io {
        path: path.to_string(),
        source,
    };
    let mut reader = reader;
    check_encoding(reader.fill_buf().map_err(io)?).map_err(fmt)?;
    let mut recs = Records {
        reader,
        line: 0,
        bytes: 0,
        buf: String::new(),
        path: path.to_string(),
    };
    let Some((_, header_text)) = recs.next_record()? else {
        return Err(fmt(
            "the file is empty; expected a header row and data rows".into(),
        ));
    };
    let header_text = header_text
        .strip_prefix('\u{feff}')
        .unwrap_or(&header_text)
        .to_string();
    let delim = detect_delimiter(&header_text);
    let mut fields = Vec::new();
    split_record(&header_text, delim, &mut fields);
    let header: Vec<String> = fields.iter().map(|h| h.trim().to_string()).collect();
    if header.len() < 2 {
        return Err(fmt(format!(
            "the header has {} column; a data set needs at least one feature and a target (is the delimiter `,`, `;` or tab?)",
            header.len()
        )));
    }
    for (i, h) in header.iter().enumerate() {
        if let Some(j) = header[..i].iter().position(|g| g == h) {
            return Err(fmt(format!(
                "the header names column `{h}` twice (columns {} and {}); give each column its own name",
                j + 1,
                i + 1
            )));
        }
    }
    let target = match &opts.target {
        Some(t) => header.iter().position(|h| h == t).ok_or_else(|| {
            fmt(format!(
                "there is no column `{t}`; the columns are {}",
                header.join(", ")
            ))
        })?,
        None => header.len() - 1,
    };
    let target_col = target;
    let mut columns: Vec<Column> = header.iter().map(|_| Column::Numbers(Vec::new())).collect();
    let mut lines: Vec<usize> = Vec::new();
    let mut dropped = 0usize;
    let mut last_report = 0u64;
    while let Some((line, record)) = recs.next_record()? {
        split_record(&record, delim, &mut fields);
        if fields.len() != header.len() {
            return Err(DataError::Cell {
                path: path.to_string(),
                line,
                column: header
                    .get(fields.len().min(header.len() - 1))
                    .cloned()
                    .unwrap_or_default(),
                message: format!(
                    "this row has {} cells but the header has {}",
                    fields.len(),
                    header.len()
                ),
            });
        }
        if let Some(c) = fields.iter().position(|c| c.trim().is_empty()) {
            if opts.drop_empty {
                dropped += 1;
                continue;
            }
            return Err(DataError::Cell {
                path: path.to_string(),
                line,
                column: header[c].clone(),
                message: "the cell is empty; fill it, or choose to drop rows with empty cells"
                    .into(),
            });
        }
        for (c, (col, cell)) in columns.iter_mut().zip(&fields).enumerate() {
            col.push(cell, line).map_err(|message| DataError::Cell {
                path: path.to_string(),
                line,
                column: header[c].clone(),
                message,
            })?;
        }
        lines.push(line);
        if let Some(p) = progress.as_mut()
            && recs.bytes - last_report > 1 << 22
        {
            last_report = recs.bytes;
            p(recs.bytes as f32 / total.max(1) as f32);
        }
    }
    if let Some(p) = progress.as_mut() {
        p(1.0);
    }
    let rows = lines.len();
    if rows == 0 {
        return Err(fmt("the file has a header but no data rows".into()));
    }
    // Features: numeric columns as they are, text columns one-hot.
    let mut names = Vec::new();
    let mut width = 0usize;
    for (c, col) in columns.iter().enumerate() {
        if c == target {
            continue;
        }
        match col {
            Column::Numbers(_) => {
                names.push(header[c].clone());
                width += 1;
            }
            Column::Text { index, first, .. } => {
                if index.len() > MAX_CATEGORIES {
                    return Err(DataError::Cell {
                        path: path.to_string(),
                        line: first.0,
                        column: header[c].clone(),
                        message: format!(
                            "`{}` is not a number, and the column has {} different texts — too many to one-hot encode (at most {MAX_CATEGORIES})",
                            first.1,
                            index.len()
                        ),
                    });
                }
                // One-hot columns in sorted order of the texts.
                names.extend(index.keys().map(|v| format!("{}={v}", header[c])));
                width += index.len();
            }
        }
    }
    let mut x = Array2::zeros((rows, width));
    let mut j = 0;
    for (c, col) in columns.iter().enumerate() {
        if c == target {
            continue;
        }
        match col {
            Column::Numbers(v) => {
                for (i, val) in v.iter().enumerate() {
                    x[[i, j]] = *val;
                }
                j += 1;
            }
            Column::Text { codes, index, .. } => {
                // Code → position among the sorted texts.
                let mut rank = vec![0usize; index.len()];
                for (pos, code) in index.values().enumerate() {
                    rank[*code as usize] = pos;
                }
                for (i, code) in codes.iter().enumerate() {
                    x[[i, j + rank[*code as usize]]] = 1.0;
                }
                j += index.len();
            }
        }
    }
    let mut encodings: Vec<Encoding> = columns.iter().map(Column::encoding).collect();
    let tname = header[target].clone();
    let tcol = columns.swap_remove(target);
    let target = if opts.classification {
        // Class names sorted: by value for numbers, by text otherwise.
        let (names, labels): (Vec<String>, Vec<u32>) = match tcol {
            Column::Numbers(v) => {
                let mut distinct: Vec<f32> = v.clone();
                distinct.sort_by(f32::total_cmp);
                distinct.dedup();
                let names: Vec<String> = distinct.iter().map(|d| format!("{d}")).collect();
                let labels: Vec<u32> = v
                    .iter()
                    .map(|x| distinct.partition_point(|d| d < x) as u32)
                    .collect();
                let numbers: BTreeMap<u32, usize> = v
                    .iter()
                    .zip(&labels)
                    .map(|(x, l)| (x.to_bits(), *l as usize))
                    .collect();
                encodings[target] = Encoding::Categories {
                    names: names.clone(),
                    text_from_row: rows,
                    numbers: numbers.into_iter().collect(),
                };
                (names, labels)
            }
            Column::Text { codes, index, .. } => {
                let mut rank = vec![0u32; index.len()];
                for (pos, code) in index.values().enumerate() {
                    rank[*code as usize] = pos as u32;
                }
                (
                    index.into_keys().collect(),
                    codes.iter().map(|c| rank[*c as usize]).collect(),
                )
            }
        };
        if names.len() < 2 {
            return Err(fmt(format!(
                "the target column `{tname}` has only one class (`{}`); classification needs at least two",
                names.first().cloned().unwrap_or_default()
            )));
        }
        if names.len() > 1000 {
            return Err(fmt(format!(
                "the target column `{tname}` has {} different values — too many classes; is it a number to regress on?",
                names.len()
            )));
        }
        Target::Classes { labels, names }
    } else {
        match tcol {
            Column::Numbers(v) => Target::Values {
                y: Array2::from_shape_vec((rows, 1), v).map_err(|e| fmt(e.to_string()))?,
                names: vec![tname],
            },
            Column::Text { first, .. } => {
                return Err(DataError::Cell {
                    path: path.to_string(),
                    line: first.0,
                    column: tname,
                    message: format!(
                        "`{}` is not a number (the target of a regression must be)",
                        first.1
                    ),
                });
            }
        }
    };
    let file = Path::new(path)
        .file_stem()
        .map_or_else(|| path.to_string(), |s| s.to_string_lossy().into_owned());
    let layout = CsvLayout {
        delimiter: delim,
        target: target_col,
        header,
        columns: encodings,
        rows,
        drop_empty: opts.drop_empty,
        dropped,
    };
    Ok((
        Dataset {
            name: file,
            x,
            target,
            input_shape: vec![width],
            feature_names: names,
        },
        layout,
    ))
}

#[cfg(test)]
mod tests;
