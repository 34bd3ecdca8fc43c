//! Per-layer plans: where each value of a new layer's tensors comes from,
//! and which old feature each of its output features is.

use crate::model::{Activation, LayerSpec, Padding};

use super::old::OldTensor;
use super::report::Fate;

/// Where one value of a new tensor comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Src {
    /// This value of the old tensor.
    Old(usize),
    /// Zero (the weight from a new unit into an old one).
    Zero,
    /// The new network's freshly initialised value.
    Fresh,
}

/// What happens to one new tensor.
pub(super) enum Plan<'a> {
    /// Keep the new network's fresh value.
    Fresh,
    /// Value by value from an old tensor (optimizer state likewise).
    Elems(&'a OldTensor, Vec<Src>),
    /// Exactly these values (a layer set up as the identity).
    Set(Vec<f32>),
}

/// For each output feature of a node (row-major over its shape), the old
/// network's feature at that place, if there was one.
pub(super) type FeatureMap = Vec<Option<usize>>;

/// A node of the new network as the planner sees it.
pub(super) struct NodeView<'a> {
    /// Its settings.
    pub spec: &'a LayerSpec,
    /// Its parameters' names and shapes, in the layer's order.
    pub params: Vec<(&'static str, Vec<usize>)>,
    /// Each input's feature map.
    pub in_maps: Vec<&'a [Option<usize>]>,
    /// Each input's length.
    pub in_lens: Vec<usize>,
    /// Output features per sample.
    pub out_len: usize,
    /// The output shape, when known.
    pub shape: Option<&'a [usize]>,
    /// The settings of the node feeding the first input (`None`: the data).
    pub source_spec: Option<&'a LayerSpec>,
}

/// A node's plan: one entry per tensor (parameters and buffers), the map
/// of its output, and what happened to it.
pub(super) struct NodePlan<'a> {
    pub tensors: Vec<(&'static str, Plan<'a>)>,
    pub out_map: FeatureMap,
    pub fate: Fate,
}

/// New unit `j` → the old unit it continues: the old ones first (widened),
/// or those in `keep` (narrowed), or all (same size).
pub(super) fn unit_map(old: usize, new: usize, keep: Option<&[usize]>) -> Vec<Option<usize>> {
    if new >= old {
        return (0..new).map(|j| (j < old).then_some(j)).collect();
    }
    match keep {
        Some(k) if k.len() == new => k.iter().map(|&u| Some(u)).collect(),
        _ => (0..new).map(Some).collect(),
    }
}

fn identity_map(map: &[Option<usize>], old_len: usize) -> bool {
    map.len() == old_len && map.iter().enumerate().all(|(i, m)| *m == Some(i))
}

/// The source of input column `i` of a weight row for an old unit: the old
/// column at that place, else zero (a new input feature), or the fresh
/// value when none of the inputs existed before.
fn column(map: &[Option<usize>], i: usize, old_cols: usize, row: usize, any: bool) -> Src {
    match map.get(i).copied().flatten() {
        Some(c) if c < old_cols => Src::Old(row * old_cols + c),
        _ if any => Src::Zero,
        _ => Src::Fresh,
    }
}

/// Per-channel map of a `[C, H, W]` input from its flat map: channel `c`
/// continues old channel `m / (H·W)` when its first value was old value `m`
/// (spatial sizes unchanged).
pub(super) fn channel_map(
    map: &[Option<usize>],
    channels: usize,
    len: usize,
) -> Vec<Option<usize>> {
    let spatial = (len / channels.max(1)).max(1);
    (0..channels)
        .map(|c| {
            map.get(c * spatial)
                .copied()
                .flatten()
                .and_then(|m| (m % spatial == 0).then_some(m / spatial))
        })
        .collect()
}

/// What a layer's unit count and inputs say happened to it (`keep`: the
/// old units a narrowed layer keeps, and by which norm).
fn units_fate(
    old: usize,
    new: usize,
    inputs_same: bool,
    keep: Option<(Vec<usize>, &'static str)>,
) -> Fate {
    if new > old {
        Fate::Grown { from: old, to: new }
    } else if new < old {
        let (dropped, by) = match keep {
            Some((keep, by)) => ((0..old).filter(|u| !keep.contains(u)).collect(), by),
            None => ((new..old).collect(), "incoming"),
        };
        Fate::Narrowed {
            from: old,
            to: new,
            dropped,
            by,
        }
    } else if inputs_same {
        Fate::Kept
    } else {
        Fate::InputsChanged
    }
}

fn bias_plan<'a>(
    old: Option<&'a OldTensor>,
    units: &[Option<usize>],
    blocks: usize,
    old_units: usize,
) -> Plan<'a> {
    let Some(old) = old else { return Plan::Fresh };
    let new_units = units.len();
    let src = (0..blocks * new_units)
        .map(|r| {
            let (g, h) = (r / new_units.max(1), r % new_units.max(1));
            units[h].map_or(Src::Fresh, |u| Src::Old(g * old_units + u))
        })
        .collect();
    Plan::Elems(old, src)
}

/// Dense, matched with its old self: rows by unit, columns by input feature.
pub(super) fn dense<'a>(
    v: &NodeView<'_>,
    old_w: &'a OldTensor,
    old_b: Option<&'a OldTensor>,
    keep: Option<(Vec<usize>, &'static str)>,
) -> Option<NodePlan<'a>> {
    let [uo, io] = old_w.shape[..] else {
        return None;
    };
    let (_, shape) = v.params.first()?;
    let [un, inl] = shape[..] else { return None };
    let units = unit_map(uo, un, keep.as_ref().map(|k| k.0.as_slice()));
    let map = v.in_maps.first().copied().unwrap_or(&[]);
    let any = map.iter().any(Option::is_some);
    let mut src = Vec::with_capacity(un * inl);
    for u in &units {
        for i in 0..inl {
            src.push(u.map_or(Src::Fresh, |u| column(map, i, io, u, any)));
        }
    }
    let mut tensors = vec![("weight", Plan::Elems(old_w, src))];
    if v.params.len() > 1 {
        tensors.push(("bias", bias_plan(old_b, &units, 1, uo)));
    }
    Some(NodePlan {
        tensors,
        fate: units_fate(uo, un, identity_map(map, io), keep),
        out_map: units,
    })
}

/// Conv2D, matched: filters by unit, input channels by channel map; the
/// kernel must be the same size.
pub(super) fn conv<'a>(
    v: &NodeView<'_>,
    old_w: &'a OldTensor,
    old_b: Option<&'a OldTensor>,
    keep: Option<(Vec<usize>, &'static str)>,
) -> Option<NodePlan<'a>> {
    let [fo, co, kh, kw] = old_w.shape[..] else {
        return None;
    };
    let (_, shape) = v.params.first()?;
    let [fnew, cn, kh2, kw2] = shape[..] else {
        return None;
    };
    if (kh, kw) != (kh2, kw2) {
        return None;
    }
    let kk = kh * kw;
    let filters = unit_map(fo, fnew, keep.as_ref().map(|k| k.0.as_slice()));
    let map = v.in_maps.first().copied().unwrap_or(&[]);
    let in_len = v.in_lens.first().copied().unwrap_or(0);
    let chans = channel_map(map, cn, in_len);
    let any = chans.iter().any(Option::is_some);
    let mut src = Vec::with_capacity(fnew * cn * kk);
    for f in &filters {
        for c in &chans {
            for q in 0..kk {
                src.push(match (f, c) {
                    (None, _) => Src::Fresh,
                    (Some(f), Some(c)) if *c < co => Src::Old((f * co + c) * kk + q),
                    _ if any => Src::Zero,
                    _ => Src::Fresh,
                });
            }
        }
    }
    let mut tensors = vec![("weight", Plan::Elems(old_w, src))];
    if v.params.len() > 1 {
        tensors.push(("bias", bias_plan(old_b, &filters, 1, fo)));
    }
    let spatial = v.out_len / fnew.max(1);
    let out_map = (0..v.out_len)
        .map(|k| {
            filters
                .get(k / spatial.max(1))
                .copied()
                .flatten()
                .map(|u| u * spatial + k % spatial.max(1))
        })
        .collect();
    let same_in = chans.iter().enumerate().all(|(i, c)| *c == Some(i)) && cn == co;
    Some(NodePlan {
        tensors,
        fate: units_fate(fo, fnew, same_in, keep),
        out_map,
    })
}

/// SimpleRNN, LSTM or GRU, matched: every gate block by unit; recurrent
/// columns from new units zero.
pub(super) fn recurrent<'a>(
    v: &NodeView<'_>,
    old: (
        &'a OldTensor,
        &'a OldTensor,
        Option<&'a OldTensor>,
        Option<&'a OldTensor>,
    ),
    gates: usize,
    return_sequences: bool,
    keep: Option<(Vec<usize>, &'static str)>,
) -> Option<NodePlan<'a>> {
    let (w_ih, w_hh, b_ih, b_hh) = old;
    let [gho, io] = w_ih.shape[..] else {
        return None;
    };
    let [_, ho] = w_hh.shape[..] else { return None };
    if gho != gates * ho {
        return None;
    }
    let (_, shape) = v.params.first()?;
    let [ghn, inl] = shape[..] else { return None };
    let hn = ghn / gates.max(1);
    let units = unit_map(ho, hn, keep.as_ref().map(|k| k.0.as_slice()));
    let map = v.in_maps.first().copied().unwrap_or(&[]);
    let any = map.iter().take(inl).any(Option::is_some);
    let mut ih = Vec::with_capacity(ghn * inl);
    let mut hh = Vec::with_capacity(ghn * hn);
    for g in 0..gates {
        for u in &units {
            let row = u.map(|u| g * ho + u);
            for i in 0..inl {
                ih.push(row.map_or(Src::Fresh, |r| column(map, i, io, r, any)));
            }
            for k in &units {
                hh.push(match (row, k) {
                    (None, _) => Src::Fresh,
                    (Some(r), Some(k)) => Src::Old(r * ho + k),
                    (Some(_), None) => Src::Zero,
                });
            }
        }
    }
    let tensors = vec![
        ("weight_ih", Plan::Elems(w_ih, ih)),
        ("weight_hh", Plan::Elems(w_hh, hh)),
        ("bias_ih", bias_plan(b_ih, &units, gates, ho)),
        ("bias_hh", bias_plan(b_hh, &units, gates, ho)),
    ];
    let out_map = if return_sequences {
        (0..v.out_len)
            .map(|k| {
                units
                    .get(k % hn.max(1))
                    .copied()
                    .flatten()
                    .map(|u| (k / hn.max(1)) * ho + u)
            })
            .collect()
    } else {
        units.clone()
    };
    let same_in = map.len() >= inl && (0..inl).all(|i| map[i] == Some(i)) && inl == io;
    Some(NodePlan {
        tensors,
        fate: units_fate(ho, hn, same_in, keep),
        out_map,
    })
}

/// BatchNorm or LayerNorm, matched: every per-feature tensor follows the
/// input's channel (or feature) map; new ones keep their fresh values
/// (scale 1, shift 0, mean 0, variance 1).
pub(super) fn norm<'a>(v: &NodeView<'_>, old: &'a [OldTensor]) -> NodePlan<'a> {
    let map = v.in_maps.first().copied().unwrap_or(&[]);
    let channels = v
        .params
        .first()
        .map_or(0, |p| p.1.first().copied().unwrap_or(0));
    let in_len = v.in_lens.first().copied().unwrap_or(0);
    let chans = channel_map(map, channels, in_len);
    let mut tensors = Vec::new();
    for t in old {
        let name: &'static str = match t.name.as_str() {
            "weight" => "weight",
            "bias" => "bias",
            "running_mean" => "running_mean",
            "running_var" => "running_var",
            _ => continue,
        };
        let src = chans
            .iter()
            .map(|c| match c {
                Some(c) if *c < t.values.len() => Src::Old(*c),
                _ => Src::Fresh,
            })
            .collect();
        tensors.push((name, Plan::Elems(t, src)));
    }
    let old_len = old.first().map_or(0, |t| t.values.len());
    let same = chans.len() == old_len && chans.iter().enumerate().all(|(i, c)| *c == Some(i));
    NodePlan {
        tensors,
        out_map: map.to_vec(),
        fate: if same {
            Fate::Kept
        } else {
            Fate::InputsChanged
        },
    }
}

/// A layer that did not exist before: the identity where one exists
/// (square Dense, 'same' Conv2D with as many filters as channels,
/// BatchNorm, ReLU after ReLU, Linear, Dropout, Flatten, Reshape), else
/// fresh.
pub(super) fn inserted<'a>(v: &NodeView<'_>) -> NodePlan<'a> {
    let in_len = v.in_lens.first().copied().unwrap_or(0);
    let map = v.in_maps.first().copied().unwrap_or(&[]);
    let through = |fate| NodePlan {
        tensors: Vec::new(),
        out_map: if v.out_len == in_len {
            map.to_vec()
        } else {
            vec![None; v.out_len]
        },
        fate,
    };
    let zeros = |n: usize| Plan::Set(vec![0.0; n]);
    match v.spec {
        LayerSpec::Dense(_) => match v.params.first().map(|p| p.1.as_slice()) {
            Some(&[u, i]) if u == i => {
                let mut w = vec![0.0; u * i];
                for k in 0..u {
                    w[k * i + k] = 1.0;
                }
                let mut p = through(Fate::Identity);
                p.tensors.push(("weight", Plan::Set(w)));
                if v.params.len() > 1 {
                    p.tensors.push(("bias", zeros(u)));
                }
                p
            }
            _ => through(Fate::Fresh),
        },
        LayerSpec::Conv2D(c) => match v.params.first().map(|p| p.1.as_slice()) {
            Some(&[f, ch, kh, kw])
                if f == ch
                    && c.stride == 1
                    && c.padding == Padding::Same
                    && kh % 2 == 1
                    && kw % 2 == 1 =>
            {
                let kk = kh * kw;
                let centre = (kh / 2) * kw + kw / 2;
                let mut w = vec![0.0; f * ch * kk];
                for k in 0..f {
                    w[(k * ch + k) * kk + centre] = 1.0;
                }
                let mut p = through(Fate::Identity);
                p.tensors.push(("weight", Plan::Set(w)));
                if v.params.len() > 1 {
                    p.tensors.push(("bias", zeros(f)));
                }
                p
            }
            _ => through(Fate::Fresh),
        },
        LayerSpec::BatchNorm(b) => {
            let c = v
                .params
                .first()
                .map_or(0, |p| p.1.first().copied().unwrap_or(0));
            // Evaluation divides by √(var + eps): a variance of 1 − eps
            // makes that exactly 1.
            let var = (1.0 - f64::from(b.eps)) as f32;
            let mut p = through(Fate::Identity);
            p.tensors.push(("weight", Plan::Set(vec![1.0; c])));
            p.tensors.push(("bias", zeros(c)));
            p.tensors.push(("running_mean", zeros(c)));
            p.tensors.push(("running_var", Plan::Set(vec![var; c])));
            p
        }
        LayerSpec::Activation(Activation::ReLU)
            if v.source_spec == Some(&LayerSpec::Activation(Activation::ReLU)) =>
        {
            through(Fate::Identity)
        }
        LayerSpec::Activation(Activation::Linear)
        | LayerSpec::Dropout { .. }
        | LayerSpec::Flatten
        | LayerSpec::Reshape { .. } => through(Fate::Identity),
        _ => through(Fate::Fresh),
    }
}
