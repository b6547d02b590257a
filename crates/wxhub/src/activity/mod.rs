//! Interactive activities of seed 000: the org back office (activities, meetings with their
//! rosters, courses, members), the WeChat H5 endpoints (joining, signing in) and the live
//! event stream for big screens, the message wall and the lottery.

pub mod activities;
pub mod avatars;
pub mod desk;
pub mod events;
pub mod images;
pub mod live;
pub mod lottery;
pub mod me;
pub mod meetings;
pub mod members;
pub mod names;
pub mod picked;
pub mod quiz;
pub mod rehearsal;
pub mod routes;
pub mod scan;
pub mod scope;
pub mod shake;
pub mod themes;
pub mod vote;
pub mod wall;
pub mod xlsx;
