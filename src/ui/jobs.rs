//! Work that writes files from the trained weights: saving them beside the
//! project and exporting to PyTorch. Weights are asked of the trainer (it
//! owns the network); exports run on a helper thread, so the window never
//! waits for either.

use std::path::{Path, PathBuf};

use crate::engine::network::StateEntry;
use crate::model::Project;

use super::task::{Task, TaskError};

/// What weights are wanted for.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsUse {
    /// Save them to this `.safetensors` file.
    Save(PathBuf),
    /// Export the project to PyTorch into this folder.
    Pytorch(PathBuf),
    /// Export the project as an ONNX model to this file.
    Onnx(PathBuf),
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
    /// The PyTorch export failed.
    #[error("could not export to PyTorch: {0}")]
    Export(#[from] crate::export::pytorch::ExportError),
    /// The job's thread failed.
    #[error(transparent)]
    Task(#[from] TaskError),
}

/// Jobs waiting for weights or running.
#[derive(Default)]
pub struct Jobs {
    /// Uses waiting for the trainer's `Weights` event.
    pub waiting: Vec<WeightsUse>,
    running: Vec<Task<Result<String, JobError>>>,
}

impl Jobs {
    /// Starts `u` with `weights` (`None` = the project's initial weights).
    pub fn start(
        &mut self,
        u: WeightsUse,
        weights: Option<Vec<StateEntry<f32>>>,
        project: &Project,
        dir: Option<&Path>,
    ) {
        let project = project.clone();
        let dir = dir.map(Path::to_path_buf);
        let what = match u {
            WeightsUse::Save(_) => "saving the weights",
            WeightsUse::Pytorch(_) => "the PyTorch export",
            WeightsUse::Onnx(_) => "the ONNX export",
        };
        self.running.push(Task::spawn(what, None, move || {
            run(&u, weights.as_deref(), &project, dir.as_deref())
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
) -> Result<String, JobError> {
    match u {
        WeightsUse::Save(path) => {
            let w = weights.ok_or(JobError::NoWeights)?;
            crate::project::weights::save_weights(path, w)?;
            Ok(format!("trained weights saved to {}", path.display()))
        }
        WeightsUse::Onnx(out) => {
            // The file was chosen in a dialog that asked before replacing.
            let opts = crate::export::pytorch::ExportOptions {
                force: true,
                inputs: Vec::new(),
            };
            let s = crate::onnx::export_onnx(project, dir, weights, out, &opts)?;
            Ok(format!(
                "exported as ONNX to {} ({} nodes, {} bytes)",
                s.path.display(),
                s.nodes,
                s.bytes
            ))
        }
        WeightsUse::Pytorch(out) => {
            let s = crate::export::pytorch::export_project(project, dir, weights, out)?;
            Ok(format!(
                "exported to PyTorch in {} ({} files; run python train.py there)",
                s.dir.display(),
                s.files.len()
            ))
        }
    }
}
