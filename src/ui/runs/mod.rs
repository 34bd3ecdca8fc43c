//! The window's side of recorded runs: the Runs panel (list, names, pin,
//! hide, delete, what changed), the curves of chosen runs overlaid on the
//! Curves view, the timeline that shows every view as at a checkpoint,
//! and the design diff between two runs.
//!
//! - this file: the state, and keeping the list current (read off the UI
//!   thread, refreshed when the project's store changes, a run ends, or a
//!   file operation finishes);
//! - [`list`]: the listing task and the entries it makes;
//! - [`panel`]: drawing the list; it returns what the user asked;
//! - [`overlay`]: chosen runs' curves for the Curves view;
//! - [`timeline`]: the checkpoint views, computed by a background task,
//!   and [`scrubber`], its bar under the views;
//! - [`compare`]: the design diff of two runs, for the panel and canvas.

pub mod compare;
pub mod list;
pub mod overlay;
pub mod panel;
pub mod scrubber;
pub mod timeline;

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::runs::{RunLabel, RunStore, RunsError};

use super::task::Task;

pub use list::Entry;

/// What the user asked of the Runs panel.
#[derive(Clone, Debug, PartialEq)]
pub enum RunsAction {
    /// Show or stop showing a run's curves on the Curves view.
    Show(String, bool),
    /// Give a run a name (empty: none).
    Rename(String, String),
    /// Pin or unpin a run.
    Pin(String, bool),
    /// Hide or unhide a run.
    Hide(String, bool),
    /// Ask before deleting a run.
    AskDelete(String),
    /// Delete it (the answer to the question).
    Delete(String),
    /// Do not delete after all.
    KeepRun,
    /// Open a run on the timeline.
    Timeline(String),
    /// Show the timeline's checkpoint number `n`.
    Seek(usize),
    /// Close the timeline: the views show the live run.
    CloseTimeline,
    /// Compare two runs' designs (first, second).
    Compare(String, String),
    /// Stop comparing.
    EndCompare,
}

/// The window's recorded runs.
#[derive(Default)]
pub struct RunsState {
    /// The store listed (the open project's).
    store: Option<RunStore>,
    /// What the store was made from: the project's path and name.
    store_key: Option<(Option<PathBuf>, String)>,
    /// The runs, oldest first, with what the panel shows of each.
    pub entries: Vec<Entry>,
    /// Folders that were not readable runs.
    pub skipped: Vec<String>,
    listing: Option<Task<list::Listed>>,
    /// A newer listing was asked for while one was under way.
    again: bool,
    file_op: Option<Task<Result<String, RunsError>>>,
    /// Runs whose curves are overlaid.
    pub shown: BTreeSet<String>,
    /// Hidden runs listed too.
    pub show_hidden: bool,
    /// The run waiting for "delete?".
    pub confirm_delete: Option<String>,
    /// The two runs picked for comparing (first, second).
    pub pick: (Option<String>, Option<String>),
    /// Their design diff.
    pub comparison: Option<compare::Comparison>,
    /// The diff drawn on the canvas.
    pub diff_on_canvas: bool,
    /// Names being typed, by run.
    pub editing: std::collections::HashMap<String, String>,
    /// Overlaid curves.
    pub overlay: overlay::Overlays,
    /// The timeline.
    pub timeline: timeline::Timeline,
    /// The live run was active last frame.
    was_active: bool,
    /// When to read the list again after a run ended: the run's record is
    /// finished by the trainer's writer thread a moment after the run's
    /// last event, so the first read can miss it.
    relist_at: Vec<std::time::Instant>,
}

impl RunsState {
    /// The store of the project at `path` named `name`; the list is read
    /// again when it changed.
    pub fn follow_project(&mut self, path: Option<&std::path::Path>, name: &str, wake: Waker) {
        // A file's runs are found by its path; only a project without a
        // file keeps them under its name.
        let key = match path {
            Some(p) => (Some(p.to_path_buf()), String::new()),
            None => (None, name.to_string()),
        };
        if self.store_key.as_ref() == Some(&key) {
            return;
        }
        self.store = Some(RunStore::for_project(path, name));
        self.store_key = Some(key);
        self.entries.clear();
        self.skipped.clear();
        self.shown.clear();
        self.pick = (None, None);
        self.comparison = None;
        self.confirm_delete = None;
        self.editing.clear();
        self.overlay = overlay::Overlays::default();
        self.timeline.close();
        self.refresh(wake);
    }

    /// Notes whether the live run is under way; when one ends, the list
    /// is read again.
    pub fn follow_run(&mut self, active: bool, wake: Waker) {
        if self.was_active && !active {
            let now = std::time::Instant::now();
            self.relist_at = [500, 1500, 4000]
                .into_iter()
                .map(|ms| now + std::time::Duration::from_millis(ms))
                .collect();
            self.refresh(wake);
        }
        self.was_active = active;
    }

    /// Reads the list again (off the UI thread).
    pub fn refresh(&mut self, wake: Waker) {
        let Some(store) = self.store.clone() else {
            return;
        };
        if self.listing.as_ref().is_some_and(Task::running) {
            self.again = true;
            return;
        }
        self.listing = Some(list::spawn(store, wake));
    }

    /// Whether the list is being read.
    pub fn busy(&self) -> bool {
        self.listing.is_some()
            || !self.relist_at.is_empty()
            || self.file_op.is_some()
            || self.overlay.busy()
            || self.timeline.busy()
    }

    /// Takes finished background work; returns messages and errors for
    /// the status bar.
    pub fn poll(&mut self, wake: impl Fn() -> Waker) -> Vec<Result<String, String>> {
        let mut out = Vec::new();
        let now = std::time::Instant::now();
        if self.relist_at.first().is_some_and(|t| *t <= now) {
            self.relist_at.remove(0);
            self.refresh(wake());
        }
        if let Some(t) = self.listing.as_mut()
            && let Some(r) = t.poll()
        {
            self.listing = None;
            match r {
                Ok(l) => {
                    self.entries = l.entries;
                    self.skipped = l.skipped;
                    let known: BTreeSet<String> =
                        self.entries.iter().map(|e| e.id().to_string()).collect();
                    self.shown.retain(|id| known.contains(id));
                    self.overlay.retain(&known);
                    for p in [&mut self.pick.0, &mut self.pick.1] {
                        if p.as_ref().is_some_and(|id| !known.contains(id)) {
                            *p = None;
                        }
                    }
                    self.recompare();
                }
                Err(e) => out.push(Err(e.to_string())),
            }
            if std::mem::take(&mut self.again) {
                self.refresh(wake());
            }
        }
        if let Some(t) = self.file_op.as_mut()
            && let Some(r) = t.poll()
        {
            self.file_op = None;
            out.push(match r {
                Ok(Ok(m)) => Ok(m),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(e.to_string()),
            });
            self.refresh(wake());
        }
        if let Some(e) = self.overlay.poll(&self.entries, &wake) {
            out.push(Err(e));
        }
        if let Some(e) = self.timeline.poll(&wake) {
            out.push(Err(e));
        }
        out
    }

    /// The entry of run `id`.
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id() == id)
    }

    /// Applies what the panel asked.
    pub fn apply(&mut self, action: RunsAction, wake: impl Fn() -> Waker) {
        match action {
            RunsAction::Show(id, on) => {
                if on {
                    self.shown.insert(id);
                } else {
                    self.shown.remove(&id);
                }
                self.overlay.want(&self.shown, &self.entries, wake());
            }
            RunsAction::Rename(id, name) => {
                self.editing.remove(&id);
                self.relabel(&id, wake(), |l| {
                    l.name = Some(name.clone());
                });
            }
            RunsAction::Pin(id, on) => self.relabel(&id, wake(), |l| l.pinned = on),
            RunsAction::Hide(id, on) => {
                if on {
                    self.shown.remove(&id);
                }
                self.relabel(&id, wake(), |l| l.hidden = on);
            }
            RunsAction::AskDelete(id) => self.confirm_delete = Some(id),
            RunsAction::KeepRun => self.confirm_delete = None,
            RunsAction::Delete(id) => {
                self.confirm_delete = None;
                self.shown.remove(&id);
                if self.timeline.run() == Some(id.as_str()) {
                    self.timeline.close();
                }
                if let Some(store) = self.store.clone() {
                    self.file_op = Some(Task::spawn("deleting a run", wake(), move || {
                        store
                            .delete(&id)
                            .map(|dir| format!("deleted the run in {}", dir.display()))
                    }));
                }
            }
            RunsAction::Timeline(id) => {
                if let Some(e) = self.entry(&id) {
                    let (record, name) = (e.record.clone(), e.name());
                    self.timeline.open(record, name, wake());
                }
            }
            RunsAction::Seek(i) => self.timeline.seek(i, wake()),
            RunsAction::CloseTimeline => self.timeline.close(),
            RunsAction::Compare(a, b) => {
                self.pick = (Some(a), Some(b));
                self.recompare();
            }
            RunsAction::EndCompare => {
                self.pick = (None, None);
                self.comparison = None;
            }
        }
    }

    /// Compares the two picked runs again (after a pick or a listing).
    fn recompare(&mut self) {
        self.comparison = match &self.pick {
            (Some(a), Some(b)) => match (self.entry(a), self.entry(b)) {
                (Some(a), Some(b)) => compare::compare(a, b),
                _ => None,
            },
            _ => None,
        };
    }

    /// The design diff to draw on the canvas, if asked for.
    pub fn canvas_diff(&self) -> Option<&super::canvas::diff::CanvasDiff> {
        self.comparison
            .as_ref()
            .filter(|_| self.diff_on_canvas)
            .map(|c| &c.canvas)
    }

    /// Changes a run's label and writes it (off the UI thread); the entry
    /// shows the change at once.
    fn relabel(&mut self, id: &str, wake: Waker, change: impl Fn(&mut RunLabel)) {
        let Some(e) = self.entries.iter_mut().find(|e| e.id() == id) else {
            return;
        };
        change(&mut e.record.label);
        let label = e.record.label.clone();
        let dir = e.record.dir.clone();
        self.file_op = Some(Task::spawn("saving a run's name", wake, move || {
            label
                .save(&dir)
                .map(|()| format!("saved the run's label in {}", dir.display()))
        }));
    }
}

/// Wakes the window when background work ends.
pub type Waker = Option<Box<dyn Fn() + Send>>;
