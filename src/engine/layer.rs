//! The [`Layer`] trait every engine layer implements, and its parameters.

use ndarray::{Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;

use super::Float;

/// Whether the network is training (dropout active, batch statistics) or
/// evaluating (dropout off, running statistics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Training: dropout drops, BatchNorm uses and updates batch statistics.
    Train,
    /// Evaluation: dropout is the identity, BatchNorm uses running statistics.
    Eval,
}

/// What a layer may use during a forward pass besides its inputs.
pub struct Ctx<'a> {
    /// Train or eval.
    pub mode: Mode,
    /// The network's seeded random stream (dropout masks).
    pub rng: &'a mut ChaCha8Rng,
}

/// One learnable tensor with its gradient.
///
/// # Shapes
/// `value` and `grad` are `[rows, cols]`; `shape` is the logical shape in
/// PyTorch's layout (e.g. `[out, in, kh, kw]` for a conv weight stored as
/// `[out, in·kh·kw]`), whose row-major flattening equals `value`'s.
#[derive(Clone, Debug)]
pub struct Param<F: Float> {
    /// Name within the layer, as PyTorch names it: `weight`, `bias`,
    /// `weight_ih`, `running_mean` is *not* a parameter.
    pub name: &'static str,
    /// Logical shape in PyTorch's layout.
    pub shape: Vec<usize>,
    /// Current value.
    pub value: Array2<F>,
    /// Gradient of the loss with respect to `value`, set by `backward`.
    pub grad: Array2<F>,
    /// Whether weight decay and L1/L2 penalties apply (weights yes, biases
    /// and normalisation scales no).
    pub decay: bool,
}

impl<F: Float> Param<F> {
    /// A parameter with the given value and a zero gradient.
    pub fn new(name: &'static str, shape: Vec<usize>, value: Array2<F>, decay: bool) -> Self {
        let grad = Array2::zeros(value.raw_dim());
        Self {
            name,
            shape,
            value,
            grad,
            decay,
        }
    }
}

/// A layer with forward and backward passes over a batch.
///
/// The network owns the output and gradient buffers and passes them in, so
/// that a steady-state training step allocates nothing.
pub trait Layer<F: Float>: Send {
    /// The layer's kind, e.g. `"Dense"`, for messages.
    fn kind(&self) -> &'static str;

    /// Features per sample of the output (the product of its shape).
    fn output_len(&self) -> usize;

    /// How much of a training step on `batch` rows this layer can spread
    /// over threads, in multiply-adds or values (0: nothing worth it). The
    /// network hands a step to the engine's worker threads only when its
    /// layers' sum is large enough to pay for the hand-over.
    fn parallel_work(&self, _batch: usize) -> usize {
        0
    }

    /// Floating-point operations of the forward pass for one sample,
    /// counting the layer's matrix products only (two per multiply-add;
    /// 0 for layers without products). A training step costs about three
    /// times this (forward, weight gradient, input gradient): the "useful
    /// work" that `neuroglass bench` reports as GFLOP/s.
    fn flops(&self) -> u64 {
        0
    }

    /// Computes the output for a batch. `inputs` has one view per input port,
    /// each `[batch, in_len]`; `out` is already `[batch, output_len]`.
    /// The layer may cache what its backward pass needs.
    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, ctx: &mut Ctx);

    /// Given `grad_out = ∂L/∂out` (`[batch, output_len]`), sets every
    /// parameter's `grad` and writes `∂L/∂input` into `grad_inputs` (one
    /// pre-shaped buffer per input port, overwritten, not accumulated).
    /// `inputs` and `out` are those of the latest forward pass, usually in
    /// `Train` mode; after an `Eval` pass (a one-sample trace) it is the
    /// derivative of what that pass computed (BatchNorm's running-statistics
    /// form, Dropout the identity).
    fn backward(
        &mut self,
        inputs: &[ArrayView2<F>],
        out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    );

    /// The learnable parameters, in a fixed order.
    fn params(&self) -> &[Param<F>] {
        &[]
    }

    /// The learnable parameters, mutably (optimizers, weight loading).
    fn params_mut(&mut self) -> &mut [Param<F>] {
        &mut []
    }

    /// Non-learned state that must be saved with the weights (BatchNorm's
    /// running mean and variance), as `(name, values)`.
    fn buffers(&self) -> Vec<(&'static str, Vec<F>)> {
        Vec::new()
    }

    /// Restores state returned by [`Layer::buffers`]; unknown names are ignored.
    fn set_buffer(&mut self, _name: &str, _values: &[F]) {}
}
