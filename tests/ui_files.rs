//! Files from the window: trained weights saved beside the project and
//! used again, and the PyTorch export with the trained weights.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
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
    assert!(h2.state().controls.use_saved_weights);
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
    h3.state_mut().controls.use_saved_weights = false;
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

#[test]
fn export_to_onnx_from_the_window_writes_a_model() {
    let out = std::env::temp_dir().join(format!("ng-ui-export-{}.onnx", std::process::id()));
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::ExportOnnx(out.clone()));
    until(&mut h, "the export", |a| {
        a.message.as_deref().is_some_and(|m| m.contains("ONNX"))
    });
    let m = h.state().message.clone().unwrap();
    assert!(m.starts_with("exported as ONNX"), "{m}");
    let bytes = std::fs::read(&out).unwrap();
    let model = neuroglass::onnx::import::read_model(&out).unwrap();
    assert!(bytes.len() > 100 && model.graph.is_some_and(|g| !g.node.is_empty()));
    std::fs::remove_file(&out).ok();
}

#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn dropping_a_project_opens_it_and_dropping_a_csv_makes_it_the_data() {
    let dir = std::env::temp_dir().join(format!("ng-ui-drop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let project = dir.join("mine.ron");
    let text = neuroglass::ui::document::BUNDLED
        .iter()
        .find(|(n, _)| *n == "iris.ron")
        .unwrap()
        .1;
    std::fs::write(&project, text).unwrap();
    let mut h = harness(NeuroglassApp::new(None));
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(project.clone())));
    h.step();
    h.step();
    assert_eq!(h.state().doc.path.as_deref(), Some(project.as_path()));
    let csv = dir.join("points.csv");
    let mut rows = String::from("x1,x2,label\n");
    for i in 0..40 {
        rows.push_str(&format!(
            "{},{},{}\n",
            i as f32 / 40.0,
            (i % 7) as f32,
            if i % 2 == 0 { "a" } else { "b" }
        ));
    }
    std::fs::write(&csv, rows).unwrap();
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(csv.clone())));
    h.step();
    assert!(matches!(
        h.state().doc.project.data.source,
        neuroglass::model::DataSource::Csv { .. }
    ));
    until(
        &mut h,
        "the CSV's shape",
        |a| matches!(&a.doc.data_state, neuroglass::ui::document::DataState::Known(d) if d.input_shape == [2] && d.classes == Some(2)),
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ng-ui-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits for the "replace?" question and checks the modal names `files`.
fn question_names(h: &mut H, files: &[&std::path::Path]) {
    until(h, "the question", |a| a.prompts.replace.is_some());
    h.step();
    let q = h.state().prompts.replace.clone().unwrap();
    for f in files {
        assert!(q.files.iter().any(|x| x == f), "{f:?} in {:?}", q.files);
        let shown = f.display().to_string();
        assert!(
            h.query_by_label(&shown).is_some(),
            "the question shows {shown}"
        );
    }
}

#[test]
fn a_pytorch_export_asks_before_replacing_files_and_keeps_them_if_told() {
    let out = fresh_dir("replace-pt");
    let model = out.join("model.py");
    let readme = out.join("README.txt");
    std::fs::write(&model, "my own model").unwrap();
    std::fs::write(&readme, "my own notes").unwrap();
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::ExportPytorch(out.clone()));
    question_names(&mut h, &[&model, &readme]);
    h.get_by_label("Keep them").click();
    h.step();
    h.step();
    assert!(h.state().prompts.replace.is_none());
    assert_eq!(std::fs::read(&model).unwrap(), b"my own model");
    assert_eq!(std::fs::read(&readme).unwrap(), b"my own notes");
    assert!(!out.join("train.py").exists(), "nothing else was written");
    let m = h.state().message.clone().unwrap_or_default();
    assert!(m.contains("kept"), "{m}");

    h.state_mut().apply(Command::ExportPytorch(out.clone()));
    question_names(&mut h, &[&model, &readme]);
    h.get_by_label("Replace").click();
    until(&mut h, "the export", |a| {
        a.message
            .as_deref()
            .is_some_and(|m| m.starts_with("exported"))
    });
    let written = std::fs::read_to_string(&model).unwrap();
    assert!(written.contains("nn.Module"), "{written}");
    assert_ne!(std::fs::read(&readme).unwrap(), b"my own notes");
    assert!(out.join("train.py").exists());
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn an_onnx_export_asks_before_replacing_the_file() {
    let dir = fresh_dir("replace-onnx");
    let out = dir.join("net.onnx");
    std::fs::write(&out, "not a model").unwrap();
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::ExportOnnx(out.clone()));
    question_names(&mut h, &[&out]);
    h.get_by_label("Keep it").click();
    h.step();
    h.step();
    assert!(h.state().prompts.replace.is_none());
    assert_eq!(std::fs::read(&out).unwrap(), b"not a model");

    h.state_mut().apply(Command::ExportOnnx(out.clone()));
    question_names(&mut h, &[&out]);
    h.get_by_label("Replace").click();
    until(&mut h, "the export", |a| {
        a.message
            .as_deref()
            .is_some_and(|m| m.starts_with("exported as ONNX"))
    });
    assert!(neuroglass::onnx::import::read_model(&out).is_ok());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_export_never_replaces_the_project_file_it_came_from() {
    let dir = fresh_dir("replace-input");
    // A project saved under the name the export gives its module.
    let project = dir.join("model.py");
    let text = neuroglass::ui::document::BUNDLED
        .iter()
        .find(|(n, _)| *n == "xor.ron")
        .unwrap()
        .1;
    std::fs::write(&project, text).unwrap();
    let mut h = harness(NeuroglassApp::new(Some(project.clone())));
    assert_eq!(h.state().doc.path.as_deref(), Some(project.as_path()));
    h.state_mut().apply(Command::ExportPytorch(dir.clone()));
    until(&mut h, "the refusal", |a| {
        a.message.as_deref().is_some_and(|m| m.contains("input"))
    });
    assert!(
        h.state().prompts.replace.is_none(),
        "no question: a refusal"
    );
    assert_eq!(std::fs::read_to_string(&project).unwrap(), text);
    assert!(!dir.join("train.py").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_data_tab_says_how_many_rows_drop_bad_dropped() {
    let dir = fresh_dir("dropped");
    let csv = dir.join("points.csv");
    let mut rows = String::from("x1,x2,x3,label\n");
    for i in 0..40 {
        // Data row 5 (line 6 of the file) holds a cell that is no number.
        let x2 = if i == 4 {
            "NaN".to_string()
        } else {
            ((i % 7) as f32).to_string()
        };
        rows.push_str(&format!(
            "{},{x2},{},{}\n",
            i as f32 / 40.0,
            (i % 3) as f32,
            if i % 2 == 0 { "a" } else { "b" }
        ));
    }
    std::fs::write(&csv, rows).unwrap();
    let mut h = harness(NeuroglassApp::new(None));
    h.get_by_label("Data").click();
    h.step();
    h.state_mut().doc.project.data.source = neuroglass::model::DataSource::Csv {
        path: csv.display().to_string(),
        target: None,
        classification: true,
        drop_empty: false,
        drop_bad: true,
    };
    h.step();
    until(&mut h, "the preview", |a| {
        !a.preview.busy() && matches!(a.preview.current, Some(Ok(_)))
    });
    h.step();
    let note = "dropped 1 of 40 rows: 1 row with a cell that is not a finite number (line 6)";
    assert_eq!(h.state().preview.dropped.as_deref(), Some(note));
    assert!(h.query_by_label(note).is_some(), "the data tab shows it");
    // Without the option there is no preview and no note: the cell is an
    // error naming its line.
    if let neuroglass::model::DataSource::Csv { drop_bad, .. } =
        &mut h.state_mut().doc.project.data.source
    {
        *drop_bad = false;
    }
    h.step();
    until(&mut h, "the refusal", |a| {
        !a.preview.busy() && matches!(a.preview.current, Some(Err(_)))
    });
    assert!(h.state().preview.dropped.is_none());
    let e = h
        .state()
        .preview
        .current
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 6"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}
