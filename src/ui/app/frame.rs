//! Drawing one frame: the panels around the canvas. Panels, menus,
//! shortcuts and dialogs return [`Command`]s, applied at the end of the
//! frame in one place (`ui/actions.rs`).

use egui::UiBuilder;

use super::super::canvas;
use super::super::command::Command;
use super::super::layout::Layout;
use super::super::runs::RunsAction;
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
        self.panels
            .layout
            .follow(self.doc.path.as_deref(), &self.doc.project.name);
        let layout = self.layout();
        self.canvas.scale = theme::canvas_scale(self.prefs.classroom);
        self.canvas.totals = layout == Layout::Build;
        let window = ui.max_rect();
        egui::Panel::top("menu").show(ui, |ui| {
            let mut ms = menu::MenuState {
                prefs: &mut self.prefs,
                can_undo: self.editor.undo.can_undo(),
                can_redo: self.editor.undo.can_redo(),
                has_selection: !self.editor.selection.nodes.is_empty(),
                has_history: !self.run.history.steps.is_empty(),
                perf_open: self.panels.perf_open,
                timing_on: self.panels.timing.on,
                layout,
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
        self.lesson_panel_ui(ui);
        match layout {
            Layout::Build => self.build_ui(ui, window.width(), block.as_ref(), &mut cmds),
            Layout::Watch | Layout::Compare => {
                self.watch_ui(ui, layout, block.as_ref(), &mut cmds);
            }
        }
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
        cmds.extend(super::super::lesson::panel::picker_ui(
            &ctx,
            &mut self.lesson,
        ));
        for c in cmds {
            self.apply(c);
        }
        self.apply_paint_edits();
        self.poll_data_export();
        self.lesson_frame();
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

    /// The Build layout: palette, canvas, side panel, and the live views
    /// in a strip under the canvas that leaves the canvas most of the
    /// height. The panels give way on a narrow window.
    fn build_ui(
        &mut self,
        ui: &mut egui::Ui,
        window_width: f32,
        block: Option<&TrainBlock>,
        cmds: &mut Vec<Command>,
    ) {
        // Sizes remembered apart for classroom mode, whose caps differ.
        let classroom = classroom_now(ui, self.prefs.classroom);
        if self.prefs.show_palette {
            let max = (window_width * theme::PALETTE_MAX_SHARE).max(60.0);
            egui::Panel::left(egui::Id::new(("palette", classroom)))
                .default_size(theme::PALETTE_WIDTH.min(max))
                .max_size(max)
                .show(ui, |ui| {
                    let area = ui.available_rect_before_wrap();
                    let mut child = clipped_child(ui, area, "palette");
                    if let Some(spec) = palette::ui(&mut child) {
                        cmds.push(Command::Append(spec));
                    }
                    ui.allocate_rect(area, egui::Sense::hover());
                });
        }
        if self.prefs.show_side {
            let max = (window_width * theme::SIDE_MAX_SHARE).max(120.0);
            egui::Panel::right(egui::Id::new(("side", classroom)))
                .default_size(theme::SIDE_PANEL_WIDTH.min(max))
                .size_range(theme::SIDE_MIN_WIDTH.min(max)..=max)
                .show(ui, |ui| {
                    // Drawn in a child of the panel's own width: what is
                    // wider is cut at the right edge and never widens the
                    // panel over the canvas.
                    let area = ui.available_rect_before_wrap();
                    let mut child = clipped_child(ui, area, "side");
                    self.side_ui(&mut child, block, cmds);
                    ui.allocate_rect(area, egui::Sense::hover());
                });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if self.prefs.show_views {
                cmds.extend(self.views_panel_ui(ui));
            }
            self.canvas_ui(ui);
        });
    }

    /// The Watch and Compare layouts: a column with the training controls
    /// and the canvas, and the rest of the window for the views — one
    /// run's, or the live run's beside a recorded run's.
    fn watch_ui(
        &mut self,
        ui: &mut egui::Ui,
        layout: Layout,
        block: Option<&TrainBlock>,
        cmds: &mut Vec<Command>,
    ) {
        egui::CentralPanel::default().show(ui, |ui| {
            let w = ui.available_width();
            let share = theme::WATCH_CANVAS_SHARE;
            let classroom = classroom_now(ui, self.prefs.classroom);
            egui::Panel::left(egui::Id::new(("watch-column", classroom)))
                .resizable(true)
                .default_size(w * share)
                .size_range(w * share * 0.6..=w * share * 1.2)
                .show(ui, |ui| {
                    // Neither the controls nor the canvas may widen the
                    // column over the views: the controls' labels wrap and
                    // they scroll down, the canvas gets the column's own
                    // width.
                    let column = ui.max_rect();
                    let h = ui.available_height();
                    fit_controls(ui);
                    egui::ScrollArea::vertical()
                        .id_salt("watch-controls")
                        .max_height(h * theme::WATCH_CONTROLS_SHARE)
                        .show(ui, |ui| {
                            cmds.extend(train_panel::ui(
                                ui,
                                &self.doc,
                                &self.run,
                                &self.controls,
                                block,
                            ));
                        });
                    ui.separator();
                    let rest = egui::Rect::from_min_max(
                        egui::pos2(column.left(), ui.cursor().top()),
                        column.max,
                    );
                    let mut child = clipped_child(ui, rest, "watch-canvas");
                    self.canvas_ui(&mut child);
                    ui.allocate_rect(rest, egui::Sense::hover());
                });
            let area = ui.available_rect_before_wrap();
            if layout == Layout::Compare {
                cmds.extend(self.compare_ui(ui, area));
            } else {
                let mut child = clipped_child(ui, area, "views");
                cmds.extend(self.views_ui(&mut child));
                self.panels.views_rect = Some(area);
                self.panels.layout.compare_rect = None;
            }
            ui.allocate_rect(area, egui::Sense::hover());
        });
    }

    /// The Compare layout's two columns: the live run's views on the left,
    /// a recorded run's at a checkpoint (the timeline) on the right, on
    /// the same tab; without one, a choice of recorded runs.
    fn compare_ui(&mut self, ui: &mut egui::Ui, area: egui::Rect) -> Vec<Command> {
        let mut cmds = Vec::new();
        let gap = ui.spacing().item_spacing.x * 2.0;
        let half = (area.width() - gap) / 2.0;
        let left = egui::Rect::from_min_size(area.min, egui::vec2(half, area.height()));
        let right = egui::Rect::from_min_size(
            egui::pos2(area.right() - half, area.top()),
            egui::vec2(half, area.height()),
        );
        let classroom = self.prefs.classroom;
        let overlay = self.overlay_lines();
        let mut child = clipped_child(ui, left, "views");
        child.label(egui::RichText::new("This run").strong());
        super::super::views::ui(
            &mut child,
            &self.run,
            &self.doc,
            &self.preview,
            &mut self.views,
            &overlay,
            classroom,
        );
        let mut child = clipped_child(ui, right, "compare-views");
        let tl = &self.runs.timeline;
        let other = &mut self.panels.layout.compare_views;
        if tl.is_open() {
            cmds.extend(scrubber_ui(&mut child, &self.runs));
            child.label(egui::RichText::new(tl.title()).strong());
            match tl.shown.as_ref() {
                Some(s) => {
                    // One tab for both columns: the first column's row
                    // chooses it.
                    other.tab = self.views.tab;
                    other.show_tabs = false;
                    super::super::views::ui(
                        &mut child,
                        &s.view,
                        &self.doc,
                        &self.preview,
                        other,
                        &[],
                        classroom,
                    );
                }
                None => {
                    child.label(
                        egui::RichText::new("Computing the views at this checkpoint…").weak(),
                    );
                }
            }
        } else if self.panels.layout.pick_newest
            && let Some(e) = self.runs.entries.last()
        {
            self.panels.layout.pick_newest = false;
            cmds.push(Command::Runs(RunsAction::Timeline(e.id().to_string())));
        } else {
            child.label(egui::RichText::new("Compare with a recorded run").strong());
            if self.runs.entries.is_empty() {
                child.label(
                    egui::RichText::new(
                        "No recorded runs yet: train, change something, and train again.",
                    )
                    .weak(),
                );
            }
            egui::ScrollArea::vertical()
                .id_salt("compare-runs")
                .show(&mut child, |ui| {
                    for e in self.runs.entries.iter().rev() {
                        if ui
                            .button(e.name())
                            .on_hover_text("show its views beside this run's")
                            .clicked()
                        {
                            cmds.push(Command::Runs(RunsAction::Timeline(e.id().to_string())));
                        }
                    }
                });
        }
        self.panels.views_rect = Some(area);
        self.panels.layout.compare_rect = Some(right);
        cmds
    }

    /// The canvas with what the run adds to it, in the rest of `ui`.
    fn canvas_ui(&mut self, ui: &mut egui::Ui) {
        // The timeline's checkpoint on the canvas only where its graph
        // is the one drawn; else no run's pictures (never the live
        // run's while another run is on the timeline).
        let snapshot = match &self.runs.timeline.shown {
            Some(s) if super::same_structure(&s.graph, &self.doc.project.graph) => s.view.live(),
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
    }

    /// The recorded runs' curves chosen for the Curves view.
    fn overlay_lines(&mut self) -> Vec<crate::ui::runs::overlay::OverlayLine> {
        self.runs.overlay.lines(
            &self.runs.entries,
            &self.runs.shown,
            self.views.plots.smoothing,
            self.views.plots.log_y,
        )
    }

    /// The live views under the canvas: at first a share of the room
    /// ([`theme::build_views_share`]), then the height the user gave them
    /// (at most [`theme::BUILD_VIEWS_MAX_SHARE`] of the room), kept apart
    /// for classroom mode. What a tab draws is clipped to the panel, never
    /// grows it.
    fn views_panel_ui(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut cmds = Vec::new();
        let classroom = classroom_now(ui, self.prefs.classroom);
        let room = ui.available_height();
        let max = (room - theme::CANVAS_MIN_HEIGHT)
            .min(room * theme::BUILD_VIEWS_MAX_SHARE)
            .max(40.0);
        let min = theme::VIEWS_MIN_HEIGHT
            .min(room * theme::build_views_share(classroom))
            .min(max);
        let height = (room * theme::build_views_share(classroom)).clamp(min, max);
        let r = egui::Panel::bottom(egui::Id::new(("views", classroom)))
            .resizable(true)
            .default_size(height)
            .size_range(min..=max)
            .show(ui, |ui| {
                let area = ui.available_rect_before_wrap();
                let mut child = clipped_child(ui, area, "views");
                cmds.extend(self.views_ui(&mut child));
                ui.allocate_rect(area, egui::Sense::hover());
            });
        let rect = r.response.rect;
        self.panels.views_height = rect.height();
        self.panels.views_rect = Some(rect);
        self.panels.layout.compare_rect = None;
        grip_ui(ui, rect);
        cmds
    }

    /// The views: the timeline's checkpoint when it is open, else the
    /// live run's.
    fn views_ui(&mut self, child: &mut egui::Ui) -> Vec<Command> {
        let mut cmds = Vec::new();
        let overlay = self.overlay_lines();
        let tl = &self.runs.timeline;
        let shown = if tl.is_open() {
            cmds.extend(scrubber_ui(child, &self.runs));
            child.label(egui::RichText::new(tl.title()).strong());
            tl.shown.as_ref().map(|s| &s.view)
        } else {
            Some(&self.run)
        };
        match shown {
            Some(run) => super::super::views::ui(
                child,
                run,
                &self.doc,
                &self.preview,
                &mut self.views,
                &overlay,
                self.prefs.classroom,
            ),
            None => {
                child.label(egui::RichText::new("Computing the views at this checkpoint…").weak());
            }
        }
        cmds
    }

    /// The window's layout (remembered for the open project).
    pub fn layout(&self) -> Layout {
        self.prefs.layout(
            &self
                .panels
                .layout
                .key_of(self.doc.path.as_deref(), &self.doc.project.name),
        )
    }

    /// Switches the layout and remembers it for the open project.
    pub fn set_layout(&mut self, layout: Layout) {
        let key = self
            .panels
            .layout
            .key_of(self.doc.path.as_deref(), &self.doc.project.name);
        self.prefs.set_layout(&key, layout);
        self.canvas.fit_pending = true;
        self.panels.layout.pick_newest = layout == Layout::Compare;
    }

    /// The next layout (the F8 key).
    pub fn next_layout(&mut self) {
        self.set_layout(self.layout().next());
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, block: Option<&TrainBlock>, cmds: &mut Vec<Command>) {
        fit_controls(ui);
        cmds.extend(train_panel::ui(
            ui,
            &self.doc,
            &self.run,
            &self.controls,
            block,
        ));
        ui.separator();
        let tab = &mut self.panels.side_tab;
        ui.horizontal_wrapped(|ui| {
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
                SideTab::Training => {
                    self.lesson
                        .locked_note_ui(ui, &crate::lesson::Control::TRAINING);
                    training_form::ui(ui, &mut self.doc.project.training);
                }
                SideTab::Data => {
                    let locked = self
                        .lesson
                        .locked_note_ui(ui, &[crate::lesson::Control::Data]);
                    ui.add_enabled_ui(!locked, |ui| {
                        data_form::ui(ui, &mut self.doc, &mut self.preview);
                    });
                }
                SideTab::Runs => cmds.extend(super::super::runs::panel::ui(ui, &mut self.runs)),
            });
    }
}

/// Makes the controls of a narrow panel fit its width: labels wrap and
/// sliders are shorter (egui's 100 points, less in a panel narrower than
/// about 360).
fn fit_controls(ui: &mut egui::Ui) {
    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
    let w = ui.available_width();
    ui.spacing_mut().slider_width = (w * theme::SLIDER_SHARE).clamp(40.0, 100.0);
}

/// The timeline's bar in one row that scrolls sideways when the views are
/// narrow, rather than its buttons wrapping a word per line.
fn scrubber_ui(ui: &mut egui::Ui, runs: &crate::ui::runs::RunsState) -> Vec<Command> {
    egui::ScrollArea::horizontal()
        .id_salt("scrubber")
        .show(ui, |ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
            super::super::runs::scrubber::ui(ui, runs)
        })
        .inner
}

/// Whether the window is in classroom mode and already drawn at its zoom
/// (the zoom changes a frame after the choice). Panels whose
/// first size is a share of the room keep one size per zoom under ids
/// made with it, so the frame before a zoom change does not fix the size
/// for the frames after it.
fn classroom_now(ui: &egui::Ui, classroom: bool) -> bool {
    classroom && ui.ctx().zoom_factor() >= theme::CLASSROOM_ZOOM - 0.01
}

/// A child of `ui` over `area`, clipped to it, whose labels wrap rather
/// than widen it: what a view draws never spills out or grows the area.
fn clipped_child(ui: &mut egui::Ui, area: egui::Rect, salt: &str) -> egui::Ui {
    let mut child = ui.new_child(
        UiBuilder::new()
            .id_salt(salt)
            .max_rect(area)
            .layout(egui::Layout::top_down(egui::Align::Min)),
    );
    child.set_clip_rect(area.intersect(ui.clip_rect()));
    fit_controls(&mut child);
    child
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
