//! Number formatting shared by the command line and the window: counts
//! with thousands separators, FLOPs, and measured values with significant
//! digits — a value that is not zero never prints as "0.000".

/// Formats `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats a FLOP count as `1.2 MFLOPs`.
pub fn flops(n: u64) -> String {
    let f = n as f64;
    if f >= 1e9 {
        format!("{:.2} GFLOPs", f / 1e9)
    } else if f >= 1e6 {
        format!("{:.2} MFLOPs", f / 1e6)
    } else if f >= 1e3 {
        format!("{:.1} kFLOPs", f / 1e3)
    } else {
        format!("{n} FLOPs")
    }
}

/// `v` with `digits` significant digits (at least 1): plain notation from
/// 0.001 to a million, scientific outside it (`3.2e-7`), `0` only for
/// zero itself, `NaN`, `∞` and `-∞` for the others.
pub fn sig(v: f64, digits: usize) -> String {
    let digits = digits.max(1);
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞".into() } else { "-∞".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{:.*e}", digits - 1, v);
    }
    // Decimals after rounding to `digits` significant digits (rounding may
    // carry into the next power of ten: 9.996 → 10.0).
    let exp = a.log10().floor() as i32;
    let scale = 10f64.powi(digits as i32 - 1 - exp);
    let rounded = (a * scale).round() / scale;
    let exp = if rounded > 0.0 {
        rounded.log10().floor() as i32
    } else {
        exp
    };
    let decimals = (digits as i32 - 1 - exp).max(0) as usize;
    format!("{v:.decimals$}")
}

/// Like [`sig`] with a `+` before positive values, for signed quantities
/// such as means.
pub fn signed(v: f64, digits: usize) -> String {
    let s = sig(v, digits);
    if v > 0.0 { format!("+{s}") } else { s }
}

/// A throughput such as samples per second: whole numbers with thousands
/// separators from 100 up, significant digits below.
pub fn rate(v: f64) -> String {
    if v >= 100.0 && v.is_finite() {
        thousands(v.round() as u64)
    } else {
        sig(v, 3)
    }
}

/// A plot tick label at `v` for ticks `step` apart: as many decimals as
/// the step needs (steps of 10 give `0, 10, 20`; steps of 0.05 give
/// `0.05, 0.10`), scientific notation for very large or small ticks.
pub fn tick(v: f64, step: f64) -> String {
    if !v.is_finite() {
        return sig(v, 3);
    }
    let step = step.abs();
    // Snap values that are zero up to rounding.
    if step > 0.0 && v.abs() < step * 1e-6 {
        return "0".into();
    }
    let big = v.abs().max(step);
    if big >= 1e6 || (step > 0.0 && step < 1e-4) {
        return format!("{v:.1e}");
    }
    let decimals = if step > 0.0 && step < 1.0 {
        (-step.log10()).ceil().max(0.0) as usize
    } else {
        0
    };
    format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(flops(1_500_000), "1.50 MFLOPs");
    }

    #[test]
    fn significant_digits_never_read_as_zero() {
        assert_eq!(sig(0.0, 3), "0");
        assert_eq!(sig(1.23456, 3), "1.23");
        assert_eq!(sig(0.012345, 3), "0.0123");
        assert_eq!(sig(0.00012345, 3), "1.23e-4");
        assert_eq!(sig(-3.2e-7, 2), "-3.2e-7");
        assert_eq!(sig(123.456, 3), "123");
        assert_eq!(sig(9.996, 3), "10.0");
        assert_eq!(sig(2.5e7, 3), "2.50e7");
        assert_eq!(sig(f64::NAN, 3), "NaN");
        assert_eq!(signed(0.0004, 2), "+4.0e-4");
        assert_eq!(signed(-0.5, 2), "-0.50");
        // Whatever the size, a non-zero value shows a non-zero digit.
        for e in -12..12 {
            let v = 1.7 * 10f64.powi(e);
            let s = sig(v, 3);
            assert!(s.chars().any(|c| ('1'..='9').contains(&c)), "{v} → {s}");
        }
    }

    #[test]
    fn rates_and_ticks() {
        assert_eq!(rate(12345.6), "12,346");
        assert_eq!(rate(40.26), "40.3");
        assert_eq!(rate(0.0), "0");
        assert_eq!(tick(10.0, 10.0), "10");
        assert_eq!(tick(50.0, 10.0), "50");
        assert_eq!(tick(0.1, 0.05), "0.10");
        assert_eq!(tick(0.15, 0.05), "0.15");
        assert_eq!(tick(1e-12, 0.1), "0");
        assert_eq!(tick(2e-5, 1e-5), "2.0e-5");
    }
}
