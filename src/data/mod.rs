//! Everything a network trains on: generated sets, bundled real sets, CSV,
//! IDX, NumPy (`.npy`, `.npz`) files and image folders; splitting,
//! normalisation and feature crosses.
//!
//! `data` uses `ndarray` only: no serde, no model, no UI.

pub mod bundled;
pub mod csv;
pub mod csv_layout;
pub mod file;
pub mod generate;
pub mod idx;
pub mod images;
pub mod npy;
pub mod npz;
pub mod prepare;
pub mod standin;

use ndarray::Array2;

/// What the network should predict for each row.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A class per row, with the classes' display names.
    Classes {
        /// Class index per row.
        labels: Vec<u32>,
        /// Name of each class.
        names: Vec<String>,
    },
    /// One or more numbers per row.
    Values {
        /// `[rows, targets]`.
        y: Array2<f32>,
        /// Name of each target.
        names: Vec<String>,
    },
}

impl Target {
    /// Rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Classes { labels, .. } => labels.len(),
            Self::Values { y, .. } => y.nrows(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of classes, for classification.
    pub fn classes(&self) -> Option<usize> {
        match self {
            Self::Classes { names, .. } => Some(names.len()),
            Self::Values { .. } => None,
        }
    }

    /// The rows at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Self {
        match self {
            Self::Classes { labels, names } => Self::Classes {
                labels: idx.iter().map(|&i| labels[i]).collect(),
                names: names.clone(),
            },
            Self::Values { y, names } => Self::Values {
                y: y.select(ndarray::Axis(0), idx),
                names: names.clone(),
            },
        }
    }
}

/// A data set: inputs, targets and what they are.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Display name.
    pub name: String,
    /// Inputs `[rows, features]`; each row is one sample's shape flattened.
    pub x: Array2<f32>,
    /// Targets.
    pub target: Target,
    /// Shape of one sample, e.g. `[2]`, `[1, 28, 28]`, `[20, 1]`.
    pub input_shape: Vec<usize>,
    /// Name of each feature (column), when it has one.
    pub feature_names: Vec<String>,
}

impl Dataset {
    /// Rows.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.x.nrows() == 0
    }

    /// The rows at `idx`.
    pub fn select(&self, idx: &[usize]) -> Self {
        Self {
            name: self.name.clone(),
            x: self.x.select(ndarray::Axis(0), idx),
            target: self.target.select(idx),
            input_shape: self.input_shape.clone(),
            feature_names: self.feature_names.clone(),
        }
    }
}

/// Why data could not be loaded or prepared.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// A CSV cell or row is wrong.
    #[error("{path}: line {line}, column `{column}`: {message}")]
    Cell {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// Column name.
        column: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The file as a whole is unusable.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// Settings that cannot make a data set.
    #[error("{0}")]
    Settings(String),
}

/// What the UI shows about a data set before training.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Rows.
    pub rows: usize,
    /// Shape of one sample.
    pub input_shape: Vec<usize>,
    /// For classification: each class's name and row count.
    pub classes: Vec<(String, usize)>,
    /// Per feature (at most the first 64): name, minimum, maximum.
    pub ranges: Vec<(String, f32, f32)>,
    /// Rows to preview: the first row of each class, then the first rows.
    pub samples: Vec<usize>,
}

impl Dataset {
    /// A summary for display: counts, ranges and a few rows to preview.
    pub fn summary(&self) -> Summary {
        let classes = match &self.target {
            Target::Classes { labels, names } => {
                let mut counts = vec![0usize; names.len()];
                for &l in labels {
                    if let Some(c) = counts.get_mut(l as usize) {
                        *c += 1;
                    }
                }
                names.iter().cloned().zip(counts).collect()
            }
            Target::Values { .. } => Vec::new(),
        };
        let ranges = (0..self.x.ncols().min(64))
            .map(|j| {
                let c = self.x.column(j);
                let lo = c.iter().copied().fold(f32::INFINITY, f32::min);
                let hi = c.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let name = self
                    .feature_names
                    .get(j)
                    .cloned()
                    .unwrap_or_else(|| format!("x{j}"));
                (name, lo, hi)
            })
            .collect();
        let mut samples = Vec::new();
        if let Target::Classes { labels, names } = &self.target {
            for c in 0..names.len() as u32 {
                if let Some(i) = labels.iter().position(|l| *l == c) {
                    samples.push(i);
                }
            }
        }
        for i in 0..self.len().min(16) {
            if samples.len() >= 16 {
                break;
            }
            if !samples.contains(&i) {
                samples.push(i);
            }
        }
        Summary {
            rows: self.len(),
            input_shape: self.input_shape.clone(),
            classes,
            ranges,
            samples,
        }
    }
}
