//! `neuroglass data P.ron --csv OUT.csv`: the project's data set as a CSV
//! file — the features, then the target, under a header — as loaded,
//! before any split, feature cross or scaling. Written atomically; an
//! existing file is replaced only with `--force`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::export::data_csv::{DataCsvError, data_csv};

use super::check::{INVALID, OK, UNREADABLE};

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct DataArgs {
    /// The project file.
    pub project: PathBuf,
    /// Where to write the CSV.
    pub csv: PathBuf,
    /// Replace an existing file.
    pub force: bool,
}

/// Writes the CSV; 0 when written, 1 when the data cannot be exported,
/// 2 when something cannot be read or written.
pub fn run(args: &DataArgs) -> ExitCode {
    match export(args) {
        Ok(rows) => {
            super::out::line(format!("wrote {rows} rows to {}", args.csv.display()));
            ExitCode::from(OK)
        }
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}

fn export(args: &DataArgs) -> Result<usize, (u8, String)> {
    let same = match (
        std::fs::canonicalize(&args.project),
        std::fs::canonicalize(&args.csv),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err((
            UNREADABLE,
            format!(
                "--csv {} is the project file itself; choose another file",
                args.csv.display()
            ),
        ));
    }
    if args.csv.exists() && !args.force {
        return Err((
            UNREADABLE,
            format!(
                "{} already exists; add --force to replace it",
                args.csv.display()
            ),
        ));
    }
    let project = crate::project::load(&args.project).map_err(|e| (UNREADABLE, e.to_string()))?;
    let dir = args.project.parent().map(Path::to_path_buf);
    let (bytes, rows) = data_csv(&project, dir.as_deref()).map_err(|e| match e {
        DataCsvError::Data(e) => (
            UNREADABLE,
            format!(
                "{}: the data could not be read: {e}",
                args.project.display()
            ),
        ),
        DataCsvError::Csv(e) => (INVALID, e),
    })?;
    crate::project::write_atomic(&args.csv, &bytes).map_err(|e| (UNREADABLE, e.to_string()))?;
    Ok(rows)
}
