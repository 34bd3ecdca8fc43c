//! The lesson file's types (format version 1): a versioned RON document
//! with a title, its length in minutes, the concepts it teaches and its
//! steps. These types are the file format; they change only with a new
//! version number.

use serde::{Deserialize, Serialize};

use super::edit::Edit;
use super::goal::Goal;
use crate::project::ProjectFileV1;

/// The lesson format version this program writes and the newest it reads.
pub const LESSON_VERSION: u32 = 1;

/// A lesson file, format version 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "lesson")]
pub struct LessonFile {
    /// Format version; always [`LESSON_VERSION`] when written.
    pub version: u32,
    /// The lesson's title.
    pub title: String,
    /// How long it takes a first-course student, in minutes.
    pub minutes: u32,
    /// What it teaches (at least one).
    pub concepts: Vec<Concept>,
    /// Whether the window may show the solution on request.
    #[serde(default)]
    pub show_solution: bool,
    /// The steps, in order (at least one).
    pub steps: Vec<Step>,
}

/// A concept a lesson teaches: the fourteen names of a first course.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Concept {
    MlpSigmoid,
    LinearRegression,
    GradientDescent,
    Backprop,
    Activations,
    MseVsCrossEntropy,
    Optimizers,
    Initialisation,
    Regularisation,
    BatchNorm,
    BiasVariance,
    Cnn,
    RnnLstm,
    CostFunctions,
}

impl Concept {
    /// Every concept, in the order.
    pub const ALL: [Concept; 14] = [
        Self::MlpSigmoid,
        Self::LinearRegression,
        Self::GradientDescent,
        Self::Backprop,
        Self::Activations,
        Self::MseVsCrossEntropy,
        Self::Optimizers,
        Self::Initialisation,
        Self::Regularisation,
        Self::BatchNorm,
        Self::BiasVariance,
        Self::Cnn,
        Self::RnnLstm,
        Self::CostFunctions,
    ];

    /// The name written in files and in `lesson verify --json`.
    pub fn key(self) -> &'static str {
        match self {
            Self::MlpSigmoid => "mlp_sigmoid",
            Self::LinearRegression => "linear_regression",
            Self::GradientDescent => "gradient_descent",
            Self::Backprop => "backprop",
            Self::Activations => "activations",
            Self::MseVsCrossEntropy => "mse_vs_cross_entropy",
            Self::Optimizers => "optimizers",
            Self::Initialisation => "initialisation",
            Self::Regularisation => "regularisation",
            Self::BatchNorm => "batch_norm",
            Self::BiasVariance => "bias_variance",
            Self::Cnn => "cnn",
            Self::RnnLstm => "rnn_lstm",
            Self::CostFunctions => "cost_functions",
        }
    }
}

/// One step of a lesson.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "step")]
pub struct Step {
    /// A short heading.
    pub title: String,
    /// What to do, what to watch and why: paragraphs separated by a blank
    /// line, `*emphasis*`, formulas between `$` signs (see
    /// [`text`](super::text)).
    pub text: String,
    /// The project the step starts from.
    #[serde(default)]
    pub start: Start,
    /// Palette entries shown (layer kind names as on the nodes: "Dense",
    /// "ReLU", …); empty shows them all.
    #[serde(default)]
    pub palette: Vec<String>,
    /// Controls the student cannot change in this step.
    #[serde(default)]
    pub locked: Vec<Control>,
    /// What the program checks; empty means "look, then press Next".
    #[serde(default)]
    pub goals: Vec<Goal>,
    /// Hints, shown one at a time on request.
    #[serde(default)]
    pub hints: Vec<String>,
    /// The edits that reach the goals from the start (used by `verify`).
    #[serde(default)]
    pub solution: Vec<Edit>,
}

/// Where a step's project comes from.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub enum Start {
    /// Keep the project as the previous step left it (the first step
    /// keeps whatever is open).
    #[default]
    Continue,
    /// A bundled example: a file name in the program's `projects/` folder.
    Example(String),
    /// A whole project written in the lesson.
    Inline(Box<ProjectFileV1>),
}

/// A control a step can lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Control {
    /// Adding, removing and rewiring layers.
    Graph,
    Data,
    Loss,
    Optimizer,
    LearningRate,
    BatchSize,
    Epochs,
    Regularisation,
    Seed,
}

impl Control {
    /// The controls of the Training tab.
    pub const TRAINING: [Control; 7] = [
        Self::Loss,
        Self::Optimizer,
        Self::LearningRate,
        Self::BatchSize,
        Self::Epochs,
        Self::Regularisation,
        Self::Seed,
    ];

    /// How the window names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Graph => "the network's structure",
            Self::Data => "the data",
            Self::Loss => "the loss",
            Self::Optimizer => "the optimizer",
            Self::LearningRate => "the learning rate",
            Self::BatchSize => "the batch size",
            Self::Epochs => "the epochs",
            Self::Regularisation => "the regularisation",
            Self::Seed => "the seed",
        }
    }
}
