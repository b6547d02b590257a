//! HTTP handlers of campaigns, in the marketing family (seed 001's envelope and Sso-Token),
//! mounted under each gateway prefix beside sendMsg: `/wx/api/campaigns…`.

use super::{Caller, CampaignInput, CampaignView, Control, RecipientView};
use crate::auth::extract::SsoClient;
use crate::error::Result;
use crate::http::client_ip::ClientAddress;
use crate::http::envelope::{MarketingFailure, MarketingPage, MarketingReply};
use crate::http::params::PageParams;
use crate::http::params::{lenient, Params, ParamsWithFile, PathParam};
use crate::platform::ports::PortScope;
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The campaigns' routes, mounted under each gateway prefix (`route_prefixes`) and documented
/// without one. A campaign's body may carry its recipients' list: the import limit.
pub fn router(import_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(
            routes!(create, list).layer(axum::extract::DefaultBodyLimit::max(import_body_limit)),
        )
        .routes(routes!(tags))
        .routes(routes!(show))
        .routes(routes!(recipients))
        .routes(routes!(report))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(cancel))
}

fn caller_of(c: &SsoClient) -> Caller {
    let scope = PortScope::of(c);
    Caller {
        client_id: c.client_id.clone(),
        org_id: match scope {
            PortScope::Org(org) => Some(org),
            PortScope::All => None,
        },
        scope,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateParams {
    /// Shown in lists; default 「群发 <time>」.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    name: Option<String>,
    /// The official account (port) to send from: portId or appId.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    port_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    app_id: Option<String>,
    /// The application whose default template and content apply when none is named.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    app_app_id: Option<i64>,
    /// The template, as sendMsg: msgTempId, or the training message msgId's template.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    msg_temp_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    msg_id: Option<String>,
    /// `[{name, value, color}]`; values may hold {nickname}, {name}, {prize}, {activity}.
    #[serde(default, deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Option<Object>)]
    msg_content: Option<Value>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    msg_content_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Option<Object>)]
    mini_program_configs: Option<Value>,
    /// `{"type":"fans"}`, `{"type":"tag","tagId":…}`, `{"type":"users","userIds":[…]}`, `{"type":"openIds","openIds":[…]}`,
    /// `{"type":"activity","activityId":…}` or `{"type":"winners","activityId":…,"roundId":…}`.
    #[serde(default, deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Object)]
    segment: Option<Value>,
    /// When to start ("2026-12-01 09:00:00" in the configured zone, or ISO 8601); default now.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    start_at: Option<String>,
}

/// Creates a campaign: its recipients are chosen once, now; it starts at startAt. As
/// multipart/form-data, a file part (.xlsx with an `openId` or `userId` column) may give the
/// list instead of `segment`; a bad row refuses it (400, `result.errors` with row numbers).
#[utoipa::path(post, path = "/wx/api/campaigns", tag = "campaigns",
    security(("sso_token" = [])), request_body = CreateParams,
    responses((status = 200, body = MarketingReply<CampaignView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 404, body = MarketingFailure),
              (status = 409, body = MarketingFailure), (status = 413, body = MarketingFailure),
              (status = 429, body = MarketingFailure), (status = 502, body = MarketingFailure),
              (status = 503, body = MarketingFailure)))]
pub async fn create(
    State(s): State<AppState>,
    caller: SsoClient,
    ParamsWithFile(p, list_file): ParamsWithFile<CreateParams>,
) -> Result<MarketingReply<CampaignView>> {
    let input = CampaignInput {
        name: p.name,
        port_id: p.port_id,
        app_id: p.app_id,
        app_app_id: p.app_app_id,
        msg_temp_id: p.msg_temp_id,
        msg_id: p.msg_id,
        msg_content_id: p.msg_content_id,
        msg_content: p.msg_content,
        url: p.url,
        mini_program_configs: p.mini_program_configs,
        segment: p.segment,
        start_at: p.start_at,
        list_file,
    };
    let view = super::create(&s, &caller_of(&caller), input).await?;
    Ok(MarketingReply::with_message("创建成功", view))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PortParams {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>)]
    port_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    app_id: Option<String>,
}

/// A user tag (标签) of the account, as WeChat lists it.
#[derive(serde::Serialize, ToSchema)]
pub struct TagView {
    pub id: i64,
    pub name: String,
    /// Followers with the tag.
    pub count: i64,
}

/// The account's user tags, read from WeChat: the `tag` segment's `tagId`s.
#[utoipa::path(get, path = "/wx/api/campaigns/tags", tag = "campaigns", params(PortParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<TagView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 404, body = MarketingFailure),
              (status = 409, body = MarketingFailure), (status = 502, body = MarketingFailure),
              (status = 503, body = MarketingFailure)))]
pub async fn tags(
    State(s): State<AppState>,
    caller: SsoClient,
    Params(p): Params<PortParams>,
) -> Result<MarketingPage<TagView>> {
    let port = crate::platform::ports::PortRef::from_params(p.port_id, p.app_id.as_deref())
        .ok_or_else(|| crate::error::Error::bad_request("缺少参数 portId 或 appId"))?;
    let tags: Vec<TagView> = super::tags(&s, &caller_of(&caller), &port)
        .await?
        .into_iter()
        .map(|t| TagView {
            id: t.id,
            name: t.name,
            count: t.count,
        })
        .collect();
    let total = tags.len() as i64;
    Ok(MarketingPage::new(tags, total))
}

/// The caller's campaigns (an org client's own; the platform's all), newest first.
#[utoipa::path(get, path = "/wx/api/campaigns", tag = "campaigns", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<CampaignView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure)))]
pub async fn list(
    State(s): State<AppState>,
    caller: SsoClient,
    Params(p): Params<PageParams>,
) -> Result<MarketingPage<CampaignView>> {
    let page = p.page()?;
    let (items, total) = super::list(&s, &caller_of(&caller), page).await?;
    Ok(MarketingPage::new(items, total))
}

/// A campaign and its progress: counts per state, rate, estimated finish.
#[utoipa::path(get, path = "/wx/api/campaigns/{id}", tag = "campaigns",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<CampaignView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 404, body = MarketingFailure)))]
pub async fn show(
    State(s): State<AppState>,
    caller: SsoClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<CampaignView>> {
    Ok(MarketingReply::ok(
        super::get(&s, &caller_of(&caller), id).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RecipientParams {
    /// pending, sending, sent, failed, skipped or unknown
    #[serde(default, deserialize_with = "lenient::opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    page_size: Option<i64>,
}

/// The campaign's recipients in order, each with its outcome.
#[utoipa::path(get, path = "/wx/api/campaigns/{id}/recipients", tag = "campaigns",
    params(("id" = i64, Path), RecipientParams), security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<RecipientView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 404, body = MarketingFailure)))]
pub async fn recipients(
    State(s): State<AppState>,
    caller: SsoClient,
    PathParam(id): PathParam<i64>,
    Params(p): Params<RecipientParams>,
) -> Result<MarketingPage<RecipientView>> {
    let page = crate::checks::Page::new(p.page, p.page_size)?;
    let state = p.state.filter(|s| !s.is_empty());
    let (items, total) =
        super::recipients(&s, &caller_of(&caller), id, state.as_deref(), page).await?;
    Ok(MarketingPage::new(items, total))
}

/// The report: every recipient with its outcome, as .xlsx (序号, openId, 统一用户ID, 昵称, 姓名,
/// 状态, state, 尝试次数, 微信msgid, 错误代码, 错误信息, 送达回执, 更新时间).
#[utoipa::path(get, path = "/wx/api/campaigns/{id}/report.xlsx", tag = "campaigns",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = MarketingFailure), (status = 401, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn report(
    State(s): State<AppState>,
    caller: SsoClient,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    let bytes = super::report(&s, &caller_of(&caller), id).await?;
    let by = crate::activity::xlsx::Exporter {
        client_id: &caller.client_id,
        org_id: caller.org_id,
        address: &address,
    };
    Ok(crate::activity::xlsx::audited_download(
        &s.store,
        by,
        "campaign.report_export",
        &format!("群发 {id}"),
        &format!("campaign_{id}_report.xlsx"),
        bytes,
    )
    .await)
}

async fn control(
    s: AppState,
    caller: SsoClient,
    id: i64,
    action: Control,
) -> Result<MarketingReply<CampaignView>> {
    let view = super::control(&s, &caller_of(&caller), id, action).await?;
    Ok(MarketingReply::ok(view))
}

/// Pauses a campaign (scheduled, running or waiting): no new batch starts; within a second.
#[utoipa::path(post, path = "/wx/api/campaigns/{id}/pause", tag = "campaigns",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<CampaignView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 404, body = MarketingFailure),
              (status = 409, body = MarketingFailure)))]
pub async fn pause(
    State(s): State<AppState>,
    caller: SsoClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<CampaignView>> {
    control(s, caller, id, Control::Pause).await
}

/// Resumes a paused campaign, or one waiting for WeChat's quota (when it was reset early).
#[utoipa::path(post, path = "/wx/api/campaigns/{id}/resume", tag = "campaigns",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<CampaignView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 404, body = MarketingFailure),
              (status = 409, body = MarketingFailure)))]
pub async fn resume(
    State(s): State<AppState>,
    caller: SsoClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<CampaignView>> {
    control(s, caller, id, Control::Resume).await
}

/// Cancels a campaign: who has not been sent to is skipped.
#[utoipa::path(post, path = "/wx/api/campaigns/{id}/cancel", tag = "campaigns",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<CampaignView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 404, body = MarketingFailure),
              (status = 409, body = MarketingFailure)))]
pub async fn cancel(
    State(s): State<AppState>,
    caller: SsoClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<CampaignView>> {
    control(s, caller, id, Control::Cancel).await
}
