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
/// a quoted field spans, and counting lines and bytes.
struct Records<R> {
    reader: R,
    line: usize,
    bytes: u64,
    buf: String,
}

impl<R: std::io::BufRead> Records<R> {
    /// The next record's text and its first line, or `None` at the end.
    fn next_record(&mut self) -> std::io::Result<Option<(usize, String)>> {
        loop {
            self.buf.clear();
            let n = self.reader.read_line(&mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.bytes += n as u64;
            self.line += 1;
            let first = self.line;
            let mut record = self.buf.trim_end_matches(['\n', '\r']).to_string();
            while record.matches('"').count() % 2 == 1 {
                self.buf.clear();
                let n = self.reader.read_line(&mut self.buf)?;
                if n == 0 {
                    break;
                }
                self.bytes += n as u64;
                self.line += 1;
                record.push('\n');
                record.push_str(self.buf.trim_end_matches(['\n', '\r']));
            }
            if !record.trim().is_empty() {
                return Ok(Some((first, record)));
            }
        }
    }
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
    let io = |source| DataError::Io {
        path: name.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let total = file.metadata().map_err(io)?.len();
    // Parsed cells take at most about as many bytes as their text.
    if let Some(avail) = available_memory()
        && total > avail / 2
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

/// Memory the system says is available, where it says (Linux).
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn number(s: &str) -> Option<f64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then_some(v)
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
    fn push(&mut self, cell: &str, line: usize) {
        let cell = cell.trim();
        match self {
            Self::Numbers(v) => match number(cell) {
                Some(x) => v.push(x as f32),
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
    let mut recs = Records {
        reader,
        line: 0,
        bytes: 0,
        buf: String::new(),
    };
    let Some((_, header_text)) = recs.next_record().map_err(io)? else {
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
    while let Some((line, record)) = recs.next_record().map_err(io)? {
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
        for (col, cell) in columns.iter_mut().zip(&fields) {
            col.push(cell, line);
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
