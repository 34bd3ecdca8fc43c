//! A project's data set as CSV: the features, then the target, under a
//! header, as loaded — before any split, feature cross or scaling — with a
//! set's own test rows after its training rows. `neuroglass data --csv`
//! and File ▸ Export ▸ Data as CSV write it.

use std::path::Path;

use crate::data::{Dataset, Target};
use crate::model::Project;
use crate::model::load_data::load_raw;

/// Why the data could not be written as CSV.
#[derive(Debug, thiserror::Error)]
pub enum DataCsvError {
    /// The data could not be read.
    #[error("{0}")]
    Data(#[from] crate::data::DataError),
    /// The rows could not be written as CSV.
    #[error("{0}")]
    Csv(String),
}

/// The CSV bytes of a project's data and the number of rows; relative data
/// paths start from `dir`.
///
/// # Errors
/// The data cannot be read, or the CSV cannot be written.
pub fn data_csv(project: &Project, dir: Option<&Path>) -> Result<(Vec<u8>, usize), DataCsvError> {
    let (data, test, _) = load_raw(&project.data, dir, project.training.seed)?;
    let sets: Vec<&Dataset> = std::iter::once(&data).chain(test.as_ref()).collect();
    let bytes = csv_bytes(&sets).map_err(DataCsvError::Csv)?;
    Ok((bytes, sets.iter().map(|d| d.len()).sum()))
}

/// The header of a data set: its feature names (or `x1`, `x2`, …), then
/// its target names (or `target`, `target2`, …).
pub fn header(d: &Dataset) -> Vec<String> {
    let n = d.x.ncols();
    let mut h: Vec<String> = if d.feature_names.len() == n {
        d.feature_names.clone()
    } else {
        (1..=n).map(|i| format!("x{i}")).collect()
    };
    match &d.target {
        Target::Classes { .. } => h.push("target".into()),
        Target::Values { y, names } => {
            if names.len() == y.ncols() && y.ncols() > 0 {
                h.extend(names.iter().cloned());
            } else {
                h.extend((1..=y.ncols()).map(|i| {
                    if i == 1 {
                        "target".to_owned()
                    } else {
                        format!("target{i}")
                    }
                }));
            }
        }
    }
    h
}

/// The CSV text of data sets with the same columns, one header.
///
/// # Errors
/// The sets have different columns, or the CSV writer failed.
pub fn csv_bytes(sets: &[&Dataset]) -> Result<Vec<u8>, String> {
    let Some(first) = sets.first() else {
        return Err("there is no data to export".into());
    };
    let head = header(first);
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| format!("writing the CSV failed: {e}");
    w.write_record(&head).map_err(err)?;
    for d in sets {
        if d.x.ncols() != first.x.ncols() {
            return Err("the test rows have other columns than the training rows".into());
        }
        for (r, row) in d.x.outer_iter().enumerate() {
            let mut rec: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            match &d.target {
                Target::Classes { labels, names } => {
                    let l = labels.get(r).copied().unwrap_or(0);
                    rec.push(
                        names
                            .get(l as usize)
                            .cloned()
                            .unwrap_or_else(|| l.to_string()),
                    );
                }
                Target::Values { y, .. } => {
                    if r < y.nrows() {
                        rec.extend(y.row(r).iter().map(|v| v.to_string()));
                    }
                }
            }
            w.write_record(&rec).map_err(err)?;
        }
    }
    w.into_inner()
        .map_err(|e| format!("writing the CSV failed: {e}"))
}
