//! Recurrent layers: ONNX's LSTM, GRU and RNN, with their gates put back
//! in PyTorch's order.

use super::Attrs;
use crate::model::{Init, LayerSpec, RnnSpec};
use crate::onnx::import::graph::{Built, Val};
use crate::onnx::proto::NodeProto;

impl Built {
    pub(super) fn recurrent(&mut self, n: &NodeProto, a: &Attrs) -> Result<Val, String> {
        let op = n.op_type.as_deref().unwrap_or("");
        let input = |k: usize| n.input.get(k).map(String::as_str).unwrap_or("");
        let layout = a.i("layout", 0);
        let x = input(0);
        let (src, steps, feats) = match (self.val(x).cloned(), layout) {
            (Some(Val::TimeMajor { id }), 0) => {
                let s = self.shapes.get(&id).cloned().unwrap_or_default();
                (
                    id,
                    s.first().copied().unwrap_or(0),
                    s.get(1).copied().unwrap_or(0),
                )
            }
            (Some(Val::RnnSeq { id }), 0) => {
                let Val::Layer { id, view } = self.rnn_output(id, true)? else {
                    unreachable!()
                };
                (id, view[0], view[1])
            }
            (Some(Val::Layer { view, .. }), 1) if view.len() == 2 => {
                let (id, v) = self.materialize(x)?;
                (id, v[0], v[1])
            }
            _ => {
                return Err(format!(
                    "{op} on something not a sequence [steps, features]"
                ));
            }
        };
        if a.s("direction").is_some_and(|d| d != "forward") {
            return Err(format!("{op} that is not forward-only"));
        }
        if a.get("clip").is_some() || a.i("input_forget", 0) != 0 {
            return Err(format!("{op} with clipping or coupled gates"));
        }
        let default_acts: &[&str] = match op {
            "LSTM" => &["Sigmoid", "Tanh", "Tanh"],
            "GRU" => &["Sigmoid", "Tanh"],
            _ => &["Tanh"],
        };
        if let Some(acts) = a.strings("activations")
            && acts
                .iter()
                .map(String::as_str)
                .ne(default_acts.iter().copied())
        {
            return Err(format!("{op} with activations {acts:?}"));
        }
        if op == "GRU" && a.i("linear_before_reset", 0) != 1 {
            return Err("GRU with linear_before_reset = 0 (PyTorch's GRU has 1)".into());
        }
        if !input(4).is_empty() {
            return Err(format!("{op} with sequence lengths"));
        }
        for k in 5..n.input.len() {
            let i = input(k);
            if i.is_empty() {
                continue;
            }
            let zero = match self.val(i) {
                Some(Val::Zeros) => true,
                Some(Val::Const(c)) => c.floats().iter().all(|v| *v == 0.0),
                _ => false,
            };
            if !zero || (op == "LSTM" && k == 7) {
                return Err(format!("{op} with an initial state or peepholes"));
            }
        }
        let gates = match op {
            "LSTM" => 4,
            "GRU" => 3,
            _ => 1,
        };
        let h = a.i("hidden_size", 0);
        let w = self
            .konst(input(1))
            .ok_or("recurrent weights computed at run time")?
            .clone();
        let r = self
            .konst(input(2))
            .ok_or("recurrent weights computed at run time")?
            .clone();
        let h = if h > 0 {
            h as usize
        } else {
            r.dims.last().copied().unwrap_or(0)
        };
        let g = gates * h;
        if w.dims != [1, g, feats] || r.dims != [1, g, h] || h == 0 {
            return Err(format!(
                "{op} weights of shapes {:?} and {:?} for {feats} features and {h} units",
                w.dims, r.dims
            ));
        }
        let b = if input(3).is_empty() {
            vec![0.0; 2 * g]
        } else {
            let b = self
                .konst(input(3))
                .ok_or("recurrent bias computed at run time")?;
            if b.len() != 2 * g {
                return Err(format!("{op} bias of {} values, not {}", b.len(), 2 * g));
            }
            b.floats()
        };
        // ONNX's gate blocks back into PyTorch's order.
        let spec_for_order = match op {
            "LSTM" => LayerSpec::Lstm(RnnSpec::default()),
            "GRU" => LayerSpec::Gru(RnnSpec::default()),
            _ => LayerSpec::SimpleRnn(RnnSpec::default()),
        };
        let order = crate::onnx::export::onnx_gate_order(&spec_for_order);
        let back = |v: &[f32]| -> Vec<f32> {
            let block = v.len() / order.len();
            let mut out = vec![0.0; v.len()];
            for (p, &t) in order.iter().enumerate() {
                out[t * block..(t + 1) * block].copy_from_slice(&v[p * block..(p + 1) * block]);
            }
            out
        };
        let weights = vec![
            ("weight_ih", vec![g, feats], back(&w.floats())),
            ("weight_hh", vec![g, h], back(&r.floats())),
            ("bias_ih", vec![g], back(&b[..g])),
            ("bias_hh", vec![g], back(&b[g..])),
        ];
        let rs = RnnSpec {
            units: h,
            return_sequences: false,
            init: Init::Default,
        };
        let spec = match op {
            "LSTM" => LayerSpec::Lstm(rs),
            "GRU" => LayerSpec::Gru(rs),
            _ => LayerSpec::SimpleRnn(rs),
        };
        let _ = steps;
        let name = n.name.clone().unwrap_or_default();
        let id = self.add(&name, spec, &[src], vec![h], weights)?;
        if let Some(y) = n.output.first() {
            self.set(y, Val::RnnY { id, layout });
        }
        if let Some(yh) = n.output.get(1) {
            self.set(yh, Val::RnnYh { id, layout });
        }
        if let Some(yc) = n.output.get(2) {
            self.set(yc, Val::Unused);
        }
        Ok(Val::RnnY { id, layout })
    }
}
