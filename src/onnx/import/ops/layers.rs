//! Layers with weights or windows: Gemm and MatMul (Dense), Conv,
//! pooling, BatchNormalization and LayerNormalization.

use super::{Attrs, axis_of, same_pads, slide};
use crate::model::infer::numel;
use crate::model::{
    BatchNormSpec, Conv2DSpec, DenseSpec, Init, LayerSpec, Padding, PoolSpec, Units,
};
use crate::onnx::import::graph::{Built, Val};
use crate::onnx::proto::NodeProto;

impl Built {
    /// One of the operators above as a layer.
    pub(super) fn weighted(&mut self, n: &NodeProto, op: &str, a: &Attrs) -> Result<Val, String> {
        let input = |k: usize| n.input.get(k).map(String::as_str).unwrap_or("");
        let x = input(0);
        let v = match op {
            "Gemm" | "MatMul" => {
                let (_, view) = self
                    .layer_view(x)
                    .ok_or("a product of something not a layer")?;
                if view.len() != 1 {
                    return Err("a product over the last axis of a sample with several axes".into());
                }
                let b = self
                    .konst(input(1))
                    .ok_or("a product with weights computed at run time")?
                    .clone();
                let [r, c] = b.dims[..] else {
                    return Err("a product with weights that are not a matrix".into());
                };
                let (trans_a, trans_b) = if op == "Gemm" {
                    (a.i("transA", 0), a.i("transB", 0))
                } else {
                    (0, 0)
                };
                if trans_a != 0 {
                    return Err("Gemm with transA".into());
                }
                let alpha = if op == "Gemm" { a.f("alpha", 1.0) } else { 1.0 };
                let beta = if op == "Gemm" { a.f("beta", 1.0) } else { 1.0 };
                let bv = b.floats();
                let (units, inputs) = if trans_b != 0 { (r, c) } else { (c, r) };
                if inputs != view[0] {
                    return Err(format!("weights for {inputs} inputs on {} values", view[0]));
                }
                let mut w = vec![0.0f32; units * inputs];
                for o in 0..units {
                    for i in 0..inputs {
                        let src = if trans_b != 0 {
                            o * inputs + i
                        } else {
                            i * units + o
                        };
                        w[o * inputs + i] = alpha * bv[src];
                    }
                }
                let mut weights = vec![("weight", vec![units, inputs], w)];
                let bias = if op == "Gemm" && !input(2).is_empty() {
                    let c = self.konst(input(2)).ok_or("a bias computed at run time")?;
                    let f = c.floats();
                    let full: Vec<f32> = match f.len() {
                        1 => vec![beta * f[0]; units],
                        l if l == units => f.iter().map(|v| beta * v).collect(),
                        _ => return Err("a bias that is not one per unit".into()),
                    };
                    weights.push(("bias", vec![units], full));
                    true
                } else {
                    false
                };
                let spec = LayerSpec::Dense(DenseSpec {
                    units: Units::Fixed(units),
                    bias,
                    init: Init::Default,
                });
                let v = self.unary(n, x, spec, vec![units], weights)?;
                if let (false, Val::Layer { id, .. }) = (bias, &v) {
                    self.open_bias.insert(*id);
                }
                v
            }
            "Conv" => {
                let (_, view) = self.layer_view(x).ok_or("Conv of something not a layer")?;
                let [ch, h, w] = view[..] else {
                    return Err("Conv of something not an image C×H×W".into());
                };
                let wt = self
                    .konst(input(1))
                    .ok_or("Conv with weights computed at run time")?
                    .clone();
                let [f, c2, kh, kw] = wt.dims[..] else {
                    return Err("Conv weights that are not 4-D".into());
                };
                if c2 != ch || kh != kw || a.i("group", 1) != 1 {
                    return Err("Conv with groups or a kernel that is not square".into());
                }
                if a.ints("dilations")
                    .is_some_and(|d| d.iter().any(|&v| v != 1))
                {
                    return Err("Conv with dilation".into());
                }
                let strides = a.ints("strides").unwrap_or(vec![1, 1]);
                let s = strides.first().copied().unwrap_or(1);
                if strides.iter().any(|&v| v != s) || s < 1 {
                    return Err("Conv with different strides along height and width".into());
                }
                let s = s as usize;
                let pads = a.ints("pads").unwrap_or(vec![0; 4]);
                let auto = a.s("auto_pad").unwrap_or_else(|| "NOTSET".into());
                let padding = if auto == "SAME_UPPER"
                    || pads == same_pads(h, w, kh, s) && pads.iter().any(|&p| p != 0)
                {
                    Padding::Same
                } else if (auto == "VALID" || auto == "NOTSET") && pads.iter().all(|&p| p == 0) {
                    Padding::Valid
                } else {
                    return Err(format!(
                        "Conv padding {pads:?} ({auto}) is neither 'same' nor 'valid'"
                    ));
                };
                let out = match padding {
                    Padding::Same => vec![f, h.div_ceil(s), w.div_ceil(s)],
                    Padding::Valid => vec![f, slide(h, kh, s)?, slide(w, kh, s)?],
                };
                let mut weights = vec![("weight", wt.dims.clone(), wt.floats())];
                let bias = !input(2).is_empty();
                if bias {
                    let b = self.konst(input(2)).ok_or("a bias computed at run time")?;
                    if b.len() != f {
                        return Err("a Conv bias that is not one per filter".into());
                    }
                    weights.push(("bias", vec![f], b.floats()));
                }
                let spec = LayerSpec::Conv2D(Conv2DSpec {
                    filters: f,
                    kernel: kh,
                    stride: s,
                    padding,
                    bias,
                    init: Init::Default,
                });
                self.unary(n, x, spec, out, weights)?
            }
            "MaxPool" | "AveragePool" => {
                let (_, view) = self
                    .layer_view(x)
                    .ok_or("pooling of something not a layer")?;
                let [ch, h, w] = view[..] else {
                    return Err("pooling of something not an image C×H×W".into());
                };
                let k = a.ints("kernel_shape").unwrap_or_default();
                let strides = a.ints("strides").unwrap_or(vec![1, 1]);
                let pads = a.ints("pads").unwrap_or(vec![0; 4]);
                let ok = k.len() == 2
                    && k[0] == k[1]
                    && strides.len() == 2
                    && strides[0] == strides[1]
                    && k[0] > 0
                    && strides[0] > 0
                    && pads.iter().all(|&p| p == 0)
                    && a.i("ceil_mode", 0) == 0
                    && a.ints("dilations")
                        .is_none_or(|d| d.iter().all(|&v| v == 1))
                    && a.s("auto_pad")
                        .is_none_or(|s| s == "NOTSET" || s == "VALID");
                if !ok {
                    return Err(
                        "pooling with padding, ceil mode, dilation or a window that is not square"
                            .into(),
                    );
                }
                let (size, stride) = (k[0] as usize, strides[0] as usize);
                let out = vec![ch, slide(h, size, stride)?, slide(w, size, stride)?];
                let p = PoolSpec { size, stride };
                let spec = if op == "MaxPool" {
                    LayerSpec::MaxPool2D(p)
                } else {
                    LayerSpec::AvgPool2D(p)
                };
                if n.output.len() > 1 {
                    self.set(&n.output[1], Val::Unused);
                }
                self.unary(n, x, spec, out, vec![])?
            }
            "GlobalAveragePool" => {
                let (_, view) = self
                    .layer_view(x)
                    .ok_or("pooling of something not a layer")?;
                let [ch, _, _] = view[..] else {
                    return Err("global pooling of something not an image C×H×W".into());
                };
                let v = self.unary(n, x, LayerSpec::GlobalAvgPool, vec![ch], vec![])?;
                match v {
                    Val::Layer { id, .. } => Val::Layer {
                        id,
                        view: vec![ch, 1, 1],
                    },
                    other => other,
                }
            }
            "BatchNormalization" => {
                let (_, view) = self
                    .layer_view(x)
                    .ok_or("BatchNorm of something not a layer")?;
                if a.i("training_mode", 0) != 0 {
                    return Err("BatchNormalization in training mode".into());
                }
                let c = view[0];
                if view.len() != 1 && view.len() != 3 {
                    return Err("BatchNorm of something neither flat nor an image".into());
                }
                let mut weights = Vec::new();
                for (k, nm) in [
                    (1, "weight"),
                    (2, "bias"),
                    (3, "running_mean"),
                    (4, "running_var"),
                ] {
                    let t = self
                        .konst(input(k))
                        .ok_or("BatchNorm statistics computed at run time")?;
                    if t.len() != c {
                        return Err("BatchNorm statistics not one per channel".into());
                    }
                    weights.push((nm, vec![c], t.floats()));
                }
                for o in n.output.iter().skip(1) {
                    self.set(o, Val::Unused);
                }
                let spec = LayerSpec::BatchNorm(BatchNormSpec {
                    momentum: 1.0 - a.f("momentum", 0.9),
                    eps: a.f("epsilon", 1e-5),
                });
                self.unary(n, x, spec, view, weights)?
            }
            "LayerNormalization" => {
                let (_, view) = self
                    .layer_view(x)
                    .ok_or("LayerNorm of something not a layer")?;
                let axis = axis_of(a.i("axis", -1), view.len());
                if axis != Some(1) {
                    return Err(
                        "LayerNorm over part of a sample; only over all of it is a layer".into(),
                    );
                }
                let len = numel(&view) as usize;
                let scale = self
                    .konst(input(1))
                    .ok_or("LayerNorm scale computed at run time")?
                    .floats();
                let bias = if input(2).is_empty() {
                    vec![0.0; len]
                } else {
                    self.konst(input(2))
                        .ok_or("LayerNorm bias computed at run time")?
                        .floats()
                };
                if scale.len() != len || bias.len() != len {
                    return Err("LayerNorm scale or bias not one per value".into());
                }
                for o in n.output.iter().skip(1) {
                    self.set(o, Val::Unused);
                }
                let spec = LayerSpec::LayerNorm {
                    eps: a.f("epsilon", 1e-5),
                };
                self.unary(
                    n,
                    x,
                    spec,
                    view,
                    vec![("weight", vec![len], scale), ("bias", vec![len], bias)],
                )?
            }
            other => return Err(format!("{other} is not supported")),
        };
        Ok(v)
    }
}
