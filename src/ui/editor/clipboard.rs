//! Copy and paste of nodes: a fragment of the graph (nodes and the wires
//! between them), as RON text so it also travels through the system
//! clipboard between windows.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{Edge, Graph, Node, NodeId};

/// Marks clipboard text as ours.
const TAG: &str = "neuroglass-nodes:";
/// Largest fragment accepted from the clipboard.
const MAX_TEXT: usize = 1 << 20;
/// Largest number of nodes pasted at once.
const MAX_NODES: usize = 1000;

/// Copied nodes and the wires among them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fragment {
    /// The nodes, with their original ids.
    pub nodes: Vec<Node>,
    /// Wires whose both ends are in `nodes`.
    pub edges: Vec<Edge>,
}

impl Fragment {
    /// The selected nodes of `graph` and the wires among them.
    pub fn copy(graph: &Graph, selection: &BTreeSet<NodeId>) -> Option<Self> {
        let nodes: Vec<Node> = graph
            .nodes()
            .iter()
            .filter(|n| selection.contains(&n.id))
            .cloned()
            .collect();
        if nodes.is_empty() {
            return None;
        }
        let edges = graph
            .edges()
            .iter()
            .filter(|e| selection.contains(&e.from) && selection.contains(&e.to))
            .copied()
            .collect();
        Some(Self { nodes, edges })
    }

    /// Clipboard text for the fragment.
    pub fn to_text(&self) -> String {
        match ron::to_string(self) {
            Ok(s) => format!("{TAG}{s}"),
            Err(_) => String::new(),
        }
    }

    /// A fragment from clipboard text, if the text is one of ours.
    pub fn from_text(text: &str) -> Option<Self> {
        if text.len() > MAX_TEXT {
            return None;
        }
        let body = text.trim().strip_prefix(TAG)?;
        let f: Self = ron::Options::default()
            .with_recursion_limit(64)
            .from_str(body)
            .ok()?;
        let kinds_ok = f
            .nodes
            .iter()
            .all(|n| crate::project::validate::check_layer(&n.spec).is_ok());
        (f.nodes.len() <= MAX_NODES && kinds_ok).then_some(f)
    }

    /// Adds copies of the nodes (new ids, shifted by `offset`) and their
    /// wires to `graph`; returns the new ids.
    pub fn paste_into(&self, graph: &mut Graph, offset: [f32; 2]) -> BTreeSet<NodeId> {
        let mut map = BTreeMap::new();
        for n in &self.nodes {
            let pos = [n.pos[0] + offset[0], n.pos[1] + offset[1]];
            let id = graph.add_node(n.name.clone(), n.spec.clone(), pos);
            map.insert(n.id, id);
        }
        let mut edges = self.edges.clone();
        edges.sort_by_key(|e| (e.to, e.port));
        for e in edges {
            if let (Some(&a), Some(&b)) = (map.get(&e.from), map.get(&e.to)) {
                // Both ends are fresh nodes: the wire cannot be refused
                // except as a duplicate, which the copy did not contain.
                let _ = graph.connect(a, b);
            }
        }
        map.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LayerSpec;

    #[test]
    fn copy_paste_keeps_inner_wires_and_gives_new_ids() {
        let mut g = Graph::new();
        let a = g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
        let b = g.add_node("flat", LayerSpec::Flatten, [0.0, 90.0]);
        let c = g.add_node("d", LayerSpec::Dropout { rate: 0.5 }, [0.0, 180.0]);
        g.connect(a, b).unwrap();
        g.connect(b, c).unwrap();
        let f = Fragment::copy(&g, &[b, c].into()).unwrap();
        assert_eq!(f.edges.len(), 1);
        let text = f.to_text();
        let back = Fragment::from_text(&text).unwrap();
        assert_eq!(back, f);
        let new = back.paste_into(&mut g, [30.0, 30.0]);
        assert_eq!(new.len(), 2);
        assert!(new.iter().all(|id| id.0 >= 3));
        assert_eq!(g.nodes().len(), 5);
        assert_eq!(g.edges().len(), 3);
        assert_eq!(g.node(NodeId(3)).unwrap().pos, [30.0, 120.0]);
    }

    #[test]
    fn foreign_or_hostile_text_is_not_pasted() {
        assert!(Fragment::from_text("hello").is_none());
        assert!(Fragment::from_text("neuroglass-nodes:(nodes: [").is_none());
        let deep = format!("neuroglass-nodes:{}", "[".repeat(100_000));
        assert!(Fragment::from_text(&deep).is_none());
        let bad = "neuroglass-nodes:(nodes:[(id:0,name:\"x\",spec:Dense((units:Fixed(0))),pos:(0.0,0.0))],edges:[])";
        assert!(Fragment::from_text(bad).is_none(), "0 units is refused");
    }
}
