//! [`EngineError`]: what can go wrong when building or running a network.

use thiserror::Error;

/// An error from the engine: bad shapes, bad indices, bad weights.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EngineError {
    /// A tensor had the wrong shape.
    #[error("{what}: expected shape {expected:?}, got {got:?}")]
    Shape {
        /// Which tensor.
        what: String,
        /// The shape the engine needed.
        expected: Vec<usize>,
        /// The shape it got.
        got: Vec<usize>,
    },
    /// A class label was not below the number of classes.
    #[error("class label {label} is out of range for {classes} classes")]
    ClassOutOfRange {
        /// The label.
        label: u32,
        /// How many classes the output has.
        classes: usize,
    },
    /// The network's nodes are not wired correctly.
    #[error("invalid network: {0}")]
    Graph(String),
    /// A weight file did not match the network.
    #[error("state dict: {0}")]
    StateDict(String),
    /// The loss does not fit the targets given.
    #[error("loss {loss}: {reason}")]
    Targets {
        /// The loss's name.
        loss: &'static str,
        /// What is wrong.
        reason: String,
    },
}
