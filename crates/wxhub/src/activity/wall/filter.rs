//! An org's sensitive words, compiled into one multi-pattern matcher (Aho–Corasick) over text
//! normalised for width and case, and cached per org for a few seconds.

use crate::error::Result;
use crate::store::wall as sql;
use crate::store::Store;
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an org's compiled word list is trusted (changes reach every instance this fast).
const FILTER_TTL: Duration = Duration::from_secs(5);
pub const MAX_WORDS: usize = 10_000;

/// Characters that render as nothing (or nothing of their own) and so can be slipped into a
/// word to hide it: zero-width spaces and joiners, direction marks, soft hyphens, variation
/// selectors, tag characters, fillers.
fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF9..=0xFFFB | 0x1D173..=0x1D17A | 0xE0000..=0xE007F
        | 0xE0100..=0xE01EF)
}

/// One character of text as the matcher sees it: nothing for an invisible character, else its
/// compatibility decomposition (NFKC: full-width letters, circled and styled forms, the
/// ideographic space) in lower case. Applied character by character, so that every matched
/// position maps back to the original characters to mask.
fn normalise(c: char, out: &mut String) {
    use unicode_normalization::UnicodeNormalization;
    if is_invisible(c) {
        return;
    }
    let mut buf = [0u8; 4];
    for n in c.encode_utf8(&mut buf).nfkc() {
        if is_invisible(n) {
            continue;
        }
        out.extend(n.to_lowercase());
    }
}

fn normalised(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        normalise(c, &mut out);
    }
    out
}

/// An org's sensitive words, compiled.
pub struct Filter {
    matcher: Option<AhoCorasick>,
}

impl Filter {
    pub fn new(words: &[String]) -> Filter {
        let words: Vec<String> = words
            .iter()
            .map(|w| normalised(w))
            .filter(|w: &String| !w.trim().is_empty())
            .collect();
        let matcher = (!words.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&words)
                .expect("literal patterns compile")
        });
        Filter { matcher }
    }

    /// The text with every sensitive word masked by `*`, and whether any was found.
    pub fn apply(&self, text: &str) -> (String, bool) {
        let Some(matcher) = &self.matcher else {
            return (text.to_string(), false);
        };
        let mut chars: Vec<char> = text.chars().collect();
        let mut normalised = String::with_capacity(text.len());
        let mut starts = Vec::with_capacity(chars.len());
        for c in &chars {
            starts.push(normalised.len());
            normalise(*c, &mut normalised);
        }
        let mut found = false;
        for m in matcher.find_iter(&normalised) {
            found = true;
            let from = starts.partition_point(|&b| b < m.start());
            let to = starts.partition_point(|&b| b < m.end());
            for c in &mut chars[from..to] {
                *c = '*';
            }
        }
        (chars.into_iter().collect(), found)
    }
}

/// Compiled filters per org, refreshed every few seconds.
#[derive(Default)]
pub struct FilterCache {
    entries: Mutex<HashMap<i64, (Instant, Arc<Filter>)>>,
}

impl FilterCache {
    pub async fn get(&self, store: &Store, org_id: i64) -> Result<Arc<Filter>> {
        if let Some((at, filter)) = self.entries.lock().expect("lock").get(&org_id) {
            if at.elapsed() < FILTER_TTL {
                return Ok(filter.clone());
            }
        }
        let words: Vec<String> = sql::words(store, org_id)
            .await?
            .into_iter()
            .map(|(_, w)| w)
            .collect();
        let filter = Arc::new(Filter::new(&words));
        self.entries
            .lock()
            .expect("lock")
            .insert(org_id, (Instant::now(), filter.clone()));
        Ok(filter)
    }

    pub fn forget(&self, org_id: i64) {
        self.entries.lock().expect("lock").remove(&org_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_masked_whatever_their_width_and_case() {
        let f = Filter::new(&["赌博".into(), "spam".into(), "ＡＢ".into()]);
        assert_eq!(f.apply("今天不赌博"), ("今天不**".to_string(), true));
        assert_eq!(
            f.apply("buy ＳＰＡＭ now"),
            ("buy **** now".to_string(), true)
        );
        assert_eq!(f.apply("xaby"), ("x**y".to_string(), true));
        assert_eq!(f.apply("干净的话"), ("干净的话".to_string(), false));
        assert_eq!(Filter::new(&[]).apply("spam"), ("spam".to_string(), false));
    }

    #[test]
    fn invisible_characters_and_compatibility_forms_do_not_hide_a_word() {
        let f = Filter::new(&["赌博".into(), "spam".into()]);
        // Zero-width space, joiner, BOM and soft hyphen inside the word: masked with it.
        assert_eq!(f.apply("赌\u{200B}博"), ("***".to_string(), true));
        assert_eq!(
            f.apply("s\u{200D}p\u{FEFF}a\u{00AD}m!"),
            ("*******!".to_string(), true)
        );
        // Circled, mathematical and full-width forms.
        assert_eq!(f.apply("ⓢⓟⓐⓜ"), ("****".to_string(), true));
        assert_eq!(f.apply("𝐬𝐩𝐚𝐦"), ("****".to_string(), true));
        assert_eq!(f.apply("ＳｐＡｍ"), ("****".to_string(), true));
        // The original characters are what is kept around the mask.
        assert_eq!(f.apply("a\u{200B}b"), ("a\u{200B}b".to_string(), false));
    }
}
