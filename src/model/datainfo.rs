//! What shape inference needs to know about the data, without loading it.

use super::{Bundled, DataSource, DataSpec, Feature, Generator};

/// The parts of a dataset that shape inference and validation use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataInfo {
    /// Shape of one input sample, e.g. `[2]`, `[1, 28, 28]`, `[20, 1]`.
    pub input_shape: Vec<usize>,
    /// Number of classes for classification, `None` for regression.
    pub classes: Option<usize>,
    /// Number of regression targets (1 for classification sets).
    pub targets: usize,
}

impl DataInfo {
    /// What an "auto" output layer should have for the given loss: one unit
    /// per class (one in all for binary cross-entropy), or one per target.
    pub fn auto_units(&self, loss: super::LossKind) -> usize {
        match (self.classes, loss) {
            (Some(_), super::LossKind::BinaryCrossEntropy) => 1,
            (Some(k), _) => k,
            (None, _) => self.targets,
        }
    }
}

/// The data's shape as far as the spec alone tells it: generated and bundled
/// sets are known; CSV and IDX files are known only once loaded (`None`).
pub fn data_info(spec: &DataSpec) -> Option<DataInfo> {
    let features = if spec.features.is_empty() {
        2
    } else {
        let mut f: Vec<Feature> = spec.features.clone();
        f.sort();
        f.dedup();
        f.len()
    };
    let classification = |k: usize| DataInfo {
        input_shape: vec![features],
        classes: Some(k),
        targets: 1,
    };
    match &spec.source {
        DataSource::Generated { generator, .. } => Some(match generator {
            Generator::Circles | Generator::Xor | Generator::Moons => classification(2),
            Generator::Blobs { classes } => classification(*classes),
            Generator::Spiral { arms } => classification(*arms),
            Generator::Function1D { .. } | Generator::Formula { .. } => DataInfo {
                input_shape: vec![1],
                classes: None,
                targets: 1,
            },
            Generator::Plane | Generator::GaussianMixture => DataInfo {
                input_shape: vec![features],
                classes: None,
                targets: 1,
            },
            Generator::SineSequence { window } => DataInfo {
                input_shape: vec![*window, 1],
                classes: None,
                targets: 1,
            },
            Generator::WaveShapes { window, classes } => DataInfo {
                input_shape: vec![*window, 1],
                classes: Some(*classes),
                targets: 1,
            },
        }),
        DataSource::Bundled(b) => Some(match b {
            Bundled::MnistSubset => DataInfo {
                input_shape: vec![1, 28, 28],
                classes: Some(10),
                targets: 1,
            },
            Bundled::Digits8x8 => DataInfo {
                input_shape: vec![64],
                classes: Some(10),
                targets: 1,
            },
            Bundled::Iris => DataInfo {
                input_shape: vec![4],
                classes: Some(3),
                targets: 1,
            },
            Bundled::Diabetes => DataInfo {
                input_shape: vec![10],
                classes: None,
                targets: 1,
            },
        }),
        DataSource::Painted { classes, .. } => Some(classification(*classes)),
        DataSource::StandIn {
            shape,
            classes,
            targets,
            ..
        } => Some(DataInfo {
            input_shape: shape.clone(),
            classes: *classes,
            targets: if classes.is_some() { 1 } else { *targets },
        }),
        DataSource::Csv { .. }
        | DataSource::Idx { .. }
        | DataSource::Npy { .. }
        | DataSource::Npz { .. }
        | DataSource::ImageFolder { .. } => None,
    }
}

/// The data's shape for a project: from the spec when it tells, else by
/// loading the data (CSV and IDX files, relative to `project_dir`).
///
/// # Errors
/// The data cannot be read or prepared; the [`DataError`] says why.
///
/// [`DataError`]: crate::data::DataError
pub fn resolve_data_info(
    project: &super::Project,
    project_dir: Option<&std::path::Path>,
) -> Result<DataInfo, crate::data::DataError> {
    if let Some(info) = data_info(&project.data) {
        return Ok(info);
    }
    super::load_data::load_data(&project.data, project_dir, project.training.seed)
        .map(|p| super::load_data::info_of(&p))
}
