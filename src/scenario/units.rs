//! Durations written with a unit (`"5ms"`, `"1.5s"`, `"2m"`), parsed exactly into `SimTime` nanoseconds.

use crate::sim::time::SimTime;

/// The units a duration may use, with their length in nanoseconds.
pub(crate) const UNITS: [(&str, u64); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Why a duration string was refused: a message and perhaps a hint.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DurationError {
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

fn err(message: impl Into<String>, hint: Option<&str>) -> DurationError {
    DurationError {
        message: message.into(),
        hint: hint.map(str::to_string),
    }
}

const UNIT_LIST: &str = "units are ns, us (or µs), ms, s, m, h";

/// The unit a mistyped one most likely means: another case (`"MS"`, units
/// are lower-case) or a spelled-out name (`"sec"`, `"minutes"`).
fn unit_meant(unit: &str) -> Option<&'static str> {
    let lower = unit.to_lowercase();
    if let Some(&(u, _)) = UNITS.iter().find(|(u, _)| *u == lower) {
        return Some(u);
    }
    let plain = lower.trim_end_matches('.');
    let plain = plain
        .strip_suffix('s')
        .filter(|p| p.len() > 1)
        .unwrap_or(plain);
    Some(match plain {
        "nsec" | "nanosecond" | "nano" => "ns",
        "usec" | "microsecond" | "micro" => "us",
        "msec" | "millisecond" | "milli" | "mil" => "ms",
        "sec" | "second" => "s",
        "min" | "minute" | "mn" => "m",
        "hr" | "hour" => "h",
        _ => return None,
    })
}
/// The hint for a number given where a duration is expected.
pub(crate) const ADD_A_UNIT: &str = "add a unit, e.g. \"5ms\"";

/// Parses `<number><unit>`: the number is decimal digits with an optional
/// fraction (`1.5`), `_` allowed between digits, spaces around and between
/// ignored. Rounded to the nearest nanosecond.
pub(crate) fn parse_duration(s: &str) -> Result<SimTime, DurationError> {
    parse_exact(s).map(|(t, _)| t)
}

/// Parses a duration like `parse_duration` (same rules and errors) into
/// seconds, keeping digits below the nanosecond: `"1.5ns"` is 1.5e-9 s.
/// A whole number of nanoseconds gives exactly `SimTime::as_secs_f64`.
/// Used for distribution parameters and latency bounds, which are real
/// numbers of seconds (so any `f64` written with `format_seconds` reads
/// back unchanged).
pub(crate) fn parse_seconds(s: &str) -> Result<f64, DurationError> {
    let (t, exact) = parse_exact(s)?;
    if exact {
        return Ok(t.as_secs_f64());
    }
    let body = s.trim();
    let body = body.strip_prefix('+').unwrap_or(body);
    let num_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(body.len());
    let (num, unit) = body.split_at(num_end);
    let digits: String = num.chars().filter(|&c| c != '_').collect();
    let decimal_exponent = match unit.trim() {
        "ns" => Some(-9),
        "us" | "µs" | "μs" => Some(-6),
        "ms" => Some(-3),
        "s" => Some(0),
        _ => None,
    };
    let parsed = match decimal_exponent {
        // Correctly rounded from the decimal text.
        Some(e) => format!("{digits}e{e}").parse::<f64>().ok(),
        None => {
            let unit_secs = if unit.trim() == "h" { 3600.0 } else { 60.0 };
            digits.parse::<f64>().ok().map(|x| x * unit_secs)
        }
    };
    parsed
        .filter(|x| x.is_finite())
        .ok_or_else(|| err(format!("`{}` is not a valid duration", s.trim()), None))
}

/// A duration in the most readable unit that writes it exactly: `"2m"`,
/// `"90s"`, `"1.5s"`, `"250ms"`, `"500us"`, `"7ns"` (at most three
/// decimals, else a smaller unit). Reads back with `parse_duration` to the
/// same `SimTime`.
pub(crate) fn format_duration(t: SimTime) -> String {
    let ns = t.0;
    if ns == 0 {
        return "0s".into();
    }
    for (unit, len) in [("h", 3_600_000_000_000u64), ("m", 60_000_000_000)] {
        if ns.is_multiple_of(len) {
            return format!("{}{unit}", ns / len);
        }
    }
    for (unit, len, width) in [
        ("s", 1_000_000_000u64, 9usize),
        ("ms", 1_000_000, 6),
        ("us", 1_000, 3),
    ] {
        if ns < len {
            continue;
        }
        let (whole, rest) = (ns / len, ns % len);
        if rest == 0 {
            return format!("{whole}{unit}");
        }
        let frac = format!("{rest:0width$}");
        let frac = frac.trim_end_matches('0');
        // Seconds take every digit down to the nanosecond (`25.242886704s`,
        // not `25242886.704us`); smaller units up to three.
        if frac.len() <= 3 || unit == "s" {
            return format!("{whole}.{frac}{unit}");
        }
    }
    format!("{ns}ns")
}

/// Seconds as a duration string that `parse_seconds` reads back to the
/// same `f64`: a whole number of nanoseconds in the most readable unit
/// (`"4ms"`), otherwise every digit in seconds (`"0.0040000000000000001s"`).
/// Meant for finite values ≥ 0 (what a valid model holds).
pub(crate) fn format_seconds(x: f64) -> String {
    if x.is_finite() && x >= 0.0 {
        let n = (x * 1e9).round();
        // Up to 2^64 ns: the longest duration, 2^64 - 1 ns, is 2^64 as an
        // `f64`; `as` saturates it back to 2^64 - 1 (its shortest decimal
        // in seconds would read back as too large).
        if n <= 18_446_744_073_709_551_616.0 {
            let n = n as u64;
            for c in [n, n.saturating_sub(1), n.saturating_add(1)] {
                if c as f64 / 1e9 == x {
                    return format_duration(SimTime(c));
                }
            }
        }
    }
    // `Display` never uses an exponent and gives the shortest digits that
    // read back to `x`.
    format!("{x}s")
}

/// The duration and whether the text is a whole number of nanoseconds.
fn parse_exact(s: &str) -> Result<(SimTime, bool), DurationError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(err("empty duration", Some(ADD_A_UNIT)));
    }
    let negative = t.strip_prefix('-').is_some_and(|rest| {
        rest.trim_start()
            .starts_with(|c: char| c.is_ascii_digit() || c == '.')
    });
    if negative {
        return Err(err(format!("duration `{t}` is negative"), None));
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let num_end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(num_end);
    let unit = unit.trim();
    if num.is_empty() || !num.chars().any(|c| c.is_ascii_digit()) {
        return Err(err(
            format!("`{s}` is not a duration"),
            Some("write a number followed by a unit, e.g. \"5ms\" or \"1.5s\""),
        ));
    }
    if unit.is_empty() {
        return Err(err(format!("duration `{t}` has no unit"), Some(ADD_A_UNIT)));
    }
    let Some(&(_, unit_ns)) = UNITS.iter().find(|(u, _)| *u == unit) else {
        let exponent = unit.strip_prefix(['e', 'E']).is_some_and(|rest| {
            rest.trim_start_matches(['+', '-'])
                .starts_with(|c: char| c.is_ascii_digit())
        });
        if exponent {
            return Err(err(
                format!("duration `{t}` has an exponent; durations take plain digits"),
                Some("write the number out in a suitable unit, e.g. \"5ms\" rather than \"5e-3s\""),
            ));
        }
        let hint = match unit_meant(unit) {
            Some(u) => format!("did you mean `{num}{u}`? ({UNIT_LIST})"),
            None => UNIT_LIST.to_string(),
        };
        return Err(err(
            format!("unknown unit `{unit}` in duration `{t}`"),
            Some(&hint),
        ));
    };
    let (int_part, frac_part) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if frac_part.contains('.') || int_part.starts_with('_') || int_part.ends_with('_') {
        return Err(err(format!("`{t}` is not a valid number of {unit}"), None));
    }
    let too_large = || {
        err(
            format!("duration `{t}` is too large"),
            Some("the longest duration is about 584 years (2^64 - 1 ns)"),
        )
    };
    let mut whole: u128 = 0;
    for c in int_part.chars().filter(|&c| c != '_') {
        let digit = u128::from(c.to_digit(10).unwrap_or(0));
        whole = whole
            .checked_mul(10)
            .and_then(|w| w.checked_add(digit))
            .ok_or_else(too_large)?;
    }
    let mut ns = whole
        .checked_mul(u128::from(unit_ns))
        .ok_or_else(too_large)?;
    // The fraction, exact to 24 digits (far below a nanosecond of any unit).
    let mut frac_num: u128 = 0;
    let mut frac_den: u128 = 1;
    let mut digits = frac_part.chars().filter(|&c| c != '_');
    for c in digits.by_ref().take(24) {
        frac_num = frac_num * 10 + u128::from(c.to_digit(10).unwrap_or(0));
        frac_den *= 10;
    }
    let beyond_zero = digits.all(|c| c == '0');
    // frac_num < 10^24 and unit_ns < 2^42: the product fits in u128.
    let frac_ns = frac_num * u128::from(unit_ns);
    let exact = beyond_zero && frac_ns.is_multiple_of(frac_den);
    let rounded = (frac_ns + frac_den / 2) / frac_den;
    ns = ns.checked_add(rounded).ok_or_else(too_large)?;
    u64::try_from(ns)
        .map(|n| (SimTime(n), exact))
        .map_err(|_| too_large())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> u64 {
        parse_duration(s).unwrap_or_else(|e| panic!("{s}: {e:?}")).0
    }

    #[test]
    fn the_longest_duration_in_seconds_is_written_so_it_reads_back() {
        let x = SimTime(u64::MAX).as_secs_f64();
        let text = format_seconds(x);
        assert_eq!(ns(&text), u64::MAX, "{text}");
    }

    #[test]
    fn every_unit_scales_to_nanoseconds() {
        assert_eq!(ns("7ns"), 7);
        assert_eq!(ns("7us"), 7_000);
        assert_eq!(ns("7µs"), 7_000);
        assert_eq!(ns("7ms"), 7_000_000);
        assert_eq!(ns("7s"), 7_000_000_000);
        assert_eq!(ns("2m"), 120_000_000_000);
        assert_eq!(ns("1h"), 3_600_000_000_000);
    }

    #[test]
    fn a_mistyped_unit_gets_the_unit_it_most_likely_means() {
        for (written, meant) in [
            ("5MS", "5ms"),
            ("5Ms", "5ms"),
            ("2S", "2s"),
            ("3sec", "3s"),
            ("3 seconds", "3s"),
            ("10mins", "10m"),
            ("1hr", "1h"),
            ("250msec", "250ms"),
            ("40usec", "40us"),
        ] {
            let e = parse_duration(written).unwrap_err();
            let hint = e.hint.unwrap_or_default();
            assert!(
                hint.contains(&format!("did you mean `{meant}`")),
                "{written}: {hint}"
            );
        }
        let e = parse_duration("5fortnights").unwrap_err();
        assert_eq!(e.hint.as_deref(), Some(UNIT_LIST));
    }

    #[test]
    fn decimals_are_exact_and_round_to_the_nanosecond() {
        assert_eq!(ns("1.5s"), 1_500_000_000);
        assert_eq!(ns("0.5ms"), 500_000);
        assert_eq!(ns(".25s"), 250_000_000);
        assert_eq!(ns("1.5ns"), 2);
        assert_eq!(ns("0.1ns"), 0);
        assert_eq!(ns("1_000ms"), 1_000_000_000);
        assert_eq!(ns(" 5 ms "), 5_000_000);
        assert_eq!(ns("0.333333333333333333333333333333s"), 333_333_333);
    }

    #[test]
    fn the_largest_duration_fits_and_one_more_does_not() {
        assert_eq!(ns("18446744073709551615ns"), u64::MAX);
        assert!(parse_duration("18446744073709551616ns").is_err());
        assert!(parse_duration("99999999999999999999999999999999999999999999h").is_err());
        assert!(parse_duration("6000000h").is_err());
    }

    #[test]
    fn seconds_keep_digits_below_the_nanosecond() {
        let secs = |s: &str| parse_seconds(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
        assert_eq!(secs("4ms"), SimTime::from_millis(4).as_secs_f64());
        assert_eq!(secs("1.5m"), 90.0);
        assert_eq!(secs("1.5ns"), 1.5e-9);
        assert_eq!(
            secs("0.0040000000000000009s"),
            "0.0040000000000000009".parse::<f64>().unwrap_or(0.0)
        );
        assert_ne!(secs("0.0040000000000000009s"), 0.004);
        assert!(parse_seconds("-1s").is_err());
        assert!(parse_seconds("5").is_err());
    }

    #[test]
    fn durations_are_written_exactly_in_a_readable_unit() {
        for (ns, text) in [
            (0u64, "0s"),
            (7, "7ns"),
            (500_000, "500us"),
            (250_000_000, "250ms"),
            (1_500_000_000, "1.5s"),
            (1_000_500_000, "1.0005s"),
            (25_242_886_704_000, "25242.886704s"),
            (90_000_000_000, "90s"),
            (120_000_000_000, "2m"),
            (7_200_000_000_000, "2h"),
            (1_000_000_001, "1.000000001s"),
            (1_000_000_000_001, "1000.000000001s"),
            (u64::MAX, "18446744073.709551615s"),
        ] {
            assert_eq!(format_duration(SimTime(ns)), text);
            assert_eq!(parse_duration(text), Ok(SimTime(ns)), "{text}");
        }
    }

    #[test]
    fn any_seconds_value_reads_back_unchanged() {
        for x in [
            0.0,
            0.004,
            0.0005,
            1e-10,
            0.1 + 0.2,
            123.456_789_012_345,
            3e-7,
        ] {
            let text = format_seconds(x);
            assert_eq!(parse_seconds(&text), Ok(x), "{x} -> {text}");
        }
        assert_eq!(format_seconds(0.004), "4ms");
    }

    #[test]
    fn mistakes_get_a_message_and_a_hint() {
        let e = parse_duration("5").unwrap_err();
        assert_eq!(e.message, "duration `5` has no unit");
        assert_eq!(e.hint.as_deref(), Some(ADD_A_UNIT));
        assert!(
            parse_duration("5sec")
                .unwrap_err()
                .message
                .contains("unknown unit `sec`")
        );
        assert!(
            parse_duration("-5ms")
                .unwrap_err()
                .message
                .contains("negative")
        );
        assert!(
            parse_duration("NaNs")
                .unwrap_err()
                .message
                .contains("not a duration")
        );
        assert!(parse_duration("inf s").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("1.2.3s").is_err());
        assert!(
            parse_duration("1e3ms")
                .unwrap_err()
                .message
                .contains("has an exponent")
        );
        assert!(
            parse_duration("5E-3s")
                .unwrap_err()
                .message
                .contains("has an exponent")
        );
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration(".s").is_err());
    }
}
