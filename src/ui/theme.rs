//! Every colour and size the window uses, and the light, dark and
//! classroom looks.

use egui::Color32;

use crate::model::LayerGroup;

/// Training loss.
pub const TRAIN: Color32 = Color32::from_rgb(0x3b, 0x82, 0xf6);
/// Validation loss.
pub const VALIDATION: Color32 = Color32::from_rgb(0xf9, 0x73, 0x16);
/// Learning rate.
pub const LEARNING_RATE: Color32 = Color32::from_rgb(0x8b, 0x5c, 0xf6);
/// A problem.
pub const ERROR: Color32 = Color32::from_rgb(0xdc, 0x26, 0x26);
/// A warning.
pub const WARNING: Color32 = Color32::from_rgb(0xd9, 0x77, 0x06);
/// Things that are fine.
pub const OK: Color32 = Color32::from_rgb(0x16, 0xa3, 0x4a);
/// Selected nodes and wires.
pub const SELECTION: Color32 = Color32::from_rgb(0x25, 0x63, 0xeb);
/// Input pins.
pub const PIN_IN: Color32 = Color32::from_rgb(0x94, 0xa3, 0xb8);
/// Output pins.
pub const PIN_OUT: Color32 = Color32::from_rgb(0x64, 0x74, 0x8b);
/// Wires.
pub const WIRE: Color32 = Color32::from_rgb(0x94, 0xa3, 0xb8);
/// Positive weights (wire colouring).
pub const POSITIVE: Color32 = Color32::from_rgb(0x25, 0x63, 0xeb);
/// Negative weights (wire colouring).
pub const NEGATIVE: Color32 = Color32::from_rgb(0xea, 0x58, 0x0c);
/// Class colours for scatter plots and boundaries.
pub const CLASSES: [Color32; 10] = [
    Color32::from_rgb(0x25, 0x63, 0xeb),
    Color32::from_rgb(0xea, 0x58, 0x0c),
    Color32::from_rgb(0x16, 0xa3, 0x4a),
    Color32::from_rgb(0x93, 0x33, 0xea),
    Color32::from_rgb(0xdb, 0x27, 0x77),
    Color32::from_rgb(0x0d, 0x94, 0x88),
    Color32::from_rgb(0xca, 0x8a, 0x04),
    Color32::from_rgb(0x47, 0x55, 0x69),
    Color32::from_rgb(0x84, 0xcc, 0x16),
    Color32::from_rgb(0x06, 0xb6, 0xd4),
];
/// Colours of recorded runs in the Runs panel and the overlaid curves,
/// by the run's number (cycled).
pub const RUN_COLOURS: [Color32; 8] = [
    Color32::from_rgb(0x0e, 0xa5, 0xe9),
    Color32::from_rgb(0xe1, 0x1d, 0x48),
    Color32::from_rgb(0x65, 0xa3, 0x0d),
    Color32::from_rgb(0xa8, 0x55, 0xf7),
    Color32::from_rgb(0xf5, 0x9e, 0x0b),
    Color32::from_rgb(0x14, 0xb8, 0xa6),
    Color32::from_rgb(0xec, 0x48, 0x99),
    Color32::from_rgb(0x78, 0x71, 0x6c),
];
/// The colour of recorded run number `n` (from 1).
pub fn run_colour(n: usize) -> Color32 {
    RUN_COLOURS[n.saturating_sub(1) % RUN_COLOURS.len()]
}
/// Design diff on the canvas: a node the second run added.
pub const DIFF_ADDED: Color32 = Color32::from_rgb(0x16, 0xa3, 0x4a);
/// Design diff on the canvas: a node the second run removed.
pub const DIFF_REMOVED: Color32 = Color32::from_rgb(0xdc, 0x26, 0x26);
/// Design diff on the canvas: a node whose settings changed.
pub const DIFF_CHANGED: Color32 = Color32::from_rgb(0xd9, 0x77, 0x06);
/// Width of the design diff's outlines, in points at zoom 1.
pub const DIFF_OUTLINE: f32 = 3.0;
/// Marker of the timeline's step on the curves.
pub const TIMELINE_MARK: Color32 = Color32::from_rgb(0x64, 0x74, 0x8b);
/// Width of the Runs list's colour swatch, in points.
pub const RUN_SWATCH: f32 = 12.0;
/// Width of the side panels, in points.
pub const SIDE_PANEL_WIDTH: f32 = 300.0;
/// Width of the palette, in points.
pub const PALETTE_WIDTH: f32 = 170.0;
/// The live views' recorded height before they are first drawn, in points.
pub const VIEWS_HEIGHT: f32 = 320.0;
/// Smallest height of the live views, in points.
pub const VIEWS_MIN_HEIGHT: f32 = 200.0;
/// Height the canvas keeps when the live views are made taller, in points.
pub const CANVAS_MIN_HEIGHT: f32 = 120.0;
/// The live views' resize edge: its colour, the grip's line width and
/// half length, in points.
pub const GRIP: Color32 = Color32::from_rgb(0x64, 0x74, 0x8b);
/// See [`GRIP`].
pub const GRIP_WIDTH: f32 = 2.0;
/// See [`GRIP`].
pub const GRIP_LENGTH: f32 = 18.0;
/// Height of each plot, in points.
pub const PLOT_HEIGHT: f32 = 220.0;
/// Points per plotted line after decimation (min/max pairs).
pub const PLOT_BUCKETS: usize = 1000;
/// Widest the reason beside a refused wire being dragged gets, in points.
pub const WIRE_REFUSAL_WIDTH: f32 = 360.0;
/// Most height the refused-wire message at the canvas's foot takes, in points.
pub const REFUSAL_BAR_HEIGHT: f32 = 90.0;
/// Wire width at zoom 1, in points.
pub const WIRE_WIDTH: f32 = 2.0;
/// "Where the time goes": the tint of a node that takes the whole step,
/// and its chip.
pub const TIMING_HOT: Color32 = Color32::from_rgb(0xe1, 0x1d, 0x48);
/// The tint's opacity for a node that takes the whole step (a node's tint
/// grows with the square root of its share).
pub const TIMING_MAX_ALPHA: f32 = 0.55;

/// The colour strip of a palette group.
pub fn group_color(g: LayerGroup) -> Color32 {
    match g {
        LayerGroup::Input => Color32::from_rgb(0x64, 0x74, 0x8b),
        LayerGroup::Core => Color32::from_rgb(0x25, 0x63, 0xeb),
        LayerGroup::Convolution => Color32::from_rgb(0x0d, 0x94, 0x88),
        LayerGroup::Recurrent => Color32::from_rgb(0x93, 0x33, 0xea),
        LayerGroup::Normalization => Color32::from_rgb(0xca, 0x8a, 0x04),
        LayerGroup::Activation => Color32::from_rgb(0xea, 0x58, 0x0c),
        LayerGroup::Merge => Color32::from_rgb(0xdb, 0x27, 0x77),
    }
}

/// Light or dark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
pub enum ThemeChoice {
    /// Dark background.
    #[default]
    Dark,
    /// Light background.
    Light,
}

/// Name of the fallback font in egui's font definitions.
pub const FALLBACK_FONT: &str = "DejaVu Sans";

/// DejaVu Sans 2.37 (Debian's fonts-dejavu-core; licence beside it in
/// `assets/fonts/`), embedded: it has every glyph the program prints that
/// egui's own fonts lack — sub- and superscripts (ᵀ ⁻ ₁ ᵢ ⱼ), math (Σ ∂ √ ≤ ∞),
/// arrows and symbols (✕ ⚠).
const FALLBACK_FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Adds the fallback font after egui's own fonts, for both proportional
/// and monospace text. Cheap to call again: egui skips a font it has.
pub fn install_fonts(ctx: &egui::Context) {
    use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
    ctx.add_font(FontInsert::new(
        FALLBACK_FONT,
        egui::FontData::from_static(FALLBACK_FONT_BYTES),
        [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
            .into_iter()
            .map(|family| InsertFontFamily {
                family,
                priority: FontPriority::Lowest,
            })
            .collect(),
    ));
}

/// Applies the theme and, for classroom mode, large text, thick lines and
/// strong contrast for a projector.
pub fn apply(ctx: &egui::Context, theme: ThemeChoice, classroom: bool) {
    let mut visuals = match theme {
        ThemeChoice::Dark => egui::Visuals::dark(),
        ThemeChoice::Light => egui::Visuals::light(),
    };
    if classroom {
        visuals.override_text_color = Some(match theme {
            ThemeChoice::Dark => Color32::WHITE,
            ThemeChoice::Light => Color32::BLACK,
        });
        for w in [
            &mut visuals.widgets.noninteractive,
            &mut visuals.widgets.inactive,
            &mut visuals.widgets.hovered,
            &mut visuals.widgets.active,
        ] {
            w.bg_stroke.width = w.bg_stroke.width.max(1.5);
            w.fg_stroke.width = w.fg_stroke.width.max(2.0);
        }
    }
    install_fonts(ctx);
    ctx.set_visuals(visuals);
    let styles = text_styles(classroom);
    ctx.all_styles_mut(|s| s.text_styles = styles.clone());
    ctx.set_zoom_factor(zoom(classroom));
}

/// Points to pixels on a 1× screen: 1.5 in classroom mode.
pub fn zoom(classroom: bool) -> f32 {
    if classroom { CLASSROOM_ZOOM } else { 1.0 }
}

/// The zoom factor of classroom mode.
pub const CLASSROOM_ZOOM: f32 = 1.5;
/// Body text in classroom mode, in points: 16 × 1.5 = 24 pixels on a 1×
/// screen, large enough for the back row of a lecture hall.
pub const CLASSROOM_BODY: f32 = 16.0;

/// The text sizes: egui's own, or in classroom mode body and buttons at
/// [`CLASSROOM_BODY`] and the rest grown alike.
pub fn text_styles(classroom: bool) -> std::collections::BTreeMap<egui::TextStyle, egui::FontId> {
    let mut styles = egui::style::default_text_styles();
    if classroom {
        let grow = CLASSROOM_BODY / 13.0;
        for (style, font) in &mut styles {
            font.size = match style {
                egui::TextStyle::Body | egui::TextStyle::Button | egui::TextStyle::Monospace => {
                    CLASSROOM_BODY
                }
                _ => (font.size * grow).round(),
            };
        }
    }
    styles
}

/// How much larger than at zoom 1 the canvas draws what is on a node and
/// between nodes — text, pins, wires, unit pictures, badges — relative to
/// the nodes' size: 1, or 1.3 in classroom mode. The canvas's zoom still
/// fits the graph to the room it has; this makes its contents readable
/// from the back of the room at that zoom.
pub fn canvas_scale(classroom: bool) -> f32 {
    if classroom { 1.3 } else { 1.0 }
}

/// The font of the canvas's corner totals, in points.
pub const CANVAS_TOTALS_FONT: f32 = 12.0;
/// The hint on an empty canvas, in points.
pub const CANVAS_HINT_FONT: f32 = 16.0;
/// Most of the window's width the palette takes.
pub const PALETTE_MAX_SHARE: f32 = 0.16;
/// Most of the window's width the side panel takes.
pub const SIDE_MAX_SHARE: f32 = 0.3;
/// Smallest width of the side panel, in points.
pub const SIDE_MIN_WIDTH: f32 = 200.0;
/// The share of the central area's height the live views take in the
/// Build layout until the user drags their edge: the canvas keeps the rest
/// (more of it in classroom mode, whose larger text needs the room).
pub fn build_views_share(classroom: bool) -> f32 {
    if classroom { 0.25 } else { 0.34 }
}
/// Most of the central area's height the live views take in the Build
/// layout.
pub const BUILD_VIEWS_MAX_SHARE: f32 = 0.5;
/// Share of the window's width the canvas column takes in the Watch and
/// Compare layouts (the views take the rest).
pub const WATCH_CANVAS_SHARE: f32 = 0.28;
/// Most of the Watch column's height the training controls above the
/// canvas take (they scroll beyond it).
pub const WATCH_CONTROLS_SHARE: f32 = 0.45;
/// A slider's share of a narrow side panel's or column's width.
pub const SLIDER_SHARE: f32 = 0.25;
/// Narrowest a plot of the Curves view gets before the plots stack, in
/// points.
pub const PLOT_MIN_WIDTH: f32 = 240.0;
/// Lowest a stacked plot gets before the Curves view scrolls, in points.
pub const PLOT_MIN_HEIGHT: f32 = 140.0;

/// Line width for plots: thicker in classroom mode.
pub fn line_width(classroom: bool) -> f32 {
    if classroom { 3.5 } else { 1.5 }
}

/// The trace's current node and wires while stepping.
pub const TRACE_CURRENT: Color32 = Color32::from_rgb(0xe1, 0x1d, 0x74);
/// Width of the trace's highlighted wires and node outline.
pub const TRACE_WIRE_WIDTH: f32 = 3.0;
/// Width of the trace's values beside a node (at zoom 1).
pub const TRACE_WIDTH: f32 = 170.0;
/// Size of one cell of a traced vector (at zoom 1).
pub const TRACE_CELL: f32 = 14.0;
/// Most cells of a traced vector drawn.
pub const TRACE_CELLS: usize = 32;
/// Most maps of a traced image drawn beside a node.
pub const TRACE_MAPS: usize = 4;
/// Most weights of a Dense layer shown as cells in the Trace window.
pub const TRACE_GRID_MAX: usize = 24;
/// Size of one weight cell in the Trace window.
pub const TRACE_GRID_CELL: f32 = 14.0;
/// The Trace window's first size (it opens over the palette, at the left).
pub const TRACE_WINDOW: [f32; 2] = [380.0, 560.0];

/// Side of an image in the data preview.
pub const PREVIEW_IMAGE: f32 = 40.0;
/// Space between the columns and rows of a sum's terms in the Trace window.
pub const TRACE_TERMS_SPACING: egui::Vec2 = egui::vec2(12.0, 2.0);
