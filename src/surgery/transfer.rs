//! [`transfer`]: the old network's weights and optimizer state carried
//! into a new network, node by node in the new network's order.

use ndarray::Array2;

use crate::engine::network::StateEntry;
use crate::engine::optim::Optimizer;
use crate::engine::{Network, Source};
use crate::model::{Graph, LayerSpec, NodeId};

use super::narrow::choose_units;
use super::old::OldNet;
use super::plan::{self, FeatureMap, NodePlan, NodeView, Plan, Src};
use super::report::{Fate, LayerReport, Report};

/// The new network and what describes it.
pub struct Target<'a> {
    /// The freshly compiled new network; its weights are replaced.
    pub network: &'a mut Network<f32>,
    /// Engine node `i`'s graph node.
    pub ids: &'a [NodeId],
    /// The new graph (for each node's settings).
    pub graph: &'a Graph,
    /// Each engine node's output shape per sample, when known (pooling
    /// needs it to tell channels apart).
    pub shapes: &'a [Option<Vec<usize>>],
}

/// Carries `old` into `target`: layers are matched by graph node id; an
/// unchanged layer keeps its weights and optimizer state, a widened one
/// keeps its old units (new units: fresh incoming weights from the layer's
/// initialiser, zero weights out of them in every layer they feed —
/// through activations, BatchNorm and Flatten — so the network computes
/// the same function), a narrowed one keeps the units with the largest
/// outgoing weight norm, a new one is the identity where one exists. The
/// optimizer's state follows the weights (zeros for new values); the step
/// count is kept. Nothing fails: what cannot be carried starts fresh and
/// the report says so.
pub fn transfer(
    old: &OldNet,
    target: Target<'_>,
    optimizer: Option<&mut Optimizer<f32>>,
) -> Report {
    let Target {
        network,
        ids,
        graph,
        shapes,
    } = target;
    let net = &*network;
    let nodes = net.nodes();
    let input_map: FeatureMap = (0..net.input_len()).map(Some).collect();
    let mut consumers = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        for s in &n.inputs {
            if let Source::Node(k) = s
                && let Some(c) = consumers.get_mut(*k)
            {
                c.push(i);
            }
        }
    }
    let spec_of = |i: usize| ids.get(i).and_then(|id| graph.node(*id)).map(|n| &n.spec);
    let mut maps: Vec<FeatureMap> = Vec::with_capacity(nodes.len());
    let mut plans: Vec<Vec<(&'static str, Plan<'_>)>> = Vec::with_capacity(nodes.len());
    let mut report = Report::default();
    for (i, node) in nodes.iter().enumerate() {
        let id = ids.get(i).copied().unwrap_or(NodeId(u32::MAX));
        let Some(spec) = spec_of(i) else {
            maps.push(vec![None; node.layer.output_len()]);
            plans.push(Vec::new());
            continue;
        };
        let in_maps: Vec<&[Option<usize>]> = node
            .inputs
            .iter()
            .map(|s| match s {
                Source::Input => input_map.as_slice(),
                Source::Node(k) => maps.get(*k).map_or(&[][..], Vec::as_slice),
            })
            .collect();
        let in_lens = node
            .inputs
            .iter()
            .map(|s| match s {
                Source::Input => net.input_len(),
                Source::Node(k) => nodes.get(*k).map_or(0, |n| n.layer.output_len()),
            })
            .collect();
        let source_spec = match node.inputs.first() {
            Some(Source::Node(k)) => spec_of(*k),
            _ => None,
        };
        let view = NodeView {
            spec,
            params: node
                .layer
                .params()
                .iter()
                .map(|p| (p.name, p.shape.clone()))
                .collect(),
            in_maps,
            in_lens,
            out_len: node.layer.output_len(),
            shape: shapes.get(i).and_then(|s| s.as_deref()),
            source_spec,
        };
        let has_params = !view.params.is_empty();
        let matched = old.has(id) || (!old.complete && !has_params);
        let planned = if matched {
            let keep = || choose_units(net, &consumers, ids, graph, old, i);
            matched_plan(&view, old, id, keep)
        } else {
            plan::inserted(&view)
        };
        let NodePlan {
            tensors,
            out_map,
            fate,
        } = planned;
        report.layers.push(LayerReport {
            id,
            name: graph.node(id).map(|n| n.name.clone()).unwrap_or_default(),
            kind: spec.kind_name(),
            fate,
            has_params,
        });
        maps.push(out_map);
        plans.push(tensors);
    }
    apply(network, &plans, optimizer);
    report
}

/// The plan of a node that existed before.
fn matched_plan<'a>(
    v: &NodeView<'_>,
    old: &'a OldNet,
    id: NodeId,
    keep: impl Fn() -> Option<(Vec<usize>, &'static str)>,
) -> NodePlan<'a> {
    let t = |name: &str| old.tensor(id, name);
    let in_map = v.in_maps.first().copied().unwrap_or(&[]);
    let planned = match v.spec {
        LayerSpec::Dense(_) => t("weight").and_then(|w| plan::dense(v, w, t("bias"), keep())),
        LayerSpec::Conv2D(_) => t("weight").and_then(|w| plan::conv(v, w, t("bias"), keep())),
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
            let gates = match v.spec {
                LayerSpec::Lstm(_) => 4,
                LayerSpec::Gru(_) => 3,
                _ => 1,
            };
            match (t("weight_ih"), t("weight_hh")) {
                (Some(ih), Some(hh)) => plan::recurrent(
                    v,
                    (ih, hh, t("bias_ih"), t("bias_hh")),
                    gates,
                    r.return_sequences,
                    keep(),
                ),
                _ => None,
            }
        }
        LayerSpec::BatchNorm(_) | LayerSpec::LayerNorm { .. } => old
            .nodes
            .get(&id)
            .filter(|ts| !ts.is_empty())
            .map(|ts| plan::norm(v, ts)),
        _ => {
            return NodePlan {
                tensors: Vec::new(),
                out_map: passive_map(v, in_map),
                fate: Fate::Kept,
            };
        }
    };
    planned.unwrap_or_else(|| {
        let mut p = plan::inserted(v);
        p.tensors.clear();
        p.fate = Fate::Reset(
            "its weights before have another layout (a different kind or kernel)".into(),
        );
        if p.out_map.len() != v.out_len {
            p.out_map = vec![None; v.out_len];
        }
        p
    })
}

/// The output map of a layer without parameters that existed before.
fn passive_map(v: &NodeView<'_>, in_map: &[Option<usize>]) -> FeatureMap {
    let in_len = v.in_lens.first().copied().unwrap_or(0);
    match v.spec {
        LayerSpec::MaxPool2D(_) | LayerSpec::AvgPool2D(_) | LayerSpec::GlobalAvgPool => {
            let channels = match (v.spec, v.shape) {
                (LayerSpec::GlobalAvgPool, _) => v.out_len,
                (_, Some([c, ..])) => *c,
                _ => return (0..v.out_len).map(Some).collect(),
            };
            let chans = plan::channel_map(in_map, channels, in_len);
            let spatial = (v.out_len / channels.max(1)).max(1);
            (0..v.out_len)
                .map(|k| {
                    chans
                        .get(k / spatial)
                        .copied()
                        .flatten()
                        .map(|c| c * spatial + k % spatial)
                })
                .collect()
        }
        LayerSpec::Concatenate => {
            let mut out = Vec::with_capacity(v.out_len);
            let mut offset = 0;
            for m in &v.in_maps {
                out.extend(m.iter().map(|x| x.map(|x| x + offset)));
                offset += m.iter().flatten().max().map_or(0, |x| x + 1);
            }
            out.resize(v.out_len, None);
            out
        }
        _ if in_map.len() == v.out_len => in_map.to_vec(),
        _ => (0..v.out_len).map(Some).collect(),
    }
}

/// Writes the plans into the network (through its state dict, so buffers
/// are set too) and rebuilds the optimizer's state in the new order.
fn apply(
    network: &mut Network<f32>,
    plans: &[Vec<(&'static str, Plan<'_>)>],
    optimizer: Option<&mut Optimizer<f32>>,
) {
    let mut entries: Vec<StateEntry<f32>> = network.state_dict();
    for (node, plans) in network.nodes().iter().zip(plans) {
        for (name, plan) in plans {
            let key = format!("{}.{name}", node.name);
            if let Some(e) = entries.iter_mut().find(|e| e.0 == key) {
                write_values(&mut e.2, plan);
            }
        }
    }
    // The entries came from this network and keep their shapes.
    let _ = network.load_state_dict(&entries);
    let Some(opt) = optimizer else { return };
    let mut state = Vec::new();
    for (node, plans) in network.nodes().iter().zip(plans) {
        for p in node.layer.params() {
            let slots = match plans.iter().find(|(n, _)| *n == p.name) {
                Some((_, Plan::Elems(old, src))) => old
                    .state
                    .iter()
                    .map(|slot| {
                        let mut a = Array2::zeros(p.value.raw_dim());
                        for (v, s) in a.iter_mut().zip(src) {
                            if let Src::Old(k) = s
                                && let Some(x) = slot.get(*k)
                            {
                                *v = *x;
                            }
                        }
                        a
                    })
                    .collect(),
                _ => Vec::new(),
            };
            state.push(slots);
        }
    }
    opt.state = state;
}

fn write_values(values: &mut [f32], plan: &Plan<'_>) {
    match plan {
        Plan::Fresh => {}
        Plan::Set(v) => {
            if v.len() == values.len() {
                values.copy_from_slice(v);
            }
        }
        Plan::Elems(old, src) => {
            for (v, s) in values.iter_mut().zip(src) {
                match s {
                    Src::Old(k) => {
                        if let Some(x) = old.values.get(*k) {
                            *v = *x;
                        }
                    }
                    Src::Zero => *v = 0.0,
                    Src::Fresh => {}
                }
            }
        }
    }
}
