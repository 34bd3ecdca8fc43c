//! [`OldNet`]: the tensors of a network before a change, by graph node id.

use std::collections::BTreeMap;

use crate::engine::Network;
use crate::engine::network::StateEntry;
use crate::engine::optim::Optimizer;
use crate::model::NodeId;

/// One tensor of the network before the change: a parameter or a buffer,
/// with its optimizer state when it had any.
///
/// # Shapes
/// `values` is the row-major flattening of `shape`; each `state` slot has
/// as many values.
#[derive(Clone, Debug, PartialEq)]
pub struct OldTensor {
    /// The layer's name for it (`weight`, `bias`, `weight_ih`, `running_var`…).
    pub name: String,
    /// Logical shape in PyTorch's layout.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub values: Vec<f32>,
    /// The optimizer's state tensors (Adam's `m` and `v`, a momentum
    /// buffer…), each as long as `values`; empty when there was none.
    pub state: Vec<Vec<f32>>,
}

/// Every tensor of a network before a change, grouped by the graph node
/// they belong to; what [`super::transfer`] carries into the new network.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OldNet {
    /// Each node's tensors, in the layer's order.
    pub nodes: BTreeMap<NodeId, Vec<OldTensor>>,
    /// Whether every node of the old network is listed, parameter-free ones
    /// too (from a network); a weights file lists only nodes with tensors,
    /// so a parameter-free node is then taken to be the same as before.
    pub complete: bool,
}

impl OldNet {
    /// The tensors of a running network (`ids[i]` is engine node `i`'s graph
    /// node) with the optimizer's state, if given.
    pub fn from_network(
        network: &Network<f32>,
        ids: &[NodeId],
        optimizer: Option<&Optimizer<f32>>,
    ) -> Self {
        let mut nodes = BTreeMap::new();
        let mut k = 0usize;
        for (i, node) in network.nodes().iter().enumerate() {
            let mut tensors = Vec::new();
            for p in node.layer.params() {
                let state = optimizer
                    .and_then(|o| o.state.get(k))
                    .map(|slots| {
                        slots
                            .iter()
                            .filter(|s| s.len() == p.value.len())
                            .map(|s| s.iter().copied().collect())
                            .collect()
                    })
                    .unwrap_or_default();
                k += 1;
                tensors.push(OldTensor {
                    name: p.name.to_string(),
                    shape: p.shape.clone(),
                    values: p.value.iter().copied().collect(),
                    state,
                });
            }
            for (name, values) in node.layer.buffers() {
                tensors.push(OldTensor {
                    name: name.to_string(),
                    shape: vec![values.len()],
                    values,
                    state: Vec::new(),
                });
            }
            if let Some(id) = ids.get(i) {
                nodes.insert(*id, tensors);
            }
        }
        Self {
            nodes,
            complete: true,
        }
    }

    /// The tensors of a weights file (`n{id}_{name}.{tensor}` keys, as
    /// [`Network::state_dict`] names them); entries whose key has no node
    /// id are ignored and returned.
    pub fn from_state_dict(entries: &[StateEntry<f32>]) -> (Self, Vec<String>) {
        let mut nodes: BTreeMap<NodeId, Vec<OldTensor>> = BTreeMap::new();
        let mut ignored = Vec::new();
        for (key, shape, values) in entries {
            match parse_key(key) {
                Some((id, name)) => nodes.entry(id).or_default().push(OldTensor {
                    name: name.to_string(),
                    shape: shape.clone(),
                    values: values.clone(),
                    state: Vec::new(),
                }),
                None => ignored.push(key.clone()),
            }
        }
        (
            Self {
                nodes,
                complete: false,
            },
            ignored,
        )
    }

    /// Node `id`'s tensor `name`.
    pub fn tensor(&self, id: NodeId, name: &str) -> Option<&OldTensor> {
        self.nodes.get(&id)?.iter().find(|t| t.name == name)
    }

    /// Whether node `id` existed (with or without tensors).
    pub fn has(&self, id: NodeId) -> bool {
        self.nodes.contains_key(&id)
    }
}

/// `n12_hidden_1.weight` → `(NodeId(12), "weight")`.
fn parse_key(key: &str) -> Option<(NodeId, &str)> {
    let (node, tensor) = key.rsplit_once('.')?;
    let rest = node.strip_prefix('n')?;
    let digits: &str = rest.split('_').next()?;
    let id = digits.parse::<u32>().ok()?;
    Some((NodeId(id), tensor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_node() {
        assert_eq!(
            parse_key("n12_hidden_1.weight"),
            Some((NodeId(12), "weight"))
        );
        assert_eq!(
            parse_key("n3_bn.running_var"),
            Some((NodeId(3), "running_var"))
        );
        assert_eq!(parse_key("weight"), None);
        assert_eq!(parse_key("nx_a.weight"), None);
    }
}
