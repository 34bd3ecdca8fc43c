//! The open project, where it came from, its analysis and whether it has
//! unsaved changes. Data shapes of file sources (CSV, IDX) are read on a
//! background [`Task`] so the window never waits for a large file.

use std::path::{Path, PathBuf};

use crate::model::{Analysis, DataInfo, DataSpec, Project, analyze, data_info, resolve_data_info};
use crate::project::ProjectError;

use super::task::Task;

/// Why a project could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// No bundled example has that file name.
    #[error("there is no bundled example {0}")]
    NoSuchExample(String),
    /// The file could not be read or parsed.
    #[error(transparent)]
    Project(#[from] ProjectError),
}

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

/// The data's shape as the window knows it.
#[derive(Clone, Debug, PartialEq)]
pub enum DataState {
    /// Known.
    Known(DataInfo),
    /// Being read on a helper thread.
    Reading,
    /// Could not be read; the message (the display form of the
    /// `DataError` or `TaskError`, made in `poll_probe`) says why.
    Failed(String),
}

/// The project being shown.
pub struct Document {
    /// The project as edited.
    pub project: Project,
    /// Its file, if it has one (bundled examples and new projects have none).
    pub path: Option<PathBuf>,
    /// The data's shape, when known.
    pub data: Option<DataInfo>,
    /// Where reading the data's shape stands.
    pub data_state: DataState,
    /// Shapes and problems of `project`.
    pub analysis: Analysis,
    /// The project as last saved or opened (for "unsaved changes").
    saved: Project,
    /// The project `analysis` describes.
    analyzed: Project,
    probe: Option<Task<Result<DataInfo, crate::data::DataError>>>,
}

impl Document {
    /// A document for a project.
    pub fn new(project: Project, path: Option<PathBuf>) -> Self {
        let mut d = Self {
            saved: project.clone(),
            analyzed: project.clone(),
            project,
            path,
            data: None,
            data_state: DataState::Reading,
            analysis: Analysis::default(),
            probe: None,
        };
        d.read_data_info();
        d.analysis = analyze(&d.project.graph, d.data.as_ref(), &d.project.training);
        d
    }

    /// A bundled example by file name.
    ///
    /// # Errors
    /// When there is no such example or it does not parse.
    pub fn bundled(name: &str) -> Result<Self, DocumentError> {
        let (_, text) = BUNDLED
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| DocumentError::NoSuchExample(name.to_string()))?;
        let project = crate::project::parse(text, name)?;
        Ok(Self::new(project, None))
    }

    /// Opens a project file.
    ///
    /// # Errors
    /// When the file cannot be read or is not a project.
    pub fn open(path: &Path) -> Result<Self, DocumentError> {
        let project = crate::project::load(path)?;
        Ok(Self::new(project, Some(path.to_path_buf())))
    }

    /// The folder relative data paths start from.
    pub fn dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    /// Whether there are changes since the last save or open.
    pub fn dirty(&self) -> bool {
        self.project != self.saved
    }

    /// The current state counts as saved (to `path`).
    pub fn mark_saved(&mut self, path: PathBuf) {
        self.path = Some(path);
        self.saved = self.project.clone();
    }

    /// Re-validates after edits; reads the data's shape again when the data
    /// settings changed. Cheap when nothing changed.
    pub fn refresh(&mut self) {
        self.poll_probe();
        if self.project == self.analyzed {
            return;
        }
        if self.project.data != self.analyzed.data {
            self.read_data_info();
        }
        self.reanalyze();
    }

    fn reanalyze(&mut self) {
        self.analysis = analyze(
            &self.project.graph,
            self.data.as_ref(),
            &self.project.training,
        );
        self.analyzed = self.project.clone();
    }

    fn read_data_info(&mut self) {
        self.probe = None;
        if let Some(info) = data_info(&self.project.data) {
            self.data = Some(info.clone());
            self.data_state = DataState::Known(info);
            return;
        }
        self.data = None;
        self.data_state = DataState::Reading;
        let spec: DataSpec = self.project.data.clone();
        let project = Project {
            data: spec,
            ..Project::default()
        };
        let dir = self.dir().map(Path::to_path_buf);
        self.probe = Some(Task::spawn("reading the data's shape", None, move || {
            resolve_data_info(&project, dir.as_deref())
        }));
    }

    fn poll_probe(&mut self) {
        let Some(r) = self.probe.as_mut().and_then(Task::poll) else {
            return;
        };
        self.probe = None;
        match r {
            Ok(Ok(info)) => {
                self.data = Some(info.clone());
                self.data_state = DataState::Known(info);
            }
            Ok(Err(e)) => self.data_state = DataState::Failed(e.to_string()),
            Err(e) => self.data_state = DataState::Failed(e.to_string()),
        }
        self.reanalyze();
    }

    /// Whether the data's shape is still being read.
    pub fn reading_data(&self) -> bool {
        self.probe.is_some()
    }
}
