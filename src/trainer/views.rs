//! The glass-box views' heavier data, added to a snapshot: each hidden
//! unit over the input plane, small Dense weight matrices, convolution
//! filters, one sample's feature maps and the gallery's images. Read from
//! the network after an extra forward pass in evaluation mode, which does
//! not touch what training needs next.

use ndarray::s;

use crate::engine::Network;
use crate::model::NodeId;

use super::snapshot::{Filters, NeuronMaps, Snapshot};
use super::train_data::TrainData;

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
/// Gallery images.
const GALLERY: usize = 48;

/// Adds the views' data to `snap`.
pub fn add_views(
    net: &mut Network<f32>,
    ids: &[NodeId],
    data: &TrainData,
    sample: Option<usize>,
    snap: &mut Snapshot,
) {
    weights(net, ids, snap);
    neurons(net, ids, data, snap);
    feature_maps(net, ids, data, sample, snap);
    if data.val_x.ncols() >= 16 {
        snap.gallery = snap
            .predictions
            .iter()
            .take(GALLERY)
            .filter(|p| p.0 < data.val_x.nrows())
            .map(|p| data.val_x.row(p.0).to_vec())
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

fn feature_maps(
    net: &mut Network<f32>,
    ids: &[NodeId],
    data: &TrainData,
    sample: Option<usize>,
    snap: &mut Snapshot,
) {
    let has_conv = (0..ids.len()).any(|i| net.nodes()[i].layer.kind() == "Conv2D");
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
    snap.feature_maps
        .push((NodeId(u32::MAX), data.val_x.row(k).to_vec()));
    for (i, id) in ids.iter().enumerate() {
        let Some(out) = net.node_output(i) else {
            continue;
        };
        if out.ncols() > MAX_WIDTH && net.nodes()[i].layer.kind() != "Input" {
            let v: Vec<f32> = out.row(0).iter().take(MAX_MAP_VALUES).copied().collect();
            snap.feature_maps.push((*id, v));
        }
    }
}
