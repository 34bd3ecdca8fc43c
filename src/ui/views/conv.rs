//! Convolution: the learned filters of each Conv2D as small images, and
//! the feature maps of one validation image through every spatial layer.

use crate::model::NodeId;
use crate::ui::document::Document;
use crate::ui::run::{Live, Stamp};

use super::paint::{diverging_image, grey_image};
use super::{ViewState, node_name};

/// Channels shown per layer.
const MAX_MAPS: usize = 16;

/// Draws the view.
pub fn ui(ui: &mut egui::Ui, live: Live<'_>, doc: &Document, state: &mut ViewState) {
    let snap = live.snap;
    if snap.filters.is_empty() {
        ui.label("This view shows for networks with Conv2D layers: open the MNIST CNN example.");
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("conv-view")
        .show(ui, |ui| {
            ui.strong("Filters (first input channel; blue positive, orange negative)");
            for f in &snap.filters {
                let [o, i, k] = match f.shape.as_slice() {
                    [o, i, k, _] => [*o, *i, *k],
                    _ => continue,
                };
                ui.horizontal_wrapped(|ui| {
                    ui.label(format!("{} ({o} filters, {k}×{k})", node_name(doc, f.node)));
                    for n in 0..o {
                        let start = n * i * k * k;
                        let Some(vals) = f.values.get(start..start + k * k) else {
                            continue;
                        };
                        let t = state.textures.get(
                            ui.ctx(),
                            &format!("filter-{}-{n}", f.node.0),
                            live.stamp,
                            || diverging_image(vals, k, k, false),
                        );
                        super::paint::image(ui, &t, egui::vec2(32.0, 32.0));
                    }
                });
            }
            ui.separator();
            if let Some(row) = snap.feature_sample {
                ui.strong(format!(
                    "Feature maps of validation image {row} (the first mistake, if any)"
                ));
            }
            for f in &snap.feature_maps {
                // Shapes come from the run that made the snapshot.
                let Ok([c, h, w]) = <[usize; 3]>::try_from(f.shape.as_slice()) else {
                    continue;
                };
                let label = f
                    .node
                    .map_or_else(|| "input".to_string(), |id| node_name(doc, id));
                map_row(ui, live.stamp, state, f.node, &label, &f.values, [c, h, w]);
            }
        });
}

fn map_row(
    ui: &mut egui::Ui,
    stamp: Stamp,
    state: &mut ViewState,
    node: Option<NodeId>,
    label: &str,
    values: &[f32],
    [c, h, w]: [usize; 3],
) {
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("{label} ({c}×{h}×{w})"));
        for ch in 0..c.min(MAX_MAPS) {
            let Some(vals) = values.get(ch * h * w..(ch + 1) * h * w) else {
                break;
            };
            let key = node.map_or_else(
                || format!("map-input-{ch}"),
                |id| format!("map-{}-{ch}", id.0),
            );
            let t = state
                .textures
                .get(ui.ctx(), &key, stamp, || grey_image(vals, w, h));
            super::paint::image(ui, &t, egui::vec2(48.0, 48.0));
        }
    });
}
