//! The OpenAPI 3.1 document, generated from the handlers' annotations so it cannot drift, and
//! the offline API browser at /docs.

use axum::http::header;
use axum::response::{Html, IntoResponse};
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// Marketing-family success envelope (seed 001).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MarketingOk<T> {
    /// 1
    pub success: u8,
    pub message_code: u16,
    pub message: String,
    pub result: T,
    pub items: Option<Vec<String>>,
    pub total_count: i64,
}

/// Marketing-family paged envelope: `items` and `totalCount`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MarketingPage<I> {
    pub success: u8,
    pub message_code: u16,
    pub message: String,
    pub result: Option<String>,
    pub items: Vec<I>,
    pub total_count: i64,
}

/// Marketing-family failure: `success` 0, `messageCode` the HTTP status.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MarketingError {
    pub success: u8,
    pub message_code: u16,
    pub message: String,
    pub result: Option<String>,
    pub items: Option<Vec<String>>,
    pub total_count: i64,
}

/// Activity-family success envelope (seed 000): `code` 0.
#[derive(Serialize, ToSchema)]
pub struct ActivityOk<T> {
    pub code: u8,
    pub msg: String,
    pub data: T,
}

/// Activity-family failure: `code` 1.
#[derive(Serialize, ToSchema)]
pub struct ActivityError {
    pub code: u8,
    pub msg: String,
    pub data: Option<String>,
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "sso_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("Sso-Token"))),
        );
        components.add_security_scheme(
            "access_token",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new("access_token"))),
        );
        // The activity API also takes its token as `Authorization: Bearer` (access_type is
        // then the token's own kind): kept out of URLs and so out of access logs.
        components.add_security_scheme(
            "activity_bearer",
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::new()
                    .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                    .description(Some(
                        "The activity API's token (org or user) instead of the access_token \
                         query parameter; access_type may then be left out.",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "wxhub", description = "WeChat Official Account hub and live activities. \
        Wire-compatible with the marketing platform API (seed 001) and the activity H5 API \
        (seed 000)."),
    paths(
        crate::auth::routes::access_token,
        crate::auth::routes::token_info,
        crate::auth::routes::jwks,
        crate::auth::routes::whoami,
        crate::platform::routes::get_all,
        crate::platform::routes::add_fans,
        crate::platform::routes::jssdk_signature,
        crate::platform::routes::get_fans,
        crate::platform::routes::add_user,
        crate::platform::routes::add_access_log,
        crate::platform::routes::send_msg,
        crate::platform::routes::auth_info,
        crate::platform::routes::auth_callback,
        crate::platform::routes::callback_handshake,
        crate::platform::routes::callback_push,
        crate::campaigns::routes::create,
        crate::campaigns::routes::list,
        crate::campaigns::routes::tags,
        crate::campaigns::routes::show,
        crate::campaigns::routes::recipients,
        crate::campaigns::routes::report,
        crate::campaigns::routes::pause,
        crate::campaigns::routes::resume,
        crate::campaigns::routes::cancel,
        crate::admin::routes::list_orgs,
        crate::admin::routes::create_org,
        crate::admin::routes::get_org,
        crate::admin::routes::update_org,
        crate::admin::routes::delete_org,
        crate::admin::routes::list_org_ports,
        crate::admin::routes::grant_org_port,
        crate::admin::routes::revoke_org_port,
        crate::admin::routes::list_clients,
        crate::admin::routes::create_client,
        crate::admin::routes::get_client,
        crate::admin::routes::update_client,
        crate::admin::routes::delete_client,
        crate::admin::routes::revoke_client,
        crate::admin::routes::rotate_client_secret,
        crate::admin::routes::list_ports,
        crate::admin::routes::create_port,
        crate::admin::routes::get_port,
        crate::admin::routes::update_port,
        crate::admin::routes::delete_port,
        crate::admin::routes::list_applications,
        crate::admin::routes::create_application,
        crate::admin::routes::get_application,
        crate::admin::routes::update_application,
        crate::admin::routes::delete_application,
        crate::admin::message_routes::list_contents,
        crate::admin::message_routes::create_content,
        crate::admin::message_routes::get_content,
        crate::admin::message_routes::update_content,
        crate::admin::message_routes::delete_content,
        crate::admin::message_routes::list_defaults,
        crate::admin::message_routes::set_default,
        crate::admin::message_routes::delete_default,
        crate::admin::message_routes::list_training,
        crate::admin::message_routes::set_training,
        crate::admin::message_routes::delete_training,
        crate::admin::message_routes::list_sends,
        crate::admin::message_routes::get_send,
        crate::admin::routes::search_fans,
        crate::admin::routes::search_users,
        crate::admin::routes::list_keys,
        crate::admin::routes::rotate_key,
        crate::admin::routes::retire_key,
        crate::activity::routes::activity_info,
        crate::activity::routes::exist,
        crate::activity::routes::auth_meeting,
        crate::activity::routes::collect_info,
        crate::activity::routes::has_join,
        crate::activity::routes::me,
        crate::activity::routes::has_join_query,
        crate::activity::routes::user_info,
        crate::activity::routes::course_signin,
        crate::activity::routes::list_signin,
        crate::activity::routes::create_signin,
        crate::activity::routes::get_signin,
        crate::activity::routes::update_signin,
        crate::activity::routes::delete_signin,
        crate::activity::routes::list_lottery,
        crate::activity::routes::create_lottery,
        crate::activity::routes::get_lottery,
        crate::activity::routes::update_lottery,
        crate::activity::routes::delete_lottery,
        crate::activity::routes::list_message,
        crate::activity::routes::create_message,
        crate::activity::routes::get_message,
        crate::activity::routes::update_message,
        crate::activity::routes::delete_message,
        crate::activity::routes::list_members,
        crate::activity::routes::counts,
        crate::activity::routes::desk_search,
        crate::activity::routes::upload_image,
        crate::activity::routes::media,
        crate::activity::routes::avatar,
        crate::activity::routes::desk_sign_in,
        crate::activity::routes::events,
        crate::activity::routes::create_scan_code,
        crate::activity::routes::get_scan_code,
        crate::activity::routes::scan_code_svg,
        crate::activity::routes::rotate_screen_key,
        crate::activity::routes::list_meetings,
        crate::activity::routes::create_meeting,
        crate::activity::routes::get_meeting,
        crate::activity::routes::rename_meeting,
        crate::activity::routes::delete_meeting,
        crate::activity::routes::list_courses,
        crate::activity::routes::create_course,
        crate::activity::routes::get_course,
        crate::activity::routes::rename_course,
        crate::activity::routes::delete_course,
        crate::activity::routes::list_roster,
        crate::activity::routes::add_to_roster,
        crate::activity::routes::remove_from_roster,
        crate::activity::routes::roster_template,
        crate::activity::routes::import_roster,
        crate::activity::routes::export_roster,
        crate::activity::routes::export_members,
        crate::activity::routes::post_message,
        crate::activity::routes::list_wall,
        crate::activity::routes::wall_settings,
        crate::activity::routes::save_wall_settings,
        crate::activity::routes::moderate_message,
        crate::activity::routes::remove_message,
        crate::activity::routes::list_words,
        crate::activity::routes::add_words,
        crate::activity::routes::delete_word,
        crate::activity::lottery::routes::results,
        crate::activity::lottery::routes::public_round,
        crate::activity::lottery::routes::participant_template,
        crate::activity::lottery::routes::list_prizes,
        crate::activity::lottery::routes::add_prize,
        crate::activity::lottery::routes::update_prize,
        crate::activity::lottery::routes::delete_prize,
        crate::activity::lottery::routes::get_settings,
        crate::activity::lottery::routes::put_settings,
        crate::activity::lottery::routes::publish_rules,
        crate::activity::lottery::routes::list_designated,
        crate::activity::lottery::routes::add_designated,
        crate::activity::lottery::routes::remove_designated,
        crate::activity::lottery::routes::commit_round,
        crate::activity::lottery::routes::list_rounds,
        crate::activity::lottery::routes::draw_round,
        crate::activity::lottery::routes::round_record,
        crate::activity::lottery::routes::redraw,
        crate::activity::lottery::routes::reset_round,
        crate::activity::lottery::routes::notify,
        crate::activity::lottery::routes::list_winners,
        crate::activity::lottery::routes::export_winners,
        crate::activity::lottery::routes::round_list,
        crate::activity::lottery::routes::audit,
        crate::activity::lottery::routes::all_participants,
        crate::activity::lottery::routes::page_participants,
        crate::activity::lottery::routes::import_participants,
        crate::activity::lottery::routes::export_participants,
        crate::activity::lottery::routes::clear_imported,
        crate::activity::lottery::routes::set_tags,
        super::ops::healthz,
        super::ops::readyz,
        super::ops::metrics,
    ),
    modifiers(&Security),
)]
pub struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn openapi_json() -> impl IntoResponse {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = JSON.get_or_init(|| document().to_pretty_json().expect("openapi serializes"));
    ([(header::CONTENT_TYPE, "application/json")], body.as_str())
}

/// A self-contained API browser: no CDN, it reads /openapi.json from this server.
pub async fn docs_page() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}
