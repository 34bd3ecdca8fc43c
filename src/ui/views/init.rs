//! Initialisation: per layer, the histograms of its weights and of its
//! outputs at the run's first snapshot and now, side by side, at a size
//! that can be read — so Xavier against He on a deep network is one look
//! (saturated Sigmoids pile up at 0 and 1, vanishing outputs at 0).

use egui::Rect;

use crate::numfmt::sig;
use crate::trainer::snapshot::{LayerSnapshot, Stats};
use crate::ui::document::Document;
use crate::ui::run::Run;
use crate::ui::theme;

use super::node_name;

/// A snapshot's step and its layers.
type Layers<'a> = (u64, &'a [LayerSnapshot]);

/// The layers of the run's first and latest snapshots, with their steps.
fn first_and_last(run: &Run) -> Option<(Layers<'_>, Layers<'_>)> {
    let (s0, l0) = run.layer_history.first()?;
    let (s1, l1) = run.layer_history.last()?;
    Some(((*s0, l0.as_slice()), (*s1, l1.as_slice())))
}

/// Draws the view: a row per layer that has weights or outputs, four
/// histograms in it (weights then, weights now, outputs then, outputs now).
pub fn ui(ui: &mut egui::Ui, run: &Run, doc: &Document) {
    let Some(((s0, first), (s1, last))) = first_and_last(run) else {
        ui.label("No snapshot of this run yet.");
        return;
    };
    let then = if s0 <= 1 {
        format!("start (step {s0})")
    } else {
        format!("step {s0}, the earliest kept")
    };
    ui.label(
        egui::RichText::new(format!(
            "Each layer at the {then} and now (step {s1}): its weights, and its outputs over a batch. Try Edit ▸ Whole network ▸ Initialiser of every layer and train again."
        ))
        .weak(),
    );
    let gap = ui.spacing().item_spacing.x;
    let name_w = (ui.available_width() * 0.12).clamp(80.0, 160.0);
    let w = ((ui.available_width() - name_w - 4.0 * gap) / 4.0).max(120.0);
    let h = (w * 0.45).clamp(90.0, 180.0);
    egui::ScrollArea::vertical()
        .id_salt("init-view")
        .show(ui, |ui| {
            egui::Grid::new("init-grid")
                .spacing([gap, 4.0])
                .show(ui, |ui| {
                    ui.label("");
                    for head in [
                        format!("weights at step {s0}"),
                        format!("weights now ({s1})"),
                        format!("outputs at step {s0}"),
                        format!("outputs now ({s1})"),
                    ] {
                        ui.strong(head);
                    }
                    ui.end_row();
                    for now in last {
                        let before = first.iter().find(|l| l.node == now.node);
                        if now.weights.is_none() && now.activations.is_none() {
                            continue;
                        }
                        ui.add_sized(
                            [name_w, h],
                            egui::Label::new(node_name(doc, now.node)).wrap(),
                        );
                        let cells = [
                            (before.and_then(|l| l.weights.as_ref()), theme::WIRE),
                            (now.weights.as_ref(), theme::TRAIN),
                            (before.and_then(|l| l.activations.as_ref()), theme::WIRE),
                            (now.activations.as_ref(), theme::VALIDATION),
                        ];
                        for (stats, colour) in cells {
                            histogram_ui(ui, stats, colour, [w, h]);
                        }
                        ui.end_row();
                    }
                });
        });
}

/// One histogram, painted: bars scaled to the fullest bin, the range
/// written under it and zero marked; its mean and spread on hover. A dash
/// when the layer has no such numbers.
fn histogram_ui(ui: &mut egui::Ui, stats: Option<&Stats>, colour: egui::Color32, [w, h]: [f32; 2]) {
    let Some(s) = stats.filter(|s| !s.histogram.is_empty()) else {
        ui.add_sized([w, h], egui::Label::new("—"));
        return;
    };
    let (rect, resp) = ui.allocate_exact_size(egui::vec2(w, h), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let font = egui::TextStyle::Small.resolve(ui.style());
    let plot = Rect::from_min_max(
        rect.min,
        egui::pos2(rect.right(), rect.bottom() - font.size - 4.0),
    );
    painter.rect_filled(plot, 2.0, visuals.extreme_bg_color);
    let n = s.histogram.len() as f32;
    let top = s.histogram.iter().copied().max().unwrap_or(1).max(1) as f32;
    let bw = plot.width() / n;
    for (i, c) in s.histogram.iter().enumerate() {
        let bh = plot.height() * 0.95 * (*c as f32 / top);
        let x = plot.left() + bw * i as f32;
        painter.rect_filled(
            Rect::from_min_max(
                egui::pos2(x, plot.bottom() - bh),
                egui::pos2(x + bw, plot.bottom()),
            ),
            0.0,
            colour,
        );
    }
    if s.min < 0.0 && s.max > 0.0 {
        let x = plot.left() + plot.width() * (-s.min / (s.max - s.min)) as f32;
        painter.vline(
            x,
            plot.y_range(),
            egui::Stroke::new(1.0, visuals.text_color()),
        );
    }
    let text = visuals.weak_text_color();
    let y = plot.bottom() + 2.0;
    painter.text(
        egui::pos2(plot.left(), y),
        egui::Align2::LEFT_TOP,
        sig(s.min, 2),
        font.clone(),
        text,
    );
    painter.text(
        egui::pos2(plot.right(), y),
        egui::Align2::RIGHT_TOP,
        sig(s.max, 2),
        font,
        text,
    );
    resp.on_hover_text(format!(
        "from {} to {}; mean {}, spread (std) {}",
        sig(s.min, 3),
        sig(s.max, 3),
        sig(s.mean, 3),
        sig(s.std, 3)
    ));
}
