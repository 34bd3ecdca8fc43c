//! CSV import: header row, delimiter detection, quoted fields, BOM and
//! CRLF; a target column by name (default: the last); text classes mapped
//! to indices; text features one-hot encoded; empty cells and cells that
//! are not finite numbers reported or (by choice) their rows dropped.
//! Errors name the file, line and column. Records and fields are split by
//! the `csv` crate (`records`); `column` turns cells into numbers.

mod column;
mod records;

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::Array2;

use super::csv_layout::{CsvLayout, Encoding};
use super::{DataError, Dataset, Target};
use column::{Column, number};
pub use records::detect_delimiter;

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
    /// Drop rows with a cell that would be misread (NaN, inf, outside
    /// `f32`, hexadecimal, a control character) instead of reporting them.
    pub drop_bad: bool,
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
    let mut recs = records::Records::new(reader, path)?;
    let delim = recs.delimiter;
    let header: Vec<String> = match recs.next()? {
        Some((_, fields)) => fields.iter().map(|h| h.trim().to_string()).collect(),
        None => {
            return Err(fmt(
                "the file is empty; expected a header row and data rows".into(),
            ));
        }
    };
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
    let mut dropped_bad = Vec::new();
    let mut last_report = 0u64;
    let mut parsed: Vec<Option<f32>> = Vec::with_capacity(header.len());
    loop {
        if let Some(p) = progress.as_mut()
            && recs.bytes() - last_report > 1 << 22
        {
            last_report = recs.bytes();
            p(recs.bytes() as f32 / total.max(1) as f32);
        }
        let Some((line, fields)) = recs.next()? else {
            break;
        };
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
        // Every cell is checked before any is kept, so a dropped row
        // leaves no trace in the columns.
        parsed.clear();
        let mut bad = None;
        for (c, cell) in fields.iter().enumerate() {
            match number(cell) {
                Ok(v) => parsed.push(v),
                Err(message) => {
                    bad = Some((c, message));
                    break;
                }
            }
        }
        if let Some((c, message)) = bad {
            if opts.drop_bad {
                dropped_bad.push(line);
                continue;
            }
            return Err(DataError::Cell {
                path: path.to_string(),
                line,
                column: header[c].clone(),
                message,
            });
        }
        for ((col, cell), v) in columns.iter_mut().zip(&fields).zip(&parsed) {
            col.push(cell, *v, line);
        }
        lines.push(line);
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
        drop_bad: opts.drop_bad,
        dropped_bad,
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
