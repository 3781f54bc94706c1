//! Reading the legacy tables: every column as text, so both databases' column types and
//! malformed values are handled in one place.

use crate::db::{Db, DbResult, Query, Row};
use serde_json::Value;
use std::collections::HashMap;
use studio_core::ids::Millis;
use uuid::Uuid;

/// The legacy tables, in the order the migration reads, renames and reports them.
pub const TABLES: [&str; 5] = [
    "users",
    "projects",
    "render_chains",
    "renders",
    "canvas_graphs",
];

/// A legacy row: every column read as text (ids, JSON, timestamps alike), so both
/// databases' column types and malformed values are handled in one place.
pub type LRow = HashMap<&'static str, Option<String>>;

pub struct Legacy {
    pub users: Vec<LRow>,
    pub projects: Vec<LRow>,
    pub chains: Vec<LRow>,
    pub renders: Vec<LRow>,
    pub graphs: Vec<LRow>,
}

const COLUMNS: [(&str, &[&str]); 5] = [
    ("users", &["id", "email"]),
    (
        "projects",
        &[
            "id",
            "user_id",
            "name",
            "slug",
            "description",
            "original_image_id",
            "status",
            "is_public",
            "tags",
            "metadata",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "render_chains",
        &[
            "id",
            "project_id",
            "name",
            "description",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "renders",
        &[
            "id",
            "project_id",
            "user_id",
            "type",
            "prompt",
            "settings",
            "chain_id",
            "chain_position",
            "output_url",
            "status",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "canvas_graphs",
        &[
            "id",
            "chain_id",
            "project_id",
            "user_id",
            "nodes",
            "connections",
            "viewport",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
];

/// Reads every legacy table (`prefix` is `legacy_` once they are renamed).
pub async fn read(db: &Db, prefix: &str) -> DbResult<Legacy> {
    let mut tx = db.begin().await?;
    let mut tables = Vec::new();
    for (table, cols) in COLUMNS {
        let select: Vec<String> = cols
            .iter()
            .map(|c| format!("CAST({c} AS TEXT) AS {c}"))
            .collect();
        let rows = tx
            .fetch_all(Query::new(format!(
                "SELECT {} FROM {prefix}{table} ORDER BY CAST(id AS TEXT)",
                select.join(", ")
            )))
            .await?;
        let rows: DbResult<Vec<LRow>> = rows
            .iter()
            .map(|r: &Row| cols.iter().map(|c| Ok((*c, r.opt_text(c)?))).collect())
            .collect();
        tables.push(rows?);
    }
    tx.commit().await?;
    let mut it = tables.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Ok(Legacy {
        users: next(),
        projects: next(),
        chains: next(),
        renders: next(),
        graphs: next(),
    })
}

pub fn col<'a>(r: &'a LRow, c: &str) -> Option<&'a str> {
    r.get(c).and_then(|v| v.as_deref())
}

pub fn uuid_col(r: &LRow, c: &str) -> Option<Uuid> {
    col(r, c).and_then(|s| Uuid::parse_str(s.trim()).ok())
}

pub fn json_col(r: &LRow, c: &str) -> Option<Value> {
    col(r, c).and_then(|s| serde_json::from_str(s).ok())
}

/// ISO-8601 / SQL timestamps (`2025-01-05T10:00:00Z`, `2025-01-05 10:00:00.125`,
/// `...+02:00`) to milliseconds; a timestamp without zone is UTC.
pub fn parse_timestamp(s: &str) -> Option<Millis> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (
        num(0, 4)?,
        num(5, 2)?,
        num(8, 2)?,
        num(11, 2)?,
        num(14, 2)?,
        num(17, 2)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = format!("{:0<3}", s.get(start..i)?);
        ms = frac.get(..3)?.parse().ok()?;
    }
    let offset_min = match s.get(i..) {
        None | Some("") | Some("Z") | Some("z") => 0,
        Some(tz) => {
            let sign = match tz.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = tz[1..].chars().filter(|c| *c != ':').collect();
            if !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let (hh, mm) = match digits.len() {
                2 => (digits.parse::<i64>().ok()?, 0),
                4 => (
                    digits[..2].parse::<i64>().ok()?,
                    digits[2..].parse::<i64>().ok()?,
                ),
                _ => return None,
            };
            sign * (hh * 60 + mm)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3_600 + mi * 60 + sec) - offset_min * 60) * 1_000 + ms)
}

/// A timestamp column in milliseconds, `or` when absent or unreadable.
pub fn time_col(r: &LRow, c: &str, or: Millis) -> Millis {
    col(r, c).and_then(parse_timestamp).unwrap_or(or)
}

/// A trimmed, non-blank text column, at most `max` characters, or `fallback`.
pub fn name_col(r: &LRow, c: &str, fallback: &str, max: usize) -> String {
    col(r, c)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(fallback)
        .chars()
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_legacy_timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("1970-01-01 00:00:01"), Some(1000));
        assert_eq!(
            parse_timestamp("2025-01-05T10:00:00.125+00:00"),
            Some(1_736_071_200_125)
        );
        assert_eq!(
            parse_timestamp("2025-01-05T12:00:00+02:00"),
            Some(1_736_071_200_000)
        );
        assert_eq!(
            parse_timestamp("2025-01-05 10:00:00.5"),
            Some(1_736_071_200_500)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2025-01-05T10:00:00+aé1"), None);
        assert_eq!(parse_timestamp("2025-01-05T10:00:00é"), None);
        assert_eq!(parse_timestamp("2025-13-05 10:00:00"), None);
    }
}
