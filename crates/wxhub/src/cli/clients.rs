//! `wxhub clients`: API clients and their secrets.

use super::{err, page, print, print_page, read_secret, scope, Database, PageArgs};
use crate::admin;
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum ClientsCommand {
    /// Create a client; prints its secret once.
    Create {
        #[arg(long)]
        name: String,
        /// org, platform (marketing API on every port) or platform-admin
        #[arg(long)]
        scope: String,
        /// The org of an org-scoped client.
        #[arg(long)]
        org: Option<i64>,
        #[arg(long, default_value = "wechatcp")]
        application_key: String,
        /// Keep an existing client id (migration from the old service).
        #[arg(long)]
        client_id: Option<String>,
        /// Keep an existing secret; "-" reads it from stdin. Generated when absent.
        #[arg(long)]
        client_secret: Option<String>,
    },
    List(PageArgs),
    Get {
        id: i64,
    },
    Update {
        id: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        scope: Option<String>,
        #[arg(long)]
        org: Option<i64>,
        #[arg(long)]
        application_key: Option<String>,
    },
    /// Revoke: no new tokens, existing tokens refused.
    Revoke {
        id: i64,
    },
    /// Replace the secret; prints the new one once.
    RotateSecret {
        id: i64,
    },
    Delete {
        id: i64,
    },
}

pub(super) async fn run(cmd: ClientsCommand, c: &Database) -> Result<(), String> {
    let (json, store, memory) = (c.json, &c.store, c.config.auth.argon2_memory_kib);
    match cmd {
        ClientsCommand::Create {
            name,
            scope: s,
            org,
            application_key,
            client_id,
            client_secret,
        } => {
            let input = admin::clients::ClientInput {
                name: Some(name),
                application_key: Some(application_key),
                scope: Some(scope(&s)?),
                org_id: org,
                client_id,
                client_secret: read_secret(client_secret)?,
            };
            let created = admin::clients::create(store, input, memory)
                .await
                .map_err(err)?;
            print(json, &created);
            if !json {
                eprintln!("\nKeep the client_secret now: it is not shown again.");
            }
        }
        ClientsCommand::List(p) => {
            let (items, total) = admin::clients::list(store, page(p)?).await.map_err(err)?;
            print_page(json, items, total)
        }
        ClientsCommand::Get { id } => {
            print(json, &admin::clients::get(store, id).await.map_err(err)?)
        }
        ClientsCommand::Update {
            id,
            name,
            scope: s,
            org,
            application_key,
        } => {
            let input = admin::clients::ClientInput {
                name,
                application_key,
                scope: s.as_deref().map(scope).transpose()?,
                org_id: org,
                client_id: None,
                client_secret: None,
            };
            print(
                json,
                &admin::clients::update(store, id, input)
                    .await
                    .map_err(err)?,
            )
        }
        ClientsCommand::Revoke { id } => {
            print(json, &admin::clients::revoke(store, id).await.map_err(err)?)
        }
        ClientsCommand::RotateSecret { id } => print(
            json,
            &admin::clients::rotate_secret(store, id, memory)
                .await
                .map_err(err)?,
        ),
        ClientsCommand::Delete { id } => {
            admin::clients::delete(store, id).await.map_err(err)?;
            print(json, &serde_json::json!({ "deleted": id }))
        }
    }
    Ok(())
}
