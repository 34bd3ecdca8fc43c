//! The live views under the canvas, as tabs: curves, decision boundary,
//! the network's units, weights/gradients/activations, gradient flow,
//! confusion matrix, prediction gallery and convolution. All drawn from
//! the trainer's snapshots; no training math here.

pub mod activation;
pub mod boundary;
pub mod classes;
pub mod conv;
pub mod gradflow;
pub mod init;
pub mod layers;
pub mod neurons;
pub mod paint;
pub mod sequence;

use super::document::Document;
use super::plots::{self, PlotState};
use super::preview::PreviewState;
use super::run::{Run, RunId};

/// The tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ViewTab {
    /// Loss and metric curves.
    Curves,
    /// Decision boundary or fitted curve.
    Boundary,
    /// Each unit over the input plane, with weighted wires.
    Neurons,
    /// Weight, gradient and activation statistics per layer.
    Layers,
    /// Gradient norm per layer.
    Gradients,
    /// Confusion matrix.
    Confusion,
    /// Validation images with predictions.
    Gallery,
    /// Filters and feature maps.
    Convolution,
}

const TABS: [(ViewTab, &str, &str); 8] = [
    (
        ViewTab::Curves,
        "Curves",
        "loss and accuracy, training against validation",
    ),
    (
        ViewTab::Boundary,
        "Boundary",
        "what the network answers over the input plane",
    ),
    (
        ViewTab::Neurons,
        "Neurons",
        "each hidden unit over the input plane, wires by weight",
    ),
    (
        ViewTab::Layers,
        "Weights",
        "weights, gradients and activations per layer, over time",
    ),
    (
        ViewTab::Gradients,
        "Gradient flow",
        "gradient size per layer: vanishing or exploding",
    ),
    (
        ViewTab::Confusion,
        "Confusion",
        "which classes are mistaken for which",
    ),
    (
        ViewTab::Gallery,
        "Gallery",
        "validation images, mistakes first",
    ),
    (
        ViewTab::Convolution,
        "Convolution",
        "learned filters and one image's feature maps",
    ),
];

impl ViewTab {
    /// The tab for a name as typed on the command line ("boundary", …).
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.to_lowercase();
        TABS.iter()
            .find(|(_, label, _)| {
                label.to_lowercase().replace(' ', "-") == n || label.to_lowercase() == n
            })
            .map(|(t, _, _)| *t)
    }
}

/// What the views keep between frames.
pub struct ViewState {
    /// The tab shown.
    pub tab: ViewTab,
    /// Curves.
    pub plots: PlotState,
    /// Boundary: show classes only (no confidence shading).
    pub discretize: bool,
    /// Confusion cell chosen to filter the gallery `(true, predicted)`.
    pub cell: Option<(u32, u32)>,
    /// Textures made from snapshots.
    pub textures: paint::Textures,
    /// A gallery image was clicked: show this validation row's feature maps.
    pub feature_sample: Option<usize>,
    /// The validation sample picked for the trace (a boundary point or a
    /// gallery image clicked); kept until another is picked.
    pub picked: Option<usize>,
    /// Where the boundary plot was drawn last (plot ↔ screen), for
    /// picking its points.
    pub boundary_transform: Option<egui_plot::PlotTransform>,
    /// The run the choices above (cell, feature sample) were made in.
    run: RunId,
    /// Paint mode of the boundary view (painted data).
    pub paint: boundary::PaintState,
    /// Draw the tab row (off for the Compare layout's second column,
    /// which follows the first's tab).
    pub show_tabs: bool,
}

impl ViewState {
    /// Forgets what was chosen in another run's views: a confusion cell
    /// or a gallery image of an earlier run means nothing in this one.
    pub fn follow(&mut self, run: RunId) {
        if self.run != run {
            self.run = run;
            self.cell = None;
            self.feature_sample = None;
        }
    }
}

impl Default for ViewState {
    fn default() -> Self {
        Self {
            tab: ViewTab::Curves,
            plots: PlotState::default(),
            discretize: false,
            cell: None,
            textures: paint::Textures::default(),
            feature_sample: None,
            picked: None,
            boundary_transform: None,
            run: RunId::default(),
            paint: Default::default(),
            show_tabs: true,
        }
    }
}

/// Draws the tab bar (wrapped onto more rows when the views are narrow)
/// and the chosen view.
pub fn ui(
    ui: &mut egui::Ui,
    run: &Run,
    doc: &Document,
    preview: &PreviewState,
    state: &mut ViewState,
    overlay: &[crate::ui::runs::overlay::OverlayLine],
    classroom: bool,
) {
    if state.show_tabs {
        ui.horizontal_wrapped(|ui| {
            for (tab, name, what) in TABS {
                ui.selectable_value(&mut state.tab, tab, name)
                    .on_hover_text(what);
            }
        });
        ui.separator();
    }
    state.follow(run.id());
    // The smoothed curve follows the run even while another tab shows.
    state.plots.update(run);
    let live = run.live();
    let waiting = |ui: &mut egui::Ui, what: &str| {
        ui.label(egui::RichText::new(format!("{what} Press Train or Step.")).weak());
    };
    if state.tab == ViewTab::Curves {
        // The curves arrange themselves to the room (`plots::PlotGrid`).
        plots::ui(ui, run, &mut state.plots, overlay, classroom);
        return;
    }
    if state.tab == ViewTab::Boundary && boundary::paints(doc) {
        boundary::paint_ui(ui, live, doc, state);
        return;
    }
    let Some(live) = live else {
        waiting(ui, "This view fills in as the network trains.");
        return;
    };
    // A view larger than the room it is given (a confusion matrix or
    // feature maps in a narrow column) scrolls rather than being cut off.
    egui::ScrollArea::both()
        .id_salt(("view", state.tab))
        .show(ui, |ui| match state.tab {
            ViewTab::Curves => {}
            ViewTab::Boundary if sequence::has_sequences(live) => sequence::ui(ui, live),
            ViewTab::Boundary => boundary::ui(ui, live, preview, state),
            ViewTab::Neurons => neurons::ui(ui, live, doc, state),
            ViewTab::Layers => layers::ui(ui, run, doc, state),
            ViewTab::Gradients => layers::gradient_flow_ui(ui, run, doc),
            ViewTab::Confusion => classes::confusion_ui(ui, live.snap, state),
            ViewTab::Gallery => classes::gallery_ui(ui, live, state),
            ViewTab::Convolution => conv::ui(ui, live, doc, state),
        });
}

/// A layer's display name from the document (the run may be of an older
/// graph: fall back to the id).
pub fn node_name(doc: &Document, id: crate::model::NodeId) -> String {
    doc.project
        .graph
        .node(id)
        .map_or_else(|| id.to_string(), |n| n.name.clone())
}
