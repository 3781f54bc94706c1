//! Fractional indices for node z-order, compatible byte for byte with the npm package
//! `fractional-indexing` (rocicorp), which is what JS canvas apps already use: keys are
//! base-62 strings with a variable-length integer head, compared as plain strings.
//!
//! Written here rather than taken from the `fractional_index` crate because that crate's
//! keys are an opaque byte format a JS app could not generate or read.

use crate::error::{CoreError, Result};

const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ZERO: u8 = b'0';
/// Longest key accepted from outside; appends grow keys by one character per ~60.
pub const KEY_MAX: usize = 256;

/// Checks a key given by a caller.
pub fn check(field: &str, key: &str) -> Result<()> {
    validate_key(key.as_bytes()).map_err(|m| CoreError::validation(field, m))
}

/// A key strictly between `a` and `b` (either may be open).
pub fn key_between(a: Option<&str>, b: Option<&str>) -> Result<String> {
    let bad = |m: &str| CoreError::validation("z", m.to_owned());
    if let Some(a) = a {
        validate_key(a.as_bytes()).map_err(|m| bad(&m))?;
    }
    if let Some(b) = b {
        validate_key(b.as_bytes()).map_err(|m| bad(&m))?;
    }
    let (a, b) = (a.map(str::as_bytes), b.map(str::as_bytes));
    let key = match (a, b) {
        (Some(a), Some(b)) if a >= b => return Err(bad("lower key is not below upper key")),
        (None, None) => vec![b'a', ZERO],
        (None, Some(b)) => {
            let ib = integer_part(b).map_err(|m| bad(&m))?;
            let fb = &b[ib.len()..];
            if is_smallest_integer(ib) {
                [ib, &midpoint(b"", Some(fb))].concat()
            } else if ib.len() < b.len() {
                ib.to_vec()
            } else {
                decrement(ib).ok_or_else(|| bad("no key below the smallest key"))?
            }
        }
        (Some(a), None) => {
            let ia = integer_part(a).map_err(|m| bad(&m))?;
            match increment(ia) {
                Some(i) => i,
                None => [ia, &midpoint(&a[ia.len()..], None)].concat(),
            }
        }
        (Some(a), Some(b)) => {
            let ia = integer_part(a).map_err(|m| bad(&m))?;
            let ib = integer_part(b).map_err(|m| bad(&m))?;
            if ia == ib {
                [ia, &midpoint(&a[ia.len()..], Some(&b[ib.len()..]))].concat()
            } else {
                match increment(ia) {
                    Some(i) if i.as_slice() < b => i,
                    _ => [ia, &midpoint(&a[ia.len()..], None)].concat(),
                }
            }
        }
    };
    // Every byte comes from DIGITS or the heads, all ASCII.
    String::from_utf8(key).map_err(|_| CoreError::Conflict("non-ASCII order key".into()))
}

/// A key above `top` (or the first key when there is none).
pub fn key_after(top: Option<&str>) -> Result<String> {
    key_between(top, None)
}

fn digit(c: u8) -> Option<usize> {
    DIGITS.iter().position(|&d| d == c)
}

fn integer_len(head: u8) -> Option<usize> {
    match head {
        b'a'..=b'z' => Some((head - b'a') as usize + 2),
        b'A'..=b'Z' => Some((b'Z' - head) as usize + 2),
        _ => None,
    }
}

fn integer_part(key: &[u8]) -> std::result::Result<&[u8], String> {
    let head = *key.first().ok_or("must not be empty")?;
    let len = integer_len(head).ok_or("must start with a letter")?;
    key.get(..len)
        .ok_or_else(|| "integer part is cut short".to_owned())
}

fn is_smallest_integer(int: &[u8]) -> bool {
    int.len() == 27 && int[0] == b'A' && int[1..].iter().all(|&c| c == ZERO)
}

fn validate_key(key: &[u8]) -> std::result::Result<(), String> {
    if key.len() > KEY_MAX {
        return Err(format!("longer than {KEY_MAX} characters"));
    }
    if key.iter().any(|&c| digit(c).is_none()) {
        return Err("must use only the characters 0-9, A-Z and a-z".into());
    }
    let int = integer_part(key)?;
    if is_smallest_integer(int) && int.len() == key.len() {
        return Err("is the reserved smallest key".into());
    }
    if key.len() > int.len() && key.last() == Some(&ZERO) {
        return Err("must not end in a zero fraction digit".into());
    }
    Ok(())
}

/// A fraction strictly between `a` and `b` (`None` = 1), neither with trailing zeros.
fn midpoint(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
    if let Some(b) = b {
        let n = (0..b.len())
            .take_while(|&i| a.get(i).copied().unwrap_or(ZERO) == b[i])
            .count();
        if n > 0 {
            let rest_a = a.get(n..).unwrap_or(b"");
            return [&b[..n], &midpoint(rest_a, Some(&b[n..]))[..]].concat();
        }
    }
    let da = a.first().and_then(|&c| digit(c)).unwrap_or(0);
    let db = b
        .and_then(|b| b.first())
        .and_then(|&c| digit(c))
        .unwrap_or(DIGITS.len());
    if db - da > 1 {
        vec![DIGITS[(da + db).div_ceil(2)]]
    } else if let Some(b) = b.filter(|b| b.len() > 1) {
        vec![b[0]]
    } else {
        [
            &[DIGITS[da]][..],
            &midpoint(a.get(1..).unwrap_or(b""), None),
        ]
        .concat()
    }
}

fn increment(int: &[u8]) -> Option<Vec<u8>> {
    let (&head, digits) = int.split_first()?;
    let mut digs = digits.to_vec();
    for d in digs.iter_mut().rev() {
        let next = digit(*d)? + 1;
        if next < DIGITS.len() {
            *d = DIGITS[next];
            return Some([&[head][..], &digs].concat());
        }
        *d = ZERO;
    }
    match head {
        b'Z' => Some(vec![b'a', ZERO]),
        b'z' => None,
        _ => {
            let h = head + 1;
            if h > b'a' {
                digs.push(ZERO);
            } else {
                digs.pop();
            }
            Some([&[h][..], &digs].concat())
        }
    }
}

fn decrement(int: &[u8]) -> Option<Vec<u8>> {
    let (&head, digits) = int.split_first()?;
    let mut digs = digits.to_vec();
    let top = DIGITS[DIGITS.len() - 1];
    for d in digs.iter_mut().rev() {
        match digit(*d)? {
            0 => *d = top,
            n => {
                *d = DIGITS[n - 1];
                return Some([&[head][..], &digs].concat());
            }
        }
    }
    match head {
        b'a' => Some(vec![b'Z', top]),
        b'A' => None,
        _ => {
            let h = head - 1;
            if h < b'Z' {
                digs.push(top);
            } else {
                digs.pop();
            }
            Some([&[h][..], &digs].concat())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn between(a: Option<&str>, b: Option<&str>) -> String {
        key_between(a, b).unwrap()
    }

    #[test]
    fn matches_the_npm_package() {
        // Expected values from rocicorp/fractional-indexing's own test table.
        assert_eq!(between(None, None), "a0");
        assert_eq!(between(None, Some("a0")), "Zz");
        assert_eq!(between(Some("a0"), None), "a1");
        assert_eq!(between(Some("a1"), None), "a2");
        assert_eq!(between(Some("a0"), Some("a1")), "a0V");
        assert_eq!(between(Some("a1"), Some("a2")), "a1V");
        assert_eq!(between(Some("a0V"), Some("a1")), "a0l");
        assert_eq!(between(Some("Zz"), Some("a0")), "ZzV");
        assert_eq!(between(Some("Zz"), Some("a1")), "a0");
        assert_eq!(between(None, Some("Y00")), "Xzzz");
        assert_eq!(between(Some("bzz"), None), "c000");
        assert_eq!(between(Some("a0"), Some("a0V")), "a0G");
        assert_eq!(between(Some("a0"), Some("a0G")), "a08");
        assert_eq!(between(Some("b125"), Some("b129")), "b127");
        assert_eq!(between(Some("a0"), Some("a1V")), "a1");
        assert_eq!(between(Some("Zz"), Some("a01")), "a0");
        assert_eq!(between(None, Some("a0V")), "a0");
        assert_eq!(between(None, Some("b999")), "b99");
        assert_eq!(
            between(None, Some("A00000000000000000000000000V")),
            "A00000000000000000000000000G"
        );
        assert_eq!(
            between(Some("zzzzzzzzzzzzzzzzzzzzzzzzzzy"), None),
            "zzzzzzzzzzzzzzzzzzzzzzzzzzz"
        );
        assert_eq!(
            between(Some("zzzzzzzzzzzzzzzzzzzzzzzzzzz"), None),
            "zzzzzzzzzzzzzzzzzzzzzzzzzzzV"
        );
    }

    #[test]
    fn rejects_bad_keys() {
        for bad in [
            "",
            "a",
            "a00",
            "a0 ",
            "A00000000000000000000000000",
            "é0",
            "a0-",
        ] {
            assert!(check("z", bad).is_err(), "{bad:?} accepted");
        }
        assert!(key_between(Some("a1"), Some("a0")).is_err());
        assert!(key_between(Some("a1"), Some("a1")).is_err());
    }

    #[test]
    fn appends_stay_short() {
        let mut key = key_after(None).unwrap();
        for _ in 0..10_000 {
            key = key_after(Some(&key)).unwrap();
        }
        assert!(key.len() <= 4, "{key}");
    }

    proptest! {
        #[test]
        fn between_is_strictly_between(steps in proptest::collection::vec(0u8..3, 1..60)) {
            // Build a sorted list by random inserts; every new key must sort in place.
            let mut keys = vec![key_after(None).unwrap()];
            for (i, s) in steps.iter().enumerate() {
                let pos = (i * 7 + *s as usize) % (keys.len() + 1);
                let lo = pos.checked_sub(1).map(|p| keys[p].as_str());
                let hi = keys.get(pos).map(String::as_str);
                let k = key_between(lo, hi).unwrap();
                prop_assert!(check("z", &k).is_ok());
                if let Some(lo) = lo { prop_assert!(lo < k.as_str()); }
                if let Some(hi) = hi { prop_assert!(k.as_str() < hi); }
                keys.insert(pos, k);
            }
        }
    }
}
