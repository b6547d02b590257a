//! The admin API of each port's auto-replies (platform::replies).

use crate::auth::extract::AdminClient;
use crate::error::Result;
use crate::http::envelope::{MarketingDone, MarketingFailure, MarketingReply};
use crate::http::params::{Params, PathParam};
use crate::platform::replies::{self, RuleInput, RuleView};
use crate::AppState;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, update_rule, delete_rule))
}

/// The port's auto-reply rules: follows, keywords in the order they are tried (priority, the
/// higher first; then the older first), clicks, the default.
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}/reply-rules", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Vec<RuleView>>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn list_rules(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<Vec<RuleView>>> {
    Ok(MarketingReply::ok(replies::list(&s.store, id).await?))
}

/// Add a rule: `{on, match, pattern, priority, reply, activityId, enabled}`. One rule per
/// keyword and match, click key, follow scene, and one default: a second is 409.
#[utoipa::path(post, path = "/admin/api/v1/ports/{id}/reply-rules", tag = "admin",
    params(("id" = i64, Path)), request_body = RuleInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<RuleView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure)))]
pub async fn create_rule(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<RuleInput>,
) -> Result<MarketingReply<RuleView>> {
    Ok(MarketingReply::ok(
        replies::create(&s.store, &s.replies, id, &input).await?,
    ))
}

/// Read a rule.
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}/reply-rules/{rule_id}", tag = "admin",
    params(("id" = i64, Path), ("rule_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<RuleView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn get_rule(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, rule_id)): PathParam<(i64, i64)>,
) -> Result<MarketingReply<RuleView>> {
    Ok(MarketingReply::ok(
        replies::get(&s.store, id, rule_id).await?,
    ))
}

/// Change a rule: the fields given (the others keep their values).
#[utoipa::path(put, path = "/admin/api/v1/ports/{id}/reply-rules/{rule_id}", tag = "admin",
    params(("id" = i64, Path), ("rule_id" = i64, Path)), request_body = RuleInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<RuleView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure)))]
pub async fn update_rule(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, rule_id)): PathParam<(i64, i64)>,
    Params(input): Params<RuleInput>,
) -> Result<MarketingReply<RuleView>> {
    Ok(MarketingReply::ok(
        replies::update(&s.store, &s.replies, id, rule_id, &input).await?,
    ))
}

/// Delete a rule.
#[utoipa::path(delete, path = "/admin/api/v1/ports/{id}/reply-rules/{rule_id}", tag = "admin",
    params(("id" = i64, Path), ("rule_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn delete_rule(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, rule_id)): PathParam<(i64, i64)>,
) -> Result<MarketingDone> {
    replies::delete(&s.store, &s.replies, id, rule_id).await?;
    Ok(MarketingReply::ok(true))
}
