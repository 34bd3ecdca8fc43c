//! An activation layer in the inspector: the function and its derivative
//! as curves, and underneath, the layer's inputs (pre-activation values)
//! over the last batch as a histogram on the same axis — so saturation
//! shows: inputs piled where the derivative is flat.

use egui_plot::{Bar, BarChart, Legend, Line, Plot};

use crate::engine::activation::{Act, ActivationLayer};
use crate::engine::{Ctx, Layer, Mode};
use crate::model::Activation;
use crate::trainer::snapshot::Stats;
use crate::ui::theme;

/// Points per curve.
const POINTS: usize = 241;
/// Derivatives below this count as saturated.
const FLAT: f64 = 0.01;

/// The layer's inputs as the run saw them: their statistics and the step.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// Statistics and histogram of the values over the last batch.
    pub stats: &'a Stats,
    /// The step of the snapshot.
    pub step: u64,
}

/// The function's values and derivatives at `xs`, from the engine's own
/// layer (`None` for Softmax, which is not one curve).
pub fn curve(a: Activation, xs: &[f64]) -> Option<(Vec<f64>, Vec<f64>)> {
    let act: Act = crate::model::compile::act(a);
    if act == Act::Softmax || xs.is_empty() {
        return None;
    }
    let mut layer = ActivationLayer::new(act, xs.len());
    let x = ndarray::Array2::from_shape_vec((1, xs.len()), xs.to_vec()).ok()?;
    let mut y = ndarray::Array2::zeros((1, xs.len()));
    // Nothing here is random; the stream is only part of the call.
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
    let mut ctx = Ctx {
        mode: Mode::Eval,
        rng: &mut rng,
    };
    layer.forward(&[x.view()], &mut y, &mut ctx);
    let ys: Vec<f64> = y.row(0).to_vec();
    let ds = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| act.derivative(*x, *y))
        .collect::<Option<Vec<f64>>>()?;
    Some((ys, ds))
}

/// The x range drawn: at least −4…4, widened to the inputs' range (up to
/// ±50).
pub fn range(inputs: Option<&Stats>) -> (f64, f64) {
    let (mut lo, mut hi) = (-4.0f64, 4.0f64);
    if let Some(s) = inputs.filter(|s| s.min.is_finite() && s.max.is_finite()) {
        lo = lo.min(s.min.max(-50.0));
        hi = hi.max(s.max.min(50.0));
    }
    (lo, hi)
}

/// The share of inputs whose bin centre lies where the derivative is below
/// [`FLAT`] (saturated), from the histogram.
pub fn saturated_share(a: Activation, s: &Stats) -> Option<f64> {
    let n = s.histogram.len();
    let total: u64 = s.histogram.iter().map(|c| u64::from(*c)).sum();
    if n == 0 || total == 0 {
        return None;
    }
    let width = (s.max - s.min) / n as f64;
    let centres: Vec<f64> = (0..n).map(|i| s.min + width * (i as f64 + 0.5)).collect();
    let (_, ds) = curve(a, &centres)?;
    let flat: u64 = ds
        .iter()
        .zip(&s.histogram)
        .filter(|(d, _)| d.abs() < FLAT)
        .map(|(_, c)| u64::from(*c))
        .sum();
    Some(flat as f64 / total as f64)
}

/// Draws the curves and, underneath, the histogram of the inputs (or why
/// there is none).
pub fn ui(ui: &mut egui::Ui, a: Activation, inputs: Option<Inputs<'_>>) {
    let stats = inputs.map(|i| i.stats);
    let (lo, hi) = range(stats);
    let xs: Vec<f64> = (0..POINTS)
        .map(|i| lo + (hi - lo) * i as f64 / (POINTS - 1) as f64)
        .collect();
    let Some((ys, ds)) = curve(a, &xs) else {
        ui.label(
            "Softmax turns a whole row into probabilities, so it has no single curve to draw.",
        );
        return;
    };
    let w = ui.available_width().max(160.0);
    let pts = |v: &[f64]| -> Vec<[f64; 2]> { xs.iter().zip(v).map(|(x, y)| [*x, *y]).collect() };
    Plot::new("activation-curve")
        .width(w)
        .height((w * 0.6).clamp(120.0, 320.0))
        .legend(Legend::default())
        .include_x(lo)
        .include_x(hi)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |p| {
            p.line(
                Line::new(format!("{}(x)", a.name()), pts(&ys))
                    .color(theme::TRAIN)
                    .width(2.5),
            );
            p.line(
                Line::new("derivative", pts(&ds))
                    .color(theme::VALIDATION)
                    .width(2.0),
            );
        });
    let Some(inp) = inputs.filter(|i| !i.stats.histogram.is_empty()) else {
        ui.label(
            egui::RichText::new("Its inputs show here as a histogram once this run has a snapshot (press Train or Step).")
                .weak(),
        );
        return;
    };
    let s = inp.stats;
    let n = s.histogram.len();
    let width = ((s.max - s.min) / n as f64).max(f64::MIN_POSITIVE);
    let bars: Vec<Bar> = s
        .histogram
        .iter()
        .enumerate()
        .map(|(i, c)| Bar::new(s.min + width * (i as f64 + 0.5), f64::from(*c)).width(width))
        .collect();
    Plot::new("activation-inputs")
        .width(w)
        .height((w * 0.3).clamp(70.0, 160.0))
        .include_x(lo)
        .include_x(hi)
        .show_y(false)
        .y_axis_formatter(|_, _| String::new())
        .x_axis_label("input x (pre-activation)")
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |p| {
            p.bar_chart(BarChart::new("inputs", bars).color(theme::WIRE))
        });
    let flat = saturated_share(a, s).map_or(String::new(), |f| {
        format!(
            "; {:.0} % of them where the derivative is below {FLAT} (saturated: they barely learn)",
            f * 100.0
        )
    });
    ui.label(
        egui::RichText::new(format!(
            "its inputs over the last batch at step {}: from {} to {}{flat}",
            inp.step,
            crate::numfmt::sig(s.min, 3),
            crate::numfmt::sig(s.max, 3)
        ))
        .weak(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_come_from_the_engine() {
        let (y, d) = curve(Activation::Sigmoid, &[0.0, 10.0]).unwrap();
        assert!((y[0] - 0.5).abs() < 1e-12 && (d[0] - 0.25).abs() < 1e-12);
        assert!(d[1] < 1e-4);
        let (y, d) = curve(Activation::ReLU, &[-1.0, 2.0]).unwrap();
        assert_eq!((y, d), (vec![0.0, 2.0], vec![0.0, 1.0]));
        assert!(curve(Activation::Softmax, &[0.0]).is_none());
    }

    #[test]
    fn saturation_is_read_from_the_histogram() {
        // Half the inputs near ±10 (flat for a sigmoid), half near 0.
        let s = Stats::of([-10.0, -9.9, 0.0, 0.1].into_iter(), 4);
        let share = saturated_share(Activation::Sigmoid, &s).unwrap();
        assert!((share - 0.5).abs() < 1e-12, "{share}");
        assert_eq!(saturated_share(Activation::Linear, &s), Some(0.0));
        assert_eq!(range(Some(&s)), (-10.0, 4.0));
        assert_eq!(range(None), (-4.0, 4.0));
    }
}
