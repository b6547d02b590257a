//! `wxhub orgs`: orgs and the ports granted to them.

use super::{err, page, print, print_page, Database, PageArgs};
use crate::admin;
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum OrgsCommand {
    Create {
        #[arg(long)]
        name: String,
    },
    List(PageArgs),
    Get {
        id: i64,
    },
    Update {
        id: i64,
        #[arg(long)]
        name: Option<String>,
        /// The port its activities' H5 pages use when an activity names none (0 clears).
        #[arg(long)]
        default_port: Option<i64>,
        /// Days participants' personal fields are kept after an activity ends (0: the default).
        #[arg(long)]
        retention_days: Option<i64>,
    },
    Delete {
        id: i64,
    },
    /// The ports the org's clients may use through the marketing API.
    Ports {
        id: i64,
    },
    /// Grant a port to the org.
    GrantPort {
        id: i64,
        port: i64,
    },
    /// Take a port back from the org.
    RevokePort {
        id: i64,
        port: i64,
    },
}

pub(super) async fn run(cmd: OrgsCommand, c: &Database) -> Result<(), String> {
    let (json, store) = (c.json, &c.store);
    match cmd {
        OrgsCommand::Create { name } => {
            let input = admin::orgs::OrgInput {
                name: Some(name),
                ..Default::default()
            };
            print(json, &admin::orgs::create(store, input).await.map_err(err)?)
        }
        OrgsCommand::List(p) => {
            let (items, total) = admin::orgs::list(store, page(p)?).await.map_err(err)?;
            print_page(json, items, total)
        }
        OrgsCommand::Get { id } => print(json, &admin::orgs::get(store, id).await.map_err(err)?),
        OrgsCommand::Update {
            id,
            name,
            default_port,
            retention_days,
        } => {
            let input = admin::orgs::OrgInput {
                name,
                default_port_id: default_port,
                retention_days,
            };
            print(
                json,
                &admin::orgs::update(store, id, input).await.map_err(err)?,
            )
        }
        OrgsCommand::Delete { id } => {
            admin::orgs::delete(store, id).await.map_err(err)?;
            print(json, &serde_json::json!({ "deleted": id }))
        }
        OrgsCommand::Ports { id } => {
            let ports = admin::orgs::ports(store, id).await.map_err(err)?;
            let total = ports.len() as i64;
            print_page(json, ports, total)
        }
        OrgsCommand::GrantPort { id, port } => {
            let ports = admin::orgs::grant_port(store, id, port)
                .await
                .map_err(err)?;
            let total = ports.len() as i64;
            print_page(json, ports, total)
        }
        OrgsCommand::RevokePort { id, port } => {
            let ports = admin::orgs::revoke_port(store, id, port)
                .await
                .map_err(err)?;
            let total = ports.len() as i64;
            print_page(json, ports, total)
        }
    }
    Ok(())
}
