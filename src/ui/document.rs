//! The open project, where it came from, and its analysis.

use std::path::{Path, PathBuf};

use crate::model::{Analysis, DataInfo, Project, analyze, resolve_data_info};

/// Bundled examples, embedded so the window always has something to open.
pub const BUNDLED: &[(&str, &str)] = &[
    ("spiral.ron", include_str!("../../projects/spiral.ron")),
    ("xor.ron", include_str!("../../projects/xor.ron")),
    (
        "circles_features.ron",
        include_str!("../../projects/circles_features.ron"),
    ),
    (
        "linear_regression.ron",
        include_str!("../../projects/linear_regression.ron"),
    ),
    (
        "sine_regression.ron",
        include_str!("../../projects/sine_regression.ron"),
    ),
    (
        "overfitting.ron",
        include_str!("../../projects/overfitting.ron"),
    ),
    (
        "deep_sigmoid.ron",
        include_str!("../../projects/deep_sigmoid.ron"),
    ),
    ("iris.ron", include_str!("../../projects/iris.ron")),
    (
        "digits_mlp.ron",
        include_str!("../../projects/digits_mlp.ron"),
    ),
    (
        "diabetes_linear.ron",
        include_str!("../../projects/diabetes_linear.ron"),
    ),
    (
        "mnist_mlp.ron",
        include_str!("../../projects/mnist_mlp.ron"),
    ),
    (
        "mnist_cnn.ron",
        include_str!("../../projects/mnist_cnn.ron"),
    ),
    (
        "sine_lstm.ron",
        include_str!("../../projects/sine_lstm.ron"),
    ),
];

/// The project being shown.
pub struct Document {
    /// The project.
    pub project: Project,
    /// Its file, if it has one (bundled examples have none).
    pub path: Option<PathBuf>,
    /// The data's shape, when known.
    pub data: Option<DataInfo>,
    /// Shapes and problems.
    pub analysis: Analysis,
}

impl Document {
    /// A document for a project.
    pub fn new(project: Project, path: Option<PathBuf>) -> Self {
        let dir = path.as_deref().and_then(Path::parent);
        let data = resolve_data_info(&project, dir).ok();
        let analysis = analyze(&project.graph, data.as_ref(), &project.training);
        Self {
            project,
            path,
            data,
            analysis,
        }
    }

    /// A bundled example by file name.
    pub fn bundled(name: &str) -> Result<Self, String> {
        let (_, text) = BUNDLED
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| format!("there is no bundled example {name}"))?;
        let project = crate::project::parse(text, name).map_err(|e| e.to_string())?;
        Ok(Self::new(project, None))
    }

    /// Opens a project file.
    pub fn open(path: &Path) -> Result<Self, String> {
        let project = crate::project::load(path).map_err(|e| e.to_string())?;
        Ok(Self::new(project, Some(path.to_path_buf())))
    }

    /// The folder relative data paths start from.
    pub fn dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }
}
