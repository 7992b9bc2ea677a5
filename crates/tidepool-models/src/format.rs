//! How a parameter value is written into a templated file (`[model] formats`):
//! printf-style `%[flags][width][.precision](e|E|f|F|g|G)` as C prints them (an
//! exponent of at least two digits with its sign), or Fortran edit descriptors `Fw.d`,
//! `Ew.d` and `ESw.d` as a Fortran `WRITE` prints them: right-justified in `w`
//! characters, and `w` asterisks when the value does not fit. Without a format a value
//! is the shortest decimal that reads back exactly.

use crate::template::format_value;

/// A parsed value format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueFormat {
    /// The shortest round-trip decimal.
    Shortest,
    Printf(Printf),
    Fortran(Fortran),
}

/// `%[flags][width][.precision]conversion`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Printf {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    conversion: char,
}

/// A Fortran edit descriptor `Fw.d`, `Ew.d` or `ESw.d`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fortran {
    kind: FortranKind,
    width: usize,
    digits: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum FortranKind {
    F,
    E,
    Es,
}

/// A format that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "format `{text}` is not one tidepool writes: {why}; use printf style (\"%.6e\", \
     \"%10.4f\", \"%g\") or a Fortran descriptor (\"F10.4\", \"E12.5\", \"ES12.5\")"
)]
pub struct FormatError {
    pub text: String,
    pub why: String,
}

impl ValueFormat {
    /// Reads `%.6e`, `%10.4f`, `%g`, `F10.4`, `E12.5`, `ES12.5` (Fortran letters in
    /// either case).
    pub fn parse(text: &str) -> Result<ValueFormat, FormatError> {
        let fail = |why: &str| FormatError {
            text: text.to_string(),
            why: why.to_string(),
        };
        let trimmed = text.trim();
        if let Some(rest) = trimmed.strip_prefix('%') {
            return Printf::parse(rest)
                .map(ValueFormat::Printf)
                .map_err(|w| fail(&w));
        }
        Fortran::parse(trimmed)
            .map(ValueFormat::Fortran)
            .map_err(|w| fail(&w))
    }

    /// `value` written in this format.
    pub fn write(&self, value: f64) -> String {
        match self {
            ValueFormat::Shortest => format_value(value),
            ValueFormat::Printf(p) => p.write(value),
            ValueFormat::Fortran(f) => f.write(value),
        }
    }
}

impl Printf {
    fn parse(rest: &str) -> Result<Printf, String> {
        let mut p = Printf {
            left: false,
            plus: false,
            space: false,
            zero: false,
            width: 0,
            precision: None,
            conversion: 'g',
        };
        let mut chars = rest.chars().peekable();
        while let Some(&c) = chars.peek() {
            match c {
                '-' => p.left = true,
                '+' => p.plus = true,
                ' ' => p.space = true,
                '0' => p.zero = true,
                _ => break,
            }
            chars.next();
        }
        let digits = |chars: &mut std::iter::Peekable<std::str::Chars>| {
            let mut n: Option<usize> = None;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = Some(n.unwrap_or(0) * 10 + d as usize);
                chars.next();
            }
            n
        };
        p.width = digits(&mut chars).unwrap_or(0);
        if chars.peek() == Some(&'.') {
            chars.next();
            p.precision = Some(digits(&mut chars).unwrap_or(0));
        }
        p.conversion = chars
            .next()
            .filter(|c| "eEfFgG".contains(*c))
            .ok_or("the conversion must be one of e, E, f, F, g, G")?;
        if chars.next().is_some() {
            return Err("text follows the conversion letter".into());
        }
        if p.width > 64 || p.precision.is_some_and(|d| d > 40) {
            return Err("width at most 64 and precision at most 40".into());
        }
        Ok(p)
    }

    fn write(&self, value: f64) -> String {
        let precision = self.precision.unwrap_or(6);
        let body = match self.conversion {
            'e' | 'E' => c_exponent(value.abs(), precision),
            'f' | 'F' => format!("{:.*}", precision, value.abs()),
            _ => c_general(value.abs(), precision.max(1)),
        };
        let body = match self.conversion.is_ascii_uppercase() {
            true => body.to_ascii_uppercase(),
            false => body,
        };
        let sign = match (
            value.is_sign_negative() && !value.is_nan(),
            self.plus,
            self.space,
        ) {
            (true, _, _) => "-",
            (false, true, _) => "+",
            (false, false, true) => " ",
            _ => "",
        };
        let len = sign.len() + body.len();
        let pad = self.width.saturating_sub(len);
        match (self.left, self.zero && value.is_finite()) {
            (true, _) => format!("{sign}{body}{}", " ".repeat(pad)),
            (false, true) => format!("{sign}{}{body}", "0".repeat(pad)),
            (false, false) => format!("{}{sign}{body}", " ".repeat(pad)),
        }
    }
}

/// `d.ddddde+XX` for a non-negative value, as C's `%e`.
fn c_exponent(value: f64, precision: usize) -> String {
    if !value.is_finite() {
        return non_finite(value);
    }
    let (mantissa, exponent) = split_exponent(value, precision);
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// C's `%g`: `%e` or `%f` by the exponent, trailing zeros removed.
fn c_general(value: f64, precision: usize) -> String {
    if !value.is_finite() {
        return non_finite(value);
    }
    let (_, exponent) = split_exponent(value, precision - 1);
    let text = if exponent < -4 || exponent >= precision as i32 {
        let (mantissa, exponent) = split_exponent(value, precision - 1);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", strip_zeros(&mantissa), exponent.abs())
    } else {
        let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
        strip_zeros(&format!("{value:.decimals$}"))
    };
    text
}

fn strip_zeros(text: &str) -> String {
    match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => text.to_string(),
    }
}

/// The mantissa text with `precision` decimals and the decimal exponent, rounded as
/// Rust's (correctly rounded) `{:e}`.
fn split_exponent(value: f64, precision: usize) -> (String, i32) {
    let text = format!("{value:.precision$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    (mantissa.to_string(), exponent.parse().unwrap_or(0))
}

fn non_finite(value: f64) -> String {
    match value.is_nan() {
        true => "nan".into(),
        false => "inf".into(),
    }
}

impl Fortran {
    fn parse(text: &str) -> Result<Fortran, String> {
        let upper = text.to_ascii_uppercase();
        let (kind, rest) = if let Some(rest) = upper.strip_prefix("ES") {
            (FortranKind::Es, rest)
        } else if let Some(rest) = upper.strip_prefix('E') {
            (FortranKind::E, rest)
        } else if let Some(rest) = upper.strip_prefix('F') {
            (FortranKind::F, rest)
        } else {
            return Err("it starts with neither `%` nor F, E or ES".into());
        };
        let (w, d) = rest
            .split_once('.')
            .ok_or("a Fortran descriptor is written w.d, e.g. F10.4")?;
        let width: usize = w.parse().map_err(|_| "the width w is not a number")?;
        let digits: usize = d.parse().map_err(|_| "the digits d are not a number")?;
        if width == 0 || width > 64 || digits >= width {
            return Err("need 0 < d < w <= 64".into());
        }
        if kind != FortranKind::F && digits == 0 {
            return Err("E and ES need at least one digit (d >= 1)".into());
        }
        Ok(Fortran {
            kind,
            width,
            digits,
        })
    }

    fn write(&self, value: f64) -> String {
        let negative = value.is_sign_negative() && value != 0.0;
        let body = match (value.is_finite(), self.kind) {
            (false, _) => non_finite(value).to_ascii_uppercase().replace("NAN", "NaN"),
            (true, FortranKind::F) => format!("{:.*}", self.digits, value.abs()),
            (true, FortranKind::E) => fortran_e(value.abs(), self.digits),
            (true, FortranKind::Es) => fortran_es(value.abs(), self.digits),
        };
        let negative =
            negative && !value.is_nan() && body.chars().any(|c| c.is_ascii_digit() && c != '0');
        let sign = if negative { "-" } else { "" };
        let mut text = format!("{sign}{body}");
        if text.len() > self.width && body.starts_with("0.") {
            // Fortran may drop the optional zero before the decimal point.
            text = format!("{sign}{}", &body[1..]);
        }
        match text.len() > self.width {
            true => "*".repeat(self.width),
            false => format!("{text:>width$}", width = self.width),
        }
    }
}

/// `0.ddddE+XX`: `d` digits after the point, mantissa in [0.1, 1).
fn fortran_e(value: f64, digits: usize) -> String {
    if value == 0.0 {
        return format!("0.{}E+00", "0".repeat(digits));
    }
    let (mantissa, exponent) = split_exponent(value, digits - 1);
    let digits_text: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    format!("0.{digits_text}{}", fortran_exponent(exponent + 1))
}

/// `d.ddddE+XX`: one digit before the point, `d` after.
fn fortran_es(value: f64, digits: usize) -> String {
    let (mantissa, exponent) = split_exponent(value, digits);
    format!("{mantissa}{}", fortran_exponent(exponent))
}

/// `E+dd` for exponents of up to two digits, `+ddd` (the E dropped) for three, as Fortran writes them.
fn fortran_exponent(exponent: i32) -> String {
    let sign = if exponent < 0 { '-' } else { '+' };
    match exponent.abs() {
        e if e <= 99 => format!("E{sign}{e:02}"),
        e => format!("{sign}{e:03}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(format: &str, value: f64) -> String {
        ValueFormat::parse(format).unwrap().write(value)
    }

    #[test]
    fn fortran_e_puts_the_mantissa_below_one() {
        // w = 12 characters: one space, then the 11 of `0.12345E+04`.
        assert_eq!(w("E12.5", 1234.5), " 0.12345E+04");
        assert_eq!(w("E13.5", 1234.5), "  0.12345E+04");
        assert_eq!(w("E12.5", -0.00123456), "-0.12346E-02");
        assert_eq!(w("E12.5", 0.0), " 0.00000E+00");
        assert_eq!(w("e10.3", 1.0e-120), " 0.100-119");
        assert_eq!(w("E8.5", 1234.5), "********");
    }

    #[test]
    fn fortran_es_and_f() {
        assert_eq!(w("ES12.5", 1234.5), " 1.23450E+03");
        assert_eq!(w("ES10.2", -0.5), " -5.00E-01");
        assert_eq!(w("F10.4", 1.23456), "    1.2346");
        assert_eq!(w("F10.4", -2.5), "   -2.5000");
        assert_eq!(w("F5.4", 0.5), ".5000");
        assert_eq!(w("F6.2", 12345.0), "******");
        assert_eq!(w("F6.2", -0.001), "  0.00");
    }

    #[test]
    fn printf_as_c_prints() {
        // Expected strings as C's printf writes them (checked with `printf` in a shell).
        assert_eq!(w("%.6e", 1234.5), "1.234500e+03");
        assert_eq!(w("%.6e", 0.000123), "1.230000e-04");
        assert_eq!(w("%12.3E", -6.02e23), "  -6.020E+23");
        assert_eq!(w("%10.4f", 1.23456), "    1.2346");
        assert_eq!(w("%-8.2f", 1.5), "1.50    ");
        assert_eq!(w("%08.3f", -1.5), "-001.500");
        assert_eq!(w("%+.2f", 1.0), "+1.00");
        assert_eq!(w("%g", 0.0001), "0.0001");
        assert_eq!(w("%g", 0.00001), "1e-05");
        assert_eq!(w("%g", 123456.0), "123456");
        assert_eq!(w("%g", 1234567.0), "1.23457e+06");
        assert_eq!(w("%.3g", 2.5), "2.5");
        assert_eq!(w("%G", 1e-10), "1E-10");
    }

    #[test]
    fn malformed_formats_are_refused_with_what_to_write() {
        for bad in ["%d", "%.6", "X10.2", "F10", "F4.4", "E10.0", "%5.2fx", ""] {
            let err = ValueFormat::parse(bad).unwrap_err();
            assert!(err.to_string().contains("\"%.6e\""), "{bad}: {err}");
        }
    }
}
