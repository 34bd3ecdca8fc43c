//! Pan and zoom: the map between canvas units and screen points.

use egui::{Pos2, Rect, Vec2, pos2, vec2};

/// Smallest and largest zoom.
pub const ZOOM_RANGE: (f32, f32) = (0.2, 2.5);

/// Where the canvas is looked at from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    /// Screen offset of the canvas origin from the canvas area's corner.
    pub pan: Vec2,
    /// Screen points per canvas unit.
    pub zoom: f32,
}

impl Default for View {
    fn default() -> Self {
        Self {
            pan: Vec2::ZERO,
            zoom: 1.0,
        }
    }
}

impl View {
    /// Canvas position → screen position, inside `area`.
    pub fn to_screen(&self, area: Rect, p: [f32; 2]) -> Pos2 {
        area.min + self.pan + vec2(p[0], p[1]) * self.zoom
    }

    /// Screen position → canvas position.
    pub fn to_canvas(&self, area: Rect, s: Pos2) -> [f32; 2] {
        let v = (s - area.min - self.pan) / self.zoom;
        [v.x, v.y]
    }

    /// A canvas rectangle on screen.
    pub fn rect_to_screen(&self, area: Rect, min: [f32; 2], size: Vec2) -> Rect {
        Rect::from_min_size(self.to_screen(area, min), size * self.zoom)
    }

    /// Zooms by `factor`, keeping the canvas point under `anchor` still.
    pub fn zoom_at(&mut self, area: Rect, anchor: Pos2, factor: f32) {
        let before = self.to_canvas(area, anchor);
        self.zoom = (self.zoom * factor).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
        let after = self.to_screen(area, before);
        self.pan += anchor - after;
    }

    /// Shows the canvas rectangle `bounds` whole and centred in `area`,
    /// with a margin (30 points, less in a small area), at no more than
    /// 1.2× zoom.
    pub fn fit(&mut self, area: Rect, bounds: Rect) {
        let margin = (area.size().min_elem() * 0.05).clamp(8.0, 30.0);
        let avail = (area.size() - Vec2::splat(2.0 * margin)).max(Vec2::splat(10.0));
        let size = bounds.size().max(Vec2::splat(1.0));
        self.zoom = (avail.x / size.x)
            .min(avail.y / size.y)
            .clamp(ZOOM_RANGE.0, 1.2);
        let centre = bounds.center();
        self.pan = area.size() / 2.0 - vec2(centre.x, centre.y) * self.zoom;
    }
}

/// The smallest canvas rectangle holding every `(corner, size)`.
pub fn bounds(items: impl Iterator<Item = ([f32; 2], Vec2)>) -> Option<Rect> {
    items
        .map(|(p, s)| Rect::from_min_size(pos2(p[0], p[1]), s))
        .reduce(|a, b| a.union(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_zoom_anchor_and_fit() {
        let area = Rect::from_min_size(pos2(100.0, 50.0), vec2(800.0, 600.0));
        let mut v = View::default();
        let s = v.to_screen(area, [10.0, 20.0]);
        assert_eq!(v.to_canvas(area, s), [10.0, 20.0]);
        let anchor = pos2(400.0, 300.0);
        let under = v.to_canvas(area, anchor);
        v.zoom_at(area, anchor, 1.5);
        let still = v.to_canvas(area, anchor);
        assert!((still[0] - under[0]).abs() < 1e-3 && (still[1] - under[1]).abs() < 1e-3);
        let b = Rect::from_min_max(pos2(0.0, 0.0), pos2(2000.0, 100.0));
        v.fit(area, b);
        let tl = v.to_screen(area, [0.0, 0.0]);
        let br = v.to_screen(area, [2000.0, 100.0]);
        assert!(area.contains(tl) && area.contains(br));
    }
}
