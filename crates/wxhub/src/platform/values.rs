//! Values of the marketing platform parsed at the edge: once one exists, it is valid.

use crate::error::{Error, Result};

/// A WeChat openId or unionId: 1–64 letters, digits, `-` or `_`.
fn check_wechat_id(name: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::bad_request(format!("缺少参数 {name}")));
    }
    if text.len() > 64
        || !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::bad_request(format!(
            "{name} 格式错误,应为 1 到 64 位字母、数字、- 或 _"
        )));
    }
    Ok(text.to_string())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenId(String);

impl OpenId {
    pub fn parse(text: &str) -> Result<OpenId> {
        check_wechat_id("openId", text).map(OpenId)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionId(String);

impl UnionId {
    pub fn parse(text: &str) -> Result<UnionId> {
        check_wechat_id("unionId", text).map(UnionId)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A mainland China mobile number, normalised to its 11 digits (`+86`, `86`, spaces and
/// hyphens are accepted around it). `Debug` masks it: phones never reach logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", mask_phone(&self.0))
    }
}

impl Phone {
    pub fn parse(text: &str) -> Result<Phone> {
        let digits: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("0086"))
            .or_else(|| {
                (digits.len() == 13)
                    .then(|| digits.strip_prefix("86"))
                    .flatten()
            })
            .unwrap_or(&digits);
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if !ok {
            return Err(Error::bad_request(
                "phone 格式错误,应为 11 位中国大陆手机号码",
            ));
        }
        Ok(Phone(digits.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 138****1234: what screens and logs may show of a phone.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "****".into()
    }
}

/// A phone masked for display; an unknown (empty) phone stays empty.
pub fn mask_phone_if_any(phone: &str) -> String {
    if phone.is_empty() {
        String::new()
    } else {
        mask_phone(phone)
    }
}

/// A text field with a length limit in characters.
pub fn bounded(name: &str, text: Option<&str>, max_chars: usize) -> Result<String> {
    let text = text.unwrap_or_default().trim();
    if text.chars().count() > max_chars {
        return Err(Error::bad_request(format!(
            "{name} 最长 {max_chars} 个字符"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::bad_request(format!("{name} 含有控制字符")));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_mainland_mobiles() {
        assert_eq!(Phone::parse("13145738791").unwrap().as_str(), "13145738791");
        assert_eq!(
            Phone::parse("+86 131-4573-8791").unwrap().as_str(),
            "13145738791"
        );
        assert_eq!(
            Phone::parse("8613145738791").unwrap().as_str(),
            "13145738791"
        );
        for bad in [
            "",
            "1314573879",
            "23145738791",
            "12145738791",
            "1314573879x",
            "131457387912",
            "+1 13145738791",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            format!("{:?}", Phone::parse("13145738791").unwrap()),
            "Phone(131****8791)"
        );
    }

    #[test]
    fn wechat_ids_are_checked() {
        assert!(OpenId::parse("oIXH1t-sGaDdgpTWGsMPgqmKwWrQ").is_ok());
        assert!(OpenId::parse("").is_err());
        assert!(OpenId::parse("a b").is_err());
        assert!(UnionId::parse(&"x".repeat(65)).is_err());
        assert!(UnionId::parse("<script>").is_err());
    }
}
