//! The metrics history: every step's loss at full resolution, every epoch's
//! metrics, and decimated views that stay cheap to plot at 10⁶ points.

/// Metrics at the end of one epoch.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EpochMetrics {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Global step at the end of the epoch.
    pub step: u64,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Loss on the validation split (NaN when there is none).
    pub val_loss: f64,
    /// Training accuracy (classification) or R² (regression), evaluated
    /// after the epoch.
    pub train_metric: f64,
    /// Validation accuracy (classification) or R² (regression).
    pub val_metric: f64,
    /// Learning rate used in the epoch's last step.
    pub lr: f64,
    /// Wall-clock seconds the epoch took.
    pub seconds: f64,
}

/// One training step's loss.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct StepPoint {
    /// Global step, from 1.
    pub step: u64,
    /// Batch loss.
    pub loss: f32,
    /// Learning rate used.
    pub lr: f32,
}

/// Everything measured during a run.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Every step, in order.
    pub steps: Vec<StepPoint>,
    /// Every finished epoch, in order.
    pub epochs: Vec<EpochMetrics>,
}

impl History {
    /// Forgets everything (a new run).
    pub fn clear(&mut self) {
        self.steps.clear();
        self.epochs.clear();
    }

    /// The best (lowest) validation loss so far and its epoch.
    pub fn best_val_loss(&self) -> Option<(usize, f64)> {
        self.epochs
            .iter()
            .filter(|e| e.val_loss.is_finite())
            .map(|e| (e.epoch, e.val_loss))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Reduces `points` (sorted by x) within `[x_min, x_max]` to at most
/// `2·buckets` points: the minimum and maximum of each bucket, in x order,
/// so spikes survive while the line stays cheap to draw.
pub fn decimate(points: &[[f64; 2]], x_min: f64, x_max: f64, buckets: usize) -> Vec<[f64; 2]> {
    let start = points.partition_point(|p| p[0] < x_min);
    let end = points.partition_point(|p| p[0] <= x_max);
    let slice = points.get(start..end).unwrap_or_default();
    if buckets == 0 || slice.len() <= 2 * buckets {
        return slice.to_vec();
    }
    let mut out = Vec::with_capacity(2 * buckets);
    let per = slice.len() as f64 / buckets as f64;
    for b in 0..buckets {
        let lo = (b as f64 * per) as usize;
        let hi = (((b + 1) as f64 * per) as usize).min(slice.len());
        let Some(chunk) = slice.get(lo..hi) else {
            continue;
        };
        let (mut min, mut max) = (chunk[0], chunk[0]);
        for p in chunk {
            if p[1] < min[1] {
                min = *p;
            }
            if p[1] > max[1] {
                max = *p;
            }
        }
        if min[0] <= max[0] {
            out.push(min);
            if max != min {
                out.push(max);
            }
        } else {
            out.push(max);
            out.push(min);
        }
    }
    out
}

/// Exponential moving average smoothing (TensorBoard's), `weight` in [0, 1).
pub fn smooth(points: &[[f64; 2]], weight: f64) -> Vec<[f64; 2]> {
    let w = weight.clamp(0.0, 0.999);
    let mut last: Option<f64> = None;
    let mut debias = 0.0;
    points
        .iter()
        .map(|p| {
            let prev = last.unwrap_or(0.0);
            let v = prev * w + (1.0 - w) * p[1];
            last = Some(v);
            debias = debias * w + (1.0 - w);
            [p[0], if debias > 0.0 { v / debias } else { p[1] }]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_extremes_and_bounds_size() {
        let pts: Vec<[f64; 2]> = (0..1_000_000)
            .map(|i| [i as f64, if i == 500_123 { 100.0 } else { (i % 7) as f64 }])
            .collect();
        let d = decimate(&pts, 0.0, 1e9, 1000);
        assert!(d.len() <= 2000);
        assert!(d.iter().any(|p| p[1] == 100.0), "the spike survives");
        assert!(d.windows(2).all(|w| w[0][0] <= w[1][0]), "x stays sorted");
        let part = decimate(&pts, 10.0, 19.0, 1000);
        assert_eq!(part.len(), 10);
        assert_eq!(part[0], [10.0, 3.0]);
    }

    #[test]
    fn smoothing_of_a_constant_is_the_constant() {
        let pts: Vec<[f64; 2]> = (0..50).map(|i| [i as f64, 2.5]).collect();
        for p in smooth(&pts, 0.9) {
            assert!((p[1] - 2.5).abs() < 1e-12);
        }
        let steps: Vec<[f64; 2]> = (0..100)
            .map(|i| [i as f64, if i < 50 { 0.0 } else { 1.0 }])
            .collect();
        let s = smooth(&steps, 0.9);
        assert!(s[55][1] > 0.0 && s[55][1] < 1.0);
    }

    #[test]
    fn best_validation_epoch() {
        let mut h = History::default();
        for (e, v) in [(1, 0.5), (2, 0.3), (3, f64::NAN), (4, 0.4)] {
            h.epochs.push(EpochMetrics {
                epoch: e,
                val_loss: v,
                ..Default::default()
            });
        }
        assert_eq!(h.best_val_loss(), Some((2, 0.3)));
    }
}
