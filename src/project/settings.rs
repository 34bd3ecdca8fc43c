//! The data and training settings as the file format writes them (format
//! version 1): the file's own types, converted to and from [`DataSpec`] and
//! [`TrainConfig`], so renaming a field or variant of the model cannot
//! silently change the format. Defaults for missing fields are written out
//! here, frozen with the format, rather than taken from the model.

use serde::{Deserialize, Serialize};

use crate::model::{
    Bundled, DataSource, DataSpec, EarlyStopping, Feature, Function1D, Generator, LossKind,
    Normalization, OptimizerSpec, Schedule, TrainConfig,
};

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
    Blobs { classes: usize },
    Spiral { arms: usize },
    Moons,
    Function1D { function: Function1DFile },
    Plane,
    GaussianMixture,
    SineSequence { window: usize },
    WaveShapes { window: usize, classes: usize },
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
    },
    Idx {
        path: String,
    },
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

impl From<LossKind> for LossFile {
    fn from(l: LossKind) -> Self {
        match l {
            LossKind::Mse => Self::Mse,
            LossKind::Mae => Self::Mae,
            LossKind::Huber { delta } => Self::Huber { delta },
            LossKind::CrossEntropy => Self::CrossEntropy,
            LossKind::BinaryCrossEntropy => Self::BinaryCrossEntropy,
        }
    }
}

impl From<LossFile> for LossKind {
    fn from(l: LossFile) -> Self {
        match l {
            LossFile::Mse => Self::Mse,
            LossFile::Mae => Self::Mae,
            LossFile::Huber { delta } => Self::Huber { delta },
            LossFile::CrossEntropy => Self::CrossEntropy,
            LossFile::BinaryCrossEntropy => Self::BinaryCrossEntropy,
        }
    }
}

impl From<OptimizerSpec> for OptimizerFile {
    fn from(o: OptimizerSpec) -> Self {
        match o {
            OptimizerSpec::Sgd { momentum, nesterov } => Self::Sgd { momentum, nesterov },
            OptimizerSpec::Adam { beta1, beta2, eps } => Self::Adam { beta1, beta2, eps },
            OptimizerSpec::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
            } => Self::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
            },
            OptimizerSpec::RmsProp {
                alpha,
                eps,
                momentum,
            } => Self::RmsProp {
                alpha,
                eps,
                momentum,
            },
            OptimizerSpec::Adagrad { eps } => Self::Adagrad { eps },
        }
    }
}

impl From<OptimizerFile> for OptimizerSpec {
    fn from(o: OptimizerFile) -> Self {
        match o {
            OptimizerFile::Sgd { momentum, nesterov } => Self::Sgd { momentum, nesterov },
            OptimizerFile::Adam { beta1, beta2, eps } => Self::Adam { beta1, beta2, eps },
            OptimizerFile::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
            } => Self::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
            },
            OptimizerFile::RmsProp {
                alpha,
                eps,
                momentum,
            } => Self::RmsProp {
                alpha,
                eps,
                momentum,
            },
            OptimizerFile::Adagrad { eps } => Self::Adagrad { eps },
        }
    }
}

impl From<Schedule> for ScheduleFile {
    fn from(s: Schedule) -> Self {
        match s {
            Schedule::Constant => Self::Constant,
            Schedule::Step {
                every_epochs,
                gamma,
            } => Self::Step {
                every_epochs,
                gamma,
            },
            Schedule::Exponential { gamma } => Self::Exponential { gamma },
            Schedule::Cosine { min_lr } => Self::Cosine { min_lr },
            Schedule::Warmup { steps } => Self::Warmup { steps },
        }
    }
}

impl From<ScheduleFile> for Schedule {
    fn from(s: ScheduleFile) -> Self {
        match s {
            ScheduleFile::Constant => Self::Constant,
            ScheduleFile::Step {
                every_epochs,
                gamma,
            } => Self::Step {
                every_epochs,
                gamma,
            },
            ScheduleFile::Exponential { gamma } => Self::Exponential { gamma },
            ScheduleFile::Cosine { min_lr } => Self::Cosine { min_lr },
            ScheduleFile::Warmup { steps } => Self::Warmup { steps },
        }
    }
}

impl From<&TrainConfig> for TrainingFile {
    fn from(t: &TrainConfig) -> Self {
        Self {
            loss: t.loss.into(),
            optimizer: t.optimizer.into(),
            learning_rate: t.learning_rate,
            schedule: t.schedule.into(),
            batch_size: t.batch_size,
            epochs: t.epochs,
            l1: t.l1,
            l2: t.l2,
            clip_grad_norm: t.clip_grad_norm,
            early_stopping: t.early_stopping.map(|e| EarlyStoppingFile {
                patience: e.patience,
                restore_best: e.restore_best,
            }),
            target_loss: t.target_loss,
            target_accuracy: t.target_accuracy,
            seed: t.seed,
        }
    }
}

impl From<&TrainingFile> for TrainConfig {
    fn from(t: &TrainingFile) -> Self {
        Self {
            loss: t.loss.into(),
            optimizer: t.optimizer.into(),
            learning_rate: t.learning_rate,
            schedule: t.schedule.into(),
            batch_size: t.batch_size,
            epochs: t.epochs,
            l1: t.l1,
            l2: t.l2,
            clip_grad_norm: t.clip_grad_norm,
            early_stopping: t.early_stopping.map(|e| EarlyStopping {
                patience: e.patience,
                restore_best: e.restore_best,
            }),
            target_loss: t.target_loss,
            target_accuracy: t.target_accuracy,
            seed: t.seed,
        }
    }
}

impl From<Function1D> for Function1DFile {
    fn from(f: Function1D) -> Self {
        match f {
            Function1D::Sine => Self::Sine,
            Function1D::Polynomial => Self::Polynomial,
            Function1D::Step => Self::Step,
            Function1D::Abs => Self::Abs,
            Function1D::Linear => Self::Linear,
        }
    }
}

impl From<Function1DFile> for Function1D {
    fn from(f: Function1DFile) -> Self {
        match f {
            Function1DFile::Sine => Self::Sine,
            Function1DFile::Polynomial => Self::Polynomial,
            Function1DFile::Step => Self::Step,
            Function1DFile::Abs => Self::Abs,
            Function1DFile::Linear => Self::Linear,
        }
    }
}

impl From<&Generator> for GeneratorFile {
    fn from(g: &Generator) -> Self {
        match *g {
            Generator::Circles => Self::Circles,
            Generator::Xor => Self::Xor,
            Generator::Blobs { classes } => Self::Blobs { classes },
            Generator::Spiral { arms } => Self::Spiral { arms },
            Generator::Moons => Self::Moons,
            Generator::Function1D { function } => Self::Function1D {
                function: function.into(),
            },
            Generator::Plane => Self::Plane,
            Generator::GaussianMixture => Self::GaussianMixture,
            Generator::SineSequence { window } => Self::SineSequence { window },
            Generator::WaveShapes { window, classes } => Self::WaveShapes { window, classes },
        }
    }
}

impl From<&GeneratorFile> for Generator {
    fn from(g: &GeneratorFile) -> Self {
        match *g {
            GeneratorFile::Circles => Self::Circles,
            GeneratorFile::Xor => Self::Xor,
            GeneratorFile::Blobs { classes } => Self::Blobs { classes },
            GeneratorFile::Spiral { arms } => Self::Spiral { arms },
            GeneratorFile::Moons => Self::Moons,
            GeneratorFile::Function1D { function } => Self::Function1D {
                function: function.into(),
            },
            GeneratorFile::Plane => Self::Plane,
            GeneratorFile::GaussianMixture => Self::GaussianMixture,
            GeneratorFile::SineSequence { window } => Self::SineSequence { window },
            GeneratorFile::WaveShapes { window, classes } => Self::WaveShapes { window, classes },
        }
    }
}

impl From<Bundled> for BundledFile {
    fn from(b: Bundled) -> Self {
        match b {
            Bundled::MnistSubset => Self::MnistSubset,
            Bundled::Digits8x8 => Self::Digits8x8,
            Bundled::Iris => Self::Iris,
            Bundled::Diabetes => Self::Diabetes,
        }
    }
}

impl From<BundledFile> for Bundled {
    fn from(b: BundledFile) -> Self {
        match b {
            BundledFile::MnistSubset => Self::MnistSubset,
            BundledFile::Digits8x8 => Self::Digits8x8,
            BundledFile::Iris => Self::Iris,
            BundledFile::Diabetes => Self::Diabetes,
        }
    }
}

impl From<Feature> for FeatureFile {
    fn from(f: Feature) -> Self {
        match f {
            Feature::X1 => Self::X1,
            Feature::X2 => Self::X2,
            Feature::X1Squared => Self::X1Squared,
            Feature::X2Squared => Self::X2Squared,
            Feature::X1X2 => Self::X1X2,
            Feature::SinX1 => Self::SinX1,
            Feature::SinX2 => Self::SinX2,
        }
    }
}

impl From<FeatureFile> for Feature {
    fn from(f: FeatureFile) -> Self {
        match f {
            FeatureFile::X1 => Self::X1,
            FeatureFile::X2 => Self::X2,
            FeatureFile::X1Squared => Self::X1Squared,
            FeatureFile::X2Squared => Self::X2Squared,
            FeatureFile::X1X2 => Self::X1X2,
            FeatureFile::SinX1 => Self::SinX1,
            FeatureFile::SinX2 => Self::SinX2,
        }
    }
}

impl From<Normalization> for NormalizationFile {
    fn from(n: Normalization) -> Self {
        match n {
            Normalization::Off => Self::Off,
            Normalization::Standardize => Self::Standardize,
            Normalization::MinMax => Self::MinMax,
        }
    }
}

impl From<NormalizationFile> for Normalization {
    fn from(n: NormalizationFile) -> Self {
        match n {
            NormalizationFile::Off => Self::Off,
            NormalizationFile::Standardize => Self::Standardize,
            NormalizationFile::MinMax => Self::MinMax,
        }
    }
}

impl From<&DataSource> for DataSourceFile {
    fn from(s: &DataSource) -> Self {
        match s {
            DataSource::Generated {
                generator,
                samples,
                noise,
            } => Self::Generated {
                generator: generator.into(),
                samples: *samples,
                noise: *noise,
            },
            DataSource::Bundled(b) => Self::Bundled((*b).into()),
            DataSource::Csv {
                path,
                target,
                classification,
                drop_empty,
            } => Self::Csv {
                path: path.clone(),
                target: target.clone(),
                classification: *classification,
                drop_empty: *drop_empty,
            },
            DataSource::Idx { path } => Self::Idx { path: path.clone() },
        }
    }
}

impl From<&DataSourceFile> for DataSource {
    fn from(s: &DataSourceFile) -> Self {
        match s {
            DataSourceFile::Generated {
                generator,
                samples,
                noise,
            } => Self::Generated {
                generator: generator.into(),
                samples: *samples,
                noise: *noise,
            },
            DataSourceFile::Bundled(b) => Self::Bundled((*b).into()),
            DataSourceFile::Csv {
                path,
                target,
                classification,
                drop_empty,
            } => Self::Csv {
                path: path.clone(),
                target: target.clone(),
                classification: *classification,
                drop_empty: *drop_empty,
            },
            DataSourceFile::Idx { path } => Self::Idx { path: path.clone() },
        }
    }
}

impl From<&DataSpec> for DataFile {
    fn from(d: &DataSpec) -> Self {
        Self {
            source: (&d.source).into(),
            validation_split: d.validation_split,
            normalization: d.normalization.into(),
            features: d.features.iter().map(|&f| f.into()).collect(),
        }
    }
}

impl From<&DataFile> for DataSpec {
    fn from(d: &DataFile) -> Self {
        Self {
            source: (&d.source).into(),
            validation_split: d.validation_split,
            normalization: d.normalization.into(),
            features: d.features.iter().map(|&f| f.into()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            },
            normalization: Normalization::MinMax,
            features: vec![Feature::X1X2, Feature::SinX2],
            ..DataSpec::default()
        };
        assert_eq!(DataSpec::from(&DataFile::from(&d)), d);
    }
}
