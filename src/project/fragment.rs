//! Copied layers as clipboard text: nodes and the wires among them, written
//! with the file format's own types ([`NodeFile`], [`EdgeFile`]), so the
//! clipboard and project files change together and are checked alike.

use serde::{Deserialize, Serialize};

use super::ProjectError;
use super::format::{CURRENT_VERSION, EdgeFile, GraphFile, NodeFile, ProjectFileV1};
use super::validate::validate_file;
use crate::model::{Edge, Node, NodeId};

/// Marks clipboard text as copied Neuroglass layers.
pub const FRAGMENT_TAG: &str = "neuroglass-nodes:";
/// Longest clipboard text read as layers.
pub const MAX_FRAGMENT_TEXT: usize = 1 << 20;
/// Most layers pasted at once.
pub const MAX_FRAGMENT_NODES: usize = 1000;

/// Copied layers in memory: the nodes and the wires among them.
pub type Layers = (Vec<Node>, Vec<Edge>);

/// The clipboard form of copied layers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "layers")]
pub struct FragmentFile {
    /// Format version of the node and wire types; as in project files.
    pub version: u32,
    /// The copied layers, with their original ids.
    pub nodes: Vec<NodeFile>,
    /// Wires whose both ends are among `nodes`.
    pub edges: Vec<EdgeFile>,
}

/// Clipboard text for copied layers and the wires among them.
pub fn fragment_to_text(nodes: &[Node], edges: &[Edge]) -> Result<String, ProjectError> {
    let f = FragmentFile {
        version: CURRENT_VERSION,
        nodes: nodes.iter().map(NodeFile::from_node).collect(),
        edges: edges.iter().map(EdgeFile::from_edge).collect(),
    };
    let body = ron::to_string(&f).map_err(|e| ProjectError::invalid("clipboard", e.to_string()))?;
    Ok(format!("{FRAGMENT_TAG}{body}"))
}

/// Copied layers from clipboard text, checked like a project file: sizes,
/// nesting, each layer's settings, positions, ids and wires. `Ok(None)` when
/// the text is not copied layers at all.
pub fn fragment_from_text(text: &str) -> Result<Option<Layers>, ProjectError> {
    const ORIGIN: &str = "clipboard";
    if text.len() > MAX_FRAGMENT_TEXT {
        return Err(ProjectError::invalid(
            ORIGIN,
            format!(
                "{} bytes of layers; the limit is {MAX_FRAGMENT_TEXT}",
                text.len()
            ),
        ));
    }
    let Some(body) = text.trim().strip_prefix(FRAGMENT_TAG) else {
        return Ok(None);
    };
    super::load::check_nesting(body, ORIGIN)?;
    let f: FragmentFile = super::load::from_ron(body, ORIGIN)?;
    if f.version > CURRENT_VERSION {
        return Err(ProjectError::NewerVersion {
            origin: ORIGIN.to_owned(),
            found: f.version,
            supported: CURRENT_VERSION,
        });
    }
    if f.nodes.len() > MAX_FRAGMENT_NODES {
        return Err(ProjectError::invalid(
            ORIGIN,
            format!(
                "{} layers; at most {MAX_FRAGMENT_NODES} are pasted at once",
                f.nodes.len()
            ),
        ));
    }
    // The same checks as a file: a project holding just these layers.
    let next_id = f
        .nodes
        .iter()
        .map(|n| n.id.saturating_add(1))
        .max()
        .unwrap_or(0);
    let as_file = ProjectFileV1 {
        version: CURRENT_VERSION,
        name: String::new(),
        notes: String::new(),
        graph: GraphFile {
            nodes: f.nodes,
            edges: f.edges,
            next_id,
        },
        data: Default::default(),
        training: Default::default(),
    };
    validate_file(&as_file, ORIGIN)?;
    let nodes = as_file
        .graph
        .nodes
        .into_iter()
        .map(NodeFile::into_node)
        .collect();
    let edges = as_file
        .graph
        .edges
        .into_iter()
        .map(|e| Edge {
            from: NodeId(e.from),
            to: NodeId(e.to),
            port: e.port,
        })
        .collect();
    Ok(Some((nodes, edges)))
}
