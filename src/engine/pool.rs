//! Pooling: max and average over square windows, and global average.

use ndarray::{Array2, ArrayView2};

use super::conv::{Geometry, Pad};
use super::{Ctx, Float, Layer};

/// Max or average pooling over `size×size` windows (windows that would run
/// past the edge are dropped, like PyTorch's default floor mode).
///
/// # Shapes
/// Input `[batch, C·H·W]`; output `[batch, C·OH·OW]` with
/// `OH = (H − size) / stride + 1`.
pub struct Pool2D {
    g: Geometry,
    max: bool,
    /// For max pooling: the input index (within a sample) of each output's
    /// maximum, from the last forward pass.
    argmax: Vec<u32>,
}

impl Pool2D {
    /// Pooling over `input` = `[C, H, W]`; `max` picks max (else average).
    /// Returns `None` if the window does not fit.
    pub fn new(input: [usize; 3], size: usize, stride: usize, max: bool) -> Option<Self> {
        let g = Geometry::new(input, size, stride, Pad::Valid)?;
        Some(Self {
            g,
            max,
            argmax: Vec::new(),
        })
    }
}

impl<F: Float> Layer<F> for Pool2D {
    fn kind(&self) -> &'static str {
        if self.max { "MaxPool2D" } else { "AvgPool2D" }
    }

    fn output_len(&self) -> usize {
        self.g.c * self.g.positions()
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let g = self.g;
        let x = &inputs[0];
        let out_len = g.c * g.positions();
        if self.max {
            self.argmax.resize(x.nrows() * out_len, 0);
        }
        let inv = F::one() / F::of((g.k * g.k) as f64);
        for (b, (row, mut o)) in x.outer_iter().zip(out.outer_iter_mut()).enumerate() {
            let mut j = 0;
            for c in 0..g.c {
                for oy in 0..g.oh {
                    for ox in 0..g.ow {
                        let (mut best, mut at, mut sum) = (F::neg_infinity(), 0usize, F::zero());
                        for ky in 0..g.k {
                            let base = c * g.h * g.w + (oy * g.stride + ky) * g.w + ox * g.stride;
                            for kx in 0..g.k {
                                let v = row[base + kx];
                                sum += v;
                                if v > best {
                                    best = v;
                                    at = base + kx;
                                }
                            }
                        }
                        if self.max {
                            o[j] = best;
                            self.argmax[b * out_len + j] = at as u32;
                        } else {
                            o[j] = sum * inv;
                        }
                        j += 1;
                    }
                }
            }
        }
    }

    fn backward(
        &mut self,
        _inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let g = self.g;
        let Some(dx) = grad_inputs.first_mut() else {
            return;
        };
        dx.fill(F::zero());
        let out_len = g.c * g.positions();
        let inv = F::one() / F::of((g.k * g.k) as f64);
        for (b, (dy, mut d)) in grad_out.outer_iter().zip(dx.outer_iter_mut()).enumerate() {
            if self.max {
                for j in 0..out_len {
                    d[self.argmax[b * out_len + j] as usize] += dy[j];
                }
            } else {
                let mut j = 0;
                for c in 0..g.c {
                    for oy in 0..g.oh {
                        for ox in 0..g.ow {
                            let v = dy[j] * inv;
                            for ky in 0..g.k {
                                let base =
                                    c * g.h * g.w + (oy * g.stride + ky) * g.w + ox * g.stride;
                                for kx in 0..g.k {
                                    d[base + kx] += v;
                                }
                            }
                            j += 1;
                        }
                    }
                }
            }
        }
    }
}

/// Mean over every position of each channel.
///
/// # Shapes
/// Input `[batch, C·H·W]`; output `[batch, C]`.
pub struct GlobalAvgPool {
    c: usize,
    hw: usize,
}

impl GlobalAvgPool {
    /// Over `input` = `[C, H, W]`.
    pub fn new(input: [usize; 3]) -> Self {
        Self {
            c: input[0],
            hw: (input[1] * input[2]).max(1),
        }
    }
}

impl<F: Float> Layer<F> for GlobalAvgPool {
    fn kind(&self) -> &'static str {
        "GlobalAvgPool"
    }

    fn output_len(&self) -> usize {
        self.c
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let inv = F::one() / F::of(self.hw as f64);
        for (row, mut o) in inputs[0].outer_iter().zip(out.outer_iter_mut()) {
            for c in 0..self.c {
                let mut s = F::zero();
                for i in 0..self.hw {
                    s += row[c * self.hw + i];
                }
                o[c] = s * inv;
            }
        }
    }

    fn backward(
        &mut self,
        _inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let Some(dx) = grad_inputs.first_mut() else {
            return;
        };
        let inv = F::one() / F::of(self.hw as f64);
        for (dy, mut d) in grad_out.outer_iter().zip(dx.outer_iter_mut()) {
            for c in 0..self.c {
                let v = dy[c] * inv;
                for i in 0..self.hw {
                    d[c * self.hw + i] = v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Mode;
    use crate::engine::gradcheck::{check, random};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn max_routes_the_gradient_to_the_maximum() {
        let mut p = Pool2D::new([1, 2, 4], 2, 2, true).unwrap();
        let x = ndarray::array![[1.0, 5.0, 2.0, 0.0, 3.0, 4.0, 9.0, 1.0]];
        let mut out = Array2::zeros((1, 2));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        Layer::<f64>::forward(
            &mut p,
            &[x.view()],
            &mut out,
            &mut Ctx {
                mode: Mode::Train,
                rng: &mut rng,
            },
        );
        assert_eq!(out, ndarray::array![[5.0, 9.0]]);
        let mut dx = vec![Array2::zeros((1, 8))];
        p.backward(
            &[x.view()],
            out.view(),
            ndarray::array![[1.0, 2.0]].view(),
            &mut dx,
        );
        assert_eq!(
            dx[0],
            ndarray::array![[0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0]]
        );
    }

    #[test]
    fn gradients() {
        for (input, size, stride) in [
            ([2, 4, 4], 2, 2),
            ([1, 5, 5], 3, 2),
            ([3, 5, 4], 2, 1),
            ([1, 7, 6], 2, 2),
        ] {
            for max in [true, false] {
                let mut p = Pool2D::new(input, size, stride, max).unwrap();
                let x = random(2, input.iter().product(), 5);
                assert!(
                    check(&mut p, &[x], 1e-6).is_ok(),
                    "{input:?} {size} {stride} max={max}"
                );
            }
        }
        let mut g = GlobalAvgPool::new([3, 2, 5]);
        assert!(check(&mut g, &[random(2, 30, 1)], 1e-6).is_ok());
    }
}
