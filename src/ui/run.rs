//! The window's side of training: the trainer handle and what it has
//! said. Loading data and compiling happen on the trainer thread; no
//! training math here.

use std::time::Duration;

use crate::model::Project;
use crate::trainer::{FinishReason, History, Trainer, TrainerCommand, TrainerEvent};

/// Snapshots of per-layer statistics kept for the heat strips.
const HISTORY_SNAPSHOTS: usize = 400;

/// Where the run is.
#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    /// Nothing started yet.
    Idle,
    /// Training.
    Training,
    /// Paused at a step.
    Paused,
    /// The run ended.
    Finished(FinishReason),
    /// The trainer failed or could not start.
    Failed(String),
}

/// The window's view of training.
pub struct Run {
    trainer: Option<Trainer>,
    /// Every step and epoch so far.
    pub history: History,
    /// Where the run is.
    pub state: RunState,
    /// Epochs planned.
    pub epochs: usize,
    /// Throughput reported by the latest progress event.
    pub samples_per_sec: f64,
    /// Seconds trained (from the finish event, or the latest epoch's sum).
    pub seconds: f64,
    /// Whether the latest epoch metric is accuracy (else R²).
    pub classification: bool,
    /// The latest snapshot for the glass-box views.
    pub snapshot: Option<Box<crate::trainer::Snapshot>>,
    /// Per-layer statistics over time, one entry per snapshot.
    pub layer_history: Vec<(u64, Vec<crate::trainer::snapshot::LayerSnapshot>)>,
    /// Snapshots received in this run.
    pub snapshots: u64,
    /// A run was started and its `Started` event has not come yet: events
    /// until then belong to the run it replaced.
    awaiting_start: bool,
    /// Weights sent by the trainer after `RequestWeights`, not yet used.
    pub weights: Option<Vec<crate::engine::network::StateEntry<f32>>>,
}

impl Default for Run {
    fn default() -> Self {
        Self {
            trainer: None,
            history: History::default(),
            state: RunState::Idle,
            epochs: 0,
            samples_per_sec: 0.0,
            seconds: 0.0,
            classification: true,
            weights: None,
            snapshot: None,
            layer_history: Vec::new(),
            snapshots: 0,
            awaiting_start: false,
        }
    }
}

impl Run {
    /// Starts training `project` on the trainer thread (created on first
    /// use); the data is loaded and the graph compiled there, so this
    /// returns at once. `wake` is called when events arrive.
    pub fn start(
        &mut self,
        project: &Project,
        dir: Option<&std::path::Path>,
        classification: bool,
        wake: Option<Box<dyn Fn() + Send>>,
        paused: bool,
        weights: Option<std::path::PathBuf>,
    ) {
        self.awaiting_start = true;
        self.history.clear();
        self.snapshot = None;
        self.layer_history.clear();
        self.snapshots = 0;
        self.samples_per_sec = 0.0;
        self.seconds = 0.0;
        self.epochs = project.training.epochs;
        self.classification = classification;
        if self.trainer.is_none() {
            match Trainer::spawn(wake) {
                Ok(t) => self.trainer = Some(t),
                Err(e) => {
                    self.state =
                        RunState::Failed(format!("could not start the trainer thread: {e}"));
                    return;
                }
            }
        }
        self.state = if paused {
            RunState::Paused
        } else {
            RunState::Training
        };
        self.send(TrainerCommand::StartProject {
            project: Box::new(project.clone()),
            dir: dir.map(std::path::Path::to_path_buf),
            paused,
            weights,
        });
        self.send(TrainerCommand::RequestSnapshot);
    }

    /// Sends a command; a trainer that is gone or busy is reported in the state.
    pub fn send(&mut self, command: TrainerCommand) {
        if let Some(t) = &self.trainer
            && let Err(e) = t.send(command)
        {
            self.state = RunState::Failed(e.to_string());
        }
    }

    /// Takes what the trainer has said, for at most `budget`.
    pub fn poll(&mut self, budget: Duration) {
        let Some(t) = &self.trainer else { return };
        for e in t.drain(budget) {
            if self.awaiting_start {
                match e {
                    TrainerEvent::Started { .. } => self.awaiting_start = false,
                    TrainerEvent::Failed { message } => {
                        self.awaiting_start = false;
                        self.state = RunState::Failed(message);
                    }
                    // Left over from the run this one replaced.
                    _ => {}
                }
                continue;
            }
            match e {
                TrainerEvent::Progress(p) => {
                    self.history.steps.extend(p.steps.iter().copied());
                    self.samples_per_sec = p.samples_per_sec;
                }
                TrainerEvent::Epoch(m) => {
                    self.seconds += m.seconds;
                    self.history.epochs.push(m);
                }
                TrainerEvent::Paused { .. } => self.state = RunState::Paused,
                TrainerEvent::Resumed => {
                    self.state = RunState::Training;
                    self.send(TrainerCommand::RequestSnapshot);
                }
                TrainerEvent::Finished {
                    reason, seconds, ..
                } => {
                    self.seconds = seconds;
                    self.state = RunState::Finished(reason);
                }
                TrainerEvent::Failed { message } => self.state = RunState::Failed(message),
                TrainerEvent::WeightsReset => self.history.clear(),
                TrainerEvent::Weights(w) => self.weights = Some(w),
                TrainerEvent::Snapshot(snap) => {
                    if self.layer_history.len() >= HISTORY_SNAPSHOTS {
                        // Keep every other old entry: the strip stays long.
                        let mut i = 0;
                        self.layer_history.retain(|_| {
                            i += 1;
                            i % 2 == 0
                        });
                    }
                    self.layer_history.push((snap.step, snap.layers.clone()));
                    self.snapshots += 1;
                    self.snapshot = Some(snap);
                    if self.state == RunState::Training {
                        // Pull the next one; the trainer keeps their cost under 10 %.
                        // (A paused run sends one when it pauses.)
                        self.send(TrainerCommand::RequestSnapshot);
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether the trainer holds weights worth asking for (a run under
    /// way or finished).
    pub fn has_weights(&self) -> bool {
        self.trainer.is_some() && !matches!(self.state, RunState::Idle | RunState::Failed(_))
    }

    /// Whether a run is under way (training or paused).
    pub fn active(&self) -> bool {
        matches!(self.state, RunState::Training | RunState::Paused)
    }
}
