//! `Project`: one whole document — the graph, its data and how it trains.

use super::{DataSpec, Graph, TrainConfig};

/// What a project file holds, in memory.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Project {
    /// Title shown in the window and in summaries.
    pub name: String,
    /// Free text for teaching: what the example shows, what to try.
    pub notes: String,
    /// The network.
    pub graph: Graph,
    /// The data it trains on.
    pub data: DataSpec,
    /// How it trains.
    pub training: TrainConfig,
}
