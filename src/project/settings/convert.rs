//! Conversions between the file's settings types and the model's, both ways.

use super::*;
use crate::model::{
    Bundled, DataSource, DataSpec, EarlyStopping, Feature, Function1D, Generator, LossKind,
    Normalization, OptimizerSpec, Schedule, TrainConfig,
};

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
            Generator::Formula {
                ref expression,
                from,
                to,
            } => Self::Formula(super::FormulaFile {
                expression: expression.clone(),
                from,
                to,
            }),
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
            GeneratorFile::Formula(ref f) => Self::Formula {
                expression: f.expression.clone(),
                from: f.from,
                to: f.to,
            },
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
                drop_bad,
            } => Self::Csv {
                path: path.clone(),
                target: target.clone(),
                classification: *classification,
                drop_empty: *drop_empty,
                drop_bad: *drop_bad,
            },
            DataSource::Idx { path } => Self::Idx { path: path.clone() },
            DataSource::Painted { points, classes } => Self::Painted {
                points: points.clone(),
                classes: *classes,
            },
            DataSource::Npy {
                path,
                labels,
                classification,
            } => Self::Npy {
                path: path.clone(),
                labels: labels.clone(),
                classification: *classification,
            },
            DataSource::Npz {
                path,
                classification,
            } => Self::Npz {
                path: path.clone(),
                classification: *classification,
            },
            DataSource::ImageFolder {
                path,
                size,
                channels,
            } => Self::ImageFolder {
                path: path.clone(),
                size: *size,
                channels: *channels,
            },
            DataSource::StandIn {
                shape,
                classes,
                targets,
                samples,
            } => Self::StandIn {
                shape: shape.clone(),
                classes: *classes,
                targets: *targets,
                samples: *samples,
            },
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
                drop_bad,
            } => Self::Csv {
                path: path.clone(),
                target: target.clone(),
                classification: *classification,
                drop_empty: *drop_empty,
                drop_bad: *drop_bad,
            },
            DataSourceFile::Idx { path } => Self::Idx { path: path.clone() },
            DataSourceFile::Painted { points, classes } => Self::Painted {
                points: points.clone(),
                classes: *classes,
            },
            DataSourceFile::Npy {
                path,
                labels,
                classification,
            } => Self::Npy {
                path: path.clone(),
                labels: labels.clone(),
                classification: *classification,
            },
            DataSourceFile::Npz {
                path,
                classification,
            } => Self::Npz {
                path: path.clone(),
                classification: *classification,
            },
            DataSourceFile::ImageFolder {
                path,
                size,
                channels,
            } => Self::ImageFolder {
                path: path.clone(),
                size: *size,
                channels: *channels,
            },
            DataSourceFile::StandIn {
                shape,
                classes,
                targets,
                samples,
            } => Self::StandIn {
                shape: shape.clone(),
                classes: *classes,
                targets: *targets,
                samples: *samples,
            },
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
