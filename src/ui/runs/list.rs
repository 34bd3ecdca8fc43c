//! Reading a store's runs off the UI thread, with what the panel shows of
//! each: its one-line summary and what changed against the run before.

use crate::model::Project;
use crate::runs::{RunRecord, RunStore};

use super::super::task::Task;
use super::Waker;

/// One run as the panel shows it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The record (manifest, epochs, label).
    pub record: RunRecord,
    /// Its number in the list, from 1 (oldest first): "run 3".
    pub number: usize,
    /// The project as trained (`None`: its file is unreadable).
    pub project: Option<Project>,
    /// One line: optimizer, rate, batch, network, where it ended.
    pub summary: String,
    /// What changed against the run before it ("first run" for the first).
    pub changes: String,
}

impl Entry {
    /// The run's id.
    pub fn id(&self) -> &str {
        self.record.id()
    }

    /// Its name: the user's, else "run N".
    pub fn name(&self) -> String {
        self.record
            .label
            .name
            .clone()
            .unwrap_or_else(|| format!("run {}", self.number))
    }

    /// The colour of its curves.
    pub fn colour(&self) -> egui::Color32 {
        super::super::theme::run_colour(self.number)
    }

    /// The final validation metrics in words, if an epoch finished.
    pub fn final_words(&self) -> String {
        let Some(e) = self.record.last_epoch() else {
            return "no epoch finished".into();
        };
        let metric = if self.record.file.classification {
            "val acc"
        } else {
            "val R²"
        };
        format!(
            "val loss {} · {metric} {}",
            crate::numfmt::sig(e.val_loss, 4),
            crate::numfmt::sig(e.val_metric, 4)
        )
    }
}

/// A listing: entries, and folders that were not runs.
pub struct Listed {
    /// Every readable run, oldest first.
    pub entries: Vec<Entry>,
    /// One message per skipped folder.
    pub skipped: Vec<String>,
}

/// Lists `store` on a helper thread.
pub fn spawn(store: RunStore, wake: Waker) -> Task<Listed> {
    Task::spawn("listing the runs", wake, move || read(&store))
}

/// Lists `store` (blocking: for the helper thread and tests).
pub fn read(store: &RunStore) -> Listed {
    let listing = store.list();
    let mut skipped = listing.skipped;
    let mut entries: Vec<Entry> = Vec::with_capacity(listing.runs.len());
    let mut previous: Option<Project> = None;
    for (i, record) in listing.runs.into_iter().enumerate() {
        let project = match record.project() {
            Ok(p) => Some(p),
            Err(e) => {
                skipped.push(format!("{}: {e}", record.id()));
                None
            }
        };
        let summary = project.as_ref().map_or_else(
            || "its project cannot be read".to_string(),
            |p| crate::runs::summary(p, record.last_epoch(), record.file.classification),
        );
        let changes = match (&previous, &project) {
            (None, _) if i == 0 => "first run".to_string(),
            (Some(a), Some(b)) => crate::runs::diff_words(&crate::runs::design_diff(a, b)),
            _ => "unknown (a project cannot be read)".to_string(),
        };
        if project.is_some() {
            previous.clone_from(&project);
        }
        entries.push(Entry {
            record,
            number: i + 1,
            project,
            summary,
            changes,
        });
    }
    Listed { entries, skipped }
}
