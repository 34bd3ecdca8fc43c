//! Learning-rate schedules.

/// How the learning rate changes over training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScheduleKind {
    /// The base rate throughout.
    Constant,
    /// `base · gamma^⌊epoch / every_epochs⌋` (PyTorch `StepLR`).
    Step {
        /// Epochs between drops (0 = never).
        every_epochs: usize,
        /// Factor per drop.
        gamma: f64,
    },
    /// `base · gamma^epoch` (PyTorch `ExponentialLR`).
    Exponential {
        /// Factor per epoch.
        gamma: f64,
    },
    /// `min + (base − min)·(1 + cos(π·epoch/total))/2`, then `min` after
    /// `total_epochs` (PyTorch `CosineAnnealingLR` with `T_max = total`).
    Cosine {
        /// Final rate.
        min_lr: f64,
        /// Epochs of decay.
        total_epochs: usize,
    },
    /// Linear warm-up: `base · min(1, (step + 1)/steps)`, so the first
    /// step already moves and step `steps − 1` reaches the base rate.
    Warmup {
        /// Warm-up length in steps.
        steps: usize,
    },
}

impl ScheduleKind {
    /// The learning rate for zero-based `epoch` and zero-based global
    /// optimizer `step`, given the base rate.
    pub fn lr_at(&self, base_lr: f64, epoch: usize, step: usize) -> f64 {
        match *self {
            Self::Constant => base_lr,
            Self::Step {
                every_epochs,
                gamma,
            } => match epoch.checked_div(every_epochs) {
                Some(k) => base_lr * gamma.powi(k.min(i32::MAX as usize) as i32),
                None => base_lr,
            },
            Self::Exponential { gamma } => {
                base_lr * gamma.powi(epoch.min(i32::MAX as usize) as i32)
            }
            Self::Cosine {
                min_lr,
                total_epochs,
            } => {
                if total_epochs == 0 || epoch >= total_epochs {
                    return min_lr;
                }
                let f = epoch as f64 / total_epochs as f64;
                min_lr + (base_lr - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * f).cos())
            }
            Self::Warmup { steps } => {
                if steps == 0 {
                    base_lr
                } else {
                    base_lr * ((step + 1) as f64 / steps as f64).min(1.0)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_match_hand_values() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(ScheduleKind::Constant.lr_at(0.1, 50, 900), 0.1));
        let s = ScheduleKind::Step {
            every_epochs: 2,
            gamma: 0.5,
        };
        assert!(close(s.lr_at(0.1, 1, 0), 0.1));
        assert!(close(s.lr_at(0.1, 3, 0), 0.05));
        assert!(close(s.lr_at(0.1, 4, 0), 0.025));
        let e = ScheduleKind::Exponential { gamma: 0.9 };
        assert!(close(e.lr_at(1.0, 2, 0), 0.81));
        let c = ScheduleKind::Cosine {
            min_lr: 0.01,
            total_epochs: 10,
        };
        assert!(close(c.lr_at(0.1, 0, 0), 0.1));
        assert!(close(c.lr_at(0.1, 5, 0), 0.055));
        assert!(close(c.lr_at(0.1, 10, 0), 0.01));
        assert!(close(c.lr_at(0.1, 12, 0), 0.01));
        let w = ScheduleKind::Warmup { steps: 4 };
        assert!(close(w.lr_at(0.2, 0, 0), 0.05));
        assert!(close(w.lr_at(0.2, 0, 3), 0.2));
        assert!(close(w.lr_at(0.2, 3, 100), 0.2));
    }
}
