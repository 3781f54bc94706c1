//! Field rules shared by every entity: required text, lengths, URLs, numbers.

pub mod settings_schema;
pub mod slug;

use crate::error::{CoreError, Result};
use crate::limits::{COORD_MAX, URL_MAX};

/// A required, non-blank text of at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(CoreError::validation(field, "must not be empty"));
    }
    text(field, value, max)
}

/// An optional text of at most `max` characters, without control characters other
/// than newlines and tabs.
pub fn text(field: &str, value: &str, max: usize) -> Result<()> {
    if value.chars().count() > max {
        return Err(CoreError::validation(
            field,
            format!("longer than {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(CoreError::validation(field, "contains control characters"));
    }
    Ok(())
}

pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<()> {
    value.map_or(Ok(()), |v| text(field, v, max))
}

/// An http(s) URL, a data: URL is not one (images travel by URL or id, not inline).
pub fn url(field: &str, value: &str) -> Result<()> {
    text(field, value, URL_MAX)?;
    let lower = value.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with('/')) {
        return Err(CoreError::validation(
            field,
            "must be an http(s) URL or an absolute path",
        ));
    }
    if value.chars().any(char::is_whitespace) {
        return Err(CoreError::validation(field, "must not contain whitespace"));
    }
    Ok(())
}

pub fn coordinate(field: &str, value: f64) -> Result<()> {
    if !value.is_finite() || value.abs() > COORD_MAX {
        return Err(CoreError::validation(
            field,
            "must be a finite number within ±1e9",
        ));
    }
    Ok(())
}

pub fn non_negative(field: &str, value: i64) -> Result<()> {
    if value < 0 {
        return Err(CoreError::validation(field, "must not be negative"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert!(required_text("name", "  ", 10).is_err());
        assert!(required_text("name", "Villa", 10).is_ok());
        assert!(text("name", "ab\u{0}c", 10).is_err());
        assert!(text("name", "é".repeat(11).as_str(), 10).is_err());
        assert!(text("name", "é".repeat(10).as_str(), 10).is_ok());
    }

    #[test]
    fn url_rules() {
        assert!(url("u", "https://cdn.example.com/a.png").is_ok());
        assert!(url("u", "/files/a.png").is_ok());
        assert!(url("u", "javascript:alert(1)").is_err());
        assert!(url("u", "https://a b").is_err());
    }

    #[test]
    fn coordinates() {
        assert!(coordinate("x", f64::NAN).is_err());
        assert!(coordinate("x", f64::INFINITY).is_err());
        assert!(coordinate("x", 2e9).is_err());
        assert!(coordinate("x", -12.5).is_ok());
    }
}
