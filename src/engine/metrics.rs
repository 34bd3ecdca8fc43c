//! Metrics on predictions: accuracy, top-k, confusion counts, R², RMSE.

use ndarray::ArrayView2;

use super::Float;

/// The predicted class of each row: the arg-max, or for a single output
/// column (one logit, binary cross-entropy) `1` when the logit is `> 0`.
pub fn predicted_classes<'a, F: Float>(pred: ArrayView2<'a, F>) -> impl Iterator<Item = u32> + 'a {
    let single = pred.ncols() == 1;
    (0..pred.nrows()).map(move |i| {
        let row = pred.row(i);
        if single {
            return u32::from(row.iter().any(|&z| z > F::zero()));
        }
        let mut best = 0;
        let mut best_v = F::neg_infinity();
        for (j, &v) in row.iter().enumerate() {
            if v > best_v {
                best = j;
                best_v = v;
            }
        }
        best as u32
    })
}

/// The fraction of rows whose predicted class (see [`predicted_classes`])
/// equals the label; `0` for no rows.
///
/// # Shapes
/// `pred` `[batch, classes]` (or `[batch, 1]` logits), `labels` `[batch]`.
pub fn accuracy<F: Float>(pred: ArrayView2<F>, labels: &[u32]) -> f64 {
    let n = labels.len().min(pred.nrows());
    if n == 0 {
        return 0.0;
    }
    let hits = predicted_classes(pred)
        .zip(labels)
        .filter(|(p, l)| p == *l)
        .count();
    hits as f64 / n as f64
}

/// The fraction of rows whose label is among the `k` highest scores: fewer
/// than `k` classes score strictly higher (ties count in the label's
/// favour). A label out of range is a miss.
pub fn top_k_accuracy<F: Float>(pred: ArrayView2<F>, labels: &[u32], k: usize) -> f64 {
    let n = labels.len().min(pred.nrows());
    if n == 0 {
        return 0.0;
    }
    let hits = pred
        .rows()
        .into_iter()
        .zip(labels)
        .filter(|(row, l)| match row.get(**l as usize) {
            Some(&v) => row.iter().filter(|&&o| o > v).count() < k,
            None => false,
        })
        .count();
    hits as f64 / n as f64
}

/// Confusion counts: `m[true][predicted]`, `classes × classes`; labels or
/// predictions at or above `classes` are ignored.
pub fn confusion<F: Float>(pred: ArrayView2<F>, labels: &[u32], classes: usize) -> Vec<Vec<u32>> {
    let mut m = vec![vec![0u32; classes]; classes];
    for (p, &l) in predicted_classes(pred).zip(labels) {
        if let Some(c) = m.get_mut(l as usize).and_then(|r| r.get_mut(p as usize)) {
            *c += 1;
        }
    }
    m
}

/// The coefficient of determination, `1 − SS_res/SS_tot`, per output column
/// and averaged over columns (scikit-learn's `uniform_average`). A constant
/// target column scores 1 if predicted exactly, else 0.
///
/// # Shapes
/// `pred` and `target` `[batch, outputs]`.
pub fn r2<F: Float>(pred: ArrayView2<F>, target: ArrayView2<F>) -> f64 {
    let cols = pred.ncols().min(target.ncols());
    let rows = pred.nrows().min(target.nrows());
    if cols == 0 || rows == 0 {
        return 0.0;
    }
    let mut total = 0.0;
    for j in 0..cols {
        let (p, y) = (pred.column(j), target.column(j));
        let mean = y.iter().take(rows).map(|v| v.f64()).sum::<f64>() / rows as f64;
        let mut ss_res = 0.0;
        let mut ss_tot = 0.0;
        for (&p, &y) in p.iter().zip(y.iter()).take(rows) {
            let (p, y) = (p.f64(), y.f64());
            ss_res += (y - p) * (y - p);
            ss_tot += (y - mean) * (y - mean);
        }
        total += if ss_tot > 0.0 {
            1.0 - ss_res / ss_tot
        } else if ss_res == 0.0 {
            1.0
        } else {
            0.0
        };
    }
    total / cols as f64
}

/// Root mean squared error over all elements.
pub fn rmse<F: Float>(pred: ArrayView2<F>, target: ArrayView2<F>) -> f64 {
    let mut n = 0usize;
    let mut s = 0.0;
    for (&p, &y) in pred.iter().zip(target.iter()) {
        let d = p.f64() - y.f64();
        s += d * d;
        n += 1;
    }
    if n == 0 { 0.0 } else { (s / n as f64).sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn classification_metrics_match_hand_counts() {
        let p = array![
            [0.1, 0.7, 0.2],
            [0.5, 0.3, 0.2],
            [0.2, 0.3, 0.5],
            [0.6, 0.3, 0.1]
        ];
        let labels = [1, 0, 1, 2];
        assert_eq!(accuracy(p.view(), &labels), 0.5);
        // Row 2: label 1 is second best; row 3: label 2 is last.
        assert_eq!(top_k_accuracy(p.view(), &labels, 2), 0.75);
        assert_eq!(top_k_accuracy(p.view(), &labels, 3), 1.0);
        assert_eq!(
            confusion(p.view(), &labels, 3),
            vec![vec![1, 0, 0], vec![0, 1, 1], vec![1, 0, 0]]
        );
        let logits = array![[0.3], [-1.0], [2.0]];
        assert!((accuracy(logits.view(), &[1, 0, 0]) - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn regression_metrics_match_hand_values() {
        let y = array![[1.0], [2.0], [3.0], [4.0]];
        let p = array![[1.5], [2.0], [2.5], [4.0]];
        // SS_res = 0.5, SS_tot = 5.
        assert!((r2(p.view(), y.view()) - 0.9).abs() < 1e-12);
        assert!((rmse(p.view(), y.view()) - 0.125f64.sqrt()).abs() < 1e-12);
        assert_eq!(r2(y.view(), y.view()), 1.0);
    }
}
