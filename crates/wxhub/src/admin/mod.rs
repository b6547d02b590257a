//! Administration of what the other parts use: orgs, API clients, ports and (through the
//! platform part) applications and signing keys. Each resource's functions serve both the
//! admin API (`routes`) and the CLI.

pub mod channel_routes;
pub mod clients;
pub mod material_routes;
pub mod menu_routes;
pub mod message_routes;
pub mod orgs;
pub mod people_routes;
pub mod ports;
pub mod reply_routes;
pub mod routes;
pub mod tag_routes;
