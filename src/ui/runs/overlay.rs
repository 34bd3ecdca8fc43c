//! The curves of chosen recorded runs, for the Curves view: each run's
//! step losses read off the UI thread once (its epochs come with the
//! listing), smoothed like the live curve, in the run's colour.

use std::collections::{BTreeSet, HashMap};

use crate::trainer::history::decimate;

use super::super::task::Task;
use super::super::theme;
use super::{Entry, Waker};

/// One run's lines, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct OverlayLine {
    /// The legend's name: "run 2 · Adam".
    pub name: String,
    /// The run's colour.
    pub colour: egui::Color32,
    /// Smoothed step loss.
    pub steps: Vec<[f64; 2]>,
    /// Validation loss per epoch.
    pub val_loss: Vec<[f64; 2]>,
    /// Validation accuracy or R² per epoch.
    pub val_metric: Vec<[f64; 2]>,
}

struct Series {
    raw: Vec<[f64; 2]>,
    smoothed: Vec<[f64; 2]>,
    weight: f64,
}

type Loaded = Vec<(String, Result<Vec<[f64; 2]>, String>)>;

/// Step losses of the chosen runs, loaded on demand.
#[derive(Default)]
pub struct Overlays {
    series: HashMap<String, Series>,
    task: Option<Task<Loaded>>,
    /// Runs asked for while a load was under way.
    pending: BTreeSet<String>,
}

impl Overlays {
    /// Whether steps are being read.
    pub fn busy(&self) -> bool {
        self.task.is_some()
    }

    /// Forgets runs that are no longer listed.
    pub fn retain(&mut self, known: &BTreeSet<String>) {
        self.series.retain(|id, _| known.contains(id));
    }

    /// Starts reading the steps of the `shown` runs not read yet.
    pub fn want(&mut self, shown: &BTreeSet<String>, entries: &[Entry], wake: Waker) {
        let missing: Vec<_> = shown
            .iter()
            .filter(|id| !self.series.contains_key(*id))
            .filter_map(|id| entries.iter().find(|e| e.id() == id))
            .map(|e| e.record.clone())
            .collect();
        if missing.is_empty() {
            return;
        }
        if self.task.is_some() {
            self.pending
                .extend(missing.iter().map(|r| r.id().to_string()));
            return;
        }
        self.task = Some(Task::spawn("reading runs' curves", wake, move || {
            missing
                .into_iter()
                .map(|r| {
                    let steps = r
                        .steps()
                        .map(|s| {
                            s.iter()
                                .map(|p| [p.step as f64, f64::from(p.loss)])
                                .collect()
                        })
                        .map_err(|e| e.to_string());
                    (r.id().to_string(), steps)
                })
                .collect()
        }));
    }

    /// Takes loaded steps; a run whose steps are unreadable is an error
    /// (its epochs still draw).
    pub fn poll(&mut self, entries: &[Entry], wake: impl Fn() -> Waker) -> Option<String> {
        let r = self.task.as_mut()?.poll()?;
        self.task = None;
        let mut error = None;
        match r {
            Ok(loaded) => {
                for (id, steps) in loaded {
                    let raw = steps.unwrap_or_else(|e| {
                        error = Some(format!("the steps of run {id} cannot be read: {e}"));
                        Vec::new()
                    });
                    self.series.insert(
                        id,
                        Series {
                            raw,
                            smoothed: Vec::new(),
                            weight: f64::NAN,
                        },
                    );
                }
            }
            Err(e) => error = Some(e.to_string()),
        }
        let pending = std::mem::take(&mut self.pending);
        if !pending.is_empty() {
            self.want(&pending, entries, wake());
        }
        error
    }

    /// The lines of the `shown` runs, oldest first; step losses smoothed
    /// with `smoothing` (as the live curve), on log10 when `log_y`.
    pub fn lines(
        &mut self,
        entries: &[Entry],
        shown: &BTreeSet<String>,
        smoothing: f64,
        log_y: bool,
    ) -> Vec<OverlayLine> {
        let mut out = Vec::new();
        for e in entries.iter().filter(|e| shown.contains(e.id())) {
            let steps = match self.series.get_mut(e.id()) {
                Some(s) => {
                    if s.weight != smoothing {
                        s.smoothed = smooth(&s.raw, smoothing);
                        s.weight = smoothing;
                    }
                    let mut pts = decimate(
                        &s.smoothed,
                        f64::NEG_INFINITY,
                        f64::INFINITY,
                        theme::PLOT_BUCKETS,
                    );
                    pts.retain(|p| p[1].is_finite());
                    pts
                }
                None => Vec::new(),
            };
            let per_epoch = |f: fn(&crate::runs::EpochRow) -> f64| -> Vec<[f64; 2]> {
                e.record
                    .epochs
                    .iter()
                    .filter(|r| f(r).is_finite())
                    .map(|r| [r.epoch as f64, f(r)])
                    .collect()
            };
            let optimizer = e
                .project
                .as_ref()
                .map(|p| format!(" · {}", p.training.optimizer.name()))
                .unwrap_or_default();
            let mut line = OverlayLine {
                name: format!("{}{optimizer}", e.name()),
                colour: e.colour(),
                steps,
                val_loss: per_epoch(|r| r.val_loss),
                val_metric: per_epoch(|r| r.val_metric),
            };
            if log_y {
                log10(&mut line.steps);
                log10(&mut line.val_loss);
            }
            out.push(line);
        }
        out
    }
}

fn log10(pts: &mut Vec<[f64; 2]>) {
    pts.retain(|p| p[1] > 0.0);
    for p in pts.iter_mut() {
        p[1] = p[1].log10();
    }
}

/// The debiased exponential moving average the live curve uses.
pub fn smooth(raw: &[[f64; 2]], weight: f64) -> Vec<[f64; 2]> {
    let w = weight.clamp(0.0, 0.99);
    let mut ema: Option<f64> = None;
    let mut debias = 0.0;
    raw.iter()
        .map(|&[x, y]| {
            if !y.is_finite() {
                return [x, f64::NAN];
            }
            let e = ema.map_or((1.0 - w) * y, |e| w * e + (1.0 - w) * y);
            ema = Some(e);
            debias = w * debias + (1.0 - w);
            [x, e / debias]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_without_weight_is_the_raw_curve_and_is_debiased() {
        let raw = [[1.0, 2.0], [2.0, 4.0], [3.0, f64::NAN]];
        assert_eq!(smooth(&raw, 0.0)[..2], raw[..2]);
        let s = smooth(&raw, 0.5);
        // The first point is the value itself, not half of it.
        assert_eq!(s[0], [1.0, 2.0]);
        assert!((s[1][1] - (0.5 * 1.0 + 0.5 * 4.0) / 0.75).abs() < 1e-12);
        assert!(s[2][1].is_nan());
    }
}
