//! Image folders as data: a folder with one subfolder per class, each of
//! PNG, JPEG or BMP images. Every image is resized to one size (given, or
//! the first image's) and made grey or colour (given, or colour when any
//! image is), values 0…1, samples `[channels, height, width]`. Classes are
//! the subfolders in name order, images in name order within them, so the
//! same folder always gives the same data set.
//!
//! Guards: every file is opened through [`super::file::open_regular`]
//! (regular files only, at most [`MAX_IMAGE_FILE_BYTES`]); decoding is
//! limited to [`MAX_DECODED_SIDE`] pixels a side; the whole set, as the
//! network will hold it, must fit in [`MAX_SET_BYTES`] (the `.npy` and IDX
//! limit), checked before any image is decoded.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::file::{human, open_regular};
use super::{DataError, Dataset, Target};

/// Largest image file read.
pub const MAX_IMAGE_FILE_BYTES: u64 = 64 << 20;
/// Largest width or height decoded.
pub const MAX_DECODED_SIDE: u32 = 16_384;
/// Largest width or height a set is resized to.
pub const MAX_SIDE: usize = 1024;
/// Largest data set in memory (4 bytes a value), as for `.npy` files.
pub const MAX_SET_BYTES: u64 = super::npy::MAX_NPY_BYTES;
/// Most classes (subfolders).
pub const MAX_CLASSES: usize = 1000;
/// The file name endings read as images.
pub const EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "bmp"];

/// How the images become samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImageOptions {
    /// `[width, height]` to resize to; `None`: the first image's size.
    pub size: Option<[usize; 2]>,
    /// 1 (grey) or 3 (colour); `None`: colour when any image is colour.
    pub channels: Option<usize>,
}

/// The classes (subfolder names) and each class's image files, in order.
///
/// # Errors
/// [`DataError`] when the path is not a folder, a class folder cannot be
/// listed, there are fewer than two classes or a class has no images.
pub fn list(dir: &Path) -> Result<Vec<(String, Vec<PathBuf>)>, DataError> {
    let name = dir.display().to_string();
    let io = |source| DataError::Io {
        path: name.clone(),
        source,
    };
    let meta = std::fs::metadata(dir).map_err(io)?;
    if !meta.is_dir() {
        return Err(DataError::Format {
            path: name,
            message: "this is not a folder; give a folder with one subfolder of images per class"
                .into(),
        });
    }
    let mut classes = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        classes.push((file_name, entry.path()));
    }
    classes.sort();
    if classes.len() < 2 {
        return Err(DataError::Format {
            path: name,
            message: format!(
                "{} class folder{} found; an image data set needs one subfolder of images per class, at least two",
                classes.len(),
                if classes.len() == 1 { "" } else { "s" }
            ),
        });
    }
    if classes.len() > MAX_CLASSES {
        return Err(DataError::Format {
            path: name,
            message: format!(
                "{} class folders; the limit is {MAX_CLASSES}",
                classes.len()
            ),
        });
    }
    let mut out = Vec::with_capacity(classes.len());
    for (class, path) in classes {
        let cname = path.display().to_string();
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&path).map_err(|source| DataError::Io {
            path: cname.clone(),
            source,
        })? {
            let entry = entry.map_err(|source| DataError::Io {
                path: cname.clone(),
                source,
            })?;
            let p = entry.path();
            let ext = p
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if !hidden && EXTENSIONS.contains(&ext.as_str()) {
                files.push(p);
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(DataError::Format {
                path: cname,
                message: "this class folder has no PNG, JPEG or BMP images".into(),
            });
        }
        out.push((class, files));
    }
    Ok(out)
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, DataError> {
    let (mut r, len) = open_regular(path, MAX_IMAGE_FILE_BYTES)?;
    let mut bytes = Vec::with_capacity(len as usize);
    r.read_to_end(&mut bytes).map_err(|source| DataError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(bytes)
}

fn reader(bytes: &[u8]) -> std::io::Result<image::ImageReader<std::io::Cursor<&[u8]>>> {
    let mut r = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(256 << 20);
    r.limits(limits);
    Ok(r)
}

fn not_image(path: &Path, e: impl std::fmt::Display) -> DataError {
    DataError::Format {
        path: path.display().to_string(),
        message: format!("not a readable PNG, JPEG or BMP image ({e})"),
    }
}

/// One image resized to `[w, h]`, as RGB values 0…1 (channel-major), and
/// whether it had colour.
fn decode(path: &Path, w: usize, h: usize) -> Result<(Vec<f32>, bool), DataError> {
    let bytes = read_bytes(path)?;
    let img = reader(&bytes)
        .map_err(|e| not_image(path, e))?
        .decode()
        .map_err(|e| not_image(path, e))?;
    let colour = img.color().has_color();
    let rgb = img
        .resize_exact(w as u32, h as u32, image::imageops::FilterType::Triangle)
        .into_rgb8();
    let mut out = vec![0.0f32; 3 * w * h];
    for (i, p) in rgb.pixels().enumerate() {
        for c in 0..3 {
            out[c * w * h + i] = f32::from(p.0[c]) / 255.0;
        }
    }
    Ok((out, colour))
}

/// Loads an image folder as a classification data set.
///
/// # Errors
/// [`DataError`] as [`list`]; an image that cannot be read or decoded
/// (named); a size or channel count out of range; a set larger than
/// [`MAX_SET_BYTES`].
pub fn load(dir: &Path, opts: &ImageOptions) -> Result<Dataset, DataError> {
    let name = dir.display().to_string();
    let classes = list(dir)?;
    let files: Vec<(u32, &PathBuf)> = classes
        .iter()
        .enumerate()
        .flat_map(|(c, (_, fs))| fs.iter().map(move |f| (c as u32, f)))
        .collect();
    let [w, h] = match opts.size {
        Some(s) => s,
        None => {
            let Some(&(_, first)) = files.first() else {
                return Err(DataError::Format {
                    path: name,
                    message: "the folder has no images".into(),
                });
            };
            let bytes = read_bytes(first)?;
            let (w, h) = reader(&bytes)
                .map_err(|e| not_image(first, e))?
                .into_dimensions()
                .map_err(|e| not_image(first, e))?;
            [w as usize, h as usize]
        }
    };
    if !(1..=MAX_SIDE).contains(&w) || !(1..=MAX_SIDE).contains(&h) {
        return Err(DataError::Settings(format!(
            "images are resized to {w}×{h}; each side must be from 1 to {MAX_SIDE} (set the image size in the data settings)"
        )));
    }
    if let Some(c) = opts.channels
        && c != 1
        && c != 3
    {
        return Err(DataError::Settings(format!(
            "{c} channels; images are 1 (grey) or 3 (colour)"
        )));
    }
    // What the set takes as the network holds it (colour, the most).
    let channels_bound = opts.channels.unwrap_or(3) as u64;
    let need = (files.len() as u64)
        .saturating_mul(channels_bound * w as u64 * h as u64)
        .saturating_mul(4);
    if need > MAX_SET_BYTES {
        return Err(DataError::Format {
            path: name,
            message: format!(
                "{} images at {w}×{h} would take {} in memory; the limit is {} — choose a smaller image size or fewer images",
                files.len(),
                human(need),
                human(MAX_SET_BYTES)
            ),
        });
    }
    let decoded: Vec<(Vec<f32>, bool)> = files
        .par_iter()
        .map(|(_, f)| decode(f, w, h))
        .collect::<Result<_, _>>()?;
    let channels = opts
        .channels
        .unwrap_or(if decoded.iter().any(|d| d.1) { 3 } else { 1 });
    let per = channels * w * h;
    let mut x = ndarray::Array2::<f32>::zeros((files.len(), per));
    for (mut row, (rgb, _)) in x.rows_mut().into_iter().zip(&decoded) {
        if channels == 3 {
            row.iter_mut().zip(rgb).for_each(|(d, s)| *d = *s);
        } else {
            // ITU-R BT.601 luma, as `image`'s own grey conversion.
            let n = w * h;
            for (i, d) in row.iter_mut().enumerate() {
                *d = 0.299 * rgb[i] + 0.587 * rgb[n + i] + 0.114 * rgb[2 * n + i];
            }
        }
    }
    let set_name = dir
        .file_name()
        .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
    Ok(Dataset {
        name: set_name,
        x,
        target: Target::Classes {
            labels: files.iter().map(|(c, _)| *c).collect(),
            names: classes.into_iter().map(|(n, _)| n).collect(),
        },
        input_shape: vec![channels, h, w],
        feature_names: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ng-images-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn grey_and_colour_images_of_mixed_sizes_load_in_order() {
        let d = temp("mixed");
        std::fs::create_dir_all(d.join("b")).unwrap();
        std::fs::create_dir_all(d.join("a")).unwrap();
        image::GrayImage::from_pixel(4, 2, image::Luma([255]))
            .save(d.join("a/1.png"))
            .unwrap();
        image::GrayImage::from_pixel(8, 4, image::Luma([0]))
            .save(d.join("a/2.bmp"))
            .unwrap();
        std::fs::write(d.join("a/notes.txt"), "not an image").unwrap();
        image::RgbImage::from_pixel(4, 2, image::Rgb([255, 0, 0]))
            .save(d.join("b/1.jpg"))
            .unwrap();
        let set = load(&d, &ImageOptions::default()).unwrap();
        assert_eq!(set.input_shape, vec![3, 2, 4]);
        assert_eq!(
            set.target,
            Target::Classes {
                labels: vec![0, 0, 1],
                names: vec!["a".into(), "b".into()]
            }
        );
        assert!((set.x[[0, 0]] - 1.0).abs() < 1e-6);
        assert!(set.x[[1, 0]].abs() < 1e-6);
        // The red JPEG: red high, green and blue low.
        assert!(set.x[[2, 0]] > 0.9 && set.x[[2, 8]] < 0.1 && set.x[[2, 16]] < 0.1);
        let grey = load(
            &d,
            &ImageOptions {
                size: Some([3, 3]),
                channels: Some(1),
            },
        )
        .unwrap();
        assert_eq!(grey.input_shape, vec![1, 3, 3]);
        assert!((grey.x[[2, 4]] - 0.299).abs() < 0.03, "{}", grey.x[[2, 4]]);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn bad_folders_and_images_are_refused_by_name() {
        let d = temp("bad");
        let e = load(&d, &ImageOptions::default()).unwrap_err().to_string();
        assert!(e.contains("0 class folders"), "{e}");
        std::fs::create_dir_all(d.join("a")).unwrap();
        std::fs::create_dir_all(d.join("b")).unwrap();
        image::GrayImage::new(2, 2).save(d.join("a/x.png")).unwrap();
        let e = load(&d, &ImageOptions::default()).unwrap_err().to_string();
        assert!(e.contains("no PNG, JPEG or BMP") && e.contains('b'), "{e}");
        std::fs::write(d.join("b/broken.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
        let e = load(&d, &ImageOptions::default()).unwrap_err().to_string();
        assert!(
            e.contains("broken.png") && e.contains("not a readable"),
            "{e}"
        );
        std::fs::remove_file(d.join("b/broken.png")).unwrap();
        image::GrayImage::new(2, 2).save(d.join("b/y.png")).unwrap();
        let big = ImageOptions {
            size: Some([MAX_SIDE, MAX_SIDE]),
            channels: None,
        };
        assert!(load(&d, &big).is_ok());
        let e = load(
            &d,
            &ImageOptions {
                size: Some([MAX_SIDE + 1, 2]),
                channels: None,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("from 1 to"), "{e}");
        let e = load(
            &d,
            &ImageOptions {
                size: None,
                channels: Some(2),
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("2 channels"), "{e}");
        let e = load(&d.join("a/x.png"), &ImageOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a folder"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[cfg(unix)]
    #[test]
    fn devices_pipes_and_links_to_them_are_refused_not_read() {
        let d = temp("devices");
        for c in ["a", "b"] {
            std::fs::create_dir_all(d.join(c)).unwrap();
            image::GrayImage::new(2, 2)
                .save(d.join(c).join("ok.png"))
                .unwrap();
        }
        std::os::unix::fs::symlink("/dev/zero", d.join("b/zero.png")).unwrap();
        let e = load(&d, &ImageOptions::default()).unwrap_err().to_string();
        assert!(e.contains("zero.png") && e.contains("a device"), "{e}");
        std::fs::remove_file(d.join("b/zero.png")).unwrap();
        let fifo = d.join("a/pipe.png");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = load(&d, &ImageOptions::default()).unwrap_err().to_string();
            assert!(e.contains("pipe.png") && e.contains("named pipe"), "{e}");
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_set_past_the_memory_limit_is_refused_before_decoding() {
        let d = temp("memory");
        for c in ["a", "b"] {
            std::fs::create_dir_all(d.join(c)).unwrap();
            // Not even valid images: the size check comes first.
            for i in 0..150 {
                std::fs::write(d.join(format!("{c}/{i}.png")), b"x").unwrap();
            }
        }
        let e = load(
            &d,
            &ImageOptions {
                size: Some([MAX_SIDE, MAX_SIDE]),
                channels: Some(3),
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("would take") && e.contains("the limit is"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
