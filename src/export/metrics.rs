//! The metrics history as CSV: one row per step and one per epoch.

use crate::trainer::History;

/// CSV text with the header
/// `kind,epoch,step,loss,val_loss,train_metric,val_metric,lr,seconds`;
/// `kind` is `step` or `epoch`, and cells that do not apply are empty.
pub fn metrics_csv(h: &History) -> String {
    let mut s = String::from("kind,epoch,step,loss,val_loss,train_metric,val_metric,lr,seconds\n");
    let num = |v: f64| {
        if v.is_finite() {
            format!("{v}")
        } else {
            String::new()
        }
    };
    let mut epochs = h.epochs.iter().peekable();
    for p in &h.steps {
        while let Some(e) = epochs.next_if(|e| e.step < p.step) {
            epoch_row(&mut s, e, &num);
        }
        let epoch = h
            .epochs
            .iter()
            .find(|e| e.step >= p.step)
            .map_or(h.epochs.len() + 1, |e| e.epoch);
        s.push_str(&format!(
            "step,{epoch},{},{},,,,{},\n",
            p.step, p.loss, p.lr
        ));
    }
    for e in epochs {
        epoch_row(&mut s, e, &num);
    }
    s
}

fn epoch_row(s: &mut String, e: &crate::trainer::EpochMetrics, num: &dyn Fn(f64) -> String) {
    s.push_str(&format!(
        "epoch,{},{},{},{},{},{},{},{}\n",
        e.epoch,
        e.step,
        num(e.train_loss),
        num(e.val_loss),
        num(e.train_metric),
        num(e.val_metric),
        num(e.lr),
        num(e.seconds)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trainer::{EpochMetrics, StepPoint};

    #[test]
    fn steps_and_epochs_interleave() {
        let mut h = History::default();
        for s in 1..=4 {
            h.steps.push(StepPoint {
                step: s,
                loss: 1.0 / s as f32,
                lr: 0.1,
            });
        }
        h.epochs.push(EpochMetrics {
            epoch: 1,
            step: 2,
            train_loss: 0.75,
            val_loss: f64::NAN,
            lr: 0.1,
            ..Default::default()
        });
        h.epochs.push(EpochMetrics {
            epoch: 2,
            step: 4,
            train_loss: 0.3,
            val_loss: 0.4,
            lr: 0.1,
            ..Default::default()
        });
        let csv = metrics_csv(&h);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 7);
        assert_eq!(lines[1], "step,1,1,1,,,,0.1,");
        assert_eq!(lines[3], "epoch,1,2,0.75,,0,0,0.1,0");
        assert_eq!(lines[6], "epoch,2,4,0.3,0.4,0,0,0.1,0");
    }
}
