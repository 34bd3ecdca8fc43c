//! Atomic save, the recovery file and the weights file.

mod project_support;

use neuroglass::project::{self, ProjectError};
use project_support::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn failed_save_keeps_the_previous_file() {
    let dir = temp_dir("save-fail");
    let path = dir.join("keep.ron");
    let good = small_project();
    project::save(&good, &path).unwrap();
    let before = std::fs::read(&path).unwrap();

    // A project that would not load back is refused before touching the file.
    let mut bad = good.clone();
    let id = bad.graph.nodes()[0].id;
    bad.graph.node_mut(id).unwrap().pos = [f32::NAN, 0.0];
    let e = project::save(&bad, &path).unwrap_err();
    assert!(matches!(e, ProjectError::Invalid { .. }), "{e:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // The temporary file cannot be created (a directory is in its way):
    // fails even for root, and the old file is intact.
    let tmp = dir.join(format!(".keep.ron.{}.tmp", std::process::id()));
    std::fs::create_dir(&tmp).unwrap();
    std::fs::write(tmp.join("x"), b"x").unwrap();
    let e = project::save(&rich_project(0), &path).unwrap_err();
    assert!(matches!(e, ProjectError::Io { .. }), "{e:?}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(project::load(&path).unwrap(), good);
    std::fs::remove_dir_all(&tmp).unwrap();

    // Now it works, and replaces the file.
    project::save(&rich_project(0), &path).unwrap();
    assert_eq!(project::load(&path).unwrap(), rich_project(0));
}

#[test]
fn save_to_impossible_paths_is_an_error() {
    let dir = temp_dir("save-impossible");
    let file = dir.join("plain.txt");
    std::fs::write(&file, b"not a directory").unwrap();
    let e = project::save(&small_project(), &file.join("p.ron")).unwrap_err();
    assert!(matches!(e, ProjectError::Io { .. }), "{e:?}");
    assert_eq!(std::fs::read(&file).unwrap(), b"not a directory");

    let sub = dir.join("sub.ron");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("inside"), b"kept").unwrap();
    let e = project::save(&small_project(), &sub).unwrap_err();
    assert!(matches!(e, ProjectError::Io { .. }), "{e:?}");
    assert_eq!(std::fs::read(sub.join("inside")).unwrap(), b"kept");

    let e = project::write_atomic(std::path::Path::new("/"), b"x").unwrap_err();
    assert!(matches!(e, ProjectError::Io { .. }), "{e:?}");
    // Nothing left behind.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn write_atomic_replaces_whole_contents() {
    let dir = temp_dir("atomic");
    let path = dir.join("f.bin");
    project::write_atomic(&path, &[1u8; 10_000]).unwrap();
    project::write_atomic(&path, b"short").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"short");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn recovery_file_write_find_discard() {
    let dir = temp_dir("recovery");
    let path = dir.join("net.ron");
    let rec_path = project::recovery_path(Some(&path)).unwrap();
    assert_eq!(rec_path, dir.join("net.recovery.ron"));
    assert_eq!(project::find_recovery(Some(&path)), None);

    let saved = small_project();
    project::save(&saved, &path).unwrap();
    let mut edited = saved.clone();
    edited.name = "edited, unsaved".into();
    let written = project::write_recovery(&edited, Some(&path)).unwrap();
    assert_eq!(written, rec_path);
    // Make the project file clearly older than the recovery file.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let found = project::find_recovery(Some(&path)).unwrap();
    assert_eq!(project::load(&found).unwrap(), edited);

    // A recovery file older than the project file is not offered.
    let older = old - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&rec_path)
        .unwrap()
        .set_modified(older)
        .unwrap();
    assert_eq!(project::find_recovery(Some(&path)), None);

    project::discard_recovery(Some(&path)).unwrap();
    assert!(!rec_path.exists());
    project::discard_recovery(Some(&path)).unwrap(); // twice is fine
    assert_eq!(project::load(&path).unwrap(), saved);
}

#[test]
fn recovery_of_an_unsaved_project_goes_to_the_user_data_dir() {
    let dir = temp_dir("recovery-unsaved");
    // Only this test in this binary reads the environment.
    unsafe {
        std::env::remove_var(neuroglass::project::paths::DATA_DIR_ENV);
        std::env::set_var("XDG_DATA_HOME", &dir);
    }
    let want = dir.join("neuroglass/recovery/untitled.recovery.ron");
    assert_eq!(project::recovery_path(None), Some(want.clone()));
    assert_eq!(project::find_recovery(None), None);
    let p = small_project();
    assert_eq!(project::write_recovery(&p, None).unwrap(), want);
    assert_eq!(project::find_recovery(None), Some(want.clone()));
    assert_eq!(project::load(&want).unwrap(), p);
    project::discard_recovery(None).unwrap();
    assert_eq!(project::find_recovery(None), None);
}

fn sample_tensors() -> Vec<project::NamedTensor> {
    vec![
        (
            "0.weight".into(),
            vec![3, 2],
            vec![1.0, -2.0, 3.5, 0.0, f32::MIN_POSITIVE, 1e30],
        ),
        ("0.bias".into(), vec![3], vec![0.1, 0.2, 0.3]),
        ("scalar".into(), vec![], vec![7.0]),
        ("empty".into(), vec![0, 4], vec![]),
    ]
}

#[test]
fn weights_round_trip() {
    let dir = temp_dir("weights");
    let path = project::weights_path_for(&dir.join("net.ron"));
    assert_eq!(path, dir.join("net.safetensors"));
    let t = sample_tensors();
    project::save_weights(&path, &t).unwrap();
    let mut want = t.clone();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(project::load_weights(&path).unwrap(), want);
    // Deterministic bytes.
    let a = std::fs::read(&path).unwrap();
    project::save_weights(&path, &t).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), a);
    // Little-endian F32 in the header, as PyTorch expects.
    let header = String::from_utf8_lossy(&a[8..]);
    assert!(header.contains("\"dtype\":\"F32\""), "{header}");
}

#[test]
fn bad_tensors_are_refused_on_save() {
    let dir = temp_dir("weights-bad-save");
    let path = dir.join("w.safetensors");
    let mismatch = vec![("w".to_string(), vec![2, 2], vec![1.0f32; 3])];
    assert!(matches!(
        project::save_weights(&path, &mismatch).unwrap_err(),
        ProjectError::Weights { .. }
    ));
    let dup = vec![
        ("w".to_string(), vec![1], vec![1.0f32]),
        ("w".to_string(), vec![1], vec![2.0f32]),
    ];
    assert!(project::save_weights(&path, &dup).is_err());
    let overflow = vec![("w".to_string(), vec![usize::MAX, 3], vec![])];
    assert!(project::save_weights(&path, &overflow).is_err());
    assert!(!path.exists());
}

#[test]
fn hostile_weights_files_are_refused() {
    let dir = temp_dir("weights-hostile");
    let good = dir.join("good.safetensors");
    project::save_weights(&good, &sample_tensors()).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let path = dir.join("bad.safetensors");
    // Every truncation.
    for cut in 0..bytes.len() {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        assert!(project::load_weights(&path).is_err(), "cut at {cut}");
    }
    // Random bytes, and a header claiming to be enormous.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..200 {
        let n = rng.random_range(0..600);
        let b: Vec<u8> = (0..n).map(|_| rng.random()).collect();
        std::fs::write(&path, &b).unwrap();
        assert!(project::load_weights(&path).is_err());
    }
    let mut huge = u64::MAX.to_le_bytes().to_vec();
    huge.extend_from_slice(b"{}");
    std::fs::write(&path, &huge).unwrap();
    assert!(project::load_weights(&path).is_err());
    // Random single-byte corruptions never panic.
    for _ in 0..300 {
        let mut m = bytes.clone();
        let i = rng.random_range(0..m.len());
        m[i] = rng.random();
        std::fs::write(&path, &m).unwrap();
        let _ = project::load_weights(&path);
    }
    // A valid file of another dtype.
    let header = br#"{"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#;
    let mut f64file = (header.len() as u64).to_le_bytes().to_vec();
    f64file.extend_from_slice(header);
    f64file.extend_from_slice(&1.0f64.to_le_bytes());
    std::fs::write(&path, &f64file).unwrap();
    let e = project::load_weights(&path).unwrap_err();
    assert!(e.to_string().contains("F32"), "{e}");
    // Too large, by size before reading.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(project::weights::MAX_WEIGHTS_BYTES + 1).unwrap();
    assert!(matches!(
        project::load_weights(&path).unwrap_err(),
        ProjectError::TooLarge { .. }
    ));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn failed_weights_save_keeps_previous_file() {
    let dir = temp_dir("weights-keep");
    let path = dir.join("w.safetensors");
    project::save_weights(&path, &sample_tensors()).unwrap();
    let before = std::fs::read(&path).unwrap();
    let bad = vec![("w".to_string(), vec![5], vec![1.0f32])];
    assert!(project::save_weights(&path, &bad).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
}
