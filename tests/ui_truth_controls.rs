//! The controls tell the truth (issue 14): one learning rate (the
//! project's), Shift+F5 stops, Save in "Save your changes?" goes on with
//! what asked, Train is refused with the reason and a fix, the views panel
//! keeps the user's height, recovery files stay out of the program's own
//! folder, and the in-app file dialog browses. Driven through the real
//! window with the real trainer.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::trainer::FinishReason;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;
use neuroglass::ui::run::RunState;

type H = Harness<'static, NeuroglassApp>;

fn harness(mut app: NeuroglassApp) -> H {
    app.files.native = false;
    // A recovery file left by another program run must not cover the window.
    app.prompts.recovery = None;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h.step();
    h
}

fn bundled(name: &'static str) -> H {
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::OpenBundled(name));
    h.step();
    h.step();
    h
}

fn frames(h: &mut H, n: usize) {
    for _ in 0..n {
        h.step();
    }
}

/// Steps frames until `done` or a minute passes.
fn until(h: &mut H, what: &str, done: impl Fn(&NeuroglassApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what} in state {:?} ({:?})",
            h.state().run.state,
            h.state().message
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ng-truth-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Clicks the `nth` number field labelled `label`, types `text`, presses
/// Enter.
fn type_into(h: &mut H, label: &str, nth: usize, text: &str) {
    let fields: Vec<_> = h
        .get_all_by_role_and_label(Role::SpinButton, label)
        .collect();
    assert!(
        fields.len() > nth,
        "{} fields labelled {label}",
        fields.len()
    );
    fields[nth].click();
    frames(h, 2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.event(egui::Event::Text(text.into()));
    frames(h, 1);
    h.key_press(Key::Enter);
    frames(h, 2);
}

#[test]
fn a_rate_typed_in_the_training_tab_is_the_one_trained_with_and_1_5_diverges() {
    let mut h = bundled("linear_regression.ron");
    assert!(h.state().doc.project.notes.contains("1.5"));
    h.get_by_label("Training").click();
    frames(&mut h, 2);
    // The Training tab's field and the Run panel's live control show the
    // same value: there is one learning rate.
    let fields = h
        .get_all_by_role_and_label(Role::SpinButton, "learning rate")
        .count();
    assert_eq!(fields, 2, "the live control and the Training tab");
    type_into(&mut h, "learning rate", 1, "1.5");
    assert_eq!(h.state().doc.project.training.learning_rate, 1.5);
    h.get_by_label("Train").click();
    frames(&mut h, 1);
    until(&mut h, "the run to end", |a| {
        matches!(a.run.state, RunState::Finished(_) | RunState::Failed(_))
    });
    let app = h.state();
    let first = app.run.history.steps.first().map(|s| s.lr);
    assert_eq!(first, Some(1.5), "the first step used the typed rate");
    assert!(
        matches!(
            app.run.state,
            RunState::Finished(FinishReason::Diverged { .. })
        ),
        "{:?}",
        app.run.state
    );
    h.step();
    assert!(
        h.query_by_label_contains("diverged").is_some()
            || h.query_by_label_contains("NaN").is_some()
    );
}

#[test]
fn the_live_control_edits_the_project_and_the_running_trainer_follows() {
    let mut app = NeuroglassApp::new(None);
    app.controls.delay_ms = 20;
    let mut h = harness(app);
    h.get_by_label("Train").click();
    frames(&mut h, 1);
    until(&mut h, "a few steps", |a| a.run.history.steps.len() >= 3);
    // The live control has a field to type the rate into, up to 10.
    let rate = 7.25_f32;
    assert!(
        h.query_by_role_and_label(Role::Slider, "learning rate")
            .is_some(),
        "the live slider"
    );
    type_into(&mut h, "learning rate", 0, &rate.to_string());
    assert_eq!(h.state().doc.project.training.learning_rate, rate);
    until(&mut h, "steps at the new rate", |a| {
        a.run.history.steps.last().is_some_and(|s| s.lr == rate)
            || matches!(a.run.state, RunState::Finished(_))
    });
    let steps = &h.state().run.history.steps;
    assert!(
        steps.iter().any(|s| s.lr == rate),
        "the trainer follows the project"
    );
    h.state_mut().apply(Command::Stop);
}

#[test]
fn shift_f5_stops_training_instead_of_restarting_it() {
    let mut app = NeuroglassApp::new(None);
    app.controls.delay_ms = 20;
    let mut h = harness(app);
    h.key_press(Key::F5);
    frames(&mut h, 1);
    until(&mut h, "a few steps", |a| a.run.history.steps.len() >= 5);
    let before = h.state().run.history.steps.len();
    h.key_press_modifiers(Modifiers::SHIFT, Key::F5);
    frames(&mut h, 1);
    until(&mut h, "the run to end", |a| !a.run.active());
    let app = h.state();
    assert_eq!(app.run.state, RunState::Finished(FinishReason::Stopped));
    assert!(
        app.run.history.steps.len() >= before,
        "the run was not restarted"
    );
}

#[test]
fn no_shortcut_is_hidden_by_an_earlier_one() {
    let table = neuroglass::ui::shortcuts::table();
    for (i, later) in table.iter().enumerate() {
        for earlier in &table[..i] {
            let hides = earlier.keys.logical_key == later.keys.logical_key
                && later
                    .keys
                    .modifiers
                    .matches_logically(earlier.keys.modifiers);
            assert!(
                !hides || earlier.keys.modifiers == later.keys.modifiers,
                "{:?} is checked before {:?} and takes its key",
                earlier.keys,
                later.keys
            );
        }
    }
}

#[test]
fn save_in_save_your_changes_saves_then_does_the_new() {
    let dir = temp_dir("save-then-new");
    let path = dir.join("kept.ron");
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::New);
    frames(&mut h, 2);
    assert_eq!(h.state().doc.project.name, "Untitled");
    // Change the untitled project.
    h.state_mut().doc.project.name = "Mine".into();
    frames(&mut h, 2);
    assert!(h.state().doc.dirty());
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    frames(&mut h, 2);
    assert!(h.query_by_label("Save your changes?").is_some());
    h.get_by_label("Save").click();
    frames(&mut h, 3);
    // No file yet: the in-app file dialog asks where.
    let asked = h.state().files.in_app().map(|(_, n)| n.to_string());
    assert_eq!(asked.as_deref(), Some("Mine.ron"));
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.event(egui::Event::Text(path.display().to_string()));
    frames(&mut h, 1);
    h.key_press(Key::Enter);
    frames(&mut h, 3);
    assert!(path.exists(), "saved: {:?}", h.state().message);
    let saved = neuroglass::project::load(&path).unwrap();
    assert_eq!(saved.name, "Mine");
    // And the New that asked for the save happened.
    let app = h.state();
    assert_eq!(app.doc.project.name, "Untitled");
    assert!(app.doc.path.is_none());
    assert!(!app.doc.dirty());
    // The status bar still says where the work went.
    let said = app.message.clone().unwrap_or_default();
    assert!(said.contains("kept.ron"), "{said}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn cancelling_the_file_dialog_after_save_keeps_the_project() {
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().doc.project.name = "Edited spiral".into();
    frames(&mut h, 2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    frames(&mut h, 2);
    h.get_by_label("Save").click();
    frames(&mut h, 3);
    assert!(h.state().files.in_app().is_some());
    h.get_by_label("🚫 Cancel").click();
    frames(&mut h, 3);
    assert!(
        h.state().files.in_app().is_none(),
        "Cancel closes the dialog"
    );
    assert_eq!(h.state().doc.project.name, "Edited spiral");
    assert!(h.state().doc.dirty());
}

#[test]
fn train_is_refused_on_an_input_only_graph_with_the_reason_and_a_fix() {
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::New);
    frames(&mut h, 2);
    h.state_mut()
        .apply(Command::Append(neuroglass::model::LayerSpec::Input));
    frames(&mut h, 2);
    assert!(!h.state().doc.analysis.has_errors(), "a valid graph…");
    assert_eq!(
        h.state().doc.analysis.total_params,
        0,
        "…with nothing to learn"
    );
    // The reason stands next to the button and in the status bar.
    let shown = h.query_all_by_label_contains("no weights to learn").count();
    assert!(shown >= 2, "reason shown {shown} times");
    h.key_press(Key::F5);
    h.state_mut().apply(Command::Train);
    frames(&mut h, 3);
    assert_eq!(h.state().run.state, RunState::Idle, "nothing was trained");
    assert!(h.state().run.history.epochs.is_empty());
    // One click fixes it.
    h.get_by_label("Add a Dense layer").click();
    frames(&mut h, 3);
    assert!(h.state().doc.analysis.total_params > 0);
    assert!(h.query_by_label_contains("no weights to learn").is_none());
}

#[test]
fn a_loss_that_does_not_fit_the_data_says_why_and_offers_the_fix() {
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().doc.project.training.loss = neuroglass::model::LossKind::Mse;
    frames(&mut h, 3);
    let why = "MSE is for numeric targets but the data has 2 classes";
    assert!(
        h.query_all_by_label_contains(why).count() >= 2,
        "next to Train and in the status bar"
    );
    h.get_by_label("Use cross-entropy").click();
    frames(&mut h, 3);
    assert_eq!(
        h.state().doc.project.training.loss,
        neuroglass::model::LossKind::CrossEntropy
    );
    assert!(h.query_by_label_contains(why).is_none());
    assert!(neuroglass::ui::train_panel::train_block(&h.state().doc).is_none());
}

/// The live views' tab called `t` (other widgets may share its name).
fn view_tab<'a>(h: &'a H, t: &'a str) -> Option<egui_kittest::Node<'a>> {
    let views = h.state().panels.views_rect?;
    h.query_all_by_label(t)
        .find(|n| views.contains(n.rect().center()))
}

fn click_tab(h: &mut H, t: &str) {
    view_tab(h, t)
        .unwrap_or_else(|| panic!("no tab {t}"))
        .click();
    frames(h, 3);
}

#[test]
fn the_views_panel_keeps_the_users_height_when_switching_tabs() {
    // Views with real content: a trained network's pictures.
    let mut h = bundled("digits_mlp.ron");
    h.state_mut().apply(Command::Train);
    until(&mut h, "two epochs", |a| a.run.history.epochs.len() >= 2);
    h.state_mut().apply(Command::Stop);
    until(&mut h, "the run to stop", |a| !a.run.active());
    frames(&mut h, 3);
    let tabs = [
        "Curves",
        "Boundary",
        "Neurons",
        "Weights",
        "Gradient flow",
        "Confusion",
        "Gallery",
        "Convolution",
    ];
    let height = |h: &H| h.state().panels.views_rect.map(|r| r.height());
    let tab_y = |h: &H| view_tab(h, "Curves").map(|n| n.rect().min.y);
    let (h0, y0) = (height(&h), tab_y(&h));
    for t in tabs {
        click_tab(&mut h, t);
        assert_eq!(height(&h), h0, "after {t}");
        assert_eq!(tab_y(&h), y0, "the tab row stays put after {t}");
    }
    // Drag the edge up: the new height is kept across tabs too.
    // Just inside the panel: the edge's handle reaches a few points either
    // side, and the canvas above takes presses on its side.
    let top = h.state().panels.views_rect.unwrap().top() + 2.0;
    let x = h.state().panels.views_rect.unwrap().center().x;
    h.hover_at(egui::pos2(x, top));
    frames(&mut h, 1);
    h.drag_at(egui::pos2(x, top));
    frames(&mut h, 1);
    for dy in 1..=10 {
        h.hover_at(egui::pos2(x, top - 8.0 * dy as f32));
        frames(&mut h, 1);
    }
    h.drop_at(egui::pos2(x, top - 80.0));
    frames(&mut h, 2);
    let taller = height(&h).unwrap();
    assert!(
        taller > h0.unwrap() + 40.0,
        "{taller} after dragging the edge"
    );
    for t in tabs {
        click_tab(&mut h, t);
        assert_eq!(height(&h), Some(taller), "after {t}");
    }
}

#[test]
fn a_bundled_example_opened_from_the_program_folder_autosaves_elsewhere() {
    let xor = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron");
    let beside = xor.with_file_name("xor.recovery.ron");
    let mut app = NeuroglassApp::new(Some(xor.clone()));
    app.background.autosave_every = Duration::ZERO;
    let mut h = harness(app);
    h.state_mut().doc.project.name = "XOR, changed".into();
    let Some(rec) = neuroglass::project::recovery_path(Some(&xor)) else {
        return; // no home directory: nowhere to autosave at all
    };
    until(&mut h, "the recovery file", |_| rec.exists());
    // No further autosaves; wait for one under way.
    h.state_mut().background.autosave_every = Duration::from_secs(3600);
    until(&mut h, "the autosave to end", |a| !a.background.busy());
    assert!(
        !beside.exists(),
        "nothing is written in the program's projects/"
    );
    assert!(h.state().message.is_none(), "{:?}", h.state().message);
    let found = neuroglass::project::find_recovery(Some(&xor));
    assert_eq!(found.as_deref(), Some(rec.as_path()));
    assert_eq!(
        neuroglass::project::load(&rec).unwrap().name,
        "XOR, changed"
    );
    neuroglass::project::discard_recovery(Some(&xor)).unwrap();
    assert!(!rec.exists());
}

#[test]
fn without_a_dialog_service_the_in_app_dialog_browses_folders_with_filters() {
    let dir = temp_dir("browse");
    std::fs::create_dir_all(dir.join("inner")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron"),
        dir.join("inner/picked.ron"),
    )
    .unwrap();
    std::fs::write(dir.join("inner/notes.txt"), "not a project").unwrap();
    let start = dir.join("start.ron");
    neuroglass::project::save(&neuroglass::model::Project::default(), &start).unwrap();
    let mut h = harness(NeuroglassApp::new(Some(start)));
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    frames(&mut h, 3);
    assert!(h.state().files.in_app().is_some());
    // The dialog lists folders on a thread of its own.
    let start = Instant::now();
    while h.query_by_label_contains("inner").is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the folder never showed"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    // The folder, its sub-folder, the project filter, and recent places.
    assert!(h.query_by_label_contains("Recent places").is_some());
    assert!(h.query_by_value("Neuroglass project").is_some());
    h.get_by_label("🗀 inner").click();
    frames(&mut h, 2);
    h.key_press(Key::Enter);
    let start = Instant::now();
    while h.query_by_label_contains("picked.ron").is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the sub-folder never showed"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        h.query_by_label_contains("notes.txt").is_none(),
        "filtered by extension"
    );
    h.get_by_label("🗋 picked.ron").click();
    frames(&mut h, 2);
    h.get_by_label("🗀  Open").click();
    frames(&mut h, 3);
    let app = h.state();
    assert!(app.files.in_app().is_none());
    assert_eq!(
        app.doc.path.as_deref(),
        Some(dir.join("inner/picked.ron").as_path())
    );
    assert_eq!(app.doc.project.name, "XOR");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_frame_logic_runs_once_per_frame_in_the_window_and_in_a_harness() {
    // A harness calls only ui_frame: it gets the logic once a frame.
    let mut h = harness(NeuroglassApp::new(None));
    let before = h.state().frame.logic_runs;
    frames(&mut h, 5);
    assert_eq!(h.state().frame.logic_runs - before, 5);
    // eframe calls logic, then ui: still once a frame.
    let ctx = egui::Context::default();
    let mut app = NeuroglassApp::new(None);
    for _ in 0..5 {
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            app.logic_step(ui.ctx());
            app.ui_frame(ui);
        });
        out.textures_delta.clear();
    }
    assert_eq!(app.frame.logic_runs, 5);
}
