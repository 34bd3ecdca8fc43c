//! Merge layers: [`Add`] and [`Concatenate`].

use ndarray::{Array2, ArrayView2, s};

use super::{Ctx, Float, Layer};

/// Element-wise sum of several inputs of the same shape.
///
/// # Shapes
/// each of the `n_inputs` inputs `[batch, len]`, output `[batch, len]`; no
/// parameters.
pub struct Add {
    len: usize,
    n_inputs: usize,
}

impl Add {
    /// A sum of `n_inputs` inputs of `len` features each.
    pub fn new(len: usize, n_inputs: usize) -> Self {
        Self { len, n_inputs }
    }

    /// How many inputs are summed.
    pub fn n_inputs(&self) -> usize {
        self.n_inputs
    }
}

impl<F: Float> Layer<F> for Add {
    fn kind(&self) -> &'static str {
        "Add"
    }

    fn output_len(&self) -> usize {
        self.len
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let Some((first, rest)) = inputs.split_first() else {
            out.fill(F::zero());
            return;
        };
        out.assign(first);
        for x in rest {
            *out += x;
        }
    }

    fn backward(
        &mut self,
        _inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        for gx in grad_inputs {
            gx.assign(&grad_out);
        }
    }
}

/// Concatenation along the first axis of the per-sample shape.
///
/// For flat inputs that axis is the features; for `C×H×W` images it is the
/// channels; for `T×F` sequences it is time. Since activations are stored
/// as each sample's shape flattened in row-major order, concatenating along
/// the first per-sample axis is exactly appending each input's feature row
/// after the previous one's: sample `b` of the output is
/// `[x₀[b, ..], x₁[b, ..], …]`. The other per-sample axes must agree (the
/// model's shape inference checks this); the engine only needs the lengths.
///
/// # Shapes
/// inputs `[batch, len_i]` with `len_i` the product of `input_shapes[i]`;
/// output `[batch, Σ len_i]`; no parameters.
pub struct Concatenate {
    /// Start column of each input in the output, plus the total at the end.
    offsets: Vec<usize>,
}

impl Concatenate {
    /// A concatenation of inputs with the given per-sample shapes.
    pub fn new(input_shapes: Vec<Vec<usize>>) -> Self {
        let mut offsets = vec![0];
        let mut total = 0;
        for shape in &input_shapes {
            total += shape.iter().product::<usize>();
            offsets.push(total);
        }
        Self { offsets }
    }
}

impl<F: Float> Layer<F> for Concatenate {
    fn kind(&self) -> &'static str {
        "Concatenate"
    }

    fn output_len(&self) -> usize {
        self.offsets.last().copied().unwrap_or(0)
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        for (x, w) in inputs.iter().zip(self.offsets.windows(2)) {
            out.slice_mut(s![.., w[0]..w[1]]).assign(x);
        }
    }

    fn backward(
        &mut self,
        _inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        for (gx, w) in grad_inputs.iter_mut().zip(self.offsets.windows(2)) {
            gx.assign(&grad_out.slice(s![.., w[0]..w[1]]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::gradcheck::{check, random};
    use rand::SeedableRng;

    #[test]
    fn add_gradcheck_at_two_shapes() {
        for (batch, len, n) in [(3, 4, 2), (2, 5, 3)] {
            let mut layer = Add::new(len, n);
            let xs: Vec<_> = (0..n).map(|i| random(batch, len, i as u64)).collect();
            assert!(check(&mut layer, &xs, 1e-5).is_ok());
        }
    }

    #[test]
    fn concatenate_gradcheck_at_two_shapes() {
        for (batch, shapes) in [
            (3, vec![vec![2], vec![3]]),
            (2, vec![vec![2, 2, 1], vec![1, 2, 1], vec![3, 2, 1]]),
        ] {
            let xs: Vec<_> = shapes
                .iter()
                .enumerate()
                .map(|(i, s)| random(batch, s.iter().product(), i as u64 + 10))
                .collect();
            let mut layer = Concatenate::new(shapes);
            assert!(check(&mut layer, &xs, 1e-5).is_ok());
        }
    }

    #[test]
    fn concatenate_appends_channels_of_each_sample() {
        // Two 1×2×1 "images" and one 2×2×1: channels stack per sample.
        let a = ndarray::array![[1.0, 2.0], [5.0, 6.0]];
        let b = ndarray::array![[3.0, 4.0, 9.0, 9.5], [7.0, 8.0, 0.0, 0.5]];
        let mut layer = Concatenate::new(vec![vec![1, 2, 1], vec![2, 2, 1]]);
        assert_eq!(Layer::<f64>::output_len(&layer), 6);
        let mut out = Array2::zeros((2, 6));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let mut ctx = Ctx {
            mode: crate::engine::Mode::Eval,
            rng: &mut rng,
        };
        layer.forward(&[a.view(), b.view()], &mut out, &mut ctx);
        assert_eq!(
            out,
            ndarray::array![
                [1.0, 2.0, 3.0, 4.0, 9.0, 9.5],
                [5.0, 6.0, 7.0, 8.0, 0.0, 0.5]
            ]
        );
    }
}
