//! Where the time of a training step goes, node by node: the project's own
//! network trained on its own data for some steps with the engine timing
//! every node's forward and backward pass; medians over the steps. Used by
//! `neuroglass bench --profile` and the window's "Where the time goes".

use std::time::Instant;

use crate::engine::network::StepTiming;
use crate::model::NodeId;

use super::{Session, SessionError};

/// One node's share of a training step.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeProfile {
    /// The engine node's name.
    pub name: String,
    /// The layer kind (`Dense`, `Conv2D`, …).
    pub kind: &'static str,
    /// The graph node it was compiled from, if any.
    pub node_id: Option<NodeId>,
    /// Median milliseconds of its forward pass.
    pub forward_ms: f64,
    /// Median milliseconds of its backward pass.
    pub backward_ms: f64,
    /// `(forward + backward) / step`.
    pub share: f64,
    /// Matrix-product FLOPs of a training step at the batch size (three
    /// times the forward pass's, see [`crate::engine::Layer::flops`]).
    pub flops: u64,
    /// Bytes of its output for the batch (`f32`).
    pub activation_bytes: u64,
}

/// A profile of the training step.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// Rows per step.
    pub batch: usize,
    /// Engine threads used.
    pub threads: usize,
    /// Steps timed.
    pub steps: usize,
    /// Median milliseconds of a whole step (gathering the batch, forward,
    /// loss, backward, optimizer).
    pub step_ms: f64,
    /// Median milliseconds of the optimizer's update.
    pub optimizer_ms: f64,
    /// Every node, in the network's order.
    pub nodes: Vec<NodeProfile>,
}

impl Profile {
    /// The part of the step no node or the optimizer accounts for (loss,
    /// gathering the batch, handing work to threads), in milliseconds.
    pub fn other_ms(&self) -> f64 {
        let nodes: f64 = self
            .nodes
            .iter()
            .map(|n| n.forward_ms + n.backward_ms)
            .sum();
        (self.step_ms - nodes - self.optimizer_ms).max(0.0)
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Trains `session` for `warmup` untimed and `steps` timed full batches on
/// `threads` engine threads and returns the medians. The session's weights
/// change (it trains); use a fresh one for real training.
///
/// # Errors
/// A step the engine refused.
pub fn profile(
    session: &mut Session,
    warmup: usize,
    steps: usize,
    threads: usize,
) -> Result<Profile, SessionError> {
    crate::engine::parallel::with_threads(threads, || {
        profile_here(session, warmup, steps.max(1), threads.max(1))
    })
}

fn profile_here(
    session: &mut Session,
    warmup: usize,
    steps: usize,
    threads: usize,
) -> Result<Profile, SessionError> {
    let batch = session.batch_size();
    let mut epoch = 1;
    session.begin_epoch(epoch);
    let mut step_times = Vec::with_capacity(steps);
    let mut timings: Vec<StepTiming> = Vec::with_capacity(steps);
    for k in 0..warmup + steps {
        if session.next_batch_len() < batch {
            epoch += 1;
            session.begin_epoch(epoch);
        }
        let timed = k >= warmup;
        session.time_nodes(timed);
        let t0 = Instant::now();
        session.train_batch(epoch, k as u64)?;
        let secs = t0.elapsed().as_secs_f64();
        if let Some(t) = session.time_nodes(false).filter(|_| timed) {
            step_times.push(secs);
            timings.push(t);
        }
    }
    let net = session.network();
    let ids = session.node_ids();
    let step_ms = median(&mut step_times) * 1e3;
    let mut opt: Vec<f64> = timings.iter().map(|t| t.optimizer).collect();
    let nodes = net
        .nodes()
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut f: Vec<f64> = timings
                .iter()
                .map(|t| t.nodes.get(i).map_or(0.0, |x| x.forward))
                .collect();
            let mut b: Vec<f64> = timings
                .iter()
                .map(|t| t.nodes.get(i).map_or(0.0, |x| x.backward))
                .collect();
            let (forward_ms, backward_ms) = (median(&mut f) * 1e3, median(&mut b) * 1e3);
            NodeProfile {
                name: n.name.clone(),
                kind: n.layer.kind(),
                node_id: ids.get(i).copied(),
                forward_ms,
                backward_ms,
                share: (forward_ms + backward_ms) / step_ms.max(1e-12),
                flops: 3 * n.layer.flops() * batch as u64,
                activation_bytes: (n.layer.output_len() * batch * 4) as u64,
            }
        })
        .collect();
    Ok(Profile {
        batch,
        threads,
        steps,
        step_ms,
        optimizer_ms: median(&mut opt) * 1e3,
        nodes,
    })
}

/// Profiles `project` (data paths relative to `dir`): a fresh session,
/// `warmup` untimed steps, then `steps` timed ones.
///
/// # Errors
/// The data cannot be loaded, the graph does not compile, or a step fails.
pub fn profile_project(
    project: &crate::model::Project,
    dir: Option<&std::path::Path>,
    warmup: usize,
    steps: usize,
    threads: usize,
) -> Result<Profile, SessionError> {
    let mut session = Session::from_project(project, dir)?;
    profile(&mut session, warmup, steps, threads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_names_every_node_and_its_shares_stay_within_the_step() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/spiral.ron");
        let project = crate::project::load(&path).unwrap();
        let p = profile_project(&project, path.parent(), 2, 5, 1).unwrap();
        assert_eq!(p.steps, 5);
        assert!(p.step_ms > 0.0);
        let dense: Vec<_> = p.nodes.iter().filter(|n| n.kind == "Dense").collect();
        assert!(!dense.is_empty());
        assert!(dense.iter().all(|n| n.flops > 0 && n.node_id.is_some()));
        let total: f64 = p.nodes.iter().map(|n| n.share).sum();
        assert!(total > 0.0 && total <= 1.0 + 1e-9, "shares sum to {total}");
        assert!(p.nodes.iter().all(|n| n.activation_bytes > 0));
    }
}
