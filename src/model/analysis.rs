//! The result of shape inference and validation over a whole graph.

use std::collections::BTreeMap;

use super::NodeId;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Training may work but probably not as meant.
    Warning,
    /// The graph cannot be compiled or trained.
    Error,
}

/// One problem, with a plain message and a suggested fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, e.g. "Dense expects a flat input but gets 16×7×7".
    pub message: String,
    /// What to do, e.g. "insert a Flatten before it".
    pub fix: String,
}

/// What inference found for one node.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NodeInfo {
    /// Output shape per sample, when it could be inferred.
    pub out_shape: Option<Vec<usize>>,
    /// Learnable parameters.
    pub params: u64,
    /// Multiply-adds ×2 per sample in the forward pass.
    pub flops: u64,
    /// Problems attached to this node.
    pub problems: Vec<Problem>,
}

/// Shape inference and validation for a whole graph.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Analysis {
    /// Per node, keyed by id.
    pub nodes: BTreeMap<NodeId, NodeInfo>,
    /// Problems of the graph as a whole (no input, several outputs, loss
    /// against output…).
    pub graph_problems: Vec<Problem>,
    /// Nodes in execution order (empty when there is a cycle).
    pub order: Vec<NodeId>,
    /// The output node, when there is exactly one.
    pub output: Option<NodeId>,
    /// Total learnable parameters.
    pub total_params: u64,
    /// Total forward FLOPs per sample.
    pub total_flops: u64,
    /// Estimated bytes for training one batch (weights, gradients,
    /// optimizer state, activations).
    pub train_memory_bytes: u64,
}

impl Analysis {
    /// Whether anything is an error.
    pub fn has_errors(&self) -> bool {
        self.problems().any(|(_, p)| p.severity == Severity::Error)
    }

    /// Every problem, with its node (None for graph-level ones).
    pub fn problems(&self) -> impl Iterator<Item = (Option<NodeId>, &Problem)> {
        self.graph_problems.iter().map(|p| (None, p)).chain(
            self.nodes
                .iter()
                .flat_map(|(id, n)| n.problems.iter().map(move |p| (Some(*id), p))),
        )
    }
}
