//! A look at the data before training: points for 2-D sets, a curve for
//! 1-D regression, a grid of images, waves for sequences, or a table. Made
//! as a background [`Task`] from the same loaders the trainer uses.

use std::path::{Path, PathBuf};

use super::task::{Task, TaskError};

/// Why there is no preview.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The data could not be loaded.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// The helper thread failed.
    #[error(transparent)]
    Task(#[from] TaskError),
}

use crate::data::Target;
use crate::model::{DataSpec, Normalization, load_data::load_data_with_layout};

/// Samples shown as points.
const MAX_POINTS: usize = 2000;
/// Images shown.
const MAX_IMAGES: usize = 24;
/// Table rows shown.
const MAX_ROWS: usize = 8;
/// Images shown of each class (when there are classes).
const IMAGES_PER_CLASS: usize = 4;

/// Which images to show: the first few of each class in class order (as
/// many classes as fit in [`MAX_IMAGES`]), or the first images.
fn image_rows(target: &Target, n: usize) -> Vec<usize> {
    let Target::Classes { labels, names } = target else {
        return (0..n.min(MAX_IMAGES)).collect();
    };
    let per = IMAGES_PER_CLASS.min((MAX_IMAGES / names.len().max(1)).max(1));
    let mut taken = vec![0usize; names.len()];
    let mut rows: Vec<(u32, usize)> = Vec::new();
    for (i, &l) in labels.iter().enumerate() {
        if let Some(t) = taken.get_mut(l as usize)
            && *t < per
        {
            *t += 1;
            rows.push((l, i));
            if rows.len() >= MAX_IMAGES || taken.iter().all(|&t| t >= per) {
                break;
            }
        }
    }
    rows.sort();
    rows.into_iter().map(|(_, i)| i).collect()
}

/// What the preview shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Preview {
    /// 2-D points with a class (or value) each.
    Points {
        /// `[x₁, x₂]` per sample.
        xy: Vec<[f64; 2]>,
        /// Class index per sample, or `None` for regression.
        class: Option<Vec<u32>>,
        /// Validation points, in the split's order.
        val_xy: Vec<[f64; 2]>,
        /// Their classes.
        val_class: Option<Vec<u32>>,
    },
    /// 1-D regression: x against y.
    Curve {
        /// `[x, y]` per sample.
        xy: Vec<[f64; 2]>,
    },
    /// Images (grey, or colour as its luma), row-major, with their labels.
    Images {
        /// Width and height.
        size: [usize; 2],
        /// Pixels per image.
        pixels: Vec<Vec<f32>>,
        /// Label per image.
        labels: Vec<String>,
        /// Each image's training sample number.
        index: Vec<usize>,
    },
    /// Sequences: values over time for a few samples.
    Sequences {
        /// Values per sample.
        series: Vec<Vec<f64>>,
    },
    /// A table of the first rows.
    Table {
        /// Column names (features, then target).
        header: Vec<String>,
        /// Rows of text.
        rows: Vec<Vec<String>>,
        /// Each row's training sample number.
        index: Vec<usize>,
    },
}

/// A made preview and what a CSV's drop settings dropped, or why not.
type Made = Result<(Preview, Option<String>), PreviewError>;

/// The preview and its making.
#[derive(Default)]
pub struct PreviewState {
    key: Option<(DataSpec, u64, Option<PathBuf>)>,
    task: Option<Task<Made>>,
    /// The latest preview or why there is none.
    pub current: Option<Result<Preview, PreviewError>>,
    /// For a CSV file that lost rows to its "drop" settings, what was
    /// dropped (`CsvLayout::dropped_note`, the sentence the CLI prints).
    pub dropped: Option<String>,
}

impl PreviewState {
    /// Makes a new preview when the data settings changed; takes a finished one.
    pub fn update(&mut self, spec: &DataSpec, seed: u64, dir: Option<&Path>) {
        let key = (spec.clone(), seed, dir.map(Path::to_path_buf));
        if self.key.as_ref() != Some(&key) {
            self.key = Some(key);
            let mut raw = spec.clone();
            raw.features.clear();
            raw.normalization = Normalization::Off;
            let dir = dir.map(Path::to_path_buf);
            self.task = Some(Task::spawn("making the data preview", None, move || {
                make(&raw, seed, dir.as_deref())
            }));
        }
        if let Some(r) = self.task.as_mut().and_then(Task::poll) {
            let r = r.map_err(PreviewError::from).and_then(|r| r);
            self.dropped = r.as_ref().ok().and_then(|(_, d)| d.clone());
            self.current = Some(r.map(|(p, _)| p));
            self.task = None;
        }
    }

    /// Whether a preview is being made.
    pub fn busy(&self) -> bool {
        self.task.is_some()
    }
}

/// The preview and, for a CSV file that lost rows, what was dropped.
fn make(spec: &DataSpec, seed: u64, dir: Option<&Path>) -> Made {
    let (p, layout) = load_data_with_layout(spec, dir, seed)?;
    let dropped = layout.as_ref().and_then(|l| l.dropped_note());
    Ok((preview_of(&p), dropped))
}

fn preview_of(p: &crate::data::prepare::Prepared) -> Preview {
    let d = &p.train;
    let n = d.len();
    let shape = d.input_shape.as_slice();
    let class_of = |i: usize| match &d.target {
        Target::Classes { labels, .. } => Some(labels[i]),
        Target::Values { .. } => None,
    };
    let label_of = |i: usize| match &d.target {
        Target::Classes { labels, names } => names
            .get(labels[i] as usize)
            .cloned()
            .unwrap_or_else(|| labels[i].to_string()),
        Target::Values { y, .. } => format!("{:.3}", y[[i, 0]]),
    };
    if let ([1], Target::Values { y, .. }) = (shape, &d.target) {
        return Preview::Curve {
            xy: (0..n.min(MAX_POINTS))
                .map(|i| [f64::from(d.x[[i, 0]]), f64::from(y[[i, 0]])])
                .collect(),
        };
    }
    match shape {
        [2] => {
            let m = n.min(MAX_POINTS);
            let v = &p.validation;
            let vm = v.len().min(MAX_POINTS);
            let val_xy = (0..vm)
                .map(|i| [f64::from(v.x[[i, 0]]), f64::from(v.x[[i, 1]])])
                .collect();
            let val_class = match &v.target {
                Target::Classes { labels, .. } => Some(labels[..vm].to_vec()),
                Target::Values { .. } => None,
            };
            Preview::Points {
                val_xy,
                val_class,
                xy: (0..m)
                    .map(|i| [f64::from(d.x[[i, 0]]), f64::from(d.x[[i, 1]])])
                    .collect(),
                class: matches!(d.target, Target::Classes { .. })
                    .then(|| (0..m).filter_map(class_of).collect()),
            }
        }
        [c, h, w] => {
            let rows = image_rows(&d.target, n);
            let plane = h * w;
            Preview::Images {
                size: [*w, *h],
                pixels: rows
                    .iter()
                    .map(|&i| {
                        let row = d.x.row(i);
                        if *c == 3 {
                            // Colour as its luma (BT.601), as the grey images.
                            (0..plane)
                                .map(|k| {
                                    0.299 * row[k]
                                        + 0.587 * row[plane + k]
                                        + 0.114 * row[2 * plane + k]
                                })
                                .collect()
                        } else {
                            row.iter().take(plane).copied().collect()
                        }
                    })
                    .collect(),
                labels: rows.iter().map(|&i| label_of(i)).collect(),
                index: rows,
            }
        }
        [t, 1] if *t > 1 => Preview::Sequences {
            series: (0..n.min(4))
                .map(|i| d.x.row(i).iter().map(|v| f64::from(*v)).collect())
                .collect(),
        },
        _ => {
            let cols = d.x.ncols().min(12);
            let mut header: Vec<String> = (0..cols)
                .map(|j| {
                    d.feature_names
                        .get(j)
                        .cloned()
                        .unwrap_or_else(|| format!("x{}", j + 1))
                })
                .collect();
            header.push("target".into());
            Preview::Table {
                header,
                index: (0..n.min(MAX_ROWS)).collect(),
                rows: (0..n.min(MAX_ROWS))
                    .map(|i| {
                        let mut r: Vec<String> =
                            (0..cols).map(|j| format!("{:.3}", d.x[[i, j]])).collect();
                        r.push(label_of(i));
                        r
                    })
                    .collect(),
            }
        }
    }
}

/// Where a clicked preview row waits for the Trace window (egui's memory,
/// so the data form need not carry the trace's state).
fn pick_id() -> egui::Id {
    egui::Id::new("data-preview-picked-training-row")
}

fn picked(ui: &egui::Ui, row: usize) {
    ui.ctx().data_mut(|d| d.insert_temp(pick_id(), row));
}

/// The training row clicked in the preview since the last call, if any.
pub fn take_pick(ctx: &egui::Context) -> Option<usize> {
    ctx.data_mut(|d| d.remove_temp::<usize>(pick_id()))
}

/// The label a preview row answers to (and a test can click).
pub fn row_label(index: usize) -> String {
    format!("training sample {index}")
}

/// The preview's images with their labels; a click traces that training
/// sample.
pub fn images_ui(
    ui: &mut egui::Ui,
    size: [usize; 2],
    pixels: &[Vec<f32>],
    labels: &[String],
    index: &[usize],
) {
    let cell = super::theme::PREVIEW_IMAGE;
    let cols = ((ui.available_width() / (cell + 4.0)).floor() as usize).max(1);
    ui.label(egui::RichText::new("training samples — click one to trace it").weak());
    egui::Grid::new("image-grid")
        .spacing([4.0, 4.0])
        .show(ui, |ui| {
            for (k, ((px, label), &row)) in pixels.iter().zip(labels).zip(index).enumerate() {
                ui.vertical(|ui| {
                    let (rect, resp) =
                        ui.allocate_exact_size(egui::vec2(cell, cell), egui::Sense::click());
                    super::data_form::paint_image(ui.painter(), rect, size, px);
                    let name = row_label(row);
                    resp.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::WidgetType::Button, true, &name)
                    });
                    if resp.on_hover_text(format!("{name} · {label}")).clicked() {
                        picked(ui, row);
                    }
                    ui.small(label);
                });
                if (k + 1) % cols == 0 {
                    ui.end_row();
                }
            }
        });
}

/// The preview's table; a click on a row's number traces that training
/// sample.
pub fn table_ui(ui: &mut egui::Ui, header: &[String], rows: &[Vec<String>], index: &[usize]) {
    egui::ScrollArea::horizontal()
        .id_salt("preview-table")
        .show(ui, |ui| {
            egui::Grid::new("preview-rows")
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("#")
                        .on_hover_text("training sample: click to trace it");
                    for h in header {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for (r, &row) in rows.iter().zip(index) {
                        let name = row_label(row);
                        let resp = ui
                            .link(row.to_string())
                            .on_hover_text(format!("trace {name}"));
                        resp.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::WidgetType::Button, true, &name)
                        });
                        if resp.clicked() {
                            picked(ui, row);
                        }
                        for c in r {
                            ui.monospace(c);
                        }
                        ui.end_row();
                    }
                });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_images_of_every_class_in_class_order() {
        let t = Target::Classes {
            labels: vec![1, 0, 1, 1, 0, 2, 1, 1, 1],
            names: vec!["a".into(), "b".into(), "c".into()],
        };
        assert_eq!(image_rows(&t, 9), vec![1, 4, 0, 2, 3, 6, 5]);
        let many = Target::Classes {
            labels: (0..100).map(|i| i % 10).collect(),
            names: (0..10).map(|c| c.to_string()).collect(),
        };
        // 10 classes share 24 places: 2 of each.
        let rows = image_rows(&many, 100);
        assert_eq!(rows.len(), 20);
        assert_eq!(&rows[..4], &[0, 10, 1, 11]);
    }
}
