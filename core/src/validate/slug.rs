//! URL slugs: `/canvas/[projectSlug]/[fileSlug]`.
//!
//! Hand-written instead of the `slug` crate: that crate transliterates through
//! `deunicode`, whose tables alone are larger than half the package's size budget.
//! Names in this studio are mostly Latin script; a small fold table covers it, and
//! anything else still gets a valid slug (`untitled`, made unique).

use crate::error::{CoreError, Result};
use crate::limits::SLUG_MAX;

/// Checks an explicit slug: lowercase ASCII letters and digits in runs joined by single
/// hyphens, 1 to `SLUG_MAX` characters.
pub fn check(field: &str, slug: &str) -> Result<()> {
    if slug.is_empty() || slug.len() > SLUG_MAX {
        return Err(CoreError::validation(
            field,
            format!("must be 1 to {SLUG_MAX} characters"),
        ));
    }
    let ok_chars = slug
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok_chars || slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err(CoreError::validation(
            field,
            "must be lowercase letters and digits joined by single hyphens",
        ));
    }
    Ok(())
}

/// Derives a slug from a display name. Always returns a valid slug.
pub fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut hyphen = false;
    for c in name.chars().flat_map(|c| c.to_lowercase()) {
        let folded = fold(c);
        if folded.is_empty() {
            hyphen = !out.is_empty();
            continue;
        }
        for f in folded.chars() {
            if out.len() >= SLUG_MAX {
                break;
            }
            if hyphen {
                out.push('-');
                hyphen = false;
            }
            out.push(f);
        }
    }
    while out.len() > SLUG_MAX || out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("untitled");
    }
    out
}

/// The first of `base`, `base-2`, `base-3`, ... that `taken` does not hold.
pub fn unique(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2u64..)
        .map(|n| {
            let suffix = format!("-{n}");
            let cut = base.len().min(SLUG_MAX - suffix.len());
            let mut stem = base.get(..cut).unwrap_or("untitled").to_owned();
            while stem.ends_with('-') {
                stem.pop();
            }
            stem + &suffix
        })
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| base.to_owned())
}

/// ASCII for one lowercase character: itself, a transliteration, or "" for a separator.
fn fold(c: char) -> &'static str {
    const ASCII: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
    if c.is_ascii_lowercase() || c.is_ascii_digit() {
        let i = ASCII.find(c).unwrap_or(0);
        return &ASCII[i..i + 1];
    }
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' | 'ĝ' | 'ġ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ķ' => "k",
        'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ř' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn derives_readable_slugs() {
        assert_eq!(slugify("Ground floor"), "ground-floor");
        assert_eq!(slugify("  Ground   floor!! "), "ground-floor");
        assert_eq!(slugify("Café Müller — Straße 5"), "cafe-muller-strasse-5");
        assert_eq!(slugify("平面図"), "untitled");
        assert_eq!(slugify("---"), "untitled");
    }

    #[test]
    fn makes_slugs_unique() {
        let taken = ["ground-floor", "ground-floor-2"];
        assert_eq!(
            unique("ground-floor", |s| taken.contains(&s)),
            "ground-floor-3"
        );
        assert_eq!(unique("roof", |s| taken.contains(&s)), "roof");
        let long = "a".repeat(SLUG_MAX);
        let next = unique(&long, |s| s == long);
        assert_eq!(next.len(), SLUG_MAX);
        assert!(next.ends_with("-2"));
    }

    #[test]
    fn checks_explicit_slugs() {
        assert!(check("slug", "villa-2").is_ok());
        for bad in [
            "", "Villa", "villa--2", "-villa", "villa-", "vil la", "villa_2",
        ] {
            assert!(check("slug", bad).is_err(), "{bad:?} accepted");
        }
        assert!(check("slug", &"a".repeat(SLUG_MAX + 1)).is_err());
    }

    proptest! {
        #[test]
        fn every_derived_slug_is_valid(name in "\\PC{0,300}") {
            let slug = slugify(&name);
            prop_assert!(check("slug", &slug).is_ok(), "{:?} -> {:?}", name, slug);
        }

        #[test]
        fn unique_slugs_are_valid_and_free(name in "\\PC{0,150}", n in 0usize..20) {
            let base = slugify(&name);
            let taken: Vec<String> = std::iter::once(base.clone())
                .chain((2..n as u64 + 2).map(|i| format!("{base}-{i}")))
                .collect();
            let slug = unique(&base, |s| taken.iter().any(|t| t == s));
            prop_assert!(check("slug", &slug).is_ok());
            prop_assert!(!taken.contains(&slug));
        }
    }
}
