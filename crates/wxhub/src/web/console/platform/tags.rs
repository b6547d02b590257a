//! A port's user tags in the console (platform admins): the account's tags with their
//! follower counts as WeChat has them, a tag made, renamed or deleted, and a tag given to or
//! taken from the followers whose openIds are pasted in. Over platform::tags, as the admin API is.

use super::super::{audit, CsrfField};
use super::port_pages::{self, PortHead, PortPage};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{lenient, Params, PathParam};
use crate::platform::tags::{self, MembersInput, TagInput, TagView};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

#[derive(askama::Template)]
#[template(path = "console/platform/tags.html")]
struct TagsPage {
    head: PortHead,
    tags: Vec<TagView>,
    form: TagForm,
}
port_pages::port_head!(TagsPage);

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    done: Option<String>,
    /// Followers tagged or untagged.
    #[serde(deserialize_with = "lenient::opt_i64")]
    n: Option<i64>,
    /// Followers the list named but that were left out.
    #[serde(deserialize_with = "lenient::opt_i64")]
    left: Option<i64>,
}

fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "create" => "标签已新建",
        "rename" => "标签已改名",
        "delete" => "标签已删除(粉丝身上的这个标签也一并去掉)",
        _ => return None,
    })
}

/// What was done, in words: a bulk tagging's counts, else the action's notice.
fn notice_of(query: &PageQuery) -> Option<String> {
    let done = query.done.as_deref()?;
    let verb = match done {
        "tag" => "打上",
        "untag" => "去掉",
        _ => return done_notice(done).map(str::to_string),
    };
    let mut words = format!("已为 {} 位粉丝{verb}标签", query.n.unwrap_or(0));
    if let Some(left) = query.left.filter(|l| *l > 0) {
        words.push_str(&format!(";另有 {left} 个未处理(不是已知的关注者,或重复)"));
    }
    Some(words)
}

/// The page (its routes: `port_pages::page::<Tags>` and the POSTs below).
pub struct Tags;

impl PortPage for Tags {
    const PATH: &'static str = "tags";
    type Query = PageQuery;
    type Form = TagForm;

    fn notice(query: &PageQuery) -> Option<String> {
        notice_of(query)
    }

    async fn render(
        state: &AppState,
        mut head: PortHead,
        _: PageQuery,
        form: TagForm,
    ) -> Result<Response, Error> {
        // WeChat keeps the tags: when it cannot be asked, the page says why.
        let tags = match tags::list(state, head.port_id).await {
            Ok(tags) => tags,
            Err(e @ (Error::WeChat(_) | Error::Unavailable(_) | Error::Conflict(_))) => {
                head.refuse(&e);
                vec![]
            }
            Err(e) => return Err(e),
        };
        Ok(port_pages::respond(&TagsPage { head, tags, form }))
    }
}

/// The tag forms: a name (make, rename), or a tag and the openIds to give it to.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct TagForm {
    csrf: Option<String>,
    name: String,
    tag_id: String,
    /// openIds, one a line (or separated by commas or spaces).
    open_ids: String,
    /// tag or untag (the button pressed).
    mode: String,
}

impl CsrfField for TagForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

async fn record(state: &AppState, session: &Session, address: &str, action: &str, what: &str) {
    audit::record(
        state,
        session,
        address,
        None,
        &format!("tag.{action}"),
        what,
        "",
    )
    .await;
}

/// `POST /console/platform/ports/{id}/tags`: make a tag.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(port_id): PathParam<i64>,
    form: Result<Params<TagForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let input = TagInput {
        name: Some(form.name.clone()),
    };
    match tags::create(&state, port_id, &input).await {
        Ok(tag) => {
            let what = format!("端口 {port_id} 的标签 {}({})", tag.id, tag.name);
            record(&state, &session, &address, "create", &what).await;
            port_pages::done::<Tags>(port_id, "create", "")
        }
        Err(e) => port_pages::refused::<Tags>(&state, &session, port_id, form, e).await,
    }
}

/// `POST /console/platform/ports/{id}/tags/{tag}/{rename|delete}`.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((port_id, tag_id, action)): PathParam<(i64, i64, String)>,
    form: Result<Params<TagForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let acted = async {
        let what = match action.as_str() {
            "rename" => {
                let input = TagInput {
                    name: Some(form.name.clone()),
                };
                let tag = tags::rename(&state, port_id, tag_id, &input).await?;
                format!("端口 {port_id} 的标签 {tag_id}({})", tag.name)
            }
            "delete" => {
                tags::delete(&state, port_id, tag_id).await?;
                format!("端口 {port_id} 的标签 {tag_id}")
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        record(&state, &session, &address, &action, &what).await;
        Ok::<_, Error>(())
    }
    .await;
    match acted {
        Ok(()) => port_pages::done::<Tags>(port_id, &action, ""),
        Err(e) => {
            port_pages::refused::<Tags>(&state, &session, port_id, TagForm::default(), e).await
        }
    }
}

/// `POST /console/platform/ports/{id}/tags/members`: give the chosen tag to (or take it from)
/// the followers pasted in.
pub async fn members(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(port_id): PathParam<i64>,
    form: Result<Params<TagForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let tagging = form.mode != "untag";
    let done = async {
        let tag_id: i64 = form
            .tag_id
            .trim()
            .parse()
            .map_err(|_| Error::bad_request("请选择标签"))?;
        let open_ids: Vec<String> = form
            .open_ids
            .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
            .filter(|o| !o.is_empty())
            .map(str::to_string)
            .collect();
        if open_ids.is_empty() {
            return Err(Error::bad_request("请填写粉丝的 openId(每行一个)"));
        }
        let input = MembersInput {
            open_ids: Some(open_ids),
            segment: None,
        };
        let done = tags::members(
            &state,
            &session.account.username,
            port_id,
            tag_id,
            &input,
            tagging,
        )
        .await?;
        let left = &done.left_out;
        let what = format!("端口 {port_id} 的标签 {tag_id}:{} 位粉丝", done.done);
        let action = if tagging { "tag" } else { "untag" };
        record(&state, &session, &address, action, &what).await;
        Ok::<_, Error>((
            done.done,
            left.unsubscribed + left.no_fan + left.not_wechat + left.duplicates,
        ))
    }
    .await;
    match done {
        Ok((n, left)) => port_pages::done::<Tags>(
            port_id,
            if tagging { "tag" } else { "untag" },
            &format!("&n={n}&left={left}"),
        ),
        Err(e) => port_pages::refused::<Tags>(&state, &session, port_id, form, e).await,
    }
}
