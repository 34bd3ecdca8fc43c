//! Live curves: loss per step (smoothed), training against validation per
//! epoch (the bias–variance picture), the metric and the learning rate.
//! Smoothing is incremental and lines are decimated to the visible range,
//! so a million steps draw as fast as a thousand.

use egui_plot::{Legend, Line, Plot, PlotBounds, PlotPoints};

use crate::trainer::EpochMetrics;
use crate::trainer::history::decimate;

use super::run::Run;
use super::theme;

/// Plot settings and the smoothed step curve kept between frames.
pub struct PlotState {
    /// Smoothing weight in [0, 0.99] (exponential moving average).
    pub smoothing: f64,
    /// Loss on a log scale.
    pub log_y: bool,
    smoothed: Vec<[f64; 2]>,
    weight_used: f64,
    ema: Option<f64>,
    debias: f64,
    visible: Option<[f64; 2]>,
}

impl Default for PlotState {
    fn default() -> Self {
        Self {
            smoothing: 0.6,
            log_y: false,
            smoothed: Vec::new(),
            weight_used: f64::NAN,
            ema: None,
            debias: 0.0,
            visible: None,
        }
    }
}

impl PlotState {
    /// Brings the smoothed curve up to date with the run's steps (only the
    /// new steps are smoothed, unless the weight changed or history shrank).
    pub fn update(&mut self, run: &Run) {
        let steps = &run.history.steps;
        if self.weight_used != self.smoothing || steps.len() < self.smoothed.len() {
            self.smoothed.clear();
            self.ema = None;
            self.debias = 0.0;
            self.weight_used = self.smoothing;
        }
        let w = self.smoothing.clamp(0.0, 0.99);
        for p in &steps[self.smoothed.len()..] {
            let y = f64::from(p.loss);
            let v = if y.is_finite() {
                let e = self.ema.map_or((1.0 - w) * y, |e| w * e + (1.0 - w) * y);
                self.ema = Some(e);
                self.debias = w * self.debias + (1.0 - w);
                e / self.debias
            } else {
                f64::NAN
            };
            self.smoothed.push([p.step as f64, v]);
        }
    }

    /// The smoothed step loss, decimated to the visible x range while the
    /// user has zoomed in, else all of it.
    pub fn step_points(&self) -> Vec<[f64; 2]> {
        let full = [f64::NEG_INFINITY, f64::INFINITY];
        let [lo, hi] = self.visible.unwrap_or(full);
        let mut pts = decimate(&self.smoothed, lo, hi, theme::PLOT_BUCKETS);
        pts.retain(|p| p[1].is_finite());
        if self.log_y {
            log_points(&mut pts);
        }
        pts
    }
}

fn log_points(pts: &mut Vec<[f64; 2]>) {
    pts.retain(|p| p[1] > 0.0);
    for p in pts.iter_mut() {
        p[1] = p[1].log10();
    }
}

fn log_axis(mark: egui_plot::GridMark, _r: &std::ops::RangeInclusive<f64>) -> String {
    let v = 10f64.powf(mark.value);
    if (1e-3..1e4).contains(&v) {
        format!("{v:.3}")
    } else {
        format!("{v:.0e}")
    }
}

/// Draws the settings row and the plots side by side.
pub fn ui(ui: &mut egui::Ui, run: &Run, state: &mut PlotState, classroom: bool) {
    state.update(run);
    ui.horizontal(|ui| {
        ui.strong("Curves");
        ui.add(egui::Slider::new(&mut state.smoothing, 0.0..=0.99).text("smoothing"));
        ui.checkbox(&mut state.log_y, "log scale");
        ui.label(egui::RichText::new("double-click a plot to fit it").weak());
    });
    let width = theme::line_width(classroom);
    let h = (ui.available_height() - 24.0).max(120.0);
    let w = ((ui.available_width() - 16.0) / 3.0).max(150.0);
    let log_y = state.log_y;
    let plot = |id: &str, x: &str| {
        let p = Plot::new(id.to_string())
            .height(h)
            .width(w)
            .legend(Legend::default())
            .x_axis_label(x.to_string());
        if log_y {
            p.y_axis_formatter(log_axis)
        } else {
            p
        }
    };
    let e = &run.history.epochs;
    let pts = |f: fn(&EpochMetrics) -> f64, log: bool| -> Vec<[f64; 2]> {
        let mut v: Vec<[f64; 2]> = e
            .iter()
            .filter(|m| f(m).is_finite())
            .map(|m| [m.epoch as f64, f(m)])
            .collect();
        if log {
            log_points(&mut v);
        }
        v
    };
    ui.horizontal(|ui| {
        let steps = state.step_points();

        let r = plot("steps", "step").show(ui, |p| {
            p.line(
                Line::new("training loss", PlotPoints::from(steps))
                    .color(theme::TRAIN)
                    .width(width),
            );
            (p.plot_bounds(), p.auto_bounds().x)
        });
        let (b, auto): (PlotBounds, bool) = r.inner;
        state.visible = (!auto).then(|| [b.min()[0], b.max()[0]]);
        plot("epochs", "epoch").show(ui, |p| {
            p.line(
                Line::new(
                    "training loss",
                    PlotPoints::from(pts(|m| m.train_loss, log_y)),
                )
                .color(theme::TRAIN)
                .width(width),
            );
            p.line(
                Line::new(
                    "validation loss",
                    PlotPoints::from(pts(|m| m.val_loss, log_y)),
                )
                .color(theme::VALIDATION)
                .width(width),
            );
        });
        let metric = if run.classification {
            "accuracy"
        } else {
            "R²"
        };
        Plot::new("metric")
            .height(h)
            .width(w)
            .legend(Legend::default())
            .x_axis_label("epoch")
            .show(ui, |p| {
                p.line(
                    Line::new(
                        format!("training {metric}"),
                        PlotPoints::from(pts(|m| m.train_metric, false)),
                    )
                    .color(theme::TRAIN)
                    .width(width),
                );
                p.line(
                    Line::new(
                        format!("validation {metric}"),
                        PlotPoints::from(pts(|m| m.val_metric, false)),
                    )
                    .color(theme::VALIDATION)
                    .width(width),
                );
                p.line(
                    Line::new("learning rate ÷ max", PlotPoints::from(lr_points(e)))
                        .color(theme::LEARNING_RATE)
                        .width(width * 0.7),
                );
            });
    });
}

/// The learning rate per epoch, scaled so its largest value is 1.
fn lr_points(e: &[EpochMetrics]) -> Vec<[f64; 2]> {
    let max = e.iter().map(|m| m.lr).fold(0.0, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    e.iter().map(|m| [m.epoch as f64, m.lr / max]).collect()
}
