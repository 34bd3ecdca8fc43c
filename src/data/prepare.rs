//! Preparing data for training: feature crosses, a seeded (stratified)
//! train/validation split, and normalisation fitted on the training part
//! only.

use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::{DataError, Dataset, Target};

/// An input computed from a 2-D point (TensorFlow Playground's features).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cross {
    /// x₁.
    X1,
    /// x₂.
    X2,
    /// x₁².
    X1Squared,
    /// x₂².
    X2Squared,
    /// x₁·x₂.
    X1X2,
    /// sin x₁ (x scaled by π so one period spans the data).
    SinX1,
    /// sin x₂.
    SinX2,
}

impl Cross {
    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Self::X1 => "x₁",
            Self::X2 => "x₂",
            Self::X1Squared => "x₁²",
            Self::X2Squared => "x₂²",
            Self::X1X2 => "x₁x₂",
            Self::SinX1 => "sin x₁",
            Self::SinX2 => "sin x₂",
        }
    }

    fn apply(self, a: f32, b: f32) -> f32 {
        match self {
            Self::X1 => a,
            Self::X2 => b,
            Self::X1Squared => a * a,
            Self::X2Squared => b * b,
            Self::X1X2 => a * b,
            Self::SinX1 => (std::f32::consts::PI * a).sin(),
            Self::SinX2 => (std::f32::consts::PI * b).sin(),
        }
    }
}

/// The chosen crosses of raw 2-D points `[rows, 2]`.
pub fn crosses(points: &Array2<f32>, features: &[Cross]) -> Array2<f32> {
    Array2::from_shape_fn((points.nrows(), features.len()), |(i, j)| {
        features[j].apply(points[[i, 0]], points[[i, 1]])
    })
}

/// How features are scaled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scaling {
    /// As they are.
    #[default]
    Off,
    /// Zero mean, unit variance per feature.
    Standardize,
    /// To [0, 1] per feature.
    MinMax,
}

/// A per-feature affine transform `(x − shift) / scale`, fitted on
/// training data.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalizer {
    /// Subtracted per feature.
    pub shift: Vec<f32>,
    /// Divided by per feature (never 0).
    pub scale: Vec<f32>,
}

impl Normalizer {
    /// The identity for `n` features.
    pub fn identity(n: usize) -> Self {
        Self {
            shift: vec![0.0; n],
            scale: vec![1.0; n],
        }
    }

    /// Fits on `x` (the training part). Constant features get scale 1.
    pub fn fit(x: &Array2<f32>, scaling: Scaling) -> Self {
        let n = x.ncols();
        if x.nrows() == 0 {
            return Self::identity(n);
        }
        match scaling {
            Scaling::Off => Self::identity(n),
            Scaling::Standardize => {
                let mean = x
                    .mean_axis(Axis(0))
                    .map_or_else(|| vec![0.0; n], |m| m.to_vec());
                let std = x.std_axis(Axis(0), 0.0).to_vec();
                Self {
                    shift: mean,
                    scale: std
                        .into_iter()
                        .map(|s| if s > 1e-12 { s } else { 1.0 })
                        .collect(),
                }
            }
            Scaling::MinMax => {
                let lo: Vec<f32> = x
                    .axis_iter(Axis(1))
                    .map(|c| c.iter().copied().fold(f32::INFINITY, f32::min))
                    .collect();
                let hi: Vec<f32> = x
                    .axis_iter(Axis(1))
                    .map(|c| c.iter().copied().fold(f32::NEG_INFINITY, f32::max))
                    .collect();
                let scale = lo
                    .iter()
                    .zip(&hi)
                    .map(|(l, h)| if h - l > 1e-12 { h - l } else { 1.0 })
                    .collect();
                Self { shift: lo, scale }
            }
        }
    }

    /// Applies the transform in place.
    pub fn apply(&self, x: &mut Array2<f32>) {
        for mut row in x.axis_iter_mut(Axis(0)) {
            for ((v, s), c) in row.iter_mut().zip(&self.shift).zip(&self.scale) {
                *v = (*v - s) / c;
            }
        }
    }
}

/// Row indices of a seeded split: `(train, validation)`. With classes, each
/// class is split in the same ratio (stratified).
pub fn split_indices(
    target: &Target,
    validation: f32,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    // The same range as the project file's rule, so a split that passes
    // `check` never fails `train`.
    if !(0.0..=0.99).contains(&validation) {
        return Err(DataError::Settings(format!(
            "validation split {validation} must be between 0 and 0.99"
        )));
    }
    let n = target.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let groups: Vec<Vec<usize>> = match target {
        Target::Classes { labels, names } => (0..names.len())
            .map(|c| (0..n).filter(|&i| labels[i] as usize == c).collect())
            .collect(),
        Target::Values { .. } => vec![(0..n).collect()],
    };
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for mut g in groups {
        g.shuffle(&mut rng);
        let k = (g.len() as f32 * validation).round() as usize;
        val.extend_from_slice(&g[..k]);
        train.extend_from_slice(&g[k..]);
    }
    train.shuffle(&mut rng);
    val.shuffle(&mut rng);
    if train.is_empty() {
        return Err(DataError::Settings(
            "no rows are left for training; lower the validation split".into(),
        ));
    }
    Ok((train, val))
}

/// Train and validation parts, normalised with a transform fitted on the
/// training part.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The training part.
    pub train: Dataset,
    /// The validation part (may be empty).
    pub validation: Dataset,
    /// The fitted transform, applied to both.
    pub normalizer: Normalizer,
    /// The feature crosses applied to raw 2-D points, if any.
    pub crosses: Vec<Cross>,
    /// The raw (uncrossed, unnormalised) 2-D points' extent
    /// `[x₁ min, x₁ max, x₂ min, x₂ max]`, for 2-D sets.
    pub plane: Option<[f32; 4]>,
    /// The rows of the data as loaded that became the training and the
    /// validation part, in their order there; `None` when a set's own test
    /// split is the validation part.
    pub split: Option<(Vec<usize>, Vec<usize>)>,
}

impl Prepared {
    /// Maps raw 2-D points the way the data was mapped: crosses, then
    /// normalisation.
    pub fn map_points(&self, points: &[[f32; 2]]) -> Array2<f32> {
        let raw = Array2::from_shape_fn((points.len(), 2), |(i, j)| points[i][j]);
        let mut x = if self.crosses.is_empty() {
            raw
        } else {
            crosses(&raw, &self.crosses)
        };
        self.normalizer.apply(&mut x);
        x
    }
}

/// Splits (stratified, seeded), applies feature crosses to 2-D data, and
/// normalises with a transform fitted on the training part. `test` is a
/// set's own test split, used as validation instead of splitting.
pub fn prepare(
    data: Dataset,
    test: Option<Dataset>,
    validation: f32,
    scaling: Scaling,
    features: &[Cross],
    seed: u64,
) -> Result<Prepared, DataError> {
    if data.is_empty() {
        return Err(DataError::Settings("the data set has no rows".into()));
    }
    let two_d = data.input_shape == [2];
    if !features.is_empty() && !two_d {
        return Err(DataError::Settings(
            "feature crosses need 2-D points (x₁, x₂)".into(),
        ));
    }
    let plane = two_d.then(|| {
        let c0 = data.x.column(0);
        let c1 = data.x.column(1);
        let ext = |c: ndarray::ArrayView1<f32>| {
            let lo = c.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = c.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let pad = (hi - lo).max(1e-3) * 0.05;
            (lo - pad, hi + pad)
        };
        let (a, b) = ext(c0);
        let (c, d) = ext(c1);
        [a, b, c, d]
    });
    let (mut train, mut validation, split) = match test {
        Some(t) => (data, t, None),
        None => {
            let (tr, va) = split_indices(&data.target, validation, seed)?;
            (data.select(&tr), data.select(&va), Some((tr, va)))
        }
    };
    if !features.is_empty() {
        let mut fs = features.to_vec();
        fs.sort();
        fs.dedup();
        for d in [&mut train, &mut validation] {
            d.x = crosses(&d.x, &fs);
            d.input_shape = vec![fs.len()];
            d.feature_names = fs.iter().map(|f| f.name().to_string()).collect();
        }
    }
    let normalizer = Normalizer::fit(&train.x, scaling);
    normalizer.apply(&mut train.x);
    normalizer.apply(&mut validation.x);
    Ok(Prepared {
        train,
        validation,
        normalizer,
        crosses: {
            let mut fs = features.to_vec();
            fs.sort();
            fs.dedup();
            fs
        },
        plane,
        split,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::generate;

    #[test]
    fn stratified_split_is_seeded_and_disjoint() {
        let d = generate::blobs(300, 3, 0.1, 1).unwrap();
        let (tr, va) = split_indices(&d.target, 0.2, 5).unwrap();
        assert_eq!(tr.len() + va.len(), 300);
        assert_eq!(va.len(), 60);
        let mut all: Vec<usize> = tr.iter().chain(&va).copied().collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 300);
        let Target::Classes { labels, .. } = &d.target else {
            panic!("blobs made {:?}", d.target);
        };
        for c in 0..3 {
            assert_eq!(va.iter().filter(|&&i| labels[i] == c).count(), 20);
        }
        assert_eq!(split_indices(&d.target, 0.2, 5).unwrap(), (tr, va));
        assert!(split_indices(&d.target, 0.95, 5).is_ok());
        assert!(split_indices(&d.target, 0.995, 5).is_err());
    }

    #[test]
    fn normalisation_is_fitted_on_training_only() {
        let mut d = generate::function_1d(generate::Function::Linear, 100, 0.1, 3).unwrap();
        // Make validation rows extreme: if they leaked into the fit, the
        // training mean would move.
        let p = prepare(d.clone(), None, 0.3, Scaling::Standardize, &[], 9).unwrap();
        let mean: f32 = p.train.x.column(0).mean().unwrap();
        let std: f32 = p.train.x.column(0).std(0.0);
        assert!(mean.abs() < 1e-5 && (std - 1.0).abs() < 1e-4);
        let (tr, va) = split_indices(&d.target, 0.3, 9).unwrap();
        for &i in &va {
            d.x[[i, 0]] = 1000.0;
        }
        let q = prepare(d.clone(), None, 0.3, Scaling::Standardize, &[], 9).unwrap();
        assert_eq!(
            q.normalizer, p.normalizer,
            "validation rows never reach the fit"
        );
        assert!(q.validation.x.iter().all(|v| *v > 100.0));
        assert_eq!(tr.len(), q.train.len());
        let m = prepare(d, None, 0.3, Scaling::MinMax, &[], 9).unwrap();
        assert!(m.train.x.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn crosses_and_point_mapping() {
        let d = generate::circles(50, 0.0, 1).unwrap();
        let p = prepare(
            d.clone(),
            None,
            0.2,
            Scaling::Off,
            &[Cross::X1Squared, Cross::X1, Cross::X1X2],
            1,
        )
        .unwrap();
        assert_eq!(p.train.input_shape, vec![3]);
        assert_eq!(p.train.feature_names, vec!["x₁", "x₁²", "x₁x₂"]);
        let m = p.map_points(&[[0.5, 2.0]]);
        assert_eq!(m.row(0).to_vec(), vec![0.5, 0.25, 1.0]);
        assert!(p.plane.is_some());
        assert!(
            prepare(
                generate::function_1d(generate::Function::Sine, 10, 0.0, 1).unwrap(),
                None,
                0.2,
                Scaling::Off,
                &[Cross::X1],
                1
            )
            .is_err()
        );
    }
}
