//! Orgs (机构): own meetings, courses and activities; org-scoped clients act for one org.

use crate::checks::{check_name, Page};
use crate::error::{Error, Result};
use crate::store::{clients, orgs, orgs::OrgRow, Store};
use crate::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgView {
    pub id: i64,
    pub name: String,
    /// The port an activity's H5 pages use when the activity names none (0: none set).
    pub default_port_id: i64,
    /// Days participants' personal fields are kept after an activity ends, unless the activity
    /// sets its own (docs/privacy.md); null: the configured `privacy.retention_days`.
    pub retention_days: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<OrgRow> for OrgView {
    fn from(r: OrgRow) -> Self {
        OrgView {
            id: r.id,
            name: r.name,
            default_port_id: r.default_port_id.unwrap_or(0),
            retention_days: r.retention_days,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgInput {
    pub name: Option<String>,
    /// One of the org's ports; 0 clears it.
    #[serde(default, deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub default_port_id: Option<i64>,
    /// 1 to 3,650 days; 0 goes back to the configured default; absent keeps it.
    #[serde(default, deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub retention_days: Option<i64>,
}

/// The retention an input asks for: `None` to keep, `Some(None)` for the default.
fn retention_of(input: &OrgInput) -> Result<Option<Option<i64>>> {
    match input.retention_days {
        None => Ok(None),
        Some(0) => Ok(Some(None)),
        Some(d) if (1..=crate::privacy::retention::MAX_DAYS).contains(&d) => Ok(Some(Some(d))),
        Some(_) => Err(Error::bad_request(format!(
            "retentionDays 应在 1 到 {} 之间(0 表示使用默认)",
            crate::privacy::retention::MAX_DAYS
        ))),
    }
}

fn conflict(e: crate::store::StoreError) -> Error {
    match e {
        crate::store::StoreError::Conflict(_) => Error::conflict("机构名称已存在"),
        other => other.into(),
    }
}

pub async fn create(store: &Store, input: OrgInput) -> Result<OrgView> {
    let name = check_name("name", input.name.as_deref().unwrap_or(""), 100)?;
    let retention = retention_of(&input)?;
    let row = orgs::insert(store, &name, crate::time::now_ms())
        .await
        .map_err(conflict)?;
    match retention {
        Some(days) => {
            crate::privacy::retention::set_org_days(store, row.id, days).await?;
            get(store, row.id).await
        }
        None => Ok(row.into()),
    }
}

pub async fn get(store: &Store, id: i64) -> Result<OrgView> {
    orgs::get(store, id)
        .await?
        .map(Into::into)
        .ok_or_else(|| Error::not_found("机构不存在"))
}

pub async fn list(store: &Store, page: Page) -> Result<(Vec<OrgView>, i64)> {
    let (rows, total) = orgs::list(store, page.offset, page.limit).await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub async fn update(store: &Store, id: i64, input: OrgInput) -> Result<OrgView> {
    let current = orgs::get(store, id)
        .await?
        .ok_or_else(|| Error::not_found("机构不存在"))?;
    let name = check_name("name", input.name.as_deref().unwrap_or(&current.name), 100)?;
    let retention = retention_of(&input)?;
    let default_port_id = match input.default_port_id {
        None => current.default_port_id,
        Some(0) => None,
        Some(port_id) => {
            if !crate::store::org_ports::is_granted(store, id, port_id).await? {
                return Err(Error::bad_request(format!(
                    "端口 {port_id} 未授权给该机构,请先授权再设为默认"
                )));
            }
            Some(port_id)
        }
    };
    let updated: OrgView = orgs::update(store, id, &name, default_port_id, crate::time::now_ms())
        .await
        .map_err(conflict)?
        .map(Into::into)
        .ok_or_else(|| Error::not_found("机构不存在"))?;
    match retention {
        Some(days) => {
            crate::privacy::retention::set_org_days(store, id, days).await?;
            get(store, id).await
        }
        None => Ok(updated),
    }
}

pub async fn delete(store: &Store, id: i64) -> Result<()> {
    if clients::count_for_org(store, id).await? > 0 {
        return Err(Error::conflict("机构仍有客户端,请先删除或改挂这些客户端"));
    }
    if !orgs::delete(store, id).await? {
        return Err(Error::not_found("机构不存在"));
    }
    Ok(())
}

// --- the org's ports (its reach in the marketing API) -------------------------------------------

/// The ports an org's clients may use through the marketing API.
pub async fn ports(store: &Store, org_id: i64) -> Result<Vec<super::ports::PortView>> {
    get(store, org_id).await?;
    let mut views = Vec::new();
    for port_id in crate::store::org_ports::of_org(store, org_id).await? {
        views.push(super::ports::get(store, port_id).await?);
    }
    Ok(views)
}

/// Grants a port to the org (idempotent).
pub async fn grant_port(
    store: &Store,
    org_id: i64,
    port_id: i64,
) -> Result<Vec<super::ports::PortView>> {
    get(store, org_id).await?;
    super::ports::get(store, port_id).await?;
    crate::store::org_ports::grant(store, org_id, port_id, crate::time::now_ms()).await?;
    ports(store, org_id).await
}

/// Takes a port back from the org (idempotent).
pub async fn revoke_port(
    store: &Store,
    org_id: i64,
    port_id: i64,
) -> Result<Vec<super::ports::PortView>> {
    get(store, org_id).await?;
    crate::store::org_ports::revoke(store, org_id, port_id).await?;
    orgs::clear_default_port(store, org_id, port_id).await?;
    ports(store, org_id).await
}
