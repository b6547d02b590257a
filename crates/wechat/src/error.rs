//! The crate's one error type, and the table that classifies every WeChat errcode once: that
//! table alone decides what is retried, what refreshes the token and what is final.

use std::fmt;

/// What a caller does about an errcode. Every retry decision of the client reads this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The access token was refused (40001, 40014, 42001): re-read the store or fetch a new
    /// token, then retry once.
    RefreshToken,
    /// WeChat is busy (-1): retry after a backoff.
    Busy,
    /// A quota is exhausted (45009): stop calling for this app until the quota resets.
    QuotaExhausted,
    /// Nothing a retry changes (43004 not subscribed, 40003 bad openid, 40037 bad template…).
    Final,
}

/// One row of the errcode table.
struct Code {
    errcode: i64,
    class: ErrorClass,
    description: &'static str,
}

const fn code(errcode: i64, class: ErrorClass, description: &'static str) -> Code {
    Code {
        errcode,
        class,
        description,
    }
}

use ErrorClass::{Busy, Final, QuotaExhausted, RefreshToken};

/// WeChat's documented codes with their Chinese descriptions (as WeChat's docs word them; 43004
/// as the legacy service words it: "需要接收者关注").
static CODES: &[Code] = &[
    code(-1, Busy, "系统繁忙,请稍候再试"),
    code(
        40001,
        RefreshToken,
        "获取 access_token 时 AppSecret 错误,或者 access_token 无效",
    ),
    code(40002, Final, "不合法的凭证类型"),
    code(40003, Final, "不合法的 OpenID"),
    code(40004, Final, "不合法的媒体文件类型"),
    code(40007, Final, "不合法的媒体文件 id"),
    code(40008, Final, "不合法的消息类型"),
    code(40013, Final, "不合法的 AppID"),
    code(40014, RefreshToken, "不合法的 access_token"),
    code(40016, Final, "不合法的按钮个数"),
    code(40017, Final, "不合法的按钮类型"),
    code(40018, Final, "不合法的按钮名字长度"),
    code(40019, Final, "不合法的按钮 KEY 长度"),
    code(40023, Final, "不合法的子菜单按钮个数"),
    code(40024, Final, "不合法的子菜单按钮类型"),
    code(40025, Final, "不合法的子菜单按钮名字长度"),
    code(40026, Final, "不合法的子菜单按钮 KEY 长度"),
    code(40027, Final, "不合法的子菜单按钮 URL 长度"),
    code(40029, Final, "无效的 oauth_code"),
    code(40032, Final, "openid 列表不合法(每次最多 50 个)"),
    code(40033, Final, "不合法的字符"),
    code(40036, Final, "不合法的 template_id 长度"),
    code(40037, Final, "不合法的 template_id"),
    code(40125, Final, "不合法的 AppSecret"),
    code(40163, Final, "oauth_code 已使用"),
    code(40164, Final, "调用接口的 IP 地址不在白名单中"),
    code(41001, Final, "缺少 access_token 参数"),
    code(41002, Final, "缺少 appid 参数"),
    code(41004, Final, "缺少 secret 参数"),
    code(41008, Final, "缺少 oauth code"),
    code(41030, Final, "不合法的小程序页面路径"),
    code(42001, RefreshToken, "access_token 超时"),
    code(42002, Final, "refresh_token 超时"),
    code(42003, Final, "oauth_code 超时"),
    code(43004, Final, "需要接收者关注"),
    code(43101, Final, "用户拒绝接受消息"),
    code(44002, Final, "POST 的数据包为空"),
    code(45009, QuotaExhausted, "接口调用超过每日限额"),
    code(45011, Final, "接口调用太频繁,请稍候再试"),
    code(
        45015,
        Final,
        "回复时间超过限制(用户 48 小时内未与公众号互动)",
    ),
    code(45047, Final, "客服接口下行条数超过上限"),
    code(45056, Final, "标签数量已达上限(100 个)"),
    code(45057, Final, "该标签下粉丝超过 10 万,不能直接删除"),
    code(45058, Final, "不能修改微信保留的标签"),
    code(45059, Final, "有粉丝身上的标签数已达上限(20 个)"),
    code(45157, Final, "标签名非法或与其他标签重名"),
    code(45158, Final, "标签名长度超过 30 个字节"),
    code(45159, Final, "非法的标签"),
    code(46003, Final, "不存在的菜单数据"),
    code(47001, Final, "解析 JSON/XML 内容错误"),
    code(48001, Final, "api 功能未授权"),
    code(48004, Final, "api 接口被封禁"),
    code(50001, Final, "用户未授权该 api"),
    code(65301, Final, "不存在此 menuid 对应的个性化菜单"),
    code(65302, Final, "没有相应的用户"),
    code(65303, Final, "没有默认菜单,不能创建个性化菜单"),
    code(65304, Final, "MatchRule 信息为空"),
    code(65305, Final, "个性化菜单数量受限"),
];

/// The class of an errcode; codes WeChat may add later are final.
pub fn classify(errcode: i64) -> ErrorClass {
    CODES
        .iter()
        .find(|c| c.errcode == errcode)
        .map_or(ErrorClass::Final, |c| c.class)
}

/// The Chinese description of an errcode ("未知错误" for codes not in the table).
///
/// ```
/// assert_eq!(wechat::describe(43004), "需要接收者关注");
/// ```
pub fn describe(errcode: i64) -> &'static str {
    CODES
        .iter()
        .find(|c| c.errcode == errcode)
        .map_or("未知错误", |c| c.description)
}

/// A non-zero errcode from WeChat, with the body exactly as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub errcode: i64,
    pub errmsg: String,
    /// WeChat's response body, verbatim.
    pub raw: String,
}

impl ApiError {
    pub fn class(&self) -> ErrorClass {
        classify(self.errcode)
    }

    /// The Chinese description from the table.
    pub fn description(&self) -> &'static str {
        describe(self.errcode)
    }

    /// 40029: the OAuth code is invalid or expired.
    pub fn is_invalid_code(&self) -> bool {
        self.errcode == 40029
    }

    /// 40163: the OAuth code was already used.
    pub fn is_code_used(&self) -> bool {
        self.errcode == 40163
    }

    /// 43004: the recipient does not follow the account.
    pub fn is_not_subscribed(&self) -> bool {
        self.errcode == 43004
    }
}

/// Everything that can go wrong, in one type.
#[derive(Debug)]
pub enum Error {
    /// WeChat answered with a non-zero errcode.
    Api(ApiError),
    /// The request never reached WeChat (connection refused, DNS, TLS), after the retries.
    Connect(String),
    /// The request may have reached WeChat but no answer came back (a timeout or a dropped
    /// connection after sending). For a message send the outcome is unknown: it may have been
    /// delivered, so it is not retried.
    Unknown(String),
    /// WeChat's answer was not what its documentation says.
    Decode { detail: String, raw: String },
    /// Refused locally before calling WeChat: the app's daily quota is exhausted (45009 was
    /// seen) until `until_ms`, or a forced token refresh would break WeChat's limits.
    Throttled { appid: String, reason: String },
    /// The token store failed.
    Store(String),
    /// A callback failed a check: signature, timestamp window, decryption, appid, XML.
    Callback(CallbackError),
    /// The caller passed something WeChat would refuse (an empty openid, too many users…).
    Invalid(String),
}

/// Why a callback was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    BadSignature,
    /// The timestamp is outside the accepted window (a replay or a wrong clock).
    StaleTimestamp,
    /// The EncodingAESKey is not 43 characters of base64.
    BadKey,
    /// The ciphertext is not valid base64, not whole AES blocks, or decrypts to garbage.
    Decrypt,
    /// The message was encrypted for another appid.
    AppIdMismatch,
    /// The body is too large, not well-formed, or declares a DTD or entities.
    Xml(String),
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::BadSignature => f.write_str("signature mismatch"),
            CallbackError::StaleTimestamp => f.write_str("timestamp outside the accepted window"),
            CallbackError::BadKey => f.write_str("invalid EncodingAESKey"),
            CallbackError::Decrypt => f.write_str("cannot decrypt the message"),
            CallbackError::AppIdMismatch => f.write_str("message encrypted for another appid"),
            CallbackError::Xml(detail) => write!(f, "bad XML: {detail}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => write!(
                f,
                "WeChat errcode {} ({}): {}",
                e.errcode,
                e.description(),
                e.errmsg
            ),
            Error::Connect(d) => write!(f, "cannot reach WeChat: {d}"),
            Error::Unknown(d) => write!(f, "no answer from WeChat, outcome unknown: {d}"),
            Error::Decode { detail, .. } => write!(f, "unexpected answer from WeChat: {detail}"),
            Error::Throttled { appid, reason } => write!(f, "{appid}: {reason}"),
            Error::Store(d) => write!(f, "token store: {d}"),
            Error::Callback(e) => write!(f, "callback refused: {e}"),
            Error::Invalid(d) => write!(f, "invalid request: {d}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<CallbackError> for Error {
    fn from(e: CallbackError) -> Self {
        Error::Callback(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_drives_the_classes() {
        for code in [40001, 40014, 42001] {
            assert_eq!(classify(code), ErrorClass::RefreshToken, "{code}");
        }
        assert_eq!(classify(-1), ErrorClass::Busy);
        assert_eq!(classify(45009), ErrorClass::QuotaExhausted);
        for code in [43004, 40003, 40037, 43101, 45015, 45047, 48001, 99999] {
            assert_eq!(classify(code), ErrorClass::Final, "{code}");
        }
        assert_eq!(describe(99999), "未知错误");
        assert_eq!(describe(43004), "需要接收者关注");
    }

    #[test]
    fn each_code_appears_once() {
        let mut seen = std::collections::HashSet::new();
        for c in CODES {
            assert!(seen.insert(c.errcode), "{} twice", c.errcode);
        }
    }
}
