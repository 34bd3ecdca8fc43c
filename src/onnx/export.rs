//! A compiled network as an ONNX model (opset 17): each node of the
//! PyTorch plan becomes the operators ONNX Runtime computes it with, its
//! weights initialisers named like the PyTorch `state_dict` (`conv_1.weight`;
//! recurrent layers `lstm.W`, `lstm.R`, `lstm.B` in ONNX's gate order).
//! The batch dimension is symbolic (`batch`); evaluation mode (Dropout is
//! the identity, BatchNorm uses its running statistics); a final Sigmoid
//! folded into the loss for training is put back, so the model outputs
//! what the project's network computes.

use std::collections::BTreeMap;

use prost::Message;

use super::build::{GraphBuilder, attr_f, attr_i, attr_ints, value_info};
use super::proto::{GraphProto, ModelProto, OperatorSetIdProto, StringStringEntryProto};
use crate::engine::{Float, Network};
use crate::export::pytorch::ExportError;
use crate::export::pytorch::plan::Plan;
use crate::model::{Activation, Graph, LayerSpec, Padding};

/// The operator set the export targets.
pub const OPSET: i64 = 17;
/// ONNX IR version that goes with opset 17.
pub const IR_VERSION: i64 = 8;
/// The graph's input and output names.
pub const INPUT: &str = "input";
/// See [`INPUT`].
pub const OUTPUT: &str = "output";

/// ONNX gate blocks in PyTorch's order: LSTM `i f g o` → ONNX `i o f c`;
/// GRU `r z n` → ONNX `z r h`.
pub fn onnx_gate_order(spec: &LayerSpec) -> &'static [usize] {
    match spec {
        LayerSpec::Lstm(_) => &[0, 3, 1, 2],
        LayerSpec::Gru(_) => &[1, 0, 2],
        _ => &[0],
    }
}

/// Values of `order.len()` equal blocks (gates), reordered: block `k` of
/// the result is block `order[k]` of `values`.
pub fn reorder_blocks(values: &[f32], order: &[usize]) -> Vec<f32> {
    let block = values.len() / order.len().max(1);
    let mut out = Vec::with_capacity(values.len());
    for &b in order {
        out.extend_from_slice(values.get(b * block..(b + 1) * block).unwrap_or(&[]));
    }
    out
}

fn same_pads(h: usize, w: usize, k: usize, s: usize) -> [i64; 4] {
    let s = s.max(1);
    let total = |n: usize| {
        let o = n.div_ceil(s);
        ((o.saturating_sub(1)) * s + k).saturating_sub(n)
    };
    let (th, tw) = (total(h), total(w));
    [
        (th / 2) as i64,
        (tw / 2) as i64,
        (th - th / 2) as i64,
        (tw - tw / 2) as i64,
    ]
}

/// A parameter's values by its engine name.
fn param<'a, F: Float>(
    params: &'a [crate::engine::Param<F>],
    name: &str,
) -> Option<&'a crate::engine::Param<F>> {
    params.iter().find(|p| p.name == name)
}

fn values<F: Float>(p: &crate::engine::Param<F>) -> Vec<f32> {
    p.value.iter().map(|v| v.f64() as f32).collect()
}

/// Emits the nodes computing `spec` from `ins`; returns the output's name.
#[allow(clippy::too_many_arguments)]
fn emit<F: Float>(
    b: &mut GraphBuilder,
    spec: &LayerSpec,
    ident: &str,
    ins: &[String],
    in_shape: &[usize],
    out_shape: &[usize],
    params: &[crate::engine::Param<F>],
    buffers: &[(&'static str, Vec<F>)],
) -> Result<String, ExportError> {
    let x = ins.first().map_or(INPUT, String::as_str).to_string();
    let missing = |what: &str| ExportError::Invalid(format!("{ident}: no {what} in the network"));
    let w = |b: &mut GraphBuilder, name: &str, dims: &[usize]| -> Result<String, ExportError> {
        let p = param(params, name).ok_or_else(|| missing(name))?;
        Ok(b.weight(&format!("{ident}.{name}"), dims, &values(p)))
    };
    let reshape_back = |b: &mut GraphBuilder, v: &str, shape: &[usize], base: &str| {
        let mut dims = vec![0i64];
        dims.extend(shape.iter().map(|&d| d as i64));
        let s = b.ints(&format!("{ident}.shape"), &dims);
        b.op("Reshape", &[v, &s], base, vec![])
    };
    Ok(match spec {
        LayerSpec::Input => x,
        LayerSpec::Dense(d) => {
            let pw = param(params, "weight").ok_or_else(|| missing("weight"))?;
            let wn = w(b, "weight", &pw.shape)?;
            let flat = if in_shape.len() > 1 {
                b.op(
                    "Flatten",
                    &[&x],
                    &format!("{ident}_flat"),
                    vec![attr_i("axis", 1)],
                )
            } else {
                x
            };
            let mut inputs = vec![flat, wn];
            if d.bias {
                let pb = param(params, "bias").ok_or_else(|| missing("bias"))?;
                inputs.push(w(b, "bias", &pb.shape)?);
            }
            let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
            b.op("Gemm", &refs, ident, vec![attr_i("transB", 1)])
        }
        LayerSpec::Conv2D(c) => {
            let pw = param(params, "weight").ok_or_else(|| missing("weight"))?;
            let mut inputs = vec![x, w(b, "weight", &pw.shape)?];
            if c.bias {
                inputs.push(w(b, "bias", &[c.filters])?);
            }
            let pads = match (c.padding, in_shape) {
                (Padding::Same, [_, h, wd]) => same_pads(*h, *wd, c.kernel, c.stride),
                _ => [0; 4],
            };
            let k = c.kernel as i64;
            let s = c.stride as i64;
            let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
            b.op(
                "Conv",
                &refs,
                ident,
                vec![
                    attr_ints("kernel_shape", &[k, k]),
                    attr_ints("strides", &[s, s]),
                    attr_ints("pads", &pads),
                ],
            )
        }
        LayerSpec::MaxPool2D(p) | LayerSpec::AvgPool2D(p) => {
            let op = if matches!(spec, LayerSpec::MaxPool2D(_)) {
                "MaxPool"
            } else {
                "AveragePool"
            };
            let (k, s) = (p.size as i64, p.stride as i64);
            b.op(
                op,
                &[&x],
                ident,
                vec![
                    attr_ints("kernel_shape", &[k, k]),
                    attr_ints("strides", &[s, s]),
                ],
            )
        }
        LayerSpec::GlobalAvgPool => {
            let g = b.op("GlobalAveragePool", &[&x], &format!("{ident}_pool"), vec![]);
            b.op("Flatten", &[&g], ident, vec![attr_i("axis", 1)])
        }
        LayerSpec::Flatten => b.op("Flatten", &[&x], ident, vec![attr_i("axis", 1)]),
        LayerSpec::Reshape { shape } => reshape_back(b, &x, shape, ident),
        LayerSpec::Dropout { rate } => {
            let r = b.weight(&format!("{ident}.ratio"), &[], &[*rate]);
            b.op("Dropout", &[&x, &r], ident, vec![])
        }
        LayerSpec::BatchNorm(bn) => {
            let c = param(params, "weight").map_or(0, |p| p.value.len());
            let buf = |b: &mut GraphBuilder, name: &str| -> Result<String, ExportError> {
                let v = buffers
                    .iter()
                    .find(|(n, _)| *n == name)
                    .ok_or_else(|| missing(name))?;
                let vals: Vec<f32> = v.1.iter().map(|x| x.f64() as f32).collect();
                Ok(b.weight(&format!("{ident}.{name}"), &[vals.len()], &vals))
            };
            let inputs = [
                w(b, "weight", &[c])?,
                w(b, "bias", &[c])?,
                buf(b, "running_mean")?,
                buf(b, "running_var")?,
            ];
            let attrs = vec![
                attr_f("epsilon", bn.eps),
                attr_f("momentum", 1.0 - bn.momentum),
            ];
            let direct = in_shape.len() == 3 || in_shape.len() == 1;
            let src = if direct {
                x
            } else {
                b.op(
                    "Flatten",
                    &[&x],
                    &format!("{ident}_flat"),
                    vec![attr_i("axis", 1)],
                )
            };
            let refs = [src.as_str(), &inputs[0], &inputs[1], &inputs[2], &inputs[3]];
            if direct {
                b.op("BatchNormalization", &refs, ident, attrs)
            } else {
                let n = b.op(
                    "BatchNormalization",
                    &refs,
                    &format!("{ident}_flat_bn"),
                    attrs,
                );
                reshape_back(b, &n, in_shape, ident)
            }
        }
        LayerSpec::LayerNorm { eps } => {
            let s = w(b, "weight", in_shape)?;
            let bi = w(b, "bias", in_shape)?;
            b.op(
                "LayerNormalization",
                &[&x, &s, &bi],
                ident,
                vec![attr_i("axis", 1), attr_f("epsilon", *eps)],
            )
        }
        LayerSpec::Activation(a) => activation(b, *a, ident, &x, in_shape),
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
            let order = onnx_gate_order(spec);
            let h = r.units;
            let g = order.len() * h;
            let i = in_shape.get(1).copied().unwrap_or(0);
            let get = |n: &str| param(params, n).map(values).ok_or_else(|| missing(n));
            let wv = reorder_blocks(&get("weight_ih")?, order);
            let rv = reorder_blocks(&get("weight_hh")?, order);
            let mut bv = reorder_blocks(&get("bias_ih")?, order);
            bv.extend(reorder_blocks(&get("bias_hh")?, order));
            let wn = b.weight(&format!("{ident}.W"), &[1, g, i], &wv);
            let rn = b.weight(&format!("{ident}.R"), &[1, g, h], &rv);
            let bn = b.weight(&format!("{ident}.B"), &[1, 2 * g], &bv);
            let perm = attr_ints("perm", &[1, 0, 2]);
            let xt = b.op(
                "Transpose",
                &[&x],
                &format!("{ident}_time_major"),
                vec![perm.clone()],
            );
            let (op, mut attrs) = match spec {
                LayerSpec::Lstm(_) => ("LSTM", vec![]),
                LayerSpec::Gru(_) => ("GRU", vec![attr_i("linear_before_reset", 1)]),
                _ => ("RNN", vec![]),
            };
            attrs.push(attr_i("hidden_size", h as i64));
            let y = b.fresh(&format!("{ident}_Y"));
            let yh = b.fresh(&format!("{ident}_Y_h"));
            b.node(op, &[&xt, &wn, &rn, &bn], &[&y, &yh], attrs);
            if r.return_sequences {
                let ax = b.ints(&format!("{ident}.axes"), &[1]);
                let sq = b.op("Squeeze", &[&y, &ax], &format!("{ident}_seq"), vec![]);
                b.op("Transpose", &[&sq], ident, vec![perm])
            } else {
                let ax = b.ints(&format!("{ident}.axes"), &[0]);
                b.op("Squeeze", &[&yh, &ax], ident, vec![])
            }
        }
        LayerSpec::Add => {
            let refs: Vec<&str> = ins.iter().map(String::as_str).collect();
            b.op(
                if refs.len() == 2 { "Add" } else { "Sum" },
                &refs,
                ident,
                vec![],
            )
        }
        LayerSpec::Concatenate => {
            let refs: Vec<&str> = ins.iter().map(String::as_str).collect();
            let _ = out_shape;
            b.op("Concat", &refs, ident, vec![attr_i("axis", 1)])
        }
    })
}

/// An activation; Softmax runs over all of a sample's values, GELU is
/// written in PyTorch's exact (erf) form.
fn activation(
    b: &mut GraphBuilder,
    a: Activation,
    ident: &str,
    x: &str,
    shape: &[usize],
) -> String {
    match a {
        Activation::ReLU => b.op("Relu", &[x], ident, vec![]),
        Activation::LeakyReLU { slope } => {
            b.op("LeakyRelu", &[x], ident, vec![attr_f("alpha", slope)])
        }
        Activation::Elu { alpha } => b.op("Elu", &[x], ident, vec![attr_f("alpha", alpha)]),
        Activation::Sigmoid => b.op("Sigmoid", &[x], ident, vec![]),
        Activation::Tanh => b.op("Tanh", &[x], ident, vec![]),
        Activation::Linear => b.op("Identity", &[x], ident, vec![]),
        Activation::Softmax if shape.len() <= 1 => {
            b.op("Softmax", &[x], ident, vec![attr_i("axis", 1)])
        }
        Activation::Softmax => {
            let f = b.op(
                "Flatten",
                &[x],
                &format!("{ident}_flat"),
                vec![attr_i("axis", 1)],
            );
            let s = b.op(
                "Softmax",
                &[&f],
                &format!("{ident}_flat_softmax"),
                vec![attr_i("axis", 1)],
            );
            let mut dims = vec![0i64];
            dims.extend(shape.iter().map(|&d| d as i64));
            let sh = b.ints(&format!("{ident}.shape"), &dims);
            b.op("Reshape", &[&s, &sh], ident, vec![])
        }
        Activation::Gelu => {
            let sqrt2 = b.weight(&format!("{ident}.sqrt2"), &[], &[std::f32::consts::SQRT_2]);
            let one = b.weight(&format!("{ident}.one"), &[], &[1.0]);
            let half = b.weight(&format!("{ident}.half"), &[], &[0.5]);
            let d = b.op("Div", &[x, &sqrt2], &format!("{ident}_div"), vec![]);
            let e = b.op("Erf", &[&d], &format!("{ident}_erf"), vec![]);
            let p = b.op("Add", &[&e, &one], &format!("{ident}_add"), vec![]);
            let m = b.op("Mul", &[x, &p], &format!("{ident}_mul"), vec![]);
            b.op("Mul", &[&m, &half], ident, vec![])
        }
    }
}

/// What a project says about itself, for the model's metadata.
#[derive(Clone, Debug, Default)]
pub struct ModelText {
    /// The project's name (the graph's name and `project` metadata).
    pub name: String,
    /// The project's notes (the model's doc string and `notes` metadata).
    pub notes: String,
}

/// The ONNX model of a compiled network. `plan` names its nodes and
/// weights (`crate::export::pytorch::plan::plan` for the same network);
/// `graph` holds the specs of `plan`'s nodes.
///
/// # Errors
/// [`ExportError::Invalid`] when a node, shape or parameter the plan
/// promises is missing (which validation rules out).
pub fn model<F: Float>(
    graph: &Graph,
    plan: &Plan,
    network: &Network<F>,
    text: &ModelText,
) -> Result<ModelProto, ExportError> {
    let mut b = GraphBuilder::default();
    b.reserve(INPUT);
    b.reserve(OUTPUT);
    let mut value_of: BTreeMap<crate::model::NodeId, String> = BTreeMap::new();
    let mut shape_of: BTreeMap<crate::model::NodeId, Vec<usize>> = BTreeMap::new();
    for (i, tn) in plan.nodes.iter().enumerate() {
        let node = graph
            .node(tn.id)
            .ok_or_else(|| ExportError::Invalid(format!("node {} is missing", tn.id)))?;
        let mut ins = Vec::new();
        let mut in_shape = plan.input_shape.clone();
        for (k, e) in graph.inputs_of(tn.id).iter().enumerate() {
            let v = value_of.get(&e.from).ok_or_else(|| {
                ExportError::Invalid(format!("node {} reads a node that comes later", tn.id))
            })?;
            ins.push(v.clone());
            if k == 0 {
                in_shape = shape_of.get(&e.from).cloned().unwrap_or_default();
            }
        }
        let buffers = network
            .nodes()
            .get(i)
            .map(|n| n.layer.buffers())
            .unwrap_or_default();
        let ident = b.fresh(&tn.ident);
        let out = emit(
            &mut b,
            &node.spec,
            &ident,
            &ins,
            &in_shape,
            &tn.out_shape,
            network.node_params(i),
            &buffers,
        )?;
        value_of.insert(tn.id, out);
        shape_of.insert(tn.id, tn.out_shape.clone());
    }
    let out_node = plan
        .nodes
        .get(network.output_index())
        .ok_or_else(|| ExportError::Invalid("the network has no output node".into()))?;
    let mut last = value_of
        .get(&out_node.id)
        .cloned()
        .ok_or_else(|| ExportError::Invalid("the output node was not built".into()))?;
    if let Some((_, name)) = &plan.folded_sigmoid {
        let base = crate::model::compile::sanitize(name);
        last = b.op("Sigmoid", &[&last], &base, vec![]);
    }
    // The last value is renamed `output` (an Identity if it is the input).
    if last == INPUT {
        b.node("Identity", &[INPUT], &[OUTPUT], vec![]);
    } else {
        for n in &mut b.nodes {
            for v in n.input.iter_mut().chain(n.output.iter_mut()) {
                if *v == last {
                    *v = OUTPUT.to_string();
                }
            }
        }
    }
    let meta = |k: &str, v: &str| StringStringEntryProto {
        key: Some(k.into()),
        value: Some(v.into()),
    };
    let graph_proto = GraphProto {
        name: Some(if text.name.is_empty() {
            "neuroglass".into()
        } else {
            text.name.clone()
        }),
        node: b.nodes,
        initializer: b.initializers,
        input: vec![value_info(INPUT, "batch", &plan.input_shape)],
        output: vec![value_info(OUTPUT, "batch", &plan.output_shape)],
        doc_string: (!text.notes.is_empty()).then(|| text.notes.clone()),
        ..Default::default()
    };
    Ok(ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(OPSET),
        }],
        producer_name: Some("neuroglass".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        doc_string: (!text.notes.is_empty()).then(|| text.notes.clone()),
        graph: Some(graph_proto),
        metadata_props: vec![meta("project", &text.name), meta("notes", &text.notes)],
        ..Default::default()
    })
}

/// The bytes of an ONNX file.
pub fn encode(model: &ModelProto) -> Vec<u8> {
    model.encode_to_vec()
}
