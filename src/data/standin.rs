//! Stand-in data: random inputs of a given shape with labels cycling
//! through the classes (or random targets), for a network no real data
//! fits yet — an imported ONNX model whose input no bundled set has. It
//! lets the project be inspected, traced and exported; training on it
//! teaches nothing, which its name says.

use rand::{Rng, SeedableRng};

use super::{Dataset, Target};

/// Samples a stand-in set has unless told.
pub const DEFAULT_SAMPLES: usize = 64;
/// Most stand-in samples.
pub const MAX_SAMPLES: usize = 100_000;
/// Largest stand-in set in memory (4 bytes a value).
pub const MAX_BYTES: u64 = super::npy::MAX_NPY_BYTES;
/// Most classes.
pub const MAX_CLASSES: usize = 1_000_000;
/// Most targets a sample.
pub const MAX_TARGETS: usize = 1 << 20;

/// Checks stand-in settings; the message says what is wrong.
///
/// # Errors
/// An empty shape or a zero dimension, no samples or too many, a class
/// count under 2, no targets, or a set past [`MAX_BYTES`].
pub fn check(
    shape: &[usize],
    classes: Option<usize>,
    targets: usize,
    samples: usize,
) -> Result<(), String> {
    if shape.is_empty() || shape.contains(&0) || shape.len() > 8 {
        return Err(format!(
            "the stand-in data's sample shape {shape:?} must have 1 to 8 dimensions, none 0"
        ));
    }
    if samples == 0 || samples > MAX_SAMPLES {
        return Err(format!(
            "the stand-in data has {samples} samples; it must have 1 to {MAX_SAMPLES}"
        ));
    }
    if let Some(k) = classes
        && !(2..=MAX_CLASSES).contains(&k)
    {
        return Err(format!(
            "the stand-in data has {k} classes; it must have 2 to {MAX_CLASSES}"
        ));
    }
    if targets == 0 || targets > MAX_TARGETS {
        return Err(format!(
            "the stand-in data has {targets} targets; it must have 1 to {MAX_TARGETS}"
        ));
    }
    let values = shape
        .iter()
        .try_fold(samples as u64, |a, &d| a.checked_mul(d as u64))
        .and_then(|v| v.checked_mul(4));
    match values {
        Some(b) if b <= MAX_BYTES => Ok(()),
        _ => Err(format!(
            "{samples} stand-in samples of shape {shape:?} would take more than {}",
            super::file::human(MAX_BYTES)
        )),
    }
}

/// The stand-in set: inputs from a standard normal distribution (seeded),
/// classes `i mod k`, or normal targets.
///
/// # Errors
/// As [`check`], as [`super::DataError::Settings`].
pub fn dataset(
    shape: &[usize],
    classes: Option<usize>,
    targets: usize,
    samples: usize,
    seed: u64,
) -> Result<Dataset, super::DataError> {
    check(shape, classes, targets, samples).map_err(super::DataError::Settings)?;
    let per: usize = shape.iter().product();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5354_414e_4449_4e00);
    let x = ndarray::Array2::from_shape_simple_fn((samples, per), || normal(&mut rng));
    let target = match classes {
        Some(k) => Target::Classes {
            labels: (0..samples).map(|i| (i % k) as u32).collect(),
            names: (0..k).map(|c| c.to_string()).collect(),
        },
        None => Target::Values {
            y: ndarray::Array2::from_shape_simple_fn((samples, targets), || normal(&mut rng)),
            names: (0..targets).map(|c| format!("y{c}")).collect(),
        },
    };
    Ok(Dataset {
        name: format!("random stand-in data, samples {}", shape_text(shape)),
        x,
        target,
        input_shape: shape.to_vec(),
        feature_names: Vec::new(),
    })
}

/// `1×32×32` style.
pub fn shape_text(shape: &[usize]) -> String {
    shape
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("×")
}

/// One draw from N(0, 1) (Box–Muller).
fn normal(rng: &mut impl Rng) -> f32 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_set_and_settings_are_checked() {
        let a = dataset(&[1, 5, 5], Some(3), 1, 10, 7).unwrap();
        let b = dataset(&[1, 5, 5], Some(3), 1, 10, 7).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.x.dim(), (10, 25));
        assert_eq!(a.target.classes(), Some(3));
        assert_ne!(a.x, dataset(&[1, 5, 5], Some(3), 1, 10, 8).unwrap().x);
        let r = dataset(&[4], None, 2, 6, 1).unwrap();
        assert!(matches!(r.target, Target::Values { ref y, .. } if y.dim() == (6, 2)));
        assert!(check(&[], None, 1, 5).is_err());
        assert!(check(&[3, 0], None, 1, 5).is_err());
        assert!(check(&[3], Some(1), 1, 5).is_err());
        assert!(check(&[1 << 20, 1 << 10], None, 1, 5).is_err());
        assert!(check(&[3], None, 1, 0).is_err());
    }
}
