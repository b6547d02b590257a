//! The endpoints: web OAuth, user info, template and customer-service messages.

use crate::client::{App, Body, Client, Idempotence, Request};
use crate::error::{Error, Result};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

/// The scope of a web authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Silent: only the openid (and unionid where the account is bound to an open platform).
    Base,
    /// With consent: the user's nickname and avatar.
    UserInfo,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Base => "snsapi_base",
            Scope::UserInfo => "snsapi_userinfo",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "snsapi_base" => Some(Scope::Base),
            "snsapi_userinfo" => Some(Scope::UserInfo),
            _ => None,
        }
    }
}

/// The answer of `/sns/oauth2/access_token`.
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct OAuthToken {
    pub access_token: String,
    pub expires_in: i64,
    #[serde(default)]
    pub refresh_token: String,
    pub openid: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub unionid: Option<String>,
    /// 1 for a user browsing a snapshot page: the openid and unionid are virtual.
    #[serde(default)]
    pub is_snapshotuser: i64,
}

impl std::fmt::Debug for OAuthToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthToken")
            .field("openid", &self.openid)
            .field("scope", &self.scope)
            .field("unionid", &self.unionid)
            .field("is_snapshotuser", &self.is_snapshotuser)
            .finish_non_exhaustive()
    }
}

/// The answer of `/sns/userinfo`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct OAuthUser {
    pub openid: String,
    pub nickname: String,
    pub sex: i64,
    pub province: String,
    pub city: String,
    pub country: String,
    pub headimgurl: String,
    pub privilege: Vec<String>,
    pub unionid: Option<String>,
}

/// The answer of `/cgi-bin/user/info`. Since 2021 WeChat sends empty `nickname` and
/// `headimgurl`; `unionid` only for subscribers of an account bound to an open platform.
/// A parametric QR code: the ticket, its lifetime (absent for a permanent code) and the URL the
/// code encodes (a page may render the code itself from it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct QrCode {
    pub ticket: String,
    #[serde(default)]
    pub expire_seconds: Option<i64>,
    pub url: String,
}

/// A permanent material (永久素材) WeChat keeps: its media_id and, for an image, its URL.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Material {
    pub media_id: String,
    #[serde(default)]
    pub url: String,
}

/// One material of a page of `batchget_material`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MaterialItem {
    pub media_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub update_time: i64,
    #[serde(default)]
    pub url: String,
}

/// A page of materials and how many the account has of the kind.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MaterialPage {
    #[serde(default)]
    pub total_count: i64,
    #[serde(default)]
    pub item: Vec<MaterialItem>,
}

/// The most followers one batchtagging or batchuntagging call takes (WeChat's limit).
pub const TAG_BATCH: usize = 50;

/// A user tag (标签) of an account, from `/cgi-bin/tags/get`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    /// Followers with the tag.
    #[serde(default)]
    pub count: i64,
}

/// A page of a tag's followers: their openids and where the next page starts (empty at the
/// end).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagFans {
    pub openids: Vec<String>,
    pub next_openid: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct UserInfo {
    pub subscribe: i64,
    pub openid: String,
    pub nickname: String,
    pub sex: i64,
    pub language: String,
    pub city: String,
    pub province: String,
    pub country: String,
    pub headimgurl: String,
    pub subscribe_time: i64,
    pub unionid: Option<String>,
    pub remark: String,
    pub groupid: i64,
    pub tagid_list: Vec<i64>,
    pub subscribe_scene: String,
    pub qr_scene: i64,
    pub qr_scene_str: String,
}

/// A template message (`/cgi-bin/message/template/send`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TemplateMessage {
    pub touser: String,
    pub template_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miniprogram: Option<MiniProgram>,
    pub data: TemplateData,
    /// WeChat drops a second send with the same id (idempotency on its side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MiniProgram {
    pub appid: String,
    #[serde(default)]
    pub pagepath: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TemplateValue {
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// The `data` of a template message: `{name: {value, color}}`, in the caller's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateData(pub Vec<(String, TemplateValue)>);

impl TemplateData {
    pub fn push(mut self, name: &str, value: &str, color: Option<&str>) -> Self {
        self.0.push((
            name.to_string(),
            TemplateValue {
                value: value.to_string(),
                color: color.map(str::to_string),
            },
        ));
        self
    }
}

impl Serialize for TemplateData {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for TemplateData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TemplateData;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of template fields")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut access: A,
            ) -> std::result::Result<TemplateData, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = access.next_entry::<String, TemplateValue>()? {
                    out.push((k, v));
                }
                Ok(TemplateData(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A customer-service message (`/cgi-bin/message/custom/send`); WeChat delivers it only within
/// 48 hours of the user's last interaction (else 45015).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomMessage {
    pub touser: String,
    pub body: CustomBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CustomBody {
    Text {
        content: String,
    },
    Image {
        media_id: String,
    },
    News {
        articles: Vec<crate::callback::Article>,
    },
    MiniProgramPage {
        title: String,
        appid: String,
        pagepath: String,
        thumb_media_id: String,
    },
}

impl CustomMessage {
    /// The JSON WeChat expects: `{"touser", "msgtype", "<msgtype>": {…}}`.
    pub fn to_json(&self) -> Value {
        let (msgtype, body) = match &self.body {
            CustomBody::Text { content } => ("text", json!({ "content": content })),
            CustomBody::Image { media_id } => ("image", json!({ "media_id": media_id })),
            CustomBody::News { articles } => ("news", json!({ "articles": articles })),
            CustomBody::MiniProgramPage {
                title,
                appid,
                pagepath,
                thumb_media_id,
            } => (
                "miniprogrampage",
                json!({ "title": title, "appid": appid, "pagepath": pagepath,
                        "thumb_media_id": thumb_media_id }),
            ),
        };
        let mut out = json!({ "touser": self.touser, "msgtype": msgtype });
        out[msgtype] = body;
        out
    }
}

fn decode<T: for<'de> Deserialize<'de>>(value: Value, raw: &str) -> Result<T> {
    serde_json::from_value(value).map_err(|e| Error::Decode {
        detail: e.to_string(),
        raw: raw.to_string(),
    })
}

impl Client {
    /// The URL to send a browser to for web authorisation (ends with `#wechat_redirect`).
    /// WeChat accepts only `a-zA-Z0-9` in `state`, at most 128 bytes.
    ///
    /// ```
    /// # let client = wechat::Client::new(Default::default(), std::sync::Arc::new(wechat::MemoryTokenStore::default()));
    /// let url = client.authorize_url("wx1", "https://a.com/cb?x=1", wechat::Scope::Base, "s1");
    /// assert_eq!(url, "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1\
    ///     &redirect_uri=https%3A%2F%2Fa.com%2Fcb%3Fx%3D1&response_type=code&scope=snsapi_base\
    ///     &state=s1#wechat_redirect");
    /// ```
    pub fn authorize_url(
        &self,
        appid: &str,
        redirect_uri: &str,
        scope: Scope,
        state: &str,
    ) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("appid", appid)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", scope.as_str())
            .append_pair("state", state)
            .finish();
        format!(
            "{}/connect/oauth2/authorize?{query}#wechat_redirect",
            self.config().oauth_base.trim_end_matches('/')
        )
    }

    /// Exchanges an OAuth code (single-use; 40029 invalid, 40163 used). Not repeated after a
    /// lost answer: the code would be spent.
    pub async fn exchange_code(&self, app: &App, code: &str) -> Result<OAuthToken> {
        if code.is_empty() {
            return Err(Error::Invalid("empty code".into()));
        }
        let url = url::Url::parse_with_params(
            &format!("{}/sns/oauth2/access_token", self.api_base()),
            [
                ("appid", app.appid.as_str()),
                ("secret", app.secret.as_str()),
                ("code", code),
                ("grant_type", "authorization_code"),
            ],
        )
        .map_err(|e| Error::Invalid(e.to_string()))?;
        let (value, raw) = self
            .exchange(&app.appid, &Request::get(url.into()), Idempotence::Unsafe)
            .await?;
        decode(value, &raw)
    }

    /// The user's profile with an snsapi_userinfo token (48001 for an snsapi_base token).
    pub async fn oauth_user_info(&self, token: &OAuthToken) -> Result<OAuthUser> {
        let url = url::Url::parse_with_params(
            &format!("{}/sns/userinfo", self.api_base()),
            [
                ("access_token", token.access_token.as_str()),
                ("openid", token.openid.as_str()),
                ("lang", "zh_CN"),
            ],
        )
        .map_err(|e| Error::Invalid(e.to_string()))?;
        let (value, raw) = self
            .exchange("oauth", &Request::get(url.into()), Idempotence::Safe)
            .await?;
        decode(value, &raw)
    }

    /// `/cgi-bin/user/info`.
    pub async fn user_info(&self, app: &App, openid: &str) -> Result<UserInfo> {
        if openid.is_empty() {
            return Err(Error::Invalid("empty openid".into()));
        }
        let (value, raw) = self
            .call(
                app,
                "/cgi-bin/user/info",
                &[("openid", openid), ("lang", "zh_CN")],
                None,
                Idempotence::Safe,
            )
            .await?;
        decode(value, &raw)
    }

    /// `/cgi-bin/qrcode/create` with a scene string (1–64 characters): a temporary code for
    /// `expire_seconds` (WeChat allows up to 2,592,000, 30 days), or a permanent one with
    /// `None`. Repeating the call is harmless (another ticket for the same scene).
    pub async fn create_qr_code(
        &self,
        app: &App,
        scene: &str,
        expire_seconds: Option<i64>,
    ) -> Result<QrCode> {
        if scene.is_empty() || scene.chars().count() > 64 {
            return Err(Error::Invalid(
                "a scene string of 1 to 64 characters".into(),
            ));
        }
        let body = match expire_seconds {
            Some(secs) => json!({
                "expire_seconds": secs.clamp(60, 2_592_000),
                "action_name": "QR_STR_SCENE",
                "action_info": {"scene": {"scene_str": scene}},
            }),
            None => json!({
                "action_name": "QR_LIMIT_STR_SCENE",
                "action_info": {"scene": {"scene_str": scene}},
            }),
        };
        let (value, raw) = self
            .call(
                app,
                "/cgi-bin/qrcode/create",
                &[],
                Some(body.to_string()),
                Idempotence::Safe,
            )
            .await?;
        decode(value, &raw)
    }

    /// `/cgi-bin/tags/get`: the account's user tags with their follower counts.
    pub async fn tags(&self, app: &App) -> Result<Vec<Tag>> {
        let (mut value, raw) = self
            .call(app, "/cgi-bin/tags/get", &[], None, Idempotence::Safe)
            .await?;
        decode(value["tags"].take(), &raw)
    }

    /// `/cgi-bin/user/tag/get`: a page (WeChat's: up to 10,000) of the tag's followers from
    /// `next_openid` ("" for the first page). Page until `next_openid` comes back empty.
    pub async fn tag_fans(&self, app: &App, tag_id: i64, next_openid: &str) -> Result<TagFans> {
        let body = json!({ "tagid": tag_id, "next_openid": next_openid }).to_string();
        let (mut value, raw) = self
            .call(
                app,
                "/cgi-bin/user/tag/get",
                &[],
                Some(body),
                Idempotence::Safe,
            )
            .await?;
        // The last page has no `data` at all.
        let list = value
            .get_mut("data")
            .and_then(|d| d.get_mut("openid"))
            .map(Value::take);
        let openids = match list {
            Some(list) => decode(list, &raw)?,
            None => Vec::new(),
        };
        let next_openid = value
            .get("next_openid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Ok(TagFans {
            // WeChat answers the last openid again as next_openid on the last page.
            next_openid: if openids.is_empty() {
                String::new()
            } else {
                next_openid
            },
            openids,
        })
    }

    /// `/cgi-bin/user/info/batchget`, at most 100 openids.
    pub async fn user_info_batch(&self, app: &App, openids: &[&str]) -> Result<Vec<UserInfo>> {
        if openids.is_empty() || openids.len() > 100 {
            return Err(Error::Invalid("1 to 100 openids".into()));
        }
        let list: Vec<Value> = openids
            .iter()
            .map(|o| json!({ "openid": o, "lang": "zh_CN" }))
            .collect();
        let body = json!({ "user_list": list }).to_string();
        let (mut value, raw) = self
            .call(
                app,
                "/cgi-bin/user/info/batchget",
                &[],
                Some(body),
                Idempotence::Safe,
            )
            .await?;
        decode(value["user_info_list"].take(), &raw)
    }

    /// Sends a template message; returns WeChat's msgid (a 64-bit number). A send whose answer
    /// is lost is reported as [`Error::Unknown`], never repeated. The day's template counter
    /// is queued at the store before the message leaves, and the send does not wait for it to
    /// be written (it only warns: WeChat keeps the quota itself); a counter the store failed to
    /// add is logged, and does not hide the send's own outcome.
    pub async fn send_template(&self, app: &App, message: &TemplateMessage) -> Result<i64> {
        let body = serde_json::to_string(message).map_err(|e| Error::Invalid(e.to_string()))?;
        self.count_template_send_behind(&app.appid).await;
        let sent = self
            .call(
                app,
                "/cgi-bin/message/template/send",
                &[],
                Some(body),
                Idempotence::Unsafe,
            )
            .await;
        let (value, raw) = sent?;
        value
            .get("msgid")
            .and_then(Value::as_i64)
            .ok_or_else(|| Error::Decode {
                detail: "no msgid".into(),
                raw,
            })
    }

    /// `/cgi-bin/tags/create`: a new tag, with the id WeChat gave it.
    pub async fn create_tag(&self, app: &App, name: &str) -> Result<Tag> {
        let body = json!({ "tag": { "name": name } }).to_string();
        let (mut value, raw) = self
            .call(
                app,
                "/cgi-bin/tags/create",
                &[],
                Some(body),
                Idempotence::Unsafe,
            )
            .await?;
        decode(value["tag"].take(), &raw)
    }

    /// `/cgi-bin/tags/update`: renames a tag.
    pub async fn rename_tag(&self, app: &App, id: i64, name: &str) -> Result<()> {
        let body = json!({ "tag": { "id": id, "name": name } }).to_string();
        self.call(
            app,
            "/cgi-bin/tags/update",
            &[],
            Some(body),
            Idempotence::Safe,
        )
        .await
        .map(|_| ())
    }

    /// `/cgi-bin/tags/delete`: removes a tag from the account and its followers.
    pub async fn delete_tag(&self, app: &App, id: i64) -> Result<()> {
        let body = json!({ "tag": { "id": id } }).to_string();
        self.call(
            app,
            "/cgi-bin/tags/delete",
            &[],
            Some(body),
            Idempotence::Safe,
        )
        .await
        .map(|_| ())
    }

    /// `/cgi-bin/tags/members/batchtagging` (or `batchuntagging` when `tagging` is false):
    /// gives or takes the tag of 1 to [`TAG_BATCH`] followers.
    pub async fn tag_members(
        &self,
        app: &App,
        tag_id: i64,
        openids: &[&str],
        tagging: bool,
    ) -> Result<()> {
        if openids.is_empty() || openids.len() > TAG_BATCH {
            return Err(Error::Invalid(format!("1 to {TAG_BATCH} openids")));
        }
        let path = if tagging {
            "/cgi-bin/tags/members/batchtagging"
        } else {
            "/cgi-bin/tags/members/batchuntagging"
        };
        let body = json!({ "openid_list": openids, "tagid": tag_id }).to_string();
        self.call(app, path, &[], Some(body), Idempotence::Safe)
            .await
            .map(|_| ())
    }

    /// `/cgi-bin/material/add_material?type=image`: uploads an image as permanent material
    /// (WeChat's limits: 10 MB; bmp, png, jpeg, jpg or gif).
    pub async fn add_image_material(
        &self,
        app: &App,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<Material> {
        let (value, raw) = self
            .call_with(
                app,
                "/cgi-bin/material/add_material",
                &[("type", "image")],
                Some(Body::file(file_name, content_type, bytes)),
                Idempotence::Unsafe,
            )
            .await?;
        decode(value, &raw)
    }

    /// `/cgi-bin/material/del_material`: deletes a permanent material.
    pub async fn delete_material(&self, app: &App, media_id: &str) -> Result<()> {
        let body = json!({ "media_id": media_id }).to_string();
        self.call(
            app,
            "/cgi-bin/material/del_material",
            &[],
            Some(body),
            Idempotence::Safe,
        )
        .await
        .map(|_| ())
    }

    /// `/cgi-bin/material/batchget_material`: a page (1–20) of the account's permanent images
    /// from `offset`, the newest first, with how many there are.
    pub async fn image_materials(
        &self,
        app: &App,
        offset: i64,
        count: i64,
    ) -> Result<MaterialPage> {
        let body = json!({ "type": "image", "offset": offset, "count": count }).to_string();
        let (value, raw) = self
            .call(
                app,
                "/cgi-bin/material/batchget_material",
                &[],
                Some(body),
                Idempotence::Safe,
            )
            .await?;
        decode(value, &raw)
    }

    /// `/cgi-bin/menu/create`: the account's menu (`{"button": […]}`), replacing the one it had.
    pub async fn create_menu(&self, app: &App, menu: &Value) -> Result<()> {
        self.call(
            app,
            "/cgi-bin/menu/create",
            &[],
            Some(menu.to_string()),
            Idempotence::Safe,
        )
        .await
        .map(|_| ())
    }

    /// `/cgi-bin/menu/get`: the menu WeChat has (`{"menu": {"button"}, "conditionalmenu":
    /// […]}`), or `None` when the account has none (46003).
    pub async fn menu(&self, app: &App) -> Result<Option<Value>> {
        match self
            .call(app, "/cgi-bin/menu/get", &[], None, Idempotence::Safe)
            .await
        {
            Ok((value, _)) => Ok(Some(value)),
            Err(Error::Api(api)) if api.errcode == 46003 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `/cgi-bin/menu/delete`: removes the menu and every conditional menu.
    pub async fn delete_menu(&self, app: &App) -> Result<()> {
        self.call(app, "/cgi-bin/menu/delete", &[], None, Idempotence::Safe)
            .await
            .map(|_| ())
    }

    /// `/cgi-bin/menu/addconditional`: a conditional menu (`{"button", "matchrule"}`); its
    /// menuid.
    pub async fn add_conditional_menu(&self, app: &App, menu: &Value) -> Result<String> {
        let (value, raw) = self
            .call(
                app,
                "/cgi-bin/menu/addconditional",
                &[],
                Some(menu.to_string()),
                Idempotence::Unsafe,
            )
            .await?;
        match &value["menuid"] {
            Value::String(id) => Ok(id.clone()),
            Value::Number(id) => Ok(id.to_string()),
            _ => Err(Error::Decode {
                detail: "no menuid".into(),
                raw,
            }),
        }
    }

    /// `/cgi-bin/menu/delconditional`: removes a conditional menu.
    pub async fn delete_conditional_menu(&self, app: &App, menu_id: &str) -> Result<()> {
        let body = json!({ "menuid": menu_id }).to_string();
        self.call(
            app,
            "/cgi-bin/menu/delconditional",
            &[],
            Some(body),
            Idempotence::Safe,
        )
        .await
        .map(|_| ())
    }

    /// `/cgi-bin/menu/trymatch`: the menu a user (openid or WeChat id) would see
    /// (`{"button": […]}`).
    pub async fn try_match_menu(&self, app: &App, user_id: &str) -> Result<Value> {
        let body = json!({ "user_id": user_id }).to_string();
        self.call(
            app,
            "/cgi-bin/menu/trymatch",
            &[],
            Some(body),
            Idempotence::Safe,
        )
        .await
        .map(|(value, _)| value)
    }

    /// Sends a customer-service message.
    pub async fn send_custom(&self, app: &App, message: &CustomMessage) -> Result<()> {
        let body = message.to_json().to_string();
        self.call(
            app,
            "/cgi-bin/message/custom/send",
            &[],
            Some(body),
            Idempotence::Unsafe,
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_data_keeps_its_order() {
        let msg = TemplateMessage {
            touser: "o1".into(),
            template_id: "t1".into(),
            url: None,
            miniprogram: Some(MiniProgram {
                appid: "wxmini".into(),
                pagepath: "index?x=1".into(),
            }),
            data: TemplateData::default()
                .push("first", "首部", Some("#173177"))
                .push("keyword1", "k", None)
                .push("remark", "尾部", None),
            client_msg_id: None,
        };
        let text = serde_json::to_string(&msg).unwrap();
        assert_eq!(
            text,
            r##"{"touser":"o1","template_id":"t1","miniprogram":{"appid":"wxmini","pagepath":"index?x=1"},"data":{"first":{"value":"首部","color":"#173177"},"keyword1":{"value":"k"},"remark":{"value":"尾部"}}}"##
        );
        let back: TemplateMessage = serde_json::from_str(&text).unwrap();
        assert_eq!(back, msg);
    }

    #[test]
    fn custom_messages_have_wechats_shape() {
        let m = CustomMessage {
            touser: "o1".into(),
            body: CustomBody::Text {
                content: "hi".into(),
            },
        };
        assert_eq!(
            m.to_json(),
            json!({"touser": "o1", "msgtype": "text", "text": {"content": "hi"}})
        );
        let m = CustomMessage {
            touser: "o1".into(),
            body: CustomBody::MiniProgramPage {
                title: "t".into(),
                appid: "wxa".into(),
                pagepath: "p".into(),
                thumb_media_id: "m".into(),
            },
        };
        assert_eq!(m.to_json()["miniprogrampage"]["thumb_media_id"], "m");
    }
}
