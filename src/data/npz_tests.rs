use std::io::Write;

use super::*;
use crate::data::npy::to_bytes;

const EOCD: u32 = 0x0605_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;

/// One member to put in a test archive.
struct Entry {
    name: &'static str,
    data: Vec<u8>,
    deflate: bool,
    /// Overrides of what the directory declares.
    declared_size: Option<u32>,
    crc: Option<u32>,
    flags: u16,
    method: Option<u16>,
}

fn entry(name: &'static str, data: Vec<u8>, deflate: bool) -> Entry {
    Entry {
        name,
        data,
        deflate,
        declared_size: None,
        crc: None,
        flags: 0,
        method: None,
    }
}

/// A ZIP archive of `entries` (local headers, data, central directory, end).
fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let stored = if e.deflate {
            let mut enc =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&e.data).unwrap();
            enc.finish().unwrap()
        } else {
            e.data.clone()
        };
        let method = e.method.unwrap_or(if e.deflate { 8 } else { 0 });
        let crc = e.crc.unwrap_or_else(|| crc32fast::hash(&e.data));
        let size = e.declared_size.unwrap_or(e.data.len() as u32);
        let offset = out.len() as u32;
        let mut head = Vec::new();
        head.extend_from_slice(&[20, 0]);
        head.extend_from_slice(&e.flags.to_le_bytes());
        head.extend_from_slice(&method.to_le_bytes());
        head.extend_from_slice(&[0; 4]);
        head.extend_from_slice(&crc.to_le_bytes());
        head.extend_from_slice(&(stored.len() as u32).to_le_bytes());
        head.extend_from_slice(&size.to_le_bytes());
        head.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        head.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&LOCAL.to_le_bytes());
        out.extend_from_slice(&head);
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&stored);
        central.extend_from_slice(&CENTRAL.to_le_bytes());
        central.extend_from_slice(&[20, 0]);
        central.extend_from_slice(&head);
        central.extend_from_slice(&[0; 10]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(e.name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&EOCD.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

fn xy() -> (Vec<u8>, Vec<u8>) {
    (
        to_bytes(&[3, 2], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        to_bytes(&[3], &[0.0, 1.0, 0.0]),
    )
}

fn err(bytes: &[u8]) -> String {
    parse_xy(bytes, "t.npz").unwrap_err().to_string()
}

#[test]
fn stored_and_deflated_members_read() {
    let (x, y) = xy();
    for deflate in [false, true] {
        let z = zip(&[
            entry("x.npy", x.clone(), deflate),
            entry("y.npy", y.clone(), deflate),
        ]);
        let (a, b) = parse_xy(&z, "t.npz").unwrap();
        assert_eq!(a.shape, vec![3, 2]);
        assert_eq!(a.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(b.values, vec![0.0, 1.0, 0.0]);
    }
}

#[test]
fn a_missing_or_doubled_array_is_named() {
    let (x, y) = xy();
    let e = err(&zip(&[
        entry("x.npy", x.clone(), false),
        entry("labels.npy", y.clone(), false),
    ]));
    assert!(
        e.contains("no array `y`") && e.contains("labels.npy"),
        "{e}"
    );
    let e = err(&zip(&[
        entry("x.npy", x.clone(), false),
        entry("y.npy", y.clone(), false),
        entry("y", y.clone(), false),
    ]));
    assert!(e.contains("`y` twice"), "{e}");
}

#[test]
fn path_tricks_are_not_taken_for_the_arrays() {
    let (x, y) = xy();
    for trick in ["../x.npy", "/x.npy", "dir/x.npy", "x.npy/"] {
        let z = zip(&[
            Entry {
                name: trick,
                ..entry("", x.clone(), false)
            },
            entry("y.npy", y.clone(), false),
        ]);
        assert!(err(&z).contains("no array `x`"), "{trick}");
    }
}

#[test]
fn a_zip_bomb_stops_at_its_declared_size() {
    // 64 MB of zeros deflate to ~64 KB; the directory says 1,000 bytes.
    let big = vec![0u8; 64 << 20];
    let (x, _) = xy();
    let z = zip(&[
        entry("x.npy", x, false),
        Entry {
            declared_size: Some(1000),
            ..entry("y.npy", big, true)
        },
    ]);
    assert!(z.len() < 1 << 20);
    let e = err(&z);
    assert!(e.contains("more than 1000"), "{e}");
}

#[test]
fn a_huge_declared_size_is_refused_before_inflating() {
    let (x, y) = xy();
    let z = zip(&[
        entry("x.npy", x, false),
        Entry {
            declared_size: Some(u32::MAX - 1),
            ..entry("y.npy", y, true)
        },
    ]);
    let e = err(&z);
    assert!(e.contains("the limit is"), "{e}");
}

#[test]
fn damaged_encrypted_and_unknown_archives_are_refused() {
    let (x, y) = xy();
    let good = zip(&[
        entry("x.npy", x.clone(), true),
        entry("y.npy", y.clone(), true),
    ]);
    // Cut anywhere: never a panic, always an error.
    for cut in (0..good.len()).step_by(7) {
        assert!(parse_xy(&good[..cut], "t.npz").is_err(), "cut at {cut}");
    }
    // A flipped byte inside the deflated data: corrupt or a CRC mismatch.
    let mut flipped = good.clone();
    flipped[40] ^= 0x55;
    assert!(parse_xy(&flipped, "t.npz").is_err());
    let e = err(&zip(&[
        Entry {
            crc: Some(1),
            ..entry("x.npy", x.clone(), false)
        },
        entry("y.npy", y.clone(), false),
    ]));
    assert!(e.contains("CRC"), "{e}");
    let e = err(&zip(&[
        Entry {
            flags: 1,
            ..entry("x.npy", x.clone(), false)
        },
        entry("y.npy", y.clone(), false),
    ]));
    assert!(e.contains("encrypted"), "{e}");
    let e = err(&zip(&[
        Entry {
            method: Some(14),
            ..entry("x.npy", x.clone(), false)
        },
        entry("y.npy", y.clone(), false),
    ]));
    assert!(e.contains("method 14"), "{e}");
    assert!(err(b"PK\x03\x04 not really").contains("not a NumPy .npz"));
    assert!(err(&x).contains("not a NumPy .npz"));
}

#[test]
fn a_directory_pointing_outside_the_file_is_refused() {
    let (x, y) = xy();
    let mut z = zip(&[entry("x.npy", x, false), entry("y.npy", y, false)]);
    let n = z.len();
    // The directory's offset in the end record.
    z[n - 6..n - 2].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = err(&z);
    assert!(e.contains("not a NumPy .npz"), "{e}");
}
