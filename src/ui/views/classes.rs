//! Classification views: the confusion matrix on the validation split with
//! per-class precision and recall (click a cell to see its samples: in the
//! gallery for images, on the decision boundary for 2-D data, else as a
//! list under the matrix), and the gallery of validation images with
//! predicted and true labels and confidence, mistakes first.

use crate::numfmt::sig;
use crate::trainer::Snapshot;
use crate::ui::run::Live;
use crate::ui::theme;

use super::ViewState;
use super::paint::{grey_image, lerp};

/// Precision and recall per class from `[true][predicted]` counts.
pub fn precision_recall(m: &[Vec<u32>]) -> Vec<(f64, f64)> {
    (0..m.len())
        .map(|k| {
            let tp = f64::from(m[k].get(k).copied().unwrap_or(0));
            let predicted: f64 = m
                .iter()
                .map(|row| f64::from(row.get(k).copied().unwrap_or(0)))
                .sum();
            let actual: f64 = m[k].iter().map(|v| f64::from(*v)).sum();
            let div = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
            (div(tp, predicted), div(tp, actual))
        })
        .collect()
}

/// One clickable cell: the count on a coloured square, named for
/// screen readers and tests as "cell true T predicted P".
fn cell(ui: &mut egui::Ui, n: u32, fill: egui::Color32, t: usize, p: usize) -> egui::Response {
    let (rect, r) = ui.allocate_exact_size(egui::vec2(38.0, 22.0), egui::Sense::click());
    r.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::WidgetType::Button,
            true,
            format!("cell true {t} predicted {p}"),
        )
    });
    let stroke = if r.hovered() {
        ui.visuals().widgets.hovered.fg_stroke
    } else {
        egui::Stroke::NONE
    };
    ui.painter()
        .rect(rect, 3.0, fill, stroke, egui::StrokeKind::Inside);
    ui.painter().text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        n.to_string(),
        egui::FontId::monospace(13.0),
        ui.visuals().text_color(),
    );
    r.on_hover_text(format!("true {t}, predicted {p}: {n} samples"))
}

/// Where a confusion cell's samples are shown for this snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellSamples {
    /// As images in the gallery.
    Gallery,
    /// Ringed on the decision boundary.
    Boundary,
    /// As a list under the matrix.
    List,
}

/// How a snapshot's data shows a cell's samples: images in the gallery,
/// 2-D points on the boundary, anything else as a list.
pub fn cell_samples(snap: &Snapshot) -> CellSamples {
    if snap.image_size().is_some() && !snap.gallery.is_empty() {
        CellSamples::Gallery
    } else if snap.boundary.is_some() {
        CellSamples::Boundary
    } else {
        CellSamples::List
    }
}

/// Validation rows `(row, confidence)` of the cell `(true, predicted)`
/// among the predictions the snapshot kept.
pub fn cell_rows(snap: &Snapshot, (t, p): (u32, u32)) -> Vec<(usize, f32)> {
    snap.predictions
        .iter()
        .filter(|x| x.2 == t && x.1 == p)
        .map(|x| (x.0, x.3))
        .collect()
}

/// The "only true T predicted P · show all" line over a filtered view.
pub fn cell_filter_ui(ui: &mut egui::Ui, state: &mut ViewState) {
    if let Some((t, p)) = state.cell {
        ui.label(format!("· only true {t} predicted {p}"));
        if ui.button("show all").clicked() {
            state.cell = None;
        }
    }
}

/// Draws the confusion matrix.
pub fn confusion_ui(ui: &mut egui::Ui, snap: &Snapshot, state: &mut ViewState) {
    let Some(m) = snap.confusion.as_ref() else {
        ui.label("The confusion matrix shows for classification.");
        return;
    };
    let pr = precision_recall(m);
    let max = m.iter().flatten().copied().max().unwrap_or(1).max(1) as f32;
    let bg = ui.visuals().extreme_bg_color;
    let target = cell_samples(snap);
    let hint = match target {
        CellSamples::Gallery => "click a cell to see its samples in the gallery",
        CellSamples::Boundary => "click a cell to see its samples on the decision boundary",
        CellSamples::List => "click a cell to list its samples",
    };
    ui.label(
        egui::RichText::new(format!(
            "rows: true class · columns: predicted class · {hint}"
        ))
        .weak(),
    );
    egui::ScrollArea::both()
        .id_salt("confusion")
        .show(ui, |ui| {
            egui::Grid::new("confusion-grid")
                .spacing([2.0, 2.0])
                .show(ui, |ui| {
                    ui.label("");
                    for k in 0..m.len() {
                        ui.strong(k.to_string());
                    }
                    ui.strong("recall");
                    ui.end_row();
                    for (t, row) in m.iter().enumerate() {
                        ui.strong(t.to_string());
                        for (p, n) in row.iter().enumerate() {
                            let base = if t == p { theme::OK } else { theme::ERROR };
                            let fill = lerp(bg, base, (*n as f32 / max).sqrt());
                            let r = cell(ui, *n, fill, t, p);
                            if r.clicked() {
                                state.cell = Some((t as u32, p as u32));
                                match target {
                                    CellSamples::Gallery => state.tab = super::ViewTab::Gallery,
                                    CellSamples::Boundary => {
                                        state.tab = super::ViewTab::Boundary;
                                    }
                                    CellSamples::List => {}
                                }
                            }
                        }
                        ui.monospace(sig(pr[t].1, 2));
                        ui.end_row();
                    }
                    ui.strong("precision");
                    for (p, _) in &pr {
                        ui.monospace(sig(*p, 2));
                    }
                    ui.end_row();
                });
            if let (CellSamples::List, Some(c)) = (target, state.cell) {
                list_ui(ui, snap, c, state);
            }
        });
}

/// The samples of a cell as lines: validation row and confidence.
fn list_ui(ui: &mut egui::Ui, snap: &Snapshot, c: (u32, u32), state: &mut ViewState) {
    let rows = cell_rows(snap, c);
    ui.separator();
    ui.horizontal(|ui| {
        ui.strong(format!(
            "{} validation samples with true class {} predicted as {}",
            rows.len(),
            c.0,
            c.1
        ));
        if ui.button("close").clicked() {
            state.cell = None;
        }
    });
    for (row, conf) in rows.iter().take(50) {
        ui.monospace(format!(
            "validation row {row}: predicted {} with {} % confidence",
            c.1,
            sig(f64::from(*conf) * 100.0, 3)
        ));
    }
    if rows.len() > 50 {
        ui.label(format!("… and {} more", rows.len() - 50));
    }
}

/// Pictures the gallery shows when no confusion cell is chosen.
const GALLERY_SHOWN: usize = 48;

/// Draws the gallery: the first kept predictions (mistakes first), or every
/// kept sample of the chosen confusion cell.
pub fn gallery_ui(ui: &mut egui::Ui, live: Live<'_>, state: &mut ViewState) {
    let snap = live.snap;
    // The images' size comes from the run that made them.
    let Some([w, h]) = snap.image_size().filter(|_| !snap.gallery.is_empty()) else {
        ui.label("The gallery shows for image data: open the MNIST or digits example.");
        return;
    };
    ui.horizontal(|ui| {
        let wrong = snap.predictions.iter().filter(|p| p.1 != p.2).count();
        ui.label(format!(
            "mistakes first: {wrong} wrong among the {} validation predictions kept; predicted (confidence) over the true class",
            snap.predictions.len()
        ));
        cell_filter_ui(ui, state);
    });
    let cols = ((ui.available_width() / 64.0).floor() as usize).max(1);
    egui::ScrollArea::vertical()
        .id_salt("gallery")
        .show(ui, |ui| {
            egui::Grid::new("gallery-grid")
                .spacing([6.0, 6.0])
                .show(ui, |ui| {
                    let mut shown = 0;
                    for (k, (img, pred)) in snap.gallery.iter().zip(&snap.predictions).enumerate() {
                        let (row, p, t, conf) = *pred;
                        match state.cell {
                            Some(c) if c != (t, p) => continue,
                            None if shown >= GALLERY_SHOWN => break,
                            _ => {}
                        }
                        let tex = state.textures.get(
                            ui.ctx(),
                            &format!("gallery-{k}"),
                            live.stamp,
                            || grey_image(img, w, h),
                        );
                        ui.vertical(|ui| {
                            let r = ui
                                .add(
                                    egui::Image::new(&tex)
                                        .fit_to_exact_size(egui::vec2(56.0, 56.0))
                                        .sense(egui::Sense::click()),
                                )
                                .on_hover_text(format!(
                                    "validation row {row}: click to see its feature maps and trace it"
                                ));
                            if r.clicked() {
                                state.feature_sample = Some(row);
                                state.picked = Some(row);
                            }
                            let color = if p == t { theme::OK } else { theme::ERROR };
                            ui.colored_label(color, format!("{p} ({:.0} %)", conf * 100.0));
                            ui.small(format!("true {t}"));
                        });
                        shown += 1;
                        if shown % cols == 0 {
                            ui.end_row();
                        }
                    }
                });
        });
}

#[cfg(test)]
mod tests {
    use super::precision_recall;

    #[test]
    fn precision_and_recall_by_hand() {
        // true 0: 8 right, 2 called 1; true 1: 1 called 0, 9 right.
        let pr = precision_recall(&[vec![8, 2], vec![1, 9]]);
        assert!((pr[0].0 - 8.0 / 9.0).abs() < 1e-12 && (pr[0].1 - 0.8).abs() < 1e-12);
        assert!((pr[1].0 - 9.0 / 11.0).abs() < 1e-12 && (pr[1].1 - 0.9).abs() < 1e-12);
    }
}
