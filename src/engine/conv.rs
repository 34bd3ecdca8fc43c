//! 2-D convolution by im2col and GEMM.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rand_chacha::ChaCha8Rng;

use super::init::{InitKind, fill};
use super::linalg::gemm;
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

    #[inline]
    fn ix(&self, ox: usize, kx: usize) -> Option<usize> {
        (ox * self.stride + kx)
            .checked_sub(self.pad_left)
            .filter(|&x| x < self.w)
    }
}

/// Writes the column matrix of one sample `x` (`C·H·W`) into `cols`
/// (`[C·k·k, OH·OW]`, contiguous).
pub fn im2col<F: Float>(g: &Geometry, x: &[F], cols: &mut [F]) {
    let p = g.positions();
    let mut row = 0;
    for c in 0..g.c {
        let plane = &x[c * g.h * g.w..(c + 1) * g.h * g.w];
        for ky in 0..g.k {
            for kx in 0..g.k {
                let out = &mut cols[row * p..(row + 1) * p];
                for oy in 0..g.oh {
                    let dst = &mut out[oy * g.ow..(oy + 1) * g.ow];
                    match g.iy(oy, ky) {
                        None => dst.fill(F::zero()),
                        Some(iy) => {
                            let src = &plane[iy * g.w..(iy + 1) * g.w];
                            for (ox, d) in dst.iter_mut().enumerate() {
                                *d = g.ix(ox, kx).map_or(F::zero(), |ix| src[ix]);
                            }
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

/// Adds a column matrix's gradient back onto one sample's input gradient.
pub fn col2im<F: Float>(g: &Geometry, cols: &[F], dx: &mut [F]) {
    let p = g.positions();
    let mut row = 0;
    for c in 0..g.c {
        let plane = &mut dx[c * g.h * g.w..(c + 1) * g.h * g.w];
        for ky in 0..g.k {
            for kx in 0..g.k {
                let src = &cols[row * p..(row + 1) * p];
                for oy in 0..g.oh {
                    if let Some(iy) = g.iy(oy, ky) {
                        let line = &mut plane[iy * g.w..(iy + 1) * g.w];
                        for (ox, v) in src[oy * g.ow..(oy + 1) * g.ow].iter().enumerate() {
                            if let Some(ix) = g.ix(ox, kx) {
                                line[ix] += *v;
                            }
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
    /// Column matrices of the last batch, `[batch·C·k·k, OH·OW]`.
    cols: Array2<F>,
    /// Scratch for one sample's column gradient.
    dcols: Array2<F>,
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
            cols: Array2::zeros((0, g.positions())),
            dcols: Array2::zeros((g.patch(), g.positions())),
        })
    }

    /// The window geometry.
    pub fn geometry(&self) -> Geometry {
        self.g
    }
}

fn as_matrix<F>(slice: &mut [F], rows: usize, cols: usize) -> ArrayViewMut2<'_, F> {
    // The slice is exactly rows·cols long by construction.
    ArrayViewMut2::from_shape((rows, cols), slice).unwrap_or_else(|_| unreachable!("matrix shape"))
}

impl<F: Float> Layer<F> for Conv2D<F> {
    fn kind(&self) -> &'static str {
        "Conv2D"
    }

    fn output_len(&self) -> usize {
        self.filters * self.g.positions()
    }

    fn forward(&mut self, inputs: &[ArrayView2<F>], out: &mut Array2<F>, _ctx: &mut Ctx) {
        let x = &inputs[0];
        let (b, patch, pos) = (x.nrows(), self.g.patch(), self.g.positions());
        if self.cols.nrows() != b * patch {
            self.cols = Array2::zeros((b * patch, pos));
        }
        let w = self.params[0].value.view();
        let cols = self.cols.as_slice_mut().unwrap_or_default();
        for (i, (row, mut o)) in x.outer_iter().zip(out.outer_iter_mut()).enumerate() {
            let xs = row
                .to_slice()
                .map(std::borrow::Cow::Borrowed)
                .unwrap_or_else(|| std::borrow::Cow::Owned(row.to_vec()));
            let c = &mut cols[i * patch * pos..(i + 1) * patch * pos];
            im2col(&self.g, &xs, c);
            let Some(os) = o.as_slice_mut() else { continue };
            let mut om = as_matrix(os, self.filters, pos);
            let cm = ArrayView2::from_shape((patch, pos), &*c)
                .unwrap_or_else(|_| unreachable!("cols shape"));
            gemm(F::one(), w, cm, F::zero(), &mut om);
            if self.bias {
                let bias = self.params[1].value.row(0);
                for (f, mut line) in om.outer_iter_mut().enumerate() {
                    let bf = bias[f];
                    line.mapv_inplace(|v| v + bf);
                }
            }
        }
    }

    fn backward(
        &mut self,
        inputs: &[ArrayView2<F>],
        _out: ArrayView2<F>,
        grad_out: ArrayView2<F>,
        grad_inputs: &mut [Array2<F>],
    ) {
        let b = inputs[0].nrows();
        let (patch, pos) = (self.g.patch(), self.g.positions());
        let want_dx = grad_inputs.first().is_some_and(|d| d.ncols() > 0);
        self.params[0].grad.fill(F::zero());
        if self.bias {
            self.params[1].grad.fill(F::zero());
        }
        if let Some(d) = grad_inputs.first_mut() {
            d.fill(F::zero());
        }
        let cols = self.cols.as_slice().unwrap_or_default();
        for i in 0..b {
            let dy_row = grad_out.row(i);
            let dys = dy_row
                .to_slice()
                .map(std::borrow::Cow::Borrowed)
                .unwrap_or_else(|| std::borrow::Cow::Owned(dy_row.to_vec()));
            let dy = ArrayView2::from_shape((self.filters, pos), &dys)
                .unwrap_or_else(|_| unreachable!("dy shape"));
            let c =
                ArrayView2::from_shape((patch, pos), &cols[i * patch * pos..(i + 1) * patch * pos])
                    .unwrap_or_else(|_| unreachable!("cols shape"));
            gemm(
                F::one(),
                dy,
                c.t(),
                F::one(),
                &mut self.params[0].grad.view_mut(),
            );
            if self.bias {
                let mut gb = self.params[1].grad.row_mut(0);
                for (f, line) in dy.outer_iter().enumerate() {
                    gb[f] += line.sum();
                }
            }
            if want_dx {
                let w = self.params[0].value.view();
                gemm(F::one(), w.t(), dy, F::zero(), &mut self.dcols.view_mut());
                if let Some(d) = grad_inputs.first_mut()
                    && let Some(dx) = d.row_mut(i).into_slice()
                {
                    col2im(&self.g, self.dcols.as_slice().unwrap_or_default(), dx);
                }
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
