//! HTTP handlers of the activity API, a module per resource, each carrying its own routes: the
//! H5 endpoints of seed 000 and the org back office under /api/v3. Answers use the
//! `{code, msg, data}` envelope.

mod desk;
mod h5;
mod images;
mod meetings;
mod office;
mod quiz;
mod scan_codes;
mod shake;
mod stream;
mod vote;
mod wall;
mod xlsx;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;

/// Every route of the activity API, each at the path its annotation gives. A token may also
/// come in the body of a form or JSON request (`activity_token_from_body`).
pub fn router(import_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(h5::router())
        .merge(office::router())
        .merge(images::router())
        .merge(desk::router())
        .merge(meetings::router())
        .merge(scan_codes::router())
        .merge(stream::router())
        .merge(xlsx::router(import_body_limit))
        .merge(wall::router())
        .merge(vote::router())
        .merge(quiz::router())
        .merge(shake::router())
        .merge(super::lottery::routes::router(import_body_limit))
        .layer(axum::middleware::from_fn(
            crate::auth::extract::activity_token_from_body,
        ))
}
