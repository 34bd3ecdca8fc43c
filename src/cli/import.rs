//! `neuroglass import model.onnx -o P.ron [--weights-out W.safetensors]`:
//! an ONNX model as a project with its weights.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::onnx::import::import_file;

use super::check::{INVALID, OK, UNREADABLE};

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct ImportArgs {
    /// The ONNX file.
    pub model: PathBuf,
    /// The project file to write.
    pub out: PathBuf,
    /// The weights file (default: the project's path with `.safetensors`).
    pub weights_out: Option<PathBuf>,
    /// Replace existing files.
    pub force: bool,
}

/// Runs the import: 0 (written), 1 (operators or patterns not supported;
/// they are listed), 2 (unreadable or malformed file, or outputs that
/// cannot be written). Nothing is written unless the whole model imports.
pub fn run(args: &ImportArgs) -> ExitCode {
    match import(args) {
        Ok(()) => ExitCode::from(OK),
        Err((code, message)) => {
            super::out::error(&message);
            ExitCode::from(code)
        }
    }
}

fn same(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn import(args: &ImportArgs) -> Result<(), (u8, String)> {
    let weights_out = args
        .weights_out
        .clone()
        .unwrap_or_else(|| crate::project::weights_path_for(&args.out));
    for target in [&args.out, &weights_out] {
        if same(target, &args.model) {
            return Err((
                UNREADABLE,
                format!(
                    "{} would replace the model being imported",
                    target.display()
                ),
            ));
        }
        if target.exists() && !args.force {
            return Err((
                UNREADABLE,
                format!(
                    "{} already exists; add --force to replace it",
                    target.display()
                ),
            ));
        }
    }
    if same(&args.out, &weights_out) {
        return Err((
            UNREADABLE,
            "the project and the weights would be the same file".into(),
        ));
    }
    let imported = import_file(&args.model).map_err(|e| {
        let code = if e.is_io() { UNREADABLE } else { INVALID };
        (code, format!("{}: {e}", args.model.display()))
    })?;
    let text = crate::project::to_string(&imported.project)
        .map_err(|e| (INVALID, format!("{}: {e}", args.model.display())))?;
    let weights = crate::project::weights::weights_bytes(&weights_out, &imported.weights)
        .map_err(|e| (INVALID, e.to_string()))?;
    crate::project::save::write_atomic_all(&[
        (args.out.as_path(), text.as_bytes()),
        (weights_out.as_path(), weights.as_slice()),
    ])
    .map_err(|e| (UNREADABLE, e.to_string()))?;
    let layers = imported.project.graph.nodes().len();
    let params: usize = imported
        .weights
        .iter()
        .filter(|w| !w.0.ends_with("running_mean") && !w.0.ends_with("running_var"))
        .map(|w| w.2.len())
        .sum();
    super::out::line(format!(
        "{} — {} ONNX nodes imported as {} layers ({} parameters), input batch × {}",
        imported.project.name,
        imported.onnx_nodes,
        layers,
        params,
        crate::model::infer::fmt_shape(&imported.input_shape)
    ));
    super::out::line(format!(
        "  project: {}\n  weights: {}",
        args.out.display(),
        weights_out.display()
    ));
    Ok(())
}
