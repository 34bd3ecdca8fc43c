//! Vectorised element-wise functions for `f32` slices: `exp`, the
//! logistic sigmoid and `tanh`, the transcendental functions that dominate
//! recurrent layers and sigmoid/tanh activations.
//!
//! The `f32` kernels are branch-free polynomial approximations (Cephes'
//! `expf` and `tanhf`, within a few ulp of the exact value) written lane by
//! lane so the compiler vectorises them; at run time the widest instruction
//! set the processor has (AVX-512, else AVX2, else the baseline) is chosen
//! once. Every variant does the same operations in the same order (no fused
//! multiply-add), so results are bit-identical whichever one runs. For any
//! other [`Float`] (`f64` in gradient checks) the functions use the standard
//! library's exact functions.
//!
//! NaN in gives NaN out; ±∞ give the functions' limits.

use std::any::TypeId;
use std::sync::OnceLock;

use super::Float;

/// `x[i] = exp(x[i])`.
pub fn exp_inplace<F: Float>(x: &mut [F]) {
    match as_f32(x) {
        Some(v) => dispatch(v, Kernel::Exp),
        None => x.iter_mut().for_each(|v| *v = v.exp()),
    }
}

/// `x[i] = 1 / (1 + exp(−x[i]))`.
pub fn sigmoid_inplace<F: Float>(x: &mut [F]) {
    match as_f32(x) {
        Some(v) => dispatch(v, Kernel::Sigmoid),
        None => x
            .iter_mut()
            .for_each(|v| *v = F::one() / (F::one() + (-*v).exp())),
    }
}

/// `x[i] = tanh(x[i])`.
pub fn tanh_inplace<F: Float>(x: &mut [F]) {
    match as_f32(x) {
        Some(v) => dispatch(v, Kernel::Tanh),
        None => x.iter_mut().for_each(|v| *v = v.tanh()),
    }
}

/// `x[i] = GELU(x[i]) = x·Φ(x)`, the exact (erf) GELU. For `f32`, `erf`
/// is Abramowitz and Stegun's 7.1.26 (absolute error below 1.5·10⁻⁷, the
/// approximation PyTorch's vectorised CPU kernel uses) over this module's
/// `exp`; otherwise the exact [`super::activation::erf`].
pub fn gelu_inplace<F: Float>(x: &mut [F]) {
    match as_f32(x) {
        Some(v) => dispatch(v, Kernel::Gelu),
        None => x.iter_mut().for_each(|v| {
            let x = v.f64();
            *v = F::of(
                0.5 * x * (1.0 + super::activation::erf(x * std::f64::consts::FRAC_1_SQRT_2)),
            );
        }),
    }
}

/// `x[i] = GELU′(x[i]) = Φ(x) + x·φ(x)`, with the same `erf` as
/// [`gelu_inplace`].
pub fn gelu_grad_inplace<F: Float>(x: &mut [F]) {
    match as_f32(x) {
        Some(v) => dispatch(v, Kernel::GeluGrad),
        None => x.iter_mut().for_each(|v| {
            let x = v.f64();
            let cdf = 0.5 * (1.0 + super::activation::erf(x * std::f64::consts::FRAC_1_SQRT_2));
            let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
            *v = F::of(cdf + x * pdf);
        }),
    }
}

/// The sum of `x`, added in 16 interleaved partial sums (so it
/// vectorises; the order is fixed, so the result is deterministic).
pub fn sum<F: Float>(x: &[F]) -> F {
    let mut acc = [F::zero(); 16];
    let mut chunks = x.chunks_exact(16);
    for c in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    let tail: F = chunks
        .remainder()
        .iter()
        .copied()
        .fold(F::zero(), |a, v| a + v);
    acc.iter().copied().fold(F::zero(), |a, v| a + v) + tail
}

/// The slice as `f32`, when `F` is `f32`.
fn as_f32<F: Float>(x: &mut [F]) -> Option<&mut [f32]> {
    if TypeId::of::<F>() == TypeId::of::<f32>() {
        // SAFETY: `F` is `f32` (same TypeId), so the slice's layout, length
        // and lifetime are unchanged by the cast.
        Some(unsafe { std::slice::from_raw_parts_mut(x.as_mut_ptr().cast::<f32>(), x.len()) })
    } else {
        None
    }
}

#[derive(Clone, Copy)]
enum Kernel {
    Exp,
    Sigmoid,
    Tanh,
    Gelu,
    GeluGrad,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Isa {
    Baseline,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

fn isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Isa::Avx2;
            }
        }
        Isa::Baseline
    })
}

fn dispatch(x: &mut [f32], k: Kernel) {
    run_on(isa(), x, k);
}

/// Runs kernel `k` compiled for `isa`, which must be one the processor has
/// (as [`isa`] and the tests check with `is_x86_feature_detected!`).
fn run_on(isa: Isa, x: &mut [f32], k: Kernel) {
    match isa {
        // SAFETY: callers pass only instruction sets the processor has.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { run_avx512(x, k) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { run_avx2(x, k) },
        Isa::Baseline => run_baseline(x, k),
    }
}

/// The kernels compiled for the build's target processor only (with the
/// repository's `target-cpu=native` that is this machine's; CI also runs
/// the tests built for plain x86-64, where it is SSE2).
#[inline(never)]
fn run_baseline(x: &mut [f32], k: Kernel) {
    run(x, k);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn run_avx512(x: &mut [f32], k: Kernel) {
    run(x, k);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2(x: &mut [f32], k: Kernel) {
    run(x, k);
}

#[inline(always)]
fn run(x: &mut [f32], k: Kernel) {
    match k {
        Kernel::Exp => map(x, exp_lane),
        Kernel::Sigmoid => map(x, sigmoid_lane),
        Kernel::Tanh => map(x, tanh_lane),
        Kernel::Gelu => map(x, gelu_lane),
        Kernel::GeluGrad => map(x, gelu_grad_lane),
    }
}

/// Applies `f` to every element, 16 at a time so the loop vectorises.
#[inline(always)]
fn map(x: &mut [f32], f: impl Fn(f32) -> f32 + Copy) {
    let mut chunks = x.chunks_exact_mut(16);
    for c in &mut chunks {
        for v in c.iter_mut() {
            *v = f(*v);
        }
    }
    for v in chunks.into_remainder() {
        *v = f(*v);
    }
}

/// `exp` for `f32` (Cephes `expf`): `x = n·ln2 + r`, `exp(r)` by a
/// degree-6 polynomial, `2ⁿ` built in the exponent bits. Arguments are
/// clamped to `[−87.3, 88]`, so the result is finite and non-zero.
#[inline(always)]
#[allow(clippy::excessive_precision)] // Cephes' coefficients as published
fn exp_lane(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5·2²³: adding it rounds to an integer
    let x = x.clamp(-87.3, 88.0);
    let t = x * std::f32::consts::LOG2_E + MAGIC;
    let n = t - MAGIC;
    let ni = (t.to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32);
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 5.000_000_1e-1;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits((ni.wrapping_add(127) as u32) << 23)
}

#[inline(always)]
fn sigmoid_lane(x: f32) -> f32 {
    1.0 / (1.0 + exp_lane(-x))
}

/// `tanh` for `f32` (Cephes `tanhf`): an odd polynomial below 0.625,
/// `1 − 2/(exp(2|x|) + 1)` above, both computed and one chosen.
#[inline(always)]
#[allow(clippy::excessive_precision)] // Cephes' coefficients as published
fn tanh_lane(x: f32) -> f32 {
    let a = x.abs();
    let z = x * x;
    let small =
        ((((-5.704_988_7e-3 * z + 2.063_908_9e-2) * z - 5.373_971_6e-2) * z + 1.333_144_2e-1) * z
            - 3.333_328_2e-1)
            * z
            * x
            + x;
    // tanh is odd: the sign of x (also keeps tanh(−0) = −0).
    let small = small.copysign(x);
    let big = (1.0 - 2.0 / (exp_lane(2.0 * a) + 1.0)).copysign(x);
    if a < 0.625 { small } else { big }
}

/// `(erf(x/√2), exp(−x²/2))`: Abramowitz and Stegun 7.1.26, `erf u =
/// 1 − t·(a₁ + t·(a₂ + …))·e^(−u²)` with `t = 1/(1 + p·|u|)`, odd in `u`.
#[inline(always)]
#[allow(clippy::excessive_precision)] // the published coefficients
fn erf_and_gauss(x: f32) -> (f32, f32) {
    let u = x * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * u.abs());
    let r = (((1.061_405_429 * t - 1.453_152_027) * t + 1.421_413_741) * t - 0.284_496_736) * t
        + 0.254_829_592;
    let e = exp_lane(-(u * u));
    ((1.0 - r * t * e).copysign(u), e)
}

#[inline(always)]
fn gelu_lane(x: f32) -> f32 {
    let (erf, _) = erf_and_gauss(x);
    0.5 * x * (1.0 + erf)
}

#[inline(always)]
fn gelu_grad_lane(x: f32) -> f32 {
    const INV_SQRT_2PI: f32 = 0.398_942_3;
    let (erf, e) = erf_and_gauss(x);
    0.5 * (1.0 + erf) + x * e * INV_SQRT_2PI
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 97th f32 bit pattern in `[lo, hi]`, both signs.
    fn sweep(lo: f32, hi: f32) -> Vec<f32> {
        let (a, b) = (lo.to_bits(), hi.to_bits());
        (a..=b)
            .step_by(97)
            .map(f32::from_bits)
            .flat_map(|v| [v, -v])
            .collect()
    }

    fn max_rel_err(xs: &[f32], got: &[f32], want: impl Fn(f64) -> f64) -> f64 {
        xs.iter()
            .zip(got)
            .map(|(&x, &g)| {
                let w = want(x as f64);
                ((g as f64 - w) / w.abs().max(f32::MIN_POSITIVE as f64)).abs()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn exp_is_within_a_few_ulp() {
        let xs = sweep(1e-8, 87.0);
        let mut got = xs.clone();
        exp_inplace(&mut got);
        let e = max_rel_err(&xs, &got, f64::exp);
        assert!(
            e < 3.0 * f32::EPSILON as f64,
            "exp max relative error {e:e}"
        );
    }

    #[test]
    fn sigmoid_is_within_a_few_ulp() {
        let xs = sweep(1e-8, 80.0);
        let mut got = xs.clone();
        sigmoid_inplace(&mut got);
        let e = max_rel_err(&xs, &got, |x| 1.0 / (1.0 + (-x).exp()));
        assert!(
            e < 4.0 * f32::EPSILON as f64,
            "sigmoid max relative error {e:e}"
        );
    }

    #[test]
    fn tanh_is_within_a_few_ulp_also_near_zero() {
        let xs = sweep(1e-30, 20.0);
        let mut got = xs.clone();
        tanh_inplace(&mut got);
        let e = max_rel_err(&xs, &got, f64::tanh);
        assert!(
            e < 4.0 * f32::EPSILON as f64,
            "tanh max relative error {e:e}"
        );
    }

    #[test]
    fn limits_infinities_and_nan() {
        let mut v = [
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NAN,
            0.0,
            -200.0,
            200.0,
        ];
        sigmoid_inplace(&mut v);
        assert!(v[0] >= 0.0 && v[0] < 1e-37 && v[1] == 1.0);
        assert!(v[2].is_nan());
        assert_eq!(v[3], 0.5);
        assert!(v[4] >= 0.0 && v[4] < 1e-37 && v[5] == 1.0);
        let mut t = [f32::NEG_INFINITY, f32::INFINITY, f32::NAN, -0.0, -30.0];
        tanh_inplace(&mut t);
        assert_eq!(&t[..2], &[-1.0, 1.0]);
        assert!(t[2].is_nan());
        assert!(t[3] == 0.0 && t[3].is_sign_negative());
        assert_eq!(t[4], -1.0);
        let mut e = [f32::NEG_INFINITY, f32::NAN, 0.0];
        exp_inplace(&mut e);
        assert!(e[0] >= 0.0 && e[0] < 1e-37 && e[1].is_nan() && e[2] == 1.0);
    }

    /// The instruction sets this processor has, widest first.
    fn available() -> Vec<Isa> {
        let mut v = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                v.push(Isa::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                v.push(Isa::Avx2);
            }
        }
        v.push(Isa::Baseline);
        v
    }

    /// One element at a time, each through `black_box`, so nothing is
    /// vectorised: the reference every path must match bit for bit.
    fn one_lane_at_a_time(xs: &[f32], k: Kernel) -> Vec<f32> {
        let f = match k {
            Kernel::Exp => exp_lane,
            Kernel::Sigmoid => sigmoid_lane,
            Kernel::Tanh => tanh_lane,
            Kernel::Gelu => gelu_lane,
            Kernel::GeluGrad => gelu_grad_lane,
        };
        xs.iter()
            .map(|&x| std::hint::black_box(f(std::hint::black_box(x))))
            .collect()
    }

    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        // Lengths that leave a remainder after the 16-wide chunks, too.
        let mut xs = sweep(1e-6, 50.0);
        xs.truncate(xs.len() / 16 * 16 + 13);
        let isas = available();
        for &isa in &isas {
            for k in [
                Kernel::Exp,
                Kernel::Sigmoid,
                Kernel::Tanh,
                Kernel::Gelu,
                Kernel::GeluGrad,
            ] {
                let want = one_lane_at_a_time(&xs, k);
                let mut got = xs.clone();
                run_on(isa, &mut got, k);
                let bad = xs
                    .iter()
                    .zip(want.iter().zip(&got))
                    .find(|(_, (a, b))| a.to_bits() != b.to_bits());
                assert!(bad.is_none(), "{isa:?}: x, scalar, vector = {bad:?}");
            }
        }
        // What the dispatcher picks is the widest one.
        assert_eq!(isa(), isas[0]);
        // `.ci/run` also runs this test built for plain x86-64
        // (`NEUROGLASS_BASELINE_BUILD=1`): there the baseline must really
        // be compiled without AVX, so that baseline code ran above.
        if std::env::var_os("NEUROGLASS_BASELINE_BUILD").is_some() {
            let avx = std::hint::black_box(cfg!(target_feature = "avx"));
            assert!(!avx, "the baseline build uses AVX");
        }
        println!("instruction sets tested: {isas:?}");
    }

    #[test]
    fn gelu_and_its_gradient_are_within_3e_7_of_the_exact_ones() {
        let xs: Vec<f32> = (-12_000..=12_000).map(|i| i as f32 * 1e-3).collect();
        let mut g = xs.clone();
        gelu_inplace(&mut g);
        let mut d = xs.clone();
        gelu_grad_inplace(&mut d);
        let mut want_g: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
        gelu_inplace(&mut want_g);
        let mut want_d: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
        gelu_grad_inplace(&mut want_d);
        for (i, &x) in xs.iter().enumerate() {
            // Absolute error: erf's 1.5e-7 times |x|/2, plus f32 rounding.
            let tol = 3e-7 * (1.0 + f64::from(x.abs()));
            assert!(
                (f64::from(g[i]) - want_g[i]).abs() < tol,
                "GELU({x}): {} vs {}",
                g[i],
                want_g[i]
            );
            assert!(
                (f64::from(d[i]) - want_d[i]).abs() < tol,
                "GELU'({x}): {} vs {}",
                d[i],
                want_d[i]
            );
        }
        let mut v = [f32::NAN, f32::INFINITY, 0.0, -20.0];
        gelu_inplace(&mut v);
        assert!(v[0].is_nan(), "{v:?}");
        assert_eq!(&v[1..3], &[f32::INFINITY, 0.0]);
        assert!(v[3] <= 0.0 && v[3] > -1e-5, "{v:?}");
    }

    #[test]
    fn sum_adds_every_element() {
        let x: Vec<f64> = (1..=1000).map(f64::from).collect();
        for n in [0, 1, 15, 16, 17, 1000] {
            let want = (n * (n + 1) / 2) as f64;
            assert_eq!(sum(&x[..n]), want, "{n}");
        }
    }

    #[test]
    fn f64_uses_the_exact_functions() {
        let mut v = [0.3f64, -2.0];
        tanh_inplace(&mut v);
        assert_eq!(v, [0.3f64.tanh(), (-2.0f64).tanh()]);
    }
}
