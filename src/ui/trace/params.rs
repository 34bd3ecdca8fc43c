//! Any layer's parameter gradients in the Trace window, one grid of cells
//! per parameter (first axis down, the rest across), to click for the
//! working; and the terms of a gradient that is a sum, largest first.

use egui::{RichText, Sense, vec2};

use crate::model::NodeId;
use crate::numfmt::sig;
use crate::trace::{Sum, TERMS_SHOWN, Trace};
use crate::ui::theme;
use crate::ui::views::paint::diverging;

use super::WeightPick;

/// 1-based indices of element `k` of a tensor of `shape`, e.g. `2,1,3,3`.
pub fn element_label(shape: &[usize], mut k: usize) -> String {
    let mut idx = vec![0; shape.len()];
    for (d, &n) in shape.iter().enumerate().rev() {
        let n = n.max(1);
        idx[d] = k % n + 1;
        k /= n;
    }
    let parts: Vec<String> = idx.iter().map(usize::to_string).collect();
    parts.join(",")
}

/// Grids of every parameter of layer `id`; returns the clicked element.
pub fn params_ui(ui: &mut egui::Ui, trace: &Trace, id: NodeId) -> Option<WeightPick> {
    let name = trace.node(id).map_or("", |n| n.name.as_str());
    ui.label(format!(
        "∂L/∂(parameters) of {name}: click a cell to see its gradient worked out"
    ));
    let mut picked = None;
    let max = trace
        .params_of(id)
        .flat_map(|p| p.grad.iter())
        .fold(0f64, |m, v| m.max(v.abs()))
        .max(1e-12);
    let cell = vec2(theme::TRACE_GRID_CELL, theme::TRACE_GRID_CELL);
    for p in trace.params_of(id) {
        let rows = p.shape.first().copied().unwrap_or(1).max(1);
        let cols = if p.shape.len() > 1 {
            p.shape[1..].iter().product::<usize>().max(1)
        } else {
            1
        };
        // A vector (or a one-column matrix) lies across; a matrix keeps
        // its rows.
        let (rows, cols) = if p.shape.len() <= 1 || cols == 1 {
            (1, rows)
        } else {
            (rows, cols)
        };
        let shown = [
            rows.min(theme::TRACE_GRID_MAX),
            cols.min(theme::TRACE_GRID_MAX),
        ];
        let dims: Vec<String> = p.shape.iter().map(usize::to_string).collect();
        let mut head = format!("{} [{}]", p.name, dims.join("×"));
        if shown != [rows, cols] {
            head.push_str(&format!(
                " — showing {}×{} of {rows}×{cols}",
                shown[0], shown[1]
            ));
        }
        ui.label(RichText::new(head).weak());
        ui.spacing_mut().item_spacing = vec2(1.0, 1.0);
        for r in 0..shown[0] {
            ui.horizontal(|ui| {
                for c in 0..shown[1] {
                    let k = r * cols + c;
                    let g = p.grad.get(k).copied().unwrap_or(0.0);
                    let label = format!("{} {}", p.name, element_label(&p.shape, k));
                    let (rect, resp) = ui.allocate_exact_size(cell, Sense::click());
                    ui.painter()
                        .rect_filled(rect.shrink(0.5), 0.0, diverging((g / max) as f32));
                    resp.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::WidgetType::Button, true, &label)
                    });
                    let resp = resp.on_hover_text(format!("{label}: ∂L/∂ = {}", sig(g, 4)));
                    if resp.clicked() {
                        picked = Some(WeightPick {
                            node: id,
                            param: p.name,
                            index: k,
                        });
                    }
                }
            });
        }
        ui.add_space(4.0);
    }
    picked
}

/// What a sum's factors are, and its largest terms with their places.
pub fn sum_ui(ui: &mut egui::Ui, s: &Sum) {
    ui.label(RichText::new(format!("Σ over {}:", s.over)).weak());
    for (sym, meaning) in s.symbols.iter().zip(&s.meanings) {
        ui.label(RichText::new(format!("{sym}: {meaning}")).weak());
    }
    egui::Grid::new("trace-sum-terms")
        .striped(true)
        .spacing(theme::TRACE_TERMS_SPACING)
        .show(ui, |ui| {
            ui.strong("where");
            for sym in &s.symbols {
                ui.strong(sym);
            }
            ui.strong("product");
            ui.end_row();
            for t in s.terms.iter().take(TERMS_SHOWN) {
                ui.monospace(&t.at);
                for v in &t.values {
                    ui.monospace(sig(*v, 4));
                }
                ui.monospace(sig(t.product(), 4));
                ui.end_row();
            }
        });
    let rest = s.terms.len().saturating_sub(TERMS_SHOWN);
    if rest > 0 {
        ui.label(RichText::new(format!("… and {rest} smaller non-zero terms")).weak());
    }
}
