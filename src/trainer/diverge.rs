//! Telling divergence apart from a rough start, and saying it with the
//! learning rate as the user typed it.

use super::history::EpochMetrics;
use super::session::Session;

/// Divergence without NaN, at the end of an epoch: the epoch's mean
/// training loss ten times the first batch's (and at least one higher), or
/// for a regression a validation R² below −100 (far worse than predicting
/// the mean). Says which, or `None`.
pub(super) fn exploded(
    first: Option<f64>,
    m: &EpochMetrics,
    classification: bool,
    has_val: bool,
) -> Option<String> {
    let first = first?;
    if m.train_loss > first * 10.0 && m.train_loss > first + 1.0 {
        return Some(format!(
            "the training loss rose from {} on the first batch to {} in epoch {}",
            short(first),
            short(m.train_loss),
            m.epoch
        ));
    }
    if !classification && has_val && m.val_metric < -100.0 {
        return Some(format!(
            "the validation R² is {} after epoch {} (far worse than predicting the mean)",
            short(m.val_metric),
            m.epoch
        ));
    }
    None
}

/// A number in a message: four significant digits, exponent when large.
fn short(v: f64) -> String {
    if v.abs() >= 1e5 || (v != 0.0 && v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{}", (v * 1e4).round() / 1e4)
    }
}

/// The diagnosis with the learning rate as the user typed it (`0.1`, not
/// the `f64` widening of the `f32` setting, `0.10000000149011612`).
pub(super) fn typed_lr(session: &Session, text: String) -> String {
    let lr = session.lr();
    let typed = format!("{}", lr as f32);
    let wide = format!("{lr}");
    let mut text = text.replace(&wide, &typed);
    // The suggested rate (a tenth) also as an f32 would print.
    let tenth = lr / 10.0;
    text = text.replace(&format!("{tenth}"), &format!("{}", tenth as f32));
    text
}
