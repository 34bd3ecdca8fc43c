//! Every colour and size the window uses.

use egui::Color32;

/// Training loss.
pub const TRAIN: Color32 = Color32::from_rgb(0x3b, 0x82, 0xf6);
/// Validation loss.
pub const VALIDATION: Color32 = Color32::from_rgb(0xf9, 0x73, 0x16);
/// A problem.
pub const ERROR: Color32 = Color32::from_rgb(0xdc, 0x26, 0x26);
/// A warning.
pub const WARNING: Color32 = Color32::from_rgb(0xd9, 0x77, 0x06);
/// Things that are fine.
pub const OK: Color32 = Color32::from_rgb(0x16, 0xa3, 0x4a);
/// Width of the side panels, in points.
pub const SIDE_PANEL_WIDTH: f32 = 300.0;
/// Height of each plot, in points.
pub const PLOT_HEIGHT: f32 = 220.0;
/// Points per plotted line after decimation (min/max pairs).
pub const PLOT_BUCKETS: usize = 1000;
