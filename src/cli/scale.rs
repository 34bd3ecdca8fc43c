//! The cost-at-scale lines of `neuroglass check --batch B --world N`.

use crate::model::scale::ScaleEstimate;
use crate::model::validate::fmt_bytes;

/// Adds `memory_per_worker_bytes`, `allreduce_bytes_per_step` and a
/// `scale` object with the parts to check's JSON object.
pub fn add_json(v: &mut serde_json::Value, s: &ScaleEstimate) {
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "memory_per_worker_bytes".into(),
            s.memory_per_worker_bytes.into(),
        );
        o.insert(
            "allreduce_bytes_per_step".into(),
            s.allreduce_bytes_per_step.into(),
        );
        o.insert(
            "scale".into(),
            serde_json::json!({
                "world": s.world,
                "global_batch": s.global_batch,
                "worker_batch": s.worker_batch,
                "weights_bytes": s.weights_bytes,
                "grads_bytes": s.grads_bytes,
                "optimizer_bytes": s.optimizer_bytes,
                "activation_bytes": s.activation_bytes,
                "ring_bytes_per_worker": s.ring_bytes_per_worker(),
            }),
        );
    }
}

/// The estimate in two lines.
pub fn text(s: &ScaleEstimate) -> String {
    format!(
        "data-parallel on {} worker{} at global batch {} ({} per worker): {} per worker \
         (weights {}, gradients {}, optimizer {}, activations {})\n\
         all-reduced per step: {} of gradients ({} sent by each worker in a ring)\n",
        s.world,
        if s.world == 1 { "" } else { "s" },
        s.global_batch,
        s.worker_batch,
        fmt_bytes(s.memory_per_worker_bytes),
        fmt_bytes(s.weights_bytes),
        fmt_bytes(s.grads_bytes),
        fmt_bytes(s.optimizer_bytes),
        fmt_bytes(s.activation_bytes),
        fmt_bytes(s.allreduce_bytes_per_step),
        fmt_bytes(s.ring_bytes_per_worker()),
    )
}
