//! Gradient flow: each layer's gradient norm as a bar on a log axis that
//! grows from the axis's lowest decade (so a vanishing gradient is a short
//! bar, never one hanging below 1), every layer labelled; beside it the
//! norms over time.

use egui::{Align2, Rect, Stroke, pos2, vec2};
use egui_plot::{Legend, Line, Plot, Points};

use crate::numfmt::sig;
use crate::trainer::snapshot::LayerSnapshot;
use crate::ui::document::Document;
use crate::ui::run::Run;
use crate::ui::theme;

use super::node_name;

/// The decades the bars' axis spans: from the lowest nonzero norm's decade
/// to the highest's (at least one decade). `None` without a nonzero norm.
pub fn decades(norms: &[f64]) -> Option<(i32, i32)> {
    let pos = norms.iter().copied().filter(|v| *v > 0.0 && v.is_finite());
    let lo = pos.clone().fold(f64::INFINITY, f64::min);
    let hi = pos.fold(0.0, f64::max);
    if hi <= 0.0 {
        return None;
    }
    // A quarter decade of room, so the smallest bar is never empty.
    let lo = (lo.log10() - 0.25).floor() as i32;
    let hi = (hi.log10().ceil() as i32).max(lo + 1);
    Some((lo, hi))
}

/// A bar's length as a share of the axis: 0 at 10^lo (and for zero), 1 at
/// 10^hi.
pub fn share(norm: f64, (lo, hi): (i32, i32)) -> f32 {
    if norm <= 0.0 || !norm.is_finite() {
        return 0.0;
    }
    ((norm.log10() - f64::from(lo)) / f64::from(hi - lo)).clamp(0.0, 1.0) as f32
}

/// "10⁻³" for a decade.
pub fn decade_label(e: i32) -> String {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let digits: String = e
        .unsigned_abs()
        .to_string()
        .chars()
        .filter_map(|c| c.to_digit(10).and_then(|d| SUP.get(d as usize)).copied())
        .collect();
    format!("10{}{digits}", if e < 0 { "⁻" } else { "" })
}

/// Draws the gradient-flow view.
pub fn ui(ui: &mut egui::Ui, run: &Run, doc: &Document) {
    let Some((step, layers)) = run.layer_history.last() else {
        ui.label("No snapshot of this run yet.");
        return;
    };
    let with: Vec<&LayerSnapshot> = layers.iter().filter(|l| l.weights.is_some()).collect();
    if with.is_empty() {
        ui.label("No layer of this run has weights, so there are no gradients to show.");
        return;
    }
    ui.label(
        egui::RichText::new(format!(
            "step {step}: size of each layer's weight gradients (norm, log scale); a bar much shorter than the others is a vanishing gradient"
        ))
        .weak(),
    );
    let w = ((ui.available_width() - 10.0) / 2.0).max(220.0);
    let h = ui.available_height().max(150.0);
    ui.horizontal_top(|ui| {
        bars_ui(ui, &with, doc, vec2(w, h));
        crate::ui::plots::with_ticks(Plot::new("grad-time"))
            .width(w)
            .height(h)
            .legend(Legend::default())
            .x_axis_label("step")
            .y_axis_label("gradient norm (log)")
            .y_axis_formatter(|m, _| sig(10f64.powf(m.value), 2))
            .show(ui, |p| {
                for (k, l) in with.iter().enumerate() {
                    let pts: Vec<[f64; 2]> = run
                        .layer_history
                        .iter()
                        .filter_map(|(s, ls)| {
                            ls.iter()
                                .find(|x| x.node == l.node)
                                .filter(|x| x.grad_norm > 0.0)
                                .map(|x| [*s as f64, x.grad_norm.log10()])
                        })
                        .collect();
                    let colour = theme::CLASSES[k % theme::CLASSES.len()];
                    // The latest value as a dot, so one snapshot shows too.
                    if let Some(last) = pts.last() {
                        p.points(Points::new("", vec![*last]).color(colour).radius(3.0));
                    }
                    p.line(Line::new(node_name(doc, l.node), pts).color(colour));
                }
            });
    });
}

/// The bars: one row per layer, its name on the left, the bar from the
/// axis's lowest decade, its value at the end; decades marked above.
fn bars_ui(ui: &mut egui::Ui, layers: &[&LayerSnapshot], doc: &Document, size: egui::Vec2) {
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let text = visuals.text_color();
    let weak = visuals.weak_text_color();
    let font = egui::TextStyle::Body.resolve(ui.style());
    let names: Vec<String> = layers.iter().map(|l| node_name(doc, l.node)).collect();
    let name_w = names
        .iter()
        .map(|n| {
            painter
                .layout_no_wrap(n.clone(), font.clone(), text)
                .size()
                .x
        })
        .fold(0.0, f32::max)
        .min(rect.width() * 0.4)
        + 8.0;
    let norms: Vec<f64> = layers.iter().map(|l| l.grad_norm).collect();
    let Some(span) = decades(&norms) else {
        painter.text(
            rect.left_top(),
            Align2::LEFT_TOP,
            "every gradient is zero",
            font,
            text,
        );
        return;
    };
    let head = font.size + 6.0;
    let value_w = font.size * 4.0;
    let axis = Rect::from_min_max(
        pos2(rect.left() + name_w, rect.top() + head),
        pos2(rect.right() - value_w, rect.bottom()),
    );
    let row = (axis.height() / layers.len() as f32).min(font.size * 2.4);
    for e in span.0..=span.1 {
        let x = axis.left() + axis.width() * share(10f64.powi(e), span);
        let x = if e == span.0 { axis.left() } else { x };
        painter.vline(
            x,
            axis.y_range(),
            Stroke::new(1.0, weak.gamma_multiply(0.4)),
        );
        painter.text(
            pos2(x, rect.top()),
            Align2::CENTER_TOP,
            decade_label(e),
            font.clone(),
            weak,
        );
    }
    for (i, (l, name)) in layers.iter().zip(&names).enumerate() {
        let y = axis.top() + row * i as f32;
        let mid = y + row / 2.0;
        painter.text(
            pos2(axis.left() - 6.0, mid),
            Align2::RIGHT_CENTER,
            name,
            font.clone(),
            text,
        );
        let len = axis.width() * share(l.grad_norm, span);
        let bar = Rect::from_min_size(pos2(axis.left(), y + row * 0.15), vec2(len, row * 0.7));
        painter.rect_filled(bar, 2.0, theme::CLASSES[i % theme::CLASSES.len()]);
        painter.text(
            pos2(bar.right() + 4.0, mid),
            Align2::LEFT_CENTER,
            sig(l.grad_norm, 2),
            font.clone(),
            text,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_grow_from_the_lowest_decade() {
        let span = decades(&[3e-5, 0.2, 0.0]).unwrap();
        assert_eq!(span, (-5, 0));
        assert_eq!(share(1e-5, span), 0.0);
        assert_eq!(share(0.0, span), 0.0);
        assert_eq!(share(1.0, span), 1.0);
        // Each decade is the same length.
        assert!((share(1e-3, span) - 0.4).abs() < 1e-6);
        assert!(share(3e-5, span) > 0.0 && share(3e-5, span) < 0.2);
        assert_eq!(decades(&[0.0]), None);
        assert_eq!(decades(&[1e-3, 1.0]), Some((-4, 0)));
        // One value: one decade around it.
        assert_eq!(decades(&[0.5]), Some((-1, 0)));
    }

    #[test]
    fn decades_are_written_with_superscripts() {
        assert_eq!(decade_label(-12), "10⁻¹²");
        assert_eq!(decade_label(0), "10⁰");
        assert_eq!(decade_label(3), "10³");
    }
}
