//! What training draws on the canvas: a health badge on a layer in
//! trouble (dead ReLUs, saturation, vanishing or exploding gradients) with
//! the reason and a remedy on hover, and for 2-D data small pictures of a
//! layer's units beside it, large on hover. All of it is painted with the
//! canvas's clipped painter and reacts only inside the canvas, so nothing
//! spills over the views, the tab row or the side panels.

use egui::{Painter, Rect, Sense, vec2};

use crate::model::NodeId;
use crate::ui::document::Document;
use crate::ui::run::Live;
use crate::ui::theme;
use crate::ui::views::layers::{health, largest_grad};
use crate::ui::views::neurons::unit_texture;
use crate::ui::views::paint::Textures;

/// Unit pictures drawn beside a node.
const THUMBS: usize = 8;
/// Side of a unit picture and the gap between them, at zoom 1.
const THUMB_SIDE: f32 = 26.0;
/// The gap between a node and its pictures, at zoom 1.
const THUMB_GAP: f32 = 6.0;
/// How far right of its node the unit pictures reach on screen at `zoom`
/// (four in a row, 2 points apart).
pub fn pictures_width(zoom: f32) -> f32 {
    (THUMB_GAP + 4.0 * THUMB_SIDE) * zoom + 4.0 * 2.0
}

/// Paints badges and unit pictures for the nodes at `rects`.
pub fn paint(
    ui: &mut egui::Ui,
    painter: &Painter,
    doc: &Document,
    live: Live<'_>,
    tex: &mut Textures,
    rects: &[(NodeId, Rect)],
    zoom: f32,
) {
    let snap = live.snap;
    let clip = painter.clip_rect();
    // Only the visible part of a picture or badge reacts to the pointer.
    let hover = |ui: &mut egui::Ui, r: Rect, id: egui::Id| {
        let visible = r.intersect(clip);
        (visible.is_positive()).then(|| ui.interact(visible, id, Sense::hover()))
    };
    let big = largest_grad(&snap.layers);
    for (id, rect) in rects {
        if let Some(l) = snap.layers.iter().find(|l| l.node == *id)
            && let Some((what, fix)) = health(l, big)
        {
            let c = rect.right_top() + vec2(-4.0 * zoom, 4.0 * zoom);
            let r =
                Rect::from_center_size(c + vec2(-8.0 * zoom, 8.0 * zoom), vec2(16.0, 16.0) * zoom);
            painter.circle_filled(r.center(), 8.0 * zoom, theme::WARNING);
            painter.text(
                r.center(),
                egui::Align2::CENTER_CENTER,
                "!",
                egui::FontId::proportional(12.0 * zoom),
                egui::Color32::BLACK,
            );
            if let Some(resp) = hover(ui, r, ui.id().with(("badge", *id))) {
                resp.on_hover_text(format!("{what}.\nRemedy: {fix}."));
            }
        }
        let Some(m) = snap.neurons.iter().find(|m| m.node == *id) else {
            continue;
        };
        if doc
            .project
            .graph
            .node(*id)
            .is_some_and(|n| n.spec.arity() == Some(0))
        {
            continue;
        }
        let side = THUMB_SIDE * zoom;
        for u in 0..m.maps.len().min(THUMBS) {
            let at = rect.right_top()
                + vec2(
                    THUMB_GAP * zoom + (u % 4) as f32 * (side + 2.0),
                    (u / 4) as f32 * (side + 2.0),
                );
            let r = Rect::from_min_size(at, vec2(side, side));
            if !r.intersects(clip) {
                continue;
            }
            if let Some(t) = unit_texture(ui, tex, live.stamp, m, u) {
                let uv = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
                painter.image(t.id(), r, uv, egui::Color32::WHITE);
                if let Some(resp) = hover(ui, r, ui.id().with(("thumb", *id, u))) {
                    resp.on_hover_ui(|ui| {
                        ui.label(format!("unit {} over the input plane", u + 1));
                        ui.add(egui::Image::new(&t).fit_to_exact_size(vec2(220.0, 220.0)));
                    });
                }
            }
        }
    }
}
