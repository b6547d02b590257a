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

/// Full-width ASCII to half-width, the ideographic space to a space, ASCII to lower case: one
/// character for one, so positions in the normalised text are positions in the original.
fn normalise(c: char) -> char {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// An org's sensitive words, compiled.
pub struct Filter {
    matcher: Option<AhoCorasick>,
}

impl Filter {
    pub fn new(words: &[String]) -> Filter {
        let words: Vec<String> = words
            .iter()
            .map(|w| w.chars().map(normalise).collect::<String>())
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
            normalised.push(normalise(*c));
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
}
