//! The on-disk types of the project file, one set per format version, and
//! their conversion to and from [`model::Project`](crate::model::Project).
//!
//! These types are the file format: they change only with a new version
//! number and a migration in [`load`](super::load). Field order here is the
//! order in the file; edges are written sorted and nodes by id, so saving
//! the same project always gives the same bytes.

use serde::{Deserialize, Serialize};

use super::layers::LayerFile;
use super::settings::{DataFile, TrainingFile};
use crate::model::{Edge, Graph, Node, NodeId, Project};

/// The format version this program writes and the newest it reads.
pub const CURRENT_VERSION: u32 = 1;

/// A project file, format version 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "project")]
pub struct ProjectFileV1 {
    /// Format version; always [`CURRENT_VERSION`] when written.
    pub version: u32,
    /// Title of the project.
    #[serde(default)]
    pub name: String,
    /// Free text for teaching.
    #[serde(default)]
    pub notes: String,
    /// The network.
    #[serde(default)]
    pub graph: GraphFile,
    /// The data it trains on (the file's own type).
    #[serde(default)]
    pub data: DataFile,
    /// How it trains (the file's own type).
    #[serde(default)]
    pub training: TrainingFile,
}

/// The network in a file: nodes sorted by id, edges sorted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[serde(rename = "graph")]
pub struct GraphFile {
    /// The layers.
    pub nodes: Vec<NodeFile>,
    /// The wires.
    pub edges: Vec<EdgeFile>,
    /// The id the next new node gets (ids are never reused).
    pub next_id: u32,
}

/// One layer in a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "node")]
pub struct NodeFile {
    /// Stable id, unique in the file.
    pub id: u32,
    /// The user's name for the layer.
    #[serde(default)]
    pub name: String,
    /// What the layer is, with its settings (the file's own type).
    pub kind: LayerFile,
    /// Canvas position (x, y).
    #[serde(default)]
    pub pos: (f32, f32),
}

/// One wire in a file: `from`'s output into input port `port` of `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "wire")]
pub struct EdgeFile {
    /// Source node id.
    pub from: u32,
    /// Target node id.
    pub to: u32,
    /// Input port of the target.
    #[serde(default)]
    pub port: u16,
}

impl NodeFile {
    /// The file form of a node.
    pub fn from_node(n: &Node) -> Self {
        Self {
            id: n.id.0,
            name: n.name.clone(),
            kind: LayerFile::from(&n.spec),
            pos: (n.pos[0], n.pos[1]),
        }
    }

    /// The in-memory node.
    pub fn into_node(self) -> Node {
        Node {
            id: NodeId(self.id),
            name: self.name,
            spec: (&self.kind).into(),
            pos: [self.pos.0, self.pos.1],
        }
    }
}

impl EdgeFile {
    /// The file form of a wire.
    pub fn from_edge(e: &Edge) -> Self {
        Self {
            from: e.from.0,
            to: e.to.0,
            port: e.port,
        }
    }
}

impl ProjectFileV1 {
    /// The file form of a project: nodes by id, edges sorted.
    pub fn from_project(p: &Project) -> Self {
        let mut nodes: Vec<NodeFile> = p
            .graph
            .nodes()
            .iter()
            .map(|n| NodeFile {
                id: n.id.0,
                name: n.name.clone(),
                kind: LayerFile::from(&n.spec),
                pos: (n.pos[0], n.pos[1]),
            })
            .collect();
        nodes.sort_by_key(|n| n.id);
        let mut edges: Vec<EdgeFile> = p
            .graph
            .edges()
            .iter()
            .map(|e| EdgeFile {
                from: e.from.0,
                to: e.to.0,
                port: e.port,
            })
            .collect();
        edges.sort();
        Self {
            version: CURRENT_VERSION,
            name: p.name.clone(),
            notes: p.notes.clone(),
            graph: GraphFile {
                nodes,
                edges,
                next_id: p.graph.next_id(),
            },
            data: DataFile::from(&p.data),
            training: TrainingFile::from(&p.training),
        }
    }

    /// The in-memory project. Call [`validate_file`](super::validate::validate_file)
    /// first: this conversion silently drops what `Graph::from_parts` drops
    /// (duplicate ids, wires to missing nodes).
    pub fn into_project(self) -> Project {
        let nodes = self
            .graph
            .nodes
            .into_iter()
            .map(|n| Node {
                id: NodeId(n.id),
                name: n.name,
                spec: (&n.kind).into(),
                pos: [n.pos.0, n.pos.1],
            })
            .collect();
        let edges = self
            .graph
            .edges
            .into_iter()
            .map(|e| Edge {
                from: NodeId(e.from),
                to: NodeId(e.to),
                port: e.port,
            })
            .collect();
        Project {
            name: self.name,
            notes: self.notes,
            graph: Graph::from_parts(nodes, edges, self.graph.next_id),
            data: (&self.data).into(),
            training: (&self.training).into(),
        }
    }
}

/// Format version 0, the draft shape before version 1: nodes and wires at
/// the top level, positions as separate `x` and `y`, and wires without
/// ports (ports follow the order of the wires). Read only, to migrate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "project")]
pub struct ProjectFileV0 {
    /// Always 0.
    pub version: u32,
    /// Title.
    #[serde(default)]
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub notes: String,
    /// The layers.
    #[serde(default)]
    pub nodes: Vec<NodeFileV0>,
    /// The wires as (from, to) pairs.
    #[serde(default)]
    pub wires: Vec<(u32, u32)>,
    /// The data.
    #[serde(default)]
    pub data: DataFile,
    /// The training settings.
    #[serde(default)]
    pub training: TrainingFile,
}

/// A layer in a version-0 file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "node")]
pub struct NodeFileV0 {
    /// Id.
    pub id: u32,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// What the layer is.
    pub spec: LayerFile,
    /// Canvas x.
    #[serde(default)]
    pub x: f32,
    /// Canvas y.
    #[serde(default)]
    pub y: f32,
}

impl ProjectFileV0 {
    /// Migrates to version 1: ports are numbered per target in wire order,
    /// and `next_id` is one past the largest id.
    pub fn migrate(self) -> ProjectFileV1 {
        let mut next_port: std::collections::BTreeMap<u32, u16> = Default::default();
        let edges = self
            .wires
            .iter()
            .map(|&(from, to)| {
                let port = next_port.entry(to).or_insert(0);
                let e = EdgeFile {
                    from,
                    to,
                    port: *port,
                };
                *port = port.saturating_add(1);
                e
            })
            .collect();
        let next_id = self
            .nodes
            .iter()
            .map(|n| n.id.saturating_add(1))
            .max()
            .unwrap_or(0);
        ProjectFileV1 {
            version: CURRENT_VERSION,
            name: self.name,
            notes: self.notes,
            graph: GraphFile {
                nodes: self
                    .nodes
                    .into_iter()
                    .map(|n| NodeFile {
                        id: n.id,
                        name: n.name,
                        kind: n.spec,
                        pos: (n.x, n.y),
                    })
                    .collect(),
                edges,
                next_id,
            },
            data: self.data,
            training: self.training,
        }
    }
}
