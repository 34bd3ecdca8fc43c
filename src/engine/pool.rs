//! Pooling: max and average over square windows, and global average.

use ndarray::{Array2, ArrayView2, s};

use super::conv::{Geometry, Pad};
use super::parallel::{for_each_row_chunk, row_work};
use super::{Ctx, Float, Layer};

/// Max or average pooling over `size×size` windows (windows that would run
/// past the edge are dropped, like PyTorch's default floor mode). Max
/// pooling sends each window's gradient to its maximum (the first of equal
/// values; a NaN wins), found again from the input in the backward pass.
///
/// # Shapes
/// Input `[batch, C·H·W]`; output `[batch, C·OH·OW]` with
/// `OH = (H − size) / stride + 1`.
pub struct Pool2D {
    g: Geometry,
    max: bool,
}

impl Pool2D {
    /// Pooling over `input` = `[C, H, W]`; `max` picks max (else average).
    /// Returns `None` if the window does not fit.
    pub fn new(input: [usize; 3], size: usize, stride: usize, max: bool) -> Option<Self> {
        let g = Geometry::new(input, size, stride, Pad::Valid)?;
        Some(Self { g, max })
    }
}

/// A row of a view as a slice (copied into `owned` if it is strided).
fn row_slice<'a, F: Float>(row: ndarray::ArrayView1<'a, F>, owned: &'a mut Vec<F>) -> &'a [F] {
    match row.to_slice() {
        Some(s) => s,
        None => {
            *owned = row.to_vec();
            owned
        }
    }
}

impl<F: Float> Layer<F> for Pool2D {
    fn kind(&self) -> &'static str {
        if self.max { "MaxPool2D" } else { "AvgPool2D" }
    }

    fn output_len(&self) -> usize {
        self.g.c * self.g.positions()
    }

    fn parallel_work(&self, batch: usize) -> usize {
        row_work(batch, self.g.c * self.g.h * self.g.w)
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let (g, max) = (self.g, self.max);
        let x = &inputs[0];
        for_each_row_chunk(out.view_mut(), |rows, mut out| {
            let mut owned = Vec::new();
            for (row, mut o) in x.slice(s![rows, ..]).outer_iter().zip(out.outer_iter_mut()) {
                let xs = row_slice(row, &mut owned);
                let Some(os) = o.as_slice_mut() else { continue };
                if max && g.k == 2 && g.stride == 2 {
                    max_2x2_forward(&g, xs, os);
                } else if max {
                    max_any(&g, xs, |j, v, _| os[j] = v);
                } else {
                    avg_pool(&g, xs, os);
                }
            }
        });
    }

    fn backward(
        &mut self,
        inputs: &[ArrayView2<F>],
        out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let (g, max) = (self.g, self.max);
        let Some(dx) = grad_inputs.first_mut() else {
            return;
        };
        let x = &inputs[0];
        let inv = F::one() / F::of((g.k * g.k) as f64);
        // 2×2 windows with stride 2 over even sides write every input's
        // gradient; anything else adds into zeros.
        let covers = max && g.k == 2 && g.stride == 2 && g.h % 2 == 0 && g.w % 2 == 0;
        for_each_row_chunk(dx.view_mut(), |rows, mut dx| {
            if !covers {
                dx.fill(F::zero());
            }
            let (mut owned, mut owned_dy, mut owned_y) = (Vec::new(), Vec::new(), Vec::new());
            let r = s![rows, ..];
            let (xs, dys, ys) = (x.slice(r), grad_out.slice(r), out.slice(r));
            for (((row, dy), y), mut d) in xs
                .outer_iter()
                .zip(dys.outer_iter())
                .zip(ys.outer_iter())
                .zip(dx.outer_iter_mut())
            {
                let Some(ds) = d.as_slice_mut() else { continue };
                let dy = row_slice(dy, &mut owned_dy);
                if max && g.k == 2 && g.stride == 2 {
                    let y = row_slice(y, &mut owned_y);
                    max_2x2_backward(&g, row_slice(row, &mut owned), y, dy, ds);
                } else if max {
                    max_any(&g, row_slice(row, &mut owned), |j, _, at| ds[at] += dy[j]);
                } else {
                    let mut j = 0;
                    for c in 0..g.c {
                        for oy in 0..g.oh {
                            for ox in 0..g.ow {
                                let v = dy[j] * inv;
                                let first = c * g.h * g.w + oy * g.stride * g.w + ox * g.stride;
                                for ky in 0..g.k {
                                    let base = first + ky * g.w;
                                    ds[base..base + g.k].iter_mut().for_each(|t| *t += v);
                                }
                                j += 1;
                            }
                        }
                    }
                }
            }
        });
    }
}

/// The larger of `a` and `b`, NaN if either is (like PyTorch's max
/// pooling); a select, so loops over it vectorise.
#[inline(always)]
fn max_nan<F: Float>(a: F, b: F) -> F {
    if a.is_nan() || a > b { a } else { b }
}

/// Max over 2×2 windows with stride 2, for one sample.
fn max_2x2_forward<F: Float>(g: &Geometry, x: &[F], out: &mut [F]) {
    let (h, w, oh, ow) = (g.h, g.w, g.oh, g.ow);
    for c in 0..g.c {
        for oy in 0..oh {
            let r0 = c * h * w + 2 * oy * w;
            let (top, bottom) = (&x[r0..r0 + 2 * ow], &x[r0 + w..r0 + w + 2 * ow]);
            let o = (c * oh + oy) * ow;
            for ((d, t), b) in out[o..o + ow]
                .iter_mut()
                .zip(top.chunks_exact(2))
                .zip(bottom.chunks_exact(2))
            {
                *d = max_nan(max_nan(t[0], t[1]), max_nan(b[0], b[1]));
            }
        }
    }
}

/// The gradient of [`max_2x2_forward`] for one sample, whose outputs were
/// `y`: each window's `dy` goes to the first of its inputs equal to the
/// maximum (as [`pick`] chooses), zeros to the others. Equality with the
/// stored maximum, not a search, so the loop vectorises; a window whose
/// maximum is NaN takes the slow path. `dx` must be zero where no window
/// reaches (odd edges).
fn max_2x2_backward<F: Float>(g: &Geometry, x: &[F], y: &[F], dy: &[F], dx: &mut [F]) {
    let (h, w, oh, ow) = (g.h, g.w, g.oh, g.ow);
    let zero = F::zero();
    for c in 0..g.c {
        for oy in 0..oh {
            let r0 = c * h * w + 2 * oy * w;
            let r1 = r0 + w;
            let o = (c * oh + oy) * ow;
            let (top, bottom) = (&x[r0..r0 + 2 * ow], &x[r1..r1 + 2 * ow]);
            let (dtop, dbottom) = dx[r0..r1 + 2 * ow].split_at_mut(w);
            let (dtop, dbottom) = (&mut dtop[..2 * ow], &mut dbottom[..2 * ow]);
            let (ys, ds) = (&y[o..o + ow], &dy[o..o + ow]);
            let mut nan = false;
            for ox in 0..ow {
                let (m, d) = (ys[ox], ds[ox]);
                nan |= m.is_nan();
                let e0 = top[2 * ox] == m;
                let e1 = !e0 & (top[2 * ox + 1] == m);
                let e2 = !e0 & !e1 & (bottom[2 * ox] == m);
                let e3 = !e0 & !e1 & !e2 & (bottom[2 * ox + 1] == m);
                dtop[2 * ox] = if e0 { d } else { zero };
                dtop[2 * ox + 1] = if e1 { d } else { zero };
                dbottom[2 * ox] = if e2 { d } else { zero };
                dbottom[2 * ox + 1] = if e3 { d } else { zero };
            }
            if nan {
                for ox in (0..ow).filter(|&ox| ys[ox].is_nan()) {
                    let (mut best, mut i) = (top[2 * ox], 0);
                    for (v, k) in [
                        (top[2 * ox + 1], 1),
                        (bottom[2 * ox], 2),
                        (bottom[2 * ox + 1], 3),
                    ] {
                        (best, i) = pick(best, i, v, k);
                    }
                    let d = ds[ox];
                    dtop[2 * ox] = if i == 0 { d } else { zero };
                    dtop[2 * ox + 1] = if i == 1 { d } else { zero };
                    dbottom[2 * ox] = if i == 2 { d } else { zero };
                    dbottom[2 * ox + 1] = if i == 3 { d } else { zero };
                }
            }
        }
    }
}

/// The larger of `(best, i)` and `(v, k)`; the earlier wins ties, and a
/// NaN wins over numbers. Written as selects so it compiles without
/// branches (window maxima of real data are unpredictable).
#[inline(always)]
fn pick<F: Float>(best: F, i: usize, v: F, k: usize) -> (F, usize) {
    let take = ((v > best) | v.is_nan()) & !best.is_nan();
    (if take { v } else { best }, if take { k } else { i })
}

/// Max over any window and stride, for one sample: calls `found(output
/// index, maximum, input index of the maximum)` in output order.
fn max_any<F: Float>(g: &Geometry, x: &[F], mut found: impl FnMut(usize, F, usize)) {
    let mut j = 0;
    for c in 0..g.c {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let first = c * g.h * g.w + oy * g.stride * g.w + ox * g.stride;
                let (mut best, mut i) = (x[first], first);
                for ky in 0..g.k {
                    let base = first + ky * g.w;
                    for (kx, &v) in x[base..base + g.k].iter().enumerate() {
                        (best, i) = pick(best, i, v, base + kx);
                    }
                }
                found(j, best, i);
                j += 1;
            }
        }
    }
}

/// Mean over any window and stride, for one sample.
fn avg_pool<F: Float>(g: &Geometry, x: &[F], out: &mut [F]) {
    let inv = F::one() / F::of((g.k * g.k) as f64);
    let mut j = 0;
    for c in 0..g.c {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let first = c * g.h * g.w + oy * g.stride * g.w + ox * g.stride;
                let mut sum = F::zero();
                for ky in 0..g.k {
                    let base = first + ky * g.w;
                    sum += x[base..base + g.k].iter().copied().sum::<F>();
                }
                out[j] = sum * inv;
                j += 1;
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
    fn max_2x2_agrees_with_the_general_window_and_keeps_nan() {
        for (input, nan) in [
            ([3, 6, 8], None),
            ([2, 7, 5], Some(6)),
            ([1, 4, 4], Some(5)),
        ] {
            let g = Geometry::new(input, 2, 2, Pad::Valid).unwrap();
            let len = input.iter().product::<usize>();
            // Repeated values make ties.
            let mut x: Vec<f64> = (0..len).map(|i| ((i * 37) % 7) as f64 - 3.0).collect();
            if let Some(k) = nan {
                x[k] = f64::NAN;
            }
            let n = g.c * g.positions();
            let dy: Vec<f64> = (0..n).map(|j| j as f64 + 1.0).collect();
            let (mut out, mut want_out) = (vec![0.0; n], vec![0.0; n]);
            let (mut dx, mut want_dx) = (vec![0.0; len], vec![0.0; len]);
            max_2x2_forward(&g, &x, &mut out);
            max_2x2_backward(&g, &x, &out, &dy, &mut dx);
            max_any(&g, &x, |j, v, at| {
                want_out[j] = v;
                want_dx[at] += dy[j];
            });
            let same = |a: &[f64], b: &[f64]| {
                a.iter()
                    .zip(b)
                    .all(|(p, q)| p == q || (p.is_nan() && q.is_nan()))
            };
            assert!(same(&out, &want_out), "{input:?}: {out:?} vs {want_out:?}");
            assert_eq!(dx, want_dx, "{input:?}");
            if nan.is_some() {
                assert!(out.iter().any(|v| v.is_nan()));
            }
        }
    }

    #[test]
    fn backward_overwrites_whatever_the_gradient_buffer_held() {
        for input in [[2, 4, 6], [1, 5, 4], [1, 3, 3]] {
            let mut p = Pool2D::new(input, 2, 2, true).unwrap();
            let len = input.iter().product();
            let x = random(3, len, 2);
            let mut out = Array2::zeros((3, Layer::<f64>::output_len(&p)));
            let mut rng = ChaCha8Rng::seed_from_u64(0);
            let mut ctx = Ctx {
                mode: Mode::Train,
                rng: &mut rng,
            };
            p.forward(&[x.view()], &mut out, &mut ctx);
            let dy = out.mapv(|v| v + 1.0);
            let mut clean = vec![Array2::zeros((3, len))];
            let mut dirty = vec![Array2::from_elem((3, len), f64::NAN)];
            p.backward(&[x.view()], out.view(), dy.view(), &mut clean);
            p.backward(&[x.view()], out.view(), dy.view(), &mut dirty);
            assert_eq!(clean, dirty, "{input:?}");
        }
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
