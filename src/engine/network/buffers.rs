//! The batch-sized buffers of a [`Network`](super::Network) and gathering
//! a node's inputs without allocating.

use ndarray::{Array2, ArrayView2};

use super::Source;
use crate::engine::Float;

/// The most input ports gathered without allocating.
const MAX_PORTS: usize = 8;

/// Everything sized by the batch: activations and gradients.
pub(super) struct Buffers<F: Float> {
    pub(super) batch: usize,
    /// Copy of the latest input batch `[batch, input_len]`.
    pub(super) input: Array2<F>,
    /// `outs[i]`: node `i`'s output `[batch, output_len_i]`.
    pub(super) outs: Vec<Array2<F>>,
    /// `grads[i]`: ∂loss/∂`outs[i]`; empty until the first backward pass.
    pub(super) grads: Vec<Array2<F>>,
    /// `grad_in[i][p]`: what node `i`'s backward wrote for input port `p`.
    pub(super) grad_in: Vec<Vec<Array2<F>>>,
    /// ∂loss/∂input.
    pub(super) input_grad: Array2<F>,
}

impl<F: Float> Buffers<F> {
    pub(super) fn new(batch: usize, input_len: usize, out_lens: &[usize]) -> Self {
        Self {
            batch,
            input: Array2::zeros((batch, input_len)),
            outs: out_lens
                .iter()
                .map(|&l| Array2::zeros((batch, l)))
                .collect(),
            grads: Vec::new(),
            grad_in: Vec::new(),
            input_grad: Array2::zeros((0, 0)),
        }
    }

    /// Allocates the gradient buffers if they are missing; `grad_lens[i][p]`
    /// is the width of node `i`'s port-`p` input-gradient buffer (0 where
    /// the gradient is not wanted).
    pub(super) fn ensure_grads(
        &mut self,
        input_len: usize,
        out_lens: &[usize],
        grad_lens: &[Vec<usize>],
    ) {
        if self.grads.len() == out_lens.len() {
            return;
        }
        let b = self.batch;
        self.grads = out_lens.iter().map(|&l| Array2::zeros((b, l))).collect();
        self.grad_in = grad_lens
            .iter()
            .map(|ports| ports.iter().map(|&l| Array2::zeros((b, l))).collect())
            .collect();
        self.input_grad = Array2::zeros((b, input_len));
    }
}

/// Calls `f` with views of `sources`, without allocating for up to
/// [`MAX_PORTS`] ports. `outs` holds (at least) the outputs of all earlier
/// nodes; a source that is out of range (impossible after
/// [`Network::new`]'s checks) reads the input instead of panicking.
pub(super) fn with_inputs<F: Float, R>(
    sources: &[Source],
    input: &Array2<F>,
    outs: &[Array2<F>],
    f: impl FnOnce(&[ArrayView2<F>]) -> R,
) -> R {
    let view = |s: &Source| match *s {
        Source::Input => input.view(),
        Source::Node(j) => outs.get(j).unwrap_or(input).view(),
    };
    if sources.len() <= MAX_PORTS {
        let mut arr = [input.view(); MAX_PORTS];
        for (a, s) in arr.iter_mut().zip(sources) {
            *a = view(s);
        }
        f(arr.get(..sources.len()).unwrap_or(&[]))
    } else {
        let v: Vec<ArrayView2<F>> = sources.iter().map(view).collect();
        f(&v)
    }
}
