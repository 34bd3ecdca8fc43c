//! Files from the window: trained weights saved beside the project and
//! used again, and the PyTorch export with the trained weights.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;
use neuroglass::ui::run::RunState;

type H = Harness<'static, NeuroglassApp>;

fn harness(mut app: NeuroglassApp) -> H {
    app.files.native = false;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h
}

fn until(h: &mut H, what: &str, done: impl Fn(&NeuroglassApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "timed out waiting for {what}: {:?}",
            h.state().message
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn trained_weights_are_saved_beside_the_project_and_training_continues_from_them() {
    let dir = std::env::temp_dir().join(format!("ng-ui-weights-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("xor.ron");
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::OpenBundled("xor.ron"));
    h.state_mut().apply(Command::Train);
    until(&mut h, "training", |a| {
        matches!(a.run.state, RunState::Finished(_))
    });
    let trained_loss = h.state().run.history.epochs.last().unwrap().val_loss;
    h.state_mut().apply(Command::SaveTo(path.clone()));
    let weights = path.with_extension("safetensors");
    until(&mut h, "the weights file", |_| weights.exists());
    // Reopen: training starts from the saved weights, so the first epoch
    // is already about as good as the last one was.
    let mut h2 = harness(NeuroglassApp::new(Some(path.clone())));
    assert!(h2.state().use_saved_weights);
    h2.state_mut().apply(Command::Train);
    until(&mut h2, "the first epoch", |a| {
        !a.run.history.epochs.is_empty()
    });
    let first = h2.state().run.history.epochs[0].val_loss;
    assert!(
        first < trained_loss * 2.0 + 0.05,
        "first epoch {first} vs trained {trained_loss}"
    );
    // Without them, the first epoch starts from scratch.
    let mut h3 = harness(NeuroglassApp::new(Some(path.clone())));
    h3.state_mut().use_saved_weights = false;
    h3.state_mut().apply(Command::Train);
    until(&mut h3, "the first epoch", |a| {
        !a.run.history.epochs.is_empty()
    });
    assert!(h3.state().run.history.epochs[0].val_loss > first);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn export_to_pytorch_from_the_window_writes_the_files() {
    let out = std::env::temp_dir().join(format!("ng-ui-export-{}", std::process::id()));
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::ExportPytorch(out.clone()));
    until(&mut h, "the export", |a| {
        a.message.as_deref().is_some_and(|m| m.contains("PyTorch"))
    });
    let m = h.state().message.clone().unwrap();
    assert!(m.starts_with("exported"), "{m}");
    for f in [
        "model.py",
        "train.py",
        "weights.safetensors",
        "reference.safetensors",
        "README.txt",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    std::fs::remove_dir_all(&out).ok();
}
