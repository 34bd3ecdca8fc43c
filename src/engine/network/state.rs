//! Saving and loading a [`Network`]'s weights and buffers.

use super::Network;
use crate::engine::{EngineError, Float};

/// One saved tensor: `("{node}.{param or buffer}", logical shape, values in
/// row-major order)`.
pub type StateEntry<F> = (String, Vec<usize>, Vec<F>);

impl<F: Float> Network<F> {
    /// Every parameter and buffer as `("{node}.{name}", shape, values)`, in
    /// the order of [`Network::params`] with each node's buffers after its
    /// parameters. Buffers have shape `[len]`.
    pub fn state_dict(&self) -> Vec<StateEntry<F>> {
        let mut out = Vec::new();
        for n in &self.nodes {
            for p in n.layer.params() {
                out.push((
                    format!("{}.{}", n.name, p.name),
                    p.shape.clone(),
                    p.value.iter().copied().collect(),
                ));
            }
            for (name, values) in n.layer.buffers() {
                out.push((format!("{}.{name}", n.name), vec![values.len()], values));
            }
        }
        out
    }

    /// Loads weights saved by [`Network::state_dict`]. Strict like
    /// PyTorch's default: every parameter and buffer must be present with
    /// its shape, and no unknown entry may appear. Nothing is changed
    /// unless everything fits.
    ///
    /// # Errors
    /// A missing, unknown or mis-shaped entry.
    pub fn load_state_dict(&mut self, entries: &[StateEntry<F>]) -> Result<(), EngineError> {
        let find = |key: &str| entries.iter().find(|e| e.0 == key);
        let mut known = 0usize;
        for n in &self.nodes {
            for p in n.layer.params() {
                let key = format!("{}.{}", n.name, p.name);
                let Some((_, shape, values)) = find(&key) else {
                    return Err(EngineError::StateDict(format!("missing {key}")));
                };
                if *shape != p.shape || values.len() != p.value.len() {
                    return Err(EngineError::Shape {
                        what: key,
                        expected: p.shape.clone(),
                        got: shape.clone(),
                    });
                }
                known += 1;
            }
            for (name, current) in n.layer.buffers() {
                let key = format!("{}.{name}", n.name);
                let Some((_, shape, values)) = find(&key) else {
                    return Err(EngineError::StateDict(format!("missing {key}")));
                };
                if values.len() != current.len() {
                    return Err(EngineError::Shape {
                        what: key,
                        expected: vec![current.len()],
                        got: shape.clone(),
                    });
                }
                known += 1;
            }
        }
        if known != entries.len() {
            let unknown = entries
                .iter()
                .find(|e| {
                    !self.nodes.iter().any(|n| {
                        e.0.strip_prefix(n.name.as_str())
                            .and_then(|r| r.strip_prefix('.'))
                            .is_some_and(|r| {
                                n.layer.params().iter().any(|p| p.name == r)
                                    || n.layer.buffers().iter().any(|b| b.0 == r)
                            })
                    })
                })
                .map_or_else(|| "a duplicate entry".to_string(), |e| e.0.clone());
            return Err(EngineError::StateDict(format!("unexpected {unknown}")));
        }
        for n in &mut self.nodes {
            let name = n.name.clone();
            for p in n.layer.params_mut() {
                if let Some((_, _, values)) = find(&format!("{name}.{}", p.name)) {
                    for (v, &x) in p.value.iter_mut().zip(values) {
                        *v = x;
                    }
                }
            }
            let buffer_names: Vec<&'static str> = n.layer.buffers().iter().map(|b| b.0).collect();
            for b in buffer_names {
                if let Some((_, _, values)) = find(&format!("{name}.{b}")) {
                    n.layer.set_buffer(b, values);
                }
            }
        }
        Ok(())
    }
}
