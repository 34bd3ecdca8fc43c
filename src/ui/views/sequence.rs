//! Sequences: for data whose samples are windows of one value per time
//! step, a few validation windows drawn over time with the true next value
//! and the network's continuation (its next value, then its own
//! predictions fed back), so whether it learned the pattern is one look.

use egui_plot::{Legend, Line, MarkerShape, Plot, Points};

use crate::trainer::views::SequenceFit;
use crate::ui::run::Live;
use crate::ui::theme;

/// Whether this snapshot has sequences to show.
pub fn has_sequences(live: Live<'_>) -> bool {
    !live.snap.sequences.is_empty()
}

/// The points of one fit: the window at times 1…T, the target at T+1, the
/// prediction from T+1 on.
pub fn series(f: &SequenceFit) -> ([Vec<[f64; 2]>; 2], [f64; 2]) {
    let t = f.window.len();
    let window = f
        .window
        .iter()
        .enumerate()
        .map(|(i, v)| [(i + 1) as f64, f64::from(*v)])
        .collect();
    let predicted = f
        .predicted
        .iter()
        .enumerate()
        .map(|(i, v)| [(t + 1 + i) as f64, f64::from(*v)])
        .collect();
    ([window, predicted], [(t + 1) as f64, f64::from(f.target)])
}

/// Draws the view: one plot per kept validation window, side by side.
pub fn ui(ui: &mut egui::Ui, live: Live<'_>) {
    let fits = &live.snap.sequences;
    if fits.is_empty() {
        ui.label("The sequence view shows for data whose samples are windows of one value per time step (the sine LSTM example).");
        return;
    }
    ui.label(
        egui::RichText::new(format!(
            "step {}: each window (grey) with its true next value (●) and the network continuing it on its own (blue: its next value, then its predictions fed back)",
            live.snap.step
        ))
        .weak(),
    );
    let gap = ui.spacing().item_spacing.x;
    let n = fits.len() as f32;
    let w = ((ui.available_width() - gap * (n - 1.0)) / n).max(160.0);
    let h = ui.available_height().max(140.0);
    ui.horizontal(|ui| {
        for f in fits {
            let ([window, predicted], target) = series(f);
            Plot::new(("sequence", f.row))
                .width(w)
                .height(h)
                .legend(Legend::default())
                .x_axis_label("time step")
                .show(ui, |p| {
                    p.line(
                        Line::new(format!("validation row {}", f.row), window)
                            .color(theme::WIRE)
                            .width(2.0),
                    );
                    p.line(
                        Line::new("network", predicted)
                            .color(theme::TRAIN)
                            .width(2.0),
                    );
                    p.points(
                        Points::new("true next value", vec![target])
                            .shape(MarkerShape::Circle)
                            .radius(5.0)
                            .color(theme::VALIDATION),
                    );
                });
        }
    });
}
