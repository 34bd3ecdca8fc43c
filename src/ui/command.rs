//! What panels ask for; applied in one place at the end of a frame.

use std::path::PathBuf;

/// An intent from a panel.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Open a project file.
    Open(PathBuf),
    /// Open a bundled example by its file name.
    OpenBundled(&'static str),
    /// Start training from fresh weights.
    Train,
    /// Pause after the current batch.
    Pause,
    /// Continue.
    Resume,
    /// Train one batch, then pause.
    Step,
    /// End the run.
    Stop,
    /// Put the initial weights back.
    ResetWeights,
    /// Change the learning rate (also while training).
    SetLearningRate(f32),
    /// Slow motion: milliseconds to wait after each batch (0 = full speed).
    SetStepDelay(u32),
}
