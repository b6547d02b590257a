//! HTTP handlers of the lottery, a module per stage of it, each carrying its own routes: the
//! H5 results (documented under /api/v3, answered without it too) and the back office's
//! prizes, rules, rounds, winners and participants.

mod participants;
mod results;
mod rounds;
mod setup;

use crate::activity::activities::{self, Kind};
use crate::activity::scope::OrgCaller;
use crate::error::Result;
use crate::store::activities::ActivityRow;
use crate::AppState;
use utoipa_axum::router::OpenApiRouter;

/// Every route of the lottery.
pub fn router(import_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(results::router())
        .merge(setup::router())
        .merge(rounds::router())
        .merge(participants::router(import_body_limit))
}

/// The org's lottery activity `id` (another org's, or another kind: not found).
async fn own_lottery(s: &AppState, org: &OrgCaller, id: i64) -> Result<ActivityRow> {
    activities::of_org(&s.store, org.org_id, Some(Kind::Lottery), id).await
}
