//! Copy and paste of nodes: a fragment of the graph (nodes and the wires
//! between them), as RON text so it also travels through the system
//! clipboard between windows.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Edge, Graph, Node, NodeId};

/// How far each paste steps from the last one that is in the way (canvas units).
pub const PASTE_STEP: [f32; 2] = [40.0, 40.0];
/// Two nodes closer than this on both axes count as on top of each other.
const OVERLAP: f32 = 20.0;
/// Most steps tried when looking for a free place to paste.
const MAX_STEPS: u32 = 200;

/// Copied nodes and the wires among them.
#[derive(Clone, Debug, PartialEq)]
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

    /// Clipboard text for the fragment, written by `project` in the file
    /// format's types (empty if it cannot be written).
    pub fn to_text(&self) -> String {
        crate::project::fragment_to_text(&self.nodes, &self.edges).unwrap_or_default()
    }

    /// A fragment from clipboard text, if the text is copied layers that
    /// pass the project file's checks.
    pub fn from_text(text: &str) -> Option<Self> {
        let (nodes, edges) = crate::project::fragment_from_text(text).ok()??;
        Some(Self { nodes, edges })
    }

    /// The first offset `k × PASTE_STEP` (k ≥ 1) at which no pasted node
    /// would lie on top of a node already in `graph`, so repeated pastes
    /// cascade instead of piling up.
    pub fn free_offset(&self, graph: &Graph) -> [f32; 2] {
        let taken = |p: [f32; 2]| {
            graph
                .nodes()
                .iter()
                .any(|n| (n.pos[0] - p[0]).abs() < OVERLAP && (n.pos[1] - p[1]).abs() < OVERLAP)
        };
        let mut k = 1;
        loop {
            let off = [PASTE_STEP[0] * k as f32, PASTE_STEP[1] * k as f32];
            let clear = self
                .nodes
                .iter()
                .all(|n| !taken([n.pos[0] + off[0], n.pos[1] + off[1]]));
            if clear || k >= MAX_STEPS {
                return off;
            }
            k += 1;
        }
    }

    /// Adds copies of the nodes (new ids, names not yet used in `graph`,
    /// shifted by `offset`) and their wires to `graph`; returns the new ids.
    pub fn paste_into(&self, graph: &mut Graph, offset: [f32; 2]) -> BTreeSet<NodeId> {
        let mut map = BTreeMap::new();
        for n in &self.nodes {
            let pos = [n.pos[0] + offset[0], n.pos[1] + offset[1]];
            let name = unique_name(graph, &n.name);
            let id = graph.add_node(name, n.spec.clone(), pos);
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

/// `name` if no node of `graph` has it, else "name (copy)", "name (copy 2)", …
/// (a name that already ends in "(copy …)" counts on from its root).
pub fn unique_name(graph: &Graph, name: &str) -> String {
    let used = |s: &str| graph.nodes().iter().any(|n| n.name == s);
    if !used(name) {
        return name.to_owned();
    }
    let root = copy_root(name);
    let first = format!("{root} (copy)");
    if !used(&first) {
        return first;
    }
    (2u32..)
        .map(|i| format!("{root} (copy {i})"))
        .find(|s| !used(s))
        .unwrap_or(first)
}

/// "hidden 1 (copy 3)" → "hidden 1".
fn copy_root(name: &str) -> &str {
    let Some(stripped) = name.strip_suffix(')') else {
        return name;
    };
    let Some((root, tail)) = stripped.rsplit_once(" (copy") else {
        return name;
    };
    let tail = tail.trim();
    if tail.is_empty() || tail.chars().all(|c| c.is_ascii_digit()) {
        root
    } else {
        name
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
        assert_eq!(g.node(NodeId(3)).unwrap().name, "flat (copy)");
        assert_eq!(g.node(NodeId(4)).unwrap().name, "d (copy)");
    }

    #[test]
    fn foreign_or_hostile_text_is_not_pasted() {
        assert!(Fragment::from_text("hello").is_none());
        assert!(Fragment::from_text("neuroglass-nodes:(nodes: [").is_none());
        let deep = format!("neuroglass-nodes:{}", "[".repeat(100_000));
        assert!(Fragment::from_text(&deep).is_none());
        let bad = "neuroglass-nodes:(version:1,nodes:[(id:0,name:\"x\",kind:Dense((units:Fixed(0))),pos:(0.0,0.0))],edges:[])";
        assert!(Fragment::from_text(bad).is_none(), "0 units is refused");
        let good = bad.replace("Fixed(0)", "Fixed(3)");
        assert!(Fragment::from_text(&good).is_some(), "{good}");
        let nan = good.replace("pos:(0.0,0.0)", "pos:(NaN,0.0)");
        assert!(
            Fragment::from_text(&nan).is_none(),
            "NaN position is refused"
        );
        let dangling = good.replace("edges:[]", "edges:[(from:0,to:7,port:0)]");
        assert!(
            Fragment::from_text(&dangling).is_none(),
            "wire to a missing node"
        );
    }

    #[test]
    fn unique_names_count_on_from_the_root() {
        let mut g = Graph::new();
        g.add_node("hidden 1", LayerSpec::Flatten, [0.0, 0.0]);
        assert_eq!(unique_name(&g, "other"), "other");
        assert_eq!(unique_name(&g, "hidden 1"), "hidden 1 (copy)");
        g.add_node("hidden 1 (copy)", LayerSpec::Flatten, [0.0, 0.0]);
        assert_eq!(unique_name(&g, "hidden 1"), "hidden 1 (copy 2)");
        assert_eq!(unique_name(&g, "hidden 1 (copy)"), "hidden 1 (copy 2)");
        assert_eq!(copy_root("f (copyright)"), "f (copyright)");
    }
}
