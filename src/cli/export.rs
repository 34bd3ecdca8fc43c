//! `neuroglass export`: a project as a PyTorch folder (model, weights,
//! training script, data and a reference to check equivalence).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::export::pytorch::{ExportOptions, export_project_with};

use super::check::{INVALID, OK, UNREADABLE};

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct ExportArgs {
    /// The project file.
    pub project: PathBuf,
    /// The folder to write the PyTorch files into.
    pub pytorch: PathBuf,
    /// Weights to export instead of the initial ones (as `train --out` saves them).
    pub weights: Option<PathBuf>,
    /// Replace files of an earlier export in the folder.
    pub force: bool,
}

/// Runs the export; returns 0 (written), 1 (the project is invalid or the
/// weights do not fit it) or 2 (something could not be read or written).
pub fn run(args: &ExportArgs) -> ExitCode {
    match export(args) {
        Ok(()) => ExitCode::from(OK),
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}

fn export(args: &ExportArgs) -> Result<(), (u8, String)> {
    let (project, weights, inputs) = load_inputs(&args.project, args.weights.as_deref())?;
    let summary = export_project_with(
        &project,
        args.project.parent(),
        weights.as_deref(),
        &args.pytorch,
        &ExportOptions {
            force: args.force,
            inputs,
        },
    )
    .map_err(|e| export_failed(&args.project, &e))?;
    super::out::line(format!(
        "{} — exported to {}: {} layers, {} parameters, {} training and {} validation samples",
        project.name,
        summary.dir.display(),
        summary.layers,
        summary.parameters,
        summary.train_samples,
        summary.validation_samples
    ));
    for f in &summary.files {
        super::out::line(format!(
            "  {}",
            f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ));
    }
    super::out::line(format!(
        "reference: {} samples, loss {:.6}; check with: python {}",
        summary.reference_samples,
        summary.reference_loss,
        super::out::shell_quote(&summary.dir.join("check_reference.py").display().to_string())
    ));
    Ok(())
}

/// What an export reads: the project, the weights asked for (if any), and
/// the files it must never replace (the project file and those weights).
pub(super) type ExportInputs = (
    crate::model::Project,
    Option<Vec<crate::project::NamedTensor>>,
    Vec<PathBuf>,
);

/// Loads an export's project and weights; exit code 2 when unreadable.
pub(super) fn load_inputs(
    project: &Path,
    weights: Option<&Path>,
) -> Result<ExportInputs, (u8, String)> {
    let p = crate::project::load(project).map_err(|e| (UNREADABLE, e.to_string()))?;
    let w = match weights {
        Some(w) => Some(crate::project::load_weights(w).map_err(|e| (UNREADABLE, e.to_string()))?),
        None => None,
    };
    let mut inputs = vec![project.to_path_buf()];
    inputs.extend(weights.map(Path::to_path_buf));
    Ok((p, w, inputs))
}

/// An export's failure as an exit code (2 for files, 1 for the project)
/// and a message naming the project.
pub(super) fn export_failed(
    project: &Path,
    e: &crate::export::pytorch::ExportError,
) -> (u8, String) {
    let code = if e.is_io() { UNREADABLE } else { INVALID };
    (code, format!("{}: {e}", project.display()))
}
