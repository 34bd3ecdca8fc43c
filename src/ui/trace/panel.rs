//! The Trace window: which sample and which weights, Forward/Backward,
//! Previous/Next through the pass (also ← and → on the keyboard), the
//! gradients of a layer's parameters as cells to click (a Dense layer's
//! weights with its biases beside them; any other layer's parameters one
//! grid each), and the chain rule of the clicked one with this sample's
//! numbers — one product, or for a convolution, a normalisation or a
//! SimpleRNN a sum of products over positions or time steps.

use egui::{Key, Modifiers, RichText, Sense, vec2};

use crate::model::NodeId;
use crate::numfmt::sig;
use crate::trace::{Trace, working};
use crate::ui::run::RunId;
use crate::ui::theme;
use crate::ui::views::paint::diverging;

use super::pick::Pick;
use super::{TraceState, WeightPick};

/// What the window was asked to change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PanelOut {
    /// A sample typed in the window.
    pub pick: Option<usize>,
}

/// Draws the Trace window when open. `pick` is the sample chosen; `lr`
/// the learning rate now; `selected` the canvas's single selected node.
pub fn window_ui(
    ctx: &egui::Context,
    state: &mut TraceState,
    run: RunId,
    pick: Option<usize>,
    lr: f64,
    selected: Option<NodeId>,
) -> PanelOut {
    let mut out = PanelOut::default();
    if let Some(row) = crate::ui::preview::take_pick(ctx) {
        state.choose_training(row);
    }
    if !state.open {
        return out;
    }
    let mut open = true;
    egui::Window::new("Trace")
        .open(&mut open)
        .default_width(theme::TRACE_WINDOW[0])
        .default_height(theme::TRACE_WINDOW[1])
        .default_pos(ctx.content_rect().left_top() + vec2(8.0, 60.0))
        .vscroll(true)
        .show(ctx, |ui| {
            out = contents_ui(ui, state, run, pick, lr, selected);
        });
    if !open {
        state.open = false;
    }
    out
}

fn contents_ui(
    ui: &mut egui::Ui,
    state: &mut TraceState,
    run: RunId,
    pick: Option<usize>,
    lr: f64,
    selected: Option<NodeId>,
) -> PanelOut {
    let mut out = PanelOut::default();
    let current = state.current(pick);
    ui.horizontal(|ui| {
        ui.label("Validation sample:");
        let mut i = match current {
            Some(Pick::Validation(i)) => i,
            _ => pick.unwrap_or(0),
        };
        let r = ui.add(
            egui::DragValue::new(&mut i)
                .range(0..=1_000_000_000)
                .prefix("#"),
        );
        if r.changed() || (current.is_none() && ui.button("Trace sample #0").clicked()) {
            out.pick = Some(i);
            state.chosen = None;
        }
    });
    ui.horizontal(|ui| {
        ui.label("Training sample:");
        let mut i = match current {
            Some(Pick::Training(i)) => i,
            _ => 0,
        };
        let r = ui
            .add(
                egui::DragValue::new(&mut i)
                    .range(0..=1_000_000_000)
                    .prefix("#"),
            )
            .on_hover_text("the data preview's rows are training samples: click one there too");
        if r.changed() {
            state.choose_training(i);
        }
    });
    super::typed::typed_ui(ui, state);
    let Some(sample) = current else {
        ui.label(
            "Click a validation point on the Boundary view, an image in the Gallery or a row \
             of the data preview, choose a sample's number here, or type an input.",
        );
        return out;
    };
    let sample = match sample {
        Pick::Validation(i) => format!("validation sample {i}"),
        Pick::Training(i) => format!("training sample {i}"),
        Pick::Typed(_) => "the typed input".to_string(),
    };
    if let Some(e) = &state.error {
        ui.colored_label(theme::ERROR, e);
    }
    let Some(traced) = state.shown(run) else {
        ui.label(if state.busy() {
            format!("Tracing {sample}…")
        } else {
            "No trace of this run yet.".to_string()
        });
        return out;
    };
    let n = traced.trace.nodes.len();
    ui.label(RichText::new(&traced.name).strong());
    ui.label(
        RichText::new(match (traced.step, &traced.saved) {
            (Some(s), _) => {
                format!("weights of the current run at step {s}, in f64, evaluation mode")
            }
            (None, Some(f)) => format!(
                "the saved weights {} (before training), in f64, evaluation mode",
                f.file_name().map_or_else(
                    || f.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
            (None, None) => "the initial weights (before training), in f64, evaluation mode".into(),
        })
        .weak(),
    );
    ui.label(format!(
        "loss {} ({})",
        sig(traced.trace.loss, 4),
        traced.trace.loss_name
    ));
    ui.separator();
    let mut step = 0isize;
    ui.horizontal(|ui| {
        let whole = state.position(n).is_none();
        ui.add_enabled_ui(whole, |ui| {
            ui.selectable_value(&mut state.backward, false, "Forward");
            ui.selectable_value(&mut state.backward, true, "Backward")
                .on_hover_text("∂L/∂(output) of every node");
        });
        if ui.button("◀ Previous").clicked() {
            step = -1;
        }
        if ui.button("Next ▶").clicked() {
            step = 1;
        }
        if !whole && ui.button("Whole pass").clicked() {
            state.cursor = None;
        }
    });
    if !ui.ctx().egui_wants_keyboard_input() {
        ui.input_mut(|i| {
            if i.consume_key(Modifiers::NONE, Key::ArrowRight) {
                step = 1;
            }
            if i.consume_key(Modifiers::NONE, Key::ArrowLeft) {
                step = -1;
            }
        });
    }
    if step != 0 {
        state.step_by(step, n);
    }
    let Some(traced) = state.shown(run) else {
        return out;
    };
    let trace = &traced.trace;
    let position = state.position(n);
    ui.label(match position {
        None if state.backward => "The whole backward pass: ∂L/∂(output) beside every node.".into(),
        None => "The whole forward pass: every node's output beside it.".into(),
        Some((k, backward)) => {
            let node = trace.nodes.get(k);
            let name = node.map_or("", |n| n.name.as_str());
            let kind = node.map_or("", |n| n.kind);
            let s = if backward { 2 * n - k } else { k + 1 };
            format!(
                "step {s} of {}: {} through {name} ({kind})",
                2 * n,
                if backward { "backward" } else { "forward" }
            )
        }
    });
    // The layer whose parameters are shown: the current step's, else the
    // selected node's, else the first Dense layer, else the first with any.
    let learns = |id: NodeId| trace.params_of(id).next().is_some();
    let first = |dense: bool| {
        trace
            .nodes
            .iter()
            .find(|n| learns(n.id) && (!dense || n.kind == "Dense"))
            .map(|n| n.id)
    };
    let layer = position
        .and_then(|(k, _)| trace.nodes.get(k).map(|n| n.id))
        .filter(|id| learns(*id))
        .or(selected.filter(|id| learns(*id)))
        .or_else(|| first(true))
        .or_else(|| first(false));
    ui.separator();
    let mut clicked = None;
    match layer {
        Some(id) if trace.node(id).is_some_and(|n| n.kind == "Dense") => {
            clicked = weights_ui(ui, trace, id);
        }
        Some(id) => clicked = super::params::params_ui(ui, trace, id),
        None => {
            ui.label("This network has no layer with weights.");
        }
    }
    let chosen = clicked.or(state.working);
    if let Some(w) = chosen {
        ui.separator();
        working_ui(ui, trace, w, lr);
    }
    state.working = chosen;
    out
}

/// A Dense layer's weight gradients as cells (units down, inputs across)
/// and its bias gradients as a row; returns the clicked one.
fn weights_ui(ui: &mut egui::Ui, trace: &Trace, id: NodeId) -> Option<WeightPick> {
    let name = trace.node(id).map_or("", |n| n.name.as_str());
    ui.label(format!(
        "∂L/∂w of {name}: click a weight or a bias to see its gradient worked out"
    ));
    let mut picked = None;
    let w = trace.params_of(id).find(|p| p.name == "weight")?;
    let [rows, cols] = match w.shape.as_slice() {
        [r, c] => [*r, *c],
        _ => return None,
    };
    let bias = trace.params_of(id).find(|p| p.name == "bias");
    let max = w
        .grad
        .iter()
        .chain(bias.map_or(&[][..], |b| b.grad.as_slice()))
        .fold(0f64, |m, v| m.max(v.abs()))
        .max(1e-12);
    let shown = [
        rows.min(theme::TRACE_GRID_MAX),
        cols.min(theme::TRACE_GRID_MAX),
    ];
    if shown != [rows, cols] {
        ui.label(
            RichText::new(format!(
                "showing units 1–{} and inputs 1–{} of {rows}×{cols}",
                shown[0], shown[1]
            ))
            .weak(),
        );
    }
    let cell = vec2(theme::TRACE_GRID_CELL, theme::TRACE_GRID_CELL);
    let mut cell_ui =
        |ui: &mut egui::Ui, param: &'static str, index: usize, g: f64, label: String| {
            let (r, resp) = ui.allocate_exact_size(cell, Sense::click());
            ui.painter()
                .rect_filled(r.shrink(0.5), 0.0, diverging((g / max) as f32));
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Button, true, &label));
            let symbol = if param == "bias" { "b" } else { "w" };
            let resp = resp.on_hover_text(format!("{label}: ∂L/∂{symbol} = {}", sig(g, 4)));
            if resp.clicked() {
                picked = Some(WeightPick {
                    node: id,
                    param,
                    index,
                });
            }
        };
    ui.spacing_mut().item_spacing = vec2(1.0, 1.0);
    for j in 0..shown[0] {
        ui.horizontal(|ui| {
            for i in 0..shown[1] {
                let k = j * cols + i;
                let g = w.grad.get(k).copied().unwrap_or(0.0);
                cell_ui(ui, "weight", k, g, format!("weight {},{}", j + 1, i + 1));
            }
            if let Some(b) = bias {
                ui.add_space(6.0);
                let g = b.grad.get(j).copied().unwrap_or(0.0);
                cell_ui(ui, "bias", j, g, format!("bias {}", j + 1));
            }
        });
    }
    picked
}

/// The chain rule of the chosen weight with this sample's numbers, and
/// what one step would change it by.
fn working_ui(ui: &mut egui::Ui, trace: &Trace, w: WeightPick, lr: f64) {
    let Some(wk) = working(trace, w.node, w.param, w.index) else {
        ui.label("That weight is not in this trace.");
        return;
    };
    ui.label(RichText::new("Show the working").strong());
    ui.label(RichText::new(wk.text()).monospace());
    for f in &wk.factors {
        ui.label(
            RichText::new(format!("{} = {}: {}", f.symbol, sig(f.value, 4), f.meaning)).weak(),
        );
    }
    if let Some(s) = &wk.sum {
        super::params::sum_ui(ui, s);
    }
    if let Some(note) = &wk.note {
        ui.label(note);
    }
    let change = wk.change(lr);
    // Enough digits for the change to show in the new value.
    let digits = if change != 0.0 && wk.value != 0.0 {
        ((wk.value.abs() / change.abs()).log10().ceil() as usize + 2).clamp(4, 12)
    } else {
        4
    };
    ui.label(format!(
        "At learning rate {}, one plain gradient step on this sample alone changes {} by −lr·∂L/∂{} = {} (from {} to {}).",
        sig(lr, 3),
        wk.symbol,
        wk.symbol,
        sig(change, 3),
        sig(wk.value, digits),
        sig(wk.value + change, digits)
    ));
}
