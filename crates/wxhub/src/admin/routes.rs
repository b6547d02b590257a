//! The admin API under /admin/api/v1, for platform-admin tokens only. Answers use the
//! marketing envelope; lists answer `items` and `totalCount`.

use super::clients::{self, ClientInput, ClientView, ClientWithSecret};
use super::orgs::{self, OrgInput, OrgView};
use super::ports::{self, PortInput, PortView};
use super::Page;
use crate::auth::extract::AdminClient;
use crate::auth::keys::{self, KeyInfo};
use crate::error::Result;
use crate::http::envelope::Marketing;
use crate::http::openapi::{MarketingError, MarketingOk, MarketingPage};
use crate::http::params::{lenient, Params, PathParam};
use crate::platform::applications::{self, ApplicationInput, ApplicationItem};
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use utoipa::IntoParams;

const BASE: &str = "/admin/api/v1";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/orgs"), get(list_orgs).post(create_org))
        .route(
            &format!("{BASE}/orgs/{{id}}"),
            get(get_org).put(update_org).delete(delete_org),
        )
        .route(&format!("{BASE}/orgs/{{id}}/ports"), get(list_org_ports))
        .route(
            &format!("{BASE}/orgs/{{id}}/ports/{{port_id}}"),
            axum::routing::put(grant_org_port).delete(revoke_org_port),
        )
        .route(
            &format!("{BASE}/clients"),
            get(list_clients).post(create_client),
        )
        .route(
            &format!("{BASE}/clients/{{id}}"),
            get(get_client).put(update_client).delete(delete_client),
        )
        .route(
            &format!("{BASE}/clients/{{id}}/revoke"),
            post(revoke_client),
        )
        .route(
            &format!("{BASE}/clients/{{id}}/secret"),
            post(rotate_client_secret),
        )
        .route(&format!("{BASE}/ports"), get(list_ports).post(create_port))
        .route(
            &format!("{BASE}/ports/{{id}}"),
            get(get_port).put(update_port).delete(delete_port),
        )
        .route(
            &format!("{BASE}/applications"),
            get(list_applications).post(create_application),
        )
        .route(
            &format!("{BASE}/applications/{{id}}"),
            get(get_application)
                .put(update_application)
                .delete(delete_application),
        )
        .route(&format!("{BASE}/fans"), get(search_fans))
        .route(&format!("{BASE}/users"), get(search_users))
        .route(&format!("{BASE}/keys"), get(list_keys))
        .route(&format!("{BASE}/keys/rotate"), post(rotate_key))
        .route(&format!("{BASE}/keys/{{kid}}/retire"), post(retire_key))
        .merge(super::message_routes::router())
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number (default 1).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<i64>,
    /// Page size, 1–100 (default 20).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    page_size: Option<i64>,
}

impl PageParams {
    pub(crate) fn page(&self) -> Result<Page> {
        Page::new(self.page, self.page_size)
    }
}

pub(super) type Empty = Marketing<bool>;

// --- orgs -------------------------------------------------------------------------------

/// List orgs.
#[utoipa::path(get, path = "/admin/api/v1/orgs", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<OrgView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError)))]
pub async fn list_orgs(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<Marketing<(), OrgView>> {
    let (items, total) = orgs::list(&s.store, p.page()?).await?;
    Ok(Marketing::page(items, total))
}

/// Create an org.
#[utoipa::path(post, path = "/admin/api/v1/orgs", tag = "admin", request_body = OrgInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<OrgView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 409, body = MarketingError)))]
pub async fn create_org(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<OrgInput>,
) -> Result<Marketing<OrgView>> {
    Ok(Marketing::ok(orgs::create(&s.store, input).await?))
}

/// The ports the org's clients may use through the marketing API.
#[utoipa::path(get, path = "/admin/api/v1/orgs/{id}/ports", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<Vec<crate::admin::ports::PortView>>),
              (status = 400, body = MarketingError), (status = 401, body = MarketingError),
              (status = 403, body = MarketingError), (status = 404, body = MarketingError)))]
pub async fn list_org_ports(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Marketing<Vec<crate::admin::ports::PortView>>> {
    Ok(Marketing::ok(orgs::ports(&s.store, id).await?))
}

/// Grant a port to the org: its clients may then use it through the marketing API (and reach
/// unified users through its fans). Answers the org's ports.
#[utoipa::path(put, path = "/admin/api/v1/orgs/{id}/ports/{port_id}", tag = "admin",
    params(("id" = i64, Path), ("port_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<Vec<crate::admin::ports::PortView>>),
              (status = 400, body = MarketingError), (status = 401, body = MarketingError),
              (status = 403, body = MarketingError), (status = 404, body = MarketingError)))]
pub async fn grant_org_port(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, port_id)): PathParam<(i64, i64)>,
) -> Result<Marketing<Vec<crate::admin::ports::PortView>>> {
    Ok(Marketing::ok(
        orgs::grant_port(&s.store, id, port_id).await?,
    ))
}

/// Take a port back from the org. Answers the org's ports.
#[utoipa::path(delete, path = "/admin/api/v1/orgs/{id}/ports/{port_id}", tag = "admin",
    params(("id" = i64, Path), ("port_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<Vec<crate::admin::ports::PortView>>),
              (status = 400, body = MarketingError), (status = 401, body = MarketingError),
              (status = 403, body = MarketingError), (status = 404, body = MarketingError)))]
pub async fn revoke_org_port(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, port_id)): PathParam<(i64, i64)>,
) -> Result<Marketing<Vec<crate::admin::ports::PortView>>> {
    Ok(Marketing::ok(
        orgs::revoke_port(&s.store, id, port_id).await?,
    ))
}

/// Read an org.
#[utoipa::path(get, path = "/admin/api/v1/orgs/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<OrgView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn get_org(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Marketing<OrgView>> {
    Ok(Marketing::ok(orgs::get(&s.store, id).await?))
}

/// Rename an org.
#[utoipa::path(put, path = "/admin/api/v1/orgs/{id}", tag = "admin", params(("id" = i64, Path)),
    request_body = OrgInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<OrgView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError), (status = 409, body = MarketingError)))]
pub async fn update_org(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<OrgInput>,
) -> Result<Marketing<OrgView>> {
    Ok(Marketing::ok(orgs::update(&s.store, id, input).await?))
}

/// Delete an org that no client belongs to.
#[utoipa::path(delete, path = "/admin/api/v1/orgs/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<bool>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError), (status = 409, body = MarketingError)))]
pub async fn delete_org(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Empty> {
    orgs::delete(&s.store, id).await?;
    Ok(Marketing::ok(true))
}

// --- clients ----------------------------------------------------------------------------

/// List clients (secrets are never answered).
#[utoipa::path(get, path = "/admin/api/v1/clients", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<ClientView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError)))]
pub async fn list_clients(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<Marketing<(), ClientView>> {
    let (items, total) = clients::list(&s.store, p.page()?).await?;
    Ok(Marketing::page(items, total))
}

/// Create a client; the answer carries its secret, the only time it is shown.
#[utoipa::path(post, path = "/admin/api/v1/clients", tag = "admin", request_body = ClientInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<ClientWithSecret>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 409, body = MarketingError)))]
pub async fn create_client(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<ClientInput>,
) -> Result<Marketing<ClientWithSecret>> {
    let memory = s.config.auth.argon2_memory_kib;
    Ok(Marketing::ok(
        clients::create(&s.store, input, memory).await?,
    ))
}

/// Read a client.
#[utoipa::path(get, path = "/admin/api/v1/clients/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<ClientView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn get_client(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Marketing<ClientView>> {
    Ok(Marketing::ok(clients::get(&s.store, id).await?))
}

/// Change a client's name, applicationKey, scope or org.
#[utoipa::path(put, path = "/admin/api/v1/clients/{id}", tag = "admin", params(("id" = i64, Path)),
    request_body = ClientInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<ClientView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn update_client(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<ClientInput>,
) -> Result<Marketing<ClientView>> {
    let view = clients::update(&s.store, id, input).await?;
    s.auth.invalidate_client(&view.client_id);
    Ok(Marketing::ok(view))
}

/// Delete a client; its tokens stop working.
#[utoipa::path(delete, path = "/admin/api/v1/clients/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<bool>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn delete_client(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Empty> {
    let view = clients::delete(&s.store, id).await?;
    s.auth.invalidate_client(&view.client_id);
    Ok(Marketing::ok(true))
}

/// Revoke a client: no new tokens, and its tokens are refused.
#[utoipa::path(post, path = "/admin/api/v1/clients/{id}/revoke", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<ClientView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn revoke_client(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Marketing<ClientView>> {
    let view = clients::revoke(&s.store, id).await?;
    s.auth.invalidate_client(&view.client_id);
    Ok(Marketing::ok(view))
}

/// Replace a client's secret; the answer carries the new one, the only time it is shown.
#[utoipa::path(post, path = "/admin/api/v1/clients/{id}/secret", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<ClientWithSecret>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn rotate_client_secret(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Marketing<ClientWithSecret>> {
    let memory = s.config.auth.argon2_memory_kib;
    let out = clients::rotate_secret(&s.store, id, memory).await?;
    s.auth.invalidate_client(&out.client.client_id);
    Ok(Marketing::ok(out))
}

// --- ports ------------------------------------------------------------------------------

/// List ports (secrets are never answered).
#[utoipa::path(get, path = "/admin/api/v1/ports", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<PortView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError)))]
pub async fn list_ports(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<Marketing<(), PortView>> {
    let (items, total) = ports::list(&s.store, p.page()?).await?;
    Ok(Marketing::page(items, total))
}

/// Create a port.
#[utoipa::path(post, path = "/admin/api/v1/ports", tag = "admin", request_body = PortInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<PortView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 409, body = MarketingError)))]
pub async fn create_port(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<PortInput>,
) -> Result<Marketing<PortView>> {
    Ok(Marketing::ok(
        ports::create(&s.store, &s.secrets, input).await?,
    ))
}

/// Read a port.
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<PortView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn get_port(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Marketing<PortView>> {
    Ok(Marketing::ok(ports::get(&s.store, id).await?))
}

/// Change a port; secrets given replace the stored ones, absent ones are kept.
#[utoipa::path(put, path = "/admin/api/v1/ports/{id}", tag = "admin", params(("id" = i64, Path)),
    request_body = PortInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<PortView>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError), (status = 409, body = MarketingError)))]
pub async fn update_port(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<PortInput>,
) -> Result<Marketing<PortView>> {
    Ok(Marketing::ok(
        ports::update(&s.store, &s.secrets, id, input).await?,
    ))
}

/// Delete a port.
#[utoipa::path(delete, path = "/admin/api/v1/ports/{id}", tag = "admin", params(("id" = i64, Path)),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<bool>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn delete_port(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Empty> {
    ports::delete(&s.store, id).await?;
    Ok(Marketing::ok(true))
}

// --- applications -----------------------------------------------------------------------

/// List applications (the same items as getAll, unfiltered).
#[utoipa::path(get, path = "/admin/api/v1/applications", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<ApplicationItem>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError)))]
pub async fn list_applications(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<Marketing<(), ApplicationItem>> {
    let req = applications::ListRequest::page(p.page()?);
    let (items, total) = applications::list(&s.store, &req, &s.tz).await?;
    Ok(Marketing::page(items, total))
}

/// Create an application.
#[utoipa::path(post, path = "/admin/api/v1/applications", tag = "admin",
    request_body = ApplicationInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<ApplicationItem>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError)))]
pub async fn create_application(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<ApplicationInput>,
) -> Result<Marketing<ApplicationItem>> {
    Ok(Marketing::ok(
        applications::create(&s.store, input, &s.tz).await?,
    ))
}

/// Read an application.
#[utoipa::path(get, path = "/admin/api/v1/applications/{id}", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<ApplicationItem>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn get_application(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Marketing<ApplicationItem>> {
    Ok(Marketing::ok(applications::get(&s.store, id, &s.tz).await?))
}

/// Change an application.
#[utoipa::path(put, path = "/admin/api/v1/applications/{id}", tag = "admin",
    params(("id" = i64, Path)), request_body = ApplicationInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<ApplicationItem>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn update_application(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<ApplicationInput>,
) -> Result<Marketing<ApplicationItem>> {
    Ok(Marketing::ok(
        applications::update(&s.store, id, input, &s.tz).await?,
    ))
}

/// Delete an application.
#[utoipa::path(delete, path = "/admin/api/v1/applications/{id}", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<bool>), (status = 400, body = MarketingError),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError),
              (status = 404, body = MarketingError)))]
pub async fn delete_application(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<Empty> {
    applications::delete(&s.store, id).await?;
    Ok(Marketing::ok(true))
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
              (status = 400, body = MarketingError), (status = 401, body = MarketingError),
              (status = 403, body = MarketingError)))]
pub async fn search_fans(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<FanSearchParams>,
) -> Result<Marketing<(), crate::platform::fans::FanView>> {
    let page = Page::new(p.page, p.page_size)?;
    let (items, total) =
        crate::platform::fans::search(&s.store, p.port_id, p.q.as_deref(), page).await?;
    Ok(Marketing::page(items, total))
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
              (status = 400, body = MarketingError), (status = 401, body = MarketingError),
              (status = 403, body = MarketingError)))]
pub async fn search_users(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<UserSearchParams>,
) -> Result<Marketing<(), crate::platform::users::UnifiedUser>> {
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
    Ok(Marketing::page(items, total))
}

// --- signing keys -----------------------------------------------------------------------

/// List the JWT signing keys (public information only).
#[utoipa::path(get, path = "/admin/api/v1/keys", tag = "admin", security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<KeyInfo>),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError)))]
pub async fn list_keys(
    State(s): State<AppState>,
    _: AdminClient,
) -> Result<Marketing<(), KeyInfo>> {
    let items = keys::list(&s.store).await?;
    let total = items.len() as i64;
    Ok(Marketing::page(items, total))
}

/// Add a signing key that signs from now on; older keys verify until retired.
#[utoipa::path(post, path = "/admin/api/v1/keys/rotate", tag = "admin", security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<KeyInfo>),
              (status = 401, body = MarketingError), (status = 403, body = MarketingError)))]
pub async fn rotate_key(State(s): State<AppState>, _: AdminClient) -> Result<Marketing<KeyInfo>> {
    let info = keys::rotate(&s.store, &s.secrets).await?;
    s.auth.reload_keys().await?;
    Ok(Marketing::ok(info))
}

/// Retire a key: tokens it signed stop verifying.
#[utoipa::path(post, path = "/admin/api/v1/keys/{kid}/retire", tag = "admin",
    params(("kid" = String, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingOk<bool>), (status = 401, body = MarketingError),
              (status = 403, body = MarketingError), (status = 404, body = MarketingError),
              (status = 409, body = MarketingError)))]
pub async fn retire_key(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(kid): PathParam<String>,
) -> Result<Empty> {
    keys::retire(&s.store, &kid).await?;
    s.auth.reload_keys().await?;
    Ok(Marketing::ok(true))
}
