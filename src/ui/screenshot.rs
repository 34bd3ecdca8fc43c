//! Pictures of the window: the `--train-steps N --screenshot FILE.png`
//! script, and File ▸ Export ▸ PNG of the window, the canvas or the curves.

use std::path::{Path, PathBuf};

use egui::{ColorImage, Rect};

/// What a requested screenshot is for.
#[derive(Clone, Debug, PartialEq)]
pub struct ShotRequest {
    /// Where the PNG goes.
    pub path: PathBuf,
    /// The part of the window to keep (points), or the whole window.
    pub crop: Option<Rect>,
    /// Leave the program once it is written (the script).
    pub then_quit: bool,
}

/// The scripted run: train some batches, take a picture, quit.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// Batches to train before the picture (0 = none).
    pub train_steps: u64,
    /// Where the picture goes.
    pub screenshot: PathBuf,
    /// Frames drawn since the condition was met (lets plots settle).
    pub settle: u32,
    /// The picture was asked for.
    pub requested: bool,
}

/// Saves an image as PNG atomically; `crop` is in points, `ppp` is pixels
/// per point.
///
/// # Errors
/// When the file cannot be written; the message names it.
pub fn save_png(
    path: &Path,
    image: &ColorImage,
    crop: Option<Rect>,
    ppp: f32,
) -> Result<(), String> {
    let [w, h] = image.size;
    let (x0, y0, x1, y1) = match crop {
        Some(r) => {
            let px = |v: f32, max: usize| ((v * ppp).round().max(0.0) as usize).min(max);
            (
                px(r.left(), w),
                px(r.top(), h),
                px(r.right(), w),
                px(r.bottom(), h),
            )
        }
        None => (0, 0, w, h),
    };
    if x1 <= x0 || y1 <= y0 {
        return Err("nothing to save: the area is empty".into());
    }
    let (cw, ch) = (x1 - x0, y1 - y0);
    let mut rgba = Vec::with_capacity(cw * ch * 4);
    for y in y0..y1 {
        for x in x0..x1 {
            rgba.extend_from_slice(&image.pixels[y * w + x].to_srgba_unmultiplied());
        }
    }
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, cw as u32, ch as u32);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&rgba).map_err(|e| e.to_string())?;
    }
    crate::project::save::write_atomic(path, &bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cropped_png_has_the_cropped_size() {
        let img = ColorImage::filled([40, 30], egui::Color32::RED);
        let dir = std::env::temp_dir().join(format!("ng-shot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.png");
        let r = Rect::from_min_max(egui::pos2(5.0, 5.0), egui::pos2(15.0, 10.0));
        save_png(&p, &img, Some(r), 2.0).unwrap();
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&p).unwrap()));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (20, 10));
        assert!(save_png(&p, &img, Some(Rect::NOTHING), 1.0).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
