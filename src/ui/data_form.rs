//! The data settings: which data set (generated, bundled, CSV, IDX), its
//! size and noise, validation split, normalisation, feature crosses, and a
//! preview of what it looks like.

use egui_plot::{Line, Plot, PlotPoints, Points};

use crate::model::{Bundled, DataSource, DataSpec, Feature, Function1D, Generator, Normalization};

use super::document::{DataState, Document};
use super::preview::{Preview, PreviewState};
use super::theme;

const GENERATORS: [(&str, Generator); 12] = [
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

const BUNDLED: [(&str, Bundled); 4] = [
    ("MNIST subset (28×28 digits)", Bundled::MnistSubset),
    ("8×8 digits", Bundled::Digits8x8),
    ("iris", Bundled::Iris),
    ("diabetes (regression)", Bundled::Diabetes),
];

const FEATURES: [(&str, Feature); 7] = [
    ("x₁", Feature::X1),
    ("x₂", Feature::X2),
    ("x₁²", Feature::X1Squared),
    ("x₂²", Feature::X2Squared),
    ("x₁x₂", Feature::X1X2),
    ("sin x₁", Feature::SinX1),
    ("sin x₂", Feature::SinX2),
];

fn source_name(s: &DataSource) -> String {
    match s {
        DataSource::Generated { generator, .. } => GENERATORS
            .iter()
            .find(|(_, g)| {
                std::mem::discriminant(g) == std::mem::discriminant(generator)
                    && (!matches!(g, Generator::Function1D { .. }) || g == generator)
            })
            .map_or("generated", |(n, _)| n)
            .to_string(),
        DataSource::Bundled(b) => BUNDLED
            .iter()
            .find(|(_, x)| x == b)
            .map_or("bundled", |(n, _)| n)
            .to_string(),
        DataSource::Csv { path, .. } => format!("CSV {path}"),
        DataSource::Idx { path } => format!("IDX {path}"),
        DataSource::Npy { path, labels, .. } => format!("NumPy {path}, labels {labels}"),
    }
}

/// Draws the data settings and preview.
pub fn ui(ui: &mut egui::Ui, doc: &mut Document, preview: &mut PreviewState) {
    super::data_picker::ui(ui, &mut doc.project.data);
    let seed = doc.project.training.seed;
    let spec: &mut DataSpec = &mut doc.project.data;
    egui::ComboBox::from_id_salt("data-source")
        .selected_text(source_name(&spec.source))
        .width(ui.available_width() - 10.0)
        .show_ui(ui, |ui| {
            ui.label(egui::RichText::new("generated").weak());
            for (name, g) in GENERATORS {
                if ui
                    .selectable_label(source_name(&spec.source) == name, name)
                    .clicked()
                {
                    let (samples, noise) = match &spec.source {
                        DataSource::Generated { samples, noise, .. } => (*samples, *noise),
                        _ => (500, 0.1),
                    };
                    spec.source = DataSource::Generated {
                        generator: g,
                        samples,
                        noise,
                    };
                }
            }
            ui.label(egui::RichText::new("bundled").weak());
            for (name, b) in BUNDLED {
                if ui
                    .selectable_label(spec.source == DataSource::Bundled(b), name)
                    .clicked()
                {
                    spec.source = DataSource::Bundled(b);
                }
            }
        });
    egui::Grid::new("data-form")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            match &mut spec.source {
                DataSource::Generated {
                    generator,
                    samples,
                    noise,
                } => {
                    ui.label("samples");
                    ui.add(egui::DragValue::new(samples).range(10..=100_000));
                    ui.end_row();
                    ui.label("noise");
                    ui.add(egui::Slider::new(noise, 0.0..=1.0));
                    ui.end_row();
                    match generator {
                        Generator::Spiral { arms: k } | Generator::Blobs { classes: k } => {
                            ui.label("classes");
                            ui.add(egui::DragValue::new(k).range(2..=10));
                            ui.end_row();
                        }
                        Generator::SineSequence { window }
                        | Generator::WaveShapes { window, .. } => {
                            ui.label("time steps");
                            ui.add(egui::DragValue::new(window).range(2..=500));
                            ui.end_row();
                        }
                        _ => {}
                    }
                }
                DataSource::Csv {
                    path,
                    target,
                    classification,
                    drop_empty,
                    drop_bad,
                } => {
                    ui.label("file");
                    ui.label(path.as_str());
                    ui.end_row();
                    ui.label("target column");
                    let mut t = target.clone().unwrap_or_default();
                    if ui
                        .add(egui::TextEdit::singleline(&mut t).hint_text("last column"))
                        .changed()
                    {
                        *target = (!t.trim().is_empty()).then(|| t.trim().to_string());
                    }
                    ui.end_row();
                    ui.label("target is");
                    ui.horizontal(|ui| {
                        ui.selectable_value(classification, true, "a class");
                        ui.selectable_value(classification, false, "a number");
                    });
                    ui.end_row();
                    ui.label("empty cells");
                    ui.checkbox(drop_empty, "drop those rows");
                    ui.end_row();
                    ui.label("NaN, inf, 1e400…")
                        .on_hover_text("cells that are not a finite number a 32-bit float can hold, hexadecimal numbers, control characters");
                    ui.checkbox(drop_bad, "drop those rows");
                    ui.end_row();
                }
                DataSource::Bundled(_) | DataSource::Idx { .. } | DataSource::Npy { .. } => {}
            }
            ui.label("validation");
            ui.add(
                egui::Slider::new(&mut spec.validation_split, 0.0..=0.5)
                    .custom_formatter(|v, _| format!("{:.0} %", v * 100.0)),
            );
            ui.end_row();
            ui.label("normalise");
            ui.horizontal(|ui| {
                ui.selectable_value(&mut spec.normalization, Normalization::Off, "off");
                ui.selectable_value(
                    &mut spec.normalization,
                    Normalization::Standardize,
                    "standardise",
                );
                ui.selectable_value(&mut spec.normalization, Normalization::MinMax, "min–max");
            });
            ui.end_row();
        });
    let two_d = matches!(
        doc.data.as_ref().map(|d| d.input_shape.as_slice()),
        Some([_])
    ) && matches!(&spec.source, DataSource::Generated { generator, .. } if !matches!(generator, Generator::Function1D { .. } | Generator::SineSequence { .. } | Generator::WaveShapes { .. }));
    if two_d {
        ui.horizontal_wrapped(|ui| {
            ui.label("features");
            for (name, f) in FEATURES {
                let mut on = spec.features.contains(&f)
                    || (spec.features.is_empty() && matches!(f, Feature::X1 | Feature::X2));
                if ui.toggle_value(&mut on, name).changed() {
                    if spec.features.is_empty() {
                        spec.features = vec![Feature::X1, Feature::X2];
                    }
                    spec.features.retain(|x| *x != f);
                    if on {
                        spec.features.push(f);
                        spec.features.sort();
                    }
                    if spec.features == [Feature::X1, Feature::X2] {
                        spec.features.clear();
                    }
                }
            }
        });
    }
    match &doc.data_state {
        DataState::Known(info) => {
            ui.label(format!(
                "each sample {} · {}",
                crate::model::infer::fmt_shape(&info.input_shape),
                info.classes
                    .map_or(format!("{} target(s)", info.targets), |c| format!(
                        "{c} classes"
                    ))
            ));
        }
        DataState::Reading => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("reading the data…");
            });
        }
        DataState::Failed(e) => {
            ui.colored_label(theme::ERROR, e);
        }
    }
    let dir = doc.dir().map(std::path::Path::to_path_buf);
    preview.update(&doc.project.data, seed, dir.as_deref());
    preview_ui(ui, preview);
}

fn preview_ui(ui: &mut egui::Ui, preview: &PreviewState) {
    match &preview.current {
        _ if preview.busy() && preview.current.is_none() => {
            ui.spinner();
        }
        None => {}
        Some(Err(e)) => {
            ui.colored_label(theme::ERROR, e.to_string());
        }
        Some(Ok(p)) => {
            if let Some(note) = &preview.dropped {
                ui.colored_label(theme::WARNING, note);
            }
            draw(ui, p);
        }
    }
}

fn draw(ui: &mut egui::Ui, p: &Preview) {
    let plot = || {
        Plot::new("data-preview")
            .height(200.0)
            .data_aspect(1.0)
            .allow_scroll(false)
            .allow_drag(false)
            .show_axes([false, false])
    };
    match p {
        Preview::Points { xy, class, .. } => {
            plot().show(ui, |pu| match class {
                Some(c) => {
                    for k in 0..10u32 {
                        let pts: Vec<[f64; 2]> = xy
                            .iter()
                            .zip(c)
                            .filter(|(_, l)| **l == k)
                            .map(|(p, _)| *p)
                            .collect();
                        if !pts.is_empty() {
                            pu.points(
                                Points::new(format!("class {k}"), pts)
                                    .radius(2.0)
                                    .color(theme::CLASSES[k as usize]),
                            );
                        }
                    }
                }
                None => pu.points(Points::new("samples", xy.clone()).radius(2.0)),
            });
        }
        Preview::Curve { xy } => {
            Plot::new("data-preview")
                .height(200.0)
                .allow_scroll(false)
                .show(ui, |pu| {
                    pu.points(
                        Points::new("samples", xy.clone())
                            .radius(2.0)
                            .color(theme::TRAIN),
                    );
                });
        }
        Preview::Sequences { series } => {
            Plot::new("data-preview")
                .height(200.0)
                .allow_scroll(false)
                .show(ui, |pu| {
                    for (i, s) in series.iter().enumerate() {
                        let pts: PlotPoints =
                            s.iter().enumerate().map(|(t, v)| [t as f64, *v]).collect();
                        pu.line(
                            Line::new(format!("sample {}", i + 1), pts)
                                .color(theme::CLASSES[i % 10]),
                        );
                    }
                });
        }
        Preview::Images {
            size,
            pixels,
            labels,
        } => image_grid(ui, *size, pixels, labels),
        Preview::Table { header, rows } => {
            egui::ScrollArea::horizontal()
                .id_salt("preview-table")
                .show(ui, |ui| {
                    egui::Grid::new("preview-rows")
                        .striped(true)
                        .show(ui, |ui| {
                            for h in header {
                                ui.strong(h);
                            }
                            ui.end_row();
                            for r in rows {
                                for c in r {
                                    ui.monospace(c);
                                }
                                ui.end_row();
                            }
                        });
                });
        }
    }
}

/// Images as small grey squares with their labels.
pub fn image_grid(ui: &mut egui::Ui, size: [usize; 2], pixels: &[Vec<f32>], labels: &[String]) {
    let cell = 40.0;
    let cols = ((ui.available_width() / (cell + 4.0)).floor() as usize).max(1);
    egui::Grid::new("image-grid")
        .spacing([4.0, 4.0])
        .show(ui, |ui| {
            for (i, (px, label)) in pixels.iter().zip(labels).enumerate() {
                ui.vertical(|ui| {
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(cell, cell), egui::Sense::hover());
                    paint_image(ui.painter(), rect, size, px);
                    ui.small(label);
                });
                if (i + 1) % cols == 0 {
                    ui.end_row();
                }
            }
        });
}

/// Paints a grey image into `rect`, scaled to its value range.
pub fn paint_image(painter: &egui::Painter, rect: egui::Rect, size: [usize; 2], px: &[f32]) {
    let [w, h] = size;
    if w == 0 || h == 0 || px.len() < w * h {
        return;
    }
    let (lo, hi) = px
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let span = (hi - lo).max(1e-6);
    let (cw, ch) = (rect.width() / w as f32, rect.height() / h as f32);
    for y in 0..h {
        for x in 0..w {
            let v = ((px[y * w + x] - lo) / span * 255.0) as u8;
            let r = egui::Rect::from_min_size(
                rect.min + egui::vec2(x as f32 * cw, y as f32 * ch),
                egui::vec2(cw + 0.5, ch + 0.5),
            );
            painter.rect_filled(r, 0.0, egui::Color32::from_gray(v));
        }
    }
}
