//! `neuroglass check` on every example, on a broken graph and on a broken file.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_neuroglass"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp(name: &str, text: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("neuroglass-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn every_example_checks_clean() {
    for e in std::fs::read_dir(root().join("projects")).unwrap() {
        let p = e.unwrap().path();
        // Only project files: the window records runs beside a project it
        // opened (`NAME.runs/`), also beside a bundled example.
        if p.extension().is_none_or(|x| x != "ron") {
            continue;
        }
        let out = bin().arg("check").arg(&p).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {stdout}{}",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("total:") && stdout.contains("no problems"),
            "{stdout}"
        );
    }
}

#[test]
fn a_graph_with_problems_exits_1_and_names_the_node() {
    let text = std::fs::read_to_string(root().join("projects/mnist_cnn.ron"))
        .unwrap()
        .replace(
            r#"(id: 7, name: "flatten", kind: Flatten"#,
            r#"(id: 7, name: "flatten", kind: Dropout(rate: 0.5)"#,
        );
    let p = temp("noflatten.ron", &text);
    let out = bin().arg("check").arg(&p).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error: node #8 `output` (Dense): Dense expects a flat input but gets 16×7×7 — fix: insert a Flatten before it"),
        "{stdout}"
    );
    let json = bin().args(["check", "--json"]).arg(&p).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["total_params"].as_u64(), Some(80 + 1168));
}

#[test]
fn an_unreadable_file_exits_2_with_line_and_column() {
    let p = temp(
        "broken.ron",
        "(\n  version: 1,\n  graph: (nodes: [(id: 0 layer: Input)]),\n)\n",
    );
    let out = bin().arg("check").arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("{}:3:", p.display())),
        "{stderr}"
    );
    let out = bin()
        .args(["check", "/nonexistent/x.ron"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(Path::new(env!("CARGO_BIN_EXE_neuroglass")).exists());
}
