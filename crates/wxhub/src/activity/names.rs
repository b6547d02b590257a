//! How an activity's big screens and public lottery results name people (issue 36): by their
//! full real name (a staff party: the host must be able to announce who won), masked (张*三, a
//! promotion among strangers) or by their WeChat nickname only. Each activity chooses; without a
//! choice its purpose decides: an internal lottery, or an activity restricted to a meeting's
//! roster, shows full names, anything else masked ones. The verification page and the exports
//! keep their own rules (masked, and whole, respectively).

use crate::error::Result;
use crate::store::activities::ActivityRow;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameDisplay {
    Full,
    Masked,
    Nickname,
}

impl NameDisplay {
    pub const ALL: [NameDisplay; 3] = [
        NameDisplay::Full,
        NameDisplay::Masked,
        NameDisplay::Nickname,
    ];

    pub fn parse(text: &str) -> Option<NameDisplay> {
        match text.trim() {
            "full" => Some(NameDisplay::Full),
            "masked" => Some(NameDisplay::Masked),
            "nickname" => Some(NameDisplay::Nickname),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NameDisplay::Full => "full",
            NameDisplay::Masked => "masked",
            NameDisplay::Nickname => "nickname",
        }
    }

    /// As the console's form says it.
    pub fn label(self) -> &'static str {
        match self {
            NameDisplay::Full => "全名(张三丰)",
            NameDisplay::Masked => "隐去部分姓名(张*丰)",
            NameDisplay::Nickname => "微信昵称",
        }
    }

    /// A small index (cached texts per display).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name part shown for a person with this real name: whole, masked, or nothing (the
    /// nickname then stands alone).
    pub fn name(self, real_name: &str) -> String {
        match self {
            NameDisplay::Full => real_name.trim().to_string(),
            NameDisplay::Masked => crate::privacy::mask_name(real_name),
            NameDisplay::Nickname => String::new(),
        }
    }

    /// One text for a person: the name part, else the nickname.
    pub fn shown(self, real_name: &str, nickname: &str) -> String {
        match self.name(real_name) {
            name if !name.is_empty() => name,
            _ => nickname.to_string(),
        }
    }
}

/// What the activity chose, if it chose.
pub fn chosen(activity: &ActivityRow) -> Option<NameDisplay> {
    activity
        .name_display
        .as_deref()
        .and_then(NameDisplay::parse)
}

/// How the activity's screens and public results name people now: its choice, else by its
/// purpose (see the module's comment).
pub async fn of_activity(store: &Store, activity: &ActivityRow) -> Result<NameDisplay> {
    if let Some(chosen) = chosen(activity) {
        return Ok(chosen);
    }
    default_for(store, activity).await
}

/// The display an activity without a choice gets.
pub async fn default_for(store: &Store, activity: &ActivityRow) -> Result<NameDisplay> {
    let internal = activity.permission != 0
        || (activity.kind == "lottery"
            && crate::activity::lottery::settings(store, activity)
                .await?
                .internal());
    Ok(if internal {
        NameDisplay::Full
    } else {
        NameDisplay::Masked
    })
}

#[cfg(test)]
mod tests {
    use super::NameDisplay;

    #[test]
    fn each_display_names_a_person_its_way() {
        assert_eq!(NameDisplay::Full.shown("张三丰", "sanfeng"), "张三丰");
        assert_eq!(NameDisplay::Masked.shown("张三丰", "sanfeng"), "张*丰");
        assert_eq!(NameDisplay::Nickname.shown("张三丰", "sanfeng"), "sanfeng");
        // Without a real name every display falls back to the nickname.
        for d in NameDisplay::ALL {
            assert_eq!(d.shown("", "sanfeng"), "sanfeng");
            assert_eq!(NameDisplay::parse(d.as_str()), Some(d));
        }
        assert_eq!(NameDisplay::parse("whole"), None);
    }
}
