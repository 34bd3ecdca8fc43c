//! Hostile files in the window: a refusal is a message in the status bar,
//! the window keeps running and the open document is unchanged — for
//! project files (binary, cut short, nested too deep, a FIFO, a folder, a
//! newer version), a CSV with a cell that would be misread chosen as the
//! data, and saved weights holding NaN.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;
use neuroglass::ui::document::DataState;
use neuroglass::ui::run::RunState;

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
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}: {:?}",
            h.state().message
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ng-ui-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn example(name: &str) -> &'static str {
    neuroglass::ui::document::BUNDLED
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap()
        .1
}

/// Hostile project files, generated from an example: each is refused with
/// a message naming the file, and the open project stays as it was.
#[test]
fn hostile_project_files_are_refused_with_a_message() {
    let dir = temp("open");
    let good = example("xor.ron");
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        files.push((name.to_string(), p));
    };
    add("binary.ron", vec![0, 159, 146, 150, 0, 1, 2]);
    add("empty.ron", Vec::new());
    for cut in [1, 10, good.len() / 3, good.len() / 2, good.len() - 3] {
        add(&format!("cut{cut}.ron"), good.as_bytes()[..cut].to_vec());
    }
    add(
        "nested.ron",
        format!("{}{}", "(".repeat(5000), ")".repeat(5000)).into_bytes(),
    );
    add(
        "newer.ron",
        good.replacen("version: 1", "version: 99", 1).into_bytes(),
    );
    // Latin-1 text: a byte that is not UTF-8 in the project's name.
    add(
        "latin1.ron",
        good.replacen("XOR", "X\u{ff}R", 1)
            .into_bytes()
            .into_iter()
            .filter(|&b| b != 0xc3)
            .collect(),
    );
    let folder = dir.join("folder.ron");
    std::fs::create_dir_all(&folder).unwrap();
    files.push(("folder.ron".into(), folder));
    #[cfg(unix)]
    {
        let fifo = dir.join("fifo.ron");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if made {
            files.push(("fifo.ron".into(), fifo));
        }
        if Path::new("/dev/zero").exists() {
            files.push(("/dev/zero".into(), PathBuf::from("/dev/zero")));
        }
    }
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::OpenBundled("iris.ron"));
    h.step();
    let before = h.state().doc.project.clone();
    let mut tried = 0;
    for (name, path) in &files {
        let t = Instant::now();
        h.state_mut().apply(Command::Open(path.clone()));
        h.step();
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{name} took too long"
        );
        let m = h.state().message.clone().unwrap_or_default();
        assert!(
            m.contains("the open project is unchanged"),
            "{name}: message {m:?}"
        );
        assert_eq!(h.state().doc.project, before, "{name} changed the document");
        assert_eq!(h.state().doc.path, None, "{name}");
        tried += 1;
    }
    println!("window, hostile project files: {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A CSV with a cell that would be misread, chosen as the data: the data
/// state says which file, line and column; the graph is unchanged.
#[test]
fn a_csv_with_a_bad_cell_is_refused_with_its_line_and_column() {
    let dir = temp("csv");
    let mut h = harness(NeuroglassApp::new(None));
    h.state_mut().apply(Command::OpenBundled("iris.ron"));
    h.step();
    let graph = h.state().doc.project.graph.clone();
    let mut tried = 0;
    for (i, cell) in ["NaN", "inf", "1e400", "0x10", "-3.5e38"]
        .iter()
        .enumerate()
    {
        let csv = dir.join(format!("bad{i}.csv"));
        let mut text = String::from("a,b,label\n");
        for r in 0..30 {
            let b = if r == 7 {
                (*cell).to_string()
            } else {
                format!("{}", r % 5)
            };
            text.push_str(&format!("{r},{b},{}\n", if r % 2 == 0 { "x" } else { "y" }));
        }
        std::fs::write(&csv, text).unwrap();
        h.state_mut().apply(Command::UseCsv(csv.clone()));
        let name = format!("bad{i}.csv");
        until(
            &mut h,
            "the refusal",
            |a| matches!(&a.doc.data_state, DataState::Failed(m) if m.contains(&name)),
        );
        match &h.state().doc.data_state {
            DataState::Failed(m) => {
                assert!(
                    m.contains("line 9, column `b`") && m.contains(&format!("bad{i}.csv")),
                    "{cell}: {m}"
                );
            }
            s => panic!("{cell}: {s:?}"),
        }
        assert_eq!(h.state().doc.project.graph, graph);
        // The window still draws and answers.
        h.step();
        tried += 1;
    }
    println!("window, CSV cells: {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Saved weights holding NaN beside a project: training from them is
/// refused with the tensor's name; the project and its file are unchanged.
#[test]
fn saved_weights_with_nan_are_refused_with_the_tensor_name() {
    let dir = temp("weights");
    let path = dir.join("xor.ron");
    std::fs::write(&path, example("xor.ron")).unwrap();
    // Weights as the window saves them, then one value made NaN.
    let project = neuroglass::project::load(&path).unwrap();
    let info = neuroglass::model::data_info(&project.data).unwrap();
    let analysis = neuroglass::model::analyze(&project.graph, Some(&info), &project.training);
    let net = neuroglass::model::compile::compile::<f32>(
        &project.graph,
        &analysis,
        &info,
        &project.training,
        1,
    )
    .unwrap();
    let state = net.network.state_dict();
    let weights = neuroglass::project::weights::weights_path_for(&path);
    let mut bytes = neuroglass::project::weights::weights_bytes(&weights, &state).unwrap();
    // The last four bytes are the last value of one of the tensors.
    let n = bytes.len();
    bytes[n - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
    std::fs::write(&weights, &bytes).unwrap();
    let file_before = std::fs::read(&path).unwrap();
    let mut h = harness(NeuroglassApp::new(Some(path.clone())));
    let before = h.state().doc.project.clone();
    assert!(h.state().controls.use_saved_weights);
    h.state_mut().apply(Command::Train);
    until(&mut h, "the refusal", |a| {
        matches!(a.run.state, RunState::Failed(_))
    });
    let RunState::Failed(m) = h.state().run.state.clone() else {
        unreachable!()
    };
    assert!(m.contains("NaN"), "{m}");
    assert!(state.iter().any(|(name, ..)| m.contains(name)), "{m}");
    assert_eq!(h.state().doc.project, before);
    assert_eq!(std::fs::read(&path).unwrap(), file_before);
    h.step();
    println!("window, weights with NaN: 1 input");
    let _ = std::fs::remove_dir_all(&dir);
}
