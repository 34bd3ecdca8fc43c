//! Starting runs: from fresh weights (Train), from a recorded run's
//! checkpoint ("Continue from here", recorded as its child), or from a
//! recorded run's initial weights and data order ("Same start"). Every
//! start tells the trainer where to record the run: the runs of the open
//! file, or — for a bundled example or an untitled project — the user's
//! data directory (`RunStore::for_project` decides).

use std::path::{Path, PathBuf};

use crate::model::Project;
use crate::runs::record::Parent;
use crate::trainer::TrainerCommand;
use crate::trainer::record::RecordRequest;

use super::NeuroglassApp;

/// What a start trains.
pub struct Launch {
    /// The project to train (the document's, perhaps with another seed).
    pub project: Project,
    /// Start from these weights instead of fresh ones.
    pub weights: Option<PathBuf>,
    /// The recorded run and checkpoint this run continues.
    pub parent: Option<Parent>,
    /// Start paused.
    pub paused: bool,
    /// A paused start then trains this many batches and pauses again.
    pub steps: usize,
}

impl NeuroglassApp {
    /// Starts a run; refused (silently: the reason stands next to Train)
    /// when the document cannot train.
    pub(in crate::ui) fn launch(&mut self, l: Launch) {
        if crate::ui::train_panel::train_block(&self.doc).is_some() {
            return;
        }
        let wake = self.waker();
        let classification = self.doc.data.as_ref().is_none_or(|d| d.classes.is_some());
        let dir = self.doc.dir().map(Path::to_path_buf);
        let mut record = RecordRequest::project(l.project.clone(), self.doc.path.clone());
        record.data_dir.clone_from(&dir);
        record.parent = l.parent;
        self.run.record_next = Some(record);
        self.run.start(
            &l.project,
            dir.as_deref(),
            classification,
            wake,
            l.paused,
            l.weights,
        );
        // A picture script's steps are not paced.
        let delay = match self.shots.script {
            Some(_) => std::time::Duration::ZERO,
            None => self.controls.start_delay(&l.project),
        };
        self.run.send(TrainerCommand::SetStepDelay(delay));
        if l.paused && l.steps > 0 {
            self.run.send(TrainerCommand::Step(l.steps));
        }
        self.frame.sent_lr = Some(l.project.training.learning_rate);
        self.started_training();
    }

    /// "Continue from here": the current design from run `id`'s checkpoint
    /// at `step`, recorded as that run's child. The views go back to the
    /// live run.
    pub(in crate::ui) fn continue_run(&mut self, id: &str, step: u64) {
        let Some(e) = self.runs.entry(id) else {
            self.say(format!("run {id} is no longer listed"));
            return;
        };
        let weights = e.record.checkpoint_path(step);
        self.runs.timeline.close();
        self.launch(Launch {
            project: self.doc.project.clone(),
            weights: Some(weights),
            parent: Some(Parent {
                run: id.to_string(),
                step,
            }),
            paused: false,
            steps: 0,
        });
    }

    /// "Same start": the current design from run `id`'s initial weights
    /// (its step-0 checkpoint) with its seed, so the data order, split and
    /// dropout repeat — an A/B comparison differs only in what changed.
    pub(in crate::ui) fn train_again(&mut self, id: &str) {
        let Some(e) = self.runs.entry(id) else {
            self.say(format!("run {id} is no longer listed"));
            return;
        };
        if e.record.checkpoint_entry(Some(0)).is_err() {
            self.say(format!("{} kept no initial weights", e.name()));
            return;
        }
        let weights = e.record.checkpoint_path(0);
        let mut project = self.doc.project.clone();
        project.training.seed = e.record.file.data_order_seed;
        self.runs.timeline.close();
        self.launch(Launch {
            project,
            weights: Some(weights),
            parent: None,
            paused: false,
            steps: 0,
        });
    }
}
