//! Which sample the window's trace runs: a validation sample (a boundary
//! point, a gallery image, a number — what `neuroglass trace --sample I`
//! means), a training sample (a row of the data preview, whose rows are
//! training rows), or an input typed in the Trace window. Each becomes the
//! network's input (a typed one mapped as the data was: feature crosses,
//! then normalisation) and a name that says which split it is from.

use crate::data::Target;
use crate::data::prepare::Prepared;
use crate::trace::{SampleTarget, validation_sample};

/// Which sample a trace runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// Validation sample `i`, in the order of the export's `val_x`.
    Validation(usize),
    /// Training sample `i`, in the order of the data preview's rows.
    Training(usize),
    /// The input typed in the Trace window (a new serial each time one is
    /// entered).
    Typed(u64),
}

/// An input typed in the Trace window: raw feature values (before crosses
/// and normalisation) and the target to take the loss against.
#[derive(Clone, Debug, PartialEq)]
pub struct TypedInput {
    /// Its serial, as in [`Pick::Typed`].
    pub serial: u64,
    /// The raw values, as the data file or generator gives them.
    pub raw: Vec<f32>,
    /// The target.
    pub target: SampleTarget,
}

/// Most raw values an input may have to be typed (larger inputs are picked
/// from the data instead).
pub const MAX_TYPED: usize = 64;

/// How many raw values an input of this data has (`None`: too many to
/// type, or none).
pub fn raw_len(p: &Prepared) -> Option<usize> {
    let n = if p.crosses.is_empty() {
        p.train.x.ncols()
    } else {
        2
    };
    (1..=MAX_TYPED).contains(&n).then_some(n)
}

/// The raw values behind a prepared row (undoing the normalisation), when
/// there are no feature crosses.
pub fn raw_of(p: &Prepared, x: &[f32]) -> Option<Vec<f32>> {
    if !p.crosses.is_empty() || x.len() != p.normalizer.shift.len() {
        return None;
    }
    Some(
        x.iter()
            .zip(p.normalizer.shift.iter().zip(&p.normalizer.scale))
            .map(|(v, (s, c))| v * c + s)
            .collect(),
    )
}

/// The network's input for raw values, mapped as the data was.
///
/// # Errors
/// The number of values does not fit the data, or one is not finite.
pub fn map_raw(p: &Prepared, raw: &[f32]) -> Result<Vec<f32>, String> {
    let want = raw_len(p).unwrap_or(0);
    if raw.len() != want {
        return Err(format!(
            "the input has {} value{}; this data's samples have {want}",
            raw.len(),
            if raw.len() == 1 { "" } else { "s" }
        ));
    }
    if raw.iter().any(|v| !v.is_finite()) {
        return Err("every value of the input must be a finite number".into());
    }
    if p.crosses.is_empty() {
        let mut a = ndarray::Array2::from_shape_fn((1, raw.len()), |(_, j)| raw[j]);
        p.normalizer.apply(&mut a);
        Ok(a.iter().copied().collect())
    } else {
        Ok(p.map_points(&[[raw[0], raw[1]]]).iter().copied().collect())
    }
}

/// Training sample `index` as its features and target.
///
/// # Errors
/// There is no such training sample.
pub fn training_sample(p: &Prepared, index: usize) -> Result<(Vec<f32>, SampleTarget), String> {
    let set = &p.train;
    let none = || {
        format!(
            "there is no training sample {index}: the training set has {} samples",
            set.len()
        )
    };
    if index >= set.x.nrows() {
        return Err(none());
    }
    let target = match &set.target {
        Target::Classes { labels, .. } => SampleTarget::Class(*labels.get(index).ok_or_else(none)?),
        Target::Values { y, .. } if index < y.nrows() => {
            SampleTarget::Values(y.row(index).iter().map(|&v| f64::from(v)).collect())
        }
        Target::Values { .. } => return Err(none()),
    };
    Ok((set.x.row(index).to_vec(), target))
}

/// The sample `pick` stands for: the network's input, the target and a
/// name for the screen.
///
/// # Errors
/// No such sample, or a typed input that does not fit the data.
pub fn resolve(
    p: &Prepared,
    pick: Pick,
    typed: Option<&TypedInput>,
) -> Result<(Vec<f32>, SampleTarget, String), String> {
    match pick {
        Pick::Validation(i) => {
            let (x, t) = validation_sample(p, i).map_err(|e| e.to_string())?;
            Ok((
                x,
                t,
                sample_name(&p.validation.target, "validation sample", i),
            ))
        }
        Pick::Training(i) => {
            let (x, t) = training_sample(p, i)?;
            Ok((x, t, sample_name(&p.train.target, "training sample", i)))
        }
        Pick::Typed(serial) => {
            let typed = typed
                .filter(|t| t.serial == serial)
                .ok_or("the typed input is gone; type it again")?;
            let x = map_raw(p, &typed.raw)?;
            let values: Vec<String> = typed
                .raw
                .iter()
                .map(|v| crate::numfmt::sig(f64::from(*v), 4))
                .collect();
            let target = match &typed.target {
                SampleTarget::Class(c) => {
                    if let Target::Classes { names, .. } = &p.train.target
                        && *c as usize >= names.len()
                    {
                        return Err(format!(
                            "class {c} does not exist; the classes are 0 to {}",
                            names.len().saturating_sub(1)
                        ));
                    }
                    format!("class {c}")
                }
                SampleTarget::Values(v) => {
                    let v: Vec<String> = v.iter().map(|v| crate::numfmt::sig(*v, 3)).collect();
                    format!("target {}", v.join(", "))
                }
            };
            Ok((
                x,
                typed.target.clone(),
                format!("typed input ({}) · {target}", values.join(", ")),
            ))
        }
    }
}

/// "validation sample 12 · class 1 (versicolor)" or "… · target 0.53".
pub fn sample_name(target: &Target, what: &str, i: usize) -> String {
    let detail = match target {
        Target::Classes { labels, names } => labels.get(i).map(|&c| {
            let plain = [c.to_string(), format!("class {c}")];
            match names.get(c as usize).filter(|n| !plain.contains(n)) {
                Some(n) => format!("class {c} ({n})"),
                None => format!("class {c}"),
            }
        }),
        Target::Values { y, .. } => (i < y.nrows()).then(|| {
            let v: Vec<String> = y
                .row(i)
                .iter()
                .map(|v| crate::numfmt::sig(f64::from(*v), 3))
                .collect();
            format!("target {}", v.join(", "))
        }),
    };
    match detail {
        Some(d) => format!("{what} {i} · {d}"),
        None => format!("{what} {i}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::prepare::{Scaling, prepare};

    fn blobs(scaling: Scaling) -> Prepared {
        let d = crate::data::generate::blobs(60, 3, 0.2, 4).unwrap();
        prepare(d, None, 0.25, scaling, &[], 4).unwrap()
    }

    #[test]
    fn a_row_s_raw_values_map_back_to_the_row() {
        for scaling in [Scaling::Off, Scaling::Standardize, Scaling::MinMax] {
            let p = blobs(scaling);
            let (x, t, name) = resolve(&p, Pick::Validation(2), None).unwrap();
            assert!(name.starts_with("validation sample 2 · class"), "{name}");
            let raw = raw_of(&p, &x).unwrap();
            let back = map_raw(&p, &raw).unwrap();
            for (a, b) in back.iter().zip(&x) {
                assert!((a - b).abs() < 1e-5, "{a} vs {b}");
            }
            let typed = TypedInput {
                serial: 7,
                raw: raw.clone(),
                target: t.clone(),
            };
            let (y, t2, name) = resolve(&p, Pick::Typed(7), Some(&typed)).unwrap();
            assert_eq!((y, t2), (back, t));
            assert!(name.starts_with("typed input ("), "{name}");
            // A stale serial or a wrong length is refused, not guessed.
            assert!(resolve(&p, Pick::Typed(8), Some(&typed)).is_err());
            let short = TypedInput {
                raw: vec![1.0],
                ..typed
            };
            assert!(resolve(&p, Pick::Typed(7), Some(&short)).is_err());
        }
    }

    #[test]
    fn training_rows_are_named_as_training_samples() {
        let p = blobs(Scaling::Off);
        let (x, _, name) = resolve(&p, Pick::Training(5), None).unwrap();
        assert_eq!(x, p.train.x.row(5).to_vec());
        assert!(name.starts_with("training sample 5 · class"), "{name}");
        let e = resolve(&p, Pick::Training(p.train.len()), None).unwrap_err();
        assert!(e.contains("no training sample"), "{e}");
    }
}
