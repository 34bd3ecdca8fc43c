//! The example projects: at least ten, each with teaching notes; each
//! loads, validates clean against its data and is saved in canonical form.

use std::path::{Path, PathBuf};

use neuroglass::model::*;
use neuroglass::project::{self, parse, to_string};

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("projects"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .collect();
    v.sort();
    v
}

#[test]
fn there_are_at_least_ten_examples_with_notes() {
    let ex = examples();
    assert!(ex.len() >= 10, "{ex:?}");
    for p in ex {
        let proj = project::load(&p).unwrap();
        assert!(
            proj.notes.len() > 80,
            "{} needs teaching notes",
            p.display()
        );
        assert!(!proj.name.is_empty());
    }
}

#[test]
fn every_example_validates_clean_and_round_trips_byte_for_byte() {
    for p in examples() {
        let proj = project::load(&p).unwrap_or_else(|e| panic!("{e}"));
        let info = data_info(&proj.data).expect("examples use generated or bundled data");
        let a = analyze(&proj.graph, Some(&info), &proj.training);
        let errors: Vec<String> = a.problems().map(|(_, p)| p.message.clone()).collect();
        assert!(!a.has_errors(), "{}: {errors:?}", p.display());
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            to_string(&proj).unwrap(),
            text,
            "{} is not in canonical form",
            p.display()
        );
        assert_eq!(parse(&text, "again").unwrap(), proj);
    }
}
