//! `wxhub ports`: the official accounts (ports) wxhub serves.

use super::{err, page, print, print_page, read_secret, Database, PageArgs};
use crate::admin;
use clap::{Args, Subcommand};
use serde_json::Value;

#[derive(Args)]
pub(super) struct PortArgs {
    #[arg(long)]
    app_id: Option<String>,
    #[arg(long)]
    name: Option<String>,
    /// "-" reads it from stdin.
    #[arg(long)]
    app_secret: Option<String>,
    /// "-" reads it from stdin.
    #[arg(long)]
    callback_token: Option<String>,
    /// "-" reads it from stdin.
    #[arg(long)]
    encoding_aes_key: Option<String>,
    /// Comma-separated host names the OAuth redirect may return to.
    #[arg(long)]
    redirect_hosts: Option<String>,
}

#[derive(Subcommand)]
pub(super) enum PortsCommand {
    Create(PortArgs),
    List(PageArgs),
    Get {
        id: i64,
    },
    Update {
        id: i64,
        #[command(flatten)]
        args: PortArgs,
    },
    Delete {
        id: i64,
    },
}

pub(super) async fn run(cmd: PortsCommand, c: &Database) -> Result<(), String> {
    let (json, store, secrets) = (c.json, &c.store, &c.secrets);
    {
        let input = |a: PortArgs| -> Result<admin::ports::PortInput, String> {
            Ok(admin::ports::PortInput {
                app_id: a.app_id,
                name: a.name,
                app_secret: read_secret(a.app_secret)?,
                callback_token: read_secret(a.callback_token)?,
                encoding_aes_key: read_secret(a.encoding_aes_key)?,
                redirect_hosts: a.redirect_hosts.map(Value::String),
            })
        };
        match cmd {
            PortsCommand::Create(a) => print(
                json,
                &admin::ports::create(store, secrets, input(a)?)
                    .await
                    .map_err(err)?,
            ),
            PortsCommand::List(p) => {
                let (items, total) = admin::ports::list(store, page(p)?).await.map_err(err)?;
                print_page(json, items, total)
            }
            PortsCommand::Get { id } => {
                print(json, &admin::ports::get(store, id).await.map_err(err)?)
            }
            PortsCommand::Update { id, args } => print(
                json,
                &admin::ports::update(store, secrets, id, input(args)?)
                    .await
                    .map_err(err)?,
            ),
            PortsCommand::Delete { id } => {
                admin::ports::delete(store, id).await.map_err(err)?;
                print(json, &serde_json::json!({ "deleted": id }))
            }
        }
    }
    Ok(())
}
