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
