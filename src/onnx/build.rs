//! Small helpers to assemble ONNX messages: attributes, initialisers,
//! value infos and a graph under construction. Only the generated
//! `proto` types are built here; prost does all encoding.

use super::proto::{
    AttributeProto, NodeProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto, type_proto,
};

/// An integer attribute.
pub fn attr_i(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Int as i32),
        i: Some(v),
        ..Default::default()
    }
}

/// A float attribute.
pub fn attr_f(name: &str, v: f32) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Float as i32),
        f: Some(v),
        ..Default::default()
    }
}

/// A list-of-integers attribute.
pub fn attr_ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Ints as i32),
        ints: v.to_vec(),
        ..Default::default()
    }
}

/// A float32 tensor (little-endian raw data).
pub fn tensor_f32(name: &str, dims: &[usize], values: &[f32]) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: Some(DataType::Float as i32),
        raw_data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..Default::default()
    }
}

/// An int64 tensor (little-endian raw data).
pub fn tensor_i64(name: &str, dims: &[usize], values: &[i64]) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: Some(DataType::Int64 as i32),
        raw_data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..Default::default()
    }
}

/// A float32 tensor value `[batch, shape…]` with a symbolic batch dimension.
pub fn value_info(name: &str, batch: &str, shape: &[usize]) -> ValueInfoProto {
    let mut dim = vec![tensor_shape_proto::Dimension {
        value: Some(tensor_shape_proto::dimension::Value::DimParam(batch.into())),
        ..Default::default()
    }];
    dim.extend(shape.iter().map(|&d| tensor_shape_proto::Dimension {
        value: Some(tensor_shape_proto::dimension::Value::DimValue(d as i64)),
        ..Default::default()
    }));
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(DataType::Float as i32),
                shape: Some(TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Nodes and initialisers of a graph being built, with unique names.
#[derive(Default)]
pub struct GraphBuilder {
    /// The nodes, in topological order.
    pub nodes: Vec<NodeProto>,
    /// The initialisers (weights and constant shapes).
    pub initializers: Vec<TensorProto>,
    used: std::collections::BTreeSet<String>,
}

impl GraphBuilder {
    /// A name not used yet, `base` itself if free, else `base_2`, `base_3`…
    pub fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut k = 2;
        while self.used.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        self.used.insert(name.clone());
        name
    }

    /// Marks a name as taken (graph inputs and outputs).
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_string());
    }

    /// Adds a node computing `outputs` from `inputs`; its name is the
    /// first output's.
    pub fn node(
        &mut self,
        op: &str,
        inputs: &[&str],
        outputs: &[&str],
        attribute: Vec<AttributeProto>,
    ) {
        self.nodes.push(NodeProto {
            name: outputs.first().map(|s| s.to_string()),
            op_type: Some(op.into()),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: outputs.iter().map(|s| s.to_string()).collect(),
            attribute,
            ..Default::default()
        });
    }

    /// Adds a one-output node whose output gets a fresh name from `base`;
    /// returns that name.
    pub fn op(
        &mut self,
        op: &str,
        inputs: &[&str],
        base: &str,
        attribute: Vec<AttributeProto>,
    ) -> String {
        let out = self.fresh(base);
        self.node(op, inputs, &[&out], attribute);
        out
    }

    /// Adds a float32 initialiser under a fresh name from `base`.
    pub fn weight(&mut self, base: &str, dims: &[usize], values: &[f32]) -> String {
        let name = self.fresh(base);
        self.initializers.push(tensor_f32(&name, dims, values));
        name
    }

    /// Adds an int64 initialiser (a shape, axes, a perm) under a fresh name.
    pub fn ints(&mut self, base: &str, values: &[i64]) -> String {
        let name = self.fresh(base);
        self.initializers
            .push(tensor_i64(&name, &[values.len()], values));
        name
    }
}
