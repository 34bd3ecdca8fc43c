//! The real data sets shipped inside the program (see
//! `assets/datasets/README.md` for their origins and licences).

use ndarray::Array2;

use super::csv::{CsvOptions, parse as parse_csv};
use super::idx::parse as parse_idx;
use super::{DataError, Dataset, Target};

const IRIS: &str = include_str!("../../assets/datasets/iris.csv");
const DIGITS: &str = include_str!("../../assets/datasets/digits_8x8.csv");
const DIABETES: &str = include_str!("../../assets/datasets/diabetes.csv");
const MNIST_TRAIN_IMAGES: &[u8] =
    include_bytes!("../../assets/datasets/mnist_10k/train-images-idx3-ubyte.gz");
const MNIST_TRAIN_LABELS: &[u8] =
    include_bytes!("../../assets/datasets/mnist_10k/train-labels-idx1-ubyte.gz");
const MNIST_TEST_IMAGES: &[u8] =
    include_bytes!("../../assets/datasets/mnist_10k/t10k-images-idx3-ubyte.gz");
const MNIST_TEST_LABELS: &[u8] =
    include_bytes!("../../assets/datasets/mnist_10k/t10k-labels-idx1-ubyte.gz");

/// Fisher's iris: 150 rows, 4 measurements, 3 species.
pub fn iris() -> Result<Dataset, DataError> {
    let mut d = parse_csv(
        IRIS,
        "iris.csv",
        &CsvOptions {
            classification: true,
            ..Default::default()
        },
    )?;
    d.name = "iris".into();
    Ok(d)
}

/// UCI 8×8 digits: 1,797 rows of 64 pixels (0–16), 10 classes.
pub fn digits() -> Result<Dataset, DataError> {
    let mut d = parse_csv(
        DIGITS,
        "digits_8x8.csv",
        &CsvOptions {
            classification: true,
            ..Default::default()
        },
    )?;
    d.name = "8×8 digits".into();
    Ok(d)
}

/// Diabetes progression: 442 rows, 10 measurements, one number.
pub fn diabetes() -> Result<Dataset, DataError> {
    let mut d = parse_csv(DIABETES, "diabetes.csv", &CsvOptions::default())?;
    d.name = "diabetes".into();
    Ok(d)
}

/// Images and labels from IDX bytes as a data set of `1×H×W` images with
/// pixels scaled to [0, 1].
pub fn idx_pair(
    images: &[u8],
    labels: &[u8],
    name: &str,
    origin: &str,
) -> Result<Dataset, DataError> {
    let fmt = |message: String| DataError::Format {
        path: origin.to_string(),
        message,
    };
    let img = parse_idx(images).map_err(|e| fmt(format!("images: {e}")))?;
    let lab = parse_idx(labels).map_err(|e| fmt(format!("labels: {e}")))?;
    idx_arrays(img, lab, name, origin)
}

/// A data set from IDX images `n×h×w` and labels `n` already read.
///
/// # Errors
/// [`DataError::Format`] if their dimensions do not agree.
pub fn idx_arrays(
    img: super::idx::IdxArray,
    lab: super::idx::IdxArray,
    name: &str,
    origin: &str,
) -> Result<Dataset, DataError> {
    let fmt = |message: String| DataError::Format {
        path: origin.to_string(),
        message,
    };
    let (n, h, w) = match img.dims.as_slice() {
        [n, h, w] => (*n, *h, *w),
        d => {
            return Err(fmt(format!(
                "images have dimensions {d:?}; expected n×height×width"
            )));
        }
    };
    if lab.dims != [n] {
        return Err(fmt(format!(
            "{n} images but labels have dimensions {:?}",
            lab.dims
        )));
    }
    let x = Array2::from_shape_vec(
        (n, h * w),
        img.data.iter().map(|&p| p as f32 / 255.0).collect(),
    )
    .map_err(|e| fmt(e.to_string()))?;
    let classes = lab
        .data
        .iter()
        .copied()
        .max()
        .map_or(0, |m| m as usize + 1)
        .max(2);
    Ok(Dataset {
        name: name.into(),
        x,
        target: Target::Classes {
            labels: lab.data.iter().map(|&l| l as u32).collect(),
            names: (0..classes).map(|c| c.to_string()).collect(),
        },
        input_shape: vec![1, h, w],
        feature_names: Vec::new(),
    })
}

/// The bundled MNIST subset: (8,000 training, 2,000 test) digits, 1×28×28.
pub fn mnist() -> Result<(Dataset, Dataset), DataError> {
    Ok((
        idx_pair(
            MNIST_TRAIN_IMAGES,
            MNIST_TRAIN_LABELS,
            "MNIST subset",
            "mnist_10k/train",
        )?,
        idx_pair(
            MNIST_TEST_IMAGES,
            MNIST_TEST_LABELS,
            "MNIST subset (test)",
            "mnist_10k/t10k",
        )?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(t: &Target) -> Vec<usize> {
        match t {
            Target::Classes { labels, names } => (0..names.len())
                .map(|c| labels.iter().filter(|l| **l as usize == c).count())
                .collect(),
            Target::Values { .. } => vec![],
        }
    }

    fn checksum(x: &Array2<f32>) -> f64 {
        x.iter().map(|v| *v as f64).sum()
    }

    #[test]
    fn bundled_sets_have_known_counts_and_checksums() {
        let i = iris().unwrap();
        assert_eq!(i.x.dim(), (150, 4));
        assert_eq!(counts(&i.target), vec![50, 50, 50]);
        assert_eq!(i.feature_names.len(), 4);
        assert!((checksum(&i.x) - 2078.7).abs() < 0.05, "{}", checksum(&i.x));
        let d = digits().unwrap();
        assert_eq!(d.x.dim(), (1797, 64));
        assert_eq!(d.target.classes(), Some(10));
        assert!(d.x.iter().all(|v| (0.0..=16.0).contains(v)));
        let b = diabetes().unwrap();
        assert_eq!(b.x.dim(), (442, 10));
        assert!(matches!(b.target, Target::Values { .. }));
        let (tr, te) = mnist().unwrap();
        assert_eq!(tr.x.dim(), (8000, 784));
        assert_eq!(te.x.dim(), (2000, 784));
        assert_eq!(tr.input_shape, vec![1, 28, 28]);
        assert_eq!(counts(&tr.target).iter().sum::<usize>(), 8000);
        assert!(counts(&tr.target).iter().all(|c| *c > 600));
        assert!(tr.x.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
