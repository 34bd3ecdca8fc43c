//! [`Identity`]: the pass-through layer behind Input, Flatten and Reshape.

use ndarray::{Array2, ArrayView2};

use super::{Ctx, Float, Layer};

/// Copies its input to its output. Because every activation is stored as
/// its per-sample shape flattened in row-major order, Flatten, Reshape and
/// the Input node change only the *logical* shape, never the numbers.
///
/// # Shapes
/// input `[batch, len]`, output `[batch, len]`; no parameters.
pub struct Identity {
    kind: &'static str,
    len: usize,
}

impl Identity {
    /// A pass-through of `len` features, reported as `kind` (e.g.
    /// `"Flatten"`, `"Reshape"`, `"Input"`).
    pub fn new(kind: &'static str, len: usize) -> Self {
        Self { kind, len }
    }
}

impl<F: Float> Layer<F> for Identity {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn output_len(&self) -> usize {
        self.len
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        if let Some(x) = inputs.first() {
            out.assign(x);
        }
    }

    fn backward(
        &mut self,
        _inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        if let Some(gx) = grad_inputs.first_mut() {
            gx.assign(&grad_out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::gradcheck::{check, random};

    #[test]
    fn gradcheck_at_two_shapes() {
        for (batch, len) in [(3, 4), (1, 12)] {
            let mut layer = Identity::new("Flatten", len);
            let x = random(batch, len, 4);
            assert!(check(&mut layer, &[x], 1e-5).is_ok());
        }
    }
}
