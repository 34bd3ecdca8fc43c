//! `neuroglass edit`, `eval --weights --json --outputs` and `train
//! --weights` with a related network, as a user runs them: the spiral
//! trained, widened and given a new layer, with outputs that stay the
//! same and weights that carry over.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ng-edit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/spiral.ron"),
            dir.join("spiral.ron"),
        )
        .unwrap();
        Self { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_neuroglass"))
            .args(args)
            .current_dir(&self.dir)
            .env("NEUROGLASS_DATA_DIR", self.dir.join("data"))
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn eval(&self, project: &str, weights: &str) -> Value {
        let text = self.ok(&["eval", project, "--weights", weights, "--json", "--outputs"]);
        serde_json::from_str(text.trim()).unwrap()
    }

    /// Trains the spiral a little and returns its weights file.
    fn trained(&self) -> &'static str {
        self.ok(&[
            "train",
            "spiral.ron",
            "--epochs",
            "15",
            "--out",
            "out",
            "--no-record",
        ]);
        "out/spiral.safetensors"
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn outputs(v: &Value) -> Vec<Vec<f64>> {
    v["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("a row")
                .iter()
                .map(|x| x.as_f64().expect("a number"))
                .collect()
        })
        .collect()
}

#[test]
fn eval_outputs_lists_every_validation_sample() {
    let s = Sandbox::new("eval");
    let w = s.trained();
    let e = s.eval("spiral.ron", w);
    let out = outputs(&e);
    // 600 samples, 20 % for validation; two classes.
    assert_eq!(out.len(), 120);
    assert!(out.iter().all(|r| r.len() == 2));
    assert!(e["val_loss"].as_f64().is_some() && e["val_accuracy"].as_f64().is_some());
    // Without --outputs the key is absent.
    let plain: Value = serde_json::from_str(
        s.ok(&["eval", "spiral.ron", "--weights", w, "--json"])
            .trim(),
    )
    .unwrap();
    assert!(plain.get("outputs").is_none());
    assert_eq!(plain["val_loss"], e["val_loss"]);
}

#[test]
fn edit_widens_and_inserts_keeping_every_output() {
    let s = Sandbox::new("widen");
    let w = s.trained();
    let before = s.eval("spiral.ron", w);
    let text = s.ok(&[
        "edit",
        "spiral.ron",
        "--weights",
        w,
        "--widen",
        "hidden 1=48",
        "--insert-after",
        "relu 1=dense",
        "-o",
        "spiral2.ron",
        "--weights-out",
        "w2.safetensors",
    ]);
    assert_eq!(
        text.matches("function preserved").count(),
        2,
        "one line per edit: {text}"
    );
    assert!(text.contains("widen `hidden 1` 32 → 48"), "{text}");
    assert!(text.contains("set up as the identity"), "{text}");
    let after = s.eval("spiral2.ron", "w2.safetensors");
    let (a, b) = (outputs(&before), outputs(&after));
    let change = a
        .iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(change <= 1e-5, "largest output change {change}");
    assert_eq!(before["val_accuracy"], after["val_accuracy"]);
    // The edited project has the new layer.
    let p = neuroglass::project::load(&s.dir.join("spiral2.ron")).unwrap();
    assert!(p.graph.nodes().iter().any(|n| n.name == "dense 1"));

    // Outputs are never replaced without --force; with it they are.
    let again = [
        "edit",
        "spiral.ron",
        "--weights",
        w,
        "--remove",
        "relu 2",
        "-o",
        "spiral2.ron",
        "--weights-out",
        "w2.safetensors",
    ];
    let refused = s.run(&again);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    let mut forced = again.to_vec();
    forced.push("--force");
    let text = s.ok(&forced);
    assert!(
        text.contains("remove `relu 2`: loss"),
        "a removal that changes the function says the losses: {text}"
    );
}

#[test]
fn edit_refuses_what_does_not_fit_and_writes_nothing() {
    let s = Sandbox::new("refuse");
    let w = s.trained();
    for (args, says) in [
        (vec!["--widen", "nope=3"], "no node is called"),
        (vec!["--widen", "relu 1=3"], "no units to change"),
        (vec!["--insert-after", "relu 1=frobnicate"], "no layer kind"),
        (vec!["--remove", "hidden 1"], "shapes differ"),
        (vec!["--widen", "hidden 1=zero"], "whole number"),
    ] {
        let mut a = vec!["edit", "spiral.ron", "--weights", w];
        a.extend(args);
        a.extend(["-o", "x.ron", "--weights-out", "x.safetensors"]);
        let out = s.run(&a);
        assert_eq!(out.status.code(), Some(1), "{a:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{a:?}: {err}");
        assert!(!s.dir.join("x.ron").exists() && !s.dir.join("x.safetensors").exists());
    }
    // An output that is an input is refused.
    let out = s.run(&[
        "edit",
        "spiral.ron",
        "--weights",
        w,
        "--widen",
        "hidden 1=40",
        "-o",
        "spiral.ron",
        "--weights-out",
        "x.safetensors",
        "--force",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn train_from_a_related_networks_weights_reports_kept_grown_and_new() {
    let s = Sandbox::new("related");
    let w = s.trained();
    let before = s.eval("spiral.ron", w);
    // The related network: hidden 1 wider, a new Dense after relu 1.
    let mut p = neuroglass::project::load(&s.dir.join("spiral.ron")).unwrap();
    let edits = [
        neuroglass::surgery::Edit::Widen {
            node: "hidden 1".into(),
            units: 40,
        },
        neuroglass::surgery::Edit::InsertAfter {
            node: "relu 1".into(),
            kind: "dense".into(),
        },
    ];
    for e in &edits {
        let info = neuroglass::model::data_info(&p.data).unwrap();
        let a = neuroglass::model::analyze(&p.graph, Some(&info), &p.training);
        let (g, _) = neuroglass::surgery::edit::apply(&p.graph, e, |id| {
            a.nodes.get(&id).and_then(|n| n.out_shape.clone())
        })
        .unwrap();
        p.graph = g;
    }
    p.training.epochs = 1;
    neuroglass::project::save(&p, &s.dir.join("wider.ron")).unwrap();
    let text = s.ok(&[
        "train",
        "wider.ron",
        "--weights",
        w,
        "--no-record",
        "--out",
        "out2",
    ]);
    assert!(text.contains("2 layers kept, 1 grown, 1 new"), "{text}");
    assert!(
        text.contains("grown: #1 `hidden 1` (Dense): grown 32 → 40"),
        "{text}"
    );
    assert!(
        text.contains("new: #6 `dense 1` (Dense): new, set up as the identity"),
        "{text}"
    );
    // One epoch on from the carried weights: still about as accurate as
    // the network it came from (a fresh one is near chance).
    let trained = s.eval("wider.ron", "out2/wider.safetensors");
    let (a, b) = (
        before["val_accuracy"].as_f64().unwrap(),
        trained["val_accuracy"].as_f64().unwrap(),
    );
    assert!(
        b >= a - 0.1,
        "accuracy {a} before, {b} after one more epoch"
    );
}
