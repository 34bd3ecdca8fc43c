//! An imported ONNX model whose input no bundled data set has gets random
//! stand-in data of its input's shape, so it is still exportable (ONNX and
//! PyTorch), traceable and predicts what the original did.

use std::path::{Path, PathBuf};

use neuroglass::export::pytorch::{ExportOptions, export_project_with};
use neuroglass::model::DataSource;

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("neuroglass-standin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_model_no_data_fits_imports_with_stand_in_data_and_exports_again() {
    let dir = temp("roundtrip");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // iris's network on 7 features: no bundled or generated set has them.
    let mut project = neuroglass::project::load(&root.join("projects/iris.ron")).unwrap();
    project.data.source = DataSource::StandIn {
        shape: vec![7],
        classes: Some(3),
        targets: 1,
        samples: 40,
    };
    let opts = ExportOptions::default();
    let first = dir.join("seven.onnx");
    neuroglass::onnx::export_onnx(&project, None, None, &first, &opts).unwrap();
    let imported = neuroglass::onnx::import::import_file(&first).unwrap();
    match &imported.project.data.source {
        DataSource::StandIn {
            shape,
            classes,
            targets,
            ..
        } => {
            assert_eq!(shape, &vec![7]);
            // The network ends in a Dense layer (logits): the importer
            // takes it for 3 values to regress, as for any such model.
            assert_eq!((*classes, *targets), (None, 3));
        }
        other => panic!("expected stand-in data, got {other:?}"),
    }
    assert!(imported.project.notes.contains("random stand-in"));
    // It exports again, to ONNX and to PyTorch, with its weights.
    let again = dir.join("again.onnx");
    let s = neuroglass::onnx::export_onnx(
        &imported.project,
        None,
        Some(&imported.weights),
        &again,
        &opts,
    )
    .unwrap();
    assert_eq!(s.input_shape, vec![7]);
    let py = dir.join("pytorch");
    let summary =
        export_project_with(&imported.project, None, Some(&imported.weights), &py, &opts).unwrap();
    assert_eq!(summary.train_samples + summary.validation_samples, 64);
    assert!(py.join("model.py").exists());
    // And it traces (the project's own data is the stand-in).
    let p = &imported.project;
    let info = neuroglass::model::resolve_data_info(p, None).unwrap();
    assert_eq!(info.input_shape, vec![7]);
    let analysis = neuroglass::model::analyze(&p.graph, Some(&info), &p.training);
    let tracer = neuroglass::trace::Tracer::new(p, &analysis, &info, Some(&imported.weights));
    assert!(tracer.is_ok(), "{:?}", tracer.err());
    // The saved project keeps its stand-in data.
    let file = dir.join("p.ron");
    neuroglass::project::save(&imported.project, &file).unwrap();
    assert_eq!(
        neuroglass::project::load(&file).unwrap().data.source,
        imported.project.data.source
    );
    let _ = std::fs::remove_dir_all(&dir);
}
