//! The views as they were at a recorded checkpoint: a [`Replay`] builds a
//! session from a run record's project (its data loaded and the graph
//! compiled once) and, for any of its checkpoints, loads those weights and
//! takes the same snapshot the trainer takes while training — decision
//! boundary, unit pictures, weights and histograms, gradients (of the
//! first batch at those weights), confusion, gallery, feature maps.
//!
//! It runs wherever its caller puts it (the window: a background task);
//! it never touches a running trainer.

use crate::runs::{RunRecord, RunsError};

use super::error::SessionError;
use super::history::{EpochMetrics, History, StepPoint};
use super::session::Session;
use super::snapshot::Snapshot;

/// Why a checkpoint's views could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The record or its checkpoint cannot be read.
    #[error("{0}")]
    Runs(#[from] RunsError),
    /// The run's project no longer loads or compiles, or its weights do
    /// not fit.
    #[error("{0}")]
    Session(#[from] SessionError),
}

/// A recorded run ready to be shown at any of its checkpoints.
pub struct Replay {
    record: RunRecord,
    project: crate::model::Project,
    session: Session,
    /// The step of the change of the network whose project `session` is
    /// built from (`None`: the project as the run started).
    at: Option<u64>,
    dir: Option<std::path::PathBuf>,
}

impl Replay {
    /// Builds the run's session (loads its data, compiles its project as
    /// trained).
    ///
    /// # Errors
    /// The project file of the record is unreadable, or its data or graph
    /// no longer load.
    pub fn open(record: RunRecord) -> Result<Self, ReplayError> {
        let project = record.project()?;
        let dir = record.file.data_dir.as_ref().map(std::path::PathBuf::from);
        let session = Session::from_project(&project, dir.as_deref())?;
        Ok(Self {
            record,
            project,
            session,
            at: None,
            dir,
        })
    }

    /// The record replayed.
    pub fn record(&self) -> &RunRecord {
        &self.record
    }

    /// The run's project as trained at the latest checkpoint shown (a run
    /// changed while it trained has one per change of its network).
    pub fn project(&self) -> &crate::model::Project {
        &self.project
    }

    /// Whether the targets are classes.
    pub fn classification(&self) -> bool {
        self.session.is_classification()
    }

    /// The snapshot of the checkpoint at `step` (exactly that step; see
    /// [`nearest_checkpoint`]).
    ///
    /// # Errors
    /// No such checkpoint, its file is unreadable or does not fit.
    pub fn snapshot_at(&mut self, step: u64) -> Result<Snapshot, ReplayError> {
        let entry = self.record.checkpoint_entry(Some(step))?;
        let wanted = self.record.edit_project_before(entry.step).map(|e| e.0);
        if wanted != self.at {
            let (project, at) = self.record.project_at(entry.step)?;
            self.session = Session::from_project(&project, self.dir.as_deref())?;
            self.project = project;
            self.at = at;
        }
        let path = self.record.checkpoint_path(entry.step);
        self.session.load_checkpoint(&path)?;
        let epoch = entry.epoch.unwrap_or_else(|| epoch_of(&self.record, step));
        Ok(self.session.snapshot(epoch, step))
    }
}

/// The epoch a step belongs to (1 before the first epoch's end).
fn epoch_of(record: &RunRecord, step: u64) -> usize {
    record
        .epochs
        .iter()
        .find(|e| e.step >= step)
        .map_or(record.epochs.len() + 1, |e| e.epoch)
}

/// The kept checkpoint nearest to `step` (the earlier of two as near).
pub fn nearest_checkpoint(record: &RunRecord, step: u64) -> Option<u64> {
    record
        .file
        .checkpoints
        .iter()
        .map(|c| c.step)
        .min_by_key(|s| (s.abs_diff(step), *s))
}

/// A record's steps and epochs as the window's history.
///
/// # Errors
/// `steps.csv` is unreadable.
pub fn history_of(record: &RunRecord) -> Result<History, RunsError> {
    let steps = record
        .steps()?
        .into_iter()
        .map(|s| StepPoint {
            step: s.step,
            loss: s.loss,
            lr: s.lr,
        })
        .collect();
    let epochs = record
        .epochs
        .iter()
        .map(|e| EpochMetrics {
            epoch: e.epoch,
            step: e.step,
            train_loss: e.train_loss,
            val_loss: e.val_loss,
            train_metric: e.train_metric,
            val_metric: e.val_metric,
            lr: e.lr,
            seconds: e.seconds,
        })
        .collect();
    Ok(History { steps, epochs })
}
