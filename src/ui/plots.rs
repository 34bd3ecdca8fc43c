//! The centre: loss per step, and training against validation per epoch.

use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::trainer::history::{decimate, smooth};

use super::run::Run;
use super::theme;

/// The step-loss points, smoothed, decimated to what the plot can show.
pub fn step_points(run: &Run) -> Vec<[f64; 2]> {
    let raw: Vec<[f64; 2]> = run
        .history
        .steps
        .iter()
        .map(|p| [p.step as f64, p.loss as f64])
        .collect();
    let smoothed = smooth(&raw, 0.6);
    decimate(
        &smoothed,
        f64::NEG_INFINITY,
        f64::INFINITY,
        theme::PLOT_BUCKETS,
    )
}

/// Draws the plots.
pub fn ui(ui: &mut egui::Ui, run: &Run) {
    ui.strong("Loss per step (smoothed)");
    Plot::new("steps")
        .height(theme::PLOT_HEIGHT)
        .legend(Legend::default())
        .x_axis_label("step")
        .show(ui, |p| {
            p.line(
                Line::new("training loss", PlotPoints::from(step_points(run))).color(theme::TRAIN),
            );
        });
    ui.strong("Training against validation, per epoch");
    let e = &run.history.epochs;
    let pts = |f: fn(&crate::trainer::EpochMetrics) -> f64| -> Vec<[f64; 2]> {
        e.iter()
            .filter(|m| f(m).is_finite())
            .map(|m| [m.epoch as f64, f(m)])
            .collect()
    };
    Plot::new("epochs")
        .height(theme::PLOT_HEIGHT)
        .legend(Legend::default())
        .x_axis_label("epoch")
        .show(ui, |p| {
            p.line(
                Line::new("training loss", PlotPoints::from(pts(|m| m.train_loss)))
                    .color(theme::TRAIN),
            );
            p.line(
                Line::new("validation loss", PlotPoints::from(pts(|m| m.val_loss)))
                    .color(theme::VALIDATION),
            );
        });
    let metric = if run.classification {
        "accuracy"
    } else {
        "R²"
    };
    ui.strong(format!("Validation {metric}"));
    Plot::new("metric")
        .height(theme::PLOT_HEIGHT * 0.7)
        .x_axis_label("epoch")
        .show(ui, |p| {
            p.line(
                Line::new(
                    format!("validation {metric}"),
                    PlotPoints::from(pts(|m| m.val_metric)),
                )
                .color(theme::VALIDATION),
            );
        });
}
