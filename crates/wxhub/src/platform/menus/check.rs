//! A menu as WeChat takes it, and its checks against WeChat's limits — made before any call,
//! so that an operator hears which button is wrong in words, not WeChat's errcode: 1 to 3
//! buttons, 1 to 5 under one; a name of at most 16 bytes (60 under a button); a known type
//! with what it needs — a key (128 bytes), a link (1,024), a mini program's appid and page, a
//! media_id or an article_id.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One button: with `sub_button`, a group (its own type unused); else an action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Button {
    pub name: String,
    /// click, view, miniprogram, scancode_push, scancode_waitmsg, pic_sysphoto,
    /// pic_photo_or_album, pic_weixin, location_select, media_id, article_id or
    /// article_view_limited.
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub appid: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pagepath: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub media_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub article_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub sub_button: Vec<Button>,
}

/// Who a conditional menu is for (WeChat's `matchrule`; at least one given).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MatchRule {
    /// A tag's id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tag_id: String,
    /// 1 male, 2 female.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sex: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub country: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub province: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub city: String,
    /// 1 iOS, 2 Android, 3 others.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_platform_type: String,
    /// zh_CN, zh_TW, en…
    #[serde(skip_serializing_if = "String::is_empty")]
    pub language: String,
}

/// What each button type needs besides its name.
enum Needs {
    Key,
    Link,
    MiniProgram,
    MediaId,
    ArticleId,
}

fn needs(kind: &str) -> Option<Needs> {
    Some(match kind {
        "click" | "scancode_push" | "scancode_waitmsg" | "pic_sysphoto" | "pic_photo_or_album"
        | "pic_weixin" | "location_select" => Needs::Key,
        "view" => Needs::Link,
        "miniprogram" => Needs::MiniProgram,
        "media_id" => Needs::MediaId,
        "article_id" | "article_view_limited" => Needs::ArticleId,
        _ => return None,
    })
}

fn is_link(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    url.len() <= 1024
        && (lower.starts_with("http://") || lower.starts_with("https://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
        && url::Url::parse(url).is_ok_and(|u| u.host_str().is_some())
}

/// Where a button is, in words: 第 2 个菜单, 第 2 个菜单的第 3 个子菜单.
fn place(top: usize, sub: Option<usize>) -> String {
    match sub {
        None => format!("第 {} 个菜单", top + 1),
        Some(s) => format!("第 {} 个菜单的第 {} 个子菜单", top + 1, s + 1),
    }
}

fn check_action(b: &Button, at: &str) -> Result<(), String> {
    let Some(need) = needs(&b.kind) else {
        return Err(format!(
            "{at}「{}」:请选择类型(点击、链接、小程序、扫码、拍照、发送位置、图片或图文)",
            b.name
        ));
    };
    let named = |what: &str| format!("{at}「{}」:{what}", b.name);
    match need {
        Needs::Key => {
            if b.key.trim().is_empty() || b.key.len() > 128 || b.key.chars().any(char::is_control) {
                return Err(named("key 需要 1 到 128 个字节"));
            }
        }
        Needs::Link => {
            if !is_link(&b.url) {
                return Err(named(
                    "链接应为 http:// 或 https:// 开头的网址(最长 1024 个字节)",
                ));
            }
        }
        Needs::MiniProgram => {
            if b.appid.trim().is_empty() || b.pagepath.trim().is_empty() {
                return Err(named("小程序需要 appid 和页面路径 pagepath"));
            }
            if !is_link(&b.url) {
                return Err(named(
                    "小程序还需要一个备用网页链接(不支持小程序的旧版微信打开它)",
                ));
            }
        }
        Needs::MediaId => {
            if b.media_id.trim().is_empty() {
                return Err(named("请选择素材库中的图片(media_id)"));
            }
        }
        Needs::ArticleId => {
            if b.article_id.trim().is_empty() {
                return Err(named("请填写图文的 article_id"));
            }
        }
    }
    Ok(())
}

fn check_name(name: &str, max_bytes: usize, at: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!("{at}:请填写名称"));
    }
    if name.len() > max_bytes || name.chars().any(char::is_control) {
        return Err(format!(
            "{at}「{name}」:名称最长 {max_bytes} 个字节(约 {} 个汉字)",
            max_bytes / 3
        ));
    }
    Ok(())
}

/// The menu checked against WeChat's limits: the first fault, in words.
pub fn check(buttons: &[Button]) -> Result<(), String> {
    if buttons.is_empty() || buttons.len() > 3 {
        return Err("菜单需要 1 到 3 个一级菜单".into());
    }
    for (i, b) in buttons.iter().enumerate() {
        let at = place(i, None);
        check_name(&b.name, 16, &at)?;
        if b.sub_button.is_empty() {
            check_action(b, &at)?;
            continue;
        }
        if b.sub_button.len() > 5 {
            return Err(format!("{at}「{}」:最多 5 个子菜单", b.name));
        }
        for (j, sub) in b.sub_button.iter().enumerate() {
            let at = place(i, Some(j));
            if !sub.sub_button.is_empty() {
                return Err(format!("{at}「{}」:子菜单下不能再有菜单", sub.name));
            }
            check_name(&sub.name, 60, &at)?;
            check_action(sub, &at)?;
        }
    }
    Ok(())
}

/// The rule checked: at least one condition, each as WeChat writes it.
pub fn check_rule(rule: &MatchRule) -> Result<(), String> {
    let fields = [
        &rule.tag_id,
        &rule.sex,
        &rule.country,
        &rule.province,
        &rule.city,
        &rule.client_platform_type,
        &rule.language,
    ];
    if fields.iter().all(|f| f.trim().is_empty()) {
        return Err("个性化菜单至少需要一个条件(标签、性别、地区、手机系统或语言)".into());
    }
    if !rule.tag_id.is_empty() && rule.tag_id.parse::<u32>().is_err() {
        return Err("标签应为标签的 id".into());
    }
    if !matches!(rule.sex.as_str(), "" | "1" | "2") {
        return Err("性别应为 1(男)或 2(女)".into());
    }
    if !matches!(rule.client_platform_type.as_str(), "" | "1" | "2" | "3") {
        return Err("手机系统应为 1(iOS)、2(Android)或 3(其他)".into());
    }
    if fields
        .iter()
        .any(|f| f.chars().count() > 32 || f.chars().any(char::is_control))
    {
        return Err("条件最长 32 个字符".into());
    }
    if (!rule.province.is_empty() && rule.country.is_empty())
        || (!rule.city.is_empty() && rule.province.is_empty())
    {
        return Err("地区需从国家填起:填省份须有国家,填城市须有省份".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(name: &str, key: &str) -> Button {
        Button {
            name: name.into(),
            kind: "click".into(),
            key: key.into(),
            ..Button::default()
        }
    }

    fn group(name: &str, subs: Vec<Button>) -> Button {
        Button {
            name: name.into(),
            sub_button: subs,
            ..Button::default()
        }
    }

    #[test]
    fn a_menu_within_wechat_s_limits_passes() {
        let view = Button {
            name: "官网".into(),
            kind: "view".into(),
            url: "https://example.com/".into(),
            ..Button::default()
        };
        assert_eq!(
            check(&[
                click("签到", "SIGN"),
                group("活动", vec![view, click("抽奖", "DRAW")]),
                click("四个汉字", "K")
            ]),
            Ok(())
        );
    }

    #[test]
    fn each_fault_names_its_button() {
        let too_many: Vec<Button> = (0..4).map(|i| click(&format!("b{i}"), "k")).collect();
        assert_eq!(check(&too_many).unwrap_err(), "菜单需要 1 到 3 个一级菜单");
        assert_eq!(check(&[]).unwrap_err(), "菜单需要 1 到 3 个一级菜单");
        assert_eq!(
            check(&[click("六个汉字的名", "k")]).unwrap_err(),
            "第 1 个菜单「六个汉字的名」:名称最长 16 个字节(约 5 个汉字)"
        );
        assert_eq!(
            check(&[click("签到", "")]).unwrap_err(),
            "第 1 个菜单「签到」:key 需要 1 到 128 个字节"
        );
        let six = (0..6).map(|i| click(&format!("s{i}"), "k")).collect();
        assert_eq!(
            check(&[click("a", "k"), group("活动", six)]).unwrap_err(),
            "第 2 个菜单「活动」:最多 5 个子菜单"
        );
        let bad_link = Button {
            name: "官网".into(),
            kind: "view".into(),
            url: "javascript:alert(1)".into(),
            ..Button::default()
        };
        assert_eq!(
            check(&[group("活动", vec![click("x", "k"), bad_link])]).unwrap_err(),
            "第 1 个菜单的第 2 个子菜单「官网」:链接应为 http:// 或 https:// 开头的网址(最长 1024 个字节)"
        );
        let untyped = Button {
            name: "空".into(),
            ..Button::default()
        };
        assert!(check(&[untyped]).unwrap_err().contains("请选择类型"));
        let mini = Button {
            name: "小程序".into(),
            kind: "miniprogram".into(),
            appid: "wx1".into(),
            url: "https://example.com/".into(),
            ..Button::default()
        };
        assert_eq!(
            check(&[mini]).unwrap_err(),
            "第 1 个菜单「小程序」:小程序需要 appid 和页面路径 pagepath"
        );
        let sub_name = "名".repeat(21);
        assert_eq!(
            check(&[group("活动", vec![click(&sub_name, "k")])]).unwrap_err(),
            format!("第 1 个菜单的第 1 个子菜单「{sub_name}」:名称最长 60 个字节(约 20 个汉字)")
        );
    }

    #[test]
    fn a_rule_needs_a_condition_written_as_wechat_writes_it() {
        assert!(check_rule(&MatchRule::default()).is_err());
        let rule = |f: fn(&mut MatchRule)| {
            let mut r = MatchRule::default();
            f(&mut r);
            check_rule(&r)
        };
        assert_eq!(rule(|r| r.tag_id = "101".into()), Ok(()));
        assert_eq!(
            rule(|r| r.sex = "3".into()).unwrap_err(),
            "性别应为 1(男)或 2(女)"
        );
        assert!(rule(|r| r.tag_id = "VIP".into()).is_err());
        assert!(rule(|r| r.client_platform_type = "4".into()).is_err());
        assert!(rule(|r| r.city = "广州".into()).is_err());
        assert_eq!(
            rule(|r| {
                r.country = "中国".into();
                r.province = "广东".into();
                r.city = "广州".into();
            }),
            Ok(())
        );
    }
}
