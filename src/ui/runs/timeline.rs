//! The timeline: one recorded run's checkpoints on a scrubber under the
//! views (and the ←/→ keys). Moving it shows every view as at the chosen
//! checkpoint: a background task loads those weights into the run's own
//! session (built once per run, kept between moves) and takes the same
//! snapshot the trainer takes. Only the newest request counts: moves made
//! while one is computed wait, and the last one is computed next.
//!
//! What is shown is a [`Run`] made by [`Run::replay`] under a replay
//! identity, named "run 3 · step 50": it never carries the live run's
//! identity, and while a new run's session is being built nothing of the
//! previous run is shown.

use std::time::{Duration, Instant};

use crate::model::Graph;
use crate::runs::RunRecord;
use crate::trainer::History;
use crate::trainer::replay::{self, Replay};

use super::super::run::{Run, RunId};
use super::super::task::Task;
use super::Waker;

/// A run's session, ready to replay, and what comes with it.
pub struct Loaded {
    replay: Replay,
    history: History,
    /// The replay identity of this loading.
    id: RunId,
}

/// The run asked about, its session, the step, and the snapshot.
type Done = (
    String,
    Option<Box<Loaded>>,
    u64,
    Result<Box<crate::trainer::Snapshot>, String>,
);

/// What the views show at a checkpoint.
pub struct Shown {
    /// The record's id.
    pub run: String,
    /// The checkpoint's step.
    pub step: u64,
    /// The view's name for it: "run 3 · step 50".
    pub title: String,
    /// The run as at that checkpoint, for the views.
    pub view: Run,
    /// The graph as trained (the canvas shows the checkpoint's pictures
    /// only on a graph of the same structure).
    pub graph: Graph,
}

/// The timeline's state.
#[derive(Default)]
pub struct Timeline {
    /// The record on the timeline.
    record: Option<RunRecord>,
    /// Its title: "run 3" or the user's name.
    name: String,
    /// Index of the chosen checkpoint in the record's list.
    pub index: usize,
    /// The session of the record, while no task holds it.
    loaded: Option<Box<Loaded>>,
    task: Option<Task<Done>>,
    /// Replay identities handed out.
    serial: u64,
    /// Pictures made in the current identity.
    seq: u64,
    /// The step the newest request asked for (computed next, if a task
    /// is under way).
    wanted: Option<u64>,
    /// The step being computed and when it was asked for.
    asked: Option<(u64, Instant)>,
    /// The views at the latest computed checkpoint.
    pub shown: Option<Shown>,
    /// How long the latest picture took from request to result.
    pub latency: Option<Duration>,
    /// The latest failure.
    pub error: Option<String>,
}

impl Timeline {
    /// The run on the timeline.
    pub fn run(&self) -> Option<&str> {
        self.record.as_ref().map(RunRecord::id)
    }

    /// The record on the timeline.
    pub fn record(&self) -> Option<&RunRecord> {
        self.record.as_ref()
    }

    /// Whether the timeline is open.
    pub fn is_open(&self) -> bool {
        self.record.is_some()
    }

    /// Whether a picture is being computed.
    pub fn busy(&self) -> bool {
        self.task.is_some()
    }

    /// The checkpoints' steps.
    pub fn steps(&self) -> Vec<u64> {
        self.record.as_ref().map_or_else(Vec::new, |r| {
            let mut s: Vec<u64> = r.file.checkpoints.iter().map(|c| c.step).collect();
            s.sort_unstable();
            s
        })
    }

    /// The chosen checkpoint's step.
    pub fn step(&self) -> Option<u64> {
        self.steps().get(self.index).copied()
    }

    /// The shown picture's title, or what is being computed.
    pub fn title(&self) -> String {
        match (&self.shown, self.step()) {
            (Some(s), Some(step)) if s.step == step => s.title.clone(),
            (_, Some(step)) => format!("{} · step {step} (computing…)", self.name),
            _ => format!("{} has no checkpoints", self.name),
        }
    }

    /// Opens `record` on the timeline at its last checkpoint.
    pub fn open(&mut self, record: RunRecord, name: String, wake: Waker) {
        let same = self.run() == Some(record.id());
        if !same {
            self.shown = None;
            self.loaded = None;
            self.error = None;
        }
        self.index = record.file.checkpoints.len().saturating_sub(1);
        self.name = name;
        self.record = Some(record);
        self.request(wake);
    }

    /// Closes the timeline: the views show the live run again.
    pub fn close(&mut self) {
        *self = Self {
            serial: self.serial,
            ..Self::default()
        };
    }

    /// Chooses checkpoint `index` (clamped) and asks for its views.
    pub fn seek(&mut self, index: usize, wake: Waker) {
        let n = self.steps().len();
        if n == 0 {
            return;
        }
        let index = index.min(n - 1);
        if index != self.index || self.shown.is_none() {
            self.index = index;
            self.request(wake);
        }
    }

    /// Chooses the checkpoint nearest to `step`.
    pub fn seek_step(&mut self, step: u64, wake: Waker) {
        let Some(r) = &self.record else { return };
        if let Some(near) = replay::nearest_checkpoint(r, step)
            && let Some(i) = self.steps().iter().position(|s| *s == near)
        {
            self.seek(i, wake);
        }
    }

    /// Asks for the chosen checkpoint's views: now when no task is under
    /// way, else when it ends.
    fn request(&mut self, wake: Waker) {
        let Some(step) = self.step() else { return };
        self.wanted = Some(step);
        if self.task.is_some() {
            return;
        }
        let Some(record) = self.record.clone() else {
            return;
        };
        self.wanted = None;
        self.asked = Some((step, Instant::now()));
        let loaded = self.loaded.take();
        self.serial += 1;
        let fresh_id = RunId::replay(self.serial);
        self.task = Some(Task::spawn("showing a checkpoint", wake, move || {
            compute(loaded, record, step, fresh_id)
        }));
    }

    /// Takes a finished picture; starts the newest request if one waits.
    /// Returns an error to report.
    pub fn poll(&mut self, wake: impl Fn() -> Waker) -> Option<String> {
        let r = self.task.as_mut()?.poll()?;
        self.task = None;
        let mut error = None;
        match r {
            Ok((run, loaded, step, result)) => {
                let current = Some(run.as_str()) == self.run();
                match (result, loaded) {
                    (Ok(snap), Some(l)) if current => {
                        if self.shown.as_ref().is_none_or(|s| s.view.id() != l.id) {
                            self.seq = 0;
                        }
                        self.seq += 1;
                        let epoch = snap.epoch;
                        let view = Run::replay(
                            l.id,
                            self.seq,
                            l.history.clone(),
                            snap,
                            l.replay.classification(),
                            l.replay.project().training.epochs,
                        );
                        self.shown = Some(Shown {
                            run: l.replay.record().id().to_string(),
                            step,
                            title: format!("{} · step {step} · epoch {epoch}", self.name),
                            view,
                            graph: l.replay.project().graph.clone(),
                        });
                        if let Some((s, at)) = self.asked
                            && s == step
                        {
                            self.latency = Some(at.elapsed());
                        }
                        self.error = None;
                        self.loaded = Some(l);
                    }
                    (Err(e), l) if current => {
                        // Checkpoints after a structural edit hold the
                        // edited network, which the run's project (as it
                        // started) does not describe.
                        let edited = self.record.as_ref().and_then(|r| {
                            r.file.edits.iter().find(|ed| {
                                ed.step < step
                                    && ed.what.starts_with(crate::trainer::live_edit::NETWORK)
                            })
                        });
                        let e = match edited {
                            Some(ed) => format!(
                                "{e} — the network was changed after step {} ({}); the timeline shows the checkpoints before that",
                                ed.step, ed.what
                            ),
                            None => e,
                        };
                        self.error = Some(e.clone());
                        error = Some(e);
                        self.loaded = l;
                    }
                    // A picture of a run no longer on the timeline.
                    _ => {}
                }
            }
            Err(e) => error = Some(e.to_string()),
        }
        self.asked = None;
        if let Some(step) = self.wanted.take()
            && self.shown.as_ref().is_none_or(|s| s.step != step)
        {
            self.request(wake());
        }
        error
    }
}

/// On the helper thread: the session of `record` (the one given if it is
/// that run's, else a new one), and the snapshot at `step`.
fn compute(loaded: Option<Box<Loaded>>, record: RunRecord, step: u64, fresh_id: RunId) -> Done {
    let run = record.id().to_string();
    let mut loaded = match loaded.filter(|l| l.replay.record().id() == record.id()) {
        Some(l) => l,
        None => {
            let history = match replay::history_of(&record) {
                Ok(h) => h,
                Err(e) => return (run, None, step, Err(e.to_string())),
            };
            match Replay::open(record) {
                Ok(replay) => Box::new(Loaded {
                    replay,
                    history,
                    id: fresh_id,
                }),
                Err(e) => return (run, None, step, Err(e.to_string())),
            }
        }
    };
    let snap = loaded
        .replay
        .snapshot_at(step)
        .map(Box::new)
        .map_err(|e| e.to_string());
    (run, Some(loaded), step, snap)
}
