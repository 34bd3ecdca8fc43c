//! `TrainData`: the data a session trains on, in the trainer's terms.

use ndarray::Array2;

use crate::engine::loss::Targets;

/// Targets of a data split.
#[derive(Clone, Debug, PartialEq)]
pub enum Labels {
    /// Class indices.
    Classes(Vec<u32>),
    /// Regression targets `[rows, targets]`.
    Values(Array2<f32>),
}

impl Labels {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Classes(v) => v.len(),
            Self::Values(a) => a.nrows(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The engine's view of the targets.
    pub fn targets(&self) -> Targets<'_, f32> {
        match self {
            Self::Classes(v) => Targets::Classes(v),
            Self::Values(a) => Targets::Values(a.view()),
        }
    }
}

/// Maps raw 2-D points to network inputs (feature crosses and
/// normalisation), for decision-boundary views.
pub type PlaneMapper = Box<dyn Fn(&[[f32; 2]]) -> Array2<f32> + Send>;

/// The data a session trains on, already split, normalised and shaped.
pub struct TrainData {
    /// Training inputs `[rows, features]`.
    pub train_x: Array2<f32>,
    /// Training targets.
    pub train_y: Labels,
    /// Validation inputs.
    pub val_x: Array2<f32>,
    /// Validation targets.
    pub val_y: Labels,
    /// Number of classes (classification) or `None`.
    pub classes: Option<usize>,
    /// For 2-D sets: the raw plane's extent and how to map its points to
    /// inputs, so snapshots can draw the decision boundary.
    pub plane: Option<([f32; 4], PlaneMapper)>,
    /// For 1-D regression: the raw x of each training row (for fit views).
    pub raw_x1: Option<(f32, f32)>,
}

impl TrainData {
    /// The trainer's view of prepared data.
    pub fn from_prepared(p: crate::data::prepare::Prepared) -> Self {
        use crate::data::Target;
        let labels = |t: &Target| match t {
            Target::Classes { labels, .. } => Labels::Classes(labels.clone()),
            Target::Values { y, .. } => Labels::Values(y.clone()),
        };
        let classes = p.train.target.classes();
        let raw_x1 = (p.train.input_shape == [1] && p.crosses.is_empty()).then(|| {
            // The fit view works in normalised input units.
            let c = p.train.x.column(0);
            let lo = c.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = c.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            (lo, hi)
        });
        let plane: Option<([f32; 4], PlaneMapper)> = p.plane.map(|extent| {
            let crosses = p.crosses.clone();
            let normalizer = p.normalizer.clone();
            let mapper: PlaneMapper = Box::new(move |pts: &[[f32; 2]]| {
                let raw = Array2::from_shape_fn((pts.len(), 2), |(i, j)| pts[i][j]);
                let mut x = if crosses.is_empty() {
                    raw
                } else {
                    crate::data::prepare::crosses(&raw, &crosses)
                };
                normalizer.apply(&mut x);
                x
            });
            (extent, mapper)
        });
        Self {
            train_y: labels(&p.train.target),
            val_y: labels(&p.validation.target),
            train_x: p.train.x,
            val_x: p.validation.x,
            classes,
            plane,
            raw_x1,
        }
    }
}
