//! The simulator's state and WeChat's rules over it: accounts, users, token lifetimes, daily
//! quotas, OAuth codes, what was received. Plain functions over one locked struct; the HTTP
//! handlers only translate.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

pub const TOKEN_TTL_SECS: i64 = 7200;
/// A replaced /cgi-bin/token token lives this much longer; a stable token is renewed in its
/// last five minutes.
pub const GRACE_MS: i64 = 5 * 60 * 1000;
pub const CODE_TTL_MS: i64 = 5 * 60 * 1000;
const INTERACTION_WINDOW_MS: i64 = 48 * 3600 * 1000;
const FORCE_PER_DAY: i64 = 20;
const FORCE_SPACING_MS: i64 = 30_000;
/// Followers per page of user/tag/get (WeChat's page size).
pub const TAG_PAGE: usize = 10_000;
/// WeChat sends one message per openid and client_msg_id within this time.
pub const CLIENT_MSG_ID_TTL_MS: i64 = 10 * 60 * 1000;

/// WeChat's answer to a call: errcode 0 with fields, or an error.
pub type Answer = Result<Value, (i64, String)>;

/// The most tags an account may make (WeChat's limit).
const MAX_TAGS: usize = 100;

/// A tag's name as WeChat checks it: 1–30 bytes, not another tag's.
fn check_tag_name(
    tags: &[(i64, String)],
    name: &str,
    own: Option<i64>,
) -> Result<(), (i64, String)> {
    if name.is_empty() || name.len() > 30 {
        return fail(45158, "tag name too long").map(|_| ());
    }
    if tags.iter().any(|(id, n)| n == name && Some(*id) != own) {
        return fail(45157, "invalid tag name").map(|_| ());
    }
    Ok(())
}

fn fail(errcode: i64, errmsg: &str) -> Answer {
    Err((
        errcode,
        format!("{errmsg} rid: {}", wechat::crypto::random_alnum(8)),
    ))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountSpec {
    pub appid: String,
    pub secret: String,
    #[serde(default)]
    pub name: String,
    /// The original id (gh_…) that callbacks carry as ToUserName.
    #[serde(default)]
    pub original_id: String,
    /// The callback token and EncodingAESKey configured on WeChat's side.
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub encoding_aes_key: String,
    #[serde(default)]
    pub callback_url: String,
    /// Template ids the account has; empty accepts any non-empty id.
    #[serde(default)]
    pub templates: Vec<String>,
    #[serde(default)]
    pub token_quota: Option<i64>,
    #[serde(default)]
    pub template_quota: Option<i64>,
    /// The account's user tags (标签): (id, name).
    #[serde(default)]
    pub tags: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserSpec {
    #[serde(default)]
    pub openid: String,
    #[serde(default)]
    pub unionid: Option<String>,
    #[serde(default = "yes")]
    pub subscribed: bool,
    #[serde(default)]
    pub nickname: String,
    #[serde(default)]
    pub headimgurl: String,
    #[serde(default)]
    pub sex: i64,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub country: String,
    /// The user turned template messages off (43101).
    #[serde(default)]
    pub refuses_templates: bool,
    /// Interacted with the account recently, so customer-service messages reach them.
    #[serde(default)]
    pub interacted: bool,
    /// The ids of the account's tags the user has.
    #[serde(default)]
    pub tags: Vec<i64>,
}

impl AccountSpec {
    /// An account with only its credentials.
    pub fn new(appid: &str, secret: &str) -> AccountSpec {
        AccountSpec {
            appid: appid.into(),
            secret: secret.into(),
            name: String::new(),
            original_id: String::new(),
            token: String::new(),
            encoding_aes_key: String::new(),
            callback_url: String::new(),
            templates: vec![],
            token_quota: None,
            template_quota: None,
            tags: vec![],
        }
    }
}

impl UserSpec {
    /// A subscribed user without unionid or profile.
    pub fn new(openid: &str) -> UserSpec {
        UserSpec {
            openid: openid.into(),
            unionid: None,
            subscribed: true,
            nickname: String::new(),
            headimgurl: String::new(),
            sex: 0,
            city: String::new(),
            province: String::new(),
            country: String::new(),
            refuses_templates: false,
            interacted: false,
            tags: vec![],
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone)]
pub struct User {
    pub spec: UserSpec,
    pub subscribe_time: i64,
    pub subscribe_scene: String,
    pub qr_scene: i64,
    pub qr_scene_str: String,
    pub last_interaction_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub spec: AccountSpec,
    pub users: HashMap<String, User>,
    /// openids in creation order (the default OAuth user is the first).
    pub order: Vec<String>,
    /// Permanent images (material/add_material), the oldest first.
    pub materials: Vec<Material>,
    /// The menu (menu/create) and the conditional menus, the oldest first.
    pub menus: Menus,
}

/// An account's menus as WeChat keeps them.
#[derive(Debug, Clone, Default)]
pub struct Menus {
    /// `{"button": […]}`.
    pub default: Option<Value>,
    /// (menuid, `{"button"}`, `matchrule`).
    pub conditional: Vec<(String, Value, Value)>,
    pub next_id: i64,
}

/// What a menu button may be.
const BUTTON_TYPES: &[&str] = &[
    "click",
    "view",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
    "media_id",
    "article_id",
    "article_view_limited",
    "miniprogram",
];

/// A menu's buttons checked as WeChat checks them: 1–3 buttons, 1–5 under one; names of 16
/// bytes (60 under a button); a known type with its key (128 bytes), url (1,024), media_id or
/// miniprogram fields.
fn check_buttons(buttons: &Value, materials: &[Material]) -> Result<(), (i64, String)> {
    let Some(top) = buttons.as_array().filter(|b| (1..=3).contains(&b.len())) else {
        return fail(40016, "invalid button size").map(|_| ());
    };
    for button in top {
        let name = button["name"].as_str().unwrap_or_default();
        if name.is_empty() || name.len() > 16 {
            return fail(40018, "invalid button name size").map(|_| ());
        }
        match button["sub_button"].as_array() {
            Some(subs) if !subs.is_empty() || button["type"].is_null() => {
                if !(1..=5).contains(&subs.len()) {
                    return fail(40023, "invalid sub button size").map(|_| ());
                }
                for sub in subs {
                    let name = sub["name"].as_str().unwrap_or_default();
                    if name.is_empty() || name.len() > 60 {
                        return fail(40025, "invalid sub button name size").map(|_| ());
                    }
                    check_action(sub, materials, (40024, 40026, 40027))?;
                }
            }
            _ => check_action(button, materials, (40017, 40019, 40027))?,
        }
    }
    Ok(())
}

/// A button's action: (its type's, its key's and its url's errcodes).
fn check_action(
    button: &Value,
    materials: &[Material],
    (bad_type, bad_key, bad_url): (i64, i64, i64),
) -> Result<(), (i64, String)> {
    let kind = button["type"].as_str().unwrap_or_default();
    if !BUTTON_TYPES.contains(&kind) {
        return fail(bad_type, "invalid button type").map(|_| ());
    }
    let text = |field: &str| button[field].as_str().unwrap_or_default();
    match kind {
        "view" | "miniprogram" => {
            let url = text("url");
            if url.is_empty() || url.len() > 1024 {
                return fail(bad_url, "invalid button url size").map(|_| ());
            }
            if kind == "miniprogram" && (text("appid").is_empty() || text("pagepath").is_empty()) {
                return fail(40097, "invalid args").map(|_| ());
            }
        }
        "media_id" => {
            if !materials.iter().any(|m| m.media_id == text("media_id")) {
                return fail(40007, "invalid media_id").map(|_| ());
            }
        }
        "article_id" | "article_view_limited" => {
            if text("article_id").is_empty() {
                return fail(40097, "invalid args").map(|_| ());
            }
        }
        _ => {
            let key = text("key");
            if key.is_empty() || key.len() > 128 {
                return fail(bad_key, "invalid button key size").map(|_| ());
            }
        }
    }
    Ok(())
}

/// A permanent image of an account's.
#[derive(Debug, Clone)]
pub struct Material {
    pub media_id: String,
    pub name: String,
    pub url: String,
    pub update_time: i64,
    pub size: usize,
}

/// WeChat's limit on a permanent image.
pub const MATERIAL_IMAGE_MAX_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone)]
struct IssuedToken {
    appid: String,
    expires_at_ms: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OAuthPlan {
    pub openid: String,
    /// The user refuses consent (snsapi_userinfo): redirected without a code.
    #[serde(default)]
    pub deny: bool,
    /// The user is on a snapshot page: virtual openid and unionid, is_snapshotuser=1.
    #[serde(default)]
    pub snapshot: bool,
}

#[derive(Debug, Clone)]
struct Code {
    appid: String,
    openid: String,
    scope: String,
    snapshot: bool,
    issued_ms: i64,
    used: bool,
}

#[derive(Debug, Clone)]
struct OAuthGrant {
    openid: String,
    scope: String,
    unionid: Option<String>,
    expires_at_ms: i64,
}

/// A message WeChat accepted, exactly as it arrived.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    pub endpoint: String,
    pub appid: String,
    pub msgid: Option<i64>,
    pub body: Value,
    pub raw: String,
}

/// A fault for the next `times` calls of `endpoint` (all endpoints when empty).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub errcode: Option<i64>,
    #[serde(default)]
    pub errmsg: Option<String>,
    #[serde(default)]
    pub delay_ms: u64,
    /// Close the connection without answering, before handling the call.
    #[serde(default)]
    pub drop: bool,
    /// Handle the call (a message is recorded), then close the connection without answering.
    #[serde(default)]
    pub drop_after: bool,
    #[serde(default = "one")]
    pub times: u32,
}

impl Fault {
    fn on(endpoint: &str, times: u32) -> Fault {
        Fault {
            endpoint: endpoint.into(),
            errcode: None,
            errmsg: None,
            delay_ms: 0,
            drop: false,
            drop_after: false,
            times,
        }
    }

    /// The next `times` calls of `endpoint` answer `errcode`.
    pub fn errcode(endpoint: &str, errcode: i64, times: u32) -> Fault {
        Fault {
            errcode: Some(errcode),
            ..Fault::on(endpoint, times)
        }
    }

    /// The next call of `endpoint` is answered `delay_ms` late.
    pub fn delay(endpoint: &str, delay_ms: u64) -> Fault {
        Fault {
            delay_ms,
            ..Fault::on(endpoint, 1)
        }
    }

    /// The next call's connection is closed before it is handled.
    pub fn drop_before(endpoint: &str) -> Fault {
        Fault {
            drop: true,
            ..Fault::on(endpoint, 1)
        }
    }

    /// The next call is handled, then its connection closed without the answer.
    pub fn drop_after(endpoint: &str) -> Fault {
        Fault {
            drop_after: true,
            ..Fault::on(endpoint, 1)
        }
    }
}

fn one() -> u32 {
    1
}

#[derive(Default)]
pub struct World {
    pub clock_offset_ms: i64,
    pub accounts: HashMap<String, Account>,
    tokens: HashMap<String, IssuedToken>,
    classic_current: HashMap<String, String>,
    stable_current: HashMap<String, String>,
    /// appid → (day, forced refreshes that day, last forced refresh).
    forced: HashMap<String, (i64, i64, i64)>,
    /// (appid, quota name) → (day, calls).
    quota_used: HashMap<(String, &'static str), (i64, i64)>,
    codes: HashMap<String, Code>,
    grants: HashMap<String, OAuthGrant>,
    pub oauth_plans: HashMap<String, OAuthPlan>,
    /// appid → the current JS-SDK ticket and when it expires.
    tickets: HashMap<String, (String, i64)>,
    /// QR ticket → (appid, scene, expiry in ms; none for a permanent code).
    qr_codes: HashMap<String, (String, String, Option<i64>)>,
    pub calls: HashMap<String, u64>,
    pub received: Vec<Received>,
    pub faults: Vec<Fault>,
    next_msgid: i64,
    /// (appid, touser, client_msg_id) → (msgid, when it was accepted): WeChat's 防重入.
    client_msgs: HashMap<(String, String, String), (i64, i64)>,
}

pub fn real_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

fn china_day(ms: i64) -> i64 {
    (ms + 8 * 3600 * 1000).div_euclid(86_400_000)
}

impl World {
    pub fn now_ms(&self) -> i64 {
        real_now_ms() + self.clock_offset_ms
    }

    pub fn add_account(&mut self, mut spec: AccountSpec) {
        if spec.original_id.is_empty() {
            spec.original_id = format!("gh_{}", &spec.appid.trim_start_matches("wx"));
        }
        let existing = self.accounts.remove(&spec.appid);
        let (users, order, materials, menus) = existing
            .map(|a| (a.users, a.order, a.materials, a.menus))
            .unwrap_or_default();
        self.accounts.insert(
            spec.appid.clone(),
            Account {
                spec,
                users,
                order,
                materials,
                menus,
            },
        );
    }

    pub fn add_user(&mut self, appid: &str, mut spec: UserSpec) -> Option<String> {
        let now = self.now_ms();
        let account = self.accounts.get_mut(appid)?;
        if spec.openid.is_empty() {
            spec.openid = format!("o{}", wechat::crypto::random_alnum(27));
        }
        let openid = spec.openid.clone();
        let user = User {
            subscribe_time: if spec.subscribed { now / 1000 } else { 0 },
            subscribe_scene: "ADD_SCENE_SEARCH".into(),
            qr_scene: 0,
            qr_scene_str: String::new(),
            last_interaction_ms: spec.interacted.then_some(now),
            spec,
        };
        if account.users.insert(openid.clone(), user).is_none() {
            account.order.push(openid.clone());
        }
        Some(openid)
    }

    pub fn user_mut(&mut self, appid: &str, openid: &str) -> Option<&mut User> {
        self.accounts.get_mut(appid)?.users.get_mut(openid)
    }

    fn check_app(&self, appid: &str, secret: &str) -> Result<(), (i64, String)> {
        match self.accounts.get(appid) {
            None => fail(40013, "invalid appid").map(|_| ()),
            Some(a) if a.spec.secret != secret => fail(40125, "invalid appsecret").map(|_| ()),
            Some(_) => Ok(()),
        }
    }

    /// Counts one call against a daily quota; 45009 once it is used up.
    fn use_quota(&mut self, appid: &str, name: &'static str) -> Result<(), (i64, String)> {
        let day = china_day(self.now_ms());
        let limit = self.accounts.get(appid).and_then(|a| match name {
            "token" => a.spec.token_quota,
            _ => a.spec.template_quota,
        });
        let limit = limit.unwrap_or(match name {
            "token" => 2_000,
            _ => 100_000,
        });
        let slot = self
            .quota_used
            .entry((appid.to_string(), name))
            .or_insert((day, 0));
        if slot.0 != day {
            *slot = (day, 0);
        }
        if slot.1 >= limit {
            return fail(45009, "reach max api daily quota limit").map(|_| ());
        }
        slot.1 += 1;
        Ok(())
    }

    fn issue(&mut self, appid: &str, lifetime_ms: i64) -> (String, i64) {
        let token = format!(
            "{}_{}",
            wechat::crypto::random_alnum(64),
            wechat::crypto::random_alnum(16)
        );
        let expires_at_ms = self.now_ms() + lifetime_ms;
        self.tokens.insert(
            token.clone(),
            IssuedToken {
                appid: appid.to_string(),
                expires_at_ms,
            },
        );
        (token, expires_at_ms)
    }

    fn token_answer(&self, token: &str) -> Value {
        // Whole seconds left, rounded up: a token issued a millisecond
        // ago still has its full lifetime, as WeChat answers.
        let left = self.tokens[token].expires_at_ms - self.now_ms();
        json!({ "access_token": token, "expires_in": ((left + 999) / 1000).max(0) })
    }

    /// GET /cgi-bin/token: a new token each time; the previous one lives five more minutes.
    pub fn classic_token(&mut self, grant_type: &str, appid: &str, secret: &str) -> Answer {
        if grant_type != "client_credential" {
            return fail(40002, "invalid grant_type");
        }
        self.check_app(appid, secret)?;
        self.use_quota(appid, "token")?;
        let now = self.now_ms();
        if let Some(old) = self.classic_current.get(appid).cloned() {
            if let Some(t) = self.tokens.get_mut(&old) {
                t.expires_at_ms = t.expires_at_ms.min(now + GRACE_MS);
            }
        }
        let (token, _) = self.issue(appid, TOKEN_TTL_SECS * 1000);
        self.classic_current
            .insert(appid.to_string(), token.clone());
        Ok(self.token_answer(&token))
    }

    /// POST /cgi-bin/stable_token: the same token while it has more than five minutes left;
    /// force_refresh makes a new one and ends the old one at once (20 a day, 30 s apart).
    pub fn stable_token(
        &mut self,
        grant_type: &str,
        appid: &str,
        secret: &str,
        force: bool,
    ) -> Answer {
        if grant_type != "client_credential" {
            return fail(40002, "invalid grant_type");
        }
        self.check_app(appid, secret)?;
        let now = self.now_ms();
        if force {
            let day = china_day(now);
            let slot = self.forced.entry(appid.to_string()).or_insert((day, 0, 0));
            if slot.0 != day {
                *slot = (day, 0, 0);
            }
            if slot.1 >= FORCE_PER_DAY {
                return fail(45009, "reach max api daily quota limit");
            }
            if slot.1 > 0 && now - slot.2 < FORCE_SPACING_MS {
                return fail(
                    45011,
                    "api minute-quota reach limit  mustslower  retry next minute",
                );
            }
            slot.1 += 1;
            slot.2 = now;
        }
        self.use_quota(appid, "token")?;
        let current = self.stable_current.get(appid).cloned();
        if let Some(current) = current {
            let expires = self.tokens.get(&current).map_or(0, |t| t.expires_at_ms);
            if force {
                self.tokens.remove(&current);
            } else if expires - now > GRACE_MS {
                return Ok(self.token_answer(&current));
            }
        }
        let (token, _) = self.issue(appid, TOKEN_TTL_SECS * 1000);
        self.stable_current.insert(appid.to_string(), token.clone());
        Ok(self.token_answer(&token))
    }

    /// The appid an access token belongs to, or WeChat's error for it.
    pub fn check_token(&self, token: Option<&str>) -> Result<String, (i64, String)> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return fail(41001, "access_token missing").map(|_| String::new());
        };
        match self.tokens.get(token) {
            None => fail(
                40001,
                "invalid credential, access_token is invalid or not latest",
            )
            .map(|_| String::new()),
            Some(t) if t.expires_at_ms <= self.now_ms() => {
                fail(42001, "access_token expired").map(|_| String::new())
            }
            Some(t) => Ok(t.appid.clone()),
        }
    }

    fn user_json(user: &User, openid: &str) -> Value {
        if !user.spec.subscribed {
            return json!({ "subscribe": 0, "openid": openid });
        }
        // Since 2021 WeChat no longer sends nickname and headimgurl here.
        let mut v = json!({
            "subscribe": 1,
            "openid": openid,
            "nickname": "",
            "sex": 0,
            "language": "zh_CN",
            "city": "",
            "province": "",
            "country": "",
            "headimgurl": "",
            "subscribe_time": user.subscribe_time,
            "remark": "",
            "groupid": 0,
            "tagid_list": user.spec.tags,
            "subscribe_scene": user.subscribe_scene,
            "qr_scene": user.qr_scene,
            "qr_scene_str": user.qr_scene_str,
        });
        if let Some(unionid) = &user.spec.unionid {
            v["unionid"] = json!(unionid);
        }
        v
    }

    /// tags/get: the account's tags, each with how many followers have it.
    pub fn tags(&self, appid: &str) -> Answer {
        let account = &self.accounts[appid];
        let tags: Vec<Value> = account
            .spec
            .tags
            .iter()
            .map(|(id, name)| {
                let count = account
                    .users
                    .values()
                    .filter(|u| u.spec.subscribed && u.spec.tags.contains(id))
                    .count();
                json!({"id": id, "name": name, "count": count})
            })
            .collect();
        Ok(json!({ "tags": tags }))
    }

    /// tags/create `{"tag":{"name"}}`: a new tag (ids from 100; 0–2 are WeChat's own). WeChat's
    /// refusals: 45157 a name taken, 45158 a name past 30 bytes, 45056 past 100 tags.
    pub fn create_tag(&mut self, appid: &str, body: &Value) -> Answer {
        let name = body["tag"]["name"].as_str().unwrap_or_default().trim();
        let account = self.accounts.get_mut(appid).expect("checked account");
        check_tag_name(&account.spec.tags, name, None)?;
        if account
            .spec
            .tags
            .iter()
            .filter(|(id, _)| *id >= 100)
            .count()
            >= MAX_TAGS
        {
            return fail(45056, "too many tags");
        }
        let id = account
            .spec
            .tags
            .iter()
            .map(|(id, _)| id + 1)
            .max()
            .unwrap_or(100)
            .max(100);
        account.spec.tags.push((id, name.to_string()));
        Ok(json!({"tag": {"id": id, "name": name}}))
    }

    /// tags/update `{"tag":{"id","name"}}`: renames a tag (45058 for WeChat's own 0–2).
    pub fn update_tag(&mut self, appid: &str, body: &Value) -> Answer {
        let id = body["tag"]["id"].as_i64().unwrap_or(-1);
        let name = body["tag"]["name"].as_str().unwrap_or_default().trim();
        let account = self.accounts.get_mut(appid).expect("checked account");
        if (0..=2).contains(&id) {
            return fail(45058, "can't modify sys tag");
        }
        let Some(at) = account.spec.tags.iter().position(|(t, _)| *t == id) else {
            return fail(45159, "invalid tag id");
        };
        check_tag_name(&account.spec.tags, name, Some(id))?;
        account.spec.tags[at].1 = name.to_string();
        Ok(json!({}))
    }

    /// tags/delete `{"tag":{"id"}}`: removes a tag from the account and its followers.
    pub fn delete_tag(&mut self, appid: &str, body: &Value) -> Answer {
        let id = body["tag"]["id"].as_i64().unwrap_or(-1);
        let account = self.accounts.get_mut(appid).expect("checked account");
        if (0..=2).contains(&id) {
            return fail(45058, "can't modify sys tag");
        }
        if !account.spec.tags.iter().any(|(t, _)| *t == id) {
            return fail(45159, "invalid tag id");
        }
        account.spec.tags.retain(|(t, _)| *t != id);
        for user in account.users.values_mut() {
            user.spec.tags.retain(|t| *t != id);
        }
        Ok(json!({}))
    }

    /// tags/members/batchtagging and batchuntagging `{"openid_list":[…],"tagid"}`: at most 50
    /// openids a call (40032), each a user of the account (40003), none past 20 tags (45059);
    /// all or nothing, as WeChat checks before it changes anything.
    pub fn batch_tag(&mut self, appid: &str, body: &Value, tagging: bool) -> Answer {
        let account = self.accounts.get_mut(appid).expect("checked account");
        let Some(tag) = body["tagid"].as_i64() else {
            return fail(40032, "invalid tagid");
        };
        if !account.spec.tags.iter().any(|(t, _)| *t == tag) {
            return fail(45159, "invalid tag id");
        }
        let openids: Vec<&str> = body["openid_list"]
            .as_array()
            .map(|l| l.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if openids.is_empty() {
            return fail(40032, "invalid openid list");
        }
        if openids.len() > 50 {
            return fail(40032, "invalid openid list size, should be less than 50");
        }
        for openid in &openids {
            let Some(user) = account.users.get(*openid) else {
                return fail(40003, "invalid openid");
            };
            if tagging && !user.spec.tags.contains(&tag) && user.spec.tags.len() >= 20 {
                return fail(45059, "tag count of the user exceeds the limit");
            }
        }
        for openid in openids {
            let tags = &mut account.users.get_mut(openid).expect("checked").spec.tags;
            if tagging {
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            } else {
                tags.retain(|t| *t != tag);
            }
        }
        Ok(json!({}))
    }

    /// material/add_material: a permanent image from an upload's `media` part (`file_name`,
    /// `size` bytes). WeChat's refusals: 40004 a type other than image, 40005 a file that is
    /// not bmp, png, jpeg, jpg or gif (by its name), 40009 an image past 10 MB.
    pub fn add_material(
        &mut self,
        appid: &str,
        kind: &str,
        file_name: &str,
        size: usize,
    ) -> Answer {
        if kind != "image" {
            return fail(40004, "invalid media type");
        }
        let ext = file_name
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !matches!(ext.as_str(), "bmp" | "png" | "jpeg" | "jpg" | "gif") || size == 0 {
            return fail(40005, "invalid file type");
        }
        if size > MATERIAL_IMAGE_MAX_BYTES {
            return fail(40009, "invalid image size");
        }
        let now = self.now_ms() / 1000;
        let media_id = format!("M{}", wechat::crypto::random_alnum(42));
        let url = format!(
            "http://mmbiz.qpic.cn/mmbiz_{ext}/{}/0?wx_fmt={ext}",
            wechat::crypto::random_alnum(32)
        );
        let account = self.accounts.get_mut(appid).expect("checked account");
        account.materials.push(Material {
            media_id: media_id.clone(),
            name: file_name.to_string(),
            url: url.clone(),
            update_time: now,
            size,
        });
        Ok(json!({"media_id": media_id, "url": url}))
    }

    /// material/del_material `{"media_id"}` (40007 for an unknown one).
    pub fn delete_material(&mut self, appid: &str, body: &Value) -> Answer {
        let media_id = body["media_id"].as_str().unwrap_or_default();
        let account = self.accounts.get_mut(appid).expect("checked account");
        let before = account.materials.len();
        account.materials.retain(|m| m.media_id != media_id);
        if account.materials.len() == before {
            return fail(40007, "invalid media_id");
        }
        Ok(json!({}))
    }

    /// material/batchget_material `{"type":"image","offset","count"}`: 1–20 images from
    /// `offset`, the newest first.
    pub fn materials(&self, appid: &str, body: &Value) -> Answer {
        if body["type"].as_str() != Some("image") {
            return fail(40004, "invalid media type");
        }
        let offset = body["offset"].as_i64().unwrap_or(-1);
        let count = body["count"].as_i64().unwrap_or(0);
        if offset < 0 || !(1..=20).contains(&count) {
            return fail(40097, "invalid args");
        }
        let account = &self.accounts[appid];
        let item: Vec<Value> = account
            .materials
            .iter()
            .rev()
            .skip(offset as usize)
            .take(count as usize)
            .map(|m| {
                json!({"media_id": m.media_id, "name": m.name, "update_time": m.update_time,
                       "url": m.url, "tags": []})
            })
            .collect();
        Ok(json!({"total_count": account.materials.len(), "item_count": item.len(), "item": item}))
    }

    /// menu/create `{"button": […]}`: the account's menu, checked as WeChat checks it.
    pub fn create_menu(&mut self, appid: &str, body: &Value) -> Answer {
        let account = self.accounts.get_mut(appid).expect("checked account");
        check_buttons(&body["button"], &account.materials)?;
        account.menus.default = Some(json!({"button": body["button"]}));
        Ok(json!({}))
    }

    /// menu/get: the menu and the conditional menus (46003 when there is no menu).
    pub fn menu(&self, appid: &str) -> Answer {
        let menus = &self.accounts[appid].menus;
        let Some(default) = &menus.default else {
            return fail(46003, "menu no exist");
        };
        let conditional: Vec<Value> = menus
            .conditional
            .iter()
            .map(|(id, menu, rule)| {
                json!({"button": menu["button"], "matchrule": rule, "menuid": id.parse::<i64>().unwrap_or(0)})
            })
            .collect();
        let mut answer = json!({"menu": {"button": default["button"]}});
        if !conditional.is_empty() {
            answer["menu"]["menuid"] = json!(100);
            answer["conditionalmenu"] = json!(conditional);
        }
        Ok(answer)
    }

    /// menu/delete: the menu and every conditional menu go.
    pub fn delete_menu(&mut self, appid: &str) -> Answer {
        let account = self.accounts.get_mut(appid).expect("checked account");
        account.menus.default = None;
        account.menus.conditional.clear();
        Ok(json!({}))
    }

    /// menu/addconditional `{"button", "matchrule"}`: 65303 without a menu, 65304 with an
    /// empty rule, 65305 past 20 of them.
    pub fn add_conditional_menu(&mut self, appid: &str, body: &Value) -> Answer {
        let account = self.accounts.get_mut(appid).expect("checked account");
        if account.menus.default.is_none() {
            return fail(
                65303,
                "there is no selfmenu, please create a default menu first",
            );
        }
        let rule = &body["matchrule"];
        let any = [
            "tag_id",
            "sex",
            "country",
            "province",
            "city",
            "client_platform_type",
            "language",
        ]
        .iter()
        .any(|f| rule[*f].as_str().is_some_and(|v| !v.is_empty()));
        if !any {
            return fail(65304, "match rule empty");
        }
        check_buttons(&body["button"], &account.materials)?;
        if account.menus.conditional.len() >= 20 {
            return fail(65305, "menu count limit");
        }
        account.menus.next_id += 1;
        let id = (400_000_000 + account.menus.next_id).to_string();
        account.menus.conditional.push((
            id.clone(),
            json!({"button": body["button"]}),
            rule.clone(),
        ));
        Ok(json!({"menuid": id}))
    }

    /// menu/delconditional `{"menuid"}` (65301 for an unknown one).
    pub fn delete_conditional_menu(&mut self, appid: &str, body: &Value) -> Answer {
        let id = match &body["menuid"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        let account = self.accounts.get_mut(appid).expect("checked account");
        let before = account.menus.conditional.len();
        account.menus.conditional.retain(|(m, _, _)| *m != id);
        if account.menus.conditional.len() == before {
            return fail(65301, "no such menuid");
        }
        Ok(json!({}))
    }

    /// menu/trymatch `{"user_id"}`: the newest conditional menu whose rule the user meets (by
    /// tag, sex, country, province, city; language zh_CN; no client platform is known here),
    /// else the menu; 65302 for a user the account does not have.
    pub fn try_match_menu(&self, appid: &str, body: &Value) -> Answer {
        let account = &self.accounts[appid];
        let user_id = body["user_id"].as_str().unwrap_or_default();
        let Some(user) = account.users.get(user_id) else {
            return fail(65302, "no such user");
        };
        let Some(default) = &account.menus.default else {
            return fail(46003, "menu no exist");
        };
        let meets = |rule: &Value| {
            let want = |f: &str| rule[f].as_str().filter(|v| !v.is_empty());
            want("tag_id").is_none_or(|t| t.parse().is_ok_and(|t: i64| user.spec.tags.contains(&t)))
                && want("sex").is_none_or(|s| s == user.spec.sex.to_string())
                && want("country").is_none_or(|c| c == user.spec.country)
                && want("province").is_none_or(|p| p == user.spec.province)
                && want("city").is_none_or(|c| c == user.spec.city)
                && want("language").is_none_or(|l| l == "zh_CN")
                && want("client_platform_type").is_none()
        };
        let menu = account
            .menus
            .conditional
            .iter()
            .rev()
            .find(|(_, _, rule)| meets(rule))
            .map_or(default, |(_, menu, _)| menu);
        Ok(json!({"button": menu["button"]}))
    }

    /// user/tag/get: a page of the tag's followers in the account's order, after
    /// `next_openid`; WeChat's pages hold 10,000 (`TAG_PAGE`).
    pub fn tag_fans(&self, appid: &str, body: &Value) -> Answer {
        let account = &self.accounts[appid];
        let Some(tag) = body.get("tagid").and_then(Value::as_i64) else {
            return fail(40032, "invalid tagid");
        };
        if !account.spec.tags.iter().any(|(id, _)| *id == tag) {
            return fail(45159, "invalid tag id");
        }
        let after = body
            .get("next_openid")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let start = if after.is_empty() {
            0
        } else {
            match account.order.iter().position(|o| o == after) {
                Some(i) => i + 1,
                None => return fail(40003, "invalid openid"),
            }
        };
        let page: Vec<&String> = account.order[start..]
            .iter()
            .filter(|o| {
                let u = &account.users[*o];
                u.spec.subscribed && u.spec.tags.contains(&tag)
            })
            .take(TAG_PAGE)
            .collect();
        if page.is_empty() {
            return Ok(json!({"count": 0, "next_openid": ""}));
        }
        let next = page.last().map(|o| o.to_string()).unwrap_or_default();
        Ok(json!({"count": page.len(), "data": {"openid": page}, "next_openid": next}))
    }

    /// getticket: the app's JS-SDK ticket (type=jsapi), the same one until it expires (7200 s),
    /// as WeChat hands it out.
    pub fn jsapi_ticket(&mut self, appid: &str, kind: &str) -> Answer {
        if kind != "jsapi" && kind != "wx_card" {
            return fail(40097, "invalid args");
        }
        let now = self.now_ms();
        let ticket = match self.tickets.get(appid) {
            Some((ticket, expires)) if *expires > now => ticket.clone(),
            _ => {
                let ticket = format!("sim_ticket_{}", wechat::crypto::random_alnum(64));
                self.tickets.insert(
                    appid.to_string(),
                    (ticket.clone(), now + TOKEN_TTL_SECS * 1000),
                );
                ticket
            }
        };
        let expires_in = self.tickets[appid].1.saturating_sub(now) / 1000;
        Ok(json!({"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": expires_in}))
    }

    /// qrcode/create: a parametric code with a scene string (QR_STR_SCENE, temporary, or
    /// QR_LIMIT_STR_SCENE, permanent) or a scene id (QR_SCENE, QR_LIMIT_SCENE).
    pub fn create_qr_code(&mut self, appid: &str, body: &Value) -> Answer {
        let action = body["action_name"].as_str().unwrap_or_default();
        let scene = &body["action_info"]["scene"];
        let scene = match action {
            "QR_STR_SCENE" | "QR_LIMIT_STR_SCENE" => scene["scene_str"]
                .as_str()
                .filter(|s| !s.is_empty() && s.chars().count() <= 64)
                .map(str::to_string),
            "QR_SCENE" | "QR_LIMIT_SCENE" => scene["scene_id"].as_i64().map(|n| n.to_string()),
            _ => return fail(40097, "invalid args"),
        };
        let Some(scene) = scene else {
            return fail(40097, "invalid args");
        };
        let ticket = format!("gQ{}", wechat::crypto::random_alnum(40));
        let url = format!(
            "http://weixin.qq.com/q/{}",
            wechat::crypto::random_alnum(22)
        );
        let now = self.now_ms();
        let mut answer = json!({"ticket": ticket, "url": url});
        let expires = if action.starts_with("QR_LIMIT") {
            None
        } else {
            let secs = body["expire_seconds"]
                .as_i64()
                .unwrap_or(60)
                .clamp(60, 2_592_000);
            answer["expire_seconds"] = json!(secs);
            Some(now + secs * 1000)
        };
        self.qr_codes
            .insert(ticket, (appid.to_string(), scene, expires));
        Ok(answer)
    }

    /// The scene of a QR ticket of `appid` that has not expired.
    pub fn scene_of(&self, appid: &str, ticket: &str) -> Option<String> {
        let now = self.now_ms();
        self.qr_codes
            .get(ticket)
            .filter(|(a, _, expires)| a == appid && expires.is_none_or(|e| e > now))
            .map(|(_, scene, _)| scene.clone())
    }

    /// Whether the user follows the account.
    pub fn follows(&self, appid: &str, openid: &str) -> bool {
        self.accounts
            .get(appid)
            .and_then(|a| a.users.get(openid))
            .is_some_and(|u| u.spec.subscribed)
    }

    /// The app's current JS-SDK ticket, if one was handed out (for tests that recompute a
    /// signature).
    pub fn current_ticket(&self, appid: &str) -> Option<String> {
        self.tickets.get(appid).map(|(t, _)| t.clone())
    }

    pub fn user_info(&self, appid: &str, openid: &str) -> Answer {
        match self.accounts[appid].users.get(openid) {
            Some(user) => Ok(Self::user_json(user, openid)),
            None => fail(40003, "invalid openid"),
        }
    }

    pub fn user_info_batch(&self, appid: &str, body: &Value) -> Answer {
        let Some(list) = body.get("user_list").and_then(Value::as_array) else {
            return fail(47001, "data format error");
        };
        if list.is_empty() || list.len() > 100 {
            return fail(45035, "user list size out of limit");
        }
        let mut out = Vec::new();
        for item in list {
            let openid = item
                .get("openid")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match self.accounts[appid].users.get(openid) {
                Some(user) => out.push(Self::user_json(user, openid)),
                None => return fail(40003, "invalid openid"),
            }
        }
        Ok(json!({ "user_info_list": out }))
    }

    fn next_msgid(&mut self) -> i64 {
        if self.next_msgid == 0 {
            // Large, like WeChat's: past 2^53, where doubles lose digits.
            let r = u64::from_le_bytes(wechat::crypto::random_bytes::<8>()) % (1 << 40);
            self.next_msgid = (1i64 << 60) + r as i64;
        }
        self.next_msgid += 1 + (wechat::crypto::random_bytes::<1>()[0] as i64);
        self.next_msgid
    }

    pub fn send_template(&mut self, appid: &str, raw: &str) -> Answer {
        let Ok(body) = serde_json::from_str::<Value>(raw) else {
            return fail(47001, "data format error");
        };
        let touser = body
            .get("touser")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let template_id = body
            .get("template_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let account = &self.accounts[appid];
        if template_id.is_empty()
            || (!account.spec.templates.is_empty()
                && !account.spec.templates.iter().any(|t| t == template_id))
        {
            return fail(40037, "invalid template_id");
        }
        if body.get("data").is_some_and(|d| !d.is_object()) {
            return fail(47001, "data format error");
        }
        let Some(user) = account.users.get(touser) else {
            return fail(40003, "invalid openid");
        };
        if !user.spec.subscribed {
            let hint = wechat::crypto::random_alnum(14);
            return Err((43004, format!("require subscribe hint: [{hint}]")));
        }
        if user.spec.refuses_templates {
            return fail(43101, "user refuse to accept the msg");
        }
        // A repeat of an accepted client_msg_id within ten minutes is not sent again; it is
        // answered as the first was (WeChat documents the dedup, not its answer).
        let now = self.now_ms();
        let dedup_key = body
            .get("client_msg_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(|id| (appid.to_string(), touser.to_string(), id.to_string()));
        if let Some(key) = &dedup_key {
            if let Some(&(msgid, at)) = self.client_msgs.get(key) {
                if now - at < CLIENT_MSG_ID_TTL_MS {
                    return Ok(json!({ "msgid": msgid }));
                }
            }
        }
        self.use_quota(appid, "template")?;
        let msgid = self.next_msgid();
        if let Some(key) = dedup_key {
            self.client_msgs.insert(key, (msgid, now));
        }
        self.received.push(Received {
            endpoint: "/cgi-bin/message/template/send".into(),
            appid: appid.to_string(),
            msgid: Some(msgid),
            body,
            raw: raw.to_string(),
        });
        Ok(json!({ "msgid": msgid }))
    }

    pub fn send_custom(&mut self, appid: &str, raw: &str) -> Answer {
        let Ok(body) = serde_json::from_str::<Value>(raw) else {
            return fail(47001, "data format error");
        };
        let touser = body
            .get("touser")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let msgtype = body
            .get("msgtype")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let known = [
            "text",
            "image",
            "voice",
            "video",
            "music",
            "news",
            "mpnews",
            "msgmenu",
            "wxcard",
            "miniprogrampage",
        ];
        if !known.contains(&msgtype) || body.get(msgtype).is_none() {
            return fail(40008, "invalid message type");
        }
        let now = self.now_ms();
        let Some(user) = self.accounts[appid].users.get(touser) else {
            return fail(40003, "invalid openid");
        };
        let recent = user
            .last_interaction_ms
            .is_some_and(|t| now - t < INTERACTION_WINDOW_MS);
        if !user.spec.subscribed || !recent {
            return fail(
                45015,
                "response out of time limit or subscription is canceled",
            );
        }
        self.received.push(Received {
            endpoint: "/cgi-bin/message/custom/send".into(),
            appid: appid.to_string(),
            msgid: None,
            body,
            raw: raw.to_string(),
        });
        Ok(json!({}))
    }

    /// The authorize page: where the browser goes next (a code, or no code when denied).
    pub fn authorize(
        &mut self,
        appid: &str,
        redirect_uri: &str,
        scope: &str,
        state: &str,
    ) -> Result<String, String> {
        let account = self.accounts.get(appid).ok_or("appid 参数错误")?;
        if scope != "snsapi_base" && scope != "snsapi_userinfo" {
            return Err("scope 参数错误或没有 scope 权限".into());
        }
        let mut target = url::Url::parse(redirect_uri).map_err(|_| "redirect_uri 参数错误")?;
        let plan = self
            .oauth_plans
            .get(appid)
            .cloned()
            .unwrap_or_else(|| OAuthPlan {
                openid: account.order.first().cloned().unwrap_or_default(),
                ..Default::default()
            });
        if plan.deny && scope == "snsapi_userinfo" {
            target.query_pairs_mut().append_pair("state", state);
            return Ok(target.into());
        }
        if !plan.snapshot && !account.users.contains_key(&plan.openid) {
            return Err("该公众号下没有模拟用户".into());
        }
        let code = wechat::crypto::random_alnum(32);
        self.codes.insert(
            code.clone(),
            Code {
                appid: appid.to_string(),
                openid: plan.openid,
                scope: scope.to_string(),
                snapshot: plan.snapshot,
                issued_ms: self.now_ms(),
                used: false,
            },
        );
        target
            .query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", state);
        Ok(target.into())
    }

    pub fn oauth_access_token(
        &mut self,
        appid: &str,
        secret: &str,
        code: &str,
        grant_type: &str,
    ) -> Answer {
        if grant_type != "authorization_code" {
            return fail(40002, "invalid grant_type");
        }
        self.check_app(appid, secret)?;
        let now = self.now_ms();
        let Some(c) = self.codes.get_mut(code).filter(|c| c.appid == appid) else {
            return fail(40029, "invalid code");
        };
        if c.used {
            return fail(40163, "code been used");
        }
        if now - c.issued_ms > CODE_TTL_MS {
            return fail(40029, "invalid code");
        }
        c.used = true;
        let c = c.clone();
        let (openid, unionid) = if c.snapshot {
            (
                format!("o_snapshot_{}", wechat::crypto::random_alnum(16)),
                Some(format!("u_snapshot_{}", wechat::crypto::random_alnum(16))),
            )
        } else {
            let user = &self.accounts[appid].users[&c.openid];
            (c.openid.clone(), user.spec.unionid.clone())
        };
        let access_token = wechat::crypto::random_alnum(80);
        self.grants.insert(
            access_token.clone(),
            OAuthGrant {
                openid: openid.clone(),
                scope: c.scope.clone(),
                unionid: unionid.clone(),
                expires_at_ms: now + TOKEN_TTL_SECS * 1000,
            },
        );
        let mut v = json!({
            "access_token": access_token,
            "expires_in": TOKEN_TTL_SECS,
            "refresh_token": wechat::crypto::random_alnum(80),
            "openid": openid,
            "scope": c.scope,
        });
        if c.snapshot {
            v["is_snapshotuser"] = json!(1);
        }
        if let Some(unionid) = unionid {
            v["unionid"] = json!(unionid);
        }
        Ok(v)
    }

    pub fn oauth_user_info(&self, token: &str, openid: &str) -> Answer {
        let Some(grant) = self.grants.get(token) else {
            return fail(
                40001,
                "invalid credential, access_token is invalid or not latest",
            );
        };
        if grant.expires_at_ms <= self.now_ms() {
            return fail(42001, "access_token expired");
        }
        if grant.scope != "snsapi_userinfo" {
            return fail(48001, "api unauthorized");
        }
        if grant.openid != openid {
            return fail(40003, "invalid openid");
        }
        let user = self
            .accounts
            .values()
            .find_map(|a| a.users.get(openid))
            .map(|u| u.spec.clone());
        let spec = user.unwrap_or_else(|| UserSpec {
            nickname: "微信用户".into(),
            ..UserSpec::new(openid)
        });
        let mut v = json!({
            "openid": openid,
            "nickname": spec.nickname,
            "sex": spec.sex,
            "province": spec.province,
            "city": spec.city,
            "country": spec.country,
            "headimgurl": spec.headimgurl,
            "privilege": [],
        });
        if let Some(unionid) = &grant.unionid {
            v["unionid"] = json!(unionid);
        }
        Ok(v)
    }

    /// The first fault that applies to `endpoint`, used up by one.
    pub fn take_fault(&mut self, endpoint: &str) -> Option<Fault> {
        let index = self
            .faults
            .iter()
            .position(|f| f.times > 0 && (f.endpoint.is_empty() || f.endpoint == endpoint))?;
        let fault = &mut self.faults[index];
        fault.times -= 1;
        let taken = fault.clone();
        if fault.times == 0 {
            self.faults.remove(index);
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A world whose clock reads 02:00 in Beijing today, so that a test moving the clock by
    /// minutes or hours never crosses the midnight at which daily quotas reset (CI once ran
    /// one at 23:55 Beijing time, 15:55 UTC, and its 20-a-day quota came back mid-test).
    fn world() -> World {
        let mut w = World::default();
        let now = real_now_ms();
        let day_start = china_day(now) * 86_400_000 - 8 * 3_600_000;
        w.clock_offset_ms = day_start + 2 * 3_600_000 - now;
        w.add_account(AccountSpec {
            token_quota: Some(100),
            ..AccountSpec::new("wx1", "s")
        });
        w
    }

    fn token(a: &Answer) -> String {
        a.as_ref().unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_new_classic_token_ends_the_previous_one_five_minutes_later() {
        let mut w = world();
        let t1 = token(&w.classic_token("client_credential", "wx1", "s"));
        let t2 = token(&w.classic_token("client_credential", "wx1", "s"));
        assert_ne!(t1, t2);
        assert!(w.check_token(Some(&t1)).is_ok());
        w.clock_offset_ms += GRACE_MS + 1000;
        assert_eq!(w.check_token(Some(&t1)).unwrap_err().0, 42001);
        assert!(w.check_token(Some(&t2)).is_ok());
        assert_eq!(w.check_token(Some("nope")).unwrap_err().0, 40001);
        assert_eq!(w.check_token(None).unwrap_err().0, 41001);
        assert_eq!(
            w.classic_token("client_credential", "wx1", "bad")
                .unwrap_err()
                .0,
            40125
        );
        assert_eq!(
            w.classic_token("client_credential", "wx9", "s")
                .unwrap_err()
                .0,
            40013
        );
    }

    #[test]
    fn the_stable_token_is_kept_apart_and_renewed_in_its_last_five_minutes() {
        let mut w = world();
        let s1 = token(&w.stable_token("client_credential", "wx1", "s", false));
        let c1 = token(&w.classic_token("client_credential", "wx1", "s"));
        assert_ne!(s1, c1);
        assert_eq!(
            token(&w.stable_token("client_credential", "wx1", "s", false)),
            s1
        );
        w.clock_offset_ms += (TOKEN_TTL_SECS * 1000) - GRACE_MS + 1000;
        let s2 = token(&w.stable_token("client_credential", "wx1", "s", false));
        assert_ne!(s1, s2, "renewed in the last five minutes");
        assert!(
            w.check_token(Some(&s1)).is_ok(),
            "the old one runs out its time"
        );
    }

    #[test]
    fn force_refresh_ends_the_old_token_and_has_limits() {
        let mut w = world();
        let s1 = token(&w.stable_token("client_credential", "wx1", "s", false));
        let s2 = token(&w.stable_token("client_credential", "wx1", "s", true));
        assert_ne!(s1, s2);
        assert_eq!(w.check_token(Some(&s1)).unwrap_err().0, 40001);
        assert_eq!(
            w.stable_token("client_credential", "wx1", "s", true)
                .unwrap_err()
                .0,
            45011,
            "30 s apart"
        );
        for _ in 0..19 {
            w.clock_offset_ms += 31_000;
            assert!(w
                .stable_token("client_credential", "wx1", "s", true)
                .is_ok());
        }
        w.clock_offset_ms += 31_000;
        assert_eq!(
            w.stable_token("client_credential", "wx1", "s", true)
                .unwrap_err()
                .0,
            45009,
            "20 a day"
        );
    }

    #[test]
    fn token_fetches_have_a_daily_quota() {
        let mut w = world();
        for _ in 0..100 {
            assert!(w.classic_token("client_credential", "wx1", "s").is_ok());
        }
        assert_eq!(
            w.classic_token("client_credential", "wx1", "s")
                .unwrap_err()
                .0,
            45009
        );
        w.clock_offset_ms += 86_400_000;
        assert!(w.classic_token("client_credential", "wx1", "s").is_ok());
    }
}
