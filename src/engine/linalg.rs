//! Matrix products. Every layer multiplies through here, so the GEMM
//! backend can be chosen (and measured) in one place.

use ndarray::{ArrayView2, ArrayViewMut2};

use super::Float;

/// `c = alpha · a · b + beta · c`.
///
/// # Shapes
/// `a: [m, k]`, `b: [k, n]`, `c: [m, n]`; any strides (pass `x.t()` for a
/// transpose).
#[inline]
pub fn gemm<F: Float>(
    alpha: F,
    a: ArrayView2<F>,
    b: ArrayView2<F>,
    beta: F,
    c: &mut ArrayViewMut2<F>,
) {
    ndarray::linalg::general_mat_mul(alpha, &a, &b, beta, c);
}
