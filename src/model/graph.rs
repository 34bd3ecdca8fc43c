//! `Graph`: the network as nodes with stable ids and wires between them.

use serde::{Deserialize, Serialize};

use super::LayerSpec;

/// A node's identity. Ids are never reused within a graph, so weights,
/// undo history and the canvas can key on them.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct NodeId(pub u32);

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One layer on the canvas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Stable id.
    pub id: NodeId,
    /// The user's name for the layer (unique names are not required).
    pub name: String,
    /// What the layer is.
    pub spec: LayerSpec,
    /// Canvas position of the node's top-left corner, in canvas units.
    pub pos: [f32; 2],
}

/// A wire from a node's output to input port `port` of another node.
/// Every node has one output; Add and Concatenate have ports 0, 1, 2, …
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// The node whose output feeds the wire.
    pub from: NodeId,
    /// The node the wire enters.
    pub to: NodeId,
    /// The input port of `to`.
    pub port: u16,
}

/// Why an edit was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// A node id that is not in the graph.
    #[error("there is no node {0}")]
    NoSuchNode(NodeId),
    /// A wire from a node to itself.
    #[error("a layer cannot feed itself")]
    SelfLoop,
    /// The wire would close a loop.
    #[error("this wire would make a cycle: data must flow one way")]
    Cycle,
    /// The target takes no inputs (Input).
    #[error("{0} takes no inputs")]
    NoInputs(&'static str),
    /// The same wire exists.
    #[error("these layers are already wired")]
    Duplicate,
}

/// The network document: nodes sorted by id, edges sorted, ids never reused.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    next_id: u32,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds a graph from stored parts, keeping ids; sorts nodes and edges
    /// and drops edges whose ends are missing or that duplicate another.
    /// `next_id` is raised above every id present.
    pub fn from_parts(mut nodes: Vec<Node>, mut edges: Vec<Edge>, next_id: u32) -> Self {
        nodes.sort_by_key(|n| n.id);
        nodes.dedup_by_key(|n| n.id);
        edges.sort();
        edges.dedup();
        let ids: std::collections::BTreeSet<NodeId> = nodes.iter().map(|n| n.id).collect();
        edges.retain(|e| ids.contains(&e.from) && ids.contains(&e.to));
        let max = nodes
            .iter()
            .map(|n| n.id.0.saturating_add(1))
            .max()
            .unwrap_or(0);
        Self {
            nodes,
            edges,
            next_id: next_id.max(max),
        }
    }

    /// The id the next added node will get.
    pub fn next_id(&self) -> u32 {
        self.next_id
    }

    /// Nodes, sorted by id.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Edges, sorted.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes
            .binary_search_by_key(&id, |n| n.id)
            .ok()
            .map(|i| &self.nodes[i])
    }

    /// The node with this id, mutably.
    pub fn node_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        match self.nodes.binary_search_by_key(&id, |n| n.id) {
            Ok(i) => Some(&mut self.nodes[i]),
            Err(_) => None,
        }
    }

    /// Adds a node and returns its new id.
    pub fn add_node(&mut self, name: impl Into<String>, spec: LayerSpec, pos: [f32; 2]) -> NodeId {
        let id = NodeId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        self.nodes.push(Node {
            id,
            name: name.into(),
            spec,
            pos,
        });
        id
    }

    /// Removes a node and every wire touching it; ports of multi-input
    /// nodes it fed are renumbered to stay contiguous.
    pub fn remove_node(&mut self, id: NodeId) -> Option<Node> {
        let i = self.nodes.binary_search_by_key(&id, |n| n.id).ok()?;
        let node = self.nodes.remove(i);
        let fed: Vec<NodeId> = self
            .edges
            .iter()
            .filter(|e| e.from == id)
            .map(|e| e.to)
            .collect();
        self.edges.retain(|e| e.from != id && e.to != id);
        for to in fed {
            self.compact_ports(to);
        }
        Some(node)
    }

    /// The wires entering `id`, by port.
    pub fn inputs_of(&self, id: NodeId) -> Vec<Edge> {
        let mut v: Vec<Edge> = self.edges.iter().filter(|e| e.to == id).copied().collect();
        v.sort_by_key(|e| e.port);
        v
    }

    /// The wires leaving `id`.
    pub fn outputs_of(&self, id: NodeId) -> Vec<Edge> {
        self.edges
            .iter()
            .filter(|e| e.from == id)
            .copied()
            .collect()
    }

    /// Whether `to` can be reached from `from` following wires.
    pub fn reaches(&self, from: NodeId, to: NodeId) -> bool {
        let mut stack = vec![from];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n) {
                stack.extend(self.edges.iter().filter(|e| e.from == n).map(|e| e.to));
            }
        }
        false
    }

    /// Wires `from`'s output into `to`. A single-input node's existing input
    /// wire is replaced; a multi-input node gets the next free port.
    /// Refuses self-loops, cycles, duplicates and wires into an Input.
    pub fn connect(&mut self, from: NodeId, to: NodeId) -> Result<Edge, GraphError> {
        if self.node(from).is_none() {
            return Err(GraphError::NoSuchNode(from));
        }
        let target = self.node(to).ok_or(GraphError::NoSuchNode(to))?;
        if from == to {
            return Err(GraphError::SelfLoop);
        }
        let arity = target.spec.arity();
        if arity == Some(0) {
            return Err(GraphError::NoInputs(target.spec.kind_name()));
        }
        if self.edges.iter().any(|e| e.from == from && e.to == to) {
            return Err(GraphError::Duplicate);
        }
        if self.reaches(to, from) {
            return Err(GraphError::Cycle);
        }
        let port = if arity == Some(1) {
            self.edges.retain(|e| e.to != to);
            0
        } else {
            self.inputs_of(to).len() as u16
        };
        let edge = Edge { from, to, port };
        self.edges.push(edge);
        self.edges.sort();
        Ok(edge)
    }

    /// Removes one wire; returns whether it existed.
    pub fn disconnect(&mut self, edge: Edge) -> bool {
        let before = self.edges.len();
        self.edges.retain(|e| *e != edge);
        let removed = self.edges.len() != before;
        if removed {
            self.compact_ports(edge.to);
        }
        removed
    }

    fn compact_ports(&mut self, to: NodeId) {
        let mut ins = self.inputs_of(to);
        self.edges.retain(|e| e.to != to);
        for (i, e) in ins.iter_mut().enumerate() {
            e.port = i as u16;
        }
        self.edges.extend(ins);
        self.edges.sort();
    }

    /// Nodes in an order where every node comes after its inputs, or the ids
    /// of nodes on a cycle when there is one.
    pub fn topo_order(&self) -> Result<Vec<NodeId>, Vec<NodeId>> {
        use std::collections::BTreeMap;
        let mut indeg: BTreeMap<NodeId, usize> = self.nodes.iter().map(|n| (n.id, 0)).collect();
        for e in &self.edges {
            if let Some(d) = indeg.get_mut(&e.to) {
                *d += 1;
            }
        }
        let mut ready: Vec<NodeId> = indeg
            .iter()
            .filter(|(_, d)| **d == 0)
            .map(|(id, _)| *id)
            .rev()
            .collect();
        let mut order = Vec::with_capacity(self.nodes.len());
        while let Some(n) = ready.pop() {
            order.push(n);
            let mut next: Vec<NodeId> = Vec::new();
            for e in self.edges.iter().filter(|e| e.from == n) {
                if let Some(d) = indeg.get_mut(&e.to) {
                    *d -= 1;
                    if *d == 0 {
                        next.push(e.to);
                    }
                }
            }
            next.sort();
            ready.extend(next.into_iter().rev());
            ready.sort_by(|a, b| b.cmp(a));
        }
        if order.len() == self.nodes.len() {
            Ok(order)
        } else {
            Err(indeg
                .into_iter()
                .filter(|(id, _)| !order.contains(id))
                .map(|(id, _)| id)
                .collect())
        }
    }

    /// A new node that is a copy of `id` (same spec, name + " copy"), offset.
    pub fn duplicate(&mut self, id: NodeId) -> Option<NodeId> {
        let n = self.node(id)?.clone();
        Some(self.add_node(
            format!("{} copy", n.name),
            n.spec,
            [n.pos[0] + 30.0, n.pos[1] + 30.0],
        ))
    }
}
