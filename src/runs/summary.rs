//! A run in one line: how it was set up and where it ended.

use crate::model::{LayerSpec, Project, Units};

use super::record::{EpochRow, RunRecord};

/// Layers named in a summary before it says "… (+N more)".
const MAX_LAYERS: usize = 8;

fn layer_words(spec: &LayerSpec) -> String {
    match spec {
        LayerSpec::Dense(d) => match d.units {
            Units::Fixed(n) => format!("Dense {n}"),
            Units::Auto => "Dense".into(),
        },
        LayerSpec::Conv2D(c) => format!("Conv2D {}×{}×{}", c.filters, c.kernel, c.kernel),
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
            format!("{} {}", spec.kind_name(), r.units)
        }
        LayerSpec::Dropout { rate } => format!("Dropout {rate}"),
        other => other.kind_name().to_string(),
    }
}

/// The network as a chain of layers in execution order, Input left out:
/// `Dense 32 → ReLU → Dense`.
pub fn network_words(project: &Project) -> String {
    let g = &project.graph;
    let order = g
        .topo_order()
        .unwrap_or_else(|_| g.nodes().iter().map(|n| n.id).collect());
    let parts: Vec<String> = order
        .iter()
        .filter_map(|id| g.node(*id))
        .filter(|n| !matches!(n.spec, LayerSpec::Input))
        .map(|n| layer_words(&n.spec))
        .collect();
    if parts.len() > MAX_LAYERS {
        format!(
            "{} … (+{} more)",
            parts[..MAX_LAYERS].join(" → "),
            parts.len() - MAX_LAYERS
        )
    } else {
        parts.join(" → ")
    }
}

/// One line: optimizer, learning rate, batch, the network, epochs and the
/// final validation metric, e.g. `Adam lr 0.01 · batch 32 · Dense 32 →
/// ReLU → Dense · 200 epochs → val acc 0.9750`.
pub fn summary(project: &Project, last: Option<&EpochRow>, classification: bool) -> String {
    let t = &project.training;
    let mut s = format!(
        "{} lr {} · batch {} · {}",
        t.optimizer.name(),
        t.learning_rate,
        t.batch_size,
        network_words(project)
    );
    match last {
        Some(e) => {
            let metric = if classification { "val acc" } else { "val R²" };
            let epochs = if e.epoch == 1 { "epoch" } else { "epochs" };
            s.push_str(&format!(" · {} {epochs}", e.epoch));
            if e.val_metric.is_finite() {
                s.push_str(&format!(" → {metric} {:.4}", e.val_metric));
            } else if e.train_loss.is_finite() {
                s.push_str(&format!(" → train loss {:.4}", e.train_loss));
            }
        }
        None => s.push_str(" · no epoch finished"),
    }
    s
}

impl RunRecord {
    /// The run's one-line [`summary`] (its project read from the record).
    pub fn summary(&self) -> Result<String, super::RunsError> {
        let p = self.project()?;
        Ok(summary(&p, self.last_epoch(), self.file.classification))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spiral_in_one_line() {
        let p = crate::project::parse(include_str!("../../projects/spiral.ron"), "s").unwrap();
        let last = EpochRow {
            epoch: 200,
            val_metric: 0.975,
            ..EpochRow::default()
        };
        assert_eq!(
            summary(&p, Some(&last), true),
            "Adam lr 0.01 · batch 32 · Dense 32 → ReLU → Dense 32 → ReLU → Dense · 200 epochs → val acc 0.9750"
        );
    }
}
