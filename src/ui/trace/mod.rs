//! Backprop made visible in the window: one sample's forward and backward
//! pass ([`crate::trace`]) on the canvas, stepped node by node, with the
//! chain rule of a chosen weight written out. The sample is a validation
//! one (picked in the views), a training one (a data preview row) or an
//! input typed in the Trace window ([`pick`]).
//!
//! The trace is computed on a helper thread ([`Task`]) from the current
//! run's weights (asked of the trainer; the project's initial weights
//! before any run) and tagged with the run and step it came from: a trace
//! of another run is never shown ([`TraceState::shown`]).

pub mod canvas;
pub mod panel;
pub mod params;
pub mod pick;
pub mod typed;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::data::prepare::Prepared;
use crate::engine::network::StateEntry;
use crate::model::load_data::{info_of, load_data};
use crate::model::{DataSpec, NodeId, Project, analyze};
use crate::trace::{Trace, Tracer};
use crate::trainer::TrainerCommand;
use pick::{Pick, TypedInput};

use super::run::{Run, RunId, RunState};
use super::task::Task;

/// While training, a new trace at most this often.
const REFRESH_TRAINING: Duration = Duration::from_millis(1000);
/// Weights asked of the trainer and not come after this are given up.
const WEIGHTS_TIMEOUT: Duration = Duration::from_secs(5);

/// A trace with what it was computed from.
pub struct Traced {
    /// The run whose weights it used.
    pub run: RunId,
    /// The step of the run's latest snapshot when it was asked for (`None`:
    /// the project's initial weights, before any run).
    pub step: Option<u64>,
    /// Before any run: the saved weights file it used instead of the
    /// initial weights (an imported model's, say).
    pub saved: Option<PathBuf>,
    /// The sample.
    pub sample: Pick,
    /// The sample in words: index and target.
    pub name: String,
    /// The numbers.
    pub trace: Trace,
    /// A number new for every trace received (textures are keyed by it).
    pub serial: u64,
}

/// A weight or bias element chosen to show the working for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightPick {
    /// Its layer.
    pub node: NodeId,
    /// `weight` or `bias`.
    pub param: &'static str,
    /// The element, flat in C order.
    pub index: usize,
}

/// What a request was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Request {
    run: RunId,
    seq: u64,
    step: Option<u64>,
    sample: Pick,
}

type Outcome = Result<(Traced, Arc<Prepared>, DataKey), String>;
type DataKey = (DataSpec, u64, Option<PathBuf>);

/// The trace's state in the window.
#[derive(Default)]
pub struct TraceState {
    /// Whether the Trace window is open.
    pub open: bool,
    /// Show ∂L/∂(output) instead of outputs (when not stepping).
    pub backward: bool,
    /// The step of the walk: `0..n` forward through node `k`, `n..2n`
    /// backward through node `2n − 1 − k`; `None`: the whole pass.
    cursor: Option<usize>,
    /// The weight whose chain rule is written out.
    pub working: Option<WeightPick>,
    shown: Option<Traced>,
    /// Why the latest trace failed.
    pub error: Option<String>,
    task: Option<(Request, Task<Outcome>)>,
    waiting: Option<(Request, Instant)>,
    done: Option<(RunId, u64, Pick)>,
    last: Option<Instant>,
    data: Option<(DataKey, Arc<Prepared>)>,
    serial: u64,
    /// Textures of feature maps: per (trace serial, node, backward).
    textures: HashMap<(u64, NodeId, bool), Vec<egui::TextureHandle>>,
    /// A training row or a typed input chosen in the window, instead of
    /// the views' validation pick (until that changes).
    pub chosen: Option<Pick>,
    /// The input typed last.
    pub typed: Option<TypedInput>,
    /// The views' pick as last seen (a new one replaces `chosen`).
    views_seen: Option<usize>,
    /// The input form's text: raw values, and the target.
    pub input_text: String,
    /// See `input_text`.
    pub target_text: String,
    /// Why the typed input was not taken.
    pub input_error: Option<String>,
    /// The weights runs start from when not the initial ones (the saved
    /// weights beside the project, when the window uses them); traced
    /// before any run.
    pub saved_weights: Option<PathBuf>,
    /// The data `chosen` was picked in (another data set drops it).
    chosen_data: Option<DataKey>,
}

impl TraceState {
    /// The trace to show for run `run`: only one computed from its weights.
    pub fn shown(&self, run: RunId) -> Option<&Traced> {
        self.shown.as_ref().filter(|t| t.run == run)
    }

    /// Whether a trace is being computed or its weights awaited.
    pub fn busy(&self) -> bool {
        self.task.is_some() || self.waiting.is_some()
    }

    /// The sample traced now: the one chosen in the window, else the
    /// views' validation pick.
    pub fn current(&self, pick: Option<usize>) -> Option<Pick> {
        self.chosen.or(pick.map(Pick::Validation))
    }

    /// Traces training sample `row` (a data preview row) and opens the
    /// window.
    pub fn choose_training(&mut self, row: usize) {
        self.chosen = Some(Pick::Training(row));
        self.open = true;
    }

    /// Traces raw input values `raw` against `target` (mapped as the data
    /// was) and opens the window.
    pub fn choose_typed(&mut self, raw: Vec<f32>, target: crate::trace::SampleTarget) {
        let serial = self.typed.as_ref().map_or(1, |t| t.serial + 1);
        self.typed = Some(TypedInput {
            serial,
            raw,
            target,
        });
        self.chosen = Some(Pick::Typed(serial));
        self.open = true;
    }

    /// Notes the weights a run would start from: `doc` the project's file,
    /// `use_saved` whether the window starts runs from the weights saved
    /// beside it (and they exist).
    pub fn note_saved_weights(&mut self, doc: Option<&Path>, use_saved: bool) {
        self.saved_weights = doc
            .filter(|_| use_saved)
            .map(crate::project::weights::weights_path_for)
            .filter(|p| p.is_file());
    }

    /// The prepared data of the latest trace (for the window's input form).
    pub fn prepared(&self) -> Option<Arc<Prepared>> {
        self.data.as_ref().map(|(_, p)| Arc::clone(p))
    }

    /// Starts over for sample `sample` (the whole pass, no weight chosen).
    fn restart(&mut self) {
        self.cursor = None;
        self.working = None;
        self.done = None;
    }

    /// Takes a finished trace, and asks for a new one when the sample, the
    /// run or its latest snapshot changed (at most once a second while
    /// training). `pick` is the sample chosen in the views or the window.
    pub fn update(
        &mut self,
        run: &mut Run,
        project: &Project,
        dir: Option<&Path>,
        pick: Option<usize>,
        wake: Option<Box<dyn Fn() + Send>>,
    ) {
        if pick != self.views_seen {
            // A new pick in the views replaces a sample chosen here.
            self.views_seen = pick;
            if pick.is_some() {
                self.chosen = None;
            }
        }
        // A training row or a typed input belongs to its data set.
        let data: DataKey = (
            project.data.clone(),
            project.training.seed,
            dir.map(Path::to_path_buf),
        );
        if self.chosen.is_none() {
            self.chosen_data = None;
        } else if self.chosen_data.is_none() {
            self.chosen_data = Some(data);
        } else if self.chosen_data.as_ref() != Some(&data) {
            self.chosen = None;
            self.chosen_data = None;
            self.working = None;
        }
        if let Some((req, task)) = self.task.as_mut()
            && let Some(out) = task.poll()
        {
            let req = *req;
            self.task = None;
            match out {
                Ok(Ok((mut traced, prepared, key))) => {
                    self.data = Some((key, prepared));
                    if traced.run == run.id() && Some(traced.sample) == self.current(pick) {
                        self.serial += 1;
                        traced.serial = self.serial;
                        self.textures.retain(|k, _| k.0 == traced.serial);
                        self.shown = Some(traced);
                        self.error = None;
                    }
                }
                Ok(Err(e)) => self.error = Some(e),
                Err(e) => self.error = Some(e.to_string()),
            }
            if req.run != run.id() {
                self.done = None;
            }
        }
        if self
            .waiting
            .is_some_and(|(r, at)| r.run != run.id() || at.elapsed() > WEIGHTS_TIMEOUT)
        {
            self.waiting = None;
            self.done = None;
        }
        let Some(sample) = self.current(pick).filter(|_| self.open) else {
            return;
        };
        if self.shown.as_ref().is_some_and(|t| t.sample != sample) {
            self.shown = None;
            self.restart();
        }
        let key = (run.id(), run.stamp().seq, sample);
        if self.busy() || self.done == Some(key) {
            return;
        }
        let training = run.state == RunState::Training;
        if training && self.last.is_some_and(|t| t.elapsed() < REFRESH_TRAINING) {
            return;
        }
        self.done = Some(key);
        self.last = Some(Instant::now());
        let req = Request {
            run: run.id(),
            seq: key.1,
            step: run.live().map(|l| l.snap.step),
            sample,
        };
        if run.has_weights() {
            run.send(TrainerCommand::RequestWeights);
            self.waiting = Some((req, Instant::now()));
        } else {
            self.spawn(req, None, project, dir, wake);
        }
    }

    /// The trainer sent weights (of global step `step`, when it said): trace
    /// them if they were asked for by this run's request.
    pub fn weights_arrived(
        &mut self,
        weights: &[StateEntry<f32>],
        step: Option<u64>,
        run: RunId,
        project: &Project,
        dir: Option<&Path>,
        wake: Option<Box<dyn Fn() + Send>>,
    ) {
        if let Some((mut req, _)) = self.waiting.take() {
            if req.run == run {
                // The weights' own step: the snapshot's, when asked, may
                // be a few steps behind the weights that came.
                req.step = step.or(req.step);
                self.spawn(req, Some(weights.to_vec()), project, dir, wake);
            } else {
                self.done = None;
            }
        }
    }

    fn spawn(
        &mut self,
        req: Request,
        weights: Option<Vec<StateEntry<f32>>>,
        project: &Project,
        dir: Option<&Path>,
        wake: Option<Box<dyn Fn() + Send>>,
    ) {
        let project = project.clone();
        let key: DataKey = (
            project.data.clone(),
            project.training.seed,
            dir.map(Path::to_path_buf),
        );
        let cached = self
            .data
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, p)| Arc::clone(p));
        let typed = self.typed.clone();
        let saved = self.saved_weights.clone().filter(|_| weights.is_none());
        let task = Task::spawn("tracing a sample", wake, move || {
            let (weights, saved) = match (weights, saved) {
                (Some(w), _) => (Some(w), None),
                (None, Some(path)) => {
                    let w = crate::project::load_weights(&path)
                        .map_err(|e| format!("the saved weights could not be read: {e}"))?;
                    (Some(w), Some(path))
                }
                (None, None) => (None, None),
            };
            let mut out = compute(
                req,
                &project,
                weights.as_deref(),
                cached,
                key,
                typed.as_ref(),
            );
            if let Ok((traced, _, _)) = out.as_mut() {
                traced.saved = saved;
            }
            out
        });
        self.task = Some((req, task));
    }

    /// Steps of the walk for a trace of `n` nodes.
    fn steps(n: usize) -> usize {
        2 * n
    }

    /// Moves the walk by `delta` steps (from the start or the end when
    /// showing the whole pass); past either end shows the whole pass again.
    pub fn step_by(&mut self, delta: isize, nodes: usize) {
        let total = Self::steps(nodes) as isize;
        let next = match self.cursor {
            None if delta >= 0 => delta - 1,
            None => total + delta,
            Some(c) => c as isize + delta,
        };
        self.cursor = (0..total).contains(&next).then_some(next as usize);
    }

    /// The walk's position: the node index in the trace and whether it is
    /// the backward half; `None` when showing the whole pass.
    pub fn position(&self, nodes: usize) -> Option<(usize, bool)> {
        let c = self.cursor?;
        if c < nodes {
            Some((c, false))
        } else {
            Some((Self::steps(nodes).checked_sub(c + 1)?, true))
        }
    }

    /// What node `k` of `n` shows now: `Some(false)` its output,
    /// `Some(true)` its gradient, `None` nothing yet (not reached).
    pub fn shows(&self, k: usize, n: usize) -> Option<bool> {
        match self.position(n) {
            None => Some(self.backward),
            Some((at, false)) => (k <= at).then_some(false),
            Some((at, true)) => (k >= at).then_some(true),
        }
    }
}

/// Loads the data (or takes it from the cache), compiles and traces.
fn compute(
    req: Request,
    project: &Project,
    weights: Option<&[StateEntry<f32>]>,
    cached: Option<Arc<Prepared>>,
    key: DataKey,
    typed: Option<&TypedInput>,
) -> Outcome {
    let prepared = match cached {
        Some(p) => p,
        None => Arc::new(
            load_data(&project.data, key.2.as_deref(), project.training.seed)
                .map_err(|e| format!("the data could not be loaded: {e}"))?,
        ),
    };
    let info = info_of(&prepared);
    let analysis = analyze(&project.graph, Some(&info), &project.training);
    let (x, target, name) = pick::resolve(&prepared, req.sample, typed)?;
    let mut tracer = Tracer::new(project, &analysis, &info, weights).map_err(|e| e.to_string())?;
    let trace = tracer.trace(&x, &target).map_err(|e| e.to_string())?;
    Ok((
        Traced {
            run: req.run,
            step: req.step,
            saved: None,
            sample: req.sample,
            name,
            trace,
            serial: 0,
        },
        prepared,
        key,
    ))
}
