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
    /// Files of the export already exist and replacing them was not asked
    /// for (`ExportOptions::force`); none was written.
    #[error("could not write the export: {}", exists_text(.files, .instead))]
    Exists {
        /// The files that would be replaced.
        files: Vec<PathBuf>,
        /// What to do instead ("export into another folder").
        instead: &'static str,
    },
}

/// "A, B already exist; add --force to replace them, or …".
fn exists_text(files: &[PathBuf], instead: &str) -> String {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let one = files.len() == 1;
    format!(
        "{} already exist{}; add --force to replace {}, or {instead}",
        names.join(", "),
        if one { "s" } else { "" },
        if one { "it" } else { "them" }
    )
}

impl ExportError {
    /// Whether the error is about input or output that could not be read or
    /// written (as opposed to a project that is wrong).
    pub fn is_io(&self) -> bool {
        matches!(self, Self::Data(_) | Self::Write(_) | Self::Exists { .. })
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
    export_project_with(
        project,
        project_dir,
        weights,
        out_dir,
        &ExportOptions {
            force: true,
            inputs: Vec::new(),
        },
    )
}

/// How [`export_project_with`] treats files already in the folder.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Replace files of the export that already exist in the folder
    /// (without it, they are refused by name).
    pub force: bool,
    /// Files the export reads (the project file, a weights file), which it
    /// never replaces, even with `force`; the CSV data file is added.
    pub inputs: Vec<PathBuf>,
}

/// Same file, as far as the file system can tell, or the same path.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Removes staging folders of exports (into any folder of `parent`) whose
/// process no longer runs (killed while exporting).
fn remove_stale_stages(parent: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name
            .starts_with('.')
            .then_some(name.as_str())
            .and_then(|n| n.rsplit_once(".neuroglass-export."))
            .and_then(|(_, p)| p.parse::<u32>().ok())
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// As [`export_project`], refusing to replace files unless `opts.force`
/// and never replacing an input. The files are written into a staging
/// folder beside `out_dir` first; a new folder is then renamed into place
/// whole, and into an existing folder the files are moved in only once all
/// are written — so an export appears complete or not at all.
///
/// # Errors
/// As [`export_project`]; [`ExportError::Exists`] naming the files that
/// would be replaced.
pub fn export_project_with(
    project: &Project,
    project_dir: Option<&Path>,
    weights: Option<&[NamedTensor]>,
    out_dir: &Path,
    opts: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(ExportError::Write(format!(
            "{}: this is a file; export into a folder",
            out_dir.display()
        )));
    }
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

    // The files this export writes, checked before anything is written.
    let mut names: Vec<&str> = vec!["model.py", "train.py", "check_reference.py"];
    if data_recipe.is_some() {
        names.extend(["data_recipe.json", "csv_data.py"]);
    }
    names.extend([
        "README.txt",
        "weights.safetensors",
        "data.safetensors",
        "reference.safetensors",
    ]);
    let mut inputs = opts.inputs.clone();
    if let DataSource::Csv { path, .. } = &project.data.source {
        inputs.push(resolve_path(path, project_dir));
    }
    let mut existing = Vec::new();
    for n in &names {
        let target = out_dir.join(n);
        if let Some(i) = inputs.iter().find(|i| same_file(i, &target)) {
            return Err(ExportError::Write(format!(
                "{} would replace the input {}; export into another folder",
                target.display(),
                i.display()
            )));
        }
        if target.exists() {
            existing.push(target);
        }
    }
    if !existing.is_empty() && !opts.force {
        return Err(ExportError::Exists {
            files: existing,
            instead: "export into another folder",
        });
    }
    let parent = match out_dir.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let leaf = out_dir
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    std::fs::create_dir_all(&parent)
        .map_err(|e| ExportError::Write(format!("{}: {e}", parent.display())))?;
    let prefix = format!(".{leaf}.neuroglass-export.");
    remove_stale_stages(&parent);
    let stage = parent.join(format!("{prefix}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&stage);
    std::fs::create_dir(&stage)
        .map_err(|e| ExportError::Write(format!("{}: {e}", stage.display())))?;
    let result = write_files(
        project,
        &plan,
        &prepared,
        &network,
        &reference,
        data_recipe.as_deref(),
        &stage,
    )
    .and_then(|()| publish(&stage, out_dir, &names));
    let _ = std::fs::remove_dir_all(&stage);
    result?;
    Ok(ExportSummary {
        dir: out_dir.to_path_buf(),
        files: names.iter().map(|n| out_dir.join(n)).collect(),
        layers: plan.nodes.len(),
        parameters: network.num_params(),
        train_samples: prepared.train.x.nrows(),
        validation_samples: prepared.validation.x.nrows(),
        reference_samples: reference.samples,
        reference_loss: reference.loss,
        folded_sigmoid: plan.folded_sigmoid.is_some(),
    })
}

/// Moves the staged files into `out_dir`: the whole folder if it does not
/// exist yet, else file by file (each rename replaces atomically).
fn publish(stage: &Path, out_dir: &Path, names: &[&str]) -> Result<(), ExportError> {
    let err = |p: &Path, e: std::io::Error| ExportError::Write(format!("{}: {e}", p.display()));
    if !out_dir.exists() && std::fs::rename(stage, out_dir).is_ok() {
        return Ok(());
    }
    std::fs::create_dir_all(out_dir).map_err(|e| err(out_dir, e))?;
    for n in names {
        let to = out_dir.join(n);
        std::fs::rename(stage.join(n), &to).map_err(|e| err(&to, e))?;
    }
    if let Ok(d) = std::fs::File::open(out_dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes every file of the export into `dir`.
fn write_files(
    project: &Project,
    plan: &plan::Plan,
    prepared: &crate::data::prepare::Prepared,
    network: &crate::engine::network::Network<f32>,
    reference: &reference::Reference,
    data_recipe: Option<&str>,
    out_dir: &Path,
) -> Result<(), ExportError> {
    let text = |name: &str, body: &str| -> Result<(), ExportError> {
        let path = out_dir.join(name);
        write_atomic(&path, body.as_bytes()).map_err(|e| ExportError::Write(e.to_string()))?;
        Ok(())
    };
    text("model.py", &module::model_py(project, plan))?;
    text(
        "train.py",
        &train_script::train_py(project, plan, prepared, data_recipe.is_some()),
    )?;
    text("check_reference.py", CHECK_REFERENCE)?;
    if let Some(r) = &data_recipe {
        text("data_recipe.json", r)?;
        text("csv_data.py", recipe::CSV_DATA_PY)?;
    }
    text(
        "README.txt",
        &readme::readme(project, plan, reference.samples, data_recipe.is_some()),
    )?;
    let meta = |what: &str| vec![("neuroglass", what.to_string())];
    for (name, tensors, what) in [
        (
            "weights.safetensors",
            reference::weight_tensors(plan, network),
            "weights",
        ),
        (
            "data.safetensors",
            tensors::data_tensors(prepared),
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
    }
    Ok(())
}
