//! Changing a session while it trains: settings from the next batch on,
//! and a new graph that keeps the learned weights and optimizer state
//! (through [`crate::surgery`]).

use ndarray::Array2;

use crate::engine::network::StateEntry;
use crate::model::compile::{compile, optimizer, schedule};
use crate::model::{DataInfo, Graph, OptimizerSpec, Project, TrainConfig, analyze};
use crate::surgery::{OldNet, PRESERVED, Report, Target, largest_change, transfer};

use super::{EVAL_CHUNK, Session};
use crate::trainer::SessionError;

/// What a structural edit did to a session.
#[derive(Clone, Debug, PartialEq)]
pub struct EditOutcome {
    /// Layer by layer.
    pub report: Report,
    /// The largest change of any output over the probe rows (the
    /// validation set, else the training set), in evaluation mode; `None`
    /// when the output's shape changed.
    pub largest_change: Option<f64>,
    /// The mean loss over those rows before the edit.
    pub loss_before: f64,
    /// And after.
    pub loss_after: f64,
}

impl EditOutcome {
    /// Whether the network computes the same function (every output within
    /// [`PRESERVED`]).
    pub fn preserved(&self) -> bool {
        self.largest_change.is_some_and(|c| c <= PRESERVED)
    }

    /// "function preserved (largest output change 0)", or "loss 0.21 →
    /// 0.48 (largest output change 1.3)" when it changed.
    pub fn summary(&self) -> String {
        if self.preserved() {
            let c = self.largest_change.unwrap_or(0.0);
            let c = if c == 0.0 {
                "0".to_string()
            } else {
                format!("{c:.1e}")
            };
            format!("function preserved (largest output change {c})")
        } else {
            let change = self.largest_change.map_or_else(String::new, |c| {
                format!(" (largest output change {})", crate::numfmt::sig(c, 2))
            });
            format!(
                "loss {} → {}{change}",
                crate::numfmt::sig(self.loss_before, 3),
                crate::numfmt::sig(self.loss_after, 3)
            )
        }
    }
}

/// Why the live network cannot take a change (the run must restart).
pub fn refuse(why: impl Into<String>) -> SessionError {
    SessionError::EditRefused(why.into())
}

impl Session {
    /// What the data looks like (set when the session was built from a
    /// project or by [`Session::set_layout`]).
    pub fn data_info(&self) -> Option<&DataInfo> {
        self.info.as_ref()
    }

    /// Records the shapes a session built with [`Session::new`] lacks: each
    /// engine node's output shape, the input shape and the data's
    /// description (needed for edits while training).
    pub fn set_layout(&mut self, shapes: Vec<Option<Vec<usize>>>, info: DataInfo) {
        self.shapes = shapes;
        self.input_shape = info.input_shape.clone();
        self.info = Some(info);
    }

    /// The network's outputs for every validation row, in evaluation mode.
    ///
    /// # Errors
    /// The engine refused the pass.
    pub fn validation_outputs(&mut self) -> Result<Array2<f32>, SessionError> {
        Ok(self.network.predict(self.data.val_x.view(), EVAL_CHUNK)?)
    }

    fn probe(&mut self) -> Result<(f64, Array2<f32>), SessionError> {
        let use_val = self.data.val_x.nrows() > 0;
        let (x, y) = if use_val {
            (self.data.val_x.view(), &self.data.val_y)
        } else {
            (self.data.train_x.view(), &self.data.train_y)
        };
        Ok(self
            .network
            .evaluate(x, &y.targets(), self.loss, EVAL_CHUNK)?)
    }

    /// Replaces the network with `project`'s graph, keeping the learned
    /// weights and the optimizer's state (see [`crate::surgery::transfer`]),
    /// and measures what changed. Training goes on from the next batch;
    /// the data and settings stay.
    ///
    /// # Errors
    /// [`SessionError::EditRefused`] when the new graph does not fit the
    /// running data (another input shape, problems in the graph) or the
    /// memory available; the session is unchanged then.
    pub fn restructure(&mut self, project: &Project) -> Result<EditOutcome, SessionError> {
        let info = self
            .info
            .clone()
            .ok_or_else(|| refuse("this run does not know its data's shape"))?;
        let analysis = analyze(&project.graph, Some(&info), &project.training);
        if analysis.has_errors() {
            let first = analysis
                .problems()
                .find(|(_, p)| p.severity == crate::model::Severity::Error)
                .map(|(_, p)| p.message.clone())
                .unwrap_or_default();
            return Err(refuse(format!(
                "the changed network has a problem: {first}"
            )));
        }
        // The new network is built beside the running one: refuse one that
        // cannot fit (a layer widened to a million units) before allocating.
        if let Some(available) = crate::data::file::available_memory()
            && analysis.train_memory_bytes > available
        {
            return Err(refuse(format!(
                "the changed network needs about {} to train but {} is available; use fewer units or filters",
                crate::model::validate::fmt_bytes(analysis.train_memory_bytes),
                crate::model::validate::fmt_bytes(available)
            )));
        }
        let mut compiled = compile::<f32>(
            &project.graph,
            &analysis,
            &info,
            &project.training,
            project.training.seed,
        )
        .map_err(|e| refuse(e.to_string()))?;
        if compiled.network.input_len() != self.network.input_len() {
            return Err(refuse("the input's shape changed"));
        }
        if compiled.loss != self.loss {
            return Err(refuse("the loss changed"));
        }
        let shapes: Vec<Option<Vec<usize>>> = compiled
            .node_ids
            .iter()
            .map(|id| analysis.nodes.get(id).and_then(|n| n.out_shape.clone()))
            .collect();
        let (loss_before, before) = self.probe()?;
        let old = OldNet::from_network(&self.network, &self.node_ids, Some(&self.optimizer));
        let fresh = compiled.network.state_dict();
        let report = transfer(
            &old,
            Target {
                network: &mut compiled.network,
                ids: &compiled.node_ids,
                graph: &project.graph,
                shapes: &shapes,
            },
            Some(&mut self.optimizer),
        );
        let old_network = std::mem::replace(&mut self.network, compiled.network);
        let old_ids = std::mem::replace(&mut self.node_ids, compiled.node_ids);
        let old_shapes = std::mem::replace(&mut self.shapes, shapes);
        match self.probe() {
            Ok((loss_after, after)) => {
                self.initial = fresh;
                self.best = None;
                Ok(EditOutcome {
                    report,
                    largest_change: largest_change(before.view(), after.view()),
                    loss_before,
                    loss_after,
                })
            }
            Err(e) => {
                self.network = old_network;
                self.node_ids = old_ids;
                self.shapes = old_shapes;
                self.optimizer.reset();
                Err(e)
            }
        }
    }

    /// Starts from the weights of a related network (`entries`, keyed by
    /// node id as a weights file is): layers matched by node id and shape,
    /// widened where this network's layer is wider; the rest keep their
    /// fresh weights. They become the weights "Reset weights" returns to.
    pub fn start_from_related(&mut self, entries: &[StateEntry<f32>], graph: &Graph) -> Report {
        let (old, _) = OldNet::from_state_dict(entries);
        let report = transfer(
            &old,
            Target {
                network: &mut self.network,
                ids: &self.node_ids,
                graph,
                shapes: &self.shapes,
            },
            None,
        );
        self.initial = self.network.state_dict();
        report
    }

    /// Applies changed training settings from the next batch on and says
    /// what changed. A different optimizer kind starts its state fresh;
    /// everything else keeps it.
    pub fn apply_config(&mut self, new: TrainConfig) -> Vec<String> {
        let old = &self.config;
        let mut said = Vec::new();
        if std::mem::discriminant(&old.optimizer) != std::mem::discriminant(&new.optimizer) {
            said.push(format!(
                "optimizer {} → {} (its state starts fresh)",
                opt_name(&old.optimizer),
                opt_name(&new.optimizer)
            ));
            self.optimizer = optimizer(&new);
        } else {
            let o = optimizer::<f32>(&new);
            if o.kind != self.optimizer.kind {
                said.push(format!("{} settings", opt_name(&new.optimizer)));
            }
            self.optimizer.kind = o.kind;
            self.optimizer.l1 = o.l1;
            self.optimizer.l2 = o.l2;
            self.optimizer.clip_norm = o.clip_norm;
        }
        let mut note = |changed: bool, what: String| {
            if changed {
                said.push(what);
            }
        };
        note(
            old.learning_rate != new.learning_rate,
            format!(
                "learning rate {} → {}",
                old.learning_rate, new.learning_rate
            ),
        );
        note(old.schedule != new.schedule, "schedule".into());
        note(
            old.batch_size != new.batch_size,
            format!("batch size {} → {}", old.batch_size, new.batch_size),
        );
        note(
            old.l1 != new.l1 || old.l2 != new.l2,
            format!("L1/L2 {}/{} → {}/{}", old.l1, old.l2, new.l1, new.l2),
        );
        note(
            old.clip_grad_norm != new.clip_grad_norm,
            "gradient clipping".into(),
        );
        note(
            old.epochs != new.epochs,
            format!("epochs {} → {}", old.epochs, new.epochs),
        );
        note(
            old.early_stopping != new.early_stopping
                || old.target_loss != new.target_loss
                || old.target_accuracy != new.target_accuracy,
            "stopping rules".into(),
        );
        self.base_lr = f64::from(new.learning_rate);
        self.schedule = schedule(&new);
        self.config = new;
        said
    }

    /// The optimizer and its state.
    pub fn optimizer(&self) -> &crate::engine::optim::Optimizer<f32> {
        &self.optimizer
    }

    /// Trains on the data `spec` describes from the next batch on (read
    /// from `dir` with the run's seed): a generated set's noise or sample
    /// count, the validation share… The current epoch goes on with a
    /// full pass over the new rows. Says what changed.
    ///
    /// # Errors
    /// The data cannot be loaded ([`SessionError::Data`]), or its shape,
    /// classes or targets differ from the running network's
    /// ([`SessionError::EditRefused`]); the session is unchanged then.
    pub fn replace_data(
        &mut self,
        spec: &crate::model::DataSpec,
        dir: Option<&std::path::Path>,
    ) -> Result<String, SessionError> {
        use crate::model::load_data::{info_of, load_data};
        let prepared = load_data(spec, dir, self.config.seed).map_err(SessionError::Data)?;
        let info = info_of(&prepared);
        if self.info.as_ref() != Some(&info) {
            return Err(refuse(
                "the new data has another shape, other classes or other targets",
            ));
        }
        let before = (self.train_samples(), self.validation_samples());
        self.data = super::TrainData::from_prepared(prepared);
        let n = self.train_samples();
        self.order = (0..n).collect();
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(
            self.config.seed ^ (n as u64).wrapping_mul(0x9E37_79B9),
        );
        rand::seq::SliceRandom::shuffle(self.order.as_mut_slice(), &mut rng);
        self.cursor = 0;
        self.best = None;
        Ok(format!(
            "data: {} → {} training and {} → {} validation samples",
            before.0,
            n,
            before.1,
            self.validation_samples()
        ))
    }

    /// Whether the current epoch has used every training row.
    pub fn epoch_done(&self) -> bool {
        self.cursor >= self.train_samples()
    }
}

fn opt_name(o: &OptimizerSpec) -> &'static str {
    match o {
        OptimizerSpec::Sgd { .. } => "SGD",
        OptimizerSpec::Adam { .. } => "Adam",
        OptimizerSpec::AdamW { .. } => "AdamW",
        OptimizerSpec::RmsProp { .. } => "RMSprop",
        OptimizerSpec::Adagrad { .. } => "Adagrad",
    }
}

#[cfg(test)]
mod tests {
    use crate::model::OptimizerSpec;
    use crate::trainer::Session;

    fn trained() -> (crate::model::Project, Session) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/spiral.ron");
        let p = crate::project::load(&path).expect("example");
        let mut s = Session::from_project(&p, None).expect("session");
        s.begin_epoch(1);
        for k in 0..10 {
            s.train_batch(1, k).expect("step");
        }
        (p, s)
    }

    #[test]
    fn settings_keep_the_optimizer_state_unless_its_kind_changes() {
        let (p, mut s) = trained();
        let state = s.optimizer().state.clone();
        let mut cfg = p.training.clone();
        cfg.learning_rate = 0.02;
        cfg.batch_size = 64;
        cfg.l2 = 0.001;
        let said = s.apply_config(cfg.clone());
        assert!(
            said.iter().any(|w| w == "learning rate 0.01 → 0.02"),
            "{said:?}"
        );
        assert!(said.iter().any(|w| w == "batch size 32 → 64"), "{said:?}");
        assert_eq!(s.optimizer().state, state);
        assert_eq!(s.optimizer().t, 10);
        assert_eq!(s.optimizer().l2, f64::from(cfg.l2));
        assert_eq!(s.batch_size(), 64);
        // Adam's own settings change: the state is kept too.
        if let OptimizerSpec::Adam { beta1, .. } = &mut cfg.optimizer {
            *beta1 = 0.8;
        }
        s.apply_config(cfg.clone());
        assert_eq!(s.optimizer().state, state);
        // Another kind starts fresh.
        cfg.optimizer = OptimizerSpec::sgd();
        let said = s.apply_config(cfg);
        assert!(said[0].contains("Adam → SGD"), "{said:?}");
        assert!(s.optimizer().state.is_empty() && s.optimizer().t == 0);
        // Training goes on with the new settings.
        s.train_batch(1, 10).expect("step");
        assert_eq!(s.optimizer().t, 1);
    }

    #[test]
    fn a_batch_size_changed_mid_epoch_ends_the_epoch_with_the_data() {
        let (p, mut s) = trained();
        // 10 batches of 32 = 320 of 480 rows done; 160 left at 64 a batch.
        let mut cfg = p.training.clone();
        cfg.batch_size = 64;
        s.apply_config(cfg);
        let mut n = 0;
        while !s.epoch_done() {
            s.train_batch(1, 10 + n).expect("step");
            n += 1;
        }
        assert_eq!(n, 3);
    }
}
