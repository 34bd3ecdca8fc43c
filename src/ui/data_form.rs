//! The data settings: which data set (generated, a typed formula, painted
//! points, bundled, CSV, IDX), its size and noise, validation split,
//! normalisation, feature crosses, and a preview of what it looks like.

use egui_plot::{Line, Plot, PlotPoints, Points};

use crate::model::{Bundled, DataSource, DataSpec, Feature, Generator, Normalization};

use super::document::{DataState, Document};
use super::preview::{Preview, PreviewState};
use super::theme;

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

/// The formula a new "formula" data set starts with.
const FIRST_FORMULA: &str = "sin(3x) + 0.1x^2";

fn source_name(s: &DataSource) -> String {
    match s {
        DataSource::Generated {
            generator: Generator::Formula { .. },
            ..
        } => "formula".into(),
        DataSource::Painted { points, .. } => format!("painted ({} points)", points.len()),
        DataSource::Generated { generator, .. } => super::data_picker::CHOICES
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
        DataSource::Npz { .. } | DataSource::ImageFolder { .. } | DataSource::StandIn { .. } => {
            super::data_source_form::name(s)
        }
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
            for (name, g) in super::data_picker::CHOICES {
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
            if ui
                .selectable_label(source_name(&spec.source) == "formula", "formula")
                .on_hover_text("y = a formula of x you type, with a range and noise")
                .clicked()
            {
                spec.source = DataSource::Generated {
                    generator: Generator::Formula {
                        expression: FIRST_FORMULA.into(),
                        from: -2.0,
                        to: 2.0,
                    },
                    samples: 300,
                    noise: 0.1,
                };
            }
            if ui
                .selectable_label(
                    matches!(spec.source, DataSource::Painted { .. }),
                    "painted points",
                )
                .on_hover_text("paint the points yourself in the boundary view")
                .clicked()
                && !matches!(spec.source, DataSource::Painted { .. })
            {
                spec.source = DataSource::Painted {
                    points: Vec::new(),
                    classes: 2,
                };
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
                        Generator::Formula {
                            expression,
                            from,
                            to,
                        } => formula_rows(ui, expression, from, to),
                        _ => {}
                    }
                }
                DataSource::Painted { points, classes } => {
                    ui.label("classes");
                    ui.add(egui::DragValue::new(classes).range(2..=10));
                    ui.end_row();
                    ui.label("points");
                    ui.horizontal(|ui| {
                        ui.label(points.len().to_string());
                        if ui
                            .add_enabled(!points.is_empty(), egui::Button::new("Clear"))
                            .clicked()
                        {
                            points.clear();
                        }
                    });
                    ui.end_row();
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
                other => super::data_source_form::rows_ui(ui, other),
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
    if matches!(spec.source, DataSource::Painted { .. }) {
        ui.add(
            egui::Label::new(
                egui::RichText::new(
                    "Paint the points in the boundary view: turn on Paint, click to add, drag to spray, right-click to erase.",
                )
                .weak(),
            )
            .wrap(),
        );
    }
    let two_d = matches!(
        doc.data.as_ref().map(|d| d.input_shape.as_slice()),
        Some([_])
    ) && (matches!(spec.source, DataSource::Painted { .. })
        || matches!(&spec.source, DataSource::Generated { generator, .. } if !matches!(generator, Generator::Function1D { .. } | Generator::Formula { .. } | Generator::SineSequence { .. } | Generator::WaveShapes { .. })));
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

/// The formula's rows: the formula, checked as it is typed, and its range.
fn formula_rows(ui: &mut egui::Ui, expression: &mut String, from: &mut f32, to: &mut f32) {
    ui.label("y =");
    ui.add(
        egui::TextEdit::singleline(expression)
            .hint_text(FIRST_FORMULA)
            .desired_width(ui.available_width()),
    );
    ui.end_row();
    if let Err(e) = crate::data::generate::Formula::parse(expression) {
        ui.label("");
        ui.add(egui::Label::new(egui::RichText::new(e.to_string()).color(theme::ERROR)).wrap());
        ui.end_row();
    }
    ui.label("x from");
    ui.horizontal(|ui| {
        ui.add(
            egui::DragValue::new(from)
                .speed(0.1)
                .range(-1000.0..=1000.0),
        );
        ui.label("to");
        ui.add(egui::DragValue::new(to).speed(0.1).range(-1000.0..=1000.0));
    });
    ui.end_row();
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
            index,
        } => super::preview::images_ui(ui, *size, pixels, labels, index),
        Preview::Table {
            header,
            rows,
            index,
        } => super::preview::table_ui(ui, header, rows, index),
    }
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

/// File ▸ Export ▸ Data as CSV: the writing runs as a task.
#[derive(Default)]
pub struct DataExport {
    task: Option<super::task::Task<Result<(std::path::PathBuf, usize), String>>>,
}

impl super::app::NeuroglassApp {
    /// Writes the project's data set as CSV to `path` on a helper thread.
    pub(in crate::ui) fn export_data_csv(&mut self, path: std::path::PathBuf) {
        if self
            .data_export
            .task
            .as_ref()
            .is_some_and(super::task::Task::running)
        {
            self.say("the data is still being written; try again in a moment");
            return;
        }
        let project = self.doc.project.clone();
        let dir = self.doc.dir().map(std::path::Path::to_path_buf);
        self.data_export.task = Some(super::task::Task::spawn(
            "the data export",
            self.waker(),
            move || {
                let (bytes, rows) = crate::export::data_csv::data_csv(&project, dir.as_deref())
                    .map_err(|e| e.to_string())?;
                crate::project::write_atomic(&path, &bytes).map_err(|e| e.to_string())?;
                Ok((path, rows))
            },
        ));
    }

    /// Once a frame: reports a finished data export.
    pub(in crate::ui) fn poll_data_export(&mut self) {
        let Some(out) = self
            .data_export
            .task
            .as_mut()
            .and_then(super::task::Task::poll)
        else {
            return;
        };
        self.data_export.task = None;
        match out {
            Ok(Ok((p, rows))) => {
                self.say(format!("{rows} rows of data written to {}", p.display()))
            }
            Ok(Err(e)) => self.say(format!("could not write the data: {e}")),
            Err(e) => self.report("", &e),
        }
    }
}
