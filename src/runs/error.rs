//! `RunsError`: what can go wrong reading or writing run records.

use std::path::PathBuf;

/// Why a run record could not be read, written or found.
#[derive(Debug, thiserror::Error)]
pub enum RunsError {
    /// The operating system refused a read or write.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A file of the record is damaged, foreign or too large.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file involved.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The project or weights inside the record could not be read or written.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),
    /// There is no run with this id for the project.
    #[error("there is no run {id:?} for this project; `neuroglass runs PROJECT` lists them")]
    NoSuchRun {
        /// The id asked for.
        id: String,
    },
    /// The run has no checkpoint at this step.
    #[error("run {id} has no checkpoint at step {step}; it has checkpoints at steps {available}")]
    NoSuchCheckpoint {
        /// The run.
        id: String,
        /// The step asked for.
        step: u64,
        /// The steps that exist, as a list.
        available: String,
    },
    /// No folder could be found or made to keep runs in.
    #[error("there is nowhere to keep runs: {0}")]
    NoPlace(String),
}

impl RunsError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}
