//! Which units a narrowed layer keeps: those whose outgoing weights (the
//! next layers' weights for them, through activations, normalisation and
//! Flatten) have the largest norm; the incoming weights decide when no
//! next layer has weights.

use crate::engine::Network;
use crate::model::{Graph, LayerSpec, NodeId};

use super::old::OldNet;

/// For engine node `i` when it has fewer units than before: the old units
/// it keeps (ascending) and which norm chose them; `None` otherwise.
pub(super) fn choose_units(
    net: &Network<f32>,
    consumers: &[Vec<usize>],
    ids: &[NodeId],
    graph: &Graph,
    old: &OldNet,
    i: usize,
) -> Option<(Vec<usize>, &'static str)> {
    let id = *ids.get(i)?;
    let spec = &graph.node(id)?.spec;
    let node = net.nodes().get(i)?;
    let params = node.layer.params();
    let (old_units, new_units) = match spec {
        LayerSpec::Dense(_) | LayerSpec::Conv2D(_) => (
            *old.tensor(id, "weight")?.shape.first()?,
            *params.first()?.shape.first()?,
        ),
        LayerSpec::SimpleRnn(_) | LayerSpec::Lstm(_) | LayerSpec::Gru(_) => (
            *old.tensor(id, "weight_hh")?.shape.get(1)?,
            *params.get(1)?.shape.get(1)?,
        ),
        _ => return None,
    };
    if new_units >= old_units {
        return None;
    }
    let spatial = match spec {
        LayerSpec::Conv2D(_) => (node.layer.output_len() / new_units.max(1)).max(1),
        _ => 1,
    };
    let sequences = matches!(spec, LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) if r.return_sequences);
    let unit_of = |flat: usize| -> Option<usize> {
        let u = if sequences {
            flat % old_units
        } else {
            flat / spatial
        };
        (u < old_units).then_some(u)
    };
    let mut norms = vec![0.0f64; old_units];
    let mut found = false;
    let mut stack: Vec<usize> = consumers.get(i).cloned().unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    while let Some(c) = stack.pop() {
        if !seen.insert(c) {
            continue;
        }
        let Some(cid) = ids.get(c).copied() else {
            continue;
        };
        let Some(cspec) = graph.node(cid).map(|n| &n.spec) else {
            continue;
        };
        match cspec {
            LayerSpec::Dense(_)
            | LayerSpec::SimpleRnn(_)
            | LayerSpec::Lstm(_)
            | LayerSpec::Gru(_) => {
                let name = if matches!(cspec, LayerSpec::Dense(_)) {
                    "weight"
                } else {
                    "weight_ih"
                };
                let Some(w) = old.tensor(cid, name) else {
                    continue;
                };
                let &[_, cols] = w.shape.as_slice() else {
                    continue;
                };
                for (k, x) in w.values.iter().enumerate() {
                    if let Some(u) = unit_of(k % cols.max(1)) {
                        norms[u] += f64::from(*x) * f64::from(*x);
                        found = true;
                    }
                }
            }
            LayerSpec::Conv2D(_) => {
                let Some(w) = old.tensor(cid, "weight") else {
                    continue;
                };
                let &[_, ch, kh, kw] = w.shape.as_slice() else {
                    continue;
                };
                let kk = (kh * kw).max(1);
                let in_len =
                    net.nodes()
                        .get(c)
                        .and_then(|n| n.inputs.first())
                        .map_or(0, |s| match s {
                            crate::engine::Source::Node(k) => {
                                net.nodes().get(*k).map_or(0, |n| n.layer.output_len())
                            }
                            crate::engine::Source::Input => net.input_len(),
                        });
                let cspatial = (in_len
                    / net
                        .nodes()
                        .get(c)
                        .and_then(|n| n.layer.params().first())
                        .and_then(|p| p.shape.get(1).copied())
                        .unwrap_or(1)
                        .max(1))
                .max(1);
                for (k, x) in w.values.iter().enumerate() {
                    let channel = (k / kk) % ch.max(1);
                    if let Some(u) = unit_of(channel * cspatial) {
                        norms[u] += f64::from(*x) * f64::from(*x);
                        found = true;
                    }
                }
            }
            LayerSpec::Activation(_)
            | LayerSpec::Dropout { .. }
            | LayerSpec::BatchNorm(_)
            | LayerSpec::LayerNorm { .. }
            | LayerSpec::Flatten
            | LayerSpec::Reshape { .. } => {
                stack.extend(consumers.get(c).into_iter().flatten().copied());
            }
            _ => {}
        }
    }
    let by = if found {
        "outgoing"
    } else {
        let name = match spec {
            LayerSpec::Dense(_) | LayerSpec::Conv2D(_) => "weight",
            _ => "weight_ih",
        };
        let w = old.tensor(id, name)?;
        let per_row = w.shape.iter().skip(1).product::<usize>().max(1);
        for (k, x) in w.values.iter().enumerate() {
            norms[(k / per_row) % old_units] += f64::from(*x) * f64::from(*x);
        }
        "incoming"
    };
    let mut order: Vec<usize> = (0..old_units).collect();
    // Largest norm first; ties keep the lower index.
    order.sort_by(|a, b| norms[*b].total_cmp(&norms[*a]).then(a.cmp(b)));
    let mut keep: Vec<usize> = order.into_iter().take(new_units).collect();
    keep.sort_unstable();
    Some((keep, by))
}
