//! `data_recipe.json`: how Neuroglass turned a CSV file into the arrays it
//! trains on, so `csv_data.py` can read the file by its path and build the
//! same arrays — the split is a seeded ChaCha8 permutation Python cannot
//! repeat, so it is written down as row numbers, and the normalisation as
//! the statistics fitted on the training rows.
//!
//! Names from the file (columns, categories) are JSON strings here, read
//! with `json.load`: data, never Python source.

use std::io::Read;
use std::path::Path;

use serde_json::{Value, json};

use crate::data::csv_layout::{CsvLayout, Encoding};
use crate::data::prepare::{Cross, Prepared};
use crate::model::{DataSource, Normalization, Project};

use super::ExportError;

/// The reader for `data_recipe.json`, the same for every project.
pub const CSV_DATA_PY: &str = include_str!("csv_data.py");

/// The recipe's format version; `csv_data.py` refuses others.
const VERSION: u64 = 1;

/// Size and CRC-32 of a file, read in pieces.
fn fingerprint(path: &Path) -> Result<(u64, u32), ExportError> {
    let bad = |e: std::io::Error| ExportError::Write(format!("{}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(bad)?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(bad)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((bytes, hasher.finalize()))
}

fn encoding(e: &Encoding) -> Value {
    match e {
        Encoding::Number => json!({ "kind": "number" }),
        Encoding::Categories {
            names,
            text_from_row,
            numbers,
        } => json!({
            "kind": "categories",
            "names": names,
            "text_from_row": text_from_row,
            "numbers": numbers.iter().map(|(b, i)| json!([b, i])).collect::<Vec<_>>(),
        }),
    }
}

fn cross_code(c: Cross) -> &'static str {
    match c {
        Cross::X1 => "x1",
        Cross::X2 => "x2",
        Cross::X1Squared => "x1_squared",
        Cross::X2Squared => "x2_squared",
        Cross::X1X2 => "x1x2",
        Cross::SinX1 => "sin_x1",
        Cross::SinX2 => "sin_x2",
    }
}

/// The recipe for a CSV project, or `None` for other sources (or data
/// prepared without a split of its own).
///
/// `csv_path` is the file as it was read (the project's path resolved).
///
/// # Errors
/// [`ExportError::Write`] when the file cannot be read again for its
/// checksum.
pub fn recipe(
    project: &Project,
    prepared: &Prepared,
    layout: &CsvLayout,
    csv_path: &Path,
) -> Result<Option<String>, ExportError> {
    let DataSource::Csv {
        path,
        classification,
        ..
    } = &project.data.source
    else {
        return Ok(None);
    };
    let Some((train_rows, validation_rows)) = &prepared.split else {
        return Ok(None);
    };
    let (bytes, crc) = fingerprint(csv_path)?;
    let absolute = std::fs::canonicalize(csv_path)
        .or_else(|_| std::path::absolute(csv_path))
        .unwrap_or_else(|_| csv_path.to_path_buf());
    let column = |c: usize| -> Value {
        let mut v = encoding(&layout.columns[c]);
        if let Value::Object(m) = &mut v {
            m.insert("index".into(), json!(c));
            m.insert("name".into(), json!(layout.header[c]));
        }
        v
    };
    let normalization = match project.data.normalization {
        Normalization::Off => "off",
        Normalization::Standardize => "standardize",
        Normalization::MinMax => "min_max",
    };
    let recipe = json!({
        "format": "neuroglass data recipe",
        "version": VERSION,
        "csv": {
            "path_in_project": path,
            "path": absolute.to_string_lossy(),
            "bytes": bytes,
            "crc32": crc,
            "delimiter": layout.delimiter.to_string(),
            "header": layout.header,
            "rows": layout.rows,
            "drop_empty_rows": layout.drop_empty,
            "dropped_rows": layout.dropped,
            "dropped_bad_lines": layout.dropped_bad,
        },
        "target": {
            "task": if *classification { "classification" } else { "regression" },
            "column": column(layout.target),
        },
        "features": layout.feature_columns().map(column).collect::<Vec<_>>(),
        "feature_names": prepared.train.feature_names,
        "crosses": prepared.crosses.iter().map(|c| cross_code(*c)).collect::<Vec<_>>(),
        "split": {
            "train_rows": train_rows,
            "validation_rows": validation_rows,
        },
        // As f64, so that Python reads each f32 exactly (no double rounding).
        "normalization": {
            "kind": normalization,
            "shift": prepared.normalizer.shift.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(),
            "scale": prepared.normalizer.scale.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(),
        },
    });
    serde_json::to_string(&recipe)
        .map(Some)
        .map_err(|e| ExportError::Write(format!("data_recipe.json: {e}")))
}
