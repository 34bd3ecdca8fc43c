//! Work that writes files from the trained weights: saving them beside the
//! project and exporting to PyTorch. Weights are asked of the trainer (it
//! owns the network); exports run on a helper thread, so the window never
//! waits for either.

use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, bounded};

use crate::engine::network::StateEntry;
use crate::model::Project;

/// What weights are wanted for.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsUse {
    /// Save them to this `.safetensors` file.
    Save(PathBuf),
    /// Export the project to PyTorch into this folder.
    Pytorch(PathBuf),
}

/// Jobs waiting for weights or running.
#[derive(Default)]
pub struct Jobs {
    /// Uses waiting for the trainer's `Weights` event.
    pub waiting: Vec<WeightsUse>,
    running: Vec<Receiver<String>>,
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
        let (tx, rx) = bounded(1);
        let project = project.clone();
        let dir = dir.map(Path::to_path_buf);
        let spawned = std::thread::Builder::new()
            .name("export".into())
            .spawn(move || {
                let _ = tx.send(run(&u, weights.as_deref(), &project, dir.as_deref()));
            });
        match spawned {
            Ok(_) => self.running.push(rx),
            Err(e) => {
                let (tx, rx) = bounded(1);
                let _ = tx.send(format!("could not start the export: {e}"));
                self.running.push(rx);
            }
        }
    }

    /// Messages of jobs that finished.
    pub fn poll(&mut self) -> Vec<String> {
        let mut done = Vec::new();
        self.running.retain(|rx| match rx.try_recv() {
            Ok(m) => {
                done.push(m);
                false
            }
            Err(crossbeam_channel::TryRecvError::Empty) => true,
            Err(crossbeam_channel::TryRecvError::Disconnected) => false,
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
) -> String {
    match u {
        WeightsUse::Save(path) => match weights {
            Some(w) => match crate::project::weights::save_weights(path, w) {
                Ok(()) => format!("trained weights saved to {}", path.display()),
                Err(e) => format!("could not save the weights: {e}"),
            },
            None => "there are no trained weights to save yet".into(),
        },
        WeightsUse::Pytorch(out) => {
            match crate::export::pytorch::export_project(project, dir, weights, out) {
                Ok(s) => format!(
                    "exported to PyTorch in {} ({} files; run python train.py there)",
                    s.dir.display(),
                    s.files.len()
                ),
                Err(e) => format!("could not export to PyTorch: {e}"),
            }
        }
    }
}
