//! The data and training settings as the file format writes them (format
//! version 1): the file's own types, converted to and from [`DataSpec`] and
//! [`TrainConfig`], so renaming a field or variant of the model cannot
//! silently change the format. Defaults for missing fields are written out
//! here, frozen with the format, rather than taken from the model.

use serde::{Deserialize, Serialize};

/// The loss the network minimises.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum LossFile {
    Mse,
    Mae,
    Huber { delta: f32 },
    CrossEntropy,
    BinaryCrossEntropy,
}

/// The optimizer and its settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum OptimizerFile {
    Sgd {
        momentum: f32,
        nesterov: bool,
    },
    Adam {
        beta1: f32,
        beta2: f32,
        eps: f32,
    },
    AdamW {
        beta1: f32,
        beta2: f32,
        eps: f32,
        weight_decay: f32,
    },
    RmsProp {
        alpha: f32,
        eps: f32,
        momentum: f32,
    },
    Adagrad {
        eps: f32,
    },
}

/// How the learning rate changes over training.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[allow(missing_docs)]
pub enum ScheduleFile {
    #[default]
    Constant,
    Step {
        every_epochs: usize,
        gamma: f32,
    },
    Exponential {
        gamma: f32,
    },
    Cosine {
        min_lr: f32,
    },
    Warmup {
        steps: usize,
    },
}

/// Early stopping on validation loss.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct EarlyStoppingFile {
    pub patience: usize,
    pub restore_best: bool,
}

/// How the network is trained, as written in a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct TrainingFile {
    pub loss: LossFile,
    pub optimizer: OptimizerFile,
    pub learning_rate: f32,
    pub schedule: ScheduleFile,
    pub batch_size: usize,
    pub epochs: usize,
    pub l1: f32,
    pub l2: f32,
    pub clip_grad_norm: Option<f32>,
    pub early_stopping: Option<EarlyStoppingFile>,
    pub target_loss: Option<f32>,
    pub target_accuracy: Option<f32>,
    pub seed: u64,
}

impl Default for TrainingFile {
    /// The format-1 defaults for missing training settings.
    fn default() -> Self {
        Self {
            loss: LossFile::CrossEntropy,
            optimizer: OptimizerFile::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
            learning_rate: 0.01,
            schedule: ScheduleFile::Constant,
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum GeneratorFile {
    Circles,
    Xor,
    Blobs {
        classes: usize,
    },
    Spiral {
        arms: usize,
    },
    Moons,
    Function1D {
        function: Function1DFile,
    },
    Plane,
    GaussianMixture,
    SineSequence {
        window: usize,
    },
    WaveShapes {
        window: usize,
        classes: usize,
    },
    /// Added in format 1 without a version change: files that do not use
    /// it are unchanged.
    Formula(FormulaFile),
}

/// A typed formula of x and its range (`Formula((expression: "sin(3x)",
/// from: -2.0, to: 2.0))`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct FormulaFile {
    pub expression: String,
    pub from: f32,
    pub to: f32,
}

/// 1-D functions for regression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Function1DFile {
    Sine,
    Polynomial,
    Step,
    Abs,
    Linear,
}

/// A data set shipped with the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum BundledFile {
    MnistSubset,
    Digits8x8,
    Iris,
    Diabetes,
}

/// An input feature for 2-D sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum FeatureFile {
    X1,
    X2,
    X1Squared,
    X2Squared,
    X1X2,
    SinX1,
    SinX2,
}

/// How features are scaled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[allow(missing_docs)]
pub enum NormalizationFile {
    #[default]
    Off,
    Standardize,
    MinMax,
}

/// Where the data comes from, as written in a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum DataSourceFile {
    Generated {
        generator: GeneratorFile,
        samples: usize,
        noise: f32,
    },
    Bundled(BundledFile),
    Csv {
        path: String,
        target: Option<String>,
        classification: bool,
        #[serde(default)]
        drop_empty: bool,
        /// Added in format 1 without a version change: missing means
        /// `false`, and `false` is not written, so files that do not use it
        /// stay byte for byte as before.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        drop_bad: bool,
    },
    Idx {
        path: String,
    },
    /// Added in format 1 without a version change: files that do not use
    /// it are unchanged. Points are `(x₁, x₂, class)`.
    Painted {
        points: Vec<(f32, f32, u32)>,
        #[serde(default = "two_classes")]
        classes: usize,
    },
    Npy {
        path: String,
        labels: String,
        #[serde(default)]
        classification: bool,
    },
    Npz {
        path: String,
        #[serde(default)]
        classification: bool,
    },
    ImageFolder {
        path: String,
        #[serde(default)]
        size: Option<[usize; 2]>,
        #[serde(default)]
        channels: Option<usize>,
    },
    StandIn {
        shape: Vec<usize>,
        #[serde(default)]
        classes: Option<usize>,
        #[serde(default = "one")]
        targets: usize,
        #[serde(default = "stand_in_samples")]
        samples: usize,
    },
}

fn one() -> usize {
    1
}

fn stand_in_samples() -> usize {
    crate::data::standin::DEFAULT_SAMPLES
}

fn two_classes() -> usize {
    2
}

/// Everything about the data, as written in a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct DataFile {
    pub source: DataSourceFile,
    pub validation_split: f32,
    pub normalization: NormalizationFile,
    pub features: Vec<FeatureFile>,
}

impl Default for DataFile {
    /// The format-1 defaults for missing data settings.
    fn default() -> Self {
        Self {
            source: DataSourceFile::Generated {
                generator: GeneratorFile::Spiral { arms: 2 },
                samples: 500,
                noise: 0.1,
            },
            validation_split: 0.2,
            normalization: NormalizationFile::Off,
            features: Vec::new(),
        }
    }
}

mod convert;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        DataSource, DataSpec, EarlyStopping, Feature, LossKind, Normalization, OptimizerSpec,
        Schedule, TrainConfig,
    };

    #[test]
    fn missing_fields_take_the_format_defaults() {
        let t: TrainingFile = ron::from_str("(epochs: 3)").unwrap();
        let t = TrainConfig::from(&t);
        assert_eq!(t.epochs, 3);
        assert_eq!(
            TrainConfig { epochs: 50, ..t },
            TrainConfig::default(),
            "the format's training defaults agree with the model's today"
        );
        let d: DataFile = ron::from_str("(validation_split: 0.5)").unwrap();
        let d = DataSpec::from(&d);
        assert_eq!(d.validation_split, 0.5);
        assert_eq!(
            DataSpec {
                validation_split: 0.2,
                ..d
            },
            DataSpec::default(),
            "the format's data defaults agree with the model's today"
        );
    }

    #[test]
    fn settings_convert_both_ways() {
        let t = TrainConfig {
            loss: LossKind::Huber { delta: 0.3 },
            optimizer: OptimizerSpec::RmsProp {
                alpha: 0.9,
                eps: 1e-6,
                momentum: 0.2,
            },
            schedule: Schedule::Step {
                every_epochs: 3,
                gamma: 0.1,
            },
            clip_grad_norm: Some(2.0),
            early_stopping: Some(EarlyStopping {
                patience: 2,
                restore_best: true,
            }),
            target_accuracy: Some(0.9),
            ..TrainConfig::default()
        };
        assert_eq!(TrainConfig::from(&TrainingFile::from(&t)), t);
        let d = DataSpec {
            source: DataSource::Csv {
                path: "a.csv".into(),
                target: Some("y".into()),
                classification: true,
                drop_empty: true,
                drop_bad: true,
            },
            normalization: Normalization::MinMax,
            features: vec![Feature::X1X2, Feature::SinX2],
            ..DataSpec::default()
        };
        assert_eq!(DataSpec::from(&DataFile::from(&d)), d);
    }
}
