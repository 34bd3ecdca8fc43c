//! Matrix products. Every layer multiplies through here, so the GEMM
//! backend is chosen (and measured) in one place.
//!
//! The backend is the `gemm` crate: it picks AVX-512, AVX2 or SSE kernels at
//! run time and splits large products over threads. At the engine's shapes
//! it measured 1.1–5× faster than `ndarray`'s built-in `matrixmultiply`
//! (see the engine issue's note); small products stay on one thread.

use std::sync::atomic::{AtomicUsize, Ordering};

#[cfg(test)]
thread_local! {
    /// The threads the calling thread's latest product was split over (1:
    /// not split), so tests can see which path a product took.
    static LAST_SPLIT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

use ndarray::{ArrayView2, ArrayViewMut2};

use super::Float;

thread_local! {
    static IN_PRODUCT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the calling thread is inside the GEMM backend. The backend
/// allocates its packing scratch on every call; everything else in a warm
/// training step allocates nothing, and a test checks exactly that by
/// counting allocations made outside products.
pub fn inside_product() -> bool {
    IN_PRODUCT.with(std::cell::Cell::get) || SPLIT_PRODUCTS.load(Ordering::Relaxed) > 0
}

/// Products running split over threads: while one runs, the other workers
/// work only on it.
static SPLIT_PRODUCTS: AtomicUsize = AtomicUsize::new(0);

mod small;

/// Products of at most this many multiply-adds, at least 16 columns wide,
/// whose `b` and `c` have contiguous rows go to the small-product kernel (no packing, no
/// allocation); larger ones to the `gemm` crate.
const SMALL_MAX_WORK: usize = 1 << 20;

/// Products smaller than this many multiply-adds stay on one thread.
const PARALLEL_MIN_WORK: usize = 1 << 23;

/// The multiply-adds of an `[m, k]·[k, n]` product if it is large enough
/// to be split over threads, else 0.
pub fn parallel_work(m: usize, k: usize, n: usize) -> usize {
    let work = m.saturating_mul(n).saturating_mul(k);
    if work >= PARALLEL_MIN_WORK { work } else { 0 }
}

/// One product's shape and layout, as [`record_products`] saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProductShape {
    /// Rows of `a` and `c`.
    pub m: usize,
    /// Columns of `a`, rows of `b`.
    pub k: usize,
    /// Columns of `b` and `c`.
    pub n: usize,
    /// Whether `a` is read column-major (a transposed view).
    pub a_t: bool,
    /// Whether `b` is read column-major.
    pub b_t: bool,
    /// Whether `c` is written column-major.
    pub c_t: bool,
    /// Whether `c` is added to (`beta ≠ 0`).
    pub accumulate: bool,
}

impl ProductShape {
    /// Floating-point operations: two per multiply-add.
    pub fn flops(&self) -> u64 {
        2 * self.m as u64 * self.k as u64 * self.n as u64
    }
}

thread_local! {
    /// Products recorded on this thread, while [`record_products`] runs.
    static RECORDED: std::cell::RefCell<Option<Vec<ProductShape>>> =
        const { std::cell::RefCell::new(None) };
    static RECORDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` and returns, with its result, every product computed on this
/// thread while it ran, in order — for `neuroglass bench --ceiling`, which
/// times the products of a training step alone. Run `f` on one engine
/// thread ([`super::parallel::with_threads`]`(1, …)`), so that no product
/// runs elsewhere.
pub fn record_products<R>(f: impl FnOnce() -> R) -> (R, Vec<ProductShape>) {
    RECORDED.with(|r| *r.borrow_mut() = Some(Vec::new()));
    RECORDING.with(|r| r.set(true));
    let out = f();
    RECORDING.with(|r| r.set(false));
    let shapes = RECORDED.with(|r| r.borrow_mut().take()).unwrap_or_default();
    (out, shapes)
}

fn record<F>(a: &ArrayView2<F>, b: &ArrayView2<F>, c: &ArrayViewMut2<F>, accumulate: bool) {
    // Column-major: consecutive columns are not next to each other.
    let t = |cols: usize, strides: &[isize]| cols > 1 && strides[1] != 1;
    let shape = ProductShape {
        m: a.nrows(),
        k: a.ncols(),
        n: b.ncols(),
        a_t: t(a.ncols(), a.strides()),
        b_t: t(b.ncols(), b.strides()),
        c_t: t(c.ncols(), c.strides()),
        accumulate,
    };
    RECORDED.with(|r| {
        if let Some(v) = r.borrow_mut().as_mut() {
            v.push(shape);
        }
    });
}

/// `c = alpha · a · b + beta · c`.
///
/// # Shapes
/// `a: [m, k]`, `b: [k, n]`, `c: [m, n]`; any strides (pass `x.t()` for a
/// transpose).
///
/// # Panics
/// If the shapes disagree — a bug in the calling layer, never input.
#[inline]
pub fn gemm<F: Float>(
    alpha: F,
    a: ArrayView2<F>,
    b: ArrayView2<F>,
    beta: F,
    c: &mut ArrayViewMut2<F>,
) {
    if RECORDING.with(std::cell::Cell::get) {
        record(&a, &b, c, beta != F::zero());
    }
    gemm_with(alpha, a, b, beta, c, None);
}

/// [`gemm`] split over `threads` threads whatever its size (`threads` ≤ 1:
/// on this thread, also for the small-product kernel's shapes) — for
/// measuring the kernel's ceiling at a shape on one and two cores.
///
/// # Panics
/// As [`gemm`].
pub fn gemm_split<F: Float>(
    alpha: F,
    a: ArrayView2<F>,
    b: ArrayView2<F>,
    beta: F,
    c: &mut ArrayViewMut2<F>,
    threads: usize,
) {
    gemm_with(alpha, a, b, beta, c, Some(threads));
}

fn gemm_with<F: Float>(
    alpha: F,
    a: ArrayView2<F>,
    b: ArrayView2<F>,
    beta: F,
    c: &mut ArrayViewMut2<F>,
    force: Option<usize>,
) {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert!(
        k == k2 && c.dim() == (m, n),
        "gemm shape mismatch: [{m},{k}]·[{k2},{n}] into {:?}",
        c.dim()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.mapv_inplace(|v| v * beta);
        return;
    }
    if force.is_none()
        && m.saturating_mul(n).saturating_mul(k) <= SMALL_MAX_WORK
        && n >= 16
        && b.strides()[1] == 1
        && c.strides()[1] == 1
        && small::gemm(alpha, a, b, beta, c)
    {
        return;
    }
    let t = super::parallel::threads();
    let big = m.saturating_mul(n).saturating_mul(k) >= PARALLEL_MIN_WORK;
    let parallelism = match force {
        Some(n) if n > 1 => gemm::Parallelism::Rayon(n),
        Some(_) => gemm::Parallelism::None,
        None if t > 1 && big && !super::parallel::in_shard() => gemm::Parallelism::Rayon(t),
        None => gemm::Parallelism::None,
    };
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    let read_dst = beta != F::zero();
    let split = !matches!(parallelism, gemm::Parallelism::None);
    #[cfg(test)]
    LAST_SPLIT.with(|c| c.set(if split { t } else { 1 }));
    if split {
        SPLIT_PRODUCTS.fetch_add(1, Ordering::Relaxed);
    }
    IN_PRODUCT.with(|c| c.set(true));
    // SAFETY: the pointers and strides come from live ndarray views whose
    // shapes were checked above to be [m,k], [k,n] and [m,n]; `c` is a
    // unique (mutable) view, so it does not alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            c_rs,
            read_dst,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            beta,
            alpha,
            false,
            false,
            false,
            parallelism,
        );
    }
    IN_PRODUCT.with(|c| c.set(false));
    if split {
        SPLIT_PRODUCTS.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn naive(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
        let (m, k) = a.dim();
        let n = b.ncols();
        Array2::from_shape_fn((m, n), |(i, j)| (0..k).map(|p| a[[i, p]] * b[[p, j]]).sum())
    }

    #[test]
    fn matches_naive_with_transposes_alpha_and_beta() {
        let a = Array2::from_shape_fn((7, 5), |(i, j)| (i * 5 + j) as f64 * 0.1 - 1.0);
        let b = Array2::from_shape_fn((5, 3), |(i, j)| (i as f64 - j as f64) * 0.3);
        let mut c = Array2::from_elem((7, 3), 1.0);
        gemm(2.0, a.view(), b.view(), 0.5, &mut c.view_mut());
        let want = naive(&a, &b) * 2.0 + 0.5;
        assert!((&c - &want).iter().all(|d| d.abs() < 1e-12));
        // Transposed operands via strides.
        let at = a.t().to_owned();
        let mut c2 = Array2::zeros((7, 3));
        gemm(1.0, at.t(), b.view(), 0.0, &mut c2.view_mut());
        assert!((&c2 - &naive(&a, &b)).iter().all(|d| d.abs() < 1e-12));
        // Into a transposed destination.
        let mut ct = Array2::zeros((3, 7));
        gemm(
            1.0,
            a.view(),
            b.view(),
            0.0,
            &mut ct.view_mut().reversed_axes(),
        );
        assert!((&ct.t() - &naive(&a, &b)).iter().all(|d| d.abs() < 1e-12));
    }

    #[test]
    fn the_small_kernel_matches_naive_at_ragged_shapes() {
        for (m, k, n) in [
            (1, 1, 1),
            (4, 3, 16),
            (5, 7, 17),
            (9, 1, 33),
            (3, 40, 5),
            (16, 32, 128),
        ] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
            let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f64 * 0.25);
            let want = naive(&a, &b);
            // Plain, with alpha and beta, and with a transposed `a`.
            let mut c = Array2::from_elem((m, n), f64::NAN);
            assert!(small::gemm(1.0, a.view(), b.view(), 0.0, &mut c.view_mut()));
            assert_eq!(c, want, "[{m},{k}]·[{k},{n}]");
            let mut c = Array2::from_elem((m, n), 2.0);
            assert!(small::gemm(0.5, a.view(), b.view(), 3.0, &mut c.view_mut()));
            assert_eq!(c, &want * 0.5 + 6.0);
            let at = a.t().to_owned();
            let mut c = Array2::zeros((m, n));
            assert!(small::gemm(1.0, at.t(), b.view(), 0.0, &mut c.view_mut()));
            assert_eq!(c, want);
        }
        // A `b` without contiguous rows is refused.
        let b = Array2::<f64>::zeros((3, 4));
        let mut c = Array2::zeros((2, 3));
        let a = Array2::<f64>::zeros((2, 4));
        assert!(!small::gemm(1.0, a.view(), b.t(), 0.0, &mut c.view_mut()));
    }

    fn operands(m: usize, k: usize, n: usize) -> (Array2<f32>, Array2<f32>) {
        let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 31 + j * 7) % 13) as f32 * 0.1 - 0.6);
        let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 3 + j * 11) % 17) as f32 * 0.05 - 0.4);
        (a, b)
    }

    /// One product on `threads` threads, and the threads it was split over.
    fn product_on(threads: usize, m: usize, k: usize, n: usize) -> (Array2<f32>, usize) {
        let (a, b) = operands(m, k, n);
        let mut c = Array2::zeros((m, n));
        crate::engine::parallel::with_threads(threads, || {
            gemm(1.0, a.view(), b.view(), 0.0, &mut c.view_mut());
        });
        (c, LAST_SPLIT.with(std::cell::Cell::get))
    }

    #[test]
    fn f32_threads_agree_with_one_thread() {
        // 256·512·128 = 16.8 M multiply-adds, above the split threshold
        // (the shape of workload b's first layer at its batch of 128 is
        // [128, 784]·[784, 256], also above it).
        let (m, k, n) = (256, 512, 128);
        assert!(
            parallel_work(m, k, n) > 0,
            "the product must be big enough to split"
        );
        let (one, split1) = product_on(1, m, k, n);
        let (two, split2) = product_on(2, m, k, n);
        assert_eq!(split1, 1, "one thread does not split");
        assert_eq!(split2, 2, "two threads split the product");
        // Bit for bit, not within a tolerance.
        let bits = |c: &Array2<f32>| c.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert!(bits(&one) == bits(&two), "2 threads changed the bits");
        // And it is the product (f32 sums of 512 terms, against f64).
        let (a, b) = operands(m, k, n);
        let want = naive(&a.mapv(f64::from), &b.mapv(f64::from));
        let worst = (&one.mapv(f64::from) - &want)
            .iter()
            .fold(0.0f64, |w, d| w.max(d.abs()));
        assert!(worst < 1e-3, "largest error {worst:e}");
    }
}
