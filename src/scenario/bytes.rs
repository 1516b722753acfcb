//! Sizes (`"4MB"`, `"512KiB"`) and bandwidths (`"10Gbps"`, `"100MB/s"`) written with a unit: parsed into bytes and bytes per second, and written back exactly.

use crate::scenario::units::DurationError as UnitError;

/// Size units: decimal powers of ten (as disks and cloud bills count) and
/// binary powers of two.
const SIZE_UNITS: [(&str, f64, i32); 9] = [
    ("B", 1.0, 0),
    ("KB", 1.0, 3),
    ("MB", 1.0, 6),
    ("GB", 1.0, 9),
    ("TB", 1.0, 12),
    ("KiB", 1024.0, 0),
    ("MiB", 1_048_576.0, 0),
    ("GiB", 1_073_741_824.0, 0),
    ("TiB", 1_099_511_627_776.0, 0),
];

/// Bandwidth units: bits per second (network links) and bytes per second.
/// (unit, bits per unit divided by 8 is bytes, power of ten).
const BANDWIDTH_UNITS: [(&str, bool, i32); 10] = [
    ("bps", true, 0),
    ("Kbps", true, 3),
    ("Mbps", true, 6),
    ("Gbps", true, 9),
    ("Tbps", true, 12),
    ("B/s", false, 0),
    ("KB/s", false, 3),
    ("MB/s", false, 6),
    ("GB/s", false, 9),
    ("TB/s", false, 12),
];

pub(crate) const SIZE_HINT: &str =
    "write a size with a unit, e.g. \"4MB\" (units B, KB, MB, GB, TB; KiB, MiB, GiB, TiB)";
pub(crate) const BANDWIDTH_HINT: &str = "write a bandwidth with a unit, e.g. \"10Gbps\" or \"100MB/s\" (bps, Kbps, Mbps, Gbps, Tbps; B/s, KB/s, MB/s, GB/s, TB/s)";

fn err(message: String, hint: &str) -> UnitError {
    UnitError {
        message,
        hint: Some(hint.to_string()),
    }
}

/// Splits `"1.5 MB"` into its digits (no `_`) and unit.
fn split(s: &str) -> Option<(String, &str)> {
    let body = s.trim();
    let end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(body.len());
    let (num, unit) = body.split_at(end);
    let digits: String = num.chars().filter(|&c| c != '_').collect();
    let ok = !digits.is_empty() && digits.chars().filter(|&c| c == '.').count() <= 1;
    ok.then_some((digits, unit.trim()))
}

/// `digits` × `factor` × 10^`exp`, correctly rounded for decimal units.
fn value(digits: &str, factor: f64, exp: i32) -> Option<f64> {
    let x = format!("{digits}e{exp}").parse::<f64>().ok()? * factor;
    x.is_finite().then_some(x)
}

/// A size in bytes.
pub(crate) fn parse_bytes(s: &str) -> Result<f64, UnitError> {
    if s.trim().starts_with('-') {
        return Err(err(format!("size `{}` is negative", s.trim()), SIZE_HINT));
    }
    let bad = || err(format!("`{}` is not a valid size", s.trim()), SIZE_HINT);
    let (digits, unit) = split(s).ok_or_else(bad)?;
    if unit.is_empty() {
        return Err(err(
            format!("a size needs a unit, found `{}`", s.trim()),
            SIZE_HINT,
        ));
    }
    match SIZE_UNITS.iter().find(|(u, _, _)| *u == unit) {
        Some(&(_, factor, exp)) => value(&digits, factor, exp).ok_or_else(bad),
        None => Err(err(
            format!("unknown size unit `{unit}`"),
            &size_unit_hint(unit),
        )),
    }
}

fn size_unit_hint(unit: &str) -> String {
    if unit.ends_with('b') && unit.len() <= 2 {
        return format!(
            "a size is in bytes (B); `b` is bits: did you mean `{}B`?",
            unit.trim_end_matches('b').to_uppercase()
        );
    }
    if let Some(&(u, _, _)) = SIZE_UNITS
        .iter()
        .find(|(u, _, _)| u.eq_ignore_ascii_case(unit))
    {
        return format!("did you mean `{u}`?");
    }
    SIZE_HINT.to_string()
}

/// A bandwidth in bytes per second (`"8bps"` is one byte a second).
pub(crate) fn parse_bandwidth(s: &str) -> Result<f64, UnitError> {
    if s.trim().starts_with('-') {
        return Err(err(
            format!("bandwidth `{}` is negative", s.trim()),
            BANDWIDTH_HINT,
        ));
    }
    let bad = || {
        err(
            format!("`{}` is not a valid bandwidth", s.trim()),
            BANDWIDTH_HINT,
        )
    };
    let (digits, unit) = split(s).ok_or_else(bad)?;
    if unit.is_empty() {
        return Err(err(
            format!("a bandwidth needs a unit, found `{}`", s.trim()),
            BANDWIDTH_HINT,
        ));
    }
    match BANDWIDTH_UNITS.iter().find(|(u, _, _)| *u == unit) {
        Some(&(_, bits, exp)) => {
            let x = value(&digits, 1.0, exp).ok_or_else(bad)?;
            Ok(if bits { x / 8.0 } else { x })
        }
        None => {
            let hint = BANDWIDTH_UNITS
                .iter()
                .find(|(u, _, _)| u.eq_ignore_ascii_case(unit))
                .map_or(BANDWIDTH_HINT.to_string(), |(u, _, _)| {
                    format!("did you mean `{u}`?")
                });
            Err(err(format!("unknown bandwidth unit `{unit}`"), &hint))
        }
    }
}

/// `x` in the largest decimal unit that writes it with at most three
/// decimals and reads back to the same number, else in `base`.
fn format_in(x: f64, units: &[(&str, i32)], parse: fn(&str) -> Result<f64, UnitError>) -> String {
    for &(u, exp) in units {
        let v = x / 10f64.powi(exp);
        let text = format!("{v}");
        let decimals = text.split('.').nth(1).map_or(0, str::len);
        let candidate = format!("{text}{u}");
        if decimals <= 3 && v >= 1.0 && parse(&candidate).ok() == Some(x) {
            return candidate;
        }
    }
    let (base, _) = units[units.len() - 1];
    format!("{}{base}", x.max(0.0))
}

/// A size as the file would write it: `"4MB"`, `"2.5GB"`, `"1234.5B"`.
pub(crate) fn format_bytes(x: f64) -> String {
    format_in(
        x,
        &[("TB", 12), ("GB", 9), ("MB", 6), ("KB", 3), ("B", 0)],
        parse_bytes,
    )
}

/// A bandwidth in bits per second: `"10Gbps"`, `"800Mbps"`.
pub(crate) fn format_bandwidth(bytes_per_sec: f64) -> String {
    let bits = bytes_per_sec * 8.0;
    let units = [
        ("Tbps", 12),
        ("Gbps", 9),
        ("Mbps", 6),
        ("Kbps", 3),
        ("bps", 0),
    ];
    for &(u, exp) in &units {
        let v = bits / 10f64.powi(exp);
        let text = format!("{v}");
        let decimals = text.split('.').nth(1).map_or(0, str::len);
        let candidate = format!("{text}{u}");
        if decimals <= 3 && v >= 1.0 && parse_bandwidth(&candidate).ok() == Some(bytes_per_sec) {
            return candidate;
        }
    }
    format!("{bytes_per_sec}B/s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_bandwidths_read_in_their_units() {
        assert_eq!(parse_bytes("4MB"), Ok(4e6));
        assert_eq!(parse_bytes("1.5 GB"), Ok(1.5e9));
        assert_eq!(parse_bytes("2KiB"), Ok(2048.0));
        assert_eq!(parse_bytes("1_000B"), Ok(1000.0));
        assert_eq!(parse_bandwidth("10Gbps"), Ok(1.25e9));
        assert_eq!(parse_bandwidth("100MB/s"), Ok(1e8));
        for bad in ["4", "4Mb", "MB", "4 megabytes", "1.2.3MB"] {
            assert!(parse_bytes(bad).is_err(), "{bad}");
        }
        assert!(parse_bandwidth("10gbit").is_err());
        assert!(parse_bytes("4mb").unwrap_err().hint.unwrap().contains("MB"));
        assert!(
            parse_bandwidth("10gbps")
                .unwrap_err()
                .hint
                .unwrap()
                .contains("Gbps")
        );
    }

    #[test]
    fn written_values_read_back_unchanged() {
        for x in [
            4e6,
            2.5e9,
            1234.5,
            1.0,
            0.0,
            1_048_576.0,
            123_456_789.123,
            1e12,
        ] {
            assert_eq!(parse_bytes(&format_bytes(x)), Ok(x), "{}", format_bytes(x));
        }
        assert_eq!(format_bytes(4e6), "4MB");
        for b in [1.25e9, 1e8, 0.125, 3.3e7, 123_456.789] {
            assert_eq!(
                parse_bandwidth(&format_bandwidth(b)),
                Ok(b),
                "{}",
                format_bandwidth(b)
            );
        }
        assert_eq!(format_bandwidth(1.25e9), "10Gbps");
    }
}
