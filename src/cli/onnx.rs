//! `neuroglass export P.ron --onnx model.onnx`: a project as an ONNX model.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::export::pytorch::ExportOptions;
use crate::onnx::export_onnx;

use super::check::{INVALID, OK, UNREADABLE};

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct OnnxArgs {
    /// The project file.
    pub project: PathBuf,
    /// The `.onnx` file to write.
    pub onnx: PathBuf,
    /// Weights to export instead of the initial ones (as `train --out` saves them).
    pub weights: Option<PathBuf>,
    /// Replace an existing file.
    pub force: bool,
}

/// Runs the export; returns 0 (written), 1 (the project is invalid or the
/// weights do not fit it) or 2 (something could not be read or written).
pub fn run(args: &OnnxArgs) -> ExitCode {
    match export(args) {
        Ok(()) => ExitCode::from(OK),
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}

fn export(args: &OnnxArgs) -> Result<(), (u8, String)> {
    let project = crate::project::load(&args.project).map_err(|e| (UNREADABLE, e.to_string()))?;
    let weights = match &args.weights {
        Some(w) => Some(crate::project::load_weights(w).map_err(|e| (UNREADABLE, e.to_string()))?),
        None => None,
    };
    let mut inputs = vec![args.project.clone()];
    inputs.extend(args.weights.clone());
    let summary = export_onnx(
        &project,
        args.project.parent(),
        weights.as_deref(),
        &args.onnx,
        &ExportOptions {
            force: args.force,
            inputs,
        },
    )
    .map_err(|e| {
        let code = if e.is_io() { UNREADABLE } else { INVALID };
        (code, format!("{}: {e}", args.project.display()))
    })?;
    super::out::line(format!(
        "{} — exported to {}: ONNX opset {}, {} nodes, {} parameters, input batch × {}, {} bytes",
        project.name,
        summary.path.display(),
        crate::onnx::export::OPSET,
        summary.nodes,
        summary.parameters,
        crate::model::infer::fmt_shape(&summary.input_shape),
        summary.bytes
    ));
    Ok(())
}
