//! Weight surgery: a network's learned weights (and its optimizer's state)
//! carried into a changed version of it, so an edit keeps what was learned.
//!
//! Layers are matched by graph node id. [`transfer`] walks the new
//! network in order and follows, for every feature of every node's output,
//! which feature of the old network it continues (a *feature map*):
//! widened layers keep their old units and start new ones with fresh
//! incoming and zero outgoing weights (the zero columns are found through
//! activations, normalisation, Flatten, pooling and concatenation, in
//! whatever layout — channel blocks after a Conv2D, gate blocks of a
//! recurrent layer), so the function is unchanged; narrowed layers keep
//! the units with the largest outgoing weight norm; new layers start as
//! the identity where one exists. [`edit`] makes the structural edits the
//! command line and the live run ask for.
//!
//! This module knows the model (settings, graph) and the engine (networks,
//! parameter tensors by name and shape); the engine knows nothing of it.

pub mod edit;
mod narrow;
mod old;
mod plan;
mod report;
mod transfer;

#[cfg(test)]
mod tests;

pub use edit::{Edit, EditError};
pub use old::{OldNet, OldTensor};
pub use report::{Counts, Fate, LayerReport, Report};
pub use transfer::{Target, transfer};

use ndarray::ArrayView2;

/// The largest absolute difference between two networks' outputs
/// (`None` when their shapes differ).
pub fn largest_change(before: ArrayView2<f32>, after: ArrayView2<f32>) -> Option<f64> {
    (before.dim() == after.dim()).then(|| {
        before
            .iter()
            .zip(after.iter())
            .map(|(a, b)| f64::from((a - b).abs()))
            .fold(0.0, f64::max)
    })
}

/// Outputs that differ by at most this much count as the same function.
pub const PRESERVED: f64 = 1e-5;
