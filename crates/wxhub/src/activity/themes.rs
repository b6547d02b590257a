//! The big screens' themes (issue 36): a few looks an organiser chooses per activity in the
//! console (with a live preview), over which the activity's own background image and logo
//! still show. Colours live in assets/screen.css (`body.screen[data-theme=…]`).

use crate::store::activities::ActivityRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Deep green with gold: wxhub's own look.
    #[default]
    Green,
    /// 年会红: red and gold, for annual parties.
    Red,
    /// 科技蓝: night blue and cyan, for launches and conferences.
    Blue,
    /// 简约白: light, for daylight rooms and projectors that wash dark colours out.
    White,
}

impl Theme {
    pub const ALL: [Theme; 4] = [Theme::Green, Theme::Red, Theme::Blue, Theme::White];

    pub fn parse(text: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == text.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Green => "green",
            Theme::Red => "red",
            Theme::Blue => "blue",
            Theme::White => "white",
        }
    }

    /// As the console's form says it.
    pub fn label(self) -> &'static str {
        match self {
            Theme::Green => "墨绿(默认)",
            Theme::Red => "年会红",
            Theme::Blue => "科技蓝",
            Theme::White => "简约白",
        }
    }
}

/// What the activity chose, if it chose.
pub fn chosen(activity: &ActivityRow) -> Option<Theme> {
    activity.screen_theme.as_deref().and_then(Theme::parse)
}

/// The theme its screens show now.
pub fn of_activity(activity: &ActivityRow) -> Theme {
    chosen(activity).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::Theme;

    #[test]
    fn themes_read_back_what_they_write() {
        for t in Theme::ALL {
            assert_eq!(Theme::parse(t.as_str()), Some(t));
        }
        assert_eq!(Theme::parse("pink"), None);
        assert_eq!(Theme::default(), Theme::Green);
    }
}
