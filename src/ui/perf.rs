//! View ▸ Performance: frame times and time to first frame.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Frames remembered.
const WINDOW: usize = 600;

/// Frame-time measurements.
pub struct FrameTimes {
    started: Instant,
    /// Time from program start to the first frame.
    pub first_frame: Option<Duration>,
    last: Option<Instant>,
    /// Recent frame-to-frame intervals.
    intervals: VecDeque<f32>,
    /// Recent time spent building each frame (CPU, ms).
    pub build_ms: VecDeque<f32>,
}

impl FrameTimes {
    /// Starts the clock (call at program start).
    pub fn new(started: Instant) -> Self {
        Self {
            started,
            first_frame: None,
            last: None,
            intervals: VecDeque::with_capacity(WINDOW),
            build_ms: VecDeque::with_capacity(WINDOW),
        }
    }

    /// Records that a frame began now.
    pub fn frame_started(&mut self) -> Instant {
        let now = Instant::now();
        if self.first_frame.is_none() {
            self.first_frame = Some(now - self.started);
        }
        if let Some(l) = self.last {
            push(&mut self.intervals, (now - l).as_secs_f32() * 1000.0);
        }
        self.last = Some(now);
        now
    }

    /// Records how long building the frame took.
    pub fn frame_built(&mut self, began: Instant) {
        push(&mut self.build_ms, began.elapsed().as_secs_f32() * 1000.0);
    }

    /// Median and 95th percentile of the frame build time, ms.
    pub fn build_percentiles(&self) -> Option<(f32, f32)> {
        percentiles(&self.build_ms)
    }

    /// Median and 95th percentile of the time between frames, ms.
    pub fn interval_percentiles(&self) -> Option<(f32, f32)> {
        percentiles(&self.intervals)
    }

    /// One line for the terminal: first frame, build and interval
    /// percentiles, with how many points the plots hold.
    pub fn summary(&self, points: usize) -> String {
        let ms = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
        let (bm, bp) = self.build_percentiles().unwrap_or((f32::NAN, f32::NAN));
        let (im, ip) = self.interval_percentiles().unwrap_or((f32::NAN, f32::NAN));
        format!(
            "first frame {:.0} ms; frame build median {bm:.2} ms, p95 {bp:.2} ms; between frames median {im:.1} ms, p95 {ip:.1} ms; {} frames; {points} plotted steps",
            ms(self.first_frame),
            self.build_ms.len()
        )
    }

    /// Draws the readout.
    pub fn ui(&self, ui: &mut egui::Ui) {
        if let Some(f) = self.first_frame {
            ui.label(format!(
                "first frame after {:.0} ms",
                f.as_secs_f64() * 1000.0
            ));
        }
        if let Some((m, p)) = self.build_percentiles() {
            ui.label(format!("frame build: median {m:.2} ms · p95 {p:.2} ms"));
        }
        if let Some((m, p)) = self.interval_percentiles() {
            ui.label(format!("between frames: median {m:.1} ms · p95 {p:.1} ms"));
        }
        ui.label(format!("over the last {} frames", self.build_ms.len()));
    }
}

fn push(v: &mut VecDeque<f32>, x: f32) {
    if v.len() == WINDOW {
        v.pop_front();
    }
    v.push_back(x);
}

fn percentiles(v: &VecDeque<f32>) -> Option<(f32, f32)> {
    if v.is_empty() {
        return None;
    }
    let mut s: Vec<f32> = v.iter().copied().collect();
    s.sort_by(f32::total_cmp);
    let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
    Some((at(0.5), at(0.95)))
}
