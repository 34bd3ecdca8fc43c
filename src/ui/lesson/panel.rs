//! The lesson panel (step text, the checklist of goals, hints one at a
//! time, the solution when the lesson allows it, Back/Next) and the
//! Lessons window (the bundled lessons with their progress).

use crate::lesson::goal::describe;
use crate::lesson::text::{Span, paragraphs};

use super::super::command::Command;
use super::super::theme;
use super::{ActiveLesson, LessonState};

/// What the lesson panel asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum LessonAction {
    /// Show the next hint.
    Hint,
    /// Show the solution.
    Solution,
    /// Go to the step before.
    Back,
    /// Go to the next step.
    Next,
    /// Leave the lesson.
    Close,
}

/// The text of a step: paragraphs, emphasis, formulas — each paragraph
/// one wrapped layout, so spaces between styles stay.
pub fn text_ui(ui: &mut egui::Ui, text: &str) {
    for para in paragraphs(text) {
        let mut job = egui::text::LayoutJob::default();
        for span in &para {
            let rich = match span {
                Span::Plain(s) => egui::RichText::new(s.as_str()),
                Span::Emphasis(s) => egui::RichText::new(s.as_str()).strong().italics(),
                Span::Formula(s) => egui::RichText::new(s.as_str())
                    .monospace()
                    .color(theme::LEARNING_RATE),
            };
            rich.append_to(
                &mut job,
                ui.style(),
                egui::FontSelection::Default,
                egui::Align::Center,
            );
        }
        ui.add(egui::Label::new(job).wrap());
        ui.add_space(6.0);
    }
}

/// The lesson panel's content; returns what was asked.
pub fn ui(ui: &mut egui::Ui, a: &ActiveLesson) -> Option<LessonAction> {
    let mut out = None;
    let n = a.lesson.steps.len();
    let Some(step) = a.current() else {
        return Some(LessonAction::Close);
    };
    ui.add(egui::Label::new(egui::RichText::new(a.lesson.title.as_str()).heading()).wrap());
    ui.label(
        egui::RichText::new(format!(
            "Step {} of {n} · about {} minutes in all",
            a.step + 1,
            a.lesson.minutes
        ))
        .weak(),
    );
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("lesson-scroll")
        .show(ui, |ui| {
            ui.label(egui::RichText::new(step.title.as_str()).strong());
            text_ui(ui, &step.text);
            if !step.goals.is_empty() {
                ui.label(egui::RichText::new("Goals").strong());
                for (g, met) in step
                    .goals
                    .iter()
                    .zip(a.met.iter().copied().chain(std::iter::repeat(false)))
                {
                    let (mark, colour) = if met {
                        ("✓", theme::OK)
                    } else {
                        ("○", ui.visuals().weak_text_color())
                    };
                    ui.horizontal_wrapped(|ui| {
                        ui.label(egui::RichText::new(mark).color(colour).strong());
                        ui.label(describe(g));
                    });
                }
                if a.step_done() {
                    ui.label(
                        egui::RichText::new("All goals met — well done. Press Next.")
                            .color(theme::OK),
                    );
                }
            } else {
                ui.label(egui::RichText::new("Look, then press Next.").weak());
            }
            if !step.locked.is_empty() {
                let names: Vec<&str> = step.locked.iter().map(|c| c.label()).collect();
                ui.add_space(4.0);
                ui.label(
                    egui::RichText::new(format!("Locked by the lesson: {}", names.join(", ")))
                        .weak()
                        .small(),
                );
            }
            ui.add_space(6.0);
            for (i, h) in step.hints.iter().take(a.hints_shown).enumerate() {
                ui.label(egui::RichText::new(format!("Hint {}: {h}", i + 1)).italics());
            }
            if a.hints_shown < step.hints.len()
                && ui
                    .button(format!(
                        "Show a hint ({} of {})",
                        a.hints_shown + 1,
                        step.hints.len()
                    ))
                    .clicked()
            {
                out = Some(LessonAction::Hint);
            }
            if a.lesson.show_solution && !step.solution.is_empty() {
                if a.solution_shown {
                    ui.label(egui::RichText::new("Solution").strong());
                    for e in &step.solution {
                        ui.label(format!("• {}", crate::lesson::edit::describe(e)));
                    }
                } else if ui.button("Show the solution").clicked() {
                    out = Some(LessonAction::Solution);
                }
            }
        });
    ui.separator();
    ui.horizontal(|ui| {
        if ui
            .add_enabled(a.step > 0, egui::Button::new("◀ Back"))
            .clicked()
        {
            out = Some(LessonAction::Back);
        }
        let last = a.step + 1 >= n;
        let label = if last { "Finish" } else { "Next ▶" };
        if ui.button(label).clicked() {
            out = Some(if last {
                LessonAction::Close
            } else {
                LessonAction::Next
            });
        }
        if ui.button("Close lesson").clicked() {
            out = Some(LessonAction::Close);
        }
    });
    out
}

/// The Lessons window: every bundled lesson with its length, concepts and
/// progress. Returns the command to start one.
pub fn picker_ui(ctx: &egui::Context, state: &mut LessonState) -> Option<Command> {
    let mut out = None;
    let mut open = state.picker_open;
    let progress = state.progress().clone();
    egui::Window::new("Lessons")
        .open(&mut open)
        .default_width(theme::SIDE_PANEL_WIDTH * 1.5)
        .show(ctx, |ui| {
            ui.label("Short guided exercises; the program checks each step's goals as you work.");
            ui.separator();
            egui::ScrollArea::vertical()
                .id_salt("lessons")
                .show(ui, |ui| {
                    for (path, lesson) in state.catalogue() {
                        match lesson {
                            Ok(l) => {
                                let done =
                                    progress.lessons.get(&l.title).map_or(0, |p| p.done.len());
                                let goals = l.steps.iter().filter(|s| !s.goals.is_empty()).count();
                                ui.horizontal(|ui| {
                                    if ui.button(l.title.as_str()).clicked() {
                                        out = Some(Command::StartLesson(path.clone()));
                                    }
                                    ui.label(
                                        egui::RichText::new(format!(
                                            "{} min · {} · {done}/{goals} steps done",
                                            l.minutes,
                                            l.concepts
                                                .iter()
                                                .map(|c| c.key())
                                                .collect::<Vec<_>>()
                                                .join(", ")
                                        ))
                                        .weak(),
                                    );
                                });
                            }
                            Err(e) => {
                                ui.label(egui::RichText::new(e.as_str()).color(theme::ERROR));
                            }
                        }
                    }
                });
        });
    state.picker_open = open && out.is_none();
    out
}
