//! The network's totals in the canvas's top-right corner (parameters,
//! training memory, FLOPs), and fitting the graph so that it does not run
//! under them.

use egui::{Pos2, Rect, Vec2};

use crate::model::validate::fmt_bytes;

use super::super::document::Document;
use super::super::theme;
use super::{CanvasState, badges};

/// The network's totals, for the canvas's top-right corner.
pub(super) fn totals_galley(
    painter: &egui::Painter,
    doc: &Document,
    visuals: &egui::Visuals,
    scale: f32,
) -> std::sync::Arc<egui::Galley> {
    let a = &doc.analysis;
    let text = format!(
        "{} parameters\n≈ {} to train\n{} FLOPs per sample",
        crate::numfmt::thousands(a.total_params),
        fmt_bytes(a.train_memory_bytes),
        crate::numfmt::thousands(a.total_flops),
    );
    painter.layout_no_wrap(
        text,
        egui::FontId::monospace(theme::CANVAS_TOTALS_FONT * scale.max(1.0)),
        visuals.weak_text_color(),
    )
}

/// Where the totals of `size` go in `area`.
pub(super) fn totals_rect(area: Rect, size: Vec2) -> Rect {
    egui::Align2::RIGHT_TOP.anchor_size(area.right_top() + Vec2::new(-10.0, 8.0), size)
}

/// Fits the graph `bounds` into `area`; when the fitted graph, with room
/// for the unit pictures on its right, would run under the totals, moves
/// it left of them, or where there is no room for that fits it into the
/// part of `area` below them.
pub(super) fn fit_beside_totals(
    state: &mut CanvasState,
    area: Rect,
    bounds: Rect,
    totals: Option<Vec2>,
) {
    state.view.fit(area, bounds);
    let Some(size) = totals else { return };
    let band = totals_rect(area, size).expand(6.0);
    let mut on_screen = Rect::from_min_max(
        state.view.to_screen(area, [bounds.min.x, bounds.min.y]),
        state.view.to_screen(area, [bounds.max.x, bounds.max.y]),
    );
    on_screen.max.x += badges::pictures_width(state.view.zoom * state.scale.max(1.0));
    if !on_screen.intersects(band) {
        return;
    }
    // Moved left of them if there is room, else made smaller below them.
    let dx = band.left() - on_screen.right();
    if on_screen.left() + dx >= area.left() + 8.0 {
        state.view.pan.x += dx;
    } else {
        let below = Rect::from_min_max(Pos2::new(area.left(), band.bottom()), area.max);
        if below.height() > 40.0 {
            state.view.fit(below, bounds);
            state.view.pan += below.min - area.min;
        }
    }
}
