//! The project graph an import builds: layers with their per-sample output
//! shapes and weights, and the ONNX values that stand for them.

use std::collections::{BTreeMap, BTreeSet};

use super::tensor::Const;
use crate::model::{Graph, LayerSpec, NodeId};

/// What an ONNX value is, as far as the import has understood it.
#[derive(Clone, Debug)]
pub enum Val {
    /// The output of a project layer, seen by ONNX with shape `view` per
    /// sample (the same number of values as the layer's own shape).
    Layer {
        /// The layer.
        id: NodeId,
        /// Per-sample shape as ONNX has it.
        view: Vec<usize>,
    },
    /// A constant.
    Const(Const),
    /// A shape computed from the input at run time (`Shape`, and what
    /// `Gather`, `Unsqueeze`, `Concat` make of it).
    Shape,
    /// Zeros of a run-time shape (`ConstantOfShape` of 0).
    Zeros,
    /// A layer's `[steps, features]` output transposed to time-major.
    TimeMajor {
        /// The layer.
        id: NodeId,
    },
    /// A recurrent node's `Y` (`[T, 1, N, H]`, or `[N, T, 1, H]` with layout 1).
    RnnY {
        /// The recurrent layer.
        id: NodeId,
        /// ONNX's `layout` attribute.
        layout: i64,
    },
    /// A recurrent node's `Y_h` (`[1, N, H]`, or `[N, 1, H]` with layout 1).
    RnnYh {
        /// The recurrent layer.
        id: NodeId,
        /// ONNX's `layout` attribute.
        layout: i64,
    },
    /// `Y` with its direction axis squeezed: `[T, N, H]`.
    RnnSeq {
        /// The recurrent layer.
        id: NodeId,
    },
    /// The last step of a sequence kept as `[1, H]` (a `Slice`).
    LastStep {
        /// The recurrent layer.
        id: NodeId,
    },
    /// Steps of the decomposed LayerNorm over the value named `of`.
    Norm {
        /// The value normalised.
        of: String,
        /// How far: mean, centred, squared, variance, variance + eps, std.
        stage: NormStage,
        /// The epsilon once added.
        eps: f32,
    },
    /// Steps of GELU's erf form over the value named `of`.
    Gelu {
        /// The value.
        of: String,
        /// 1: x/√2, 2: erf, 3: +1, 4: x·(…).
        stage: u8,
    },
    /// An output nothing may use (a Dropout mask, an LSTM's `Y_c`).
    Unused,
}

/// Stages of the decomposed LayerNorm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NormStage {
    /// `ReduceMean(x)`.
    Mean,
    /// `x − mean`.
    Centred,
    /// `(x − mean)²`.
    Squared,
    /// Mean of the squares.
    Variance,
    /// Variance + eps.
    VarEps,
    /// √(variance + eps).
    Std,
}

/// One weight tensor of a layer: engine name, shape, values.
pub type Weight = (&'static str, Vec<usize>, Vec<f32>);

/// The graph being built.
#[derive(Default)]
pub struct Built {
    /// The project graph.
    pub graph: Graph,
    /// Each layer's per-sample output shape.
    pub shapes: BTreeMap<NodeId, Vec<usize>>,
    /// Each layer's weights (and BatchNorm's running statistics).
    pub weights: BTreeMap<NodeId, Vec<Weight>>,
    /// Dense layers made from a `MatMul` whose bias may still come.
    pub open_bias: BTreeSet<NodeId>,
    /// LayerNorms made from the decomposed form whose scale and shift may
    /// still come (`Mul`, `Add`).
    pub open_affine: BTreeMap<NodeId, u8>,
    /// ONNX values by name.
    pub vals: BTreeMap<String, Val>,
    names: BTreeSet<String>,
}

/// A layer name from an ONNX node name: `/fc1/Gemm` → `fc1`.
fn layer_name(onnx_name: &str, kind: &str) -> String {
    let trimmed = onnx_name.trim_matches('/');
    let base = trimmed
        .rsplit_once('/')
        .map_or(trimmed, |(head, _)| head)
        .replace('/', ".");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(40).collect();
    if clean.is_empty() {
        kind.to_lowercase()
    } else {
        clean
    }
}

impl Built {
    /// Adds a layer fed by `inputs`, named after the ONNX node.
    pub fn add(
        &mut self,
        onnx_name: &str,
        spec: LayerSpec,
        inputs: &[NodeId],
        shape: Vec<usize>,
        weights: Vec<Weight>,
    ) -> Result<NodeId, String> {
        let base = layer_name(onnx_name, spec.kind_name());
        let mut name = base.clone();
        let mut k = 2;
        while self.names.contains(&name) {
            name = format!("{base} {k}");
            k += 1;
        }
        self.names.insert(name.clone());
        let id = self.graph.add_node(name, spec, [0.0, 0.0]);
        for i in inputs {
            self.graph
                .connect(*i, id)
                .map_err(|e| format!("cannot wire the layer: {e}"))?;
        }
        self.shapes.insert(id, shape);
        self.weights.insert(id, weights);
        Ok(id)
    }

    /// The value named `name`, if known.
    pub fn val(&self, name: &str) -> Option<&Val> {
        self.vals.get(name)
    }

    /// A layer whose output has exactly the shape `value` has in ONNX:
    /// the layer itself, or a Flatten/Reshape added after it.
    pub fn materialize(&mut self, name: &str) -> Result<(NodeId, Vec<usize>), String> {
        let Some(Val::Layer { id, view }) = self.vals.get(name).cloned() else {
            return Err(format!(
                "{name:?} is not the output of a layer this import understood"
            ));
        };
        let shape = self.shapes.get(&id).cloned().unwrap_or_default();
        if shape == view {
            return Ok((id, view));
        }
        let spec = if view.len() == 1 {
            LayerSpec::Flatten
        } else {
            LayerSpec::Reshape {
                shape: view.clone(),
            }
        };
        let node_name = format!("{name}/reshape");
        let new = self.add(&node_name, spec, &[id], view.clone(), Vec::new())?;
        self.vals.insert(
            name.to_string(),
            Val::Layer {
                id: new,
                view: view.clone(),
            },
        );
        Ok((new, view))
    }

    /// Sets a layer's output shape (recurrent layers switching between the
    /// whole sequence and the last step).
    pub fn set_shape(&mut self, id: NodeId, shape: Vec<usize>) {
        self.shapes.insert(id, shape);
    }

    /// The spec of a layer.
    pub fn spec(&self, id: NodeId) -> Option<&LayerSpec> {
        self.graph.node(id).map(|n| &n.spec)
    }

    /// The spec of a layer, to change.
    pub fn spec_mut(&mut self, id: NodeId) -> Option<&mut LayerSpec> {
        self.graph.node_mut(id).map(|n| &mut n.spec)
    }

    /// A layer's weight by engine name, to change.
    pub fn weight_mut(&mut self, id: NodeId, name: &str) -> Option<&mut Weight> {
        self.weights
            .get_mut(&id)
            .and_then(|w| w.iter_mut().find(|t| t.0 == name))
    }
}
