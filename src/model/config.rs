//! `TrainConfig` and `DataSpec`: how the network is trained and on what.

/// The loss the network minimises.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LossKind {
    /// Mean squared error (regression).
    Mse,
    /// Mean absolute error (regression, robust to outliers).
    Mae,
    /// Huber: quadratic within `delta`, linear beyond.
    Huber {
        /// Where quadratic turns linear.
        delta: f32,
    },
    /// Softmax cross-entropy on logits (multi-class). If the graph ends in
    /// Softmax, computed on its probabilities without a second softmax.
    CrossEntropy,
    /// Binary cross-entropy on one logit per sample (two classes).
    BinaryCrossEntropy,
}

impl LossKind {
    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mse => "MSE",
            Self::Mae => "MAE",
            Self::Huber { .. } => "Huber",
            Self::CrossEntropy => "Cross-entropy",
            Self::BinaryCrossEntropy => "Binary cross-entropy",
        }
    }

    /// Whether the loss is for classification (targets are class labels).
    pub fn is_classification(self) -> bool {
        matches!(self, Self::CrossEntropy | Self::BinaryCrossEntropy)
    }
}

/// The optimizer and its settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerSpec {
    /// Stochastic gradient descent with optional (Nesterov) momentum.
    Sgd {
        /// Momentum coefficient (0 = plain SGD).
        momentum: f32,
        /// Nesterov's look-ahead momentum.
        nesterov: bool,
    },
    /// Adam (L2 weight decay added to the gradient).
    Adam {
        /// First-moment decay.
        beta1: f32,
        /// Second-moment decay.
        beta2: f32,
        /// Denominator guard.
        eps: f32,
    },
    /// AdamW: Adam with decoupled weight decay.
    AdamW {
        /// First-moment decay.
        beta1: f32,
        /// Second-moment decay.
        beta2: f32,
        /// Denominator guard.
        eps: f32,
        /// Decoupled weight decay.
        weight_decay: f32,
    },
    /// RMSprop.
    RmsProp {
        /// Smoothing constant.
        alpha: f32,
        /// Denominator guard.
        eps: f32,
        /// Momentum coefficient.
        momentum: f32,
    },
    /// Adagrad.
    Adagrad {
        /// Denominator guard.
        eps: f32,
    },
}

impl OptimizerSpec {
    /// Adam with PyTorch's defaults.
    pub fn adam() -> Self {
        Self::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }

    /// Plain SGD.
    pub fn sgd() -> Self {
        Self::Sgd {
            momentum: 0.0,
            nesterov: false,
        }
    }

    /// Display name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sgd { .. } => "SGD",
            Self::Adam { .. } => "Adam",
            Self::AdamW { .. } => "AdamW",
            Self::RmsProp { .. } => "RMSprop",
            Self::Adagrad { .. } => "Adagrad",
        }
    }
}

/// How the learning rate changes over training.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Schedule {
    /// The same rate throughout.
    #[default]
    Constant,
    /// Multiply by `gamma` every `every_epochs` epochs.
    Step {
        /// Epochs between drops.
        every_epochs: usize,
        /// Factor per drop.
        gamma: f32,
    },
    /// Multiply by `gamma` every epoch.
    Exponential {
        /// Factor per epoch.
        gamma: f32,
    },
    /// Cosine decay from the rate to `min_lr` over all epochs.
    Cosine {
        /// Final rate.
        min_lr: f32,
    },
    /// Linear warm-up from 0 over `steps` steps, then constant.
    Warmup {
        /// Warm-up length in steps.
        steps: usize,
    },
}

/// Early stopping on validation loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Whether to put back the weights of the best epoch.
    pub restore_best: bool,
}

/// Everything about how the network is trained.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// The loss.
    pub loss: LossKind,
    /// The optimizer.
    pub optimizer: OptimizerSpec,
    /// Initial learning rate.
    pub learning_rate: f32,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Samples per batch.
    pub batch_size: usize,
    /// Passes over the training data.
    pub epochs: usize,
    /// L1 penalty on weights (λ·Σ|w|).
    pub l1: f32,
    /// L2 penalty on weights (λ/2·Σw²).
    pub l2: f32,
    /// Clip the global gradient norm to this, if set.
    pub clip_grad_norm: Option<f32>,
    /// Stop early when validation loss stops improving.
    pub early_stopping: Option<EarlyStopping>,
    /// Stop when the validation loss reaches this.
    pub target_loss: Option<f32>,
    /// Stop when validation accuracy reaches this (classification).
    pub target_accuracy: Option<f32>,
    /// Seed for initialisation, shuffling, dropout and generated data.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            loss: LossKind::CrossEntropy,
            optimizer: OptimizerSpec::adam(),
            learning_rate: 0.01,
            schedule: Schedule::Constant,
            batch_size: 32,
            epochs: 50,
            l1: 0.0,
            l2: 0.0,
            clip_grad_norm: None,
            early_stopping: None,
            target_loss: None,
            target_accuracy: None,
            seed: 42,
        }
    }
}

/// A built-in generated data set.
#[derive(Clone, Debug, PartialEq)]
pub enum Generator {
    /// Two concentric rings (2 classes).
    Circles,
    /// Four quadrants, opposite ones the same class (2 classes).
    Xor,
    /// `classes` Gaussian blobs.
    Blobs {
        /// Number of blobs/classes.
        classes: usize,
    },
    /// `arms` interleaved spirals.
    Spiral {
        /// Number of arms/classes.
        arms: usize,
    },
    /// Two interleaving half circles.
    Moons,
    /// y = f(x) + noise on x ∈ [-1, 1] (or [-π, π] for sine).
    Function1D {
        /// Which function.
        function: Function1D,
    },
    /// y = a·x₁ + b·x₂ + c + noise.
    Plane,
    /// y = a mixture of Gaussians over the plane.
    GaussianMixture,
    /// Next value of a noisy sine wave from the previous `window` values.
    SineSequence {
        /// Time steps per sample.
        window: usize,
    },
    /// Which of `classes` wave shapes a sequence is.
    WaveShapes {
        /// Time steps per sample.
        window: usize,
        /// Number of shapes/classes.
        classes: usize,
    },
    /// y = a typed formula of x (`sin(3x) + 0.1x^2`) + noise, x uniform
    /// in [`from`, `to`].
    Formula {
        /// The formula, as typed.
        expression: String,
        /// Smallest x.
        from: f32,
        /// Largest x.
        to: f32,
    },
}

/// 1-D functions for regression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function1D {
    /// sin x.
    Sine,
    /// A cubic polynomial.
    Polynomial,
    /// A step.
    Step,
    /// |x|.
    Abs,
    /// A straight line y = a·x + b (linear regression).
    Linear,
}

/// A data set shipped with the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundled {
    /// 10,000 MNIST digits, 28×28 (8,000 train / 2,000 test).
    MnistSubset,
    /// 1,797 8×8 digits.
    Digits8x8,
    /// Fisher's iris, 150 rows, 3 classes.
    Iris,
    /// Diabetes progression, 442 rows, regression.
    Diabetes,
}

/// An input feature for 2-D sets (TensorFlow Playground's feature crosses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    /// x₁.
    X1,
    /// x₂.
    X2,
    /// x₁².
    X1Squared,
    /// x₂².
    X2Squared,
    /// x₁·x₂.
    X1X2,
    /// sin x₁.
    SinX1,
    /// sin x₂.
    SinX2,
}

/// How features are scaled (fitted on the training part only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Normalization {
    /// As they are.
    #[default]
    Off,
    /// Zero mean, unit variance per feature.
    Standardize,
    /// To [0, 1] per feature.
    MinMax,
}

/// Where the data comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    /// Generated on the fly.
    Generated {
        /// Which generator.
        generator: Generator,
        /// Number of samples.
        samples: usize,
        /// Noise level (generator-specific scale).
        noise: f32,
    },
    /// A data set bundled in `assets/`.
    Bundled(Bundled),
    /// A CSV file, by a path relative to the project file.
    Csv {
        /// Path relative to the project file (or absolute).
        path: String,
        /// Target column name; `None` = the last column.
        target: Option<String>,
        /// Whether the target is a class (text or integer) or a value.
        classification: bool,
        /// Drop rows with empty cells instead of reporting them.
        drop_empty: bool,
        /// Drop rows with a cell that is not a finite 32-bit number (NaN,
        /// inf, 1e400, 0x10, a control character) instead of refusing the
        /// file; how many were dropped is said.
        drop_bad: bool,
    },
    /// An IDX folder (MNIST layout), by a path relative to the project file.
    Idx {
        /// Folder with `train-images-idx3-ubyte(.gz)` etc.
        path: String,
    },
    /// Points painted by hand in the boundary view: a 2-D classification
    /// set saved in the project itself.
    Painted {
        /// Each point: x₁, x₂ and its class.
        points: Vec<(f32, f32, u32)>,
        /// How many classes can be painted (2 to 10).
        classes: usize,
    },
    /// NumPy arrays: inputs `[samples, sample shape…]` and labels, each a
    /// `.npy` file by a path relative to the project file.
    Npy {
        /// The inputs.
        path: String,
        /// The labels: a class (whole number from 0) or values per sample.
        labels: String,
        /// Whether the labels are classes.
        classification: bool,
    },
    /// NumPy arrays `x` (inputs) and `y` (labels) in one `.npz` archive,
    /// by a path relative to the project file.
    Npz {
        /// The archive.
        path: String,
        /// Whether `y` holds classes.
        classification: bool,
    },
    /// A folder with one subfolder of PNG, JPEG or BMP images per class,
    /// by a path relative to the project file.
    ImageFolder {
        /// The folder.
        path: String,
        /// `[width, height]` every image is resized to; `None`: the first
        /// image's size.
        size: Option<[usize; 2]>,
        /// 1 (grey) or 3 (colour); `None`: colour when any image is.
        channels: Option<usize>,
    },
    /// Random inputs of a given shape, standing in where no data fits a
    /// network yet (an imported model whose input no bundled set has):
    /// enough to inspect, trace and export it; choose real data to train.
    StandIn {
        /// Shape of one sample.
        shape: Vec<usize>,
        /// Number of classes, for classification.
        classes: Option<usize>,
        /// Values per sample, for regression.
        targets: usize,
        /// Number of samples.
        samples: usize,
    },
}

/// Everything about the data.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSpec {
    /// Where it comes from.
    pub source: DataSource,
    /// Fraction held out for validation (ignored where a set has its own test split).
    pub validation_split: f32,
    /// Feature scaling.
    pub normalization: Normalization,
    /// Input features for 2-D generated sets; empty = x₁, x₂.
    pub features: Vec<Feature>,
}

impl Default for DataSpec {
    fn default() -> Self {
        Self {
            source: DataSource::Generated {
                generator: Generator::Spiral { arms: 2 },
                samples: 500,
                noise: 0.1,
            },
            validation_split: 0.2,
            normalization: Normalization::Off,
            features: Vec::new(),
        }
    }
}
