//! Reading a [`Network`]'s activations, gradients and parameters for the
//! glass-box views, without copying.

use ndarray::ArrayView2;

use super::Network;
use crate::engine::optim::grad_norm;
use crate::engine::{Float, Param};

impl<F: Float> Network<F> {
    /// Node `i`'s output from the latest forward pass, without copying.
    pub fn node_output(&self, i: usize) -> Option<ArrayView2<'_, F>> {
        self.bufs.outs.get(i).map(|a| a.view())
    }

    /// ∂loss/∂(node `i`'s output) from the latest backward pass (for the
    /// output node of a fused softmax + cross-entropy: with respect to the
    /// softmax's input). `None` before any backward pass, and for nodes
    /// whose gradient nothing needs (no parameters at or before them, e.g.
    /// an Input pass-through, unless [`Network::set_input_grad`] is on).
    pub fn node_grad(&self, i: usize) -> Option<ArrayView2<'_, F>> {
        if !self.needs_grad.get(i).copied().unwrap_or(false) {
            return None;
        }
        self.bufs.grads.get(i).map(|a| a.view())
    }

    /// ∂loss/∂input from the latest backward pass (`[batch, input_len]`),
    /// `None` before any or unless [`Network::set_input_grad`] is on.
    pub fn input_grad(&self) -> Option<ArrayView2<'_, F>> {
        (self.want_input_grad && !self.bufs.grads.is_empty()).then(|| self.bufs.input_grad.view())
    }

    /// Node `i`'s parameters (empty for parameter-free layers or a bad index).
    pub fn node_params(&self, i: usize) -> &[Param<F>] {
        self.nodes.get(i).map_or(&[], |n| n.layer.params())
    }

    /// Node `i`'s parameters, mutably.
    pub fn node_params_mut(&mut self, i: usize) -> &mut [Param<F>] {
        match self.nodes.get_mut(i) {
            Some(n) => n.layer.params_mut(),
            None => &mut [],
        }
    }

    /// All parameters in a fixed order (nodes in order, then each layer's).
    pub fn params(&self) -> impl Iterator<Item = &Param<F>> {
        self.nodes.iter().flat_map(|n| n.layer.params().iter())
    }

    /// All parameters mutably, in the order of [`Network::params`] — the
    /// order an [`Optimizer`]'s state follows.
    pub fn params_mut(&mut self) -> impl Iterator<Item = &mut Param<F>> {
        self.nodes
            .iter_mut()
            .flat_map(|n| n.layer.params_mut().iter_mut())
    }

    /// The number of learnable scalars.
    pub fn num_params(&self) -> usize {
        self.params().map(|p| p.value.len()).sum()
    }

    /// The gradient norm `√(Σ g²)` of each node that has parameters, as
    /// `(node index, norm)`, from the latest backward pass.
    pub fn grad_norms(&self) -> Vec<(usize, f64)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| !n.layer.params().is_empty())
            .map(|(i, n)| (i, grad_norm(n.layer.params())))
            .collect()
    }

    /// The global gradient norm of the latest training step before
    /// clipping, if it clipped (otherwise see [`Network::global_grad_norm`]).
    pub fn last_grad_norm(&self) -> Option<f64> {
        self.last_grad_norm
    }

    /// The global norm `√(Σ g²)` of all parameter gradients as they are now
    /// (after any clipping).
    pub fn global_grad_norm(&self) -> f64 {
        grad_norm(self.params())
    }
}
