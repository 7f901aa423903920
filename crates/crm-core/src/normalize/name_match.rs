//! Name matching that does not care where a name is split: `محمد رضا`, `محمدرضا` and
//! `محمد‌رضا` (with ZWNJ) are one name, as are `کریمی نژاد` and `کریمی‌نژاد`.

use super::text::{normalize_text, search_tokens};

/// Up to this many adjacent words are also indexed joined into one.
pub const MAX_JOINED_WORDS: usize = 3;

/// The search tokens of a name ([`search_tokens`]), followed by every run of 2 to
/// [`MAX_JOINED_WORDS`] adjacent tokens joined without a space (`محمد رضا کریمی` also gives
/// `محمدرضا`, `رضاکریمی` and `محمدرضاکریمی`). Distinct, in order of first occurrence.
///
/// ```
/// use crm_core::normalize::name_tokens;
///
/// assert_eq!(name_tokens("محمد رضا"), ["محمد", "رضا", "محمدرضا"]);
/// ```
pub fn name_tokens(name: &str) -> Vec<String> {
    let key = normalize_text(name);
    let words: Vec<&str> = key
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = search_tokens(name);
    for len in 2..=MAX_JOINED_WORDS {
        for run in words.windows(len) {
            let joined = run.concat();
            if !out.contains(&joined) {
                out.push(joined);
            }
        }
    }
    out
}

/// The words of a search query, normalised ([`normalize_text`]), in order and with repeats
/// kept (unlike [`search_tokens`]): `زاده زاده` must be able to rebuild `زادهزاده`.
///
/// ```
/// use crm_core::normalize::query_tokens;
///
/// assert_eq!(query_tokens("Ali  ali"), ["ali", "ali"]);
/// ```
pub fn query_tokens(query: &str) -> Vec<String> {
    normalize_text(query)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// True when the query tokens can be cut into runs of adjacent tokens, each of which,
/// joined without a space, starts one of `own` (a name's [`name_tokens`]). Every single query
/// token starting a word is the usual case; `محمدرضا` against `محمد رضا` and `کریمی نژاد`
/// against `کریمی‌نژاد` are the others. An empty query matches nothing.
///
/// ```
/// use crm_core::normalize::{name_tokens, search_tokens, tokens_match};
///
/// let own = name_tokens("کریمی‌نژاد");
/// assert!(tokens_match(&search_tokens("کریمی نژاد"), &own));
/// assert!(tokens_match(&search_tokens("کریمی"), &own));
/// assert!(!tokens_match(&search_tokens("نژاد کریمی"), &own));
/// ```
pub fn tokens_match(query: &[String], own: &[String]) -> bool {
    if query.is_empty() {
        return false;
    }
    // reach[i]: the first i query tokens can be cut into matching runs.
    let mut reach = vec![false; query.len() + 1];
    reach[0] = true;
    for start in 0..query.len() {
        if !reach[start] {
            continue;
        }
        let mut joined = String::new();
        for (end, token) in query.iter().enumerate().skip(start) {
            joined.push_str(token);
            if own.iter().any(|o| o.starts_with(joined.as_str())) {
                reach[end + 1] = true;
            } else {
                break;
            }
        }
    }
    reach[query.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn matches(query: &str, name: &str) -> bool {
        tokens_match(&query_tokens(query), &name_tokens(name))
    }

    #[test]
    fn spaces_and_zwnj_inside_names_do_not_matter() {
        for (query, name) in [
            ("محمد رضا", "محمدرضا"),
            ("محمدرضا", "محمد رضا"),
            ("محمدرضا", "محمد\u{200c}رضا"),
            ("کریمی نژاد", "کریمی\u{200c}نژاد"),
            ("کریمی‌نژاد", "علی کریمی نژاد"),
            ("محمدرضا کریمی", "محمد رضا کریمی نژاد"),
            ("ali", "Ali Rezaei"),
            // A repeated word rebuilds the joined word (proptest found it).
            ("زاده زاده محمد", "زادهزاده\u{200c}محمد تهرانی"),
        ] {
            assert!(matches(query, name), "{query} should find {name}");
        }
        assert!(!matches("رضا محمد", "محمدرضا"));
        assert!(!matches("حسین", "محمد رضا"));
        assert!(!matches("", "محمد"));
    }

    const WORDS: [&str; 8] = ["محمد", "رضا", "علی", "کریمی", "نژاد", "زاده", "حسین", "پور"];

    proptest! {
        /// A name of 1 to 3 words, written with any mix of space, ZWNJ or nothing between
        /// the words, is found by the same words written with any other mix, and by the
        /// first letters of its first word.
        #[test]
        fn any_separator_finds_any_other(
            picks in proptest::collection::vec(0..WORDS.len(), 1..=3),
            stored_seps in proptest::collection::vec(0..3usize, 2),
            query_seps in proptest::collection::vec(0..3usize, 2),
        ) {
            let write = |seps: &[usize]| {
                let mut s = String::new();
                for (i, p) in picks.iter().enumerate() {
                    if i > 0 {
                        s.push_str(["", " ", "\u{200c}"][seps[i - 1]]);
                    }
                    s.push_str(WORDS[*p]);
                }
                s
            };
            let name = format!("{} تهرانی", write(&stored_seps));
            let query = write(&query_seps);
            prop_assert!(matches(&query, &name), "{query:?} should find {name:?}");
            let first: String = WORDS[picks[0]].chars().take(2).collect();
            prop_assert!(matches(&first, &name));
        }
    }
}
