//! Training a lesson's project headlessly, on the trainer thread as the
//! window does, and summing the run up for goals.

use std::path::Path;
use std::time::Duration;

use super::goal::RunSummary;
use crate::model::Project;
use crate::trainer::record::RecordRequest;
use crate::trainer::{EpochMetrics, FinishReason, Trainer, TrainerCommand, TrainerEvent};

impl RunSummary {
    /// The summary of a run of `project` that ended after `last` (the last
    /// finished epoch, if any).
    pub fn of(project: &Project, last: Option<&EpochMetrics>, diverged: bool) -> Self {
        let nan = f64::NAN;
        Self {
            epochs: last.map_or(0, |m| m.epoch),
            diverged,
            optimizer: project.training.optimizer.name().to_owned(),
            train_loss: last.map_or(nan, |m| m.train_loss),
            val_loss: last.map_or(nan, |m| m.val_loss),
            train_metric: last.map_or(nan, |m| m.train_metric),
            val_metric: last.map_or(nan, |m| m.val_metric),
            classification: project.training.loss.is_classification(),
        }
    }
}

/// Trains `project` to its end (seeded, not recorded) and sums the run up.
/// Data paths are relative to `dir`.
///
/// # Errors
/// The trainer could not start, or refused the project (with its reason).
pub fn train_headless(project: &Project, dir: Option<&Path>) -> Result<RunSummary, String> {
    let trainer = Trainer::spawn(None).map_err(|e| format!("could not start the trainer: {e}"))?;
    let send = |c| trainer.send(c).map_err(|e| e.to_string());
    send(TrainerCommand::RecordNext(Box::new(RecordRequest::off())))?;
    send(TrainerCommand::StartProject {
        project: Box::new(project.clone()),
        dir: dir.map(Path::to_path_buf),
        paused: false,
        weights: None,
    })?;
    let mut last: Option<EpochMetrics> = None;
    let result = loop {
        if !trainer.is_alive() {
            break Err("the trainer thread ended before the run did".to_owned());
        }
        let Some(ev) = trainer.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        match ev {
            TrainerEvent::Epoch(m) => last = Some(m),
            TrainerEvent::Finished {
                reason, last: end, ..
            } => {
                let end = end.or(last);
                let diverged = matches!(reason, FinishReason::Diverged { .. });
                break Ok(RunSummary::of(project, end.as_ref(), diverged));
            }
            TrainerEvent::Failed { message } => break Err(message),
            _ => {}
        }
    };
    trainer.shutdown();
    result
}
