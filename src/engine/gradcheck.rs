//! Finite-difference gradient checks for layers, in `f64`.
//!
//! The check defines a scalar `L = Σ out ⊙ g` for a fixed random `g`, so that
//! `∂L/∂out = g`; it compares `backward`'s input and parameter gradients with
//! central differences `(L(x+h) − L(x−h)) / 2h`.

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Ctx, Layer, Mode};

/// Step of the central difference.
pub const STEP: f64 = 1e-6;

/// The largest disagreement a check found.
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// Which gradient: `input 0 [3, 7]` or `param weight [2, 1]`.
    pub what: String,
    /// From `backward`.
    pub analytic: f64,
    /// From finite differences.
    pub numeric: f64,
}

fn loss(
    layer: &mut dyn Layer<f64>,
    inputs: &[Array2<f64>],
    g: &Array2<f64>,
    seed: u64,
) -> (f64, Array2<f64>) {
    let views: Vec<ArrayView2<f64>> = inputs.iter().map(|a| a.view()).collect();
    let mut out = Array2::zeros(g.raw_dim());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ctx = Ctx {
        mode: Mode::Train,
        rng: &mut rng,
    };
    layer.forward(&views, &mut out, &mut ctx);
    ((&out * g).sum(), out)
}

/// A random array with entries in U(−1, 1), seeded.
pub fn random(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0..1.0))
}

/// Checks `layer`'s gradients at `inputs` (each `[batch, in_len]`).
/// Returns the worst element whose analytic and numeric gradients differ by
/// more than `tol · max(1, |analytic|, |numeric|)`, or `Ok(max error seen)`.
pub fn check(
    layer: &mut dyn Layer<f64>,
    inputs: &[Array2<f64>],
    tol: f64,
) -> Result<f64, Mismatch> {
    const SEED: u64 = 1234;
    let batch = inputs.first().map_or(1, |x| x.nrows());
    let g = random(batch, layer.output_len(), 99);
    let (_, out) = loss(layer, inputs, &g, SEED);
    let views: Vec<ArrayView2<f64>> = inputs.iter().map(|a| a.view()).collect();
    let mut grad_inputs: Vec<Array2<f64>> =
        inputs.iter().map(|a| Array2::zeros(a.raw_dim())).collect();
    layer.backward(&views, out.view(), g.view(), &mut grad_inputs);
    let param_grads: Vec<Array2<f64>> = layer.params().iter().map(|p| p.grad.clone()).collect();

    let mut worst: Option<Mismatch> = None;
    let mut max_err = 0.0f64;
    let mut judge = |what: String, analytic: f64, numeric: f64| {
        let scale = 1.0f64.max(analytic.abs()).max(numeric.abs());
        let err = (analytic - numeric).abs() / scale;
        max_err = max_err.max(err);
        if err > tol
            && worst.as_ref().is_none_or(|w| {
                err > (w.analytic - w.numeric).abs()
                    / 1.0f64.max(w.analytic.abs()).max(w.numeric.abs())
            })
        {
            worst = Some(Mismatch {
                what,
                analytic,
                numeric,
            });
        }
    };

    let mut xs: Vec<Array2<f64>> = inputs.to_vec();
    for i in 0..xs.len() {
        let shape = xs[i].dim();
        for r in 0..shape.0 {
            for c in 0..shape.1 {
                let orig = xs[i][[r, c]];
                xs[i][[r, c]] = orig + STEP;
                let (lp, _) = loss(layer, &xs, &g, SEED);
                xs[i][[r, c]] = orig - STEP;
                let (lm, _) = loss(layer, &xs, &g, SEED);
                xs[i][[r, c]] = orig;
                judge(
                    format!("input {i} [{r}, {c}]"),
                    grad_inputs[i][[r, c]],
                    (lp - lm) / (2.0 * STEP),
                );
            }
        }
    }
    for (p, analytic) in param_grads.iter().enumerate() {
        let (rows, cols) = analytic.dim();
        for r in 0..rows {
            for c in 0..cols {
                let orig = layer.params()[p].value[[r, c]];
                layer.params_mut()[p].value[[r, c]] = orig + STEP;
                let (lp, _) = loss(layer, &xs, &g, SEED);
                layer.params_mut()[p].value[[r, c]] = orig - STEP;
                let (lm, _) = loss(layer, &xs, &g, SEED);
                layer.params_mut()[p].value[[r, c]] = orig;
                let name = layer.params()[p].name;
                judge(
                    format!("param {name} [{r}, {c}]"),
                    analytic[[r, c]],
                    (lp - lm) / (2.0 * STEP),
                );
            }
        }
    }
    match worst {
        Some(w) => Err(w),
        None => Ok(max_err),
    }
}

#[cfg(test)]
mod tests {
    //! The checker itself: for every layer family it accepts the real
    //! `backward` and rejects one whose gradient is off in one element.

    use ndarray::{Array2, ArrayView2};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::{Mismatch, check, random};
    use crate::engine::activation::{Act, ActivationLayer};
    use crate::engine::conv::{Conv2D, ConvConfig, Pad};
    use crate::engine::dense::Dense;
    use crate::engine::dropout::Dropout;
    use crate::engine::init::InitKind;
    use crate::engine::merge::{Add, Concatenate};
    use crate::engine::norm::{BatchNorm, LayerNorm};
    use crate::engine::pool::{GlobalAvgPool, Pool2D};
    use crate::engine::recurrent::{Cell, Recurrent};
    use crate::engine::reshape::Identity;
    use crate::engine::{Ctx, Layer, Param};

    /// Which gradient a [`Perturbed`] layer gets wrong.
    #[derive(Clone, Copy, Debug)]
    enum Wrong {
        /// Input 0's gradient, in its last element.
        Input,
        /// The last parameter's gradient, in its first element.
        Param,
    }

    /// Perturbation added to one gradient element: small (a bug such as
    /// a missing term at one position), yet ten times the tolerance.
    const OFF: f64 = 1e-4;
    const TOL: f64 = 1e-5;

    /// `inner` with a `backward` that is off by [`OFF`] in one element.
    struct Perturbed<L> {
        inner: L,
        wrong: Wrong,
    }

    impl<L: Layer<f64>> Layer<f64> for Perturbed<L> {
        fn kind(&self) -> &'static str {
            self.inner.kind()
        }
        fn output_len(&self) -> usize {
            self.inner.output_len()
        }
        fn forward(&mut self, inputs: &[ArrayView2<f64>], out: &mut Array2<f64>, ctx: &mut Ctx) {
            self.inner.forward(inputs, out, ctx);
        }
        fn backward(
            &mut self,
            inputs: &[ArrayView2<f64>],
            out: ArrayView2<f64>,
            grad_out: ArrayView2<f64>,
            grad_inputs: &mut [Array2<f64>],
        ) {
            self.inner.backward(inputs, out, grad_out, grad_inputs);
            match self.wrong {
                Wrong::Input => {
                    if let Some(v) = grad_inputs[0].iter_mut().last() {
                        *v += OFF;
                    }
                }
                Wrong::Param => {
                    let p = self.inner.params_mut().last_mut().expect("a parameter");
                    p.grad[[0, 0]] += OFF;
                }
            }
        }
        fn params(&self) -> &[Param<f64>] {
            self.inner.params()
        }
        fn params_mut(&mut self) -> &mut [Param<f64>] {
            self.inner.params_mut()
        }
    }

    /// The real `backward` passes; each perturbed one fails, naming the
    /// gradient it got wrong.
    fn accepts_right_and_rejects_wrong<L: Layer<f64>>(
        family: &str,
        make: impl Fn() -> L,
        inputs: &[Array2<f64>],
    ) {
        let mut right = make();
        let ok = check(&mut right, inputs, TOL);
        assert!(ok.is_ok(), "{family}: the real backward fails: {ok:?}");
        let mut kinds = vec![Wrong::Input];
        if !right.params().is_empty() {
            kinds.push(Wrong::Param);
        }
        for wrong in kinds {
            let mut layer = Perturbed {
                inner: make(),
                wrong,
            };
            let r: Result<f64, Mismatch> = check(&mut layer, inputs, TOL);
            let m = r.expect_err(&format!(
                "{family}: a {wrong:?} gradient off by {OFF} passed"
            ));
            let named = match wrong {
                Wrong::Input => m.what.starts_with("input 0"),
                Wrong::Param => m.what.starts_with("param"),
            };
            assert!(named, "{family}: {wrong:?} reported as {m:?}");
            assert!(
                ((m.analytic - m.numeric).abs() - OFF).abs() < OFF * 0.1,
                "{family}: the mismatch is the perturbation: {m:?}"
            );
        }
    }

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(3)
    }

    #[test]
    fn dense_and_convolution() {
        accepts_right_and_rejects_wrong(
            "Dense",
            || Dense::<f64>::new(4, 3, true, InitKind::XavierUniform, &mut rng()),
            &[random(3, 4, 1)],
        );
        let cfg = ConvConfig {
            filters: 2,
            kernel: 3,
            stride: 1,
            pad: Pad::Same,
            bias: true,
            init: InitKind::HeNormal,
        };
        accepts_right_and_rejects_wrong(
            "Conv2D",
            || Conv2D::<f64>::new([2, 4, 4], cfg, &mut rng()).expect("valid geometry"),
            &[random(2, 32, 2)],
        );
    }

    #[test]
    fn recurrent_cells() {
        for cell in [Cell::Rnn, Cell::Lstm, Cell::Gru] {
            for seq in [true, false] {
                accepts_right_and_rejects_wrong(
                    &format!("{cell:?} seq={seq}"),
                    || {
                        let init = Some(InitKind::Uniform(0.8));
                        Recurrent::<f64>::new(cell, 3, 2, 3, seq, init, &mut rng())
                    },
                    &[random(2, 6, 4)],
                );
            }
        }
    }

    #[test]
    fn normalisation() {
        accepts_right_and_rejects_wrong(
            "BatchNorm",
            || BatchNorm::<f64>::new(2, 3, 0.1, 1e-5),
            &[random(4, 6, 1)],
        );
        accepts_right_and_rejects_wrong(
            "LayerNorm",
            || LayerNorm::<f64>::new(5, 1e-5),
            &[random(3, 5, 3)],
        );
    }

    #[test]
    fn pooling() {
        for max in [true, false] {
            accepts_right_and_rejects_wrong(
                &format!("Pool2D max={max}"),
                || Pool2D::new([2, 4, 4], 2, 2, max).expect("valid geometry"),
                &[random(2, 32, 5)],
            );
        }
        accepts_right_and_rejects_wrong(
            "GlobalAvgPool",
            || GlobalAvgPool::new([3, 2, 2]),
            &[random(2, 12, 1)],
        );
    }

    #[test]
    fn activations() {
        for act in [
            Act::Relu,
            Act::LeakyRelu(0.1),
            Act::Elu(0.7),
            Act::Sigmoid,
            Act::Tanh,
            Act::Softmax,
            Act::Gelu,
            Act::Linear,
        ] {
            accepts_right_and_rejects_wrong(
                &format!("{act:?}"),
                || ActivationLayer::new(act, 5),
                &[random(3, 5, 1) * 3.0],
            );
        }
    }

    #[test]
    fn merges_dropout_and_reshapes() {
        accepts_right_and_rejects_wrong(
            "Add",
            || Add::new(4, 2),
            &[random(3, 4, 1), random(3, 4, 2)],
        );
        accepts_right_and_rejects_wrong(
            "Concatenate",
            || Concatenate::new(vec![vec![2], vec![3]]),
            &[random(3, 2, 1), random(3, 3, 2)],
        );
        accepts_right_and_rejects_wrong(
            "Dropout",
            || Dropout::<f64>::new(0.3, 6),
            &[random(4, 6, 8)],
        );
        accepts_right_and_rejects_wrong(
            "Flatten",
            || Identity::new("Flatten", 6),
            &[random(2, 6, 1)],
        );
    }
}
