//! Element-wise operators: merges of layers, a bias after `MatMul`, and the
//! decomposed LayerNorm and GELU's erf form, followed step by step.

use super::{Attrs, axis_of, is};
use crate::model::infer::numel;
use crate::model::{Activation, LayerSpec};
use crate::onnx::import::graph::{Built, NormStage, Val};
use crate::onnx::proto::NodeProto;

impl Built {
    /// Element-wise arithmetic: layer merges, biases after MatMul, the
    /// decomposed LayerNorm and GELU's erf form.
    pub(super) fn arith(&mut self, n: &NodeProto, op: &str, a: &Attrs) -> Result<Val, String> {
        let ins: Vec<String> = n.input.clone();
        let va: Vec<Option<Val>> = ins.iter().map(|i| self.val(i).cloned()).collect();
        let name = n.name.clone().unwrap_or_default();
        let c_of = |v: &Option<Val>| match v {
            Some(Val::Const(c)) => Some(c.clone()),
            _ => None,
        };
        if va.iter().any(|v| matches!(v, Some(Val::Shape))) {
            return Ok(Val::Shape);
        }
        let first = va.first().cloned().flatten();
        let second = va.get(1).cloned().flatten();
        let x0 = ins.first().cloned().unwrap_or_default();
        let x1 = ins.get(1).cloned().unwrap_or_default();
        match op {
            "ReduceMean" => {
                let axes = a
                    .ints("axes")
                    .or_else(|| c_of(&second).and_then(|c| c.ints().map(<[i64]>::to_vec)));
                let over_last = |view: &[usize]| {
                    matches!(axes.as_deref(), Some([ax]) if axis_of(*ax, view.len()) == Some(view.len()))
                        && view.len() == 1
                };
                match first {
                    Some(Val::Layer { view, .. })
                        if over_last(&view) && a.i("keepdims", 1) == 1 =>
                    {
                        Ok(Val::Norm {
                            of: x0,
                            stage: NormStage::Mean,
                            eps: 0.0,
                        })
                    }
                    Some(Val::Norm {
                        of,
                        stage: NormStage::Squared,
                        ..
                    }) => Ok(Val::Norm {
                        of,
                        stage: NormStage::Variance,
                        eps: 0.0,
                    }),
                    _ => Err(
                        "ReduceMean other than in LayerNorm's decomposed form over a flat sample"
                            .into(),
                    ),
                }
            }
            "Sub" => match (&first, &second) {
                (
                    Some(Val::Layer { .. }),
                    Some(Val::Norm {
                        of,
                        stage: NormStage::Mean,
                        ..
                    }),
                ) if *of == x0 => Ok(Val::Norm {
                    of: of.clone(),
                    stage: NormStage::Centred,
                    eps: 0.0,
                }),
                _ => Err("Sub other than in LayerNorm's decomposed form".into()),
            },
            "Pow" => match (&first, c_of(&second).and_then(|c| c.scalar())) {
                (
                    Some(Val::Norm {
                        of,
                        stage: NormStage::Centred,
                        ..
                    }),
                    Some(p),
                ) if is(p, 2.0) => Ok(Val::Norm {
                    of: of.clone(),
                    stage: NormStage::Squared,
                    eps: 0.0,
                }),
                _ => Err("Pow other than in LayerNorm's decomposed form".into()),
            },
            "Sqrt" => match first {
                Some(Val::Norm {
                    of,
                    stage: NormStage::VarEps,
                    eps,
                }) => Ok(Val::Norm {
                    of,
                    stage: NormStage::Std,
                    eps,
                }),
                _ => Err("Sqrt other than in LayerNorm's decomposed form".into()),
            },
            "Erf" => match first {
                Some(Val::Gelu { of, stage: 1 }) => Ok(Val::Gelu { of, stage: 2 }),
                _ => Err("Erf other than in GELU".into()),
            },
            "Div" => match (&first, &second) {
                (
                    Some(Val::Norm {
                        of,
                        stage: NormStage::Centred,
                        ..
                    }),
                    Some(Val::Norm {
                        of: of2,
                        stage: NormStage::Std,
                        eps,
                    }),
                ) if of == of2 => {
                    let (_, view) = self
                        .layer_view(of)
                        .ok_or("LayerNorm of something not a layer")?;
                    let len = numel(&view) as usize;
                    let of = of.clone();
                    let (src, _) = self.materialize(&of)?;
                    let id = self.add(
                        &name,
                        LayerSpec::LayerNorm { eps: *eps },
                        &[src],
                        view.clone(),
                        vec![
                            ("weight", vec![len], vec![1.0; len]),
                            ("bias", vec![len], vec![0.0; len]),
                        ],
                    )?;
                    self.open_affine.insert(id, 0);
                    Ok(Val::Layer { id, view })
                }
                (Some(Val::Layer { .. }), Some(Val::Const(c)))
                    if c.scalar().is_some_and(|v| is(v, std::f32::consts::SQRT_2)) =>
                {
                    Ok(Val::Gelu { of: x0, stage: 1 })
                }
                _ => Err("Div other than in LayerNorm's decomposed form or GELU".into()),
            },
            "Mul" => {
                let (l, lname, r) = match (&first, &second) {
                    (Some(Val::Const(_)), _) => (second.clone(), x1.clone(), first.clone()),
                    _ => (first.clone(), x0.clone(), second.clone()),
                };
                match (&l, &r) {
                    (Some(Val::Layer { .. }), Some(Val::Gelu { of, stage: 3 })) if *of == lname => {
                        Ok(Val::Gelu {
                            of: of.clone(),
                            stage: 4,
                        })
                    }
                    (Some(Val::Gelu { of, stage: 3 }), Some(Val::Layer { .. })) if *of == x1 => {
                        Ok(Val::Gelu {
                            of: of.clone(),
                            stage: 4,
                        })
                    }
                    (Some(Val::Gelu { of, stage: 4 }), Some(Val::Const(c)))
                        if c.scalar().is_some_and(|v| is(v, 0.5)) =>
                    {
                        let (_, view) =
                            self.layer_view(of).ok_or("GELU of something not a layer")?;
                        let of = of.clone();
                        let (src, _) = self.materialize(&of)?;
                        let id = self.add(
                            &name,
                            LayerSpec::Activation(Activation::Gelu),
                            &[src],
                            view.clone(),
                            vec![],
                        )?;
                        Ok(Val::Layer { id, view })
                    }
                    (Some(Val::Layer { id, view }), Some(Val::Const(c)))
                        if self.open_affine.get(id) == Some(&0) =>
                    {
                        let len = numel(view) as usize;
                        let f = c.floats();
                        if f.len() != len && f.len() != 1 {
                            return Err("a LayerNorm scale not one per value".into());
                        }
                        let (id, view) = (*id, view.clone());
                        if let Some(w) = self.weight_mut(id, "weight") {
                            w.2 = if f.len() == 1 { vec![f[0]; len] } else { f };
                        }
                        self.open_affine.insert(id, 1);
                        Ok(Val::Layer { id, view })
                    }
                    _ => Err("Mul other than in GELU or a LayerNorm's scale".into()),
                }
            }
            "Add" | "Sum" => {
                if op == "Add" {
                    let (l, r) = match (&first, &second) {
                        (Some(Val::Const(_)), _) => (second.clone(), first.clone()),
                        _ => (first.clone(), second.clone()),
                    };
                    match (&l, &r) {
                        (
                            Some(Val::Norm {
                                of,
                                stage: NormStage::Variance,
                                ..
                            }),
                            Some(Val::Const(c)),
                        ) if c.scalar().is_some() => {
                            return Ok(Val::Norm {
                                of: of.clone(),
                                stage: NormStage::VarEps,
                                eps: c.scalar().unwrap_or(0.0),
                            });
                        }
                        (Some(Val::Gelu { of, stage: 2 }), Some(Val::Const(c)))
                            if c.scalar().is_some_and(|v| is(v, 1.0)) =>
                        {
                            return Ok(Val::Gelu {
                                of: of.clone(),
                                stage: 3,
                            });
                        }
                        (Some(Val::Layer { id, view }), Some(Val::Const(c))) => {
                            let (id, view) = (*id, view.clone());
                            let shape = self.shapes.get(&id).cloned().unwrap_or_default();
                            let f = c.floats();
                            let len = numel(&view) as usize;
                            if shape == view && self.open_bias.remove(&id) && f.len() == len {
                                if let Some(LayerSpec::Dense(d)) = self.spec_mut(id) {
                                    d.bias = true;
                                }
                                if let Some(w) = self.weights.get_mut(&id) {
                                    w.push(("bias", vec![len], f));
                                }
                                return Ok(Val::Layer { id, view });
                            }
                            if shape == view
                                && self.open_affine.get(&id).is_some_and(|s| *s <= 1)
                                && (f.len() == len || f.len() == 1)
                            {
                                if let Some(w) = self.weight_mut(id, "bias") {
                                    w.2 = if f.len() == 1 { vec![f[0]; len] } else { f };
                                }
                                self.open_affine.insert(id, 2);
                                return Ok(Val::Layer { id, view });
                            }
                            return Err("Add of a constant other than a bias".into());
                        }
                        _ => {}
                    }
                }
                let mut ids = Vec::new();
                let mut view0: Option<Vec<usize>> = None;
                for i in &ins {
                    let (_, view) = self
                        .layer_view(i)
                        .ok_or(format!("{op} of something not a layer"))?;
                    if view0.as_ref().is_some_and(|v| *v != view) {
                        return Err(format!("{op} of different shapes"));
                    }
                    view0.get_or_insert(view);
                    ids.push(self.materialize(i)?.0);
                }
                let view = view0.unwrap_or_default();
                if ids.len() < 2 {
                    return Err(format!("{op} of fewer than two layers"));
                }
                let id = self.add(&name, LayerSpec::Add, &ids, view.clone(), vec![])?;
                Ok(Val::Layer { id, view })
            }
            _ => Err(format!("{op} is not supported")),
        }
    }
}
