//! The design diff of two runs drawn on the canvas: layers the second run
//! added outlined green, layers whose settings changed amber, layers it
//! removed as red ghosts where they stood, and the changed settings listed
//! in a corner. Nodes are matched by their stable ids, on the graph the
//! canvas shows.

use egui::{Align2, Painter, Rect, Stroke, StrokeKind};

use crate::model::{Graph, NodeId};

use super::node::NODE_SIZE;
use super::view::View;
use crate::ui::theme;

/// What differs between two runs' designs, for the canvas.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CanvasDiff {
    /// "run 1 → run 2".
    pub title: String,
    /// Layers the second run has and the first has not.
    pub added: Vec<NodeId>,
    /// Layers both have, with other settings or another name.
    pub changed: Vec<NodeId>,
    /// Layers only the first run has: name and canvas position.
    pub removed: Vec<(String, [f32; 2])>,
    /// Changed training and data settings, in words.
    pub settings: Vec<String>,
}

impl CanvasDiff {
    /// The node differences of graphs `a` and `b` (settings and title
    /// are the caller's).
    pub fn of_graphs(a: &Graph, b: &Graph) -> Self {
        let mut d = Self::default();
        for n in b.nodes() {
            match a.node(n.id) {
                None => d.added.push(n.id),
                Some(old) if old.spec != n.spec || old.name != n.name => d.changed.push(n.id),
                Some(_) => {}
            }
        }
        for n in a.nodes() {
            if b.node(n.id).is_none() {
                d.removed.push((n.name.clone(), n.pos));
            }
        }
        d
    }
}

/// Paints `diff` over the nodes at `rects` (the canvas's graph).
pub fn paint(
    painter: &Painter,
    area: Rect,
    view: &View,
    rects: &[(NodeId, Rect)],
    diff: &CanvasDiff,
    text: egui::Color32,
) {
    let width = theme::DIFF_OUTLINE * view.zoom.max(0.5);
    let outline = |id: &NodeId, colour| {
        if let Some((_, r)) = rects.iter().find(|(n, _)| n == id) {
            painter.rect_stroke(
                r.expand(width * 1.5),
                6.0,
                Stroke::new(width, colour),
                StrokeKind::Outside,
            );
        }
    };
    for id in &diff.added {
        outline(id, theme::DIFF_ADDED);
    }
    for id in &diff.changed {
        outline(id, theme::DIFF_CHANGED);
    }
    let font = egui::FontId::proportional(12.0 * view.zoom.clamp(0.6, 1.5));
    for (name, pos) in &diff.removed {
        let r = view.rect_to_screen(area, *pos, NODE_SIZE);
        painter.rect(
            r,
            6.0,
            theme::DIFF_REMOVED.gamma_multiply(0.08),
            Stroke::new(width, theme::DIFF_REMOVED.gamma_multiply(0.7)),
            StrokeKind::Inside,
        );
        painter.text(
            r.center(),
            Align2::CENTER_CENTER,
            format!("− {name}"),
            font.clone(),
            theme::DIFF_REMOVED,
        );
    }
    let mut lines = vec![format!("design diff {}", diff.title)];
    lines.extend(diff.settings.iter().cloned());
    if diff.added.is_empty() && diff.changed.is_empty() && diff.removed.is_empty() {
        lines.push("no layer changed".into());
    }
    painter.text(
        area.left_top() + egui::vec2(8.0, 8.0),
        Align2::LEFT_TOP,
        lines.join("\n"),
        egui::FontId::proportional(13.0),
        text,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LayerSpec;

    #[test]
    fn added_changed_and_removed_layers_by_id() {
        let mut a = Graph::new();
        let input = a.add_node("input", LayerSpec::Input, [0.0, 0.0]);
        let gone = a.add_node("dropout", LayerSpec::Dropout { rate: 0.5 }, [0.0, 80.0]);
        let kept = a.add_node("relu", LayerSpec::Dropout { rate: 0.1 }, [0.0, 160.0]);
        let mut b = a.clone();
        b.remove_node(gone);
        if let Some(n) = b.node_mut(kept) {
            n.spec = LayerSpec::Dropout { rate: 0.2 };
        }
        let new = b.add_node("extra", LayerSpec::Dropout { rate: 0.3 }, [0.0, 240.0]);
        let d = CanvasDiff::of_graphs(&a, &b);
        assert_eq!(d.added, vec![new]);
        assert_eq!(d.changed, vec![kept]);
        assert_eq!(d.removed, vec![("dropout".to_string(), [0.0, 80.0])]);
        assert!(!d.changed.contains(&input));
        // Moving a node is not a change of the design.
        let mut c = a.clone();
        if let Some(n) = c.node_mut(input) {
            n.pos = [500.0, 500.0];
        }
        assert_eq!(CanvasDiff::of_graphs(&a, &c), CanvasDiff::default());
    }
}
