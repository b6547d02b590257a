//! The marketing platform of seed 001: the application centre, fans, unified users, access
//! logs, and (in later slices) the OAuth redirect, messages and callbacks.

pub mod access_logs;
pub mod applications;
pub mod callbacks;
pub mod channels;
pub mod fans;
pub mod jssdk;
pub mod materials;
pub mod menus;
pub mod message_settings;
pub mod oauth;
pub mod ports;
pub mod replies;
pub mod routes;
pub mod send;
pub mod tags;
pub mod users;
pub mod values;
pub mod wechat_client;
