//! The small-product kernel: `c = α·a·b + β·c` for `b` and `c` with
//! contiguous rows, register-blocked as 4 rows × 16 columns of `c` held in
//! accumulators over the whole `k` loop. For the many small products of
//! recurrent steps and tiny networks, where packing operands (and the
//! `gemm` crate's scratch allocation per call) would cost more than the
//! arithmetic. Sums run over `k` in order, so results are deterministic.

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::engine::Float;

/// Columns per block (one AVX-512 register of `f32`).
const NB: usize = 16;
/// Rows per block.
const MB: usize = 4;

/// Computes the product if the layouts allow (`b` and `c` rows
/// contiguous, all rows reachable as slices); returns `false` otherwise,
/// leaving `c` untouched.
pub(super) fn gemm<F: Float>(
    alpha: F,
    a: ArrayView2<F>,
    b: ArrayView2<F>,
    beta: F,
    c: &mut ArrayViewMut2<F>,
) -> bool {
    let (m, k) = a.dim();
    let n = b.ncols();
    if b.strides()[1] != 1 || c.strides()[1] != 1 || b.strides()[0] < 0 || c.strides()[0] < 0 {
        return false;
    }
    let (ldb, ldc) = (b.strides()[0] as usize, c.strides()[0] as usize);
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    // SAFETY (all raw reads below): indices stay inside the views' shapes,
    // [m, k] for `a`, [k, n] for `b`, [m, n] for `c`, with their strides.
    let a_ptr = a.as_ptr();
    let at = |i: usize, p: usize| unsafe { *a_ptr.offset(i as isize * a_rs + p as isize * a_cs) };
    let b_ptr = b.as_ptr();
    let brow = |p: usize, j0: usize, len: usize| unsafe {
        std::slice::from_raw_parts(b_ptr.add(p * ldb + j0), len)
    };
    let c_ptr = c.as_mut_ptr();
    let zero = F::zero();
    let store = |i: usize, j0: usize, acc: &[F]| {
        // SAFETY: row i, columns j0..j0+len of `c`, which is a unique view.
        let row = unsafe { std::slice::from_raw_parts_mut(c_ptr.add(i * ldc + j0), acc.len()) };
        for (d, &v) in row.iter_mut().zip(acc) {
            *d = if beta == zero {
                alpha * v
            } else {
                alpha * v + beta * *d
            };
        }
    };
    let mut j0 = 0;
    while j0 < n {
        let nb = NB.min(n - j0);
        let mut i0 = 0;
        while i0 + MB <= m {
            let acc = if nb == NB {
                let mut c = [[zero; NB]; MB];
                let zeros = [zero; NB];
                for p in 0..k {
                    let bv: &[F; NB] = brow(p, j0, NB).try_into().unwrap_or(&zeros);
                    let x = [at(i0, p), at(i0 + 1, p), at(i0 + 2, p), at(i0 + 3, p)];
                    for l in 0..NB {
                        c[0][l] += x[0] * bv[l];
                        c[1][l] += x[1] * bv[l];
                        c[2][l] += x[2] * bv[l];
                        c[3][l] += x[3] * bv[l];
                    }
                }
                c
            } else {
                let mut c = [[zero; NB]; MB];
                for p in 0..k {
                    let bv = brow(p, j0, nb);
                    for (r, cr) in c.iter_mut().enumerate() {
                        let x = at(i0 + r, p);
                        for (d, &y) in cr.iter_mut().zip(bv) {
                            *d += x * y;
                        }
                    }
                }
                c
            };
            for (r, accr) in acc.iter().enumerate() {
                store(i0 + r, j0, &accr[..nb]);
            }
            i0 += MB;
        }
        while i0 < m {
            let mut acc = [zero; NB];
            for p in 0..k {
                let av = at(i0, p);
                for (x, &y) in acc.iter_mut().zip(brow(p, j0, nb)) {
                    *x += av * y;
                }
            }
            store(i0, j0, &acc[..nb]);
            i0 += 1;
        }
        j0 += nb;
    }
    true
}
