//! One person's data through the admin API (platform admins): find, export as .xlsx and erase,
//! across the platform or within one org (`orgId`). Each call is in the audit record as
//! `api:<client>` (docs/privacy.md).

use crate::auth::extract::AdminClient;
use crate::error::Result;
use crate::http::client_ip::ClientAddress;
use crate::http::envelope::{MarketingFailure, MarketingReply};
use crate::http::params::{lenient, Params};
use crate::privacy::people::{Actor, Desk, Erasure, Lookup, Person, Within};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(find_person))
        .routes(routes!(export_person))
        .routes(routes!(erase_person))
}

/// Exactly one of phone, unionId, openId and memberId; `orgId` limits the search to one org.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PersonParams {
    /// A whole mainland mobile number (compared by its fingerprints).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    phone: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    union_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    open_id: Option<String>,
    /// An activity member's or imported entry's id (an org token's own ids, imp:编号).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_id: Option<String>,
    /// Only this org's activities, rosters, ports and campaigns; absent: the whole platform.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>)]
    org_id: Option<i64>,
}

impl PersonParams {
    async fn lookup(&self, s: &AppState) -> Result<(Lookup, Within)> {
        let lookup = Lookup::one_of(
            self.phone.as_deref(),
            self.union_id.as_deref(),
            self.open_id.as_deref(),
            self.member_id.as_deref(),
        )?;
        let scope = match self.org_id {
            Some(id) => {
                crate::admin::orgs::get(&s.store, id).await?;
                Within::Org(id)
            }
            None => Within::Platform,
        };
        Ok((lookup, scope))
    }
}

/// The desk that answers for this client, from this address.
fn desk<'a>(s: &'a AppState, username: &'a str, address: &'a str) -> Desk<'a> {
    Desk {
        store: &s.store,
        secrets: &s.secrets,
        tz: &s.tz,
        by: Actor {
            account_id: 0,
            username,
            address,
        },
    }
}

/// Everything kept about one person: a section per kind of row (phones masked).
#[utoipa::path(get, path = "/admin/api/v1/people", tag = "admin", params(PersonParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Person>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn find_person(
    State(s): State<AppState>,
    client: AdminClient,
    ClientAddress(address): ClientAddress,
    Params(p): Params<PersonParams>,
) -> Result<MarketingReply<Person>> {
    let (lookup, scope) = p.lookup(&s).await?;
    let username = format!("api:{}", client.0.client_id);
    let person = desk(&s, &username, &address).find(&lookup, scope).await?;
    Ok(MarketingReply::ok(person))
}

/// The same as an .xlsx workbook with whole phones, a sheet per kind of row: what a person
/// asking for their data is given.
#[utoipa::path(get, path = "/admin/api/v1/people/export", tag = "admin", params(PersonParams),
    security(("sso_token" = [])),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = MarketingFailure), (status = 401, body = MarketingFailure),
              (status = 403, body = MarketingFailure), (status = 404, body = MarketingFailure)))]
pub async fn export_person(
    State(s): State<AppState>,
    client: AdminClient,
    ClientAddress(address): ClientAddress,
    Params(p): Params<PersonParams>,
) -> Result<axum::response::Response> {
    let (lookup, scope) = p.lookup(&s).await?;
    let username = format!("api:{}", client.0.client_id);
    let export = desk(&s, &username, &address).export(&lookup, scope).await?;
    Ok(crate::activity::xlsx::download("person.xlsx", export.bytes))
}

/// Erases the person's personal fields in one transaction: names, phones, nicknames, avatars,
/// posts' words, messages' values; ids, counts, published draw records and the audit stay.
#[utoipa::path(post, path = "/admin/api/v1/people/erase", tag = "admin", params(PersonParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Erasure>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn erase_person(
    State(s): State<AppState>,
    client: AdminClient,
    ClientAddress(address): ClientAddress,
    Params(p): Params<PersonParams>,
) -> Result<MarketingReply<Erasure>> {
    let (lookup, scope) = p.lookup(&s).await?;
    let username = format!("api:{}", client.0.client_id);
    let erased = desk(&s, &username, &address).erase(&lookup, scope).await?;
    Ok(MarketingReply::ok(erased))
}
