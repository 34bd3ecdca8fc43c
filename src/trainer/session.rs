//! `Session`: one training run's state — network, optimizer, data and
//! batching — owned by the trainer thread.

use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::engine::loss::{Loss, Targets};

pub use super::train_data::{Labels, PlaneMapper, TrainData};
use crate::engine::metrics;
use crate::engine::network::StateEntry;
use crate::engine::optim::Optimizer;
use crate::engine::schedule::ScheduleKind;
use crate::model::compile::{Compiled, optimizer, schedule};
use crate::model::{NodeId, OptimizerSpec, TrainConfig};

use super::error::SessionError;
use super::history::EpochMetrics;
use super::snapshot::{LayerSnapshot, Snapshot, Stats};

mod edit;
pub use edit::EditOutcome;

/// Rows evaluated per forward pass outside training.
const EVAL_CHUNK: usize = 1024;
/// Histogram bins in snapshots.
const BINS: usize = 30;

/// One run: network, optimizer, data, and where in the data it is.
pub struct Session {
    network: crate::engine::Network<f32>,
    loss: Loss,
    node_ids: Vec<NodeId>,
    optimizer: Optimizer<f32>,
    schedule: ScheduleKind,
    config: TrainConfig,
    base_lr: f64,
    lr: f64,
    data: TrainData,
    order: Vec<usize>,
    cursor: usize,
    batch_x: Array2<f32>,
    batch_classes: Vec<u32>,
    batch_values: Array2<f32>,
    initial: Vec<StateEntry<f32>>,
    best: Option<Vec<StateEntry<f32>>>,
    first_loss: Option<f64>,
    /// The validation row whose feature maps snapshots show (default: the
    /// first mistake).
    pub feature_sample: Option<usize>,
    /// Each engine node's output shape per sample, when known (from the
    /// project's analysis), for the views.
    shapes: Vec<Option<Vec<usize>>>,
    /// One input sample's shape, when known.
    input_shape: Vec<usize>,
    /// What the data looks like, when known (edits while training compile
    /// the changed graph against it).
    info: Option<crate::model::DataInfo>,
    // Running training metric over the epoch.
    correct: u64,
    seen: u64,
    sse: f64,
    sum_y: f64,
    sum_y2: f64,
}

impl Session {
    /// A session over a compiled network and prepared data.
    pub fn new(compiled: Compiled<f32>, data: TrainData, config: TrainConfig) -> Self {
        let initial = compiled.network.state_dict();
        let features = data.train_x.ncols();
        let targets = match &data.train_y {
            Labels::Values(a) => a.ncols(),
            Labels::Classes(_) => 0,
        };
        let base_lr = config.learning_rate as f64;
        Self {
            network: compiled.network,
            loss: compiled.loss,
            node_ids: compiled.node_ids,
            optimizer: optimizer(&config),
            schedule: schedule(&config),
            base_lr,
            lr: base_lr,
            order: (0..data.train_x.nrows()).collect(),
            cursor: 0,
            batch_x: Array2::zeros((0, features)),
            batch_classes: Vec::new(),
            batch_values: Array2::zeros((0, targets)),
            data,
            config,
            initial,
            best: None,
            first_loss: None,
            feature_sample: None,
            shapes: Vec::new(),
            input_shape: Vec::new(),
            info: None,
            correct: 0,
            seen: 0,
            sse: 0.0,
            sum_y: 0.0,
            sum_y2: 0.0,
        }
    }

    /// Builds a session for a project: loads and prepares its data
    /// (relative paths from `dir`), checks the graph against it and
    /// compiles it.
    ///
    /// # Errors
    /// Unreadable data ([`SessionError::Data`]) or a graph that does not
    /// compile ([`SessionError::Compile`]).
    pub fn from_project(
        project: &crate::model::Project,
        dir: Option<&std::path::Path>,
    ) -> Result<Self, SessionError> {
        use crate::model::load_data::{info_of, load_data};
        let seed = project.training.seed;
        let prepared = load_data(&project.data, dir, seed).map_err(SessionError::Data)?;
        let info = info_of(&prepared);
        let analysis = crate::model::analyze(&project.graph, Some(&info), &project.training);
        let compiled = crate::model::compile::compile::<f32>(
            &project.graph,
            &analysis,
            &info,
            &project.training,
            seed,
        )?;
        let shapes = compiled
            .node_ids
            .iter()
            .map(|id| analysis.nodes.get(id).and_then(|n| n.out_shape.clone()))
            .collect();
        let mut session = Self::new(
            compiled,
            TrainData::from_prepared(prepared),
            project.training.clone(),
        );
        session.shapes = shapes;
        session.input_shape = info.input_shape.clone();
        session.info = Some(info);
        Ok(session)
    }

    /// The training settings.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Epochs planned.
    pub fn epochs(&self) -> usize {
        self.config.epochs.max(1)
    }

    /// Samples per batch (at least 1, at most the training set).
    pub fn batch_size(&self) -> usize {
        self.config.batch_size.clamp(1, self.train_samples().max(1))
    }

    /// Batches per epoch (the last may be smaller).
    pub fn batches_per_epoch(&self) -> usize {
        self.train_samples().div_ceil(self.batch_size()).max(1)
    }

    /// Training rows.
    pub fn train_samples(&self) -> usize {
        self.data.train_x.nrows()
    }

    /// Validation rows.
    pub fn validation_samples(&self) -> usize {
        self.data.val_x.nrows()
    }

    /// Whether the targets are classes.
    pub fn is_classification(&self) -> bool {
        self.data.classes.is_some()
    }

    /// The learning rate of the latest step.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Changes the base learning rate (the schedule scales it).
    pub fn set_base_lr(&mut self, lr: f64) {
        self.base_lr = lr;
    }

    /// The network (for the command line's final weights).
    pub fn network(&self) -> &crate::engine::Network<f32> {
        &self.network
    }

    /// Each engine node's graph node, in the network's order.
    pub fn node_ids(&self) -> &[NodeId] {
        &self.node_ids
    }

    /// Starts (`true`) or stops timing the network node by node and
    /// returns what was timed since it started (see [`crate::trainer::profile`]).
    pub fn time_nodes(&mut self, on: bool) -> Option<crate::engine::network::StepTiming> {
        let was = self.network.stop_timing();
        if on {
            self.network.start_timing();
        }
        was
    }

    /// Shuffles for epoch `epoch` (1-based): the order depends only on the
    /// seed and the epoch, so runs repeat exactly.
    pub fn begin_epoch(&mut self, epoch: usize) {
        let mut rng =
            ChaCha8Rng::seed_from_u64(self.config.seed.wrapping_add(epoch as u64 * 0x9E37_79B9));
        self.order.shuffle(&mut rng);
        self.cursor = 0;
        self.correct = 0;
        self.seen = 0;
        self.sse = 0.0;
        self.sum_y = 0.0;
        self.sum_y2 = 0.0;
    }

    /// Rows in the next batch.
    pub fn next_batch_len(&self) -> usize {
        self.batch_size()
            .min(self.train_samples().saturating_sub(self.cursor))
    }

    fn gather(&mut self) -> usize {
        let n = self.next_batch_len();
        let rows = &self.order[self.cursor..self.cursor + n];
        let features = self.data.train_x.ncols();
        if self.batch_x.nrows() != n {
            self.batch_x = Array2::zeros((n, features));
        }
        for (dst, &r) in self.batch_x.outer_iter_mut().zip(rows) {
            let mut dst = dst;
            dst.assign(&self.data.train_x.row(r));
        }
        match &self.data.train_y {
            Labels::Classes(all) => {
                self.batch_classes.clear();
                self.batch_classes.extend(rows.iter().map(|&r| all[r]));
            }
            Labels::Values(all) => {
                if self.batch_values.nrows() != n {
                    self.batch_values = Array2::zeros((n, all.ncols()));
                }
                for (dst, &r) in self.batch_values.outer_iter_mut().zip(rows) {
                    let mut dst = dst;
                    dst.assign(&all.row(r));
                }
            }
        }
        self.cursor += n;
        n
    }

    /// Trains on the next batch and returns its loss (NaN or infinite when
    /// training diverged).
    ///
    /// # Errors
    /// The engine refused the step ([`SessionError::Engine`]).
    pub fn train_batch(&mut self, epoch: usize, step: u64) -> Result<f32, SessionError> {
        let n = self.gather();
        if n == 0 {
            return Ok(0.0);
        }
        self.lr = self
            .schedule
            .lr_at(self.base_lr, epoch.saturating_sub(1), step as usize);
        let targets = if self.data.classes.is_some() {
            Targets::Classes(&self.batch_classes)
        } else {
            Targets::Values(self.batch_values.view())
        };
        let loss = self.network.train_step(
            self.batch_x.view(),
            &targets,
            self.loss,
            &mut self.optimizer,
            self.lr as f32,
        )?;
        // Running training metric from the batch's own outputs.
        let out = self.network.output();
        match &targets {
            Targets::Classes(labels) => {
                let acc = metrics::accuracy(out, labels);
                self.correct += (acc * n as f64).round() as u64;
                self.seen += n as u64;
            }
            Targets::Values(y) => {
                for (p, t) in out.iter().zip(y.iter()) {
                    let (p, t) = (*p as f64, *t as f64);
                    self.sse += (p - t) * (p - t);
                    self.sum_y += t;
                    self.sum_y2 += t * t;
                }
                self.seen += y.len() as u64;
            }
        }
        Ok(loss)
    }

    fn metric(&self, pred: ArrayView2<f32>, y: &Labels) -> f64 {
        match y {
            Labels::Classes(l) => metrics::accuracy(pred, l),
            Labels::Values(v) => metrics::r2(pred, v.view()),
        }
    }

    /// Evaluates the validation split and returns the epoch's metrics
    /// (the caller fills epoch, step, training loss and seconds).
    ///
    /// # Errors
    /// The engine refused to evaluate ([`SessionError::Engine`]).
    pub fn end_epoch(&mut self, _epoch: usize) -> Result<EpochMetrics, SessionError> {
        let train_metric = if self.is_classification() {
            self.correct as f64 / self.seen.max(1) as f64
        } else {
            let n = self.seen.max(1) as f64;
            let ss_tot = self.sum_y2 - self.sum_y * self.sum_y / n;
            if ss_tot > 0.0 {
                1.0 - self.sse / ss_tot
            } else {
                0.0
            }
        };
        let (val_loss, val_metric) = if self.validation_samples() > 0 {
            let (l, pred) = self.network.evaluate(
                self.data.val_x.view(),
                &self.data.val_y.targets(),
                self.loss,
                EVAL_CHUNK,
            )?;
            (l, self.metric(pred.view(), &self.data.val_y))
        } else {
            (f64::NAN, f64::NAN)
        };
        Ok(EpochMetrics {
            val_loss,
            train_metric,
            val_metric,
            lr: self.lr,
            ..EpochMetrics::default()
        })
    }

    /// Starts from the weights saved in `path` (they become the weights
    /// "Reset weights" returns to).
    ///
    /// # Errors
    /// The file cannot be read ([`SessionError::WeightsUnreadable`]) or
    /// does not fit the network ([`SessionError::WeightsMismatch`]).
    pub fn start_from(&mut self, path: &std::path::Path) -> Result<(), SessionError> {
        let w =
            crate::project::weights::load_weights(path).map_err(SessionError::WeightsUnreadable)?;
        self.network
            .load_state_dict(&w)
            .map_err(|source| SessionError::WeightsMismatch {
                path: path.to_path_buf(),
                source,
            })?;
        self.initial = self.network.state_dict();
        Ok(())
    }

    /// Loads the weights of a checkpoint (`path`) and leaves in the
    /// parameters the gradients of the first batch of epoch 1 at those
    /// weights (no update), so a snapshot shows gradients as at that
    /// point. Buffers (BatchNorm's running statistics) are reloaded after
    /// the pass, so evaluation sees exactly the checkpoint.
    ///
    /// # Errors
    /// As [`Session::start_from`], or the engine refused the pass.
    pub fn load_checkpoint(&mut self, path: &std::path::Path) -> Result<(), SessionError> {
        self.start_from(path)?;
        self.begin_epoch(1);
        if self.gather() > 0 {
            let targets = if self.data.classes.is_some() {
                Targets::Classes(&self.batch_classes)
            } else {
                Targets::Values(self.batch_values.view())
            };
            self.network
                .forward_loss_backward(self.batch_x.view(), &targets, self.loss)?;
        }
        self.cursor = 0;
        // The state loaded above fits: it was just loaded into this network.
        let _ = self.network.load_state_dict(&self.initial);
        Ok(())
    }

    /// Puts the initial weights back and clears the optimizer's state.
    pub fn reset_weights(&mut self) {
        // The initial state always fits the network it came from.
        let _ = self.network.load_state_dict(&self.initial);
        self.optimizer.reset();
        self.best = None;
        self.first_loss = None;
    }

    /// Keeps a copy of the current weights as the best so far.
    pub fn remember_best(&mut self) {
        self.best = Some(self.network.state_dict());
    }

    /// Puts back the weights kept by [`Session::remember_best`].
    pub fn restore_best(&mut self) {
        if let Some(best) = &self.best {
            let _ = self.network.load_state_dict(best);
        }
    }

    /// Whether a batch loss means training has diverged: NaN or infinite,
    /// or a million times the first batch's loss (and above 10¹⁰).
    pub fn diverged(&mut self, loss: f32) -> bool {
        if !loss.is_finite() {
            return true;
        }
        let first = *self.first_loss.get_or_insert(loss as f64);
        (loss as f64) > (first * 1e6).max(1e10)
    }

    /// A plain diagnosis of a loss that became NaN or infinite.
    pub fn diagnose_divergence(&self, loss: f32, epoch: usize, step: u64) -> String {
        let what = if loss.is_nan() {
            "NaN".to_string()
        } else if loss.is_infinite() {
            "infinite".to_string()
        } else {
            format!("{loss:.3e} (exploding)")
        };
        let lr = self.lr;
        let (name, suggested) = match self.config.optimizer {
            OptimizerSpec::Sgd { .. } => ("SGD", lr / 10.0),
            OptimizerSpec::Adam { .. } => ("Adam", 0.001),
            OptimizerSpec::AdamW { .. } => ("AdamW", 0.001),
            OptimizerSpec::RmsProp { .. } => ("RMSprop", 0.001),
            OptimizerSpec::Adagrad { .. } => ("Adagrad", 0.01),
        };
        if suggested < lr {
            format!(
                "loss became {what} at epoch {epoch}, step {step} — the learning rate {lr} is probably too high for {name}; try {suggested}"
            )
        } else {
            format!(
                "loss became {what} at epoch {epoch}, step {step} — the learning rate {lr} is already modest for {name}; check the data for huge values, turn on normalisation, or clip gradients"
            )
        }
    }

    /// The views' data: per-layer statistics here, the rest (decision
    /// boundary or fitted curve, confusion matrix, predictions, unit maps…)
    /// from [`super::views::add_all`].
    pub fn snapshot(&mut self, epoch: usize, step: u64) -> Snapshot {
        let mut layers = Vec::with_capacity(self.node_ids.len());
        let norms: std::collections::BTreeMap<usize, f64> =
            self.network.grad_norms().into_iter().collect();
        for (i, id) in self.node_ids.iter().enumerate() {
            let node = &self.network.nodes()[i];
            let params = self.network.node_params(i);
            let weights = params.iter().filter(|p| p.decay);
            let has = params.iter().any(|p| p.decay);
            let kind = node.layer.kind().to_string();
            let act = self.network.node_output(i);
            let (dead, saturated) = act.map_or((0.0, 0.0), |a| health(&kind, a));
            layers.push(LayerSnapshot {
                node: *id,
                name: node.name.clone(),
                kind,
                weights: has.then(|| {
                    Stats::of(
                        weights
                            .clone()
                            .flat_map(|p| p.value.iter().map(|v| *v as f64)),
                        BINS,
                    )
                }),
                gradients: has.then(|| {
                    Stats::of(weights.flat_map(|p| p.grad.iter().map(|v| *v as f64)), BINS)
                }),
                grad_norm: norms.get(&i).copied().unwrap_or(0.0),
                activations: act.map(|a| Stats::of(a.iter().map(|v| *v as f64), BINS)),
                dead_fraction: dead,
                saturated_fraction: saturated,
            });
        }
        let mut snap = Snapshot {
            epoch,
            step,
            layers,
            ..Snapshot::default()
        };
        let info = super::views::NetInfo {
            ids: &self.node_ids,
            shapes: &self.shapes,
            input_shape: &self.input_shape,
        };
        super::views::add_all(
            &mut self.network,
            &info,
            &self.data,
            self.feature_sample,
            &mut snap,
        );
        snap
    }
}

/// Dead-unit share (ReLU-like: a unit that is 0 for every sample) and
/// saturated share (Sigmoid/Tanh outputs within 1 % of their bounds).
fn health(kind: &str, a: ArrayView2<f32>) -> (f64, f64) {
    if a.nrows() == 0 || a.ncols() == 0 {
        return (0.0, 0.0);
    }
    let dead = if matches!(kind, "ReLU") {
        let cols = a.ncols();
        let dead = (0..cols)
            .filter(|&c| a.column(c).iter().all(|v| *v <= 0.0))
            .count();
        dead as f64 / cols as f64
    } else {
        0.0
    };
    let saturated = match kind {
        "Sigmoid" => a.iter().filter(|v| **v < 0.01 || **v > 0.99).count() as f64 / a.len() as f64,
        "Tanh" => a.iter().filter(|v| v.abs() > 0.99).count() as f64 / a.len() as f64,
        _ => 0.0,
    };
    (dead, saturated)
}
