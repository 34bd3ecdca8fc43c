//! Turning a project's [`DataSpec`] into prepared data, by calling `data`.

use std::path::{Path, PathBuf};

use crate::data::csv_layout::CsvLayout;
use crate::data::prepare::{Cross, Prepared, Scaling, prepare};
use crate::data::{DataError, Dataset, Target, bundled, csv, generate, idx};

use super::{
    Bundled, DataInfo, DataSource, DataSpec, Feature, Function1D, Generator, Normalization,
};

/// The data crate's feature cross for a document feature.
pub fn cross(f: Feature) -> Cross {
    match f {
        Feature::X1 => Cross::X1,
        Feature::X2 => Cross::X2,
        Feature::X1Squared => Cross::X1Squared,
        Feature::X2Squared => Cross::X2Squared,
        Feature::X1X2 => Cross::X1X2,
        Feature::SinX1 => Cross::SinX1,
        Feature::SinX2 => Cross::SinX2,
    }
}

/// A path in a project, relative to the project's folder unless absolute.
pub fn resolve_path(path: &str, project_dir: Option<&Path>) -> PathBuf {
    let p = Path::new(path);
    match project_dir {
        Some(d) if p.is_relative() => d.join(p),
        _ => p.to_path_buf(),
    }
}

/// Keeps the data's file paths pointing at the same files when the project
/// is written to folder `to` instead of `from`: a relative path is made
/// relative to `to` when the file lies under it, else absolute. Absolute
/// paths and data without files are unchanged; without `from` (a project
/// never saved) relative paths are left as they are.
pub fn rebase_paths(source: &mut DataSource, from: Option<&Path>, to: &Path) {
    // Both made absolute (against the working folder), so `x.ron` and
    // `out/y.ron` compare as folders.
    let (Some(Ok(from)), Ok(to)) = (from.map(std::path::absolute), std::path::absolute(to)) else {
        return;
    };
    if from == to {
        return;
    }
    let (from, to) = (from.as_path(), to.as_path());
    let rebase = |p: &mut String| {
        let path = Path::new(p.as_str());
        if path.is_absolute() {
            return;
        }
        let full = from.join(path);
        let full = full.as_path();
        let moved = full.strip_prefix(to).unwrap_or(full);
        *p = moved.to_string_lossy().into_owned();
    };
    match source {
        DataSource::Csv { path, .. }
        | DataSource::Idx { path }
        | DataSource::Npz { path, .. }
        | DataSource::ImageFolder { path, .. } => rebase(path),
        DataSource::Npy { path, labels, .. } => {
            rebase(path);
            rebase(labels);
        }
        DataSource::Generated { .. }
        | DataSource::Bundled(_)
        | DataSource::Painted { .. }
        | DataSource::StandIn { .. } => {}
    }
}

fn generated(g: &Generator, samples: usize, noise: f32, seed: u64) -> Result<Dataset, DataError> {
    use generate::Function;
    match g {
        Generator::Circles => generate::circles(samples, noise, seed),
        Generator::Xor => generate::xor(samples, noise, seed),
        Generator::Blobs { classes } => generate::blobs(samples, *classes, noise, seed),
        Generator::Spiral { arms } => generate::spiral(samples, *arms, noise, seed),
        Generator::Moons => generate::moons(samples, noise, seed),
        Generator::Function1D { function } => {
            let f = match function {
                Function1D::Sine => Function::Sine,
                Function1D::Polynomial => Function::Polynomial,
                Function1D::Step => Function::Step,
                Function1D::Abs => Function::Abs,
                Function1D::Linear => Function::Linear,
            };
            generate::function_1d(f, samples, noise, seed)
        }
        Generator::Plane => generate::plane(samples, noise, false, seed),
        Generator::GaussianMixture => generate::plane(samples, noise, true, seed),
        Generator::SineSequence { window } => {
            generate::sine_sequence(samples, *window, noise, seed)
        }
        Generator::WaveShapes { window, classes } => {
            generate::wave_shapes(samples, *window, *classes, noise, seed)
        }
        Generator::Formula {
            expression,
            from,
            to,
        } => generate::formula_1d(expression, *from, *to, samples, noise, seed),
    }
}

/// Reads an IDX folder with MNIST's file names (gzipped or not); the test
/// files are optional.
fn idx_folder(dir: &Path) -> Result<(Dataset, Option<Dataset>), DataError> {
    let find = |stem: &str| -> Option<PathBuf> {
        [format!("{stem}.gz"), stem.to_string()]
            .into_iter()
            .map(|n| dir.join(n))
            .find(|p| p.exists())
    };
    let read = idx::read;
    let origin = dir.display().to_string();
    let (Some(ti), Some(tl)) = (
        find("train-images-idx3-ubyte"),
        find("train-labels-idx1-ubyte"),
    ) else {
        return Err(DataError::Format {
            path: origin,
            message: "expected train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz) in this folder".into(),
        });
    };
    let train = bundled::idx_arrays(read(&ti)?, read(&tl)?, "IDX", &origin)?;
    let test = match (
        find("t10k-images-idx3-ubyte"),
        find("t10k-labels-idx1-ubyte"),
    ) {
        (Some(i), Some(l)) => Some(bundled::idx_arrays(
            read(&i)?,
            read(&l)?,
            "IDX (test)",
            &origin,
        )?),
        _ => None,
    };
    Ok((train, test))
}

/// Loads and prepares the data a spec describes. Relative file paths are
/// taken from `project_dir`; `seed` drives generation and the split.
///
/// # Errors
/// [`DataError`] saying which file, line and column, or which setting.
pub fn load_data(
    spec: &DataSpec,
    project_dir: Option<&Path>,
    seed: u64,
) -> Result<Prepared, DataError> {
    load_data_with_layout(spec, project_dir, seed).map(|(p, _)| p)
}

/// As [`load_data`], and for a CSV file how it was read (delimiter,
/// header, each column's encoding).
///
/// # Errors
/// As [`load_data`].
pub fn load_data_with_layout(
    spec: &DataSpec,
    project_dir: Option<&Path>,
    seed: u64,
) -> Result<(Prepared, Option<CsvLayout>), DataError> {
    let (data, test, layout) = load_raw(spec, project_dir, seed)?;
    let scaling = match spec.normalization {
        Normalization::Off => Scaling::Off,
        Normalization::Standardize => Scaling::Standardize,
        Normalization::MinMax => Scaling::MinMax,
    };
    let features: Vec<Cross> = spec.features.iter().map(|f| cross(*f)).collect();
    let prepared = prepare(data, test, spec.validation_split, scaling, &features, seed)?;
    Ok((prepared, layout))
}

/// The data set a spec describes as loaded, before any split, feature
/// cross or scaling: the rows, a set's own test rows if it has them, and
/// for a CSV file how it was read.
///
/// # Errors
/// As [`load_data`].
pub fn load_raw(
    spec: &DataSpec,
    project_dir: Option<&Path>,
    seed: u64,
) -> Result<(Dataset, Option<Dataset>, Option<CsvLayout>), DataError> {
    let mut layout = None;
    let (data, test) = match &spec.source {
        DataSource::Generated {
            generator,
            samples,
            noise,
        } => (generated(generator, *samples, *noise, seed)?, None),
        DataSource::Bundled(Bundled::Iris) => (bundled::iris()?, None),
        DataSource::Bundled(Bundled::Digits8x8) => (bundled::digits()?, None),
        DataSource::Bundled(Bundled::Diabetes) => (bundled::diabetes()?, None),
        DataSource::Bundled(Bundled::MnistSubset) => {
            let (tr, te) = bundled::mnist()?;
            (tr, Some(te))
        }
        DataSource::Csv {
            path,
            target,
            classification,
            drop_empty,
            drop_bad,
        } => {
            let opts = csv::CsvOptions {
                target: target.clone(),
                classification: *classification,
                drop_empty: *drop_empty,
                drop_bad: *drop_bad,
            };
            let (d, l) = csv::load_with_layout(&resolve_path(path, project_dir), &opts, None)?;
            layout = Some(l);
            (d, None)
        }
        DataSource::Idx { path } => idx_folder(&resolve_path(path, project_dir))?,
        DataSource::Painted { points, classes } => (generate::painted(points, *classes)?, None),
        DataSource::Npy {
            path,
            labels,
            classification,
        } => {
            let x = crate::data::npy::read(&resolve_path(path, project_dir))?;
            let y = crate::data::npy::read(&resolve_path(labels, project_dir))?;
            (
                crate::data::npy::dataset(x, y, *classification, path)?,
                None,
            )
        }
        DataSource::Npz {
            path,
            classification,
        } => {
            let (x, y) = crate::data::npz::read_xy(&resolve_path(path, project_dir))?;
            (
                crate::data::npy::dataset(x, y, *classification, path)?,
                None,
            )
        }
        DataSource::ImageFolder {
            path,
            size,
            channels,
        } => {
            let opts = crate::data::images::ImageOptions {
                size: *size,
                channels: *channels,
            };
            (
                crate::data::images::load(&resolve_path(path, project_dir), &opts)?,
                None,
            )
        }
        DataSource::StandIn {
            shape,
            classes,
            targets,
            samples,
        } => (
            crate::data::standin::dataset(shape, *classes, *targets, *samples, seed)?,
            None,
        ),
    };
    Ok((data, test, layout))
}

/// What shape inference needs, from prepared data.
pub fn info_of(p: &Prepared) -> DataInfo {
    DataInfo {
        input_shape: p.train.input_shape.clone(),
        classes: p.train.target.classes(),
        targets: match &p.train.target {
            Target::Values { y, .. } => y.ncols(),
            Target::Classes { .. } => 1,
        },
    }
}

#[cfg(test)]
mod rebase_tests {
    use super::*;

    fn csv(path: &str) -> DataSource {
        DataSource::Csv {
            path: path.into(),
            target: None,
            classification: true,
            drop_empty: false,
            drop_bad: false,
        }
    }

    fn path_of(s: &DataSource) -> &str {
        match s {
            DataSource::Csv { path, .. } => path,
            _ => unreachable!(),
        }
    }

    #[test]
    fn relative_paths_follow_the_project_to_its_new_folder() {
        // Up one folder: still relative, now through the old folder.
        let mut s = csv("data/x.csv");
        rebase_paths(&mut s, Some(Path::new("/a/p")), Path::new("/a"));
        assert_eq!(path_of(&s), "p/data/x.csv");
        // A folder the file is not under: absolute.
        let mut s = csv("data/x.csv");
        rebase_paths(&mut s, Some(Path::new("/a/p")), Path::new("/b"));
        assert_eq!(path_of(&s), "/a/p/data/x.csv");
        // Both npy files move.
        let mut s = DataSource::Npy {
            path: "x.npy".into(),
            labels: "y.npy".into(),
            classification: true,
        };
        rebase_paths(&mut s, Some(Path::new("/a/p")), Path::new("/a"));
        assert_eq!(
            s,
            DataSource::Npy {
                path: "p/x.npy".into(),
                labels: "p/y.npy".into(),
                classification: true,
            }
        );
    }

    #[test]
    fn absolute_paths_same_folders_unsaved_projects_and_fileless_data_are_kept() {
        for (from, to) in [(Some("/a/p"), "/b"), (Some("/a/p"), "/a/p"), (None, "/b")] {
            let mut s = csv("/abs/x.csv");
            rebase_paths(&mut s, from.map(Path::new), Path::new(to));
            assert_eq!(path_of(&s), "/abs/x.csv");
        }
        let mut s = csv("x.csv");
        rebase_paths(&mut s, Some(Path::new("/a/p")), Path::new("/a/p"));
        assert_eq!(path_of(&s), "x.csv");
        let mut s = csv("x.csv");
        rebase_paths(&mut s, None, Path::new("/b"));
        assert_eq!(path_of(&s), "x.csv");
        let painted = DataSource::Painted {
            points: vec![(0.0, 0.0, 0)],
            classes: 2,
        };
        let mut s = painted.clone();
        rebase_paths(&mut s, Some(Path::new("/a")), Path::new("/b"));
        assert_eq!(s, painted);
    }
}
