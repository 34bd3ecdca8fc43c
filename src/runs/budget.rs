//! How many checkpoints a run keeps, and which go when there are too many.

use super::record::CheckpointEntry;

/// Bounds on a run's checkpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// At most this many checkpoints…
    pub max_checkpoints: usize,
    /// …and at most this many bytes of them…
    pub max_bytes: u64,
    /// …but thinning never leaves fewer than this many (so the timeline
    /// keeps some resolution even for a large network).
    pub min_checkpoints: usize,
}

impl Default for Budget {
    /// At most 200 checkpoints or 256 MB, never thinned below 50.
    fn default() -> Self {
        Self {
            max_checkpoints: 200,
            max_bytes: 256 << 20,
            min_checkpoints: 50,
        }
    }
}

impl Budget {
    /// How many checkpoints of `bytes` each may be kept.
    pub fn cap(&self, bytes: u64) -> usize {
        let by_bytes = self
            .max_bytes
            .checked_div(bytes)
            .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
        by_bytes
            .min(self.max_checkpoints)
            .max(self.min_checkpoints.min(self.max_checkpoints))
            .max(2)
    }
}

/// Whether a step gets a checkpoint although no epoch ends there: the
/// early steps 1, 2, 4, 8, … (epoch ends always get one).
pub fn early_checkpoint(step: u64) -> bool {
    step.is_power_of_two()
}

/// Whether thinning must keep this checkpoint: the initial weights and
/// the early steps 1, 2, 4, 8, … (learning is fastest there).
fn protected(c: &CheckpointEntry) -> bool {
    c.step == 0 || c.step.is_power_of_two()
}

/// The steps to drop from `kept` (sorted by step) so that at most `cap`
/// remain. The first and the last checkpoints and the protected early
/// ones stay; among the rest, the one whose neighbours are closest
/// together goes first, again and again, which spreads what stays evenly
/// over the run.
pub fn thin(kept: &[CheckpointEntry], cap: usize) -> Vec<u64> {
    let mut steps: Vec<(u64, bool)> = kept.iter().map(|c| (c.step, protected(c))).collect();
    let mut dropped = Vec::new();
    while steps.len() > cap {
        let mut best: Option<(u64, usize)> = None;
        for i in 1..steps.len().saturating_sub(1) {
            if steps[i].1 {
                continue;
            }
            let gap = steps[i + 1].0 - steps[i - 1].0;
            if best.is_none_or(|(g, _)| gap < g) {
                best = Some((gap, i));
            }
        }
        let Some((_, i)) = best else { break };
        dropped.push(steps.remove(i).0);
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(step: u64, epoch: Option<usize>) -> CheckpointEntry {
        CheckpointEntry {
            step,
            epoch,
            bytes: 100,
        }
    }

    /// A long run recorded as the trainer does: initial weights, steps
    /// 1, 2, 4, …, every epoch's end, thinned after each new checkpoint.
    fn simulate(epochs: u64, per_epoch: u64, cap: usize) -> Vec<CheckpointEntry> {
        let mut kept = vec![entry(0, Some(0))];
        for step in 1..=epochs * per_epoch {
            let end = step % per_epoch == 0;
            if end || step.is_power_of_two() {
                kept.push(entry(step, end.then(|| (step / per_epoch) as usize)));
                let gone = thin(&kept, cap);
                kept.retain(|c| !gone.contains(&c.step));
            }
        }
        kept
    }

    #[test]
    fn cap_follows_bytes_within_the_bounds() {
        let b = Budget::default();
        assert_eq!(b.cap(1000), 200);
        assert_eq!(b.cap(2 << 20), 128);
        assert_eq!(b.cap(100 << 20), 50);
    }

    #[test]
    fn a_long_run_keeps_the_cap_the_start_and_an_even_spread() {
        let kept = simulate(1000, 10, 200);
        assert_eq!(kept.len(), 200);
        assert_eq!(kept[0].step, 0);
        assert_eq!(kept.last().unwrap().step, 10_000);
        for s in [1, 2, 4, 8, 16, 1024, 8192] {
            assert!(kept.iter().any(|c| c.step == s), "step {s} kept");
        }
        // Evenly: no gap is more than about twice the even spacing.
        let even = 10_000.0 / 200.0;
        let max_gap = kept
            .windows(2)
            .map(|w| w[1].step - w[0].step)
            .max()
            .unwrap();
        assert!(
            (max_gap as f64) <= 2.2 * even,
            "largest gap {max_gap}, even spacing {even}"
        );
    }

    #[test]
    fn nothing_is_thinned_under_the_cap() {
        let kept = simulate(20, 7, 200);
        assert_eq!(kept.len(), 1 + 20 + 8); // initial, epochs, steps 1, 2, 4, …, 128
    }
}
