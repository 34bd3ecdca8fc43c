//! Live curves: loss per step (smoothed), training against validation per
//! epoch (the bias–variance picture), the metric and the learning rate.
//! Smoothing is incremental and lines are decimated to the visible range,
//! so a million steps draw as fast as a thousand. The smoothed series
//! belongs to one run (by its id): a new run never continues an old curve.
//! Axes get ticks on a 1-2-5 scale far enough apart to be labelled.

use egui_plot::{GridInput, GridMark, Legend, Line, Plot, PlotBounds, PlotPoints, VLine};

use crate::trainer::EpochMetrics;
use crate::trainer::history::decimate;

use super::run::{Run, RunId};
use super::runs::overlay::OverlayLine;
use super::theme;

/// Plot settings and the smoothed step curve kept between frames.
pub struct PlotState {
    /// Smoothing weight in [0, 0.99] (exponential moving average).
    pub smoothing: f64,
    /// Loss on a log scale.
    pub log_y: bool,
    smoothed: Vec<[f64; 2]>,
    /// The run `smoothed` belongs to.
    series_run: Option<RunId>,
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
            series_run: None,
            weight_used: f64::NAN,
            ema: None,
            debias: 0.0,
            visible: None,
        }
    }
}

impl PlotState {
    /// Brings the smoothed curve up to date with the run's steps (only the
    /// new steps are smoothed, unless the run, the weight or the history
    /// changed: weights reset within a run empty the history).
    pub fn update(&mut self, run: &Run) {
        let steps = &run.history.steps;
        if self.series_run != Some(run.id())
            || self.weight_used != self.smoothing
            || steps.len() < self.smoothed.len()
        {
            self.series_run = Some(run.id());
            self.visible = None;
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

fn log_axis(mark: GridMark, _r: &std::ops::RangeInclusive<f64>) -> String {
    crate::numfmt::sig(10f64.powf(mark.value), 2)
}

/// Tick labels with the decimals the tick spacing needs.
pub fn tick_axis(mark: GridMark, _r: &std::ops::RangeInclusive<f64>) -> String {
    crate::numfmt::tick(mark.value, mark.step_size)
}

/// Points between the thinnest grid lines egui_plot asks for (its default
/// `grid_spacing` minimum): `GridInput::base_step_size` spans this many.
const GRID_MIN_POINTS: f64 = 8.0;

/// Grid marks on a 1-2-5 scale whose labelled steps are at least
/// `label_points` apart on screen (egui_plot labels x ticks 60 points
/// apart or more), with four or five thin lines between labels.
pub fn nice_marks(input: GridInput, label_points: f64) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let per_point = input.base_step_size / GRID_MIN_POINTS;
    if !(lo.is_finite() && hi.is_finite() && hi > lo && per_point > 0.0) {
        return Vec::new();
    }
    let major = nice_step(per_point * label_points);
    let minor = major / if major_mantissa(major) == 2 { 4.0 } else { 5.0 };
    let first = (lo / minor).ceil() as i64;
    let last = (hi / minor).floor() as i64;
    if last < first || last - first > 10_000 {
        return Vec::new();
    }
    let per_major = (major / minor).round() as i64;
    (first..=last)
        .map(|k| GridMark {
            value: k as f64 * minor,
            step_size: if k % per_major == 0 { major } else { minor },
        })
        .collect()
}

/// The smallest of 1, 2 or 5 × 10ⁿ that is at least `v`.
fn nice_step(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|s| *s >= v * (1.0 - 1e-9))
        .unwrap_or(10.0 * p)
}

fn major_mantissa(step: f64) -> u32 {
    (step / 10f64.powf(step.log10().floor())).round() as u32
}

/// A plot with labelled 1-2-5 ticks on the x axis.
fn ticked(id: &str, x: &str) -> Plot<'static> {
    with_ticks(Plot::new(id.to_string()).x_axis_label(x.to_string()))
}

/// Labelled 1-2-5 ticks on the x axis of `plot` (egui_plot's own spacer
/// labels only every hundredth epoch of a narrow plot).
pub fn with_ticks(plot: Plot<'_>) -> Plot<'_> {
    plot.x_grid_spacer(|i| nice_marks(i, 70.0))
        .x_axis_formatter(tick_axis)
}

/// Draws the settings row and the plots side by side.
///
/// `overlay`: recorded runs drawn under the run's own curves, in their
/// colours. A replayed run (the timeline) gets a mark at its step.
pub fn ui(
    ui: &mut egui::Ui,
    run: &Run,
    state: &mut PlotState,
    overlay: &[OverlayLine],
    classroom: bool,
) {
    state.update(run);
    ui.horizontal_wrapped(|ui| {
        ui.strong("Curves");
        ui.add(egui::Slider::new(&mut state.smoothing, 0.0..=0.99).text("smoothing"));
        ui.checkbox(&mut state.log_y, "log scale");
        ui.label(egui::RichText::new("double-click a plot to fit it").weak());
    });
    let width = theme::line_width(classroom);
    // A little room below the plots, as before they could stack; no wider
    // than what shows (a row above may have widened the Ui past its clip).
    let visible = ui.clip_rect().right() - ui.cursor().left();
    let room = egui::vec2(
        ui.available_width().min(visible.max(60.0)),
        ui.available_height() - 16.0,
    );
    let grid = PlotGrid::for_area(room, ui.spacing().item_spacing);
    let (w, h) = (grid.width, grid.height);
    let log_y = state.log_y;
    let plot = |id: &str, x: &str| {
        let p = ticked(id, x).height(h).width(w).legend(Legend::default());
        if log_y {
            p.y_axis_formatter(log_axis)
        } else {
            p.y_axis_formatter(tick_axis)
        }
    };
    let e = &run.history.epochs;
    // The timeline's place: its step, and the epoch it is in (fractional
    // within an epoch).
    let mark = run
        .id()
        .is_replay()
        .then(|| {
            run.snapshot
                .as_ref()
                .map(|s| [s.step as f64, epoch_at(e, s.step)])
        })
        .flatten();
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
    let mut show = |ui: &mut egui::Ui, i: usize| match i {
        0 => {
            let steps = state.step_points();
            let r = plot("steps", "step").show(ui, |p| {
                for o in overlay {
                    p.line(
                        Line::new(o.name.clone(), PlotPoints::from(o.steps.clone()))
                            .color(o.colour)
                            .width(width),
                    );
                }
                if let Some([step, _]) = mark {
                    p.vline(VLine::new("timeline", step).color(theme::TIMELINE_MARK));
                }
                p.line(
                    Line::new("training loss", PlotPoints::from(steps))
                        .color(theme::TRAIN)
                        .width(width),
                );
                // Changes made while the run trained (issue #18).
                for ed in &run.edits.applied {
                    p.vline(VLine::new("edit", ed.step as f64).color(theme::TIMELINE_MARK));
                }
                (p.plot_bounds(), p.auto_bounds().x)
            });
            let (b, auto): (PlotBounds, bool) = r.inner;
            state.visible = (!auto).then(|| [b.min()[0], b.max()[0]]);
        }
        1 => {
            plot("epochs", "epoch").show(ui, |p| {
                for o in overlay {
                    p.line(
                        Line::new(
                            format!("{} validation loss", o.name),
                            PlotPoints::from(o.val_loss.clone()),
                        )
                        .color(o.colour)
                        .width(width),
                    );
                }
                if let Some([_, epoch]) = mark {
                    p.vline(VLine::new("timeline", epoch).color(theme::TIMELINE_MARK));
                }
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
        }
        _ => {
            let metric = if run.classification {
                "accuracy"
            } else {
                "R²"
            };
            ticked("metric", "epoch")
                .height(h)
                .width(w)
                .legend(Legend::default())
                .y_axis_formatter(tick_axis)
                .show(ui, |p| {
                    for o in overlay {
                        p.line(
                            Line::new(
                                format!("{} validation {metric}", o.name),
                                PlotPoints::from(o.val_metric.clone()),
                            )
                            .color(o.colour)
                            .width(width),
                        );
                    }
                    if let Some([_, epoch]) = mark {
                        p.vline(VLine::new("timeline", epoch).color(theme::TIMELINE_MARK));
                    }
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
        }
    };
    let rows = |ui: &mut egui::Ui, show: &mut dyn FnMut(&mut egui::Ui, usize)| {
        for r in 0..grid.rows {
            ui.horizontal(|ui| {
                for c in 0..grid.cols {
                    let i = r * grid.cols + c;
                    if i < PLOTS {
                        show(ui, i);
                    }
                }
            });
        }
    };
    if grid.scroll {
        egui::ScrollArea::vertical()
            .id_salt("curves-scroll")
            .show(ui, |ui| rows(ui, &mut show));
    } else {
        rows(ui, &mut show);
    }
}

/// How many plots the Curves view draws.
const PLOTS: usize = 3;

/// How the Curves view's plots are arranged: side by side while each gets
/// [`theme::PLOT_MIN_WIDTH`], else in two columns or stacked; stacked
/// plots scroll when they would be lower than [`theme::PLOT_MIN_HEIGHT`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotGrid {
    /// Plots per row.
    pub cols: usize,
    /// Rows.
    pub rows: usize,
    /// Each plot's width (points).
    pub width: f32,
    /// Each plot's height (points).
    pub height: f32,
    /// The rows are taller together than the room: they scroll.
    pub scroll: bool,
}

impl PlotGrid {
    /// The arrangement for `room` (points) with `spacing` between plots.
    pub fn for_area(room: egui::Vec2, spacing: egui::Vec2) -> Self {
        let fits = |cols: usize| (room.x - spacing.x * (cols as f32 - 1.0)) / cols as f32;
        let cols = (1..=PLOTS)
            .rev()
            .find(|&c| fits(c) >= theme::PLOT_MIN_WIDTH)
            .unwrap_or(1);
        let rows = PLOTS.div_ceil(cols);
        let fill = (room.y - spacing.y * rows as f32) / rows as f32;
        let height = fill.max(theme::PLOT_MIN_HEIGHT);
        Self {
            cols,
            rows,
            width: fits(cols).max(60.0),
            height,
            scroll: fill < theme::PLOT_MIN_HEIGHT,
        }
    }
}

/// Where `step` falls on the epoch axis: epoch `k` ends at its last
/// step, so a step inside epoch `k` lies between `k − 1` and `k`.
fn epoch_at(e: &[EpochMetrics], step: u64) -> f64 {
    let mut before = (0.0, 0u64);
    for m in e {
        if step <= m.step {
            let span = (m.step - before.1).max(1) as f64;
            return before.0 + (step - before.1) as f64 / span;
        }
        before = (m.epoch as f64, m.step);
    }
    before.0
}

/// The learning rate per epoch, scaled so its largest value is 1.
fn lr_points(e: &[EpochMetrics]) -> Vec<[f64; 2]> {
    let max = e.iter().map(|m| m.lr).fold(0.0, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    e.iter().map(|m| [m.epoch as f64, m.lr / max]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plots_sit_side_by_side_when_wide_and_stack_when_narrow() {
        let gap = egui::vec2(8.0, 8.0);
        let wide = PlotGrid::for_area(egui::vec2(1200.0, 300.0), gap);
        assert_eq!((wide.cols, wide.rows, wide.scroll), (3, 1, false));
        assert!(wide.width >= theme::PLOT_MIN_WIDTH && wide.height > 280.0);
        let mid = PlotGrid::for_area(egui::vec2(600.0, 600.0), gap);
        assert_eq!((mid.cols, mid.rows, mid.scroll), (2, 2, false));
        let narrow = PlotGrid::for_area(egui::vec2(300.0, 900.0), gap);
        assert_eq!((narrow.cols, narrow.rows, narrow.scroll), (1, 3, false));
        // Never wider than the room, however narrow.
        let tiny = PlotGrid::for_area(egui::vec2(200.0, 200.0), gap);
        assert_eq!(tiny.cols, 1);
        assert!(tiny.scroll && tiny.height >= theme::PLOT_MIN_HEIGHT);
        for (g, room) in [(wide, 1200.0), (mid, 600.0), (narrow, 300.0)] {
            let used = g.width * g.cols as f32 + gap.x * (g.cols as f32 - 1.0);
            assert!(used <= room + 0.01, "{used} > {room}");
        }
    }

    fn labelled(bounds: (f64, f64), width_points: f64) -> Vec<String> {
        let per_point = (bounds.1 - bounds.0) / width_points;
        let input = GridInput {
            bounds,
            base_step_size: per_point * GRID_MIN_POINTS,
        };
        let marks = nice_marks(input, 70.0);
        let biggest = marks.iter().map(|m| m.step_size).fold(0.0, f64::max);
        marks
            .iter()
            .filter(|m| m.step_size == biggest && m.step_size / per_point >= 60.0)
            .map(|m| crate::numfmt::tick(m.value, m.step_size))
            .collect()
    }

    #[test]
    fn fifty_epochs_in_a_narrow_plot_get_several_labels() {
        // 50 epochs across 300 points: egui_plot's own spacer labels only 0.
        assert_eq!(labelled((0.0, 52.0), 300.0), ["0", "20", "40"]);
        assert_eq!(
            labelled((0.0, 52.0), 700.0),
            ["0", "10", "20", "30", "40", "50"]
        );
        assert_eq!(labelled((0.0, 1.0), 300.0), ["0", "0.5", "1.0"]);
        assert_eq!(
            labelled((0.0, 1.0), 400.0),
            ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        assert!(labelled((1.0, 1.0), 300.0).is_empty());
    }

    #[test]
    fn a_step_lies_between_the_ends_of_its_epochs() {
        let e: Vec<EpochMetrics> = [(1, 10), (2, 20)]
            .iter()
            .map(|&(epoch, step)| EpochMetrics {
                epoch,
                step,
                ..EpochMetrics::default()
            })
            .collect();
        assert_eq!(epoch_at(&e, 0), 0.0);
        assert_eq!(epoch_at(&e, 5), 0.5);
        assert_eq!(epoch_at(&e, 10), 1.0);
        assert_eq!(epoch_at(&e, 15), 1.5);
        assert_eq!(epoch_at(&e, 30), 2.0);
    }

    #[test]
    fn steps_are_one_two_five() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(10.0), 10.0);
    }
}
