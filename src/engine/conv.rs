//! 2-D convolution by im2col and GEMM.

mod im2col;

pub use im2col::{Geometry, Pad, col2im, im2col};

use ndarray::{Array2, ArrayView2, ArrayViewMut2, s};
use rand_chacha::ChaCha8Rng;

use super::fastmath::sum;
use super::init::{InitKind, fill};
use super::linalg::gemm;
use super::parallel::{for_each_shard_rows, shard_count, shard_rows};
use super::{Ctx, Float, Layer, Param};

/// A convolution's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConvConfig {
    /// Output channels.
    pub filters: usize,
    /// Square kernel side.
    pub kernel: usize,
    /// Step between kernel positions.
    pub stride: usize,
    /// Same or valid padding.
    pub pad: Pad,
    /// Whether a bias per filter is added.
    pub bias: bool,
    /// Weight initialiser (biases: U(±1/√fan_in) unless zeros/constant).
    pub init: InitKind,
}

/// Rows per shard at least, and shards at most (see [`super::parallel`]).
const SHARD_ROWS: usize = 16;
const MAX_SHARDS: usize = 8;

/// 2-D convolution (cross-correlation, as in PyTorch).
///
/// # Shapes
/// Input `[batch, C·H·W]` (NCHW flattened); output `[batch, F·OH·OW]`;
/// `weight` `[F, C, k, k]` stored `[F, C·k·k]`; `bias` `[F]` stored `[1, F]`.
pub struct Conv2D<F: Float> {
    g: Geometry,
    filters: usize,
    params: Vec<Param<F>>,
    bias: bool,
    /// The batch's shards with their buffers, for the last batch size.
    shards: Vec<Shard<F>>,
}

/// The buffers of one shard of `b` samples. The shard's samples sit side
/// by side (`N = b·OH·OW` columns), so each pass is one large product.
struct Shard<F: Float> {
    /// Rows of the shard.
    b: usize,
    /// Column matrices `[C·k·k, N]`: sample `i` in columns `i·OH·OW..`.
    cols: Array2<F>,
    /// The output (forward) or output gradient (backward) in the same
    /// layout, `[F, N]`.
    y: Array2<F>,
    /// The column gradient `[C·k·k, N]` (empty when no input gradient is
    /// needed).
    dcols: Array2<F>,
    /// The shard's weight and bias gradients.
    dw: Array2<F>,
    db: Vec<F>,
}

impl<F: Float> Shard<F> {
    fn new(g: &Geometry, filters: usize, b: usize) -> Self {
        let n = b * g.positions();
        Self {
            b,
            cols: Array2::zeros((g.patch(), n)),
            y: Array2::zeros((filters, n)),
            dcols: Array2::zeros((0, n)),
            dw: Array2::zeros((filters, g.patch())),
            db: vec![F::zero(); filters],
        }
    }

    /// The shard's rows `x` into its rows of `out`.
    fn forward(
        &mut self,
        g: &Geometry,
        w: ArrayView2<F>,
        bias: Option<ArrayView2<F>>,
        x: ArrayView2<F>,
        mut out: ArrayViewMut2<F>,
    ) {
        let pos = g.positions();
        let n = self.b * pos;
        let cols = self.cols.as_slice_mut().unwrap_or_default();
        for (i, row) in x.outer_iter().enumerate() {
            let c = &mut cols[i * pos..];
            match row.as_slice() {
                Some(xs) => im2col(g, xs, c, n),
                None => im2col(g, &row.to_vec(), c, n),
            }
        }
        gemm(
            F::one(),
            w,
            self.cols.view(),
            F::zero(),
            &mut self.y.view_mut(),
        );
        // [F, b·pos] → rows [F·pos] per sample, with the bias.
        let y = self.y.as_slice().unwrap_or_default();
        for (i, mut o) in out.outer_iter_mut().enumerate() {
            let Some(os) = o.as_slice_mut() else { continue };
            for (f, dst) in os.chunks_exact_mut(pos).enumerate() {
                let src = &y[f * n + i * pos..f * n + (i + 1) * pos];
                let bf = bias.map_or(F::zero(), |b| b[[0, f]]);
                for (d, &v) in dst.iter_mut().zip(src) {
                    *d = v + bf;
                }
            }
        }
    }

    /// The shard's weight and bias gradients from its rows of `dy`, and its
    /// rows of the input gradient when `dx` has columns.
    fn backward(
        &mut self,
        g: &Geometry,
        w: ArrayView2<F>,
        dy: ArrayView2<F>,
        mut dx: ArrayViewMut2<F>,
    ) {
        let pos = g.positions();
        let n = self.b * pos;
        // Rows [F·pos] per sample → [F, b·pos]; bias gradients on the way.
        self.db.fill(F::zero());
        let y = self.y.as_slice_mut().unwrap_or_default();
        for (i, row) in dy.outer_iter().enumerate() {
            for (f, db) in self.db.iter_mut().enumerate() {
                let dst = &mut y[f * n + i * pos..f * n + (i + 1) * pos];
                match row.as_slice() {
                    Some(src) => dst.copy_from_slice(&src[f * pos..(f + 1) * pos]),
                    None => dst
                        .iter_mut()
                        .zip(row.iter().skip(f * pos))
                        .for_each(|(d, &v)| *d = v),
                }
                *db += sum(dst);
            }
        }
        gemm(
            F::one(),
            self.y.view(),
            self.cols.t(),
            F::zero(),
            &mut self.dw.view_mut(),
        );
        if dx.ncols() == 0 {
            return;
        }
        if self.dcols.nrows() != g.patch() {
            self.dcols = Array2::zeros((g.patch(), n));
        }
        gemm(
            F::one(),
            w.t(),
            self.y.view(),
            F::zero(),
            &mut self.dcols.view_mut(),
        );
        dx.fill(F::zero());
        let dcols = self.dcols.as_slice().unwrap_or_default();
        for (i, mut d) in dx.outer_iter_mut().enumerate() {
            if let Some(ds) = d.as_slice_mut() {
                col2im(g, &dcols[i * pos..], n, ds);
            }
        }
    }
}

impl<F: Float> Conv2D<F> {
    /// A convolution over `input` = `[C, H, W]` with the settings in
    /// `cfg`. Returns `None` if the kernel does not fit.
    pub fn new(input: [usize; 3], cfg: ConvConfig, rng: &mut ChaCha8Rng) -> Option<Self> {
        let ConvConfig {
            filters,
            kernel,
            stride,
            pad,
            bias,
            init,
        } = cfg;
        let g = Geometry::new(input, kernel, stride, pad)?;
        if filters == 0 {
            return None;
        }
        let fan_in = g.patch();
        let mut w = Array2::zeros((filters, fan_in));
        fill(&mut w, init, fan_in, filters * kernel * kernel, rng);
        let mut params = vec![Param::new(
            "weight",
            vec![filters, g.c, kernel, kernel],
            w,
            true,
        )];
        if bias {
            let mut b = Array2::zeros((1, filters));
            if !matches!(init, InitKind::Zeros | InitKind::Constant(_)) {
                fill(
                    &mut b,
                    InitKind::Uniform(1.0 / (fan_in as f64).sqrt()),
                    fan_in,
                    filters,
                    rng,
                );
            }
            params.push(Param::new("bias", vec![filters], b, false));
        }
        Some(Self {
            g,
            filters,
            params,
            bias,
            shards: Vec::new(),
        })
    }

    /// The window geometry.
    pub fn geometry(&self) -> Geometry {
        self.g
    }

    /// Shards for a batch of `b` rows (kept while the batch size stays).
    fn ensure(&mut self, b: usize) {
        let n = shard_count(b, SHARD_ROWS, MAX_SHARDS);
        let fits =
            self.shards.len() == n && (0..n).all(|k| self.shards[k].b == shard_rows(b, n, k).len());
        if !fits {
            self.shards = (0..n)
                .map(|k| Shard::new(&self.g, self.filters, shard_rows(b, n, k).len()))
                .collect();
        }
    }
}

impl<F: Float> Layer<F> for Conv2D<F> {
    fn kind(&self) -> &'static str {
        "Conv2D"
    }

    fn output_len(&self) -> usize {
        self.filters * self.g.positions()
    }

    fn parallel_work(&self, batch: usize) -> usize {
        // Multiply-adds of the forward product (the shards run in parallel).
        batch * self.filters * self.g.patch() * self.g.positions()
    }

    fn flops(&self) -> u64 {
        2 * self.filters as u64 * self.g.patch() as u64 * self.g.positions() as u64
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let x = &inputs[0];
        let b = x.nrows();
        self.ensure(b);
        let n = self.shards.len();
        let g = self.g;
        let w = self.params[0].value.view();
        let bias = self
            .params
            .get(1)
            .filter(|_| self.bias)
            .map(|p| p.value.view());
        for_each_shard_rows(&mut self.shards, out.view_mut(), |k, sh, rows| {
            sh.forward(&g, w, bias, x.slice(s![shard_rows(b, n, k), ..]), rows);
        });
    }

    fn backward(
        &mut self,
        inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let b = inputs[0].nrows();
        let n = self.shards.len();
        let g = self.g;
        let mut none: [F; 0] = [];
        let dx = match grad_inputs.first_mut() {
            Some(d) if d.ncols() > 0 => d.view_mut(),
            _ => ArrayViewMut2::from_shape((b, 0), &mut none[..])
                .unwrap_or_else(|_| unreachable!("empty view")),
        };
        let [wp, rest @ ..] = &mut self.params[..] else {
            return;
        };
        let w = wp.value.view();
        for_each_shard_rows(&mut self.shards, dx, |k, sh, rows| {
            sh.backward(&g, w, grad_out.slice(s![shard_rows(b, n, k), ..]), rows);
        });
        // The shards' gradients, added in shard order.
        wp.grad.fill(F::zero());
        for sh in &self.shards {
            wp.grad.zip_mut_with(&sh.dw, |a, &d| *a += d);
        }
        if let Some(bp) = rest.first_mut() {
            let gb = bp.grad.as_slice_mut().unwrap_or_default();
            gb.fill(F::zero());
            for sh in &self.shards {
                gb.iter_mut().zip(&sh.db).for_each(|(a, &d)| *a += d);
            }
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

    fn conv(input: [usize; 3], f: usize, k: usize, s: usize, pad: Pad, bias: bool) -> Conv2D<f64> {
        Conv2D::new(
            input,
            ConvConfig {
                filters: f,
                kernel: k,
                stride: s,
                pad,
                bias,
                init: InitKind::XavierUniform,
            },
            &mut ChaCha8Rng::seed_from_u64(3),
        )
        .unwrap()
    }

    #[test]
    fn hand_example() {
        // One 3×3 image, one 2×2 kernel of ones, valid: sums of windows.
        let mut c = conv([1, 3, 3], 1, 2, 1, Pad::Valid, true);
        c.params[0].value.fill(1.0);
        c.params[1].value.fill(0.5);
        let x = ndarray::array![[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]];
        let mut out = Array2::zeros((1, 4));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        c.forward(
            &[x.view()],
            &mut out,
            &mut Ctx {
                mode: crate::engine::Mode::Train,
                rng: &mut rng,
            },
        );
        assert_eq!(out, ndarray::array![[12.5, 16.5, 24.5, 28.5]]);
    }

    #[test]
    fn gradients_hold_across_several_shards() {
        // 40 rows make two shards of 20.
        let mut c = conv([2, 5, 5], 3, 3, 1, Pad::Same, true);
        let x = random(40, 50, 7);
        let err = check(&mut c, &[x], 1e-6);
        assert!(err.is_ok(), "{:?}", err.err());
        assert_eq!(c.shards.len(), 2);
    }

    #[test]
    fn one_and_two_threads_give_identical_bits() {
        let run = || {
            let mut c = Conv2D::<f32>::new(
                [2, 6, 6],
                ConvConfig {
                    filters: 4,
                    kernel: 3,
                    stride: 1,
                    pad: Pad::Same,
                    bias: true,
                    init: InitKind::HeNormal,
                },
                &mut ChaCha8Rng::seed_from_u64(1),
            )
            .unwrap();
            let x = Array2::from_shape_fn((33, 72), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.1);
            let mut out = Array2::zeros((33, 144));
            let mut rng = ChaCha8Rng::seed_from_u64(0);
            let mut ctx = Ctx {
                mode: crate::engine::Mode::Train,
                rng: &mut rng,
            };
            c.forward(&[x.view()], &mut out, &mut ctx);
            let dy = out.mapv(|v| v - 0.2);
            let mut dx = [Array2::zeros((33, 72))];
            c.backward(&[x.view()], out.view(), dy.view(), &mut dx);
            (
                out,
                dx[0].clone(),
                c.params[0].grad.clone(),
                c.params[1].grad.clone(),
            )
        };
        let on = crate::engine::parallel::with_threads;
        assert_eq!(on(1, run), on(2, run));
    }

    #[test]
    fn gradients_at_several_shapes_strides_and_paddings() {
        for (input, f, k, s, pad, bias) in [
            ([1, 5, 5], 2, 3, 1, Pad::Same, true),
            ([2, 5, 4], 3, 3, 2, Pad::Same, true),
            ([2, 6, 5], 2, 3, 2, Pad::Valid, false),
            ([3, 4, 4], 2, 1, 1, Pad::Valid, true),
            ([1, 4, 6], 1, 2, 1, Pad::Same, true),
        ] {
            let mut c = conv(input, f, k, s, pad, bias);
            let x = random(2, input.iter().product(), 11);
            let err = check(&mut c, &[x], 1e-6);
            assert!(err.is_ok(), "{input:?} k{k} s{s} {pad:?}: {:?}", err.err());
        }
    }
}
