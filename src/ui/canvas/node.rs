//! One node on the canvas: its size, pins, and how it is painted.

use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Stroke, StrokeKind, Vec2, vec2};

use crate::model::infer::fmt_shape;
use crate::model::{Init, LayerSpec, Node, NodeInfo, Padding, Severity, Units};

use crate::ui::theme;

/// Node size in canvas units.
pub const NODE_SIZE: Vec2 = vec2(180.0, 64.0);
/// Pin radius in canvas units.
pub const PIN_RADIUS: f32 = 6.0;

/// Screen position of a node's input pin (top centre).
pub fn input_pin(rect: Rect) -> Pos2 {
    rect.center_top()
}

/// Screen position of a node's output pin (bottom centre).
pub fn output_pin(rect: Rect) -> Pos2 {
    rect.center_bottom()
}

/// Where the wire into `port` of `of_n` inputs meets the node's top edge.
pub fn input_slot(rect: Rect, port: u16, of_n: usize) -> Pos2 {
    if of_n <= 1 {
        return input_pin(rect);
    }
    let t = (f32::from(port) + 1.0) / (of_n as f32 + 1.0);
    Pos2::new(rect.left() + rect.width() * t, rect.top())
}

fn init_name(i: Init) -> Option<&'static str> {
    Some(match i {
        Init::Default => return None,
        Init::XavierUniform | Init::XavierNormal => "Xavier",
        Init::HeUniform | Init::HeNormal => "He",
        Init::LeCun => "LeCun",
        Init::Zeros => "zeros",
        Init::Constant(_) => "constant",
    })
}

/// The kind and its key settings in a few words: "Dense 32 · He".
pub fn summary(spec: &LayerSpec) -> String {
    let with_init = |s: String, i: Init| match init_name(i) {
        Some(n) => format!("{s} · {n}"),
        None => s,
    };
    match spec {
        LayerSpec::Dense(d) => {
            let u = match d.units {
                Units::Fixed(n) => n.to_string(),
                Units::Auto => "auto".into(),
            };
            with_init(format!("Dense {u}"), d.init)
        }
        LayerSpec::Conv2D(c) => {
            let pad = if c.padding == Padding::Same {
                "same"
            } else {
                "valid"
            };
            let stride = if c.stride == 1 {
                String::new()
            } else {
                format!(" /{}", c.stride)
            };
            with_init(
                format!("Conv {}×{}×{}{stride} {pad}", c.filters, c.kernel, c.kernel),
                c.init,
            )
        }
        LayerSpec::MaxPool2D(p) => format!("MaxPool {}×{}", p.size, p.size),
        LayerSpec::AvgPool2D(p) => format!("AvgPool {}×{}", p.size, p.size),
        LayerSpec::Dropout { rate } => format!("Dropout {rate}"),
        LayerSpec::Reshape { shape } => format!("Reshape {}", fmt_shape(shape)),
        LayerSpec::SimpleRnn(r) | LayerSpec::Lstm(r) | LayerSpec::Gru(r) => {
            let seq = if r.return_sequences { " · seq" } else { "" };
            format!("{} {}{seq}", spec.kind_name(), r.units)
        }
        other => other.kind_name().to_string(),
    }
}

/// What a painted node needs besides the node itself.
pub struct NodeLook<'a> {
    /// Inference results.
    pub info: Option<&'a NodeInfo>,
    /// Selected on the canvas.
    pub selected: bool,
    /// Under the pointer.
    pub hovered: bool,
    /// Screen points per canvas unit.
    pub zoom: f32,
    /// How much larger text, pins and lines are drawn than at zoom 1
    /// (`theme::canvas_scale`: 1, or more in classroom mode).
    pub scale: f32,
    /// The window's colours.
    pub visuals: &'a egui::Visuals,
}

/// Paints `text` with its top-left or top-right corner at `at`, on one
/// line no wider than `width` (cut with "…" beyond it); returns where it
/// went.
fn text_within(
    painter: &Painter,
    at: Pos2,
    align: Align2,
    text: String,
    font: FontId,
    color: Color32,
    width: f32,
) -> Rect {
    let mut job = egui::text::LayoutJob::simple_singleline(text, font, color);
    job.wrap = egui::text::TextWrapping::truncate_at_width(width.max(1.0));
    let galley = painter.layout_job(job);
    let rect = align.anchor_size(at, galley.size());
    painter.galley(rect.min, galley, color);
    rect
}

/// Paints a node into `rect` (screen coordinates); returns where its name
/// went (screen points).
pub fn paint(painter: &Painter, rect: Rect, node: &Node, look: &NodeLook<'_>) -> Rect {
    let visuals = look.visuals;
    let z = look.zoom;
    // Text and lines drawn `scale` times larger inside the same box; the
    // lines move closer to the top to make room.
    let s = look.scale.max(1.0);
    let zs = z * s;
    let error = look.info.and_then(|i| {
        i.problems
            .iter()
            .find(|p| p.severity == Severity::Error)
            .or_else(|| i.problems.first())
    });
    let round = 6.0 * z;
    let fill = if look.hovered {
        visuals.widgets.hovered.bg_fill
    } else {
        visuals.extreme_bg_color
    };
    painter.rect_filled(rect, round, fill);
    let strip = Rect::from_min_size(rect.min, vec2(5.0 * zs, rect.height()));
    painter.rect_filled(strip, round, theme::group_color(node.spec.group()));
    let (stroke_color, width): (Color32, f32) = match error {
        Some(p) if p.severity == Severity::Error => (theme::ERROR, 2.5),
        Some(_) => (theme::WARNING, 2.0),
        None if look.selected => (theme::SELECTION, 2.5),
        None => (visuals.widgets.noninteractive.bg_stroke.color, 1.0),
    };
    let width = if look.selected { width.max(2.5) } else { width };
    painter.rect_stroke(
        rect,
        round,
        Stroke::new(width * zs.max(0.5), stroke_color),
        StrokeKind::Inside,
    );
    if look.selected && error.is_some() {
        let outer = rect.expand(3.0 * z);
        painter.rect_stroke(
            outer,
            round,
            Stroke::new(1.5, theme::SELECTION),
            StrokeKind::Outside,
        );
    }
    let text = visuals.text_color();
    let weak = visuals.weak_text_color();
    let left = rect.left() + (5.0 + 7.0 * s) * z;
    let right = rect.right() - 8.0 * z;
    let top = (8.0 - 4.0 * (s - 1.0) / 0.3).clamp(3.0, 8.0);
    let line = |i: f32| rect.top() + (top + (15.0 * s + 2.0) * i) * z;
    let room = right - left;
    let name_rect = text_within(
        painter,
        Pos2::new(left, line(0.0)),
        Align2::LEFT_TOP,
        node.name.clone(),
        FontId::proportional(14.0 * zs),
        text,
        room,
    );
    if z >= 0.45 / s {
        text_within(
            painter,
            Pos2::new(left, line(1.0)),
            Align2::LEFT_TOP,
            summary(&node.spec),
            FontId::proportional(12.0 * zs),
            text,
            room,
        );
        if let Some(info) = look.info {
            let mut used = 0.0;
            if info.params > 0 {
                used = text_within(
                    painter,
                    Pos2::new(right, line(2.0)),
                    Align2::RIGHT_TOP,
                    format!("{} p", crate::numfmt::thousands(info.params)),
                    FontId::monospace(11.0 * zs),
                    weak,
                    room / 2.0,
                )
                .width()
                    + 6.0 * z;
            }
            let shape = info.out_shape.as_deref().map_or("?".into(), fmt_shape);
            text_within(
                painter,
                Pos2::new(left, line(2.0)),
                Align2::LEFT_TOP,
                format!("→ {shape}"),
                FontId::monospace(11.0 * zs),
                weak,
                room - used,
            );
        }
    }
    if let Some(p) = error {
        let color = if p.severity == Severity::Error {
            theme::ERROR
        } else {
            theme::WARNING
        };
        let galley = painter.layout(
            format!("⚠ {}", p.message),
            FontId::proportional(11.5 * zs),
            color,
            rect.width() + 40.0 * z,
        );
        painter.galley(
            Pos2::new(rect.left(), rect.bottom() + 9.0 * zs),
            galley,
            color,
        );
    }
    paint_pins(painter, rect, node, zs, visuals.text_color());
    name_rect
}

fn paint_pins(painter: &Painter, rect: Rect, node: &Node, z: f32, color: Color32) {
    let r = PIN_RADIUS * z;
    if node.spec.arity() != Some(0) {
        painter.circle(input_pin(rect), r, theme::PIN_IN, Stroke::new(1.0, color));
    }
    painter.circle(output_pin(rect), r, theme::PIN_OUT, Stroke::new(1.0, color));
}

/// Paints a wire from an output pin down to an input slot.
pub fn paint_wire(painter: &Painter, from: Pos2, to: Pos2, stroke: Stroke) {
    let pts = wire_points(from, to);
    painter.add(egui::epaint::CubicBezierShape::from_points_stroke(
        pts,
        false,
        Color32::TRANSPARENT,
        stroke,
    ));
}

/// The bezier control points of a wire leaving downwards and arriving from above.
pub fn wire_points(from: Pos2, to: Pos2) -> [Pos2; 4] {
    let dy = ((to.y - from.y).abs() * 0.5).max(30.0);
    [from, from + vec2(0.0, dy), to - vec2(0.0, dy), to]
}

/// Distance from `p` to a wire, sampled along its curve.
pub fn wire_distance(from: Pos2, to: Pos2, p: Pos2) -> f32 {
    let [a, b, c, d] = wire_points(from, to);
    (0..=24)
        .map(|i| {
            let t = i as f32 / 24.0;
            let u = 1.0 - t;
            let q = a.to_vec2() * (u * u * u)
                + b.to_vec2() * (3.0 * u * u * t)
                + c.to_vec2() * (3.0 * u * t * t)
                + d.to_vec2() * (t * t * t);
            q.to_pos2().distance(p)
        })
        .fold(f32::INFINITY, f32::min)
}
