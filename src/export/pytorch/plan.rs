//! The PyTorch form of each compiled node: its identifier, the module that
//! computes it, the lines of `forward()` and the `state_dict` names of its
//! parameters. `module.rs` writes it out as `model.py`; the weights and
//! the reference are saved under the names it assigns.

use std::collections::BTreeMap;

use crate::engine::{Float, Network};
use crate::model::infer::fmt_shape;
use crate::model::{
    Activation, Analysis, Graph, LayerSpec, NodeId, Padding, PoolSpec, RnnSpec, Units,
};

use super::ExportError;
use super::names::{Namer, comment_text, py_float, py_tuple};

/// One learnable tensor as PyTorch names and shapes it.
#[derive(Clone, Debug, PartialEq)]
pub struct TorchParam {
    /// The engine's name within its layer (`weight`, `weight_ih`, …).
    pub engine_name: &'static str,
    /// The `state_dict` key (`conv_1.weight`, `lstm.weight_ih_l0`, …).
    pub key: String,
    /// Shape in PyTorch (the engine's values, row-major, reshaped to it).
    pub shape: Vec<usize>,
    /// Whether the L1/L2 penalties and AdamW's decay apply.
    pub decay: bool,
}

/// One compiled node on the PyTorch side.
#[derive(Clone, Debug)]
pub struct TorchNode {
    /// The project's node id.
    pub id: NodeId,
    /// The project's name for the layer (shown in comments via
    /// [`comment_text`] only).
    pub name: String,
    /// Python identifier: the attribute holding the module, and the local
    /// variable holding the output in `forward()`.
    pub ident: String,
    /// Output shape per sample.
    pub out_shape: Vec<usize>,
    /// The kind and settings in words, for the comment.
    pub describe: String,
    /// Constructor of the module, e.g. `nn.Linear(4, 8)`, if it has one.
    pub module: Option<String>,
    /// Lines of `forward()` computing `ident` from its inputs.
    pub forward: Vec<String>,
    /// Parameters, in the engine's order.
    pub params: Vec<TorchParam>,
    /// Buffers as `(engine name, state_dict key)`.
    pub buffers: Vec<(&'static str, String)>,
    /// BatchNorm's `num_batches_tracked` key, which PyTorch also stores.
    pub batches_tracked: Option<String>,
}

/// The whole network on the PyTorch side.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Nodes in the engine's order (index = engine node index).
    pub nodes: Vec<TorchNode>,
    /// Shape of one input sample.
    pub input_shape: Vec<usize>,
    /// The identifier of the output node.
    pub output: String,
    /// Output shape per sample (before flattening).
    pub output_shape: Vec<usize>,
    /// A final Sigmoid left out of the network and folded into the loss:
    /// its id and name.
    pub folded_sigmoid: Option<(NodeId, String)>,
    /// Whether the network ends in a Softmax (cross-entropy is then taken
    /// on its probabilities).
    pub ends_in_softmax: bool,
    /// Whether the `SamePadConv2d` helper class is used.
    pub uses_same_pad_conv: bool,
}

impl Plan {
    /// Every `state_dict` key with decay, in order.
    pub fn decayed_keys(&self) -> Vec<&str> {
        self.nodes
            .iter()
            .flat_map(|n| n.params.iter())
            .filter(|p| p.decay)
            .map(|p| p.key.as_str())
            .collect()
    }

    /// Every parameter's key, in the engine's order.
    pub fn param_keys(&self) -> Vec<&str> {
        self.nodes
            .iter()
            .flat_map(|n| n.params.iter())
            .map(|p| p.key.as_str())
            .collect()
    }
}

fn shape_of(analysis: &Analysis, id: NodeId) -> Result<Vec<usize>, ExportError> {
    analysis
        .nodes
        .get(&id)
        .and_then(|n| n.out_shape.clone())
        .ok_or_else(|| ExportError::Invalid(format!("node {id} has no known shape")))
}

fn pool_describe(kind: &str, p: &PoolSpec) -> String {
    format!("{kind} {s}×{s}, stride {}", p.stride, s = p.size)
}

fn rnn_describe(kind: &str, r: &RnnSpec) -> String {
    format!(
        "{kind}, {} units, {}",
        r.units,
        if r.return_sequences {
            "every step"
        } else {
            "last step only"
        }
    )
}

/// Zeros (top, bottom, left, right) of the engine's 'same' padding for one
/// axis pair: the output side is ⌈input/stride⌉ and the odd zero goes to
/// the bottom/right, like TensorFlow.
fn same_padding(h: usize, w: usize, k: usize, s: usize) -> (usize, usize, usize, usize) {
    let s = s.max(1);
    let total = |n: usize| {
        let o = n.div_ceil(s);
        ((o.saturating_sub(1)) * s + k).saturating_sub(n)
    };
    let (th, tw) = (total(h), total(w));
    (th / 2, th - th / 2, tw / 2, tw - tw / 2)
}

struct Built {
    describe: String,
    module: Option<String>,
    forward: Vec<String>,
}

/// The module and forward lines of one node. `v` is its identifier, `ins`
/// the identifiers of its inputs, `in_shape` its first input's shape.
fn build(
    spec: &LayerSpec,
    v: &str,
    ins: &[String],
    in_shape: &[usize],
    out_shape: &[usize],
    same_pad: &mut bool,
) -> Built {
    let a = ins.first().map_or("x", String::as_str);
    let call = |m: String, d: String| Built {
        describe: d,
        module: Some(m),
        forward: vec![format!("{v} = self.{v}({a})")],
    };
    let inline = |line: String, d: String| Built {
        describe: d,
        module: None,
        forward: vec![line],
    };
    let in_len: usize = in_shape.iter().product();
    match spec {
        LayerSpec::Input => inline(format!("{v} = x"), "Input".into()),
        LayerSpec::Dense(d) => {
            let units = out_shape.first().copied().unwrap_or(0);
            let bias = if d.bias { "" } else { ", bias=False" };
            let auto = if d.units == Units::Auto {
                " (units: as many as classes or targets)"
            } else {
                ""
            };
            call(
                format!("nn.Linear({in_len}, {units}{bias})"),
                format!("Dense, {in_len} inputs{auto}"),
            )
        }
        LayerSpec::Conv2D(c) => {
            let ch = in_shape.first().copied().unwrap_or(0);
            let bias = if c.bias { "" } else { ", bias=False" };
            let (k, s) = (c.kernel, c.stride);
            let describe = format!(
                "Conv2D, {} filters {k}×{k}, stride {s}, {} padding",
                c.filters,
                match c.padding {
                    Padding::Same => "same",
                    Padding::Valid => "valid",
                }
            );
            let module = match (c.padding, in_shape) {
                (Padding::Same, [_, h, w]) => {
                    let (t, b, l, r) = same_padding(*h, *w, k, s);
                    if t == b && l == r {
                        let pad = if t == l {
                            t.to_string()
                        } else {
                            format!("({t}, {l})")
                        };
                        format!(
                            "nn.Conv2d({ch}, {}, kernel_size={k}, stride={s}, padding={pad}{bias})",
                            c.filters
                        )
                    } else {
                        *same_pad = true;
                        format!(
                            "SamePadConv2d({ch}, {}, kernel_size={k}, stride={s}, pad=({l}, {r}, {t}, {b}){bias})",
                            c.filters
                        )
                    }
                }
                _ => format!(
                    "nn.Conv2d({ch}, {}, kernel_size={k}, stride={s}, padding=0{bias})",
                    c.filters
                ),
            };
            call(module, describe)
        }
        LayerSpec::MaxPool2D(p) => call(
            format!("nn.MaxPool2d({}, stride={})", p.size, p.stride),
            pool_describe("MaxPool2D", p),
        ),
        LayerSpec::AvgPool2D(p) => call(
            format!("nn.AvgPool2d({}, stride={})", p.size, p.stride),
            pool_describe("AvgPool2D", p),
        ),
        LayerSpec::GlobalAvgPool => inline(
            format!("{v} = {a}.mean(dim=(2, 3))"),
            "GlobalAvgPool, the mean of each channel".into(),
        ),
        LayerSpec::Flatten => call("nn.Flatten()".into(), "Flatten".into()),
        LayerSpec::Reshape { shape } => {
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            inline(
                format!("{v} = {a}.reshape({a}.shape[0], {})", dims.join(", ")),
                format!("Reshape to {}", fmt_shape(shape)),
            )
        }
        LayerSpec::Dropout { rate } => call(
            format!("nn.Dropout(p={})", py_float(*rate)),
            format!("Dropout, rate {rate}"),
        ),
        LayerSpec::BatchNorm(b) => {
            let (cls, c) = match in_shape {
                [c, _, _] => ("BatchNorm2d", *c),
                _ => ("BatchNorm1d", in_len),
            };
            call(
                format!(
                    "nn.{cls}({c}, eps={}, momentum={})",
                    py_float(b.eps),
                    py_float(b.momentum)
                ),
                format!("BatchNorm, eps {}, momentum {}", b.eps, b.momentum),
            )
        }
        LayerSpec::LayerNorm { eps } => call(
            format!(
                "nn.LayerNorm({}, eps={})",
                py_tuple(in_shape),
                py_float(*eps)
            ),
            format!("LayerNorm over {}, eps {eps}", fmt_shape(in_shape)),
        ),
        LayerSpec::Activation(act) => activation(*act, v, a, in_shape.len()),
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
            let cls = match spec {
                LayerSpec::Lstm(_) => "LSTM",
                LayerSpec::Gru(_) => "GRU",
                _ => "RNN",
            };
            let i = in_shape.get(1).copied().unwrap_or(0);
            let mut forward = vec![format!("{v}, _ = self.{v}({a})")];
            if !r.return_sequences {
                forward.push(format!("{v} = {v}[:, -1, :]  # the last step only"));
            }
            Built {
                describe: rnn_describe(spec.kind_name(), r),
                module: Some(format!("nn.{cls}({i}, {}, batch_first=True)", r.units)),
                forward,
            }
        }
        LayerSpec::Add => inline(
            format!("{v} = {}", ins.join(" + ")),
            format!("Add, {} inputs", ins.len()),
        ),
        LayerSpec::Concatenate => inline(
            format!("{v} = torch.cat([{}], dim=1)", ins.join(", ")),
            format!("Concatenate, {} inputs along the first axis", ins.len()),
        ),
    }
}

fn activation(act: Activation, v: &str, a: &str, rank: usize) -> Built {
    let module = match act {
        Activation::ReLU => "nn.ReLU()".to_string(),
        Activation::LeakyReLU { slope } => format!("nn.LeakyReLU({})", py_float(slope)),
        Activation::Elu { alpha } => format!("nn.ELU(alpha={})", py_float(alpha)),
        Activation::Sigmoid => "nn.Sigmoid()".into(),
        Activation::Tanh => "nn.Tanh()".into(),
        Activation::Softmax => "nn.Softmax(dim=1)".into(),
        Activation::Gelu => "nn.GELU()  # exact, with erf".into(),
        Activation::Linear => "nn.Identity()".into(),
    };
    let forward = if act == Activation::Softmax && rank > 1 {
        // Neuroglass's softmax runs over all of a sample's values.
        format!("{v} = self.{v}({a}.flatten(1)).view_as({a})  # over all values of a sample")
    } else {
        format!("{v} = self.{v}({a})")
    };
    Built {
        describe: act.name().to_string(),
        module: Some(module),
        forward: vec![forward],
    }
}

/// The PyTorch name and shape of an engine parameter of a layer.
fn torch_param(
    spec: &LayerSpec,
    engine: &str,
    engine_shape: &[usize],
    in_shape: &[usize],
) -> (String, Vec<usize>) {
    match spec {
        LayerSpec::SimpleRnn(_) | LayerSpec::Lstm(_) | LayerSpec::Gru(_) => {
            (format!("{engine}_l0"), engine_shape.to_vec())
        }
        LayerSpec::LayerNorm { .. } => (engine.to_string(), in_shape.to_vec()),
        _ => (engine.to_string(), engine_shape.to_vec()),
    }
}

/// Plans the PyTorch form of a compiled network. `node_ids[i]` is the graph
/// node of engine node `i`; `folded` says whether the output Sigmoid was
/// folded into the loss.
///
/// # Errors
/// [`ExportError::Invalid`] when a node or shape the compiler used is
/// missing (which validation rules out).
pub fn plan<F: Float>(
    graph: &Graph,
    analysis: &Analysis,
    input_shape: &[usize],
    network: &Network<F>,
    node_ids: &[NodeId],
    folded: bool,
) -> Result<Plan, ExportError> {
    let mut namer = Namer::new();
    let mut idents: BTreeMap<NodeId, String> = BTreeMap::new();
    let mut nodes = Vec::with_capacity(node_ids.len());
    let mut uses_same_pad_conv = false;
    for (i, id) in node_ids.iter().enumerate() {
        let node = graph
            .node(*id)
            .ok_or_else(|| ExportError::Invalid(format!("node {id} is missing")))?;
        let ident = namer.identifier(&node.name, node.spec.kind_name());
        let mut ins = Vec::new();
        let mut in_shape = input_shape.to_vec();
        for (k, e) in graph.inputs_of(*id).iter().enumerate() {
            let from = idents.get(&e.from).ok_or_else(|| {
                ExportError::Invalid(format!("node {id} reads a node that comes later"))
            })?;
            ins.push(from.clone());
            if k == 0 {
                in_shape = shape_of(analysis, e.from)?;
            }
        }
        let out_shape = shape_of(analysis, *id)?;
        let built = build(
            &node.spec,
            &ident,
            &ins,
            &in_shape,
            &out_shape,
            &mut uses_same_pad_conv,
        );
        let params = network
            .node_params(i)
            .iter()
            .map(|p| {
                let (suffix, shape) = torch_param(&node.spec, p.name, &p.shape, &in_shape);
                TorchParam {
                    engine_name: p.name,
                    key: format!("{ident}.{suffix}"),
                    shape,
                    decay: p.decay,
                }
            })
            .collect();
        let buffers = network
            .nodes()
            .get(i)
            .map(|n| n.layer.buffers())
            .unwrap_or_default()
            .into_iter()
            .map(|(b, _)| (b, format!("{ident}.{b}")))
            .collect();
        let batches_tracked = matches!(node.spec, LayerSpec::BatchNorm(_))
            .then(|| format!("{ident}.num_batches_tracked"));
        idents.insert(*id, ident.clone());
        nodes.push(TorchNode {
            id: *id,
            name: node.name.clone(),
            ident,
            out_shape,
            describe: built.describe,
            module: built.module,
            forward: built.forward,
            params,
            buffers,
            batches_tracked,
        });
    }
    let out = nodes
        .get(network.output_index())
        .ok_or_else(|| ExportError::Invalid("the network has no output node".into()))?;
    let folded_sigmoid = if folded {
        analysis
            .output
            .and_then(|id| graph.node(id))
            .map(|n| (n.id, n.name.clone()))
    } else {
        None
    };
    Ok(Plan {
        output: out.ident.clone(),
        output_shape: out.out_shape.clone(),
        ends_in_softmax: network.ends_in_softmax(),
        input_shape: input_shape.to_vec(),
        folded_sigmoid,
        uses_same_pad_conv,
        nodes,
    })
}

/// The comment heading a node: `#3 "pool 1": MaxPool2D 2×2, stride 2 → 8×14×14`.
pub fn heading(n: &TorchNode) -> String {
    format!(
        "#{} {}: {} → {}",
        n.id.0,
        comment_text(&n.name),
        n.describe,
        fmt_shape(&n.out_shape)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_puts_the_odd_zero_last() {
        // 28 wide, 3×3, stride 1: one each side.
        assert_eq!(same_padding(28, 28, 3, 1), (1, 1, 1, 1));
        // 28, 3×3, stride 2: out 14, total (13·2 + 3) − 28 = 1 → (0, 1).
        assert_eq!(same_padding(28, 28, 3, 2), (0, 1, 0, 1));
        // 4×4 kernel, stride 1: total 3 → (1, 2).
        assert_eq!(same_padding(5, 6, 4, 1), (1, 2, 1, 2));
        // A 1×1 kernel needs none.
        assert_eq!(same_padding(7, 7, 1, 2), (0, 0, 0, 0));
    }
}
