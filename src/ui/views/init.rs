//! Initialisation: per layer, the histograms of its weights and of its
//! outputs at the run's first snapshot and now, side by side, at a size
//! that can be read — so Xavier against He on a deep network is one look
//! (saturated Sigmoids pile up at 0 and 1, vanishing outputs at 0).

use egui_plot::{Bar, BarChart, Plot};

use crate::numfmt::sig;
use crate::trainer::snapshot::{LayerSnapshot, Stats};
use crate::ui::document::Document;
use crate::ui::run::Run;
use crate::ui::theme;

use super::node_name;

/// The histogram's bars: one per bin, centred on the bin, as wide as it.
pub fn bars(s: &Stats) -> Vec<Bar> {
    let n = s.histogram.len().max(1);
    let width = ((s.max - s.min) / n as f64).max(f64::MIN_POSITIVE);
    s.histogram
        .iter()
        .enumerate()
        .map(|(i, c)| Bar::new(s.min + width * (i as f64 + 0.5), f64::from(*c)).width(width))
        .collect()
}

/// The layers of the run's first and latest snapshots, with their steps.
fn first_and_last(run: &Run) -> Option<((u64, &[LayerSnapshot]), (u64, &[LayerSnapshot]))> {
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
                        for (k, (stats, colour)) in cells.into_iter().enumerate() {
                            histogram_ui(ui, (now.node.0, k), stats, colour, [w, h]);
                        }
                        ui.end_row();
                    }
                });
        });
}

/// One histogram with its range and spread in the hover text; a dash when
/// the layer has no such numbers.
fn histogram_ui(
    ui: &mut egui::Ui,
    id: (u32, usize),
    stats: Option<&Stats>,
    colour: egui::Color32,
    [w, h]: [f32; 2],
) {
    let Some(s) = stats.filter(|s| !s.histogram.is_empty()) else {
        ui.add_sized([w, h], egui::Label::new("—"));
        return;
    };
    Plot::new(("init-hist", id))
        .width(w)
        .height(h)
        .show_y(false)
        .y_axis_formatter(|_, _| String::new())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |p| {
            p.bar_chart(BarChart::new("count", bars(s)).color(colour))
        })
        .response
        .on_hover_text(format!(
            "from {} to {}; mean {}, spread (std) {}",
            sig(s.min, 3),
            sig(s.max, 3),
            sig(s.mean, 3),
            sig(s.std, 3)
        ));
}
