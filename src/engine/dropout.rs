//! [`Dropout`]: inverted dropout.

use ndarray::{Array2, ArrayView2, Zip};
use rand::Rng;

use super::{Ctx, Float, Layer, Mode};

/// Inverted dropout: in training, each feature is zeroed with probability
/// `p` and the survivors are scaled by `1/(1−p)`, so evaluation is the
/// identity. The mask comes from the network's seeded stream (`ctx.rng`).
///
/// # Shapes
/// input `[batch, len]`, output `[batch, len]`; no parameters.
pub struct Dropout<F: Float> {
    p: f64,
    len: usize,
    /// `0` or `1/(1−p)` per element of the latest training batch.
    mask: Array2<F>,
    /// Whether the latest forward pass was in training mode.
    trained: bool,
}

impl<F: Float> Dropout<F> {
    /// Dropout of rate `p` (clamped to `[0, 1]`) over `len` features.
    pub fn new(p: f64, len: usize) -> Self {
        Self {
            p: if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) },
            len,
            mask: Array2::zeros((0, len)),
            trained: false,
        }
    }
}

impl<F: Float> Layer<F> for Dropout<F> {
    fn kind(&self) -> &'static str {
        "Dropout"
    }

    fn output_len(&self) -> usize {
        self.len
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, ctx: &mut Ctx) {
        let Some(x) = inputs.first() else { return };
        self.trained = ctx.mode == Mode::Train && self.p > 0.0;
        if !self.trained {
            out.assign(x);
            return;
        }
        if self.mask.dim() != x.dim() {
            self.mask = Array2::zeros(x.dim());
        }
        let keep = 1.0 - self.p;
        let scale = if keep > 0.0 {
            F::of(1.0 / keep)
        } else {
            F::zero()
        };
        let p = self.p;
        for m in self.mask.iter_mut() {
            *m = if ctx.rng.random::<f64>() < p {
                F::zero()
            } else {
                scale
            };
        }
        Zip::from(out.view_mut())
            .and(x)
            .and(&self.mask)
            .for_each(|o, &x, &m| *o = x * m);
    }

    fn backward(
        &mut self,
        _inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let Some(gx) = grad_inputs.first_mut() else {
            return;
        };
        if self.trained && self.mask.dim() == grad_out.dim() {
            Zip::from(gx.view_mut())
                .and(grad_out)
                .and(&self.mask)
                .for_each(|d, &g, &m| *d = g * m);
        } else {
            gx.assign(&grad_out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::gradcheck::{check, random};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gradcheck_at_two_shapes() {
        for (batch, len, p) in [(4, 6, 0.5), (2, 3, 0.2), (3, 2, 0.0)] {
            let mut layer = Dropout::<f64>::new(p, len);
            let r = check(&mut layer, &[random(batch, len, 8)], 1e-5);
            assert!(r.is_ok(), "{r:?}");
        }
    }

    #[test]
    fn drops_about_p_scales_survivors_and_is_identity_in_eval() {
        let mut layer = Dropout::<f64>::new(0.25, 100);
        let x = Array2::from_elem((40, 100), 1.0);
        let mut out = Array2::zeros((40, 100));
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut ctx = Ctx {
            mode: Mode::Train,
            rng: &mut rng,
        };
        layer.forward(&[x.view()], &mut out, &mut ctx);
        let dropped = out.iter().filter(|v| **v == 0.0).count() as f64 / 4000.0;
        assert!((dropped - 0.25).abs() < 0.03, "dropped {dropped}");
        assert!(
            out.iter()
                .all(|v| *v == 0.0 || (*v - 1.0 / 0.75).abs() < 1e-12)
        );
        ctx.mode = Mode::Eval;
        layer.forward(&[x.view()], &mut out, &mut ctx);
        assert_eq!(out, x);
    }
}
