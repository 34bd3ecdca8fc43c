//! The network canvas: nodes with pins, wires dragged from pin to pin, pan,
//! zoom, box and shift selection, moving, and layers dropped from the
//! palette. Edits change the project directly (the app records undo steps
//! and re-validates); refused wires say why.

pub mod badges;
pub mod diff;
mod menus;
pub mod node;
pub mod timing;
mod totals;
pub mod view;

use egui::{Color32, Id, PointerButton, Pos2, Rect, Sense, Stroke, StrokeKind, Vec2};

use crate::model::{LayerSpec, NodeId};

use super::document::Document;
use super::editor::Editor;
use super::theme;
use menus::{background_menu, node_menu, node_tooltip};
use node::{NODE_SIZE, NodeLook, PIN_RADIUS};
use totals::{fit_beside_totals, totals_galley, totals_rect};
pub use view::View;

/// What training adds to the canvas: health badges and unit pictures.
pub struct Overlay<'a> {
    /// The current run's latest snapshot.
    pub snapshot: Option<crate::ui::run::Live<'a>>,
    /// Textures of the unit pictures.
    pub textures: &'a mut crate::ui::views::paint::Textures,
    /// The one-sample trace, shown if it is of this run.
    pub trace: Option<(&'a mut crate::ui::trace::TraceState, crate::ui::run::RunId)>,
    /// Two runs' design diff to draw over the nodes (`diff.rs`).
    pub diff: Option<&'a diff::CanvasDiff>,
    /// View ▸ Where the time goes, when on.
    pub timing: Option<timing::Shown<'a>>,
}

/// A layer being dragged from the palette.
#[derive(Clone, Debug)]
pub struct PaletteDrag(pub LayerSpec);

/// The canvas's own state: view and gestures under way.
pub struct CanvasState {
    /// Pan and zoom.
    pub view: View,
    /// Fit the graph into view on the next frame.
    pub fit_pending: bool,
    fit_frames: u8,
    /// A wire being dragged from this node's output.
    wire_from: Option<NodeId>,
    /// While a wire is dragged over a node: its ends and why it would be
    /// refused (worked out once per pair of ends).
    wire_over: Option<(NodeId, NodeId, Option<String>)>,
    /// Where a box selection started (screen).
    box_start: Option<Pos2>,
    /// The canvas area last frame (screen).
    pub area: Rect,
    /// How much larger than at zoom 1 text, pins, wires and pictures are
    /// drawn (`theme::canvas_scale`; the window sets it each frame).
    pub scale: f32,
    /// Where each node's name was drawn last frame (screen points), for
    /// tests and tools.
    pub label_rects: Vec<(NodeId, Rect)>,
    /// The network's totals in the top-right corner (the Build layout;
    /// the small canvas of the other layouts leaves them out).
    pub totals: bool,
}

impl Default for CanvasState {
    fn default() -> Self {
        Self {
            view: View::default(),
            fit_pending: false,
            fit_frames: 0,
            wire_from: None,
            wire_over: None,
            box_start: None,
            area: Rect::NOTHING,
            scale: 1.0,
            label_rects: Vec::new(),
            totals: true,
        }
    }
}

impl CanvasState {
    /// A canvas that fits the graph into view on its first frame.
    pub fn fitted() -> Self {
        Self {
            fit_pending: true,
            ..Self::default()
        }
    }

    /// Why the wire being dragged would be refused if dropped where the
    /// pointer is now (shown live on the canvas), or `None`.
    pub fn dragged_wire_refusal(&self) -> Option<&str> {
        self.wire_from?;
        self.wire_over
            .as_ref()
            .and_then(|(_, _, why)| why.as_deref())
    }

    /// Screen rectangle of a node as last drawn (for tests and tools).
    pub fn node_rect(&self, pos: [f32; 2]) -> Rect {
        self.view.rect_to_screen(self.area, pos, NODE_SIZE)
    }
}

fn node_bounds(doc: &Document) -> Option<Rect> {
    view::bounds(
        doc.project
            .graph
            .nodes()
            .iter()
            .map(|n| (n.pos, NODE_SIZE + Vec2::new(0.0, 30.0))),
    )
}

/// Draws the canvas and handles its gestures.
pub fn ui(
    ui: &mut egui::Ui,
    doc: &mut Document,
    editor: &mut Editor,
    state: &mut CanvasState,
    overlay: Overlay<'_>,
) {
    let (area, bg) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
    state.area = area;
    let painter = ui.painter_at(area);
    painter.rect_filled(area, 0.0, ui.visuals().faint_bg_color);
    // Fit on a few frames in a row: panels settle after a zoom change.
    if state.fit_pending {
        state.fit_pending = false;
        state.fit_frames = 3;
    }
    let totals = state
        .totals
        .then(|| totals_galley(&painter, doc, ui.visuals(), state.scale));
    if state.fit_frames > 0 {
        state.fit_frames -= 1;
        if let Some(b) = node_bounds(doc) {
            fit_beside_totals(state, area, b, totals.as_ref().map(|g| g.size()));
        }
    }
    paint_grid(
        &painter,
        area,
        &state.view,
        ui.visuals().weak_text_color().gamma_multiply(0.15),
    );
    pan_and_zoom(ui, area, &bg, state);

    let pointer = ui.ctx().pointer_interact_pos();
    let shift = ui.input(|i| i.modifiers.shift);
    let zoom = state.view.zoom;
    // Sizes of what is drawn on and between nodes: larger in classroom mode.
    let look_zoom = zoom * state.scale.max(1.0);
    let rects: Vec<(NodeId, Rect)> = doc
        .project
        .graph
        .nodes()
        .iter()
        .map(|n| (n.id, state.view.rect_to_screen(area, n.pos, NODE_SIZE)))
        .collect();
    let rect_of = |id: NodeId| rects.iter().find(|(n, _)| *n == id).map(|(_, r)| *r);

    // Wires under the nodes.
    let wire_stroke = Stroke::new(theme::WIRE_WIDTH * look_zoom.max(0.5), theme::WIRE);
    for e in doc.project.graph.edges() {
        let (Some(a), Some(b)) = (rect_of(e.from), rect_of(e.to)) else {
            continue;
        };
        let n_in = doc.project.graph.inputs_of(e.to).len();
        let stroke = if editor.selection.edge == Some(*e) {
            Stroke::new(wire_stroke.width * 2.0, theme::SELECTION)
        } else {
            wire_stroke
        };
        node::paint_wire(
            &painter,
            node::output_pin(a),
            node::input_slot(b, e.port, n_in),
            stroke,
        );
    }

    // Nodes, then their pins on top for interaction.
    let mut move_by: Option<Vec2> = None;
    let mut clicked_node = false;
    state.label_rects.clear();
    for (id, rect) in &rects {
        let Some(label) = doc.project.graph.node(*id).map(|n| n.name.clone()) else {
            continue;
        };
        let resp = ui
            .interact(*rect, Id::new(("node", *id)), Sense::click_and_drag())
            .on_hover_ui(|ui| node_tooltip(ui, doc, *id));
        resp.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Button, true, &label));
        // Only the primary button selects and moves; right- and middle-drag
        // on a node pan the canvas, as they do on the background.
        if resp.clicked() || resp.drag_started_by(PointerButton::Primary) {
            clicked_node = true;
            if shift && resp.clicked() {
                if !editor.selection.nodes.remove(id) {
                    editor.selection.nodes.insert(*id);
                }
                editor.selection.edge = None;
            } else if !editor.selection.nodes.contains(id) {
                editor.selection.only(*id);
            }
        }
        if resp.dragged_by(PointerButton::Primary) {
            move_by = Some(resp.drag_delta() / zoom);
        } else if resp.dragged_by(PointerButton::Secondary)
            || resp.dragged_by(PointerButton::Middle)
        {
            state.view.pan += resp.drag_delta();
        }
        node_menu(&resp, doc, editor, *id);
        let look = NodeLook {
            info: doc.analysis.nodes.get(id),
            selected: editor.selection.nodes.contains(id),
            hovered: resp.hovered(),
            zoom,
            scale: state.scale,
            visuals: ui.visuals(),
        };
        if let Some(n) = doc.project.graph.node(*id) {
            let label = node::paint(&painter, *rect, n, &look);
            state.label_rects.push((*id, label));
        }
    }
    if let Some(snap) = overlay.snapshot {
        badges::paint(ui, &painter, doc, snap, overlay.textures, &rects, look_zoom);
    }
    if let Some((t, run)) = overlay.trace {
        let graph = &doc.project.graph;
        crate::ui::trace::canvas::canvas_ui(ui, &painter, t, run, graph, &rects, zoom);
    }
    if let Some(d) = overlay.diff {
        diff::paint(
            &painter,
            area,
            &state.view,
            &rects,
            d,
            ui.visuals().text_color(),
        );
    }
    if let Some(shown) = overlay.timing {
        timing::paint_ui(ui, &painter, doc, shown, &rects, look_zoom);
    }
    if let Some(d) = move_by {
        for id in editor.selection.nodes.clone() {
            if let Some(n) = doc.project.graph.node_mut(id) {
                n.pos = [n.pos[0] + d.x, n.pos[1] + d.y];
            }
        }
    }
    pins(ui, doc, editor, state, &rects);

    // The wire being dragged: red, with the reason, over a node that would
    // refuse it.
    dragged_wire(ui, &painter, doc, state, &rects, pointer, wire_stroke.width);

    // Box selection and clicks on the background.
    if bg.drag_started_by(PointerButton::Primary) {
        state.box_start = pointer;
    }
    if let (Some(start), Some(p)) = (state.box_start, pointer) {
        let r = Rect::from_two_pos(start, p);
        painter.rect(
            r,
            0.0,
            theme::SELECTION.gamma_multiply(0.1),
            Stroke::new(1.0, theme::SELECTION),
            StrokeKind::Inside,
        );
        if bg.drag_stopped() {
            state.box_start = None;
            if !shift {
                editor.selection.clear();
            }
            for (id, nr) in &rects {
                if r.intersects(*nr) {
                    editor.selection.nodes.insert(*id);
                }
            }
        }
    }
    if !ui.input(|i| i.pointer.primary_down()) && !bg.drag_stopped() {
        state.box_start = None;
    }
    if bg.clicked() && !clicked_node {
        editor.selection.clear();
        if let Some(p) = pointer {
            editor.selection.edge = wire_at(doc, &rect_of, p, 6.0);
        }
    }
    background_menu(&bg, doc, editor, state);
    palette_drop(ui, area, doc, editor, state);
    if let Some(g) = totals {
        let rect = totals_rect(area, g.size());
        painter.rect_filled(rect.expand(4.0), 4.0, ui.visuals().faint_bg_color);
        painter.galley(rect.min, g, ui.visuals().weak_text_color());
    }
    if let Some(msg) = editor.refusal.clone() {
        // The close button first and the reason wrapped, so a long reason
        // never pushes the button out of sight.
        let bar = Rect::from_min_max(
            Pos2::new(area.left() + 8.0, area.bottom() - theme::REFUSAL_BAR_HEIGHT),
            Pos2::new(area.right() - 8.0, area.bottom() - 8.0),
        );
        let mut close = false;
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(bar)
                .layout(egui::Layout::bottom_up(egui::Align::Min)),
            |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.horizontal_top(|ui| {
                        close = ui.small_button("✕").on_hover_text("dismiss").clicked();
                        ui.add(
                            egui::Label::new(egui::RichText::new(msg).color(theme::ERROR)).wrap(),
                        );
                    });
                });
            },
        );
        if close {
            editor.refusal = None;
        }
    }
    if doc.project.graph.nodes().is_empty() {
        painter.text(
            area.center(),
            egui::Align2::CENTER_CENTER,
            "Drag layers here from the palette, or double-click one.\nStart with an Input.",
            egui::FontId::proportional(theme::CANVAS_HINT_FONT * state.scale.max(1.0)),
            ui.visuals().weak_text_color(),
        );
    }
}

fn pins(
    ui: &mut egui::Ui,
    doc: &mut Document,
    editor: &mut Editor,
    state: &mut CanvasState,
    rects: &[(NodeId, Rect)],
) {
    let hit = pin_hit(state.view.zoom * state.scale.max(1.0));
    let mut done: Option<(NodeId, Option<NodeId>)> = None;
    for (id, rect) in rects {
        let out = ui.interact(
            Rect::from_center_size(node::output_pin(*rect), hit),
            Id::new(("out-pin", *id)),
            Sense::drag(),
        );
        out.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Other, true, "output pin"));
        if out.drag_started_by(PointerButton::Primary) {
            state.wire_from = Some(*id);
        }
        if out.drag_stopped() && state.wire_from == Some(*id) {
            let target = ui
                .ctx()
                .pointer_interact_pos()
                .and_then(|p| node_at(rects, p, hit.y));
            done = Some((*id, target));
        }
        let takes_input = doc
            .project
            .graph
            .node(*id)
            .is_some_and(|n| n.spec.arity() != Some(0));
        if takes_input {
            let inp = ui.interact(
                Rect::from_center_size(node::input_pin(*rect), hit),
                Id::new(("in-pin", *id)),
                Sense::drag(),
            );
            // Grabbing an input pin picks up its wire to move it elsewhere.
            if inp.drag_started_by(PointerButton::Primary)
                && let Some(e) = doc.project.graph.inputs_of(*id).last().copied()
            {
                doc.project.graph.disconnect(e);
                state.wire_from = Some(e.from);
            }
            if inp.drag_stopped()
                && let Some(from) = state.wire_from
            {
                let target = ui
                    .ctx()
                    .pointer_interact_pos()
                    .and_then(|p| node_at(rects, p, hit.y));
                done = Some((from, target));
            }
        }
    }
    if let Some((from, target)) = done {
        state.wire_from = None;
        if let Some(to) = target
            && to != from
            && editor.connect(doc, from, to)
        {
            editor.selection.only(to);
        }
    }
    if !ui.input(|i| i.pointer.any_down())
        && done.is_none()
        && !ui.input(|i| i.pointer.any_released())
    {
        state.wire_from = None;
    }
}

/// The size of a pin's hit area at `zoom`.
fn pin_hit(zoom: f32) -> Vec2 {
    Vec2::splat(2.5 * PIN_RADIUS * zoom.max(0.6))
}

/// Paints the wire being dragged and, when the pointer is over a node that
/// would refuse it, paints it in the error colour with the reason beside
/// the pointer.
fn dragged_wire(
    ui: &egui::Ui,
    painter: &egui::Painter,
    doc: &Document,
    state: &mut CanvasState,
    rects: &[(NodeId, Rect)],
    pointer: Option<Pos2>,
    width: f32,
) {
    let from = state.wire_from;
    let from_rect = from.and_then(|f| rects.iter().find(|(n, _)| *n == f).map(|(_, r)| *r));
    let (Some(from), Some(from_rect), Some(p)) = (from, from_rect, pointer) else {
        state.wire_over = None;
        return;
    };
    let target =
        node_at(rects, p, pin_hit(state.view.zoom * state.scale.max(1.0)).y).filter(|t| *t != from);
    let Some(to) = target else {
        state.wire_over = None;
        node::paint_wire(
            painter,
            node::output_pin(from_rect),
            p,
            Stroke::new(width, theme::SELECTION),
        );
        return;
    };
    if !matches!(&state.wire_over, Some((f, t, _)) if *f == from && *t == to) {
        state.wire_over = Some((from, to, super::editor::wire_refusal(doc, from, to)));
    }
    let why = state.wire_over.as_ref().and_then(|(_, _, w)| w.clone());
    let color = if why.is_some() {
        theme::ERROR
    } else {
        theme::OK
    };
    node::paint_wire(
        painter,
        node::output_pin(from_rect),
        p,
        Stroke::new(width * 1.5, color),
    );
    if let Some(why) = why {
        egui::Area::new(Id::new("dragged-wire-refusal"))
            .order(egui::Order::Tooltip)
            .fixed_pos(p + Vec2::new(16.0, 16.0))
            .interactable(false)
            .show(ui.ctx(), |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.set_max_width(theme::WIRE_REFUSAL_WIDTH);
                    ui.colored_label(theme::ERROR, why);
                });
            });
    }
}

fn node_at(rects: &[(NodeId, Rect)], p: Pos2, margin: f32) -> Option<NodeId> {
    rects
        .iter()
        .rev()
        .find(|(_, r)| r.expand(margin).contains(p))
        .map(|(id, _)| *id)
}

fn wire_at(
    doc: &Document,
    rect_of: &impl Fn(NodeId) -> Option<Rect>,
    p: Pos2,
    within: f32,
) -> Option<crate::model::Edge> {
    let g = &doc.project.graph;
    g.edges()
        .iter()
        .filter_map(|e| {
            let (a, b) = (rect_of(e.from)?, rect_of(e.to)?);
            let to = node::input_slot(b, e.port, g.inputs_of(e.to).len());
            let d = node::wire_distance(node::output_pin(a), to, p);
            (d <= within).then_some((d, *e))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, e)| e)
}

fn pan_and_zoom(ui: &egui::Ui, area: Rect, bg: &egui::Response, state: &mut CanvasState) {
    if bg.dragged_by(PointerButton::Secondary) || bg.dragged_by(PointerButton::Middle) {
        state.view.pan += bg.drag_delta();
    }
    if !ui.rect_contains_pointer(area) {
        return;
    }
    let (zoom, scroll, pointer) =
        ui.input(|i| (i.zoom_delta(), i.smooth_scroll_delta, i.pointer.hover_pos()));
    if zoom != 1.0
        && let Some(p) = pointer
    {
        state.view.zoom_at(area, p, zoom);
    } else if scroll != Vec2::ZERO {
        state.view.pan += scroll;
    }
}

fn paint_grid(painter: &egui::Painter, area: Rect, view: &View, color: Color32) {
    let step = 40.0 * view.zoom;
    if step < 8.0 {
        return;
    }
    let origin = area.min + view.pan;
    let mut x = area.left() + (origin.x - area.left()).rem_euclid(step);
    while x < area.right() {
        let mut y = area.top() + (origin.y - area.top()).rem_euclid(step);
        while y < area.bottom() {
            painter.circle_filled(Pos2::new(x, y), 1.0, color);
            y += step;
        }
        x += step;
    }
}

fn palette_drop(
    ui: &egui::Ui,
    area: Rect,
    doc: &mut Document,
    editor: &mut Editor,
    state: &CanvasState,
) {
    let ctx = ui.ctx();
    if !egui::DragAndDrop::has_payload_of_type::<PaletteDrag>(ctx) {
        return;
    }
    let Some(p) = ctx.pointer_interact_pos() else {
        return;
    };
    if !area.contains(p) {
        return;
    }
    ui.painter().rect_stroke(
        area.shrink(2.0),
        4.0,
        Stroke::new(2.0, theme::SELECTION),
        StrokeKind::Inside,
    );
    if ui.input(|i| i.pointer.any_released())
        && let Some(drag) = egui::DragAndDrop::take_payload::<PaletteDrag>(ctx)
    {
        let c = state.view.to_canvas(area, p);
        let pos = [c[0] - NODE_SIZE.x / 2.0, c[1] - NODE_SIZE.y / 2.0];
        editor.add_at(&mut doc.project, drag.0.clone(), pos);
    }
}
