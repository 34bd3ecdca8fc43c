//! `SessionError`: why a training session could not be built, could not
//! start from saved weights, or was refused by the engine mid-run.
//!
//! The trainer thread turns it into the text of a `TrainerEvent::Failed`
//! in one place (`worker::fail`); the command line prints it.

use std::path::PathBuf;

use crate::data::DataError;
use crate::engine::EngineError;
use crate::model::CompileError;
use crate::project::ProjectError;

/// What went wrong in a [`Session`](super::Session).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The project's data could not be loaded or prepared.
    #[error("the data could not be loaded: {0}")]
    Data(#[source] DataError),
    /// The graph does not compile against the data.
    #[error("{0}")]
    Compile(#[from] CompileError),
    /// The engine refused a training or evaluation step.
    #[error("{0}")]
    Engine(#[from] EngineError),
    /// The saved weights file cannot be read.
    #[error("the saved weights cannot be read: {0}")]
    WeightsUnreadable(#[source] ProjectError),
    /// The saved weights do not fit the network.
    #[error(
        "the saved weights in {} do not fit this network ({source}); train from fresh weights instead",
        path.display()
    )]
    WeightsMismatch {
        /// The weights file.
        path: PathBuf,
        /// The engine's reason.
        source: EngineError,
    },
    /// The running network cannot take this change; the run must restart.
    #[error("the running network cannot take this change: {0}")]
    EditRefused(String),
}

/// Why a run ended in `TrainerEvent::Failed`: a session error, or a panic
/// caught on the trainer thread. Its text is the event's message.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The session could not be built or the engine refused a step.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// Training panicked; the panic's message.
    #[error("the trainer failed: {0}")]
    Panicked(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts watchers and the command line show are the ones the
    /// trainer wrote before it had typed errors.
    #[test]
    fn messages_keep_their_text() {
        let mismatch = SessionError::WeightsMismatch {
            path: PathBuf::from("/runs/a/step-10.safetensors"),
            source: EngineError::StateDict("missing dense_1.weight".into()),
        };
        assert_eq!(
            RunError::from(mismatch).to_string(),
            "the saved weights in /runs/a/step-10.safetensors do not fit this network \
             (state dict: missing dense_1.weight); train from fresh weights instead"
        );
        assert_eq!(
            RunError::Panicked("boom".into()).to_string(),
            "the trainer failed: boom"
        );
        let engine = SessionError::from(EngineError::Graph("no output".into()));
        assert_eq!(engine.to_string(), "invalid network: no output");
    }
}
