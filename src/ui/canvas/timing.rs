//! View ▸ Where the time goes: each node on the canvas tinted by its share
//! of a training step's time, with a chip giving the share and, on hover,
//! the figures (forward and backward milliseconds, FLOPs, activation
//! bytes). The step is measured on a helper thread
//! ([`crate::trainer::profile`]: the project's own network on its own data,
//! medians of a few steps) — never on the UI thread — and again whenever the
//! graph, the data or the batch size changed since; until the new figures
//! arrive the canvas says they are being measured.

use egui::{Painter, Rect, Sense, vec2};

use crate::model::{NodeId, Project};
use crate::trainer::profile::{NodeProfile, Profile};
use crate::ui::task::Task;
use crate::ui::theme;

/// Steps run before timing, and timed.
const WARMUP: usize = 3;
const STEPS: usize = 9;

/// What the project looked like when it was measured: the graph's layers
/// and wires, the data and the batch size (not the nodes' positions).
fn key(p: &Project) -> String {
    let nodes: Vec<_> = p.graph.nodes().iter().map(|n| (n.id, &n.spec)).collect();
    format!(
        "{nodes:?}|{:?}|{:?}|{}",
        p.graph.edges(),
        p.data,
        p.training.batch_size
    )
}

/// The view's state: on or off, the measurement under way, the latest
/// figures and what they were measured on.
#[derive(Default)]
pub struct TimingView {
    /// Whether the canvas shows the tint.
    pub on: bool,
    task: Option<(String, Task<Result<Profile, String>>)>,
    result: Option<(String, Result<Profile, String>)>,
}

impl TimingView {
    /// Turns the view on or off.
    pub fn toggle(&mut self) {
        self.on = !self.on;
    }

    /// Once a frame: collects a finished measurement, and starts one when
    /// the view is on and has no figures for the project as it is now.
    /// `wake` repaints the window when the figures arrive.
    pub fn update(
        &mut self,
        project: &Project,
        dir: Option<&std::path::Path>,
        wake: Option<Box<dyn Fn() + Send>>,
    ) {
        if let Some((k, t)) = &mut self.task
            && let Some(out) = t.poll()
        {
            let r = out.map_err(|e| e.to_string()).and_then(|r| r);
            self.result = Some((k.clone(), r));
            self.task = None;
        }
        if !self.on || self.task.is_some() {
            return;
        }
        let now = key(project);
        if self.result.as_ref().is_some_and(|(k, _)| *k == now) {
            return;
        }
        let project = project.clone();
        let dir = dir.map(std::path::Path::to_path_buf);
        let threads = crate::engine::parallel::default_threads();
        let task = Task::spawn("measuring where the time goes", wake, move || {
            crate::trainer::profile::profile_project(
                &project,
                dir.as_deref(),
                WARMUP,
                STEPS,
                threads,
            )
            .map_err(|e| e.to_string())
        });
        self.task = Some((now, task));
    }

    /// What to draw for `project`: figures measured on it as it is now, or
    /// why there are none.
    pub fn shown(&self, project: &Project) -> Option<Shown<'_>> {
        if !self.on {
            return None;
        }
        let now = key(project);
        Some(match &self.result {
            Some((k, Ok(p))) if *k == now => Shown::Figures(p),
            Some((k, Err(e))) if *k == now => Shown::Failed(e),
            _ => Shown::Measuring,
        })
    }
}

/// What the canvas shows for the view.
#[derive(Debug)]
pub enum Shown<'a> {
    /// Figures for the project as it is.
    Figures(&'a Profile),
    /// Being measured (first time, or the project changed).
    Measuring,
    /// The step could not be measured: why.
    Failed(&'a str),
}

/// The figures of graph node `id` (an engine node, or several when one
/// layer became several).
fn of_node(p: &Profile, id: NodeId) -> impl Iterator<Item = &NodeProfile> {
    p.nodes.iter().filter(move |n| n.node_id == Some(id))
}

/// Paints the tint and chips over the nodes at `rects`, or a note in the
/// canvas's top-left corner while there are no figures.
pub fn paint_ui(
    ui: &mut egui::Ui,
    painter: &Painter,
    doc: &crate::ui::document::Document,
    shown: Shown<'_>,
    rects: &[(NodeId, Rect)],
    zoom: f32,
) {
    let clip = painter.clip_rect();
    let note = |text: String, color| {
        painter.text(
            clip.left_top() + vec2(8.0, 8.0),
            egui::Align2::LEFT_TOP,
            text,
            egui::FontId::proportional(13.0),
            color,
        );
    };
    let p = match shown {
        Shown::Figures(p) => p,
        Shown::Measuring => {
            note(
                "Where the time goes: measuring a few training steps…".into(),
                ui.visuals().weak_text_color(),
            );
            return;
        }
        Shown::Failed(e) => {
            note(
                format!("Where the time goes: could not measure: {e}"),
                theme::ERROR,
            );
            return;
        }
    };
    note(
        format!(
            "Where the time goes: step {:.3} ms at batch {} on {} thread{} (optimizer {:.0} %)",
            p.step_ms,
            p.batch,
            p.threads,
            if p.threads == 1 { "" } else { "s" },
            p.optimizer_ms / p.step_ms.max(1e-12) * 100.0
        ),
        ui.visuals().text_color(),
    );
    for (id, rect) in rects {
        let parts: Vec<&NodeProfile> = of_node(p, *id).collect();
        if parts.is_empty() {
            continue;
        }
        let share: f64 = parts.iter().map(|n| n.share).sum();
        let alpha = (share.clamp(0.0, 1.0) as f32).sqrt();
        painter.rect_filled(
            *rect,
            4.0 * zoom,
            theme::TIMING_HOT.gamma_multiply(theme::TIMING_MAX_ALPHA * alpha),
        );
        let chip = Rect::from_min_size(
            rect.left_bottom() + vec2(4.0 * zoom, 2.0 * zoom),
            vec2(54.0, 16.0) * zoom,
        );
        painter.rect_filled(chip, 3.0 * zoom, theme::TIMING_HOT);
        painter.text(
            chip.center(),
            egui::Align2::CENTER_CENTER,
            format!("{:.1} %", share * 100.0),
            egui::FontId::proportional(11.0 * zoom),
            egui::Color32::WHITE,
        );
        let visible = chip.intersect(clip);
        if visible.is_positive() {
            let resp = ui.interact(visible, ui.id().with(("timing", *id)), Sense::hover());
            let name = doc.project.graph.node(*id).map_or("", |n| n.name.as_str());
            let label = format!("{name}: {:.1} % of the training step", share * 100.0);
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Label, true, &label));
            resp.on_hover_text(figures(&parts, share));
        }
    }
}

/// The hover text of one node.
fn figures(parts: &[&NodeProfile], share: f64) -> String {
    let sum = |f: fn(&NodeProfile) -> f64| parts.iter().map(|n| f(n)).sum::<f64>();
    let flops: u64 = parts.iter().map(|n| n.flops).sum();
    let bytes: u64 = parts.iter().map(|n| n.activation_bytes).sum();
    format!(
        "{:.1} % of the training step\nforward {:.3} ms · backward {:.3} ms\n{} a step · activations {}",
        share * 100.0,
        sum(|n| n.forward_ms),
        sum(|n| n.backward_ms),
        crate::numfmt::flops(flops),
        crate::model::validate::fmt_bytes(bytes),
    )
}
