//! `neuroglass export P.ron --onnx model.onnx`: a project as an ONNX model.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::export::pytorch::ExportOptions;
use crate::onnx::export_onnx;

use super::check::OK;
use super::export::{export_failed, load_inputs};

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
    let (project, weights, inputs) = load_inputs(&args.project, args.weights.as_deref())?;
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
    .map_err(|e| export_failed(&args.project, &e))?;
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
