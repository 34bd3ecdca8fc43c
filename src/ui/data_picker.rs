//! Picking a generated data set from thumbnails, as in TensorFlow
//! Playground: each generator drawn small from a sample of its own data
//! (made once, with a fixed seed), the chosen one outlined. A click keeps
//! the data set's size and noise and changes only what is generated.

use std::sync::OnceLock;

use egui::{Color32, Pos2, Rect, Sense, Stroke, pos2, vec2};

use crate::data::Target;
use crate::model::{DataSource, DataSpec, Function1D, Generator, Normalization};

use super::theme;
use super::views::paint::diverging;

/// The generators offered, with their names (the thumbnails here and the
/// Data tab's list).
pub const CHOICES: [(&str, Generator); 13] = [
    ("spiral", Generator::Spiral { arms: 2 }),
    ("circles", Generator::Circles),
    ("XOR", Generator::Xor),
    ("blobs", Generator::Blobs { classes: 3 }),
    ("moons", Generator::Moons),
    (
        "sine curve",
        Generator::Function1D {
            function: Function1D::Sine,
        },
    ),
    (
        "polynomial",
        Generator::Function1D {
            function: Function1D::Polynomial,
        },
    ),
    (
        "step",
        Generator::Function1D {
            function: Function1D::Step,
        },
    ),
    (
        "straight line",
        Generator::Function1D {
            function: Function1D::Linear,
        },
    ),
    ("plane", Generator::Plane),
    ("Gaussian mixture", Generator::GaussianMixture),
    ("sine sequence", Generator::SineSequence { window: 20 }),
    (
        "wave shapes",
        Generator::WaveShapes {
            window: 32,
            classes: 3,
        },
    ),
];

/// Samples drawn per thumbnail.
const SAMPLES: usize = 240;
/// Sequences drawn per thumbnail of sequence data.
const LINES: usize = 4;

/// What a thumbnail draws, in the unit square (y up).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thumb {
    /// Points with their colour.
    pub points: Vec<([f32; 2], Color32)>,
    /// Lines (sequences) with their colour.
    pub lines: Vec<(Vec<[f32; 2]>, Color32)>,
}

/// Fits values into 0…1 (a constant maps to ½).
fn unit(v: &[f32]) -> Vec<f32> {
    let lo = v.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let span = hi - lo;
    v.iter()
        .map(|x| if span > 0.0 { (x - lo) / span } else { 0.5 })
        .collect()
}

/// The thumbnail of one generator's data (empty when it cannot be made).
pub fn thumb(g: Generator) -> Thumb {
    let spec = DataSpec {
        source: DataSource::Generated {
            generator: g,
            samples: SAMPLES,
            noise: 0.1,
        },
        validation_split: 0.2,
        normalization: Normalization::Off,
        features: Vec::new(),
    };
    let Ok(p) = crate::model::load_data::load_data(&spec, None, 1) else {
        return Thumb::default();
    };
    let d = &p.train;
    let x = &d.x;
    let colour = |i: usize| -> Color32 {
        match &d.target {
            Target::Classes { labels, .. } => {
                let c = labels.get(i).copied().unwrap_or(0) as usize;
                theme::CLASSES[c % theme::CLASSES.len()]
            }
            Target::Values { .. } => theme::TRAIN,
        }
    };
    let mut t = Thumb::default();
    match (d.input_shape.as_slice(), &d.target) {
        ([2], target) => {
            let xs = unit(&x.column(0).to_vec());
            let ys = unit(&x.column(1).to_vec());
            let values = match target {
                Target::Values { y, .. } => {
                    let v = y.column(0).to_vec();
                    let m = v.iter().fold(0f32, |m, a| m.max(a.abs())).max(1e-6);
                    Some(v.iter().map(|a| a / m).collect::<Vec<f32>>())
                }
                Target::Classes { .. } => None,
            };
            for i in 0..xs.len() {
                let c = values
                    .as_ref()
                    .map_or_else(|| colour(i), |v| diverging(v[i]));
                t.points.push(([xs[i], ys[i]], c));
            }
        }
        ([1], Target::Values { y, .. }) => {
            let xs = unit(&x.column(0).to_vec());
            let ys = unit(&y.column(0).to_vec());
            t.points = xs
                .into_iter()
                .zip(ys)
                .map(|(a, b)| ([a, b], theme::TRAIN))
                .collect();
        }
        ([_, 1], _) => {
            let all: Vec<f32> = x.iter().copied().collect();
            let lo = all.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = all.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let span = (hi - lo).max(f32::MIN_POSITIVE);
            for i in 0..x.nrows().min(LINES) {
                let row = x.row(i);
                let n = row.len().max(2) as f32 - 1.0;
                let pts = row
                    .iter()
                    .enumerate()
                    .map(|(k, v)| [k as f32 / n, (v - lo) / span])
                    .collect();
                t.lines.push((pts, colour(i)));
            }
        }
        _ => {}
    }
    t
}

/// Every choice's thumbnail, made on first use.
fn thumbs() -> &'static [Thumb] {
    static THUMBS: OnceLock<Vec<Thumb>> = OnceLock::new();
    THUMBS.get_or_init(|| CHOICES.iter().map(|(_, g)| thumb(g.clone())).collect())
}

/// Whether `g` is the generator of choice `c` (settings such as the number
/// of arms do not matter, except which function a 1-D set follows).
fn same_kind(g: &Generator, c: &Generator) -> bool {
    std::mem::discriminant(g) == std::mem::discriminant(c)
        && (!matches!(c, Generator::Function1D { .. }) || g == c)
}

/// Draws the thumbnails; a click makes that generator the data set's.
pub fn ui(ui: &mut egui::Ui, spec: &mut DataSpec) {
    let side = (ui.available_width() / 4.0 - ui.spacing().item_spacing.x).clamp(56.0, 110.0);
    let current = match &spec.source {
        DataSource::Generated { generator, .. } => Some(generator.clone()),
        _ => None,
    };
    ui.horizontal_wrapped(|ui| {
        for ((name, g), t) in CHOICES.iter().zip(thumbs()) {
            let chosen = current.as_ref().is_some_and(|c| same_kind(c, g));
            if thumb_ui(ui, name, t, side, chosen).clicked() && !chosen {
                let (samples, noise) = match &spec.source {
                    DataSource::Generated { samples, noise, .. } => (*samples, *noise),
                    _ => (500, 0.1),
                };
                spec.source = DataSource::Generated {
                    generator: g.clone(),
                    samples,
                    noise,
                };
            }
        }
    });
}

/// One thumbnail with its name under it; returns its response.
fn thumb_ui(ui: &mut egui::Ui, name: &str, t: &Thumb, side: f32, chosen: bool) -> egui::Response {
    let font = egui::TextStyle::Small.resolve(ui.style());
    let label = ui
        .painter()
        .layout(name.to_string(), font, ui.visuals().text_color(), side);
    let (rect, resp) =
        ui.allocate_exact_size(vec2(side, side + label.size().y + 2.0), Sense::click());
    let resp = resp.on_hover_text(format!("generate the {name} data set"));
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let frame = Rect::from_min_size(rect.min, vec2(side, side));
    painter.rect_filled(frame, 4.0, visuals.extreme_bg_color);
    let inner = frame.shrink(side * 0.08);
    let at = |p: [f32; 2]| -> Pos2 {
        pos2(
            inner.left() + p[0] * inner.width(),
            inner.bottom() - p[1] * inner.height(),
        )
    };
    let r = (side / 50.0).max(1.0);
    for (p, c) in &t.points {
        painter.circle_filled(at(*p), r, *c);
    }
    for (line, c) in &t.lines {
        painter.line(line.iter().map(|p| at(*p)).collect(), Stroke::new(r, *c));
    }
    let (width, colour) = if chosen {
        (3.0, theme::SELECTION)
    } else if resp.hovered() {
        (2.0, visuals.widgets.hovered.fg_stroke.color)
    } else {
        (1.0, visuals.widgets.noninteractive.bg_stroke.color)
    };
    painter.rect_stroke(
        frame,
        4.0,
        Stroke::new(width, colour),
        egui::StrokeKind::Inside,
    );
    let at_x = frame.center().x - label.size().x / 2.0;
    painter.galley(
        pos2(at_x, frame.bottom() + 2.0),
        label,
        visuals.text_color(),
    );
    // Named apart from the data form's list entries of the same names.
    let label = format!("{name} data set");
    resp.widget_info(|| egui::WidgetInfo::selected(egui::WidgetType::Button, true, chosen, &label));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_has_a_picture() {
        for ((name, _), t) in CHOICES.iter().zip(thumbs()) {
            assert!(
                !t.points.is_empty() || !t.lines.is_empty(),
                "{name} has an empty thumbnail"
            );
            for (p, _) in &t.points {
                assert!(
                    (0.0..=1.0).contains(&p[0]) && (0.0..=1.0).contains(&p[1]),
                    "{name}: {p:?}"
                );
            }
        }
    }

    #[test]
    fn the_chosen_kind_ignores_settings_but_not_the_function() {
        assert!(same_kind(
            &Generator::Spiral { arms: 3 },
            &Generator::Spiral { arms: 2 }
        ));
        assert!(!same_kind(
            &Generator::Function1D {
                function: Function1D::Abs
            },
            &Generator::Function1D {
                function: Function1D::Sine
            }
        ));
    }
}
