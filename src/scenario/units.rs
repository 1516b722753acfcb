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
/// The hint for a number given where a duration is expected.
pub(crate) const ADD_A_UNIT: &str = "add a unit, e.g. \"5ms\"";

/// Parses `<number><unit>`: the number is decimal digits with an optional
/// fraction (`1.5`), `_` allowed between digits, spaces around and between
/// ignored. Rounded to the nearest nanosecond.
pub(crate) fn parse_duration(s: &str) -> Result<SimTime, DurationError> {
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
        return Err(err(
            format!("unknown unit `{unit}` in duration `{t}`"),
            Some(UNIT_LIST),
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
    for c in frac_part.chars().filter(|&c| c != '_').take(24) {
        frac_num = frac_num * 10 + u128::from(c.to_digit(10).unwrap_or(0));
        frac_den *= 10;
    }
    // frac_num < 10^24 and unit_ns < 2^42: the product fits in u128.
    let frac_ns = frac_num * u128::from(unit_ns);
    let rounded = (frac_ns + frac_den / 2) / frac_den;
    ns = ns.checked_add(rounded).ok_or_else(too_large)?;
    u64::try_from(ns).map(SimTime).map_err(|_| too_large())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> u64 {
        parse_duration(s).unwrap_or_else(|e| panic!("{s}: {e:?}")).0
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
        assert!(parse_duration("1e3ms").is_err());
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration(".s").is_err());
    }
}
