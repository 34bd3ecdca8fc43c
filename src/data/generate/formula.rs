//! Data the user makes: a 1-D regression set from a typed formula
//! (`y = sin(3x) + 0.1x^2`) over a range with noise, evaluated by the
//! `evalexpr` crate; and a 2-D classification set of painted points.

use evalexpr::{
    ContextWithMutableVariables, DefaultNumericTypes, HashMapContext, Node, Value,
    build_operator_tree,
};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::super::{DataError, Dataset, Target};
use super::{check, classes_2d, normal};

/// Longest formula accepted, in bytes.
pub const MAX_FORMULA: usize = 500;
/// Most painted points.
pub const MAX_PAINTED: usize = 100_000;

/// Functions a formula may call by their usual names, and the names the
/// evaluator knows them by.
const FUNCTIONS: [(&str, &str); 14] = [
    ("sin", "math::sin"),
    ("cos", "math::cos"),
    ("tan", "math::tan"),
    ("asin", "math::asin"),
    ("acos", "math::acos"),
    ("atan", "math::atan"),
    ("sinh", "math::sinh"),
    ("cosh", "math::cosh"),
    ("tanh", "math::tanh"),
    ("exp", "math::exp"),
    ("ln", "math::ln"),
    ("log", "math::ln"),
    ("sqrt", "math::sqrt"),
    ("abs", "math::abs"),
];

/// A formula ready to evaluate at any `x`.
pub struct Formula {
    tree: Node<DefaultNumericTypes>,
}

impl Formula {
    /// Parses `y = …` (the `y =` is optional) in `x`: `+ − * / ^`,
    /// brackets, `pi`, `e`, the usual functions (`sin`, `exp`, `sqrt`, `abs`,
    /// `ln`…), and a number written before `x` or a bracket (`3x`, `2(x+1)`)
    /// multiplies it.
    ///
    /// # Errors
    /// [`DataError::Settings`] saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, DataError> {
        let bad = |m: String| DataError::Settings(format!("formula `{text}`: {m}"));
        if text.len() > MAX_FORMULA {
            return Err(bad(format!("longer than {MAX_FORMULA} characters")));
        }
        let body = text.trim();
        let body = body
            .strip_prefix("y")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('='))
            .unwrap_or(body);
        if body.trim().is_empty() {
            return Err(bad(
                "there is nothing after `y =`; try `sin(3x) + 0.1x^2`".into()
            ));
        }
        let source = rewrite(body).map_err(bad)?;
        let tree =
            build_operator_tree::<DefaultNumericTypes>(&source).map_err(|e| bad(format!("{e}")))?;
        let f = Self { tree };
        // One evaluation now, so a misspelt name is said before any data.
        f.at(0.5).map_err(bad)?;
        Ok(f)
    }

    /// The formula's value at `x`.
    ///
    /// # Errors
    /// A name the formula uses is unknown, or the value is not a number.
    pub fn at(&self, x: f64) -> Result<f64, String> {
        let mut ctx = HashMapContext::<DefaultNumericTypes>::new();
        for (name, v) in [
            ("x", x),
            ("pi", std::f64::consts::PI),
            ("e", std::f64::consts::E),
        ] {
            ctx.set_value(name.into(), Value::Float(v))
                .map_err(|e| e.to_string())?;
        }
        match self.tree.eval_with_context(&ctx) {
            Ok(Value::Float(v)) => Ok(v),
            Ok(Value::Int(v)) => Ok(v as f64),
            Ok(other) => Err(format!("gives {other}, not a number")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Turns the usual way of writing a formula into the evaluator's: whole
/// numbers become decimals (so `1/3` is not 0), `3x` and `2(` multiply,
/// function names get their `math::` prefix.
fn rewrite(body: &str) -> Result<String, String> {
    let mut out = String::with_capacity(body.len() + 16);
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len()
                && (chars[i] == 'e' || chars[i] == 'E')
                && chars
                    .get(i + 1)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '-' || *d == '+')
            {
                i += 2;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let num: String = chars[start..i].iter().collect();
            out.push_str(&num);
            if !num.contains(['.', 'e', 'E']) {
                out.push_str(".0");
            }
            if chars
                .get(i)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '(')
            {
                out.push('*');
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match FUNCTIONS.iter().find(|(n, _)| *n == word) {
                Some((_, full)) => out.push_str(full),
                None if matches!(word.as_str(), "x" | "pi" | "e") => {
                    out.push_str(&word);
                    // `x(…)` and `x x` are products too.
                    if chars.get(i).is_some_and(|n| *n == '(') {
                        out.push('*');
                    }
                }
                None => {
                    return Err(format!(
                        "`{word}` is not known; use x, pi, e and the functions {}",
                        FUNCTIONS.map(|(n, _)| n).join(", ")
                    ));
                }
            }
        } else if c == ')'
            && chars
                .get(i + 1)
                .is_some_and(|n| *n == '(' || n.is_ascii_alphanumeric())
        {
            out.push_str(")*");
            i += 1;
        } else if "+-*/^()., \t".contains(c) {
            out.push(c);
            i += 1;
        } else {
            return Err(format!("the character `{c}` cannot be used"));
        }
    }
    Ok(out)
}

/// `samples` values of a formula at `x` drawn uniformly from `[from, to]`,
/// with N(0, noise²) added.
///
/// # Errors
/// A formula that does not parse, a range that is empty or not finite, or
/// a value that is not a finite number somewhere in the range.
pub fn formula_1d(
    text: &str,
    from: f32,
    to: f32,
    samples: usize,
    noise: f32,
    seed: u64,
) -> Result<Dataset, DataError> {
    check(samples, noise)?;
    if !(from.is_finite() && to.is_finite() && from < to) {
        return Err(DataError::Settings(format!(
            "the range {from} to {to} is empty; the first number must be the smaller"
        )));
    }
    let f = Formula::parse(text)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Array2::zeros((samples, 1));
    let mut y = Array2::zeros((samples, 1));
    for i in 0..samples {
        let v: f32 = rng.random_range(from..=to);
        let fy = f
            .at(f64::from(v))
            .map_err(|m| DataError::Settings(format!("formula `{text}` at x = {v}: {m}")))?;
        let fy = fy as f32;
        if !fy.is_finite() {
            return Err(DataError::Settings(format!(
                "formula `{text}` is {fy} at x = {v}; choose a range where it is a finite number"
            )));
        }
        x[[i, 0]] = v;
        y[[i, 0]] = fy + noise * normal(&mut rng);
    }
    Ok(Dataset {
        name: "formula".into(),
        x,
        target: Target::Values {
            y,
            names: vec!["y".into()],
        },
        input_shape: vec![1],
        feature_names: vec!["x".into()],
    })
}

/// Painted points `(x₁, x₂, class)` as a 2-D classification set of
/// `classes` classes.
///
/// # Errors
/// Fewer than two points, too many, a class outside `0..classes`, or a
/// coordinate that is not finite.
pub fn painted(points: &[(f32, f32, u32)], classes: usize) -> Result<Dataset, DataError> {
    if !(2..=10).contains(&classes) {
        return Err(DataError::Settings(format!(
            "{classes} classes: painted data has 2 to 10"
        )));
    }
    if points.len() < 2 {
        return Err(DataError::Settings(
            "paint at least two points in the boundary view (paint mode) before training".into(),
        ));
    }
    if points.len() > MAX_PAINTED {
        return Err(DataError::Settings(format!(
            "{} painted points; the limit is {MAX_PAINTED}",
            points.len()
        )));
    }
    if let Some((i, p)) = points
        .iter()
        .enumerate()
        .find(|(_, p)| !(p.0.is_finite() && p.1.is_finite()) || p.2 as usize >= classes)
    {
        return Err(DataError::Settings(format!(
            "painted point {i} ({}, {}, class {}) is not a finite point of one of the {classes} classes",
            p.0, p.1, p.2
        )));
    }
    let pts = points.iter().map(|p| [p.0, p.1]).collect();
    let labels = points.iter().map(|p| p.2).collect();
    Ok(classes_2d("painted", pts, labels, classes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_on_paper() {
        let f = Formula::parse("y = sin(3x) + 0.1x^2").unwrap();
        let want = (3.0f64 * 0.7).sin() + 0.1 * 0.7 * 0.7;
        assert!((f.at(0.7).unwrap() - want).abs() < 1e-12);
        assert!((Formula::parse("1/3*x").unwrap().at(3.0).unwrap() - 1.0).abs() < 1e-12);
        assert!((Formula::parse("2(x+1)").unwrap().at(1.0).unwrap() - 4.0).abs() < 1e-12);
        assert!(
            (Formula::parse("exp(-x^2) * pi").unwrap().at(0.0).unwrap() - std::f64::consts::PI)
                .abs()
                < 1e-12
        );
        assert!((Formula::parse("abs(x) - 1e-1").unwrap().at(-2.0).unwrap() - 1.9).abs() < 1e-12);
        for (bad, says) in [
            ("y = ", "nothing after"),
            ("sin(3z)", "`z` is not known"),
            ("x $ 2", "cannot be used"),
            ("sin(x", ""),
        ] {
            let e = Formula::parse(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(!e.is_empty() && e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn formula_data_is_seeded_and_in_range() {
        let a = formula_1d("x^2", -2.0, 2.0, 100, 0.0, 7).unwrap();
        let b = formula_1d("x^2", -2.0, 2.0, 100, 0.0, 7).unwrap();
        assert_eq!(a.x, b.x);
        let Target::Values { y, .. } = &a.target else {
            panic!("regression");
        };
        for i in 0..100 {
            let v = a.x[[i, 0]];
            assert!((-2.0..=2.0).contains(&v));
            assert!((y[[i, 0]] - v * v).abs() < 1e-5);
        }
        assert!(formula_1d("ln(x)", -2.0, -1.0, 10, 0.0, 1).is_err());
        assert!(formula_1d("x", 1.0, 1.0, 10, 0.0, 1).is_err());
    }

    #[test]
    fn painted_points_become_a_data_set() {
        let d = painted(&[(0.1, 0.2, 0), (-0.5, 0.5, 1), (0.3, -0.3, 1)], 2).unwrap();
        assert_eq!(d.x.dim(), (3, 2));
        assert_eq!(d.target.classes(), Some(2));
        assert!(painted(&[(0.1, 0.2, 0)], 2).is_err());
        assert!(painted(&[(0.1, 0.2, 0), (0.0, 0.0, 2)], 2).is_err());
        assert!(painted(&[(f32::NAN, 0.2, 0), (0.0, 0.0, 1)], 2).is_err());
    }
}
