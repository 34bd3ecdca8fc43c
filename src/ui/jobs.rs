//! Work that writes files from the trained weights: saving them beside the
//! project and exporting to PyTorch or ONNX. Weights are asked of the
//! trainer (it owns the network); exports run on a helper thread, so the
//! window never waits for either. An export never replaces an existing file
//! unless the user said so: it fails with [`JobError::WouldReplace`], the
//! window asks, and on "Replace" starts it again with [`Overwrite::Replace`].
//! The project file and its saved weights are never replaced.

use std::path::{Path, PathBuf};

use crate::engine::network::StateEntry;
use crate::model::Project;

use super::task::{Task, TaskError};

/// Whether an export may replace files that already exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// No: fail naming them, so the window can ask.
    Ask,
    /// Yes, the user agreed.
    Replace,
}

/// What weights are wanted for.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsUse {
    /// Save them to this `.safetensors` file.
    Save(PathBuf),
    /// Export the project to PyTorch into this folder.
    Pytorch(PathBuf, Overwrite),
    /// Export the project as an ONNX model to this file.
    Onnx(PathBuf, Overwrite),
}

impl WeightsUse {
    /// The same export, allowed to replace existing files.
    #[must_use]
    pub fn replacing(self) -> Self {
        match self {
            Self::Pytorch(p, _) => Self::Pytorch(p, Overwrite::Replace),
            Self::Onnx(p, _) => Self::Onnx(p, Overwrite::Replace),
            Self::Save(p) => Self::Save(p),
        }
    }
}

/// Why a job did not do its work.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Writing the weights failed.
    #[error("could not save the weights: {0}")]
    Weights(#[from] crate::project::ProjectError),
    /// There were no trained weights to save.
    #[error("there are no trained weights to save yet")]
    NoWeights,
    /// The PyTorch or ONNX export failed.
    #[error("could not export: {0}")]
    Export(#[from] crate::export::pytorch::ExportError),
    /// The export would replace these existing files; nothing was written.
    /// `again` is the same export, allowed to replace them.
    #[error("the export would replace {}", list(.files))]
    WouldReplace {
        /// The export to run if the user agrees.
        again: WeightsUse,
        /// The files that already exist.
        files: Vec<PathBuf>,
    },
    /// The job's thread failed.
    #[error(transparent)]
    Task(#[from] TaskError),
}

fn list(files: &[PathBuf]) -> String {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    names.join(", ")
}

/// Jobs waiting for weights or running.
#[derive(Default)]
pub struct Jobs {
    /// Uses waiting for the trainer's `Weights` event.
    pub waiting: Vec<WeightsUse>,
    running: Vec<Task<Result<String, JobError>>>,
}

impl Jobs {
    /// Starts `u` with `weights` (`None` = the project's initial weights)
    /// for the project saved at `path` (relative data paths start from its
    /// folder; it and its saved weights are never replaced by an export).
    pub fn start(
        &mut self,
        u: WeightsUse,
        weights: Option<Vec<StateEntry<f32>>>,
        project: &Project,
        path: Option<&Path>,
    ) {
        let project = project.clone();
        let dir = path.and_then(Path::parent).map(Path::to_path_buf);
        let inputs: Vec<PathBuf> = path
            .map(|p| {
                vec![
                    p.to_path_buf(),
                    crate::project::weights::weights_path_for(p),
                ]
            })
            .unwrap_or_default();
        let what = match u {
            WeightsUse::Save(_) => "saving the weights",
            WeightsUse::Pytorch(..) => "the PyTorch export",
            WeightsUse::Onnx(..) => "the ONNX export",
        };
        self.running.push(Task::spawn(what, None, move || {
            run(&u, weights.as_deref(), &project, dir.as_deref(), inputs)
        }));
    }

    /// What each job that finished since the last call did, or why not.
    pub fn poll(&mut self) -> Vec<Result<String, JobError>> {
        let mut done = Vec::new();
        self.running.retain_mut(|t| match t.poll() {
            Some(r) => {
                done.push(r.map_err(JobError::from).and_then(|r| r));
                false
            }
            None => true,
        });
        done
    }

    /// Whether anything is under way.
    pub fn busy(&self) -> bool {
        !self.waiting.is_empty() || !self.running.is_empty()
    }
}

fn run(
    u: &WeightsUse,
    weights: Option<&[StateEntry<f32>]>,
    project: &Project,
    dir: Option<&Path>,
    inputs: Vec<PathBuf>,
) -> Result<String, JobError> {
    use crate::export::pytorch::{ExportError, ExportOptions};
    let options = |o: &Overwrite| ExportOptions {
        force: *o == Overwrite::Replace,
        inputs: inputs.clone(),
    };
    let asking = |e: ExportError| match e {
        ExportError::Exists { files, .. } => JobError::WouldReplace {
            again: u.clone().replacing(),
            files,
        },
        e => JobError::Export(e),
    };
    match u {
        WeightsUse::Save(path) => {
            let w = weights.ok_or(JobError::NoWeights)?;
            crate::project::weights::save_weights(path, w)?;
            Ok(format!("trained weights saved to {}", path.display()))
        }
        WeightsUse::Onnx(out, o) => {
            let s = crate::onnx::export_onnx(project, dir, weights, out, &options(o))
                .map_err(asking)?;
            Ok(format!(
                "exported as ONNX to {} ({} nodes, {} bytes)",
                s.path.display(),
                s.nodes,
                s.bytes
            ))
        }
        WeightsUse::Pytorch(out, o) => {
            let s = crate::export::pytorch::export_project_with(
                project,
                dir,
                weights,
                out,
                &options(o),
            )
            .map_err(asking)?;
            Ok(format!(
                "exported to PyTorch in {} ({} files; run python train.py there)",
                s.dir.display(),
                s.files.len()
            ))
        }
    }
}
