//! What goes in and out of the trainer thread.

use super::history::{EpochMetrics, StepPoint};
use super::session::Session;
use super::snapshot::Snapshot;

/// A request to the trainer thread.
pub enum TrainerCommand {
    /// Start a new run (replacing any current one). When `paused` is true
    /// the run waits for `Resume` or `Step`.
    Start {
        /// The network, data and settings to train.
        session: Box<Session>,
        /// Start paused.
        paused: bool,
    },
    /// Build a session for this project on the trainer thread (loading
    /// its data and compiling it, so the watcher never waits for that),
    /// then start as `Start` does; a project that cannot train becomes
    /// `Failed` with the reason.
    StartProject {
        /// The project, as it is now.
        project: Box<crate::model::Project>,
        /// The folder its relative data paths start from.
        dir: Option<std::path::PathBuf>,
        /// Start paused.
        paused: bool,
        /// Start from the weights in this `.safetensors` file (read on
        /// the trainer thread) instead of fresh ones.
        weights: Option<std::path::PathBuf>,
    },
    /// Record the next run that starts (`Start` or `StartProject`) as
    /// this says, or not at all (`RecordTo::Off`). Without it, a run from
    /// `StartProject` is recorded beside its project file (see
    /// [`record`](super::record)) and a run from `Start` is not.
    RecordNext(Box<super::record::RecordRequest>),
    /// Pause after the current batch.
    Pause,
    /// Continue a paused run.
    Resume,
    /// Train this many batches, then pause.
    Step(usize),
    /// End the run after the current batch (`Finished { Stopped }`).
    Stop,
    /// Re-initialise the weights with the run's seed and clear the optimizer.
    ResetWeights,
    /// Change the learning rate from the next batch on.
    SetLearningRate(f32),
    /// Train with these settings from the next batch on (learning rate,
    /// optimizer and its parameters — a different optimizer kind starts
    /// its state fresh —, schedule, batch size, L1/L2, clipping, epochs,
    /// stopping rules). Answered by `Edited`.
    SetConfig(Box<crate::model::TrainConfig>),
    /// Change the running (or paused) network to this project's graph,
    /// keeping the learned weights and the optimizer's state (see
    /// [`crate::surgery`]). Answered by `Edited`, or by `EditRefused` when
    /// the live network cannot take it (the run goes on unchanged).
    Restructure {
        /// The project with the changed graph.
        project: Box<crate::model::Project>,
        /// The edit in words, for the record ("widen `hidden 1` 32 → 48").
        what: String,
    },
    /// Train on this data from the next batch on (a generated set's noise
    /// or sample count…; read from `dir` with the run's seed). Answered by
    /// `Edited`, or `EditRefused` when its shape or classes differ.
    SetData {
        /// The data settings.
        data: Box<crate::model::DataSpec>,
        /// The folder relative paths start from.
        dir: Option<std::path::PathBuf>,
    },
    /// Wait this long after each batch (slow motion for a class to watch;
    /// zero for full speed). Commands are still taken during the wait.
    SetStepDelay(std::time::Duration),
    /// Send a `Snapshot` event as soon as possible.
    RequestSnapshot,
    /// Show this validation row's feature maps in later snapshots.
    SetFeatureSample(usize),
    /// Send the current weights (of the running or the last finished run)
    /// as a `Weights` event.
    RequestWeights,
    /// End the thread.
    Shutdown,
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum FinishReason {
    /// All epochs ran.
    Completed,
    /// The user stopped it.
    Stopped,
    /// The target loss or accuracy was reached (which one, as text).
    TargetReached(String),
    /// Validation loss stopped improving; `best_epoch`'s weights are kept
    /// when the config asks for it.
    EarlyStopped {
        /// The epoch with the lowest validation loss.
        best_epoch: usize,
    },
    /// The loss became NaN or infinite.
    Diverged {
        /// What happened and what to try.
        diagnosis: String,
    },
}

impl FinishReason {
    /// A short word for summaries: `completed`, `stopped`, `target`,
    /// `early_stopping`, `diverged`.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Stopped => "stopped",
            Self::TargetReached(_) => "target",
            Self::EarlyStopped { .. } => "early_stopping",
            Self::Diverged { .. } => "diverged",
        }
    }
}

impl std::fmt::Display for FinishReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Completed => write!(f, "finished all epochs"),
            Self::Stopped => write!(f, "stopped"),
            Self::TargetReached(what) => write!(f, "reached the target {what}"),
            Self::EarlyStopped { best_epoch } => write!(
                f,
                "stopped early: validation loss stopped improving after epoch {best_epoch}"
            ),
            Self::Diverged { diagnosis } => write!(f, "diverged: {diagnosis}"),
        }
    }
}

/// Step-level progress, coalesced: every step since the previous progress
/// event is in `steps`, so the watcher keeps full resolution.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// Current epoch, from 1.
    pub epoch: usize,
    /// Global step of the last point.
    pub step: u64,
    /// Batches done in this epoch.
    pub batch_in_epoch: usize,
    /// Batches per epoch.
    pub batches_per_epoch: usize,
    /// Every step since the previous progress event.
    pub steps: Vec<StepPoint>,
    /// Mean loss over this epoch so far.
    pub running_loss: f64,
    /// Learning rate of the last step.
    pub lr: f64,
    /// Training throughput over the last interval.
    pub samples_per_sec: f64,
}

/// A message from the trainer thread.
#[derive(Clone, Debug)]
pub enum TrainerEvent {
    /// A run started.
    Started {
        /// Epochs planned.
        epochs: usize,
        /// Batches per epoch.
        batches_per_epoch: usize,
        /// Training samples.
        train_samples: usize,
        /// Validation samples.
        validation_samples: usize,
    },
    /// Steps done since the last progress event.
    Progress(Progress),
    /// An epoch ended.
    Epoch(EpochMetrics),
    /// Views' data, on request or every few epochs.
    Snapshot(Box<Snapshot>),
    /// Every parameter and buffer, `(name, shape, values)`, on request.
    Weights(Vec<crate::engine::network::StateEntry<f32>>),
    /// The global step of the weights in the `Weights` event that follows
    /// (sent just before it while a run is under way), so what is computed
    /// from them can say which step they are.
    WeightsStep(u64),
    /// The run paused (after `Pause` or at the end of `Step(n)`).
    Paused {
        /// Global step at which it paused.
        step: u64,
    },
    /// The run continues.
    Resumed,
    /// Weights were re-initialised.
    WeightsReset,
    /// A change was applied to the live run from the next batch on.
    Edited {
        /// The step after which it took effect.
        step: u64,
        /// The change in words.
        what: String,
        /// What it did: "function preserved (largest output change 0)",
        /// "loss 0.21 → 0.48", or for settings "settings applied".
        result: String,
        /// Layer by layer, for structural edits ("hidden 1 grown 32 → 48…").
        layers: Vec<String>,
    },
    /// A change the live network cannot take; the run goes on unchanged.
    EditRefused {
        /// Why, and what to do (restart the run).
        reason: String,
    },
    /// The run ended.
    Finished {
        /// Why.
        reason: FinishReason,
        /// The last epoch's metrics, if any epoch finished.
        last: Option<EpochMetrics>,
        /// Seconds from start to end, pauses excluded.
        seconds: f64,
    },
    /// The trainer failed (a panic inside it is caught and reported here).
    Failed {
        /// What went wrong.
        message: String,
    },
}
