//! Interactive activities of seed 000: the org back office (activities, meetings with their
//! rosters, courses, members) and the WeChat H5 endpoints (joining, signing in). The lottery,
//! the message wall and the live event stream come in later slices.

pub mod activities;
pub mod meetings;
pub mod members;
pub mod routes;
pub mod scope;
