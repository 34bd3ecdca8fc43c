//! The window's side of training: the trainer handle and what it has
//! said. Loading data and compiling happen on the trainer thread; no
//! training math here.

use std::collections::VecDeque;
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

/// Which run the window's figures belong to: a new value on every start
/// and every project replacement, never reused. Views key what they cache
/// (textures, smoothed series, chosen cells) by it, so nothing cached for
/// one run or project can be shown for another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(pub u64);

impl RunId {
    /// The identity of the `n`-th checkpoint run the window replays (see
    /// [`Run::replay`]): a space apart from the live runs' identities, so
    /// a replayed picture is never taken for a live one.
    pub fn replay(n: u64) -> Self {
        Self(REPLAY_IDS | n)
    }

    /// Whether this identity is a replay's.
    pub fn is_replay(self) -> bool {
        self.0 & REPLAY_IDS != 0
    }
}

/// The bit that marks replayed runs' identities.
const REPLAY_IDS: u64 = 1 << 63;

/// Identifies one snapshot the window received: its run and its number
/// within that run. Textures made from a snapshot are keyed by it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Stamp {
    /// The run that sent it.
    pub run: RunId,
    /// 1 for the run's first snapshot, 2 for the next…
    pub seq: u64,
}

/// The latest snapshot with its stamp: what the views draw from.
#[derive(Clone, Copy, Debug)]
pub struct Live<'a> {
    /// The snapshot.
    pub snap: &'a crate::trainer::Snapshot,
    /// Which run sent it, and which of its snapshots it is.
    pub stamp: Stamp,
}

/// The window's view of training.
///
/// Everything here except the trainer handle belongs to one run (see
/// [`Run::id`]): starting a run or replacing the project replaces the
/// whole value, so no figure of an earlier run survives by omission.
pub struct Run {
    trainer: Option<Trainer>,
    /// This run's identity.
    id: RunId,
    /// For each `StartProject` sent and not yet answered (by `Started` or
    /// a start failure), the run it starts, oldest first.
    starting: VecDeque<RunId>,
    /// The run the trainer's events are about now (from its latest answer
    /// to a start); events of any other run than `id` are dropped.
    speaking: Option<RunId>,
    /// Every step and epoch so far.
    pub history: History,
    /// Where the run is.
    pub state: RunState,
    /// Epochs planned.
    pub epochs: usize,
    /// Throughput reported by the latest progress event while training.
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
    /// Weights sent by the trainer after `RequestWeights`, not yet used.
    pub weights: Option<Vec<crate::engine::network::StateEntry<f32>>>,
    /// The step of those weights, when the trainer said (`WeightsStep`).
    pub weights_step: Option<u64>,
    /// Where the next [`Run::start`] is recorded (sent to the trainer
    /// just before it); without it the trainer guesses.
    pub record_next: Option<crate::trainer::record::RecordRequest>,
    /// Changes made to this run while it trained, as the trainer reported
    /// them (`Edited`), and the latest one it refused (`EditRefused`).
    pub edits: crate::trainer::live_edit::LiveEdits,
}

impl Default for Run {
    fn default() -> Self {
        Self {
            trainer: None,
            id: RunId::default(),
            starting: VecDeque::new(),
            speaking: None,
            history: History::default(),
            state: RunState::Idle,
            epochs: 0,
            samples_per_sec: 0.0,
            seconds: 0.0,
            classification: true,
            weights: None,
            weights_step: None,
            record_next: None,
            snapshot: None,
            layer_history: Vec::new(),
            snapshots: 0,
            edits: Default::default(),
        }
    }
}

impl Run {
    /// This run's identity.
    pub fn id(&self) -> RunId {
        self.id
    }

    /// The identity of the latest snapshot (`seq` 0 before any).
    pub fn stamp(&self) -> Stamp {
        Stamp {
            run: self.id,
            seq: self.snapshots,
        }
    }

    /// The latest snapshot of this run, if one has come.
    pub fn live(&self) -> Option<Live<'_>> {
        self.snapshot.as_deref().map(|snap| Live {
            snap,
            stamp: self.stamp(),
        })
    }

    /// Everything of the current run forgotten, under a new identity; the
    /// trainer and the bookkeeping of starts in flight are kept.
    fn renew(&mut self) {
        let fresh = Run {
            trainer: self.trainer.take(),
            id: RunId(self.id.0 + 1),
            starting: std::mem::take(&mut self.starting),
            speaking: self.speaking,
            ..Run::default()
        };
        *self = fresh;
    }

    /// The project is being replaced: a run under way is stopped, and
    /// nothing of it (curves, snapshot, figures, state) is shown for the
    /// new project; its remaining events are dropped.
    pub fn forget_project(&mut self) {
        if self.active() {
            self.send(TrainerCommand::Stop);
        }
        self.renew();
    }

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
        let record = self.record_next.take();
        self.renew();
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
        self.starting.push_back(self.id);
        if let Some(r) = record {
            self.send(TrainerCommand::RecordNext(Box::new(r)));
        }
        self.send(TrainerCommand::StartProject {
            project: Box::new(project.clone()),
            dir: dir.map(std::path::Path::to_path_buf),
            paused,
            weights,
        });
        self.send(TrainerCommand::RequestSnapshot);
    }

    /// A run that shows one recorded checkpoint: no trainer, the record's
    /// history up to the end, and `snapshot` as its one snapshot. `id`
    /// is a replay identity ([`RunId::replay`]) and `seq` the number of
    /// this picture within it, so textures are never shared with another
    /// checkpoint's or the live run's.
    pub fn replay(
        id: RunId,
        seq: u64,
        history: History,
        snapshot: Box<crate::trainer::Snapshot>,
        classification: bool,
        epochs: usize,
    ) -> Self {
        Self {
            id,
            history,
            state: RunState::Paused,
            epochs,
            classification,
            layer_history: vec![(snapshot.step, snapshot.layers.clone())],
            snapshot: Some(snapshot),
            snapshots: seq,
            ..Run::default()
        }
    }

    /// Sends a command; a trainer that is gone or busy is reported in the state.
    pub fn send(&mut self, command: TrainerCommand) {
        if let Some(t) = &self.trainer
            && let Err(e) = t.send(command)
        {
            self.state = RunState::Failed(e.to_string());
        }
    }

    /// Takes what the trainer has said, for at most `budget`. Events of
    /// another run than this one (one replaced by a start or a new
    /// project) are dropped.
    pub fn poll(&mut self, budget: Duration) {
        let Some(t) = &self.trainer else { return };
        let events = t.drain(budget);
        for e in events {
            match &e {
                // The answer to the oldest start in flight: what follows
                // is about that run.
                TrainerEvent::Started { .. } => {
                    self.speaking = self.starting.pop_front();
                    continue;
                }
                // A start that failed (a failure of the running run while
                // a start is in flight cannot be told apart from it and is
                // taken for the start's).
                TrainerEvent::Failed { .. } if !self.starting.is_empty() => {
                    self.speaking = self.starting.pop_front();
                }
                _ => {}
            }
            if self.speaking == Some(self.id) {
                self.apply(e);
            }
        }
    }

    /// Takes one event of this run.
    fn apply(&mut self, e: TrainerEvent) {
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
            e @ (TrainerEvent::Edited { .. } | TrainerEvent::EditRefused { .. }) => {
                self.edits.take(e)
            }
            TrainerEvent::Weights(w) => self.weights = Some(w),
            TrainerEvent::WeightsStep(s) => self.weights_step = Some(s),
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
            TrainerEvent::Started { .. } => {}
        }
    }

    /// Training throughput to show: the latest measurement while training,
    /// nothing before the first or once the run has ended.
    pub fn shown_rate(&self) -> Option<f64> {
        (self.state == RunState::Training && self.samples_per_sec > 0.0)
            .then_some(self.samples_per_sec)
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
