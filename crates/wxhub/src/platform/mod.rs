//! The marketing platform of seed 001: ports, the application centre, and (in later slices)
//! fans, unified users, the OAuth redirect, access logs, messages and callbacks.

pub mod applications;
pub mod routes;
pub mod wechat;
