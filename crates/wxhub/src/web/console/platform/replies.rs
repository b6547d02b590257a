//! A port's auto-replies in the console (platform admins): the rules in the order they fire,
//! a form to add one, each rule's change, pause and deletion, and a try-out box that shows
//! what a follower would get for a message. Over platform::replies, as the admin API is.

use super::super::{audit, CsrfField};
use super::port_pages::{self, PortHead, PortPage};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::platform::replies::{self, ReplySpec, RuleInput, RuleView};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

/// A rule as the page shows it, with its fields for the change form.
struct Shown {
    id: i64,
    on_words: &'static str,
    match_words: &'static str,
    reply_words: String,
    enabled: bool,
    form: ReplyForm,
}

fn on_words(on: &str) -> &'static str {
    match on {
        "subscribe" => "关注回复",
        "keyword" => "关键词回复",
        "click" => "菜单点击",
        _ => "默认回复",
    }
}

fn match_words(kind: &str) -> &'static str {
    match kind {
        "exact" => "全匹配",
        "contains" => "包含",
        "regex" => "正则",
        _ => "",
    }
}

fn shown(v: RuleView) -> Shown {
    let mut form = ReplyForm {
        on: v.on.clone(),
        match_kind: v.match_kind.clone(),
        pattern: v.pattern.clone(),
        priority: v.priority.to_string(),
        activity_id: v.activity_id.map(|a| a.to_string()).unwrap_or_default(),
        ..ReplyForm::default()
    };
    let reply_words = v.reply.summary();
    match v.reply {
        ReplySpec::Text { content } => {
            form.reply_type = "text".into();
            form.content = content;
        }
        ReplySpec::Image { media_id } => {
            form.reply_type = "image".into();
            form.media_id = media_id;
        }
        ReplySpec::News {
            title,
            description,
            url,
            pic_url,
        } => {
            form.reply_type = "news".into();
            (form.title, form.description, form.url, form.pic_url) =
                (title, description, url, pic_url);
        }
    }
    Shown {
        id: v.id,
        on_words: on_words(&v.on),
        match_words: match_words(&v.match_kind),
        reply_words,
        enabled: v.enabled,
        form,
    }
}

/// What the try-out box found for a message.
struct Tried {
    text: String,
    answer: String,
}

#[derive(askama::Template)]
#[template(path = "console/platform/replies.html")]
struct RepliesPage {
    head: PortHead,
    rules: Vec<Shown>,
    /// The port's media library, offered for image replies.
    media: Vec<crate::platform::materials::MaterialView>,
    tried: Option<Tried>,
    /// The add form as it was posted, when it was refused.
    form: ReplyForm,
}
port_pages::port_head!(RepliesPage);

fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "create" => "自动回复规则已添加,立即生效",
        "update" => "规则已保存,立即生效",
        "enable" => "规则已启用",
        "disable" => "规则已停用",
        "delete" => "规则已删除",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    done: Option<String>,
    /// A message to try the rules with.
    r#try: Option<String>,
}

/// The page (its routes: `port_pages::page::<Replies>` and the POSTs below).
pub struct Replies;

impl PortPage for Replies {
    const PATH: &'static str = "replies";
    type Query = PageQuery;
    type Form = ReplyForm;

    fn fresh_form() -> ReplyForm {
        ReplyForm::fresh()
    }

    fn notice(query: &PageQuery) -> Option<String> {
        query
            .done
            .as_deref()
            .and_then(done_notice)
            .map(str::to_string)
    }

    async fn render(
        state: &AppState,
        head: PortHead,
        query: PageQuery,
        form: ReplyForm,
    ) -> Result<Response, Error> {
        let port_id = head.port_id;
        let views = replies::list(&state.store, port_id).await?;
        let tried = match query.r#try.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(Tried {
                text: text.to_string(),
                answer: replies::try_text(&state.store, port_id, text).await?,
            }),
            _ => None,
        };
        Ok(port_pages::respond(&RepliesPage {
            head,
            rules: views.into_iter().map(shown).collect(),
            media: crate::platform::materials::list(state, port_id).await?,
            tried,
            form,
        }))
    }
}

/// The add and change forms: the trigger, and the reply by its type.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ReplyForm {
    csrf: Option<String>,
    on: String,
    match_kind: String,
    pattern: String,
    priority: String,
    reply_type: String,
    content: String,
    media_id: String,
    title: String,
    description: String,
    url: String,
    pic_url: String,
    activity_id: String,
}

impl CsrfField for ReplyForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

impl ReplyForm {
    fn fresh() -> ReplyForm {
        ReplyForm {
            on: "keyword".into(),
            match_kind: "exact".into(),
            reply_type: "text".into(),
            priority: "0".into(),
            ..ReplyForm::default()
        }
    }

    /// The rule it describes, in the admin API's terms (a number that is not one is refused
    /// with the field's label).
    fn input(&self) -> Result<RuleInput, Error> {
        let number = |label: &str, text: &str| -> Result<Option<i64>, Error> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse()
                .map(Some)
                .map_err(|_| Error::bad_request(format!("{label}应为整数")))
        };
        let reply = match self.reply_type.as_str() {
            "image" => json!({"type": "image", "mediaId": self.media_id.trim()}),
            "news" => json!({"type": "news", "title": self.title.trim(),
                             "description": self.description.trim(), "url": self.url.trim(),
                             "picUrl": self.pic_url.trim()}),
            _ => json!({"type": "text", "content": self.content.trim()}),
        };
        Ok(RuleInput {
            on: Some(self.on.clone()),
            match_kind: Some(self.match_kind.clone()),
            pattern: Some(self.pattern.clone()),
            priority: Some(number("优先级", &self.priority)?.unwrap_or(0)),
            reply: Some(reply),
            activity_id: Some(number("活动 ID", &self.activity_id)?.unwrap_or(0)),
            enabled: None,
        })
    }
}

/// `POST /console/platform/ports/{id}/replies`: add a rule.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(port_id): PathParam<i64>,
    form: Result<Params<ReplyForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let added = async {
        let rule = replies::create(&state.store, &state.replies, port_id, &form.input()?).await?;
        record(&state, &session, &address, "create", &rule).await;
        Ok::<_, Error>(())
    }
    .await;
    match added {
        Ok(()) => port_pages::done::<Replies>(port_id, "create", ""),
        Err(e) => port_pages::refused::<Replies>(&state, &session, port_id, form, e).await,
    }
}

async fn record(state: &AppState, session: &Session, address: &str, action: &str, r: &RuleView) {
    audit::record(
        state,
        session,
        address,
        None,
        &format!("reply.{action}"),
        &format!("端口 {} 的自动回复 {}", r.port_id, r.id),
        &format!("{} {}", on_words(&r.on), r.pattern),
    )
    .await;
}

/// `POST /console/platform/ports/{id}/replies/{rule}/{update|enable|disable|delete}`.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((port_id, rule_id, action)): PathParam<(i64, i64, String)>,
    form: Result<Params<ReplyForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let acted = async {
        let (store, held) = (&state.store, &*state.replies);
        let rule = match action.as_str() {
            "update" => replies::update(store, held, port_id, rule_id, &form.input()?).await?,
            "enable" | "disable" => {
                let input = RuleInput {
                    enabled: Some(action == "enable"),
                    ..RuleInput::default()
                };
                replies::update(store, held, port_id, rule_id, &input).await?
            }
            "delete" => {
                let rule = replies::get(store, port_id, rule_id).await?;
                replies::delete(store, held, port_id, rule_id).await?;
                rule
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        record(&state, &session, &address, &action, &rule).await;
        Ok::<_, Error>(())
    }
    .await;
    match acted {
        Ok(()) => port_pages::done::<Replies>(port_id, &action, ""),
        Err(e) => {
            port_pages::refused::<Replies>(&state, &session, port_id, ReplyForm::fresh(), e).await
        }
    }
}
