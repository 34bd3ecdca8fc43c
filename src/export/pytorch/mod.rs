//! Export to PyTorch: a project becomes a folder with `model.py` (an
//! `nn.Module` equal to the graph), `weights.safetensors` (its weights under
//! the module's `state_dict` names), `train.py` (the same training, also
//! under `torchrun`), `data.safetensors` (the data as Neuroglass prepared
//! it), `reference.safetensors` with `check_reference.py` (outputs, loss and
//! gradients of a batch, to check equivalence) and `README.txt`. A CSV
//! project also gets `data_recipe.json` and `csv_data.py`, with which
//! `train.py` reads the CSV file itself and builds the same arrays.
//!
//! Names from the project reach the Python files only through
//! [`names`]: as sanitised identifiers, escaped string literals, or escaped
//! text in comments.

pub mod module;
pub mod names;
pub mod plan;
pub mod readme;
pub mod recipe;
pub mod reference;
pub mod tensors;
pub mod train_script;

use std::path::{Path, PathBuf};

use crate::data::DataError;
use crate::engine::EngineError;
use crate::model::load_data::{info_of, load_data_with_layout, resolve_path};
use crate::model::{CompileError, DataSource, Project, analyze, compile};
use crate::project::{NamedTensor, write_atomic};

use tensors::write_safetensors;

/// The checker script, the same for every project.
const CHECK_REFERENCE: &str = include_str!("check_reference.py");

/// Why a project could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The project's data could not be read or prepared.
    #[error("the data could not be loaded: {0}")]
    Data(#[from] DataError),
    /// The graph has problems; fix them first.
    #[error("the project has problems: {0}")]
    Invalid(String),
    /// The graph could not be compiled.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// The given weights do not fit the network.
    #[error("the weights do not fit the network: {0}")]
    Weights(String),
    /// The engine refused to run the network on the data.
    #[error("computing the reference failed: {0}")]
    Engine(#[from] EngineError),
    /// A file could not be written.
    #[error("could not write the export: {0}")]
    Write(String),
}

impl ExportError {
    /// Whether the error is about input or output that could not be read or
    /// written (as opposed to a project that is wrong).
    pub fn is_io(&self) -> bool {
        matches!(self, Self::Data(_) | Self::Write(_))
    }
}

/// What an export wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportSummary {
    /// The folder.
    pub dir: PathBuf,
    /// Every file written, in the order written.
    pub files: Vec<PathBuf>,
    /// Compiled layers (a folded final Sigmoid is not one).
    pub layers: usize,
    /// Learnable scalars.
    pub parameters: usize,
    /// Training samples in `data.safetensors`.
    pub train_samples: usize,
    /// Validation samples in `data.safetensors`.
    pub validation_samples: usize,
    /// Samples in `reference.safetensors`.
    pub reference_samples: usize,
    /// The loss of the reference batch.
    pub reference_loss: f64,
    /// Whether a final Sigmoid was folded into the loss.
    pub folded_sigmoid: bool,
}

/// Exports `project` to PyTorch in `out_dir` (created if needed; files
/// there with the same names are replaced, each atomically).
///
/// Relative data paths are taken from `project_dir`. The weights are
/// `weights` if given — tensors as `neuroglass train --out` saves them,
/// named `n{id}_{name}.{param}` — else the project's initial weights from
/// its seed.
///
/// # Errors
/// [`ExportError::Data`] (unreadable data) and [`ExportError::Write`]
/// (`out_dir` not writable) are I/O problems; the others mean the project
/// or the weights do not fit.
pub fn export_project(
    project: &Project,
    project_dir: Option<&Path>,
    weights: Option<&[NamedTensor]>,
    out_dir: &Path,
) -> Result<ExportSummary, ExportError> {
    let seed = project.training.seed;
    let (prepared, layout) = load_data_with_layout(&project.data, project_dir, seed)?;
    let info = info_of(&prepared);
    let analysis = analyze(&project.graph, Some(&info), &project.training);
    if analysis.has_errors() {
        let problems: Vec<String> = analysis
            .problems()
            .filter(|(_, p)| p.severity == crate::model::Severity::Error)
            .map(|(_, p)| p.message.clone())
            .collect();
        return Err(ExportError::Invalid(problems.join("; ")));
    }
    let compiled = compile::<f32>(&project.graph, &analysis, &info, &project.training, seed)?;
    let mut network = compiled.network;
    if let Some(w) = weights {
        network
            .load_state_dict(w)
            .map_err(|e| ExportError::Weights(e.to_string()))?;
    }
    let plan = plan::plan(
        &project.graph,
        &analysis,
        &info.input_shape,
        &network,
        &compiled.node_ids,
        compiled.folded_output.is_some(),
    )?;
    let state = network.state_dict();
    let reference = reference::reference(project, &analysis, &info, &plan, &state, &prepared)?;
    let data_recipe = match (&project.data.source, &layout) {
        (DataSource::Csv { path, .. }, Some(layout)) => {
            recipe::recipe(project, &prepared, layout, &resolve_path(path, project_dir))?
        }
        _ => None,
    };

    std::fs::create_dir_all(out_dir)
        .map_err(|e| ExportError::Write(format!("{}: {e}", out_dir.display())))?;
    let mut files = Vec::new();
    let mut text = |name: &str, body: &str| -> Result<(), ExportError> {
        let path = out_dir.join(name);
        write_atomic(&path, body.as_bytes()).map_err(|e| ExportError::Write(e.to_string()))?;
        files.push(path);
        Ok(())
    };
    text("model.py", &module::model_py(project, &plan))?;
    text(
        "train.py",
        &train_script::train_py(project, &plan, &prepared, data_recipe.is_some()),
    )?;
    text("check_reference.py", CHECK_REFERENCE)?;
    if let Some(r) = &data_recipe {
        text("data_recipe.json", r)?;
        text("csv_data.py", recipe::CSV_DATA_PY)?;
    }
    text(
        "README.txt",
        &readme::readme(project, &plan, reference.samples, data_recipe.is_some()),
    )?;
    let meta = |what: &str| vec![("neuroglass", what.to_string())];
    for (name, tensors, what) in [
        (
            "weights.safetensors",
            reference::weight_tensors(&plan, &network),
            "weights",
        ),
        (
            "data.safetensors",
            tensors::data_tensors(&prepared),
            "data: train and validation splits, normalised",
        ),
        (
            "reference.safetensors",
            reference.tensors.clone(),
            "reference: float64; outputs_eval in eval mode; outputs, loss and grads in train mode with dropout off",
        ),
    ] {
        let path = out_dir.join(name);
        write_safetensors(&path, &tensors, &meta(what))?;
        files.push(path);
    }
    Ok(ExportSummary {
        dir: out_dir.to_path_buf(),
        files,
        layers: plan.nodes.len(),
        parameters: network.num_params(),
        train_samples: prepared.train.x.nrows(),
        validation_samples: prepared.validation.x.nrows(),
        reference_samples: reference.samples,
        reference_loss: reference.loss,
        folded_sigmoid: plan.folded_sigmoid.is_some(),
    })
}
