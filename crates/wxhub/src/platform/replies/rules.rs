//! A port's auto-reply rules made ready to answer pushes: which rule, if any, a push fires.
//! Plain functions over the rows, tested without a database.

use crate::store::reply_rules::RuleRow;
use std::collections::HashMap;

/// The longest regular expression a keyword rule may hold, in characters.
pub const REGEX_MAX_CHARS: usize = 200;
/// The compiled size a regular expression may reach (regex-lite's size limit, bytes).
const REGEX_SIZE_LIMIT: usize = 256 * 1024;

/// What a push is, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Push<'a> {
    /// A follow; `scene` the QR code's scene when it came from one.
    Subscribe { scene: Option<&'a str> },
    /// A text message.
    Text(&'a str),
    /// Any other message a person sends (image, voice, video, location, link).
    Message,
    /// A menu button's CLICK.
    Click(&'a str),
}

/// How a keyword rule matches.
#[derive(Debug)]
enum Matcher {
    /// The whole message, case folded and trimmed.
    Exact(String),
    /// Anywhere in the message, case folded.
    Contains(String),
    Regex(regex_lite::Regex),
}

/// The rules of one port, ready for pushes.
#[derive(Debug, Default)]
pub struct RuleSet {
    /// Keyword rules in the order they are tried.
    keywords: Vec<(Matcher, RuleRow)>,
    clicks: HashMap<String, RuleRow>,
    /// By scene ('' for any follow).
    subscribes: HashMap<String, RuleRow>,
    default: Option<RuleRow>,
}

/// Folds case (the way keywords are compared) and trims.
pub fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Compiles a keyword's regular expression within the limits (length, compiled size).
pub fn compile(pattern: &str) -> Result<regex_lite::Regex, String> {
    if pattern.chars().count() > REGEX_MAX_CHARS {
        return Err(format!("最长 {REGEX_MAX_CHARS} 个字符"));
    }
    regex_lite::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(32)
        .build()
        .map_err(|e| e.to_string().lines().last().unwrap_or_default().to_string())
}

impl RuleSet {
    /// The enabled rules of `rows` (a port's, in the store's order: keywords by priority, the
    /// higher first, then the older first). A stored expression that no longer compiles is
    /// left out.
    pub fn new(rows: Vec<RuleRow>) -> RuleSet {
        let mut set = RuleSet::default();
        let mut rows: Vec<RuleRow> = rows.into_iter().filter(|r| r.enabled).collect();
        rows.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
        for row in rows {
            match row.fires_on.as_str() {
                "keyword" => {
                    let matcher = match row.match_kind.as_str() {
                        "exact" => Matcher::Exact(fold(&row.pattern)),
                        "contains" => Matcher::Contains(fold(&row.pattern)),
                        "regex" => match compile(&row.pattern) {
                            Ok(re) => Matcher::Regex(re),
                            Err(_) => continue,
                        },
                        _ => continue,
                    };
                    set.keywords.push((matcher, row));
                }
                "click" => {
                    set.clicks.insert(row.pattern.clone(), row);
                }
                "subscribe" => {
                    set.subscribes.insert(row.pattern.clone(), row);
                }
                "default" => set.default = Some(row),
                _ => {}
            }
        }
        set
    }

    /// The rule `push` fires, if any: a follow's scene's welcome, else the welcome of any
    /// follow; a text's first keyword in order, else the default; another message the
    /// default; a click its key's rule.
    pub fn fired(&self, push: Push<'_>) -> Option<&RuleRow> {
        match push {
            Push::Subscribe { scene } => scene
                .filter(|s| !s.is_empty())
                .and_then(|s| self.subscribes.get(s))
                .or_else(|| self.subscribes.get("")),
            Push::Text(text) => {
                let folded = fold(text);
                self.keywords
                    .iter()
                    .find(|(m, _)| match m {
                        Matcher::Exact(k) => *k == folded,
                        Matcher::Contains(k) => folded.contains(k.as_str()),
                        Matcher::Regex(re) => re.is_match(text.trim()),
                    })
                    .map(|(_, row)| row)
                    .or(self.default.as_ref())
            }
            Push::Message => self.default.as_ref(),
            Push::Click(key) => self.clicks.get(key),
        }
    }

    /// How many rules are in force.
    pub fn len(&self) -> usize {
        self.keywords.len()
            + self.clicks.len()
            + self.subscribes.len()
            + usize::from(self.default.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, fires_on: &str, match_kind: &str, pattern: &str, priority: i64) -> RuleRow {
        RuleRow {
            id,
            fires_on: fires_on.into(),
            match_kind: match_kind.into(),
            pattern: pattern.into(),
            priority,
            enabled: true,
            ..RuleRow::default()
        }
    }

    fn fired(set: &RuleSet, push: Push) -> Option<i64> {
        set.fired(push).map(|r| r.id)
    }

    #[test]
    fn keywords_are_tried_by_priority_then_age_and_the_default_catches_the_rest() {
        let set = RuleSet::new(vec![
            rule(1, "keyword", "contains", "报名", 0),
            rule(2, "keyword", "exact", "报名", 0),
            rule(3, "keyword", "exact", "Hello", 5),
            rule(4, "keyword", "regex", r"^第\d+期$", 0),
            rule(5, "default", "", "", 0),
            rule(6, "keyword", "contains", "会议", 9),
        ]);
        assert_eq!(
            fired(&set, Push::Text("报名")),
            Some(1),
            "same priority: the older"
        );
        assert_eq!(fired(&set, Push::Text("我要报名")), Some(1));
        assert_eq!(
            fired(&set, Push::Text("  hello ")),
            Some(3),
            "case and spaces"
        );
        assert_eq!(fired(&set, Push::Text("hello!")), Some(5), "exact is exact");
        assert_eq!(fired(&set, Push::Text("第12期")), Some(4));
        assert_eq!(
            fired(&set, Push::Text("会议报名")),
            Some(6),
            "the higher priority"
        );
        assert_eq!(fired(&set, Push::Text("随便说说")), Some(5));
        assert_eq!(fired(&set, Push::Message), Some(5));
        assert_eq!(
            fired(&set, Push::Click("X")),
            None,
            "a click is not a message"
        );
    }

    #[test]
    fn a_follow_takes_its_scene_s_welcome_else_the_general_one() {
        let set = RuleSet::new(vec![
            rule(1, "subscribe", "", "", 0),
            rule(2, "subscribe", "", "expo2026", 0),
            rule(3, "click", "", "V1001_TODAY", 0),
        ]);
        assert_eq!(fired(&set, Push::Subscribe { scene: None }), Some(1));
        assert_eq!(
            fired(
                &set,
                Push::Subscribe {
                    scene: Some("expo2026")
                }
            ),
            Some(2)
        );
        assert_eq!(
            fired(
                &set,
                Push::Subscribe {
                    scene: Some("other")
                }
            ),
            Some(1)
        );
        assert_eq!(fired(&set, Push::Click("V1001_TODAY")), Some(3));
        assert_eq!(fired(&set, Push::Click("nope")), None);
        assert_eq!(fired(&set, Push::Text("hi")), None, "no default: no reply");
    }

    #[test]
    fn disabled_rules_and_broken_expressions_fire_nothing() {
        let mut off = rule(1, "keyword", "exact", "hi", 0);
        off.enabled = false;
        let set = RuleSet::new(vec![off, rule(2, "keyword", "regex", "(", 0)]);
        assert!(set.is_empty());
        assert_eq!(fired(&set, Push::Text("hi")), None);
    }

    #[test]
    fn expressions_are_held_to_their_limits() {
        assert!(compile("^(a|b)+$").is_ok());
        assert!(compile(&"a".repeat(REGEX_MAX_CHARS + 1)).is_err());
        assert!(compile("(").is_err());
        assert!(compile(&format!("{}a{}", "(".repeat(40), ")".repeat(40))).is_err());
        // Linear in the text: a pattern that sends a backtracking engine into exponential time
        // (and this test past any patience) is answered like any other.
        let re = compile("^(a+)+$").unwrap();
        assert!(!re.is_match(&format!("{}b", "a".repeat(5000))));
    }
}
