//! Weight initialisers, seeded and reproducible.

use ndarray::Array2;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Float;

/// How to fill a weight tensor, given its fans.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InitKind {
    /// PyTorch's default for Linear and Conv: U(±1/√fan_in) (Kaiming uniform with a=√5).
    TorchDefault,
    /// Glorot uniform: U(±√(6/(fan_in+fan_out))).
    XavierUniform,
    /// Glorot normal: N(0, 2/(fan_in+fan_out)).
    XavierNormal,
    /// He uniform: U(±√(6/fan_in)).
    HeUniform,
    /// He normal: N(0, 2/fan_in).
    HeNormal,
    /// LeCun normal: N(0, 1/fan_in).
    LeCun,
    /// U(±bound).
    Uniform(f64),
    /// Every value the same.
    Constant(f64),
    /// All zeros.
    Zeros,
}

/// One standard normal sample (Box–Muller), from the given stream.
pub fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Fills `w` according to `kind` with fans `fan_in` and `fan_out`.
///
/// # Shapes
/// Any `[rows, cols]`; the fans are the caller's (Dense: in, out; Conv:
/// in·k², out·k²).
pub fn fill<F: Float>(
    w: &mut Array2<F>,
    kind: InitKind,
    fan_in: usize,
    fan_out: usize,
    rng: &mut ChaCha8Rng,
) {
    let fi = fan_in.max(1) as f64;
    let fo = fan_out.max(1) as f64;
    let uniform = |w: &mut Array2<F>, b: f64, rng: &mut ChaCha8Rng| {
        w.mapv_inplace(|_| F::of(rng.random_range(-b..=b)));
    };
    let normal = |w: &mut Array2<F>, std: f64, rng: &mut ChaCha8Rng| {
        w.mapv_inplace(|_| F::of(std * standard_normal(rng)));
    };
    match kind {
        InitKind::TorchDefault => uniform(w, 1.0 / fi.sqrt(), rng),
        InitKind::XavierUniform => uniform(w, (6.0 / (fi + fo)).sqrt(), rng),
        InitKind::XavierNormal => normal(w, (2.0 / (fi + fo)).sqrt(), rng),
        InitKind::HeUniform => uniform(w, (6.0 / fi).sqrt(), rng),
        InitKind::HeNormal => normal(w, (2.0 / fi).sqrt(), rng),
        InitKind::LeCun => normal(w, (1.0 / fi).sqrt(), rng),
        InitKind::Uniform(b) => uniform(w, b, rng),
        InitKind::Constant(c) => w.fill(F::of(c)),
        InitKind::Zeros => w.fill(F::zero()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn same_seed_same_weights_and_bounds_hold() {
        let mut a = Array2::<f32>::zeros((64, 32));
        let mut b = Array2::<f32>::zeros((64, 32));
        fill(
            &mut a,
            InitKind::HeUniform,
            32,
            64,
            &mut ChaCha8Rng::seed_from_u64(7),
        );
        fill(
            &mut b,
            InitKind::HeUniform,
            32,
            64,
            &mut ChaCha8Rng::seed_from_u64(7),
        );
        assert_eq!(a, b);
        let bound = (6.0f32 / 32.0).sqrt();
        assert!(a.iter().all(|v| v.abs() <= bound));
        assert!(a.iter().any(|v| v.abs() > bound * 0.9));
    }

    #[test]
    fn he_normal_has_the_right_spread() {
        let mut w = Array2::<f64>::zeros((200, 200));
        fill(
            &mut w,
            InitKind::HeNormal,
            100,
            200,
            &mut ChaCha8Rng::seed_from_u64(1),
        );
        let n = w.len() as f64;
        let mean = w.sum() / n;
        let var = w.mapv(|v| (v - mean) * (v - mean)).sum() / n;
        assert!(mean.abs() < 0.005, "mean {mean}");
        assert!((var - 0.02).abs() < 0.001, "var {var}");
    }
}
