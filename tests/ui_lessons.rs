//! Issue 19 in the window: a lesson step's checklist ticks when its goal
//! is met and not before; locked controls cannot be changed; the lesson
//! panel's Next moves on and progress is remembered.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::model::{LossKind, NodeId};
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;
use neuroglass::ui::run::RunState;

type H = Harness<'static, NeuroglassApp>;

fn data_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("ng-ui-lessons-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        // Set once, before any test of this file reads it.
        unsafe { std::env::set_var("NEUROGLASS_DATA_DIR", &d) };
        d
    })
    .clone()
}

/// The tests share the progress file of one data directory: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn lesson(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("lessons")
        .join(name)
}

fn harness_with_lesson(name: &str) -> H {
    data_dir();
    let mut app = NeuroglassApp::new(None);
    app.prompts.recovery = None;
    app.files.native = false;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h.state_mut().apply(Command::StartLesson(lesson(name)));
    h.step();
    h.step();
    h
}

fn until(h: &mut H, what: &str, done: impl Fn(&NeuroglassApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "timed out waiting for {what} in state {:?}",
            h.state().run.state
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn met(h: &H) -> Vec<bool> {
    h.state().lesson.active.as_ref().unwrap().met.clone()
}

fn node(h: &H, name: &str) -> NodeId {
    h.state()
        .doc
        .project
        .graph
        .nodes()
        .iter()
        .find(|n| n.name == name)
        .unwrap()
        .id
}

#[test]
fn a_goal_ticks_when_met_and_not_before() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut h = harness_with_lesson("03_xor_needs_a_hidden_layer.ron");
    assert_eq!(h.state().doc.project.name, "XOR");
    assert!(h.query_by_label_contains("One straight line").is_some());
    // Layers ≤ 1 and a run of ≥ 30 epochs: neither holds yet.
    assert_eq!(met(&h), vec![false, false]);
    assert!(h.query_by_label("✓").is_none());
    // Removing the activation leaves both Dense layers: not yet.
    let tanh = node(&h, "tanh");
    h.state_mut().doc.project.graph.remove_node(tanh);
    h.step();
    assert_eq!(
        met(&h),
        vec![false, false],
        "the hidden Dense is still there"
    );
    let hidden = node(&h, "hidden");
    let (input, output) = (node(&h, "input"), node(&h, "output"));
    let g = &mut h.state_mut().doc.project.graph;
    g.remove_node(hidden);
    g.connect(input, output).unwrap();
    h.step();
    h.step();
    assert_eq!(met(&h), vec![true, false], "the layer goal ticks at once");
    assert!(h.query_by_label("✓").is_some());
    // The run goal ticks only when a run has finished: not while one is
    // paused after a step.
    h.state_mut().apply(Command::Step);
    until(&mut h, "the run to pause after a step", |a| {
        matches!(a.run.state, RunState::Paused)
    });
    h.step();
    assert!(!met(&h)[1], "not while a run is under way");
    h.state_mut().apply(Command::Resume);
    until(&mut h, "the run's end", |a| {
        matches!(a.run.state, RunState::Finished(_))
    });
    h.step();
    assert_eq!(met(&h), vec![true, true]);
    assert!(h.query_by_label_contains("All goals met").is_some());
    // Next: the second step continues with this project.
    h.get_by_label("Next ▶").click();
    h.step();
    h.step();
    let a = h.state().lesson.active.as_ref().unwrap();
    assert_eq!(a.step, 1);
    assert_eq!(a.runs.len(), 0, "runs of the step before do not count");
    assert_eq!(h.state().doc.project.graph.nodes().len(), 2);
    // Progress is remembered in the user's data directory.
    let text = std::fs::read_to_string(data_dir().join("lessons.ron")).unwrap();
    assert!(text.contains("Why XOR needs a hidden layer"), "{text}");
    let p: neuroglass::lesson::progress::Progress = ron::from_str(&text).unwrap();
    let l = &p.lessons["Why XOR needs a hidden layer"];
    assert_eq!(l.step, 1);
    assert_eq!(l.done, vec![0]);
    // Opened again, the lesson resumes at step 2 with the project step 1's
    // solution leads to (this step continues from it).
    h.state_mut().apply_now(Command::StartLesson(lesson(
        "03_xor_needs_a_hidden_layer.ron",
    )));
    h.step();
    h.step();
    assert_eq!(h.state().lesson.active.as_ref().unwrap().step, 1);
    assert_eq!(h.state().doc.project.graph.nodes().len(), 2);
    assert_eq!(met(&h), vec![false, false, false]);
}

#[test]
fn locked_controls_cannot_be_changed() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Lesson 2 locks the graph, the data and the loss; the learning rate
    // is free.
    let mut h = harness_with_lesson("02_too_fast.ron");
    assert_eq!(h.state().doc.project.training.loss, LossKind::Mse);
    h.state_mut().doc.project.training.loss = LossKind::Mae;
    h.step();
    assert_eq!(h.state().doc.project.training.loss, LossKind::Mse);
    assert!(
        h.state()
            .message
            .as_deref()
            .is_some_and(|m| m.contains("the loss is locked by the lesson")),
        "{:?}",
        h.state().message
    );
    // A layer deleted is put back; a moved one stays where it was moved.
    let line = node(&h, "line");
    let moved = {
        let g = &mut h.state_mut().doc.project.graph;
        g.node_mut(line).unwrap().pos = [300.0, 300.0];
        g.remove_node(line);
        g.nodes().len()
    };
    assert_eq!(moved, 1);
    h.step();
    assert_eq!(h.state().doc.project.graph.nodes().len(), 2);
    assert_eq!(h.state().doc.project.graph.edges().len(), 1);
    assert!(
        h.state()
            .message
            .as_deref()
            .is_some_and(|m| m.contains("structure is locked"))
    );
    // Not locked: the learning rate changes and stays.
    h.state_mut().doc.project.training.learning_rate = 100.0;
    h.step();
    h.step();
    assert_eq!(h.state().doc.project.training.learning_rate, 100.0);
    // The Training tab says which of its settings are locked.
    h.get_by_label("Training").click();
    h.step();
    h.step();
    assert!(h.query_by_label("Locked by the lesson: the loss").is_some());
    // The panel says what is locked.
    assert!(
        h.query_by_label_contains(
            "Locked by the lesson: the network's structure, the data, the loss"
        )
        .is_some()
    );
}
