//! The glass-box views' data, added to a snapshot: the decision boundary
//! or fitted curve, class probabilities for the confusion matrix and the
//! gallery, each hidden unit over the input plane, small Dense weight
//! matrices, convolution filters, one sample's feature maps (with their
//! shapes), the gallery's images, and for sequences the network continuing
//! a few validation windows. Read from the network after extra
//! forward passes in evaluation mode, which do not touch what training
//! needs next.

use ndarray::{Array2, s};

use crate::engine::activation::{ActivationLayer, sigmoid};
use crate::engine::{Ctx, Layer, Mode, Network};
use crate::model::NodeId;

use super::snapshot::{Boundary, FeatureMap, Filters, NeuronMaps, Snapshot};
use super::train_data::{Labels, TrainData};

/// Rows evaluated per forward pass.
const EVAL_CHUNK: usize = 1024;
/// Grid side of the decision boundary.
const BOUNDARY_RES: usize = 100;
/// Points on the fitted curve of 1-D regression.
const FIT_POINTS: usize = 200;
/// Validation predictions kept for the gallery and the confusion cells.
const PREDICTIONS: usize = 200;
/// Grid side of the neuron maps.
const NEURON_RES: usize = 24;
/// Units shown per layer.
const MAX_UNITS: usize = 16;
/// Layers wider than this get no neuron maps.
const MAX_WIDTH: usize = 64;
/// Dense matrices up to this many weights are sent for the wires.
const MAX_DENSE: usize = 4096;
/// Feature-map values kept per layer.
const MAX_MAP_VALUES: usize = 16 * 28 * 28;
/// Validation windows a sequence snapshot continues.
const SEQUENCES: usize = 3;
/// Longest window continued (longer sequences get no continuation).
const MAX_WINDOW: usize = 512;

/// One validation sequence and what the network makes of it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SequenceFit {
    /// The validation row.
    pub row: usize,
    /// Its input window, one value per time step (as the network sees it).
    pub window: Vec<f32>,
    /// The true next value (the row's target).
    pub target: f32,
    /// The network's next value and, fed back window by window, as many
    /// more as the window is long (its own continuation).
    pub predicted: Vec<f32>,
}

/// What the views need to know about the network beyond its nodes.
pub struct NetInfo<'a> {
    /// For each engine node, the graph node it came from.
    pub ids: &'a [NodeId],
    /// For each engine node, its output's shape per sample, when known.
    pub shapes: &'a [Option<Vec<usize>>],
    /// One input sample's shape (e.g. `[1, 28, 28]`); empty when unknown.
    pub input_shape: &'a [usize],
}

/// Adds the views' data to `snap`: boundary or fit, confusion and
/// predictions, then [`add_views`].
pub fn add_all(
    net: &mut Network<f32>,
    info: &NetInfo<'_>,
    data: &TrainData,
    sample: Option<usize>,
    snap: &mut Snapshot,
) {
    let classification = data.classes.is_some();
    if let Some((extent, mapper)) = &data.plane {
        snap.boundary = boundary(net, *extent, mapper.as_ref(), classification);
    }
    if let (Some((lo, hi)), false) = (data.raw_x1, classification) {
        snap.fit = fit(net, lo, hi);
    }
    classes(net, data, snap);
    add_views(net, info, data, sample, snap);
}

/// Turns outputs into class probabilities `[rows, classes]` with the
/// engine's own functions: a single logit becomes `[1−σ, σ]`, outputs that
/// are not already a softmax go through the engine's softmax.
pub fn probabilities(net: &Network<f32>, out: Array2<f32>) -> Array2<f32> {
    if out.ncols() == 1 {
        let mut p = Array2::zeros((out.nrows(), 2));
        for (i, v) in out.column(0).iter().enumerate() {
            let s = sigmoid(*v);
            p[[i, 0]] = 1.0 - s;
            p[[i, 1]] = s;
        }
        return p;
    }
    if net.ends_in_softmax() {
        return out;
    }
    let mut softmax = ActivationLayer::new(crate::engine::activation::Act::Softmax, out.ncols());
    let mut p = Array2::zeros(out.raw_dim());
    // Softmax draws nothing at random; the stream is only part of the call.
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
    let mut ctx = Ctx {
        mode: Mode::Eval,
        rng: &mut rng,
    };
    softmax.forward(&[out.view()], &mut p, &mut ctx);
    p
}

/// The largest entry of `row` and its index (the first of equals; index 0
/// and −∞ for an empty row).
pub fn argmax(row: impl IntoIterator<Item = f32>) -> (u32, f32) {
    let mut best = (0u32, f32::NEG_INFINITY);
    for (i, v) in row.into_iter().enumerate() {
        if v > best.1 {
            best = (i as u32, v);
        }
    }
    best
}

/// The network's answer over a grid of the raw input plane `extent`
/// (`[x0, x1, y0, y1]`), mapped to inputs by `mapper`.
fn boundary(
    net: &mut Network<f32>,
    extent: [f32; 4],
    mapper: &(dyn Fn(&[[f32; 2]]) -> Array2<f32> + Send),
    classification: bool,
) -> Option<Boundary> {
    let r = BOUNDARY_RES;
    let [x0, x1, y0, y1] = extent;
    let mut pts = Vec::with_capacity(r * r);
    for j in 0..r {
        for i in 0..r {
            let x = x0 + (x1 - x0) * (i as f32 + 0.5) / r as f32;
            let y = y0 + (y1 - y0) * (j as f32 + 0.5) / r as f32;
            pts.push([x, y]);
        }
    }
    let inputs = mapper(&pts);
    let out = net.predict(inputs.view(), EVAL_CHUNK).ok()?;
    let mut b = Boundary {
        resolution: r,
        x_range: [x0 as f64, x1 as f64],
        y_range: [y0 as f64, y1 as f64],
        ..Boundary::default()
    };
    if classification {
        let p = probabilities(net, out);
        for row in p.outer_iter() {
            let (c, conf) = argmax(row.iter().copied());
            b.class.push(c);
            b.confidence.push(conf);
        }
    } else {
        b.value = out.column(0).to_vec();
    }
    Some(b)
}

/// For 1-D regression: the network's curve over `[lo, hi]`.
fn fit(net: &mut Network<f32>, lo: f32, hi: f32) -> Option<Vec<[f64; 2]>> {
    let xs: Vec<f32> = (0..FIT_POINTS)
        .map(|i| lo + (hi - lo) * i as f32 / (FIT_POINTS - 1) as f32)
        .collect();
    let x = Array2::from_shape_vec((xs.len(), 1), xs.clone()).ok()?;
    let p = net.predict(x.view(), EVAL_CHUNK).ok()?;
    Some(
        xs.iter()
            .zip(p.column(0))
            .map(|(a, b)| [f64::from(*a), f64::from(*b)])
            .collect(),
    )
}

/// Confusion counts and the validation predictions, mistakes first.
fn classes(net: &mut Network<f32>, data: &TrainData, snap: &mut Snapshot) {
    let (Some(k), Labels::Classes(labels)) = (data.classes, &data.val_y) else {
        return;
    };
    if labels.is_empty() {
        return;
    }
    let Ok(pred) = net.predict(data.val_x.view(), EVAL_CHUNK) else {
        return;
    };
    let probs = probabilities(net, pred);
    snap.confusion = Some(crate::engine::metrics::confusion(
        probs.view(),
        labels,
        k.max(2),
    ));
    let mut preds: Vec<(usize, u32, u32, f32)> = probs
        .outer_iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (row, &t))| {
            let (c, conf) = argmax(row.iter().copied());
            (i, c, t, conf)
        })
        .collect();
    preds.sort_by_key(|p| (p.1 == p.2, p.0));
    preds.truncate(PREDICTIONS);
    snap.predictions = preds;
}

/// Adds the views' data to `snap`.
pub fn add_views(
    net: &mut Network<f32>,
    info: &NetInfo<'_>,
    data: &TrainData,
    sample: Option<usize>,
    snap: &mut Snapshot,
) {
    let ids = info.ids;
    snap.input_shape = info.input_shape.to_vec();
    weights(net, ids, snap);
    neurons(net, ids, data, snap);
    feature_maps(net, info, data, sample, snap);
    snap.sequences = sequences(net, info, data);
    if data.val_x.ncols() >= 16 {
        // One image per kept prediction, in the same order, so that every
        // confusion cell's kept samples can be shown, not only those among
        // the first few mistakes.
        snap.gallery = snap
            .predictions
            .iter()
            .map_while(|p| (p.0 < data.val_x.nrows()).then(|| data.val_x.row(p.0).to_vec()))
            .collect();
    }
}

fn weights(net: &Network<f32>, ids: &[NodeId], snap: &mut Snapshot) {
    for (i, id) in ids.iter().enumerate() {
        let kind = net.nodes()[i].layer.kind();
        let Some(w) = net.node_params(i).iter().find(|p| p.name == "weight") else {
            continue;
        };
        match kind {
            "Dense" if w.shape.len() == 2 && w.value.len() <= MAX_DENSE => {
                snap.dense_weights.push((
                    *id,
                    w.shape[0],
                    w.shape[1],
                    w.value.iter().copied().collect(),
                ));
            }
            "Conv2D" => snap.filters.push(Filters {
                node: *id,
                shape: w.shape.clone(),
                values: w.value.iter().copied().collect(),
            }),
            _ => {}
        }
    }
}

fn neurons(net: &mut Network<f32>, ids: &[NodeId], data: &TrainData, snap: &mut Snapshot) {
    let Some((extent, mapper)) = &data.plane else {
        return;
    };
    let [x0, x1, y0, y1] = *extent;
    let r = NEURON_RES;
    let mut pts = Vec::with_capacity(r * r);
    for j in 0..r {
        for i in 0..r {
            pts.push([
                x0 + (x1 - x0) * (i as f32 + 0.5) / r as f32,
                y0 + (y1 - y0) * (j as f32 + 0.5) / r as f32,
            ]);
        }
    }
    let x = mapper(&pts);
    if net.predict(x.view(), r * r).is_err() {
        return;
    }
    for (i, id) in ids.iter().enumerate() {
        let Some(out) = net.node_output(i) else {
            continue;
        };
        if out.nrows() != r * r || out.ncols() > MAX_WIDTH || net.nodes()[i].layer.kind() == "Input"
        {
            continue;
        }
        let maps = (0..out.ncols().min(MAX_UNITS))
            .map(|c| out.column(c).to_vec())
            .collect();
        snap.neurons.push(NeuronMaps {
            node: *id,
            resolution: r,
            maps,
        });
    }
}

/// For data whose samples are windows of one value per time step and whose
/// target is one number (the next value): the first validation windows,
/// their true next values, and the network continuing each on its own —
/// its prediction appended, the window shifted, predicted again — for a
/// window's length. Nothing for other data.
fn sequences(net: &mut Network<f32>, info: &NetInfo<'_>, data: &TrainData) -> Vec<SequenceFit> {
    let [t, 1] = info.input_shape else {
        return Vec::new();
    };
    let t = *t;
    let Labels::Values(y) = &data.val_y else {
        return Vec::new();
    };
    if data.classes.is_some() || y.ncols() != 1 || !(2..=MAX_WINDOW).contains(&t) {
        return Vec::new();
    }
    let n = SEQUENCES.min(data.val_x.nrows()).min(y.nrows());
    if n == 0 || data.val_x.ncols() != t {
        return Vec::new();
    }
    let mut x: Array2<f32> = data.val_x.slice(s![0..n, ..]).to_owned();
    let mut fits: Vec<SequenceFit> = (0..n)
        .map(|i| SequenceFit {
            row: i,
            window: x.row(i).to_vec(),
            target: y[[i, 0]],
            predicted: Vec::with_capacity(t + 1),
        })
        .collect();
    for _ in 0..=t {
        let Ok(p) = net.predict(x.view(), n) else {
            return Vec::new();
        };
        if p.ncols() != 1 {
            return Vec::new();
        }
        for (i, f) in fits.iter_mut().enumerate() {
            let v = p[[i, 0]];
            f.predicted.push(v);
            let mut row = x.row_mut(i);
            for k in 1..t {
                row[k - 1] = row[k];
            }
            row[t - 1] = v;
        }
    }
    fits
}

fn feature_maps(
    net: &mut Network<f32>,
    info: &NetInfo<'_>,
    data: &TrainData,
    sample: Option<usize>,
    snap: &mut Snapshot,
) {
    let has_conv = (0..info.ids.len()).any(|i| net.nodes()[i].layer.kind() == "Conv2D");
    if !has_conv || data.val_x.nrows() == 0 {
        return;
    }
    let k = sample
        .or_else(|| snap.predictions.first().map(|p| p.0))
        .unwrap_or(0)
        .min(data.val_x.nrows() - 1);
    if net.predict(data.val_x.slice(s![k..k + 1, ..]), 1).is_err() {
        return;
    }
    snap.feature_sample = Some(k);
    snap.feature_maps.push(FeatureMap {
        node: None,
        shape: info.input_shape.to_vec(),
        values: data.val_x.row(k).to_vec(),
    });
    for (i, id) in info.ids.iter().enumerate() {
        let Some(out) = net.node_output(i) else {
            continue;
        };
        if out.ncols() > MAX_WIDTH && net.nodes()[i].layer.kind() != "Input" {
            let values: Vec<f32> = out.row(0).iter().take(MAX_MAP_VALUES).copied().collect();
            snap.feature_maps.push(FeatureMap {
                node: Some(*id),
                shape: info.shapes.get(i).cloned().flatten().unwrap_or_default(),
                values,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_of_equals() {
        assert_eq!(argmax([0.1, 0.7, 0.2]), (1, 0.7));
        assert_eq!(argmax([0.5, 0.5]), (0, 0.5));
        assert_eq!(argmax(std::iter::empty()), (0, f32::NEG_INFINITY));
    }

    #[test]
    fn probabilities_use_the_engines_softmax_and_sigmoid() {
        // A network of one linear node does not end in softmax.
        let node = crate::engine::NetNode {
            name: "linear".into(),
            layer: Box::new(ActivationLayer::new(
                crate::engine::activation::Act::Linear,
                3,
            )),
            inputs: vec![crate::engine::Source::Input],
        };
        let net = Network::<f32>::new(3, vec![node], 0, 0).unwrap();
        let out = ndarray::array![[1.0f32, 2.0, 3.0], [1000.0, 0.0, -1000.0]];
        let p = probabilities(&net, out);
        let e = [1f32.exp(), 2f32.exp(), 3f32.exp()];
        let s: f32 = e.iter().sum();
        for k in 0..3 {
            assert!((p[[0, k]] - e[k] / s).abs() < 1e-6);
        }
        // Large logits stay finite.
        assert!(
            (p[[1, 0]] - 1.0).abs() < 1e-6 && p[[1, 2]].abs() < 1e-6,
            "{p:?}"
        );
        let one = probabilities(&net, ndarray::array![[0.0f32], [2.0]]);
        assert_eq!(one.row(0).to_vec(), vec![0.5, 0.5]);
        let s2 = 1.0 / (1.0 + (-2f32).exp());
        assert!((one[[1, 1]] - s2).abs() < 1e-6 && (one[[1, 0]] - (1.0 - s2)).abs() < 1e-6);
    }
}
