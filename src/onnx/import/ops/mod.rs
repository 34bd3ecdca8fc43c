//! One ONNX node at a time: what it means for the project being built.
//! Layers come from single operators (Gemm, Conv, BatchNormalization, …)
//! and from the patterns exporters write: MatMul then Add, the decomposed
//! LayerNorm, GELU's erf form, and the Transpose/Squeeze/Gather/Slice
//! around recurrent layers. Shape-only operators on layer outputs change
//! only how ONNX sees them (`Val::Layer::view`); a layer that needs
//! another shape gets a Flatten or Reshape first.

use super::graph::{Built, Val};
use super::tensor::{Const, Values};
use crate::model::infer::numel;
use crate::model::{Activation, LayerSpec, NodeId};
use crate::onnx::proto::{AttributeProto, NodeProto};

mod arith;
mod layers;
mod recurrent;

/// Every operator the import knows.
pub const SUPPORTED: &[&str] = &[
    "Gemm",
    "MatMul",
    "Add",
    "Sum",
    "Sub",
    "Mul",
    "Div",
    "Pow",
    "Sqrt",
    "Erf",
    "ReduceMean",
    "Conv",
    "BatchNormalization",
    "LayerNormalization",
    "Relu",
    "LeakyRelu",
    "Elu",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "Gelu",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "Flatten",
    "Reshape",
    "Dropout",
    "Identity",
    "Concat",
    "LSTM",
    "GRU",
    "RNN",
    "Squeeze",
    "Unsqueeze",
    "Slice",
    "Gather",
    "Transpose",
    "Constant",
    "Shape",
    "ConstantOfShape",
];

/// A node's attributes.
pub(super) struct Attrs<'a>(&'a [AttributeProto]);

impl Attrs<'_> {
    pub(super) fn get(&self, name: &str) -> Option<&AttributeProto> {
        self.0.iter().find(|a| a.name.as_deref() == Some(name))
    }
    pub(super) fn i(&self, name: &str, default: i64) -> i64 {
        self.get(name).and_then(|a| a.i).unwrap_or(default)
    }
    pub(super) fn f(&self, name: &str, default: f32) -> f32 {
        self.get(name).and_then(|a| a.f).unwrap_or(default)
    }
    pub(super) fn ints(&self, name: &str) -> Option<Vec<i64>> {
        self.get(name).map(|a| a.ints.clone())
    }
    pub(super) fn s(&self, name: &str) -> Option<String> {
        self.get(name)
            .and_then(|a| a.s.as_ref())
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }
    pub(super) fn strings(&self, name: &str) -> Option<Vec<String>> {
        self.get(name).map(|a| {
            a.strings
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
    }
}

pub(super) fn is(v: f32, want: f32) -> bool {
    (v - want).abs() <= 1e-4 * want.abs().max(1.0)
}

/// Output size of a window sliding over `n` values.
pub(super) fn slide(n: usize, k: usize, s: usize) -> Result<usize, String> {
    if k == 0 || s == 0 || k > n {
        return Err(format!(
            "a {k}-wide window with stride {s} does not fit {n} values"
        ));
    }
    Ok((n - k) / s + 1)
}

/// The engine's 'same' padding (top, left, bottom, right).
pub(super) fn same_pads(h: usize, w: usize, k: usize, s: usize) -> [i64; 4] {
    let total = |n: usize| {
        let o = n.div_ceil(s.max(1));
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

/// Normalises an axis of a `[batch, view…]` tensor.
pub(super) fn axis_of(axis: i64, view_rank: usize) -> Option<usize> {
    let r = view_rank as i64 + 1;
    let a = if axis < 0 { axis + r } else { axis };
    (0..r).contains(&a).then_some(a as usize)
}

impl Built {
    pub(super) fn layer_view(&self, name: &str) -> Option<(NodeId, Vec<usize>)> {
        match self.val(name) {
            Some(Val::Layer { id, view }) => Some((*id, view.clone())),
            _ => None,
        }
    }

    pub(super) fn konst(&self, name: &str) -> Option<&Const> {
        match self.val(name) {
            Some(Val::Const(c)) => Some(c),
            _ => None,
        }
    }

    pub(super) fn set(&mut self, name: &str, v: Val) {
        if !name.is_empty() {
            self.vals.insert(name.to_string(), v);
        }
    }

    /// Adds a one-input layer on value `x` (materialised first).
    pub(super) fn unary(
        &mut self,
        n: &NodeProto,
        x: &str,
        spec: LayerSpec,
        out: Vec<usize>,
        weights: Vec<super::graph::Weight>,
    ) -> Result<Val, String> {
        let (id, _) = self.materialize(x)?;
        let name = n.name.clone().unwrap_or_default();
        let new = self.add(&name, spec, &[id], out.clone(), weights)?;
        Ok(Val::Layer { id: new, view: out })
    }

    /// Recurrent layer `id` switched to the whole sequence or the last step.
    pub(super) fn rnn_output(&mut self, id: NodeId, sequences: bool) -> Result<Val, String> {
        let shape = self.shapes.get(&id).cloned().unwrap_or_default();
        let (t, h) = match self.spec(id) {
            Some(LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r)) => {
                (shape.first().copied().unwrap_or(0), r.units)
            }
            _ => return Err("not a recurrent layer".into()),
        };
        let _ = t;
        if let Some(LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r)) =
            self.spec_mut(id)
        {
            r.return_sequences = sequences;
        }
        let steps = self.rnn_steps(id);
        let out = if sequences { vec![steps, h] } else { vec![h] };
        self.set_shape(id, out.clone());
        Ok(Val::Layer { id, view: out })
    }

    fn rnn_steps(&self, id: NodeId) -> usize {
        self.graph
            .inputs_of(id)
            .first()
            .and_then(|e| self.shapes.get(&e.from))
            .and_then(|s| s.first().copied())
            .unwrap_or(0)
    }

    /// Converts one node; `Err` says why it is not understood.
    pub fn node(&mut self, n: &NodeProto, dir: Option<&std::path::Path>) -> Result<(), String> {
        let op = n.op_type.as_deref().unwrap_or("");
        let a = Attrs(&n.attribute);
        let input = |k: usize| n.input.get(k).map(String::as_str).unwrap_or("");
        let out0 = n.output.first().map(String::as_str).unwrap_or("");
        let x = input(0);
        for (k, i) in n.input.iter().enumerate() {
            if !i.is_empty() && self.val(i).is_none() {
                return Err(format!(
                    "input {k} ({i:?}) is not computed before this node"
                ));
            }
        }
        let name = n.name.clone().unwrap_or_default();
        let v: Val = match op {
            "Constant" => {
                let c = if let Some(t) = a.get("value").and_then(|v| v.t.as_ref()) {
                    super::tensor::decode(t, dir).map_err(|e| e.to_string())?
                } else if let Some(f) = a.get("value_float").and_then(|v| v.f) {
                    Const {
                        dims: vec![],
                        values: Values::F32(vec![f]),
                    }
                } else if let Some(v) = a.get("value_floats") {
                    Const {
                        dims: vec![v.floats.len()],
                        values: Values::F32(v.floats.clone()),
                    }
                } else if let Some(i) = a.get("value_int").and_then(|v| v.i) {
                    Const {
                        dims: vec![],
                        values: Values::I64(vec![i]),
                    }
                } else if let Some(v) = a.get("value_ints") {
                    Const {
                        dims: vec![v.ints.len()],
                        values: Values::I64(v.ints.clone()),
                    }
                } else {
                    return Err("a Constant of a kind this import does not read".into());
                };
                Val::Const(c)
            }
            "Identity" => self.val(x).cloned().ok_or("no input")?,
            "Shape" => Val::Shape,
            "ConstantOfShape" => {
                let zero = match a.get("value").and_then(|v| v.t.as_ref()) {
                    None => true,
                    Some(t) => super::tensor::decode(t, dir)
                        .map_err(|e| e.to_string())?
                        .floats()
                        .iter()
                        .all(|v| *v == 0.0),
                };
                if !zero {
                    return Err("ConstantOfShape with a value other than 0".into());
                }
                Val::Zeros
            }
            "Dropout" => {
                if n.input.len() > 2 && !input(2).is_empty() {
                    let training = self.konst(input(2)).and_then(Const::scalar);
                    if training != Some(0.0) {
                        return Err("Dropout in training mode".into());
                    }
                }
                let rate = if input(1).is_empty() {
                    a.f("ratio", 0.5)
                } else {
                    self.konst(input(1))
                        .and_then(Const::scalar)
                        .ok_or("Dropout's ratio is not a constant")?
                };
                if let Some(m) = n.output.get(1) {
                    self.set(m, Val::Unused);
                }
                let (_, view) = self
                    .layer_view(x)
                    .ok_or("Dropout of something not a layer")?;
                self.unary(
                    n,
                    x,
                    LayerSpec::Dropout {
                        rate: rate.clamp(0.0, 0.99),
                    },
                    view,
                    vec![],
                )?
            }
            "Relu" | "Sigmoid" | "Tanh" | "LeakyRelu" | "Elu" | "Gelu" | "Softmax" => {
                let act = match op {
                    "Relu" => Activation::ReLU,
                    "Sigmoid" => Activation::Sigmoid,
                    "Tanh" => Activation::Tanh,
                    "LeakyRelu" => Activation::LeakyReLU {
                        slope: a.f("alpha", 0.01),
                    },
                    "Elu" => Activation::Elu {
                        alpha: a.f("alpha", 1.0),
                    },
                    "Gelu" => {
                        if a.s("approximate").is_some_and(|s| s != "none") {
                            return Err("GELU with the tanh approximation".into());
                        }
                        Activation::Gelu
                    }
                    _ => Activation::Softmax,
                };
                let (_, view) = self
                    .layer_view(x)
                    .ok_or("an activation of something not a layer")?;
                if act == Activation::Softmax {
                    let axis = axis_of(a.i("axis", -1), view.len());
                    if view.len() != 1 || axis != Some(1) {
                        return Err("Softmax over one axis of a sample with several; only a flat sample's Softmax is a layer".into());
                    }
                }
                self.unary(n, x, LayerSpec::Activation(act), view, vec![])?
            }
            "Flatten" => {
                let (id, view) = self
                    .layer_view(x)
                    .ok_or("Flatten of something not a layer")?;
                if a.i("axis", 1) != 1 {
                    return Err("Flatten keeping more than the batch axis".into());
                }
                Val::Layer {
                    id,
                    view: vec![numel(&view) as usize],
                }
            }
            "Reshape" => {
                let (id, view) = self
                    .layer_view(x)
                    .ok_or("Reshape of something not a layer")?;
                let target = self
                    .konst(input(1))
                    .and_then(Const::ints)
                    .ok_or("Reshape to a shape computed at run time")?
                    .to_vec();
                let total = numel(&view) as usize;
                let mut dims: Vec<usize> = Vec::new();
                let mut infer = None;
                for (k, &d) in target.iter().enumerate().skip(1) {
                    match d {
                        0 => dims.push(
                            view.get(k - 1)
                                .copied()
                                .ok_or("Reshape copies a missing axis")?,
                        ),
                        -1 if infer.is_none() => {
                            infer = Some(dims.len());
                            dims.push(1);
                        }
                        d if d > 0 => dims.push(d as usize),
                        _ => return Err("Reshape with an impossible shape".into()),
                    }
                }
                if target.first().is_some_and(|&b| {
                    b > 0 && b != 1 && infer.is_none() && numel(&dims) as usize != total
                }) {
                    return Err("Reshape that moves values across samples".into());
                }
                let known = numel(&dims) as usize;
                if let Some(i) = infer {
                    if known == 0 || !total.is_multiple_of(known) {
                        return Err("Reshape's -1 cannot be inferred".into());
                    }
                    dims[i] = total / known;
                }
                if numel(&dims) as usize != total || dims.is_empty() {
                    return Err(format!("Reshape of {total} values per sample to {dims:?}"));
                }
                Val::Layer { id, view: dims }
            }
            "Squeeze" | "Unsqueeze" => {
                let axes: Option<Vec<i64>> = a.ints("axes").or_else(|| {
                    self.konst(input(1))
                        .and_then(Const::ints)
                        .map(<[i64]>::to_vec)
                });
                match (self.val(x).cloned(), op) {
                    (Some(Val::Shape | Val::Const(_)), _) => Val::Shape,
                    (Some(Val::RnnY { id, layout }), "Squeeze") => {
                        match (layout, axes.as_deref()) {
                            (0, Some([1])) => Val::RnnSeq { id },
                            (1, Some([2])) => self.rnn_output(id, true)?,
                            _ => return Err("Squeeze of an RNN's Y on another axis".into()),
                        }
                    }
                    (Some(Val::RnnYh { id, layout }), "Squeeze") => {
                        match (layout, axes.as_deref()) {
                            (0, Some([0])) | (1, Some([1])) => self.rnn_output(id, false)?,
                            _ => return Err("Squeeze of an RNN's Y_h on another axis".into()),
                        }
                    }
                    (Some(Val::LastStep { id }), "Squeeze") if axes.as_deref() == Some(&[1]) => {
                        self.rnn_output(id, false)?
                    }
                    (Some(Val::Layer { id, view }), _) => {
                        let r = view.len()
                            + if op == "Unsqueeze" {
                                axes.as_ref().map_or(0, Vec::len)
                            } else {
                                0
                            };
                        let mut ax: Vec<usize> = axes
                            .clone()
                            .unwrap_or_default()
                            .iter()
                            .map(|&v| axis_of(v, r).ok_or("an axis out of range"))
                            .collect::<Result<_, _>>()?;
                        ax.sort_unstable();
                        if ax.contains(&0) {
                            return Err(format!("{op} of the batch axis"));
                        }
                        let mut new = view.clone();
                        if op == "Squeeze" {
                            if axes.is_none() {
                                new.retain(|&d| d != 1);
                            } else {
                                for &k in ax.iter().rev() {
                                    if new.get(k - 1) != Some(&1) {
                                        return Err("Squeeze of an axis longer than 1".into());
                                    }
                                    new.remove(k - 1);
                                }
                            }
                        } else {
                            for &k in &ax {
                                new.insert((k - 1).min(new.len()), 1);
                            }
                        }
                        if new.is_empty() {
                            new.push(1);
                        }
                        Val::Layer { id, view: new }
                    }
                    _ => return Err(format!("{op} of something this import does not follow")),
                }
            }
            "Gather" => match self.val(x).cloned() {
                Some(Val::Shape | Val::Const(_)) => Val::Shape,
                Some(Val::RnnYh { id, layout: 0 }) if a.i("axis", 0) == 0 => {
                    self.rnn_output(id, false)?
                }
                Some(Val::Layer { id, view }) => {
                    let idx = self
                        .konst(input(1))
                        .and_then(|c| c.ints().map(<[i64]>::to_vec));
                    let is_rnn = matches!(
                        self.spec(id),
                        Some(LayerSpec::SimpleRnn(_) | LayerSpec::Lstm(_) | LayerSpec::Gru(_))
                    );
                    let steps = view.first().copied().unwrap_or(0) as i64;
                    match idx.as_deref() {
                        Some([i])
                            if is_rnn
                                && a.i("axis", 0) == 1
                                && view.len() == 2
                                && (*i == -1 || *i == steps - 1) =>
                        {
                            self.rnn_output(id, false)?
                        }
                        _ => {
                            return Err(
                                "Gather other than the last step of a recurrent layer".into()
                            );
                        }
                    }
                }
                _ => return Err("Gather of something this import does not follow".into()),
            },
            "Slice" => {
                let ints = |k: usize| {
                    self.konst(input(k))
                        .and_then(|c| c.ints().map(<[i64]>::to_vec))
                };
                match self.val(x).cloned() {
                    Some(Val::Shape | Val::Const(_)) => Val::Shape,
                    Some(Val::Layer { id, view }) => {
                        let is_rnn = matches!(
                            self.spec(id),
                            Some(LayerSpec::SimpleRnn(_) | LayerSpec::Lstm(_) | LayerSpec::Gru(_))
                        );
                        let steps = view.first().copied().unwrap_or(0) as i64;
                        let (st, en, ax) = (ints(1), ints(2), ints(3));
                        let last = matches!(st.as_deref(), Some([s]) if *s == -1 || *s == steps - 1)
                            && matches!(en.as_deref(), Some([e]) if *e >= steps)
                            && matches!(ax.as_deref(), Some([1]) | None);
                        if is_rnn && view.len() == 2 && last {
                            Val::LastStep { id }
                        } else {
                            return Err(
                                "Slice other than the last step of a recurrent layer".into()
                            );
                        }
                    }
                    _ => return Err("Slice of something this import does not follow".into()),
                }
            }
            "Concat" => {
                let vals: Vec<Val> = n
                    .input
                    .iter()
                    .filter_map(|i| self.val(i).cloned())
                    .collect();
                if vals.iter().any(|v| matches!(v, Val::Shape)) {
                    Val::Shape
                } else if vals.iter().all(|v| matches!(v, Val::Const(_))) {
                    let mut ints = Vec::new();
                    for v in &vals {
                        if let Val::Const(c) = v {
                            ints.extend(c.ints().ok_or("Concat of float constants")?);
                        }
                    }
                    Val::Const(Const {
                        dims: vec![ints.len()],
                        values: Values::I64(ints),
                    })
                } else {
                    let mut ids = Vec::new();
                    let mut joined = 0;
                    let mut first: Option<Vec<usize>> = None;
                    for i in &n.input {
                        let (_, view) = self
                            .layer_view(i)
                            .ok_or("Concat of something not a layer")?;
                        if axis_of(a.i("axis", 1), view.len()) != Some(1) {
                            return Err(
                                "Concat along an axis other than the first of a sample".into()
                            );
                        }
                        joined += view[0];
                        first.get_or_insert(view);
                        ids.push(self.materialize(i)?.0);
                    }
                    let mut out = first.unwrap_or_default();
                    if let Some(f) = out.first_mut() {
                        *f = joined;
                    }
                    let id = self.add(&name, LayerSpec::Concatenate, &ids, out.clone(), vec![])?;
                    Val::Layer { id, view: out }
                }
            }
            "Transpose" => {
                let perm = a.ints("perm").unwrap_or_default();
                match self.val(x).cloned() {
                    Some(Val::Layer { id: _, view }) if perm == [1, 0, 2] && view.len() == 2 => {
                        let (id, _) = self.materialize(x)?;
                        Val::TimeMajor { id }
                    }
                    Some(Val::RnnSeq { id }) if perm == [1, 0, 2] => self.rnn_output(id, true)?,
                    _ => {
                        return Err(
                            "Transpose other than between batch-first and time-major sequences"
                                .into(),
                        );
                    }
                }
            }
            "LSTM" | "GRU" | "RNN" => self.recurrent(n, &a)?,
            "Gemm" | "MatMul" | "Conv" | "MaxPool" | "AveragePool" | "GlobalAveragePool"
            | "BatchNormalization" | "LayerNormalization" => self.weighted(n, op, &a)?,
            "Add" | "Sum" | "Sub" | "Mul" | "Div" | "Pow" | "Sqrt" | "Erf" | "ReduceMean" => {
                self.arith(n, op, &a)?
            }
            other => return Err(format!("{other} is not supported")),
        };
        self.set(out0, v);
        Ok(())
    }
}
