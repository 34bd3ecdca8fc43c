//! The design diff of two recorded runs: the list of changes with paths
//! and words for the panel, and the node differences for the canvas.

use crate::runs::{DesignChange, design_diff};

use super::super::canvas::diff::CanvasDiff;
use super::Entry;

/// Two runs compared.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The first run's id.
    pub a: String,
    /// The second run's id.
    pub b: String,
    /// Every change, with its path and words.
    pub changes: Vec<DesignChange>,
    /// For the canvas.
    pub canvas: CanvasDiff,
}

/// Compares two listed runs (`None` when a project is unreadable).
pub fn compare(a: &Entry, b: &Entry) -> Option<Comparison> {
    let (pa, pb) = (a.project.as_ref()?, b.project.as_ref()?);
    let changes = design_diff(pa, pb);
    let mut canvas = CanvasDiff::of_graphs(&pa.graph, &pb.graph);
    canvas.title = format!("{} → {}", a.name(), b.name());
    canvas.settings = changes
        .iter()
        .filter(|c| c.path.starts_with("training.") || c.path.starts_with("data."))
        .map(|c| c.words.clone())
        .collect();
    Some(Comparison {
        a: a.id().to_string(),
        b: b.id().to_string(),
        changes,
        canvas,
    })
}
