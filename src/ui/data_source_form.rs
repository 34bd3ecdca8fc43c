//! The data settings of the file sources this module owns: a NumPy
//! archive (`.npz`), an image folder (its size and grey or colour) and the
//! random stand-in data of an imported model. Called from the data form.

use crate::model::DataSource;

/// The source's name in the data form's chooser.
pub fn name(s: &DataSource) -> String {
    match s {
        DataSource::Npz { path, .. } => format!("NumPy archive {path}"),
        DataSource::ImageFolder { path, .. } => format!("image folder {path}"),
        DataSource::StandIn { shape, .. } => format!(
            "random stand-in {} (choose real data)",
            crate::data::standin::shape_text(shape)
        ),
        other => format!("{other:?}"),
    }
}

/// The grid rows of the source's settings (two columns a row).
pub fn rows_ui(ui: &mut egui::Ui, s: &mut DataSource) {
    match s {
        DataSource::Npz {
            path,
            classification,
        } => {
            ui.label("file");
            ui.label(path.as_str());
            ui.end_row();
            ui.label("y is");
            ui.horizontal(|ui| {
                ui.selectable_value(classification, true, "a class");
                ui.selectable_value(classification, false, "a number");
            });
            ui.end_row();
        }
        DataSource::ImageFolder {
            path,
            size,
            channels,
        } => {
            ui.label("folder");
            ui.label(path.as_str());
            ui.end_row();
            ui.label("image size");
            ui.horizontal(|ui| {
                let mut fixed = size.is_some();
                if ui
                    .checkbox(&mut fixed, "resize to")
                    .on_hover_text("off: every image is resized to the first image's size")
                    .changed()
                {
                    *size = fixed.then_some([28, 28]);
                }
                if let Some([w, h]) = size {
                    let max = crate::data::images::MAX_SIDE;
                    ui.add(egui::DragValue::new(w).range(1..=max).suffix(" wide"));
                    ui.add(egui::DragValue::new(h).range(1..=max).suffix(" high"));
                }
            });
            ui.end_row();
            ui.label("colour");
            ui.horizontal(|ui| {
                ui.selectable_value(channels, None, "as the images");
                ui.selectable_value(channels, Some(1), "grey");
                ui.selectable_value(channels, Some(3), "colour");
            });
            ui.end_row();
        }
        DataSource::StandIn { shape, samples, .. } => {
            ui.label("stand-in");
            ui.label(format!(
                "{samples} random samples of {}",
                crate::data::standin::shape_text(shape)
            ))
            .on_hover_text(
                "No real data fits this network yet: choose data of that shape to train it.",
            );
            ui.end_row();
        }
        _ => {}
    }
}

/// The source for an image folder chosen in the window: its path relative
/// to the project's folder where it is inside it; size and colour from the
/// images.
pub fn image_folder_source(
    folder: &std::path::Path,
    project_dir: Option<&std::path::Path>,
) -> DataSource {
    let shown = project_dir
        .and_then(|d| folder.strip_prefix(d).ok())
        .unwrap_or(folder);
    DataSource::ImageFolder {
        path: shown.display().to_string(),
        size: None,
        channels: None,
    }
}

impl super::app::NeuroglassApp {
    /// Data ▸ Image folder…: uses `folder` as the data and shows the Data tab.
    pub fn use_image_folder(&mut self, folder: &std::path::Path) {
        self.doc.project.data.source = image_folder_source(folder, self.doc.dir());
        self.doc.project.data.features.clear();
        self.panels.side_tab = super::app::SideTab::Data;
        self.say(format!(
            "using the images in {} as the data: one class per subfolder — size and colour in the Data tab",
            folder.display()
        ));
    }
}
