//! `Snapshot`: what the glass-box views need, copied out of the trainer.

use crate::model::NodeId;

/// Summary statistics of a set of numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub std: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Square root of the sum of squares.
    pub norm: f64,
    /// Counts in `bins` equal-width bins between `min` and `max`.
    pub histogram: Vec<u32>,
}

impl Stats {
    /// Statistics of `values` with a histogram of `bins` bins; non-finite
    /// values are skipped.
    pub fn of(values: impl Iterator<Item = f64> + Clone, bins: usize) -> Self {
        let (mut n, mut sum, mut sq, mut min, mut max) =
            (0usize, 0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY);
        for v in values.clone().filter(|v| v.is_finite()) {
            n += 1;
            sum += v;
            sq += v * v;
            min = min.min(v);
            max = max.max(v);
        }
        if n == 0 {
            return Self::default();
        }
        let mean = sum / n as f64;
        let var = (sq / n as f64 - mean * mean).max(0.0);
        let mut histogram = vec![0u32; bins];
        if bins > 0 {
            let width = (max - min).max(f64::MIN_POSITIVE);
            for v in values.filter(|v| v.is_finite()) {
                let b = (((v - min) / width) * bins as f64) as usize;
                histogram[b.min(bins - 1)] += 1;
            }
        }
        Self {
            mean,
            std: var.sqrt(),
            min,
            max,
            norm: sq.sqrt(),
            histogram,
        }
    }
}

/// One layer's numbers at the moment of the snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayerSnapshot {
    /// The node in the graph.
    pub node: NodeId,
    /// The node's name.
    pub name: String,
    /// The layer's kind.
    pub kind: String,
    /// All its weights (not biases) together, if it has any.
    pub weights: Option<Stats>,
    /// Its parameters' gradients together, if it has any.
    pub gradients: Option<Stats>,
    /// Norm of all its parameters' gradients (0 without parameters).
    pub grad_norm: f64,
    /// Its outputs over the last batch.
    pub activations: Option<Stats>,
    /// Share of units that output exactly 0 for the whole batch (ReLU).
    pub dead_fraction: f64,
    /// Share of outputs within 1 % of the bounds (Sigmoid, Tanh).
    pub saturated_fraction: f64,
}

/// The network's output over a grid of the 2-D input plane.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Boundary {
    /// Cells per side.
    pub resolution: usize,
    /// Range of x₁ (raw, before normalisation).
    pub x_range: [f64; 2],
    /// Range of x₂.
    pub y_range: [f64; 2],
    /// Row-major from the bottom-left: predicted class per cell.
    pub class: Vec<u32>,
    /// Confidence of that class (probability), per cell.
    pub confidence: Vec<f32>,
    /// For regression: the predicted value per cell.
    pub value: Vec<f32>,
}

/// Everything the views need, at one step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Epoch it was taken in.
    pub epoch: usize,
    /// Global step.
    pub step: u64,
    /// Per layer, in execution order.
    pub layers: Vec<LayerSnapshot>,
    /// Decision boundary (2-D classification or regression inputs).
    pub boundary: Option<Boundary>,
    /// For 1-D regression: the fitted curve, `[x, ŷ]`, sorted by x.
    pub fit: Option<Vec<[f64; 2]>>,
    /// Confusion counts on the validation split, `[true][predicted]`.
    pub confusion: Option<Vec<Vec<u32>>>,
    /// Validation predictions `(row, predicted, true, confidence)`,
    /// mistakes first, for the gallery.
    pub predictions: Vec<(usize, u32, u32, f32)>,
    /// Each hidden unit's output over the input plane (2-D data).
    pub neurons: Vec<NeuronMaps>,
    /// Weight matrices of small Dense layers `(node, out, in, values)`,
    /// row-major `[out][in]`, for colouring the wires.
    pub dense_weights: Vec<(NodeId, usize, usize, Vec<f32>)>,
    /// Learned filters of each Conv2D.
    pub filters: Vec<Filters>,
    /// One validation sample's maps: the input, then every spatial layer.
    pub feature_maps: Vec<FeatureMap>,
    /// The validation row the feature maps are of.
    pub feature_sample: Option<usize>,
    /// Inputs of the kept predictions (flattened samples), one per entry of
    /// `predictions` and in its order, for the gallery.
    pub gallery: Vec<Vec<f32>>,
    /// For sequences of one feature predicting the next value: a few
    /// validation windows, each with the network's continuation.
    pub sequences: Vec<super::views::SequenceFit>,
    /// One input sample's shape in the run that took the snapshot (e.g.
    /// `[2]`, `[1, 28, 28]`); empty when unknown. Views read shapes from
    /// here, not from the project, which may have changed since.
    pub input_shape: Vec<usize>,
}

impl Snapshot {
    /// Width and height of the gallery's images, from the run's input
    /// shape: `[channels, h, w]`, or a square vector of at least 4×4.
    pub fn image_size(&self) -> Option<[usize; 2]> {
        match self.input_shape.as_slice() {
            [_, h, w] => Some([*w, *h]),
            [n] => {
                let s = (*n as f64).sqrt().round() as usize;
                (s * s == *n && s >= 4).then_some([s, s])
            }
            _ => None,
        }
    }
}

/// One sample's values at one place in the network, with their shape.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeatureMap {
    /// The node whose output it is; `None` for the input itself.
    pub node: Option<NodeId>,
    /// Shape per sample in the run that made it (`[c, h, w]` for maps);
    /// empty when unknown.
    pub shape: Vec<usize>,
    /// The values, row-major (at most the first 16 channels' worth).
    pub values: Vec<f32>,
}

/// One node's units over the input plane.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NeuronMaps {
    /// The node.
    pub node: NodeId,
    /// Grid side (cells per axis).
    pub resolution: usize,
    /// Per unit: `resolution²` outputs, row by row from the bottom.
    pub maps: Vec<Vec<f32>>,
}

/// The filters of one Conv2D layer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    /// The node.
    pub node: NodeId,
    /// `[out channels, in channels, k, k]`.
    pub shape: Vec<usize>,
    /// Values in that layout.
    pub values: Vec<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_by_hand() {
        let s = Stats::of([1.0, 2.0, 3.0, 4.0, f64::NAN].into_iter(), 3);
        assert_eq!(s.mean, 2.5);
        assert!((s.std - 1.25f64.sqrt()).abs() < 1e-12);
        assert_eq!((s.min, s.max), (1.0, 4.0));
        assert!((s.norm - 30f64.sqrt()).abs() < 1e-12);
        assert_eq!(s.histogram, vec![1, 1, 2]);
        assert_eq!(Stats::of(std::iter::empty(), 4), Stats::default());
    }
}
