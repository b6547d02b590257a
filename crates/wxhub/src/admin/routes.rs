//! The admin API under /admin/api/v1, for platform-admin tokens only. Answers use the
//! marketing envelope; lists answer `items` and `totalCount`.

use super::clients::{self, ClientInput, ClientView, ClientWithSecret};
use super::orgs::{self, OrgInput, OrgView};
use super::ports::{self, PortInput, PortView};
use crate::auth::extract::AdminClient;
use crate::auth::keys::{self, KeyInfo};
use crate::checks::Page;
use crate::error::Result;
use crate::http::envelope::{MarketingDone, MarketingFailure, MarketingPage, MarketingReply};
use crate::http::params::{lenient, PageParams, Params, PathParam};
use crate::platform::applications::{self, ApplicationInput, ApplicationItem};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The admin API's routes, each at the path its annotation gives.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(get_org, update_org, delete_org))
        .routes(routes!(list_org_ports))
        .routes(routes!(grant_org_port, revoke_org_port))
        .routes(routes!(list_clients, create_client))
        .routes(routes!(get_client, update_client, delete_client))
        .routes(routes!(revoke_client))
        .routes(routes!(rotate_client_secret))
        .routes(routes!(list_ports, create_port))
        .routes(routes!(get_port, update_port, delete_port))
        .routes(routes!(list_applications, create_application))
        .routes(routes!(
            get_application,
            update_application,
            delete_application
        ))
        .routes(routes!(search_fans))
        .routes(routes!(search_users))
        .routes(routes!(list_keys))
        .routes(routes!(rotate_key))
        .routes(routes!(retire_key))
        .merge(super::message_routes::router())
        .merge(super::reply_routes::router())
        .merge(super::channel_routes::router())
        .merge(super::tag_routes::router())
        .merge(super::material_routes::router())
        .merge(super::menu_routes::router())
        .merge(super::people_routes::router())
}

// --- orgs -------------------------------------------------------------------------------

/// List orgs.
#[utoipa::path(get, path = "/admin/api/v1/orgs", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<OrgView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn list_orgs(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<MarketingPage<OrgView>> {
    let (items, total) = orgs::list(&s.store, p.page()?).await?;
    Ok(MarketingPage::new(items, total))
}

/// Create an org.
#[utoipa::path(post, path = "/admin/api/v1/orgs", tag = "admin", request_body = OrgInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<OrgView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 409, body = MarketingFailure)))]
pub async fn create_org(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<OrgInput>,
) -> Result<MarketingReply<OrgView>> {
    Ok(MarketingReply::ok(orgs::create(&s.store, input).await?))
}

/// The ports the org's clients may use through the marketing API.
#[utoipa::path(get, path = "/admin/api/v1/orgs/{id}/ports", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Vec<crate::admin::ports::PortView>>),
              (status = 400, body = MarketingFailure), (status = 401, body = MarketingFailure),
              (status = 403, body = MarketingFailure), (status = 404, body = MarketingFailure)))]
pub async fn list_org_ports(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<Vec<crate::admin::ports::PortView>>> {
    Ok(MarketingReply::ok(orgs::ports(&s.store, id).await?))
}

/// Grant a port to the org: its clients may then use it through the marketing API (and reach
/// unified users through its fans). Answers the org's ports.
#[utoipa::path(put, path = "/admin/api/v1/orgs/{id}/ports/{port_id}", tag = "admin",
    params(("id" = i64, Path), ("port_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Vec<crate::admin::ports::PortView>>),
              (status = 400, body = MarketingFailure), (status = 401, body = MarketingFailure),
              (status = 403, body = MarketingFailure), (status = 404, body = MarketingFailure)))]
pub async fn grant_org_port(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, port_id)): PathParam<(i64, i64)>,
) -> Result<MarketingReply<Vec<crate::admin::ports::PortView>>> {
    Ok(MarketingReply::ok(
        orgs::grant_port(&s.store, id, port_id).await?,
    ))
}

/// Take a port back from the org. Answers the org's ports.
#[utoipa::path(delete, path = "/admin/api/v1/orgs/{id}/ports/{port_id}", tag = "admin",
    params(("id" = i64, Path), ("port_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Vec<crate::admin::ports::PortView>>),
              (status = 400, body = MarketingFailure), (status = 401, body = MarketingFailure),
              (status = 403, body = MarketingFailure), (status = 404, body = MarketingFailure)))]
pub async fn revoke_org_port(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, port_id)): PathParam<(i64, i64)>,
) -> Result<MarketingReply<Vec<crate::admin::ports::PortView>>> {
    Ok(MarketingReply::ok(
        orgs::revoke_port(&s.store, id, port_id).await?,
    ))
}

/// Read an org.
#[utoipa::path(get, path = "/admin/api/v1/orgs/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<OrgView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn get_org(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<OrgView>> {
    Ok(MarketingReply::ok(orgs::get(&s.store, id).await?))
}

/// Rename an org.
#[utoipa::path(put, path = "/admin/api/v1/orgs/{id}", tag = "admin", params(("id" = i64, Path)),
    request_body = OrgInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<OrgView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure)))]
pub async fn update_org(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<OrgInput>,
) -> Result<MarketingReply<OrgView>> {
    Ok(MarketingReply::ok(orgs::update(&s.store, id, input).await?))
}

/// Delete an org that no client belongs to.
#[utoipa::path(delete, path = "/admin/api/v1/orgs/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure)))]
pub async fn delete_org(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingDone> {
    orgs::delete(&s.store, id).await?;
    Ok(MarketingReply::ok(true))
}

// --- clients ----------------------------------------------------------------------------

/// List clients (secrets are never answered).
#[utoipa::path(get, path = "/admin/api/v1/clients", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<ClientView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn list_clients(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<MarketingPage<ClientView>> {
    let (items, total) = clients::list(&s.store, p.page()?).await?;
    Ok(MarketingPage::new(items, total))
}

/// Create a client; the answer carries its secret, the only time it is shown.
#[utoipa::path(post, path = "/admin/api/v1/clients", tag = "admin", request_body = ClientInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ClientWithSecret>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 409, body = MarketingFailure)))]
pub async fn create_client(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<ClientInput>,
) -> Result<MarketingReply<ClientWithSecret>> {
    let memory = s.config.auth.argon2_memory_kib;
    Ok(MarketingReply::ok(
        clients::create(&s.store, input, memory).await?,
    ))
}

/// Read a client.
#[utoipa::path(get, path = "/admin/api/v1/clients/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ClientView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn get_client(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<ClientView>> {
    Ok(MarketingReply::ok(clients::get(&s.store, id).await?))
}

/// Change a client's name, applicationKey, scope or org.
#[utoipa::path(put, path = "/admin/api/v1/clients/{id}", tag = "admin", params(("id" = i64, Path)),
    request_body = ClientInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ClientView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn update_client(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<ClientInput>,
) -> Result<MarketingReply<ClientView>> {
    let view = clients::update(&s.store, id, input).await?;
    s.auth.invalidate_client(&view.client_id);
    Ok(MarketingReply::ok(view))
}

/// Delete a client; its tokens stop working.
#[utoipa::path(delete, path = "/admin/api/v1/clients/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn delete_client(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingDone> {
    let view = clients::delete(&s.store, id).await?;
    s.auth.invalidate_client(&view.client_id);
    Ok(MarketingReply::ok(true))
}

/// Revoke a client: no new tokens, and its tokens are refused.
#[utoipa::path(post, path = "/admin/api/v1/clients/{id}/revoke", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ClientView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn revoke_client(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<ClientView>> {
    let view = clients::revoke(&s.store, id).await?;
    s.auth.invalidate_client(&view.client_id);
    Ok(MarketingReply::ok(view))
}

/// Replace a client's secret; the answer carries the new one, the only time it is shown.
#[utoipa::path(post, path = "/admin/api/v1/clients/{id}/secret", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ClientWithSecret>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn rotate_client_secret(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<ClientWithSecret>> {
    let memory = s.config.auth.argon2_memory_kib;
    let out = clients::rotate_secret(&s.store, id, memory).await?;
    s.auth.invalidate_client(&out.client.client_id);
    Ok(MarketingReply::ok(out))
}

// --- ports ------------------------------------------------------------------------------

/// List ports (secrets are never answered).
#[utoipa::path(get, path = "/admin/api/v1/ports", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<PortView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn list_ports(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<MarketingPage<PortView>> {
    let (items, total) = ports::list(&s.store, p.page()?).await?;
    Ok(MarketingPage::new(items, total))
}

/// Create a port.
#[utoipa::path(post, path = "/admin/api/v1/ports", tag = "admin", request_body = PortInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<PortView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 409, body = MarketingFailure)))]
pub async fn create_port(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<PortInput>,
) -> Result<MarketingReply<PortView>> {
    Ok(MarketingReply::ok(
        ports::create(&s.store, &s.secrets, input).await?,
    ))
}

/// Read a port.
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<PortView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn get_port(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<PortView>> {
    Ok(MarketingReply::ok(ports::get(&s.store, id).await?))
}

/// Change a port; secrets given replace the stored ones, absent ones are kept.
#[utoipa::path(put, path = "/admin/api/v1/ports/{id}", tag = "admin", params(("id" = i64, Path)),
    request_body = PortInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<PortView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure)))]
pub async fn update_port(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<PortInput>,
) -> Result<MarketingReply<PortView>> {
    Ok(MarketingReply::ok(
        ports::update(&s.store, &s.secrets, id, input).await?,
    ))
}

/// Delete a port.
#[utoipa::path(delete, path = "/admin/api/v1/ports/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn delete_port(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingDone> {
    ports::delete(&s.store, id).await?;
    Ok(MarketingReply::ok(true))
}

// --- applications -----------------------------------------------------------------------

/// List applications (the same items as getAll, unfiltered).
#[utoipa::path(get, path = "/admin/api/v1/applications", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<ApplicationItem>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn list_applications(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<MarketingPage<ApplicationItem>> {
    let req = applications::ListRequest::page(p.page()?);
    let (items, total) = applications::list(&s.store, &req, &s.tz).await?;
    Ok(MarketingPage::new(items, total))
}

/// Create an application.
#[utoipa::path(post, path = "/admin/api/v1/applications", tag = "admin",
    request_body = ApplicationInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ApplicationItem>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn create_application(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<ApplicationInput>,
) -> Result<MarketingReply<ApplicationItem>> {
    Ok(MarketingReply::ok(
        applications::create(&s.store, input, &s.tz).await?,
    ))
}

/// Read an application.
#[utoipa::path(get, path = "/admin/api/v1/applications/{id}", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ApplicationItem>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn get_application(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<ApplicationItem>> {
    Ok(MarketingReply::ok(
        applications::get(&s.store, id, &s.tz).await?,
    ))
}

/// Change an application.
#[utoipa::path(put, path = "/admin/api/v1/applications/{id}", tag = "admin",
    params(("id" = i64, Path)), request_body = ApplicationInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ApplicationItem>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn update_application(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<ApplicationInput>,
) -> Result<MarketingReply<ApplicationItem>> {
    Ok(MarketingReply::ok(
        applications::update(&s.store, id, input, &s.tz).await?,
    ))
}

/// Delete an application.
#[utoipa::path(delete, path = "/admin/api/v1/applications/{id}", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn delete_application(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingDone> {
    applications::delete(&s.store, id).await?;
    Ok(MarketingReply::ok(true))
}

// --- fans and unified users -----------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct FanSearchParams {
    /// One port's fans (all ports when absent).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>)]
    port_id: Option<i64>,
    /// An openId or unionId (exact), or a part of the nickname.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    q: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    page_size: Option<i64>,
}

/// Search fans, newest first (getFans' fields).
#[utoipa::path(get, path = "/admin/api/v1/fans", tag = "admin", params(FanSearchParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<crate::platform::fans::FanView>),
              (status = 400, body = MarketingFailure), (status = 401, body = MarketingFailure),
              (status = 403, body = MarketingFailure)))]
pub async fn search_fans(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<FanSearchParams>,
) -> Result<MarketingPage<crate::platform::fans::FanView>> {
    let page = Page::new(p.page, p.page_size)?;
    let (items, total) =
        crate::platform::fans::search(&s.store, p.port_id, p.q.as_deref(), page).await?;
    Ok(MarketingPage::new(items, total))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct UserSearchParams {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>)]
    user_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    union_id: Option<String>,
    /// A whole mainland mobile number (compared by its fingerprint).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    phone: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    page_size: Option<i64>,
}

/// Search unified users by id, unionId or phone, newest first (addUser's fields, phones whole).
#[utoipa::path(get, path = "/admin/api/v1/users", tag = "admin", params(UserSearchParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<crate::platform::users::UnifiedUser>),
              (status = 400, body = MarketingFailure), (status = 401, body = MarketingFailure),
              (status = 403, body = MarketingFailure)))]
pub async fn search_users(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<UserSearchParams>,
) -> Result<MarketingPage<crate::platform::users::UnifiedUser>> {
    let page = Page::new(p.page, p.page_size)?;
    let (items, total) = crate::platform::users::search(
        &s.store,
        &s.secrets,
        p.user_id,
        p.union_id.as_deref(),
        p.phone.as_deref(),
        page,
    )
    .await?;
    Ok(MarketingPage::new(items, total))
}

// --- signing keys -----------------------------------------------------------------------

/// List the JWT signing keys (public information only).
#[utoipa::path(get, path = "/admin/api/v1/keys", tag = "admin", security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<KeyInfo>),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn list_keys(
    State(s): State<AppState>,
    _: AdminClient,
) -> Result<MarketingPage<KeyInfo>> {
    let items = keys::list(&s.store).await?;
    let total = items.len() as i64;
    Ok(MarketingPage::new(items, total))
}

/// Add a signing key that signs from now on; older keys verify until retired.
#[utoipa::path(post, path = "/admin/api/v1/keys/rotate", tag = "admin", security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<KeyInfo>),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn rotate_key(
    State(s): State<AppState>,
    _: AdminClient,
) -> Result<MarketingReply<KeyInfo>> {
    let info = keys::rotate(&s.store, &s.secrets).await?;
    s.auth.reload_keys().await?;
    Ok(MarketingReply::ok(info))
}

/// Retire a key: tokens it signed stop verifying.
#[utoipa::path(post, path = "/admin/api/v1/keys/{kid}/retire", tag = "admin",
    params(("kid" = String, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 401, body = MarketingFailure),
              (status = 403, body = MarketingFailure), (status = 404, body = MarketingFailure),
              (status = 409, body = MarketingFailure)))]
pub async fn retire_key(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(kid): PathParam<String>,
) -> Result<MarketingDone> {
    keys::retire(&s.store, &kid).await?;
    s.auth.reload_keys().await?;
    Ok(MarketingReply::ok(true))
}
