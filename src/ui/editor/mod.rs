//! Editing the graph: the selection, edits the canvas and palette ask for,
//! copy/paste and undo. Edits change the project directly; the app notices
//! the change, re-validates and records an undo step.

pub mod clipboard;
pub mod undo;

use std::collections::BTreeSet;

use crate::model::infer::infer_layer;
use crate::model::{Edge, Graph, LayerSpec, NodeId, Project};

use super::document::Document;
pub use clipboard::Fragment;
pub use undo::UndoStack;

/// Vertical distance between a node and one appended after it.
pub const APPEND_GAP: f32 = 100.0;

/// What is selected on the canvas.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    /// Selected nodes.
    pub nodes: BTreeSet<NodeId>,
    /// A selected wire.
    pub edge: Option<Edge>,
}

impl Selection {
    /// The one selected node, when exactly one is.
    pub fn single(&self) -> Option<NodeId> {
        (self.nodes.len() == 1)
            .then(|| self.nodes.first().copied())
            .flatten()
    }

    /// Selects only `id`.
    pub fn only(&mut self, id: NodeId) {
        self.nodes.clear();
        self.nodes.insert(id);
        self.edge = None;
    }

    /// Selects nothing.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.edge = None;
    }

    /// Forgets nodes that no longer exist.
    pub fn retain_existing(&mut self, graph: &Graph) {
        self.nodes.retain(|id| graph.node(*id).is_some());
        if let Some(e) = self.edge
            && !graph.edges().contains(&e)
        {
            self.edge = None;
        }
    }
}

/// The editor's state besides the project itself.
#[derive(Default)]
pub struct Editor {
    /// What is selected.
    pub selection: Selection,
    /// Past states for undo and redo.
    pub undo: UndoStack,
    /// The last copied nodes.
    pub clipboard: Option<Fragment>,
    /// Why the last edit was refused, shown on the canvas.
    pub refusal: Option<String>,
}

/// A fresh display name for a new node of `spec`'s kind: "dense 3".
pub fn fresh_name(graph: &Graph, spec: &LayerSpec) -> String {
    let base = spec.kind_name().to_lowercase();
    let n = graph
        .nodes()
        .iter()
        .filter(|n| n.spec.kind_name() == spec.kind_name())
        .count();
    if n == 0 && matches!(spec, LayerSpec::Input) {
        base
    } else {
        format!("{base} {}", n + 1)
    }
}

impl Editor {
    /// Adds a node of `spec` at canvas position `pos` and selects it.
    pub fn add_at(&mut self, project: &mut Project, spec: LayerSpec, pos: [f32; 2]) -> NodeId {
        let name = fresh_name(&project.graph, &spec);
        let id = project.graph.add_node(name, spec, pos);
        self.selection.only(id);
        id
    }

    /// Adds a node of `spec` below the selected node and wires it from
    /// there (or below the lowest node when nothing is selected); the
    /// selected node's outgoing wires then leave from the new node, so a
    /// layer can be inserted in the middle of a chain.
    pub fn append(&mut self, project: &mut Project, spec: LayerSpec) -> NodeId {
        let g = &mut project.graph;
        let anchor = self
            .selection
            .single()
            .or_else(|| lowest_sink(g))
            .and_then(|id| g.node(id).map(|n| (id, n.pos)));
        let pos = anchor.map_or([40.0, 40.0], |(_, p)| [p[0], p[1] + APPEND_GAP]);
        let name = fresh_name(g, &spec);
        let takes_input = spec.arity() != Some(0);
        let id = g.add_node(name, spec, pos);
        if let Some((from, _)) = anchor.filter(|_| takes_input) {
            let outs = g.outputs_of(from);
            // Shift everything below down to make room.
            let below: Vec<NodeId> = g
                .nodes()
                .iter()
                .filter(|n| n.id != id && n.pos[1] > pos[1] - APPEND_GAP + 1.0)
                .map(|n| n.id)
                .collect();
            for b in below {
                if let Some(n) = g.node_mut(b) {
                    n.pos[1] += APPEND_GAP;
                }
            }
            if g.connect(from, id).is_ok() {
                for e in outs {
                    g.disconnect(e);
                    let _ = g.connect(id, e.to);
                }
            }
        }
        self.selection.only(id);
        id
    }

    /// Deletes the selected nodes, or else the selected wire. Returns
    /// whether anything was deleted.
    pub fn delete_selection(&mut self, project: &mut Project) -> bool {
        let mut changed = false;
        for id in std::mem::take(&mut self.selection.nodes) {
            changed |= project.graph.remove_node(id).is_some();
        }
        if let Some(e) = self.selection.edge.take() {
            changed |= project.graph.disconnect(e);
        }
        changed
    }

    /// Copies the selected nodes; returns the clipboard text.
    pub fn copy(&mut self, project: &Project) -> Option<String> {
        let f = Fragment::copy(&project.graph, &self.selection.nodes)?;
        let text = f.to_text();
        self.clipboard = Some(f);
        Some(text)
    }

    /// Pastes `text` if it holds nodes, else the last copied nodes. The
    /// copies land one step down and right of the originals (further while
    /// that place is taken, so repeated pastes cascade), with names not yet
    /// used; they become the selection.
    pub fn paste(&mut self, project: &mut Project, text: Option<&str>) -> bool {
        let f = text
            .and_then(Fragment::from_text)
            .or_else(|| self.clipboard.clone());
        let Some(f) = f else { return false };
        let offset = f.free_offset(&project.graph);
        self.selection.nodes = f.paste_into(&mut project.graph, offset);
        self.selection.edge = None;
        true
    }

    /// Copies and pastes the selection in one go (placed like a paste).
    pub fn duplicate(&mut self, project: &mut Project) -> bool {
        let Some(f) = Fragment::copy(&project.graph, &self.selection.nodes) else {
            return false;
        };
        let offset = f.free_offset(&project.graph);
        self.selection.nodes = f.paste_into(&mut project.graph, offset);
        self.selection.edge = None;
        true
    }

    /// Wires `from` into `to`, unless the graph refuses it (cycle, self
    /// loop, into an Input) or the layer cannot take the shapes it would
    /// receive; the refusal says why and what to do.
    pub fn connect(&mut self, doc: &mut Document, from: NodeId, to: NodeId) -> bool {
        match try_wire(doc, from, to) {
            Ok(g) => {
                doc.project.graph = g;
                self.refusal = None;
                true
            }
            Err(why) => {
                self.refusal = Some(why);
                false
            }
        }
    }
}

/// Why a wire from `from` into `to` would be refused ("Wire refused: … —
/// fix."), or `None` when it would be accepted. The canvas asks this while
/// a wire is being dragged, so the refusal shows before the drop.
pub fn wire_refusal(doc: &Document, from: NodeId, to: NodeId) -> Option<String> {
    try_wire(doc, from, to).err()
}

/// The graph with the wire added, or the refusal.
fn try_wire(doc: &Document, from: NodeId, to: NodeId) -> Result<Graph, String> {
    let mut g = doc.project.graph.clone();
    g.connect(from, to)
        .map_err(|e| format!("Wire refused: {e}."))?;
    if let Some(node) = g.node(to) {
        let shapes: Option<Vec<Vec<usize>>> = g
            .inputs_of(to)
            .iter()
            .map(|e| {
                doc.analysis
                    .nodes
                    .get(&e.from)
                    .and_then(|i| i.out_shape.clone())
            })
            .collect();
        let enough = node
            .spec
            .arity()
            .is_none_or(|n| shapes.as_ref().is_some_and(|s| s.len() == n))
            && shapes
                .as_ref()
                .is_some_and(|s| s.len() >= node.spec.arity().unwrap_or(2));
        if let (true, Some(shapes)) = (enough, shapes)
            && let Err(e) = infer_layer(&node.spec, &shapes, Some(1))
        {
            return Err(format!("Wire refused: {} — {}.", e.message, e.fix));
        }
    }
    Ok(g)
}

/// The node with no outgoing wires that sits lowest on the canvas.
fn lowest_sink(g: &Graph) -> Option<NodeId> {
    g.nodes()
        .iter()
        .filter(|n| g.outputs_of(n.id).is_empty())
        .max_by(|a, b| a.pos[1].total_cmp(&b.pos[1]).then(a.id.cmp(&b.id)))
        .map(|n| n.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DenseSpec;

    #[test]
    fn append_inserts_into_a_chain() {
        let mut p = Project::default();
        let mut ed = Editor::default();
        let i = ed.append(&mut p, LayerSpec::Input);
        let d = ed.append(&mut p, LayerSpec::Dense(DenseSpec::default()));
        assert_eq!(p.graph.inputs_of(d)[0].from, i);
        ed.selection.only(i);
        let f = ed.append(&mut p, LayerSpec::Flatten);
        assert_eq!(p.graph.inputs_of(f)[0].from, i);
        assert_eq!(p.graph.inputs_of(d)[0].from, f);
        let (pi, pf, pd) = (
            p.graph.node(i).unwrap().pos[1],
            p.graph.node(f).unwrap().pos[1],
            p.graph.node(d).unwrap().pos[1],
        );
        assert!(pi < pf && pf < pd, "{pi} {pf} {pd}");
        // Nodes 90 below the anchor (the examples' spacing) move too.
        let mut q = Project::default();
        let a = q.graph.add_node("a", LayerSpec::Input, [0.0, 0.0]);
        let b = q.graph.add_node("b", LayerSpec::Flatten, [0.0, 90.0]);
        q.graph.connect(a, b).unwrap();
        ed.selection.only(a);
        let c = ed.append(&mut q, LayerSpec::Flatten);
        assert!(q.graph.node(b).unwrap().pos[1] > q.graph.node(c).unwrap().pos[1] + 50.0);
        assert_eq!(p.graph.node(d).unwrap().name, "dense 1");
    }

    #[test]
    fn delete_removes_nodes_and_wires() {
        let mut p = Project::default();
        let mut ed = Editor::default();
        ed.append(&mut p, LayerSpec::Input);
        let d = ed.append(&mut p, LayerSpec::Flatten);
        assert!(ed.delete_selection(&mut p));
        assert!(p.graph.node(d).is_none());
        assert!(p.graph.edges().is_empty());
        assert!(!ed.delete_selection(&mut p));
    }
}
