//! Timing a training step node by node (`neuroglass bench --profile`, the
//! window's "Where the time goes"). Off by default; when off, the passes
//! read no clock.

use super::Network;
use crate::engine::Float;

/// Seconds one node spent in its forward and backward passes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NodeTime {
    /// Forward pass.
    pub forward: f64,
    /// Backward pass, with adding its input gradients into its sources'.
    pub backward: f64,
}

/// Seconds spent per node (in node order) and in the optimizer since
/// [`Network::start_timing`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepTiming {
    /// One entry per node.
    pub nodes: Vec<NodeTime>,
    /// The optimizer's updates.
    pub optimizer: f64,
}

impl<F: Float> Network<F> {
    /// Starts timing every node's passes (from zero).
    pub fn start_timing(&mut self) {
        self.timing = Some(StepTiming {
            nodes: vec![NodeTime::default(); self.nodes.len()],
            optimizer: 0.0,
        });
    }

    /// Stops timing and returns the times since [`Network::start_timing`]
    /// (`None` if it was not started).
    pub fn stop_timing(&mut self) -> Option<StepTiming> {
        self.timing.take()
    }
}
