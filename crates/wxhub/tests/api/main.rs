//! The API through the router (in process) and, where the network matters, through a live
//! server. Every test owns a fresh database: a SQLite file, or a PostgreSQL schema when
//! WXHUB_TEST_DATABASE_URL is set.

mod activities;
mod admin;
mod applications;
mod backup;
mod browser;
mod caches;
mod callbacks;
mod campaigns;
mod channels;
mod cli;
mod console;
mod cors;
mod crash;
mod envelopes;
mod events;
mod fans;
mod fleet;
mod h5;
mod helpers;
mod lottery;
mod lottery_rules;
mod materials;
mod menus;
mod names;
mod oauth;
mod ops;
mod outage;
mod people;
mod processes;
mod quiz;
mod rekey;
mod replies;
mod retention;
mod scan;
mod screens;
mod send_msg;
mod shake;
mod tags;
mod tenants;
mod token;
mod token_checks;
mod vote;
mod wall;
mod wechat_tokens;
mod xlsx;

// wechatpy's side of the cross-checks, shared with the simulator's tests.
#[path = "../../../wechat-sim/tests/wechatpy/support.rs"]
mod wechatpy;
