//! Who calls the activity API: an org's back office (`access_type=org`) or a WeChat user
//! (`access_type=user`), and what each may see.

use crate::error::Error;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

pub use crate::auth::extract::ActivityCaller as Caller;

impl Caller {
    /// The org whose data an org token sees; `None` for a user.
    pub fn org_id(&self) -> Option<i64> {
        match self {
            Caller::Org { org_id, .. } => Some(*org_id),
            Caller::User { .. } => None,
        }
    }

    /// The unified user a user token speaks for.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Caller::Org { .. } => None,
            Caller::User { user_id } => Some(user_id),
        }
    }
}

/// The back office: an org token only.
#[derive(Debug, Clone)]
pub struct OrgCaller {
    pub org_id: i64,
    /// The org client acting (recorded in the lottery's audit record and sends).
    pub client_id: String,
}

impl OrgCaller {
    /// This client as the exporter of personal data, from `address`.
    pub fn exporter<'a>(&'a self, address: &'a str) -> super::xlsx::Exporter<'a> {
        super::xlsx::Exporter {
            client_id: &self.client_id,
            org_id: Some(self.org_id),
            address,
        }
    }
}

impl FromRequestParts<AppState> for OrgCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        match Caller::from_request_parts(parts, state).await? {
            Caller::Org { org_id, client_id } => Ok(OrgCaller { org_id, client_id }),
            Caller::User { .. } => Err(Error::Forbidden(
                "机构后台接口需要机构凭证(access_type=org)".into(),
            )),
        }
    }
}
