//! Generated data sets, seeded and reproducible.
//!
//! 2-D sets live in about [−1, 1]²; their `noise` is the standard deviation
//! of Gaussian jitter in units of a quarter of that range (σ = 0.25·noise),
//! so 0 is clean and 1 is very noisy. Regression sets add N(0, noise²) to
//! targets that span about [−1, 1].

use std::f32::consts::PI;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{DataError, Dataset, Target};

mod formula;
pub use formula::{Formula, MAX_FORMULA, MAX_PAINTED, formula_1d, painted};

/// Most samples a generator makes.
pub const MAX_SAMPLES: usize = 10_000_000;

fn normal(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f32 = rng.random::<f32>().max(f32::MIN_POSITIVE);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
}

fn check(samples: usize, noise: f32) -> Result<(), DataError> {
    if samples == 0 || samples > MAX_SAMPLES {
        return Err(DataError::Settings(format!(
            "{samples} samples: choose between 1 and {MAX_SAMPLES}"
        )));
    }
    if !(noise.is_finite() && noise >= 0.0) {
        return Err(DataError::Settings(format!(
            "noise {noise} must be 0 or more"
        )));
    }
    Ok(())
}

fn classes_2d(name: &str, pts: Vec<[f32; 2]>, labels: Vec<u32>, k: usize) -> Dataset {
    let n = pts.len();
    let x = Array2::from_shape_fn((n, 2), |(i, j)| pts[i][j]);
    Dataset {
        name: name.to_string(),
        x,
        target: Target::Classes {
            labels,
            names: (0..k).map(|c| format!("class {c}")).collect(),
        },
        input_shape: vec![2],
        feature_names: vec!["x₁".into(), "x₂".into()],
    }
}

/// Two concentric rings: a disc (class 0) inside a ring (class 1).
pub fn circles(samples: usize, noise: f32, seed: u64) -> Result<Dataset, DataError> {
    check(samples, noise)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let s = 0.25 * noise;
    let (mut pts, mut labels) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
    for i in 0..samples {
        let c = (i % 2) as u32;
        let r = if c == 0 {
            rng.random_range(0.0..0.5)
        } else {
            rng.random_range(0.7..1.0)
        };
        let a = rng.random_range(0.0..2.0 * PI);
        pts.push([
            r * a.cos() + s * normal(&mut rng),
            r * a.sin() + s * normal(&mut rng),
        ]);
        labels.push(c);
    }
    Ok(classes_2d("circles", pts, labels, 2))
}

/// Four quadrants; opposite quadrants share a class.
pub fn xor(samples: usize, noise: f32, seed: u64) -> Result<Dataset, DataError> {
    check(samples, noise)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let s = 0.25 * noise;
    let (mut pts, mut labels) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
    for i in 0..samples {
        let pad = 0.05;
        let c = (i % 2) as u32;
        let mut a: f32 = rng.random_range(pad..1.0);
        let mut b: f32 = rng.random_range(pad..1.0);
        if rng.random::<bool>() {
            a = -a;
        }
        // Class 1 when the signs differ.
        if (c == 1) == (a > 0.0) {
            b = -b;
        }
        labels.push(c);
        pts.push([a + s * normal(&mut rng), b + s * normal(&mut rng)]);
    }
    Ok(classes_2d("XOR", pts, labels, 2))
}

/// `classes` Gaussian blobs with centres on a circle of radius 0.6.
pub fn blobs(samples: usize, classes: usize, noise: f32, seed: u64) -> Result<Dataset, DataError> {
    check(samples, noise)?;
    if !(2..=32).contains(&classes) {
        return Err(DataError::Settings(format!(
            "{classes} blobs: choose between 2 and 32"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let s = 0.1 + 0.25 * noise;
    let (mut pts, mut labels) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
    for i in 0..samples {
        let c = i % classes;
        let a = 2.0 * PI * c as f32 / classes as f32;
        pts.push([
            0.6 * a.cos() + s * normal(&mut rng),
            0.6 * a.sin() + s * normal(&mut rng),
        ]);
        labels.push(c as u32);
    }
    Ok(classes_2d("blobs", pts, labels, classes))
}

/// `arms` interleaved spiral arms, 1.5 turns each, radius 0 to 1.
pub fn spiral(samples: usize, arms: usize, noise: f32, seed: u64) -> Result<Dataset, DataError> {
    check(samples, noise)?;
    if !(2..=12).contains(&arms) {
        return Err(DataError::Settings(format!(
            "{arms} spiral arms: choose between 2 and 12"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let s = 0.25 * noise;
    let (mut pts, mut labels) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
    for i in 0..samples {
        let c = i % arms;
        let t: f32 = rng.random_range(0.05..1.0);
        let a = 2.0 * PI * c as f32 / arms as f32 + t * 3.0 * PI;
        pts.push([
            t * a.cos() + s * normal(&mut rng),
            t * a.sin() + s * normal(&mut rng),
        ]);
        labels.push(c as u32);
    }
    Ok(classes_2d("spiral", pts, labels, arms))
}

/// Two interleaving half circles.
pub fn moons(samples: usize, noise: f32, seed: u64) -> Result<Dataset, DataError> {
    check(samples, noise)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let s = 0.25 * noise;
    let (mut pts, mut labels) = (Vec::with_capacity(samples), Vec::with_capacity(samples));
    for i in 0..samples {
        let c = (i % 2) as u32;
        let a: f32 = rng.random_range(0.0..PI);
        let (x, y) = if c == 0 {
            (a.cos(), a.sin())
        } else {
            (1.0 - a.cos(), 0.5 - a.sin())
        };
        // Centre on the origin and scale into about [−1, 1].
        pts.push([
            (x - 0.5) * 0.66 + s * normal(&mut rng),
            (y - 0.25) * 0.66 * 1.5 + s * normal(&mut rng),
        ]);
        labels.push(c);
    }
    Ok(classes_2d("moons", pts, labels, 2))
}

/// Which 1-D function [`function_1d`] samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// sin(πx).
    Sine,
    /// x³ − 0.5x.
    Polynomial,
    /// −0.5 below 0, 0.5 above.
    Step,
    /// 2|x| − 1.
    Abs,
    /// 0.8x + 0.3.
    Linear,
}

/// y = f(x) + N(0, noise²) for x uniform in [−1, 1].
pub fn function_1d(
    function: Function,
    samples: usize,
    noise: f32,
    seed: u64,
) -> Result<Dataset, DataError> {
    check(samples, noise)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Array2::zeros((samples, 1));
    let mut y = Array2::zeros((samples, 1));
    for i in 0..samples {
        let v: f32 = rng.random_range(-1.0..1.0);
        let f = match function {
            Function::Sine => (PI * v).sin(),
            Function::Polynomial => v * v * v - 0.5 * v,
            Function::Step => {
                if v < 0.0 {
                    -0.5
                } else {
                    0.5
                }
            }
            Function::Abs => 2.0 * v.abs() - 1.0,
            Function::Linear => 0.8 * v + 0.3,
        };
        x[[i, 0]] = v;
        y[[i, 0]] = f + noise * normal(&mut rng);
    }
    Ok(Dataset {
        name: format!("{function:?}").to_lowercase(),
        x,
        target: Target::Values {
            y,
            names: vec!["y".into()],
        },
        input_shape: vec![1],
        feature_names: vec!["x".into()],
    })
}

/// y = 0.6x₁ − 0.4x₂ + 0.1 + noise over [−1, 1]² (`mixture` false), or a
/// sum of three Gaussian bumps (`mixture` true).
pub fn plane(samples: usize, noise: f32, mixture: bool, seed: u64) -> Result<Dataset, DataError> {
    check(samples, noise)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Array2::zeros((samples, 2));
    let mut y = Array2::zeros((samples, 1));
    let bumps = [
        ([0.4f32, 0.4f32], 1.0f32),
        ([-0.5, 0.2], -0.8),
        ([0.1, -0.5], 0.6),
    ];
    for i in 0..samples {
        let a: f32 = rng.random_range(-1.0..1.0);
        let b: f32 = rng.random_range(-1.0..1.0);
        let f = if mixture {
            bumps
                .iter()
                .map(|(c, h)| h * (-((a - c[0]).powi(2) + (b - c[1]).powi(2)) / 0.08).exp())
                .sum()
        } else {
            0.6 * a - 0.4 * b + 0.1
        };
        x[[i, 0]] = a;
        x[[i, 1]] = b;
        y[[i, 0]] = f + noise * normal(&mut rng);
    }
    Ok(Dataset {
        name: if mixture { "Gaussian mixture" } else { "plane" }.into(),
        x,
        target: Target::Values {
            y,
            names: vec!["y".into()],
        },
        input_shape: vec![2],
        feature_names: vec!["x₁".into(), "x₂".into()],
    })
}

/// Windows of a noisy sine wave (period 20 steps, random phase and an
/// amplitude between 0.5 and 1); the target is the next, noise-free value.
pub fn sine_sequence(
    samples: usize,
    window: usize,
    noise: f32,
    seed: u64,
) -> Result<Dataset, DataError> {
    check(samples, noise)?;
    if !(2..=1000).contains(&window) {
        return Err(DataError::Settings(format!(
            "window {window}: choose between 2 and 1000"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let w = 2.0 * PI / 20.0;
    let mut x = Array2::zeros((samples, window));
    let mut y = Array2::zeros((samples, 1));
    for i in 0..samples {
        let phase: f32 = rng.random_range(0.0..2.0 * PI);
        let amp: f32 = rng.random_range(0.5..1.0);
        for t in 0..window {
            x[[i, t]] = amp * (w * t as f32 + phase).sin() + noise * normal(&mut rng);
        }
        y[[i, 0]] = amp * (w * window as f32 + phase).sin();
    }
    Ok(Dataset {
        name: "sine sequence".into(),
        x,
        target: Target::Values {
            y,
            names: vec!["next".into()],
        },
        input_shape: vec![window, 1],
        feature_names: (0..window).map(|t| format!("t{t}")).collect(),
    })
}

/// Which of `classes` wave shapes (sine, square, triangle, sawtooth, …) a
/// noisy window of `window` steps is, with random phase and period.
pub fn wave_shapes(
    samples: usize,
    window: usize,
    classes: usize,
    noise: f32,
    seed: u64,
) -> Result<Dataset, DataError> {
    check(samples, noise)?;
    if !(2..=4).contains(&classes) || !(4..=1000).contains(&window) {
        return Err(DataError::Settings(format!(
            "wave shapes: 2 to 4 classes and a window of 4 to 1000 steps (got {classes} and {window})"
        )));
    }
    let names = ["sine", "square", "triangle", "sawtooth"];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Array2::zeros((samples, window));
    let mut labels = Vec::with_capacity(samples);
    for i in 0..samples {
        let c = i % classes;
        let period: f32 = rng.random_range(8.0..16.0);
        let phase: f32 = rng.random_range(0.0..1.0);
        for t in 0..window {
            let u = (t as f32 / period + phase).fract();
            let v = match c {
                0 => (2.0 * PI * u).sin(),
                1 => {
                    if u < 0.5 {
                        1.0
                    } else {
                        -1.0
                    }
                }
                2 => 4.0 * (u - 0.5).abs() - 1.0,
                _ => 2.0 * u - 1.0,
            };
            x[[i, t]] = v + noise * normal(&mut rng);
        }
        labels.push(c as u32);
    }
    Ok(Dataset {
        name: "wave shapes".into(),
        x,
        target: Target::Classes {
            labels,
            names: names[..classes].iter().map(|s| s.to_string()).collect(),
        },
        input_shape: vec![window, 1],
        feature_names: (0..window).map(|t| format!("t{t}")).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_per_seed_and_balanced() {
        for make in [
            |s| circles(300, 0.1, s),
            |s| xor(300, 0.1, s),
            |s| blobs(300, 3, 0.1, s),
            |s| spiral(300, 3, 0.1, s),
            |s| moons(300, 0.1, s),
        ] {
            let a: Dataset = make(7).unwrap();
            assert_eq!(a, make(7).unwrap());
            assert_ne!(a.x, make(8).unwrap().x);
            let k = a.target.classes().unwrap();
            let Target::Classes { labels, .. } = &a.target else {
                panic!("a classification generator made {:?}", a.target);
            };
            for c in 0..k as u32 {
                let n = labels.iter().filter(|l| **l == c).count();
                assert!(n >= 300 / k - 1, "class {c} has {n}");
            }
            assert!(a.x.iter().all(|v| v.abs() < 2.0));
        }
    }

    #[test]
    fn regression_and_sequences_have_their_shapes() {
        let d = function_1d(Function::Linear, 100, 0.0, 1).unwrap();
        let Target::Values { y, .. } = &d.target else {
            panic!("a regression generator made {:?}", d.target);
        };
        assert_eq!(y.dim(), (100, 1));
        for i in 0..100 {
            assert!((y[[i, 0]] - (0.8 * d.x[[i, 0]] + 0.3)).abs() < 1e-6);
        }
        let s = sine_sequence(50, 20, 0.0, 1).unwrap();
        assert_eq!(s.input_shape, vec![20, 1]);
        assert_eq!(s.x.dim(), (50, 20));
        let w = wave_shapes(40, 30, 4, 0.1, 1).unwrap();
        assert_eq!(w.target.classes(), Some(4));
        assert!(plane(10, 0.0, true, 1).is_ok());
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(circles(0, 0.1, 1).is_err());
        assert!(spiral(10, 1, 0.1, 1).is_err());
        assert!(xor(10, f32::NAN, 1).is_err());
        assert!(sine_sequence(10, 1, 0.1, 1).is_err());
    }
}
