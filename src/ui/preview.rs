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
    /// Images (first channel), row-major, with their labels.
    Images {
        /// Width and height.
        size: [usize; 2],
        /// Pixels per image.
        pixels: Vec<Vec<f32>>,
        /// Label per image.
        labels: Vec<String>,
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
        [_, h, w] => {
            let m = n.min(MAX_IMAGES);
            Preview::Images {
                size: [*w, *h],
                pixels: (0..m)
                    .map(|i| d.x.row(i).iter().take(h * w).copied().collect())
                    .collect(),
                labels: (0..m).map(label_of).collect(),
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
