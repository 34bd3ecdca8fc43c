//! Parsers for the command line's values (window size, layout, view,
//! bounded numbers, byte sizes), each with a message that says what to write.

/// Smallest and largest window sides `--size` accepts.
pub const SIZE_RANGE: (u32, u32) = (320, 8192);

/// A window size `WIDTHxHEIGHT` (`--size`), each side within [`SIZE_RANGE`].
///
/// # Errors
/// A message saying what is wrong and how to write it.
pub fn parse_size(s: &str) -> Result<[f32; 2], String> {
    let bad = || format!("`{s}` is not a size; write WIDTHxHEIGHT, e.g. 1280x720");
    let (w, h) = s.trim().split_once(['x', 'X', '×']).ok_or_else(bad)?;
    let side = |v: &str| -> Result<u32, String> {
        let n: u32 = v.trim().parse().map_err(|_| bad())?;
        if (SIZE_RANGE.0..=SIZE_RANGE.1).contains(&n) {
            Ok(n)
        } else {
            Err(format!(
                "{n} is outside {} to {} (in `{s}`)",
                SIZE_RANGE.0, SIZE_RANGE.1
            ))
        }
    };
    Ok([side(w)? as f32, side(h)? as f32])
}

/// A layout by name (`--layout`).
///
/// # Errors
/// A message listing the layouts.
pub fn parse_layout(s: &str) -> Result<crate::ui::layout::Layout, String> {
    crate::ui::layout::Layout::from_name(s)
        .ok_or_else(|| format!("no layout {s:?}; use build, watch or compare"))
}

/// A view by name (`--view`).
///
/// # Errors
/// A message listing the views.
pub fn parse_view(s: &str) -> Result<crate::ui::views::ViewTab, String> {
    crate::ui::views::ViewTab::from_name(s).ok_or_else(|| {
        format!("no view {s:?}; use curves, boundary, neurons, weights, gradient-flow, confusion, gallery or convolution")
    })
}

/// A whole number from `MIN` to `MAX`.
///
/// # Errors
/// A message with the range.
pub fn bounded_usize<const MIN: usize, const MAX: usize>(s: &str) -> Result<usize, String> {
    let v: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number from {MIN} to {MAX}"))?;
    if (MIN..=MAX).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is outside {MIN} to {MAX}"))
    }
}

/// Bytes, optionally with K, M or G (powers of 1024): `512M`, `2G`.
///
/// # Errors
/// A message with the accepted range.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mul) = match t.char_indices().last() {
        Some((i, 'K' | 'k')) => (&t[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&t[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mul))
        .filter(|&b| (1 << 20..=1 << 50).contains(&b))
        .ok_or_else(|| format!("`{s}` is not a size from 1M to 1048576G (e.g. 512M or 2G)"))
}
