//! Drawing one frame: the panels around the canvas. Panels, menus,
//! shortcuts and dialogs return [`Command`]s, applied at the end of the
//! frame in one place (`ui/actions.rs`).

use egui::UiBuilder;

use super::super::canvas;
use super::super::command::Command;
use super::super::train_panel::{self, TrainBlock};
use super::super::{
    data_form, dialogs, help, inspector, menu, palette, shortcuts, status, theme, training_form,
};
use super::{NeuroglassApp, SideTab};

impl NeuroglassApp {
    /// Draws one frame into `ui` and applies what was asked for. Runs the
    /// frame's logic first unless eframe already did (`App::logic`).
    pub fn ui_frame(&mut self, ui: &mut egui::Ui) {
        let began = self.shots.frames.frame_started();
        let ctx = ui.ctx().clone();
        if !self.frame.logic_done {
            self.logic_step(&ctx);
        }
        self.frame.logic_done = false;
        let mut cmds = shortcuts::read(&ctx);
        for f in ctx.input(|i| i.raw.dropped_files.clone()) {
            let p = f.path().to_path_buf();
            if !p.as_os_str().is_empty() {
                let csv = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
                cmds.push(if csv {
                    Command::UseCsv(p)
                } else {
                    Command::Open(p)
                });
            }
        }
        let block = train_panel::train_block(&self.doc);
        egui::Panel::top("menu").show(ui, |ui| {
            let mut ms = menu::MenuState {
                prefs: &mut self.prefs,
                can_undo: self.editor.undo.can_undo(),
                can_redo: self.editor.undo.can_redo(),
                has_selection: !self.editor.selection.nodes.is_empty(),
                has_history: !self.run.history.steps.is_empty(),
                perf_open: self.panels.perf_open,
                timing_on: self.panels.timing.on,
            };
            cmds.extend(menu::ui(ui, &mut ms));
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            // Why Train is off stays in view as long as it is off.
            let line = match (block.as_ref(), self.message.as_deref()) {
                (Some(b), Some(m)) => Some(format!("{b} · {m}")),
                (Some(b), None) => Some(b.to_string()),
                (None, m) => m.map(str::to_string),
            };
            status::ui(ui, &self.run, &self.doc, line.as_deref());
        });
        if self.prefs.show_palette {
            egui::Panel::left("palette")
                .default_size(theme::PALETTE_WIDTH)
                .show(ui, |ui| {
                    if let Some(spec) = palette::ui(ui) {
                        cmds.push(Command::Append(spec));
                    }
                });
        }
        if self.prefs.show_side {
            egui::Panel::right("side")
                .default_size(theme::SIDE_PANEL_WIDTH)
                .show(ui, |ui| self.side_ui(ui, block.as_ref(), &mut cmds));
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if self.prefs.show_views {
                cmds.extend(self.views_panel_ui(ui));
            }
            // The timeline's checkpoint on the canvas only where its graph
            // is the one drawn; else no run's pictures (never the live
            // run's while another run is on the timeline).
            let snapshot = match &self.runs.timeline.shown {
                Some(s) if super::same_structure(&s.graph, &self.doc.project.graph) => {
                    s.view.live()
                }
                Some(_) => None,
                None if self.runs.timeline.is_open() => None,
                None => self.run.live(),
            };
            let overlay = canvas::Overlay {
                snapshot,
                textures: &mut self.views.textures,
                trace: Some((&mut self.trace, self.run.id())),
                diff: self.runs.canvas_diff(),
                timing: self.panels.timing.shown(&self.doc.project),
            };
            canvas::ui(
                ui,
                &mut self.doc,
                &mut self.editor,
                &mut self.canvas,
                overlay,
            );
        });
        cmds.extend(dialogs::ui(&ctx, &self.prompts, &self.doc.project.name));
        if let Some(c) = self.files.ui(&ctx) {
            cmds.push(c);
        }
        help::ui(&ctx, &mut self.panels.help_open);
        if self.panels.perf_open {
            let frames = &self.shots.frames;
            egui::Window::new("Performance")
                .open(&mut self.panels.perf_open)
                .show(&ctx, |ui| frames.ui(ui));
        }
        self.trace_window_ui(&ctx);
        if let Some(row) = self.views.feature_sample.take() {
            self.run
                .send(crate::trainer::TrainerCommand::SetFeatureSample(row));
            self.views.tab = super::super::views::ViewTab::Convolution;
        }
        for c in cmds {
            self.apply(c);
        }
        self.after_edits(&ctx);
        // Last: a frame that draws a tile of a picture moves what it drew.
        if let Some(c) = self.shots.capture.as_mut() {
            c.end_frame(&ctx);
        }
        self.shots.frames.frame_built(began);
    }

    /// The Trace window; a sample picked in the views opens it.
    fn trace_window_ui(&mut self, ctx: &egui::Context) {
        if self.views.picked != self.frame.traced_pick {
            self.frame.traced_pick = self.views.picked;
            self.trace.open |= self.views.picked.is_some();
        }
        let selected = match self.editor.selection.nodes.len() {
            1 => self.editor.selection.nodes.iter().next().copied(),
            _ => None,
        };
        let lr = f64::from(self.doc.project.training.learning_rate);
        let out = super::super::trace::panel::window_ui(
            ctx,
            &mut self.trace,
            self.run.id(),
            self.views.picked,
            lr,
            selected,
        );
        if out.pick.is_some() {
            self.views.picked = out.pick;
            self.frame.traced_pick = out.pick;
        }
    }

    /// The live views under the canvas, at the height the user gave them:
    /// what a tab draws is clipped to the panel, never grows it.
    fn views_panel_ui(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut cmds = Vec::new();
        let max = (ui.available_height() - theme::CANVAS_MIN_HEIGHT).max(theme::VIEWS_MIN_HEIGHT);
        let height = self.panels.views_height.clamp(theme::VIEWS_MIN_HEIGHT, max);
        let r = egui::Panel::bottom("views")
            .resizable(true)
            .default_size(height)
            .size_range(theme::VIEWS_MIN_HEIGHT..=max)
            .show(ui, |ui| {
                let area = ui.available_rect_before_wrap();
                let mut child = ui.new_child(
                    UiBuilder::new()
                        .max_rect(area)
                        .layout(egui::Layout::top_down(egui::Align::Min)),
                );
                child.set_clip_rect(area.intersect(ui.clip_rect()));
                let overlay = self.runs.overlay.lines(
                    &self.runs.entries,
                    &self.runs.shown,
                    self.views.plots.smoothing,
                    self.views.plots.log_y,
                );
                let tl = &self.runs.timeline;
                let shown = if tl.is_open() {
                    cmds.extend(super::super::runs::scrubber::ui(&mut child, &self.runs));
                    child.label(egui::RichText::new(tl.title()).strong());
                    tl.shown.as_ref().map(|s| &s.view)
                } else {
                    Some(&self.run)
                };
                match shown {
                    Some(run) => super::super::views::ui(
                        &mut child,
                        run,
                        &self.doc,
                        &self.preview,
                        &mut self.views,
                        &overlay,
                        self.prefs.classroom,
                    ),
                    None => {
                        child.label(
                            egui::RichText::new("Computing the views at this checkpoint…").weak(),
                        );
                    }
                }
                ui.allocate_rect(area, egui::Sense::hover());
            });
        let rect = r.response.rect;
        self.panels.views_height = rect.height();
        self.panels.views_rect = Some(rect);
        grip_ui(ui, rect);
        cmds
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, block: Option<&TrainBlock>, cmds: &mut Vec<Command>) {
        cmds.extend(train_panel::ui(
            ui,
            &self.doc,
            &self.run,
            &self.controls,
            block,
        ));
        ui.separator();
        let tab = &mut self.panels.side_tab;
        ui.horizontal(|ui| {
            ui.selectable_value(tab, SideTab::Layer, "Layer");
            ui.selectable_value(tab, SideTab::Training, "Training");
            ui.selectable_value(tab, SideTab::Data, "Data");
            ui.selectable_value(tab, SideTab::Runs, "Runs");
        });
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("side-scroll")
            .show(ui, |ui| match self.panels.side_tab {
                SideTab::Layer => inspector::ui(
                    ui,
                    &mut self.doc,
                    &mut self.editor,
                    &mut self.panels.inspector,
                    self.run.live(),
                ),
                SideTab::Training => training_form::ui(ui, &mut self.doc.project.training),
                SideTab::Data => data_form::ui(ui, &mut self.doc, &mut self.preview),
                SideTab::Runs => cmds.extend(super::super::runs::panel::ui(ui, &mut self.runs)),
            });
    }
}

/// The views panel's resize edge, drawn so a user sees it can be dragged.
fn grip_ui(ui: &egui::Ui, rect: egui::Rect) {
    let y = rect.top();
    let c = rect.center().x;
    let stroke = egui::Stroke::new(theme::GRIP_WIDTH, theme::GRIP);
    let painter = ui.painter();
    painter.hline(rect.x_range(), y, egui::Stroke::new(1.0, theme::GRIP));
    for dy in [-2.0, 2.0] {
        painter.hline(
            egui::Rangef::new(c - theme::GRIP_LENGTH, c + theme::GRIP_LENGTH),
            y + dy,
            stroke,
        );
    }
}
