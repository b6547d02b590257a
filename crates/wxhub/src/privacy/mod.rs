//! Personal information as the law (PIPL Art. 13, 14, 17) and people expect: the notice an org
//! shows before collecting a name or phone, and the consent recorded with each member
//! (docs/privacy.md).

pub mod notice;
pub mod people;
pub mod retention;

/// 张*三: what a screen shows of a name. At most two stars, whatever the name's length: a long
/// name still fits a sign-in wall's tile (欧**试), and the mask does not tell the length.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat((n - 2).min(2)), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_names_with_at_most_two_stars() {
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name("林"), "*");
        assert_eq!(mask_name("林一"), "林*");
        assert_eq!(mask_name("张小三"), "张*三");
        assert_eq!(mask_name("欧阳小雨"), "欧**雨");
        assert_eq!(mask_name("欧阳诸葛司马上官长名字测试"), "欧**试");
    }
}
