//! [`Dense`]: a fully connected layer, `y = x·Wᵀ + b`.

use ndarray::{Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;

use super::init::{InitKind, fill};
use super::linalg::gemm;
use super::{Ctx, Float, Layer, Param};

/// A fully connected (PyTorch `Linear`) layer: `y = x·Wᵀ + b`.
///
/// # Shapes
/// - input `[batch, in_len]`, output `[batch, units]`;
/// - `weight`: `[units, in_len]` (PyTorch layout), `bias`: `[1, units]`
///   (logical shape `[units]`).
///
/// Backward skips `∂L/∂input` when handed a gradient buffer that is not
/// `[batch, in_len]`: the network passes an empty one when nobody needs the
/// gradient of its input (a third of this layer's work). A forward pass on
/// an input of the wrong width yields NaN instead of panicking.
pub struct Dense<F: Float> {
    in_len: usize,
    units: usize,
    bias: bool,
    params: Vec<Param<F>>,
}

impl<F: Float> Dense<F> {
    /// A dense layer from `in_len` features to `units`, with the weight
    /// drawn by `init` (fans: `in_len`, `units`). The bias, if any, starts
    /// like PyTorch's, U(±1/√in_len), unless `init` is `Zeros` or
    /// `Constant`, in which case it starts at zero.
    pub fn new(
        in_len: usize,
        units: usize,
        bias: bool,
        init: InitKind,
        rng: &mut ChaCha8Rng,
    ) -> Self {
        let mut w = Array2::zeros((units, in_len));
        fill(&mut w, init, in_len, units, rng);
        let mut params = vec![Param::new("weight", vec![units, in_len], w, true)];
        if bias {
            let mut b = Array2::zeros((1, units));
            match init {
                InitKind::Zeros | InitKind::Constant(_) => {}
                _ => fill(&mut b, InitKind::TorchDefault, in_len, units, rng),
            }
            params.push(Param::new("bias", vec![units], b, false));
        }
        Self {
            in_len,
            units,
            bias,
            params,
        }
    }

    /// Features per input sample.
    pub fn in_len(&self) -> usize {
        self.in_len
    }
}

impl<F: Float> Layer<F> for Dense<F> {
    fn kind(&self) -> &'static str {
        "Dense"
    }

    fn output_len(&self) -> usize {
        self.units
    }

    fn parallel_work(&self, batch: usize) -> usize {
        super::linalg::parallel_work(batch, self.in_len, self.units)
    }

    fn flops(&self) -> u64 {
        2 * self.in_len as u64 * self.units as u64
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let Some(x) = inputs.first() else { return };
        let Some(w) = self.params.first() else { return };
        if x.ncols() != self.in_len || out.dim() != (x.nrows(), self.units) {
            out.fill(F::nan());
            return;
        }
        gemm(
            F::one(),
            x.view(),
            w.value.t(),
            F::zero(),
            &mut out.view_mut(),
        );
        if self.bias
            && let Some(b) = self.params.get(1)
        {
            *out += &b.value;
        }
    }

    fn backward(
        &mut self,
        inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let Some(x) = inputs.first() else { return };
        if x.dim() != (grad_out.nrows(), self.in_len) || grad_out.ncols() != self.units {
            return;
        }
        if let Some(w) = self.params.first_mut() {
            gemm(
                F::one(),
                grad_out.t(),
                x.view(),
                F::zero(),
                &mut w.grad.view_mut(),
            );
        }
        if self.bias
            && let Some(b) = self.params.get_mut(1)
        {
            b.grad.fill(F::zero());
            let mut acc = b.grad.row_mut(0);
            for row in grad_out.rows() {
                acc += &row;
            }
        }
        if let (Some(gx), Some(w)) = (grad_inputs.first_mut(), self.params.first())
            && gx.dim() == x.dim()
        {
            gemm(
                F::one(),
                grad_out,
                w.value.view(),
                F::zero(),
                &mut gx.view_mut(),
            );
        }
    }

    fn params(&self) -> &[Param<F>] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param<F>] {
        &mut self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::gradcheck::{check, random};
    use rand::SeedableRng;

    #[test]
    fn gradcheck_at_several_shapes() {
        for (batch, inp, out, bias) in [(3, 4, 5, true), (1, 7, 2, false), (5, 1, 3, true)] {
            let mut rng = ChaCha8Rng::seed_from_u64(3);
            let mut layer = Dense::<f64>::new(inp, out, bias, InitKind::XavierUniform, &mut rng);
            let x = random(batch, inp, 5);
            let err = check(&mut layer, &[x], 1e-5).unwrap();
            assert!(err < 1e-5);
        }
    }

    #[test]
    fn computes_x_wt_plus_b_and_inits_bias_like_torch() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut layer = Dense::<f64>::new(2, 2, true, InitKind::TorchDefault, &mut rng);
        let bound = 1.0 / 2f64.sqrt();
        assert!(layer.params()[1].value.iter().all(|b| b.abs() <= bound));
        assert!(layer.params()[1].value.iter().any(|b| *b != 0.0));
        layer.params_mut()[0].value = ndarray::array![[1.0, 2.0], [3.0, 4.0]];
        layer.params_mut()[1].value = ndarray::array![[0.5, -0.5]];
        let x = ndarray::array![[1.0, 1.0], [2.0, 0.0]];
        let mut out = Array2::zeros((2, 2));
        let mut ctx = Ctx {
            mode: crate::engine::Mode::Eval,
            rng: &mut rng,
        };
        layer.forward(&[x.view()], &mut out, &mut ctx);
        assert_eq!(out, ndarray::array![[3.5, 6.5], [2.5, 5.5]]);
        let zero = Dense::<f64>::new(3, 2, true, InitKind::Zeros, &mut rng);
        assert!(zero.params()[1].value.iter().all(|b| *b == 0.0));
    }
}
