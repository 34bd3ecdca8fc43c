//! Bringing things in from the window: File ▸ Import ▸ ONNX… imports a
//! model as a background job and opens its project (with its weights
//! beside it), and Data ▸ Image folder… makes a folder of class subfolders
//! the data, previewed a few images per class.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::model::DataSource;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;
use neuroglass::ui::files::Purpose;
use neuroglass::ui::preview::Preview;

type H = Harness<'static, NeuroglassApp>;

fn harness(mut app: NeuroglassApp) -> H {
    app.files.native = false;
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

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ng-ui-import-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn the_import_menu_asks_for_an_onnx_file() {
    let mut h = harness(NeuroglassApp::new(None));
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label_contains("Import").click();
    h.run_steps(2);
    h.get_by_label("ONNX…").click();
    h.run_steps(3);
    assert_eq!(
        h.state().files.in_app().map(|(p, _)| p),
        Some(Purpose::ImportOnnx)
    );
}

#[test]
fn an_imported_onnx_model_opens_as_a_project_with_its_weights() {
    let dir = temp("onnx");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let iris = neuroglass::project::load(&root.join("projects/iris.ron")).unwrap();
    let model = dir.join("flowers.onnx");
    neuroglass::onnx::export_onnx(&iris, None, None, &model, &Default::default()).unwrap();
    let expected = neuroglass::onnx::import::import_file(&model).unwrap();
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::ImportOnnx(model.clone()));
    until(&mut h, "the import", |a| {
        a.message
            .as_deref()
            .is_some_and(|m| m.starts_with("imported"))
    });
    let project = dir.join("flowers.ron");
    assert_eq!(h.state().doc.path.as_deref(), Some(project.as_path()));
    assert_eq!(h.state().doc.project.graph, expected.project.graph);
    // The same tensors (a safetensors file lists them by name).
    let mut weights = neuroglass::project::load_weights(&dir.join("flowers.safetensors")).unwrap();
    let mut want = expected.weights.clone();
    weights.sort_by(|a, b| a.0.cmp(&b.0));
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(weights, want);
    assert!(h.state().controls.use_saved_weights);
    // Before any run, the trace uses the imported weights, and says so.
    h.state_mut().views.picked = Some(0);
    h.state_mut().trace.open = true;
    until(&mut h, "the trace", |a| a.trace.shown(a.run.id()).is_some());
    let traced = h.state().trace.shown(h.state().run.id()).unwrap();
    assert_eq!(
        traced.saved.as_deref(),
        Some(dir.join("flowers.safetensors").as_path())
    );
    for (name, _, values) in want.iter().filter(|w| w.0.ends_with(".weight")) {
        let wide: Vec<f64> = values.iter().map(|v| f64::from(*v)).collect();
        assert!(
            traced.trace.params.iter().any(|p| p.value == wide),
            "{name} is not among the traced weights"
        );
    }
    // A second import never replaces the first one's files.
    h.state_mut().apply(Command::ImportOnnx(model.clone()));
    until(&mut h, "the second import", |a| {
        a.doc.path.as_deref() == Some(dir.join("flowers-2.ron").as_path())
    });
    assert!(dir.join("flowers-2.safetensors").exists());
    assert_eq!(
        neuroglass::project::load(&project).unwrap().graph,
        expected.project.graph
    );
    // Something that is not ONNX: said, nothing written, project unchanged.
    let junk = dir.join("junk.onnx");
    std::fs::write(&junk, b"not a model").unwrap();
    h.state_mut().apply(Command::ImportOnnx(junk));
    until(&mut h, "the refusal", |a| {
        a.message
            .as_deref()
            .is_some_and(|m| m.contains("nothing was imported"))
    });
    assert!(!dir.join("junk.ron").exists());
    assert_eq!(
        h.state().doc.path.as_deref(),
        Some(dir.join("flowers-2.ron").as_path())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_image_folder_chosen_in_the_window_is_the_data_with_a_preview_per_class() {
    let dir = temp("images");
    for (class, shade) in [("circle", 40u8), ("square", 200u8)] {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for i in 0..6u8 {
            image::GrayImage::from_pixel(10, 10, image::Luma([shade + i]))
                .save(dir.join(class).join(format!("{i}.png")))
                .unwrap();
        }
    }
    let mut h = harness(NeuroglassApp::new(None));
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Data menu").click();
    h.run_steps(2);
    h.get_by_label("Image folder…").click();
    h.run_steps(3);
    assert_eq!(
        h.state().files.in_app().map(|(p, _)| p),
        Some(Purpose::ImageFolder)
    );
    h.state_mut().apply(Command::UseImageFolder(dir.clone()));
    h.step();
    assert_eq!(
        h.state().doc.project.data.source,
        DataSource::ImageFolder {
            path: dir.display().to_string(),
            size: None,
            channels: None
        }
    );
    until(&mut h, "the preview", |a| {
        matches!(a.preview.current, Some(Ok(Preview::Images { .. })))
    });
    let Some(Ok(Preview::Images { size, labels, .. })) = &h.state().preview.current else {
        unreachable!("checked above")
    };
    assert_eq!(*size, [10, 10]);
    // A few of each class, class by class (of the training rows).
    assert!(
        labels.iter().filter(|l| *l == "circle").count() >= 2,
        "{labels:?}"
    );
    assert!(
        labels.iter().filter(|l| *l == "square").count() >= 2,
        "{labels:?}"
    );
    let first_square = labels.iter().position(|l| l == "square").unwrap();
    assert!(labels[..first_square].iter().all(|l| l == "circle"));
    let _ = std::fs::remove_dir_all(&dir);
}
