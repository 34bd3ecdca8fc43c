//! 2-D convolution by im2col and GEMM.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, s};
use rand_chacha::ChaCha8Rng;

use super::fastmath::sum;
use super::init::{InitKind, fill};
use super::linalg::gemm;
use super::parallel::{for_each_shard_rows, shard_count, shard_rows};
use super::{Ctx, Float, Layer, Param};

/// Padding of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pad {
    /// Output side `ceil(input / stride)`; zeros added, the extra one at the
    /// bottom/right when the total is odd (like TensorFlow's "same").
    Same,
    /// No padding: output side `(input − kernel) / stride + 1`.
    Valid,
}

/// Geometry of a square window sliding over `C×H×W`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Input channels.
    pub c: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Window side.
    pub k: usize,
    /// Step.
    pub stride: usize,
    /// Output height.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
    /// Zeros above.
    pub pad_top: usize,
    /// Zeros to the left.
    pub pad_left: usize,
}

impl Geometry {
    /// The geometry for input `[c, h, w]`, window `k`, `stride`, `pad`.
    /// Returns `None` if the window does not fit or a size is zero.
    pub fn new(input: [usize; 3], k: usize, stride: usize, pad: Pad) -> Option<Self> {
        let [c, h, w] = input;
        if c == 0 || h == 0 || w == 0 || k == 0 || stride == 0 {
            return None;
        }
        let (oh, ow, pt, pl) = match pad {
            Pad::Same => {
                let oh = h.div_ceil(stride);
                let ow = w.div_ceil(stride);
                let th = ((oh - 1) * stride + k).saturating_sub(h);
                let tw = ((ow - 1) * stride + k).saturating_sub(w);
                (oh, ow, th / 2, tw / 2)
            }
            Pad::Valid => {
                if k > h || k > w {
                    return None;
                }
                ((h - k) / stride + 1, (w - k) / stride + 1, 0, 0)
            }
        };
        Some(Self {
            c,
            h,
            w,
            k,
            stride,
            oh,
            ow,
            pad_top: pt,
            pad_left: pl,
        })
    }

    /// Rows of the column matrix: `C·k·k`.
    pub fn patch(&self) -> usize {
        self.c * self.k * self.k
    }

    /// Output positions: `OH·OW`.
    pub fn positions(&self) -> usize {
        self.oh * self.ow
    }

    /// Input row `oy·stride + ky − pad_top`, if inside the image.
    #[inline]
    fn iy(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.stride + ky)
            .checked_sub(self.pad_top)
            .filter(|&y| y < self.h)
    }

    /// Input column `ox·stride + kx − pad_left`, if inside the image (the
    /// definition that [`Geometry::span`] computes in one go).
    #[cfg(test)]
    fn ix(&self, ox: usize, kx: usize) -> Option<usize> {
        (ox * self.stride + kx)
            .checked_sub(self.pad_left)
            .filter(|&x| x < self.w)
    }
}

impl Geometry {
    /// Stride 1 and an output as large as the input ("same" padding): each
    /// column-matrix row is then the image shifted by one offset.
    fn keeps_size(&self) -> bool {
        self.stride == 1 && self.oh == self.h && self.ow == self.w
    }

    /// For [`Geometry::keeps_size`]: the flat offset `d` of window
    /// position `(ky, kx)` (output `p` reads input `p + d`), and the
    /// output range whose input lies inside the plane. Columns that wrap
    /// around a row edge are inside that range and must be fixed up.
    fn shift(&self, ky: usize, kx: usize) -> (isize, std::ops::Range<usize>) {
        let hw = (self.h * self.w) as isize;
        let d = (ky as isize - self.pad_top as isize) * self.w as isize
            + (kx as isize - self.pad_left as isize);
        let lo = (-d).clamp(0, hw) as usize;
        let hi = (hw - d).clamp(0, hw) as usize;
        (d, lo..hi.max(lo))
    }

    /// The output columns `ox` whose input column `ox·stride + kx −
    /// pad_left` lies inside the image: a contiguous range.
    fn span(&self, kx: usize) -> std::ops::Range<usize> {
        let (s, pl) = (self.stride, self.pad_left);
        let lo = if kx >= pl { 0 } else { (pl - kx).div_ceil(s) };
        let hi = if self.w + pl <= kx {
            0
        } else {
            (self.w + pl - kx).div_ceil(s).min(self.ow)
        };
        lo.min(hi)..hi
    }
}

/// Writes the column matrix of one sample `x` (`C·H·W`) into `cols`:
/// `[C·k·k, OH·OW]` whose row `r` starts at `cols[r·row_stride]` (pass
/// `OH·OW` for a contiguous matrix; a larger stride puts several samples
/// side by side).
pub fn im2col<F: Float>(g: &Geometry, x: &[F], cols: &mut [F], row_stride: usize) {
    if g.keeps_size() {
        im2col_same(g, x, cols, row_stride);
        return;
    }
    let p = g.positions();
    let mut row = 0;
    for c in 0..g.c {
        let plane = &x[c * g.h * g.w..(c + 1) * g.h * g.w];
        for ky in 0..g.k {
            for kx in 0..g.k {
                let span = g.span(kx);
                let out = &mut cols[row * row_stride..row * row_stride + p];
                for oy in 0..g.oh {
                    let dst = &mut out[oy * g.ow..(oy + 1) * g.ow];
                    let Some(iy) = g.iy(oy, ky) else {
                        dst.fill(F::zero());
                        continue;
                    };
                    let src = &plane[iy * g.w..(iy + 1) * g.w];
                    dst[..span.start].fill(F::zero());
                    dst[span.end..].fill(F::zero());
                    // First input column of the span.
                    let x0 = span.start * g.stride + kx - g.pad_left;
                    if g.stride == 1 {
                        dst[span.clone()].copy_from_slice(&src[x0..x0 + span.len()]);
                    } else {
                        for (d, s) in dst[span.clone()]
                            .iter_mut()
                            .zip(src[x0..].iter().step_by(g.stride))
                        {
                            *d = *s;
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

/// [`im2col`] for stride 1 and "same" size: one long copy per row of the
/// column matrix, then zeros where the window hangs over an edge.
fn im2col_same<F: Float>(g: &Geometry, x: &[F], cols: &mut [F], row_stride: usize) {
    let (hw, w) = (g.h * g.w, g.w);
    let mut row = 0;
    for c in 0..g.c {
        let plane = &x[c * hw..(c + 1) * hw];
        for ky in 0..g.k {
            for kx in 0..g.k {
                let (d, r) = g.shift(ky, kx);
                let out = &mut cols[row * row_stride..row * row_stride + hw];
                out[..r.start].fill(F::zero());
                out[r.end..].fill(F::zero());
                let from = (r.start as isize + d) as usize;
                out[r.clone()].copy_from_slice(&plane[from..from + r.len()]);
                let span = g.span(kx);
                for line in out.chunks_exact_mut(w) {
                    line[..span.start].fill(F::zero());
                    line[span.end..].fill(F::zero());
                }
                row += 1;
            }
        }
    }
}

/// [`col2im`] for stride 1 and "same" size: one long addition per row of
/// the column matrix, skipping the entries that hang over an edge.
fn col2im_same<F: Float>(g: &Geometry, cols: &[F], row_stride: usize, dx: &mut [F]) {
    let (hw, w) = (g.h * g.w, g.w);
    let mut row = 0;
    for c in 0..g.c {
        let plane = &mut dx[c * hw..(c + 1) * hw];
        for ky in 0..g.k {
            for kx in 0..g.k {
                let (d, r) = g.shift(ky, kx);
                let src = &cols[row * row_stride..row * row_stride + hw];
                let span = g.span(kx);
                let mut add = |a: usize, b: usize| {
                    let from = (a as isize + d) as usize;
                    for (t, &v) in plane[from..from + (b - a)].iter_mut().zip(&src[a..b]) {
                        *t += v;
                    }
                };
                if span.len() == w {
                    add(r.start, r.end);
                } else {
                    for oy in 0..g.oh {
                        let a = (oy * w + span.start).max(r.start);
                        let b = (oy * w + span.end).min(r.end);
                        if a < b {
                            add(a, b);
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

/// Adds a column matrix's gradient (laid out as for [`im2col`]) back onto
/// one sample's input gradient.
pub fn col2im<F: Float>(g: &Geometry, cols: &[F], row_stride: usize, dx: &mut [F]) {
    if g.keeps_size() {
        col2im_same(g, cols, row_stride, dx);
        return;
    }
    let p = g.positions();
    let mut row = 0;
    for c in 0..g.c {
        let plane = &mut dx[c * g.h * g.w..(c + 1) * g.h * g.w];
        for ky in 0..g.k {
            for kx in 0..g.k {
                let span = g.span(kx);
                let src = &cols[row * row_stride..row * row_stride + p];
                for oy in 0..g.oh {
                    let Some(iy) = g.iy(oy, ky) else { continue };
                    if span.is_empty() {
                        continue;
                    }
                    let line = &mut plane[iy * g.w..(iy + 1) * g.w];
                    let x0 = span.start * g.stride + kx - g.pad_left;
                    let vals = &src[oy * g.ow + span.start..oy * g.ow + span.end];
                    if g.stride == 1 {
                        for (d, v) in line[x0..x0 + vals.len()].iter_mut().zip(vals) {
                            *d += *v;
                        }
                    } else {
                        for (d, v) in line[x0..].iter_mut().step_by(g.stride).zip(vals) {
                            *d += *v;
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

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
    fn geometry_matches_pytorch() {
        let g = Geometry::new([1, 28, 28], 3, 1, Pad::Same).unwrap();
        assert_eq!((g.oh, g.ow, g.pad_top, g.pad_left), (28, 28, 1, 1));
        let g = Geometry::new([1, 7, 8], 3, 2, Pad::Same).unwrap();
        assert_eq!((g.oh, g.ow), (4, 4));
        let g = Geometry::new([1, 9, 8], 3, 2, Pad::Valid).unwrap();
        assert_eq!((g.oh, g.ow), (4, 3));
        assert!(Geometry::new([1, 2, 2], 3, 1, Pad::Valid).is_none());
    }

    /// im2col by the definition, one element at a time.
    fn im2col_naive(g: &Geometry, x: &[f64]) -> Vec<f64> {
        let mut cols = vec![0.0; g.patch() * g.positions()];
        let mut row = 0;
        for c in 0..g.c {
            for ky in 0..g.k {
                for kx in 0..g.k {
                    for oy in 0..g.oh {
                        for ox in 0..g.ow {
                            if let (Some(iy), Some(ix)) = (g.iy(oy, ky), g.ix(ox, kx)) {
                                cols[row * g.positions() + oy * g.ow + ox] =
                                    x[c * g.h * g.w + iy * g.w + ix];
                            }
                        }
                    }
                    row += 1;
                }
            }
        }
        cols
    }

    #[test]
    fn im2col_matches_the_definition_and_col2im_is_its_transpose() {
        for (input, k, s, pad) in [
            ([1, 5, 5], 3, 1, Pad::Same),
            ([2, 7, 6], 3, 2, Pad::Same),
            ([2, 6, 7], 2, 2, Pad::Valid),
            ([1, 4, 9], 4, 3, Pad::Same),
            ([3, 3, 3], 5, 1, Pad::Same),
            ([2, 4, 6], 2, 1, Pad::Same),
            ([1, 6, 5], 4, 1, Pad::Same),
        ] {
            let g = Geometry::new(input, k, s, pad).unwrap();
            let x: Vec<f64> = (0..input.iter().product::<usize>())
                .map(|i| i as f64 + 1.0)
                .collect();
            let mut cols = vec![f64::NAN; g.patch() * g.positions()];
            im2col(&g, &x, &mut cols, g.positions());
            assert_eq!(cols, im2col_naive(&g, &x), "{input:?} k{k} s{s} {pad:?}");
            // ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩ for any y.
            let y: Vec<f64> = (0..cols.len()).map(|i| (i % 7) as f64 - 3.0).collect();
            let mut back = vec![0.0; x.len()];
            col2im(&g, &y, g.positions(), &mut back);
            let lhs: f64 = cols.iter().zip(&y).map(|(a, b)| a * b).sum();
            let rhs: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert!((lhs - rhs).abs() < 1e-9, "{input:?} k{k} s{s} {pad:?}");
        }
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
        let run = |threads| {
            crate::engine::linalg::set_threads(threads);
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
            crate::engine::linalg::set_threads(1);
            (
                out,
                dx[0].clone(),
                c.params[0].grad.clone(),
                c.params[1].grad.clone(),
            )
        };
        assert_eq!(run(1), run(2));
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
