//! Issue 19: data the user makes — painted points and a typed formula —
//! saved in the project (old files unchanged: `tests/project_golden.rs`),
//! loaded back the same, trained on.

use neuroglass::lesson::train::train_headless;
use neuroglass::model::{DataSource, Generator, Project};

fn with_source(source: DataSource, loss: &str) -> Project {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        if loss == "mse" {
            "projects/sine_regression.ron"
        } else {
            "projects/xor.ron"
        },
    ))
    .unwrap();
    let mut p = neuroglass::project::parse(&text, "example").unwrap();
    p.data.source = source;
    p.training.epochs = 30;
    p
}

fn painted_two_clusters() -> DataSource {
    let mut points = Vec::new();
    for i in 0..40 {
        let t = i as f32 / 40.0;
        points.push((-0.6 + 0.2 * t, 0.5 - 0.3 * t, 0));
        points.push((0.6 - 0.2 * t, -0.5 + 0.3 * t, 1));
    }
    DataSource::Painted { points, classes: 2 }
}

#[test]
fn painted_and_formula_data_round_trip_through_the_file() {
    for p in [
        with_source(painted_two_clusters(), "bce"),
        with_source(
            DataSource::Generated {
                generator: Generator::Formula {
                    expression: "y = sin(3x) + 0.1x^2".into(),
                    from: -2.0,
                    to: 2.0,
                },
                samples: 200,
                noise: 0.05,
            },
            "mse",
        ),
    ] {
        let text = neuroglass::project::to_string(&p).unwrap();
        let back = neuroglass::project::parse(&text, "saved").unwrap();
        assert_eq!(back, p, "{text}");
    }
    // A painted file written by hand, classes left out: two.
    let text = neuroglass::project::to_string(&with_source(painted_two_clusters(), "bce"))
        .unwrap()
        .replace("classes: 2,", "");
    let back = neuroglass::project::parse(&text, "hand").unwrap();
    assert!(matches!(
        back.data.source,
        DataSource::Painted { classes: 2, .. }
    ));
}

#[test]
fn hostile_painted_and_formula_settings_are_refused() {
    // Saving refuses them too, so the files are edited by hand.
    let p = with_source(
        DataSource::Painted {
            points: vec![(0.25, 0.5, 1), (-0.25, 0.5, 0)],
            classes: 2,
        },
        "bce",
    );
    let text = neuroglass::project::to_string(&p).unwrap();
    assert!(text.contains("(0.25, 0.5, 1)"), "{text}");
    let bad = text.replace("(0.25, 0.5, 1)", "(0.25, 0.5, 7)");
    let e = neuroglass::project::parse(&bad, "bad")
        .unwrap_err()
        .to_string();
    assert!(e.contains("painted point"), "{e}");
    let f = with_source(
        DataSource::Generated {
            generator: Generator::Formula {
                expression: "x".into(),
                from: -3.0,
                to: 3.0,
            },
            samples: 10,
            noise: 0.0,
        },
        "mse",
    );
    let text = neuroglass::project::to_string(&f).unwrap();
    assert!(text.contains("from: -3.0"), "{text}");
    let bad = text.replace("from: -3.0", "from: 5.0");
    let e = neuroglass::project::parse(&bad, "bad")
        .unwrap_err()
        .to_string();
    assert!(e.contains("range"), "{e}");
    let long = text.replace(
        "expression: \"x\"",
        &format!("expression: \"{}\"", "x+".repeat(300) + "x"),
    );
    let e = neuroglass::project::parse(&long, "bad")
        .unwrap_err()
        .to_string();
    assert!(e.contains("longer than"), "{e}");
}

#[test]
fn painted_points_and_formulas_train() {
    let painted = with_source(painted_two_clusters(), "bce");
    let s = train_headless(&painted, None).unwrap();
    assert!(!s.diverged);
    assert!(s.classification);
    assert!(s.val_metric >= 0.9, "{s:?}");
    let mut formula = with_source(
        DataSource::Generated {
            generator: Generator::Formula {
                expression: "0.5x + 0.2".into(),
                from: -1.0,
                to: 1.0,
            },
            samples: 300,
            noise: 0.01,
        },
        "mse",
    );
    formula.training.epochs = 60;
    let s = train_headless(&formula, None).unwrap();
    assert!(!s.classification);
    assert!(s.val_metric >= 0.9, "{s:?}");
    // A formula that names something unknown is a data error, said as such.
    let mut bad = formula.clone();
    bad.data.source = DataSource::Generated {
        generator: Generator::Formula {
            expression: "sin(3z)".into(),
            from: -1.0,
            to: 1.0,
        },
        samples: 10,
        noise: 0.0,
    };
    let e = train_headless(&bad, None).unwrap_err();
    assert!(e.contains("`z` is not known"), "{e}");
}
