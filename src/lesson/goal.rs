//! Goals: what a step asks for, checked by one pure function of the
//! project, its analysis and the runs of the step, so the window's
//! checklist and `lesson verify` agree.

use serde::{Deserialize, Serialize};

use crate::model::{Analysis, Init, LayerSpec, Project};

/// One thing a step asks for. Run goals look at the latest run of the step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Goal {
    /// The latest run's validation accuracy is at least this (0–1).
    ValAccuracy {
        /// The threshold.
        at_least: f64,
    },
    /// The latest run's validation R² is at least this.
    R2 {
        /// The threshold.
        at_least: f64,
    },
    /// The latest run's validation loss is at most this.
    ValLoss {
        /// The threshold.
        at_most: f64,
    },
    /// The latest run overfits: its training metric beats its validation
    /// metric by at least this.
    Overfits {
        /// Training minus validation metric.
        by_at_least: f64,
    },
    /// The latest run generalises: training and validation metric differ
    /// by at most this.
    Generalises {
        /// Largest training minus validation metric.
        gap_at_most: f64,
    },
    /// The network has at most this many parameters.
    Parameters {
        /// The budget.
        at_most: u64,
    },
    /// At most this many layers with weights (Dense, Conv2D, recurrent).
    Layers {
        /// The budget.
        at_most: usize,
    },
    /// The longest path from the input passes at least this many layers
    /// with weights.
    Depth {
        /// The least depth.
        at_least: usize,
    },
    /// A layer of this kind (as named on the nodes: "Dense", "ReLU",
    /// "BatchNorm", "LSTM", …) is in the network.
    Uses(String),
    /// No layer of this kind is in the network.
    Avoids(String),
    /// The optimizer is this one ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad").
    Optimizer(String),
    /// The loss is this one ("MSE", "MAE", "Huber", "Cross-entropy",
    /// "Binary cross-entropy").
    Loss(String),
    /// Every layer with weights starts with this initialiser ("Default",
    /// "XavierUniform", "XavierNormal", "HeUniform", "HeNormal", "LeCun",
    /// "Zeros", "Constant").
    Initialiser(String),
    /// The L2 penalty is at least this.
    L2 {
        /// The least λ.
        at_least: f32,
    },
    /// The learning rate is at most this.
    LearningRate {
        /// The largest rate.
        at_most: f32,
    },
    /// The latest run diverged.
    Diverged,
    /// The latest run trained at least this many epochs.
    Epochs {
        /// The least number of epochs.
        at_least: usize,
    },
    /// Two runs of the step compared: a run with optimizer `winner` ended
    /// with a lower validation loss than a run with optimizer `loser`.
    Beats {
        /// The optimizer that should win.
        winner: String,
        /// The optimizer it is compared with.
        loser: String,
    },
    /// At least two runs in this step, and the latest ended with a lower
    /// validation loss than the first.
    Improved,
    /// A sample was traced through the network (the Trace window).
    SampleTraced,
}

/// What one run left behind, for goals.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RunSummary {
    /// Epochs finished.
    pub epochs: usize,
    /// Whether training diverged.
    pub diverged: bool,
    /// The optimizer's display name ("Adam", …).
    pub optimizer: String,
    /// Final training loss (mean over the last epoch).
    pub train_loss: f64,
    /// Final validation loss.
    pub val_loss: f64,
    /// Final training accuracy or R².
    pub train_metric: f64,
    /// Final validation accuracy or R².
    pub val_metric: f64,
    /// Whether the metric is accuracy (classification) or R².
    pub classification: bool,
}

/// Everything a goal is checked against.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    /// The project as it is now.
    pub project: &'a Project,
    /// Its analysis (parameters).
    pub analysis: &'a Analysis,
    /// The runs of this step, oldest first.
    pub runs: &'a [RunSummary],
    /// Whether a sample was traced in this step.
    pub traced: bool,
}

/// Whether `goal` holds.
pub fn met(goal: &Goal, f: &Facts<'_>) -> bool {
    let latest = f.runs.last();
    let ok_run = |p: &dyn Fn(&RunSummary) -> bool| latest.is_some_and(|r| !r.diverged && p(r));
    let graph = &f.project.graph;
    let kinds = || graph.nodes().iter().map(|n| n.spec.kind_name());
    match goal {
        Goal::ValAccuracy { at_least } => {
            ok_run(&|r| r.classification && r.val_metric >= *at_least)
        }
        Goal::R2 { at_least } => ok_run(&|r| !r.classification && r.val_metric >= *at_least),
        Goal::ValLoss { at_most } => ok_run(&|r| r.val_loss <= *at_most),
        Goal::Overfits { by_at_least } => {
            ok_run(&|r| r.train_metric - r.val_metric >= *by_at_least)
        }
        Goal::Generalises { gap_at_most } => {
            ok_run(&|r| (r.train_metric - r.val_metric) <= *gap_at_most)
        }
        Goal::Parameters { at_most } => {
            !f.analysis.has_errors() && f.analysis.total_params <= *at_most
        }
        Goal::Layers { at_most } => weight_layers(f.project) <= *at_most,
        Goal::Depth { at_least } => depth(f.project) >= *at_least,
        Goal::Uses(kind) => kinds().any(|k| k == kind.as_str()),
        Goal::Avoids(kind) => !kinds().any(|k| k == kind.as_str()),
        Goal::Optimizer(name) => f.project.training.optimizer.name() == name.as_str(),
        Goal::Loss(name) => f.project.training.loss.name() == name.as_str(),
        Goal::Initialiser(name) => {
            let mut inits = graph.nodes().iter().filter_map(|n| init_of(&n.spec));
            let mut any = false;
            inits.all(|i| {
                any = true;
                init_name(i) == name.as_str()
            }) && any
        }
        Goal::L2 { at_least } => f.project.training.l2 >= *at_least,
        Goal::LearningRate { at_most } => f.project.training.learning_rate <= *at_most,
        Goal::Diverged => latest.is_some_and(|r| r.diverged),
        Goal::Epochs { at_least } => ok_run(&|r| r.epochs >= *at_least),
        Goal::Beats { winner, loser } => {
            let best = |name: &str| {
                f.runs
                    .iter()
                    .filter(|r| !r.diverged && r.optimizer == name && r.val_loss.is_finite())
                    .map(|r| r.val_loss)
                    .min_by(f64::total_cmp)
            };
            let worst_loser = f
                .runs
                .iter()
                .filter(|r| r.optimizer == *loser)
                .map(|r| {
                    if r.diverged {
                        f64::INFINITY
                    } else {
                        r.val_loss
                    }
                })
                .max_by(f64::total_cmp);
            matches!((best(winner), worst_loser), (Some(w), Some(l)) if w < l)
        }
        Goal::Improved => match (f.runs.first(), latest) {
            (Some(first), Some(last)) if f.runs.len() >= 2 && !last.diverged => {
                let before = if first.diverged {
                    f64::INFINITY
                } else {
                    first.val_loss
                };
                last.val_loss < before
            }
            _ => false,
        },
        Goal::SampleTraced => f.traced,
    }
}

/// Whether a goal needs a run to be checked (so `verify` trains).
pub fn needs_run(goal: &Goal) -> bool {
    matches!(
        goal,
        Goal::ValAccuracy { .. }
            | Goal::R2 { .. }
            | Goal::ValLoss { .. }
            | Goal::Overfits { .. }
            | Goal::Generalises { .. }
            | Goal::Diverged
            | Goal::Epochs { .. }
            | Goal::Beats { .. }
            | Goal::Improved
    )
}

/// The checklist line for a goal.
pub fn describe(goal: &Goal) -> String {
    match goal {
        Goal::ValAccuracy { at_least } => {
            format!("validation accuracy ≥ {:.0} %", at_least * 100.0)
        }
        Goal::R2 { at_least } => format!("validation R² ≥ {at_least}"),
        Goal::ValLoss { at_most } => format!("validation loss ≤ {at_most}"),
        Goal::Overfits { by_at_least } => format!(
            "overfit: training beats validation by ≥ {}",
            fmt_metric(*by_at_least)
        ),
        Goal::Generalises { gap_at_most } => format!(
            "generalise: training and validation within {}",
            fmt_metric(*gap_at_most)
        ),
        Goal::Parameters { at_most } => format!("at most {at_most} parameters"),
        Goal::Layers { at_most: 1 } => "at most 1 layer with weights".to_owned(),
        Goal::Layers { at_most } => format!("at most {at_most} layers with weights"),
        Goal::Depth { at_least } => {
            format!("at least {at_least} layers with weights one after another")
        }
        Goal::Uses(kind) => format!("the network uses {kind}"),
        Goal::Avoids(kind) => format!("no {kind} layer left"),
        Goal::Optimizer(name) => format!("optimizer: {name}"),
        Goal::Loss(name) => format!("loss: {name}"),
        Goal::Initialiser(name) => format!("every layer with weights starts with {name}"),
        Goal::L2 { at_least } => format!("L2 penalty ≥ {at_least}"),
        Goal::LearningRate { at_most } => format!("learning rate ≤ {at_most}"),
        Goal::Diverged => "a run diverges".to_owned(),
        Goal::Epochs { at_least } => format!("a run trains ≥ {at_least} epochs"),
        Goal::Beats { winner, loser } => {
            format!("runs compared: {winner} ends with a lower validation loss than {loser}")
        }
        Goal::Improved => "a second run ends with a lower validation loss than the first".into(),
        Goal::SampleTraced => "trace one sample through the network".into(),
    }
}

fn fmt_metric(v: f64) -> String {
    format!("{v}")
}

/// The initialiser of a layer with weights.
pub fn init_of(spec: &LayerSpec) -> Option<Init> {
    match spec {
        LayerSpec::Dense(d) => Some(d.init),
        LayerSpec::Conv2D(c) => Some(c.init),
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => Some(r.init),
        _ => None,
    }
}

/// The name of an initialiser as goals write it.
pub fn init_name(i: Init) -> &'static str {
    match i {
        Init::Default => "Default",
        Init::XavierUniform => "XavierUniform",
        Init::XavierNormal => "XavierNormal",
        Init::HeUniform => "HeUniform",
        Init::HeNormal => "HeNormal",
        Init::LeCun => "LeCun",
        Init::Zeros => "Zeros",
        Init::Constant(_) => "Constant",
    }
}

/// Initialiser names goals accept.
pub const INIT_NAMES: [&str; 8] = [
    "Default",
    "XavierUniform",
    "XavierNormal",
    "HeUniform",
    "HeNormal",
    "LeCun",
    "Zeros",
    "Constant",
];
/// Optimizer names goals accept.
pub const OPTIMIZER_NAMES: [&str; 5] = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"];
/// Loss names goals accept.
pub const LOSS_NAMES: [&str; 5] = [
    "MSE",
    "MAE",
    "Huber",
    "Cross-entropy",
    "Binary cross-entropy",
];

fn has_weights(spec: &LayerSpec) -> bool {
    init_of(spec).is_some()
}

/// Layers with weights in the project.
pub fn weight_layers(p: &Project) -> usize {
    p.graph
        .nodes()
        .iter()
        .filter(|n| has_weights(&n.spec))
        .count()
}

/// Layers with weights on the longest path (0 for a graph with a cycle).
pub fn depth(p: &Project) -> usize {
    let g = &p.graph;
    let Ok(order) = g.topo_order() else {
        return 0;
    };
    let mut best = std::collections::BTreeMap::new();
    let mut deepest = 0;
    for id in order {
        let here = usize::from(g.node(id).is_some_and(|n| has_weights(&n.spec)));
        let before = g
            .inputs_of(id)
            .iter()
            .filter_map(|e| best.get(&e.from).copied())
            .max()
            .unwrap_or(0);
        best.insert(id, before + here);
        deepest = deepest.max(before + here);
    }
    deepest
}
