//! [`ActivationLayer`]: element-wise activations and the per-row softmax.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Zip, s};

use super::fastmath::{exp_inplace, sigmoid_inplace, tanh_inplace};
use super::parallel::{for_each_row_chunk, row_work};
use super::{Ctx, Float, Layer};

/// An activation function.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    /// `max(0, x)`.
    Relu,
    /// `x` if `x > 0`, else `slope·x`.
    LeakyRelu(f64),
    /// `x` if `x > 0`, else `alpha·(eˣ − 1)`.
    Elu(f64),
    /// `1 / (1 + e⁻ˣ)`, computed without overflow.
    Sigmoid,
    /// `tanh x`.
    Tanh,
    /// Per-sample softmax over the features, `eˣⁱ / Σ eˣʲ` (the row maximum
    /// is subtracted first, so large logits do not overflow).
    Softmax,
    /// Exact GELU, `x·Φ(x) = x·(1 + erf(x/√2))/2` (PyTorch's default).
    Gelu,
    /// The identity.
    Linear,
}

impl Act {
    /// The name shown in messages and returned by [`Layer::kind`].
    pub fn name(self) -> &'static str {
        match self {
            Self::Relu => "ReLU",
            Self::LeakyRelu(_) => "LeakyReLU",
            Self::Elu(_) => "ELU",
            Self::Sigmoid => "Sigmoid",
            Self::Tanh => "Tanh",
            Self::Softmax => "Softmax",
            Self::Gelu => "GELU",
            Self::Linear => "Linear",
        }
    }

    /// The derivative `∂y/∂x` of one feature at input `x` with output `y`
    /// (what the backward pass multiplies by); `None` for Softmax, whose
    /// outputs each depend on all inputs.
    pub fn derivative(self, x: f64, y: f64) -> Option<f64> {
        Some(match self {
            Self::Relu => f64::from(u8::from(x > 0.0)),
            Self::LeakyRelu(s) => {
                if x > 0.0 {
                    1.0
                } else {
                    s
                }
            }
            Self::Elu(a) => {
                if x > 0.0 {
                    1.0
                } else {
                    y + a
                }
            }
            Self::Sigmoid => y * (1.0 - y),
            Self::Tanh => 1.0 - y * y,
            Self::Gelu => gelu_grad(x),
            Self::Linear => 1.0,
            Self::Softmax => return None,
        })
    }
}

/// The logistic function `1 / (1 + e⁻ˣ)`, stable for large `|x|`.
pub fn sigmoid<F: Float>(x: F) -> F {
    if x >= F::zero() {
        F::one() / (F::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (F::one() + e)
    }
}

/// The error function, accurate to a few ulps of `f64` everywhere.
///
/// For `|x| < 3` it sums the series `erf x = 2/√π · e^(−x²) · Σ 2ⁿx^(2n+1) /
/// (1·3·…·(2n+1))`, whose terms are all positive (no cancellation); beyond,
/// it evaluates `erfc x = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3⁄2/(x + …))))`,
/// the Laplace continued fraction, from 80 terms deep.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let a = x.abs();
    let r = if a < 3.0 {
        let x2 = a * a;
        let mut term = a;
        let mut sum = a;
        let mut n = 0.0;
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
        }
        std::f64::consts::FRAC_2_SQRT_PI * (-x2).exp() * sum
    } else if a > 6.5 {
        1.0
    } else {
        let mut f = a;
        for n in (1..=80).rev() {
            f = a + (n as f64 * 0.5) / f;
        }
        1.0 - (-a * a).exp() / (std::f64::consts::PI.sqrt() * f)
    };
    if x < 0.0 { -r } else { r }
}

fn gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + erf(x * std::f64::consts::FRAC_1_SQRT_2))
}

fn gelu_grad(x: f64) -> f64 {
    let cdf = 0.5 * (1.0 + erf(x * std::f64::consts::FRAC_1_SQRT_2));
    let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    cdf + x * pdf
}

/// An activation applied to every feature (or, for softmax, to each row).
///
/// # Shapes
/// input `[batch, len]`, output `[batch, len]`; no parameters.
pub struct ActivationLayer {
    act: Act,
    len: usize,
}

impl ActivationLayer {
    /// An activation over `len` features per sample.
    pub fn new(act: Act, len: usize) -> Self {
        Self { act, len }
    }

    /// The function applied.
    pub fn act(&self) -> Act {
        self.act
    }
}

impl<F: Float> Layer<F> for ActivationLayer {
    fn kind(&self) -> &'static str {
        self.act.name()
    }

    fn output_len(&self) -> usize {
        self.len
    }

    fn parallel_work(&self, batch: usize) -> usize {
        row_work(batch, self.len)
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let Some(x) = inputs.first() else { return };
        let act = self.act;
        for_each_row_chunk(out.view_mut(), |rows, o| {
            forward_rows(act, x.slice(s![rows, ..]), o);
        });
    }

    fn backward(
        &mut self,
        inputs: &[ArrayView2<F>],
        out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let (Some(x), Some(gx)) = (inputs.first(), grad_inputs.first_mut()) else {
            return;
        };
        let act = self.act;
        for_each_row_chunk(gx.view_mut(), |rows, g| {
            let r = s![rows, ..];
            backward_rows(act, x.slice(r), out.slice(r), grad_out.slice(r), g);
        });
    }
}

/// The activation of the rows `x` into `out`.
fn forward_rows<F: Float>(act: Act, x: ArrayView2<F>, mut out: ArrayViewMut2<F>) {
    if matches!(act, Act::Sigmoid | Act::Tanh | Act::Gelu)
        && let Some(o) = out.as_slice_mut()
    {
        // Vectorised exp-based functions on the contiguous output.
        for (d, &v) in o.iter_mut().zip(x.iter()) {
            *d = v;
        }
        match act {
            Act::Sigmoid => sigmoid_inplace(o),
            Act::Tanh => tanh_inplace(o),
            _ => super::fastmath::gelu_inplace(o),
        }
        return;
    }
    let z = Zip::from(out.view_mut()).and(&x);
    match act {
        Act::Relu => z.for_each(|o, &x| *o = x.max(F::zero())),
        Act::LeakyRelu(s) => {
            let s = F::of(s);
            z.for_each(|o, &x| *o = if x > F::zero() { x } else { s * x });
        }
        Act::Elu(a) => {
            let a = F::of(a);
            z.for_each(|o, &x| *o = if x > F::zero() { x } else { a * x.exp_m1() });
        }
        Act::Sigmoid => z.for_each(|o, &x| *o = sigmoid(x)),
        Act::Tanh => z.for_each(|o, &x| *o = x.tanh()),
        Act::Gelu => z.for_each(|o, &x| *o = F::of(gelu(x.f64()))),
        Act::Linear => z.for_each(|o, &x| *o = x),
        Act::Softmax => {
            for (mut o, x) in out.rows_mut().into_iter().zip(x.rows()) {
                let m = x.fold(F::neg_infinity(), |m, &v| m.max(v));
                Zip::from(&mut o).and(&x).for_each(|o, &v| *o = v - m);
                match o.as_slice_mut() {
                    Some(row) => exp_inplace(row),
                    None => o.mapv_inplace(F::exp),
                }
                let s = o.sum();
                o /= s;
            }
        }
    }
}

/// The gradient for the rows: `gx = ∂L/∂x` from the inputs `x`, outputs
/// `out` and `grad_out`.
fn backward_rows<F: Float>(
    act: Act,
    x: ArrayView2<F>,
    out: ArrayView2<F>,
    grad_out: ArrayView2<F>,
    mut gx: ArrayViewMut2<F>,
) {
    if act == Act::Gelu
        && let Some(d) = gx.as_slice_mut()
    {
        // GELU′(x) vectorised in place, then times the incoming gradient.
        for (d, &v) in d.iter_mut().zip(x.iter()) {
            *d = v;
        }
        super::fastmath::gelu_grad_inplace(d);
        for (d, &g) in d.iter_mut().zip(grad_out.iter()) {
            *d *= g;
        }
        return;
    }
    let z = Zip::from(gx.view_mut()).and(&x).and(&out).and(&grad_out);
    let one = F::one();
    match act {
        Act::Relu => z.for_each(|d, &x, _, &g| *d = if x > F::zero() { g } else { F::zero() }),
        Act::LeakyRelu(s) => {
            let s = F::of(s);
            z.for_each(|d, &x, _, &g| *d = if x > F::zero() { g } else { s * g });
        }
        Act::Elu(a) => {
            let a = F::of(a);
            z.for_each(|d, &x, &y, &g| *d = if x > F::zero() { g } else { g * (y + a) });
        }
        Act::Sigmoid => z.for_each(|d, _, &y, &g| *d = g * y * (one - y)),
        Act::Tanh => z.for_each(|d, _, &y, &g| *d = g * (one - y * y)),
        Act::Gelu => z.for_each(|d, &x, _, &g| *d = g * F::of(gelu_grad(x.f64()))),
        Act::Linear => z.for_each(|d, _, _, &g| *d = g),
        Act::Softmax => {
            for ((mut d, y), g) in gx
                .rows_mut()
                .into_iter()
                .zip(out.rows())
                .zip(grad_out.rows())
            {
                let s = y.dot(&g);
                Zip::from(&mut d)
                    .and(&y)
                    .and(&g)
                    .for_each(|d, &y, &g| *d = y * (g - s));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::gradcheck::{check, random};

    const ALL: [Act; 9] = [
        Act::Relu,
        Act::LeakyRelu(0.1),
        Act::Elu(1.0),
        Act::Elu(0.5),
        Act::Sigmoid,
        Act::Tanh,
        Act::Softmax,
        Act::Gelu,
        Act::Linear,
    ];

    #[test]
    fn gradcheck_every_activation_at_two_shapes() {
        for act in ALL {
            for (batch, len, seed) in [(3, 5, 1), (2, 1, 2), (1, 8, 3)] {
                let mut layer = ActivationLayer::new(act, len);
                // Scale to ±3 so GELU, sigmoid and ELU see their curved parts.
                let x = random(batch, len, seed) * 3.0;
                let r = check(&mut layer, &[x], 1e-5);
                assert!(r.is_ok(), "{act:?} [{batch}, {len}]: {r:?}");
            }
        }
    }

    /// `Act::derivative` is what the backward pass multiplies by: the same
    /// numbers, feature by feature, for every element-wise activation.
    #[test]
    fn derivative_is_what_backward_multiplies_by() {
        for act in ALL {
            let x = random(1, 9, 7) * 3.0;
            let mut layer = ActivationLayer::new(act, 9);
            let mut y = Array2::zeros((1, 9));
            let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
            let mut ctx = crate::engine::Ctx {
                mode: crate::engine::Mode::Eval,
                rng: &mut rng,
            };
            layer.forward(&[x.view()], &mut y, &mut ctx);
            let ones = Array2::ones((1, 9));
            let mut gx = vec![Array2::zeros((1, 9))];
            layer.backward(&[x.view()], y.view(), ones.view(), &mut gx);
            for j in 0..9 {
                match act.derivative(x[[0, j]], y[[0, j]]) {
                    Some(d) => assert!((d - gx[0][[0, j]]).abs() < 1e-15, "{act:?}"),
                    None => assert_eq!(act, Act::Softmax),
                }
            }
        }
    }

    #[test]
    fn erf_matches_reference_values() {
        // Reference values from the C library's erf (Python's math.erf).
        let cases = [
            (0.0, 0.0),
            (0.1, 0.112_462_916_018_284_9),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (2.999, 0.999_977_769_831_400_2),
            (3.0, 0.999_977_909_503_001_4),
            (4.0, 0.999_999_984_582_742_1),
            (-1.5, -0.966_105_146_475_310_7),
        ];
        for (x, want) in cases {
            let got = erf(x);
            assert!((got - want).abs() < 4e-16, "erf({x}) = {got}, want {want}");
        }
    }

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let mut layer = ActivationLayer::new(Act::Softmax, 3);
        let x = ndarray::array![[1000.0, 1001.0, 999.0], [-5.0, 0.0, 5.0]];
        let mut out = Array2::zeros((2, 3));
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
        let mut ctx = Ctx {
            mode: crate::engine::Mode::Eval,
            rng: &mut rng,
        };
        Layer::<f64>::forward(&mut layer, &[x.view()], &mut out, &mut ctx);
        assert!(out.iter().all(|v: &f64| v.is_finite()));
        for row in out.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        assert!(out[[0, 1]] > out[[0, 0]] && out[[0, 0]] > out[[0, 2]]);
    }
}
