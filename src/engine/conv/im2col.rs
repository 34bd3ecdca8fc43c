//! The window geometry of convolution and pooling, and the column matrix
//! (im2col) that turns a convolution into one matrix product, with its
//! adjoint (col2im) for the backward pass.

use crate::engine::Float;

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
                    if span.is_empty() {
                        continue;
                    }
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
                if !r.is_empty() {
                    // A window offset larger than the plane leaves `r` empty
                    // (and `from` outside the plane): nothing to copy.
                    let from = (r.start as isize + d) as usize;
                    out[r.clone()].copy_from_slice(&plane[from..from + r.len()]);
                }
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
                if r.is_empty() || span.is_empty() {
                    // The window position never lands on the plane.
                } else if span.len() == w {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Every geometry up to 6×6 with kernels up to 13 (much larger than
    /// the input under "same" padding, as PyTorch allows) matches the
    /// definition, and col2im stays its transpose: no index leaves a plane.
    #[test]
    fn every_small_geometry_including_kernels_larger_than_the_input() {
        let mut tried = 0;
        for h in 1..=6 {
            for w in 1..=6 {
                for k in 1..=13 {
                    for s in 1..=3 {
                        for pad in [Pad::Same, Pad::Valid] {
                            let Some(g) = Geometry::new([2, h, w], k, s, pad) else {
                                continue;
                            };
                            tried += 1;
                            let x: Vec<f64> = (0..2 * h * w).map(|i| i as f64 + 1.0).collect();
                            let mut cols = vec![f64::NAN; g.patch() * g.positions()];
                            im2col(&g, &x, &mut cols, g.positions());
                            assert_eq!(cols, im2col_naive(&g, &x), "{h}x{w} k{k} s{s} {pad:?}");
                            let y: Vec<f64> =
                                (0..cols.len()).map(|i| (i % 7) as f64 - 3.0).collect();
                            let mut back = vec![0.0; x.len()];
                            col2im(&g, &y, g.positions(), &mut back);
                            let lhs: f64 = cols.iter().zip(&y).map(|(a, b)| a * b).sum();
                            let rhs: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
                            assert!((lhs - rhs).abs() < 1e-9, "{h}x{w} k{k} s{s} {pad:?}");
                        }
                    }
                }
            }
        }
        assert_eq!(tried, 2 * 36 * 13 * 3 - (36 * 13 * 3 - valid_fits()));
    }

    /// How many (h, w, k, s) of the loop above fit without padding.
    fn valid_fits() -> usize {
        let mut n = 0;
        for h in 1..=6usize {
            for w in 1..=6usize {
                n += 3 * (1..=13usize).filter(|&k| k <= h && k <= w).count();
            }
        }
        n
    }
}
