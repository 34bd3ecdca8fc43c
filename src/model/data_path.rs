//! The data source a path on the command line names (`train --data`): a
//! folder of IDX files (MNIST's layout) or of class subfolders of images,
//! a NumPy `.npz` archive, a `.npy` file with its labels, or a CSV file.

use std::path::Path;

use super::DataSource;

/// Whether `dir` holds MNIST's IDX training images.
fn has_idx(dir: &Path) -> bool {
    ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"]
        .iter()
        .any(|n| dir.join(n).exists())
}

/// The source for `path`: a folder with IDX files → IDX; any other folder
/// → an image folder (size and colour from the images); `.npz` → a NumPy
/// archive; with `labels` → `.npy` inputs and labels; else a CSV file
/// with `target` as its target column. `classification` is the project
/// loss's.
pub fn source_for_path(
    path: &Path,
    labels: Option<&Path>,
    target: Option<String>,
    classification: bool,
) -> DataSource {
    let text = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    if path.is_dir() {
        if has_idx(path) {
            DataSource::Idx { path: text }
        } else {
            DataSource::ImageFolder {
                path: text,
                size: None,
                channels: None,
            }
        }
    } else if let Some(labels) = labels {
        DataSource::Npy {
            path: text,
            labels: labels.display().to_string(),
            classification,
        }
    } else if ext.as_deref() == Some("npz") {
        DataSource::Npz {
            path: text,
            classification,
        }
    } else {
        DataSource::Csv {
            path: text,
            target,
            classification,
            drop_empty: false,
            drop_bad: false,
        }
    }
}
