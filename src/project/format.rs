//! The file format's own types, version 1. They mirror the model but are
//! what the file promises; the model may change without breaking files.

use serde::{Deserialize, Serialize};

use crate::model::{DataSpec, LayerSpec, TrainConfig};

/// The newest format version this build writes and reads.
pub const VERSION: u32 = 1;

/// A project file, version 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectFileV1 {
    /// Format version (1).
    pub version: u32,
    /// Title.
    #[serde(default)]
    pub name: String,
    /// Teaching notes.
    #[serde(default)]
    pub notes: String,
    /// The network.
    pub graph: GraphFile,
    /// The data.
    #[serde(default)]
    pub data: DataSpec,
    /// How it trains.
    #[serde(default)]
    pub training: TrainConfig,
}

/// The network in a file: nodes by id, edges sorted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphFile {
    /// The next id to give a new node (ids are never reused).
    #[serde(default)]
    pub next_id: u32,
    /// Nodes, sorted by id.
    pub nodes: Vec<NodeFile>,
    /// Wires, sorted.
    #[serde(default)]
    pub edges: Vec<EdgeFile>,
}

/// One node in a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeFile {
    /// Stable id.
    pub id: u32,
    /// The user's name.
    #[serde(default)]
    pub name: String,
    /// What the layer is, with its settings.
    pub layer: LayerSpec,
    /// Canvas position.
    #[serde(default)]
    pub pos: (f32, f32),
}

/// One wire in a file: `from`'s output into input `port` of `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EdgeFile {
    /// Source node id.
    pub from: u32,
    /// Target node id.
    pub to: u32,
    /// Target port.
    #[serde(default)]
    pub port: u16,
}

/// Just the version, read first to choose how to read the rest.
#[derive(Deserialize)]
pub struct VersionProbe {
    /// Format version; files without one are version 1.
    #[serde(default = "one")]
    pub version: u32,
}

fn one() -> u32 {
    1
}
