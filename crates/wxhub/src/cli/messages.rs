//! `wxhub messages`: message contents, send defaults, training messages and the send record.

use super::{err, page, print, print_page, Database, PageArgs};
use clap::Subcommand;
use serde_json::Value;

#[derive(Subcommand)]
pub(super) enum MessagesCommand {
    /// Message contents: a name and [{name, value, color}].
    #[command(subcommand)]
    Contents(ContentsCommand),
    /// The template and content used for an application on a port when sendMsg names none.
    #[command(subcommand)]
    Defaults(DefaultsCommand),
    /// Training messages: msgId → template.
    #[command(subcommand)]
    Training(TrainingCommand),
    /// The record of sends, newest first.
    Sends {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        user_id: Option<i64>,
        #[arg(long)]
        port_id: Option<i64>,
        #[command(flatten)]
        page: PageArgs,
    },
}

#[derive(Subcommand)]
pub(super) enum ContentsCommand {
    Create {
        #[arg(long)]
        name: String,
        /// JSON: [{"name":"first","value":"…","color":"#173177"}]
        #[arg(long)]
        fields: String,
    },
    List(PageArgs),
    Delete {
        id: i64,
    },
}

#[derive(Subcommand)]
pub(super) enum DefaultsCommand {
    Set {
        #[arg(long)]
        app_app_id: i64,
        #[arg(long)]
        port_id: Option<i64>,
        #[arg(long)]
        app_id: Option<String>,
        #[arg(long)]
        template_id: Option<String>,
        #[arg(long)]
        content_id: Option<i64>,
    },
    List(PageArgs),
    Delete {
        id: i64,
    },
}

#[derive(Subcommand)]
pub(super) enum TrainingCommand {
    Set {
        #[arg(long)]
        msg_id: String,
        #[arg(long)]
        template_id: String,
    },
    List(PageArgs),
    Delete {
        id: i64,
    },
}

pub(super) async fn run(cmd: MessagesCommand, c: &Database) -> Result<(), String> {
    let (json, store) = (c.json, &c.store);
    use crate::platform::message_settings as settings;
    let deleted = |id: i64| print(json, &serde_json::json!({ "deleted": id }));
    match cmd {
        MessagesCommand::Contents(c) => match c {
            ContentsCommand::Create { name, fields } => {
                let fields: Value = serde_json::from_str(&fields)
                    .map_err(|e| format!("--fields is not JSON: {e}"))?;
                let input = settings::ContentInput {
                    name: Some(name),
                    fields: Some(fields),
                };
                print(
                    json,
                    &settings::create_content(store, input).await.map_err(err)?,
                )
            }
            ContentsCommand::List(p) => {
                let (items, total) = settings::list_contents(store, page(p)?)
                    .await
                    .map_err(err)?;
                print_page(json, items, total)
            }
            ContentsCommand::Delete { id } => {
                settings::delete_content(store, id).await.map_err(err)?;
                deleted(id)
            }
        },
        MessagesCommand::Defaults(c) => match c {
            DefaultsCommand::Set {
                app_app_id,
                port_id,
                app_id,
                template_id,
                content_id,
            } => {
                let input = settings::DefaultInput {
                    app_app_id: Some(app_app_id),
                    port_id,
                    app_id,
                    template_id,
                    content_id,
                };
                print(
                    json,
                    &settings::set_default(store, input).await.map_err(err)?,
                )
            }
            DefaultsCommand::List(p) => {
                let (items, total) = settings::list_defaults(store, page(p)?)
                    .await
                    .map_err(err)?;
                print_page(json, items, total)
            }
            DefaultsCommand::Delete { id } => {
                settings::delete_default(store, id).await.map_err(err)?;
                deleted(id)
            }
        },
        MessagesCommand::Training(c) => match c {
            TrainingCommand::Set {
                msg_id,
                template_id,
            } => {
                let input = settings::TrainingInput {
                    msg_id: Some(Value::String(msg_id)),
                    template_id: Some(template_id),
                };
                print(
                    json,
                    &settings::set_training(store, input).await.map_err(err)?,
                )
            }
            TrainingCommand::List(p) => {
                let (items, total) = settings::list_training(store, page(p)?)
                    .await
                    .map_err(err)?;
                print_page(json, items, total)
            }
            TrainingCommand::Delete { id } => {
                settings::delete_training(store, id).await.map_err(err)?;
                deleted(id)
            }
        },
        MessagesCommand::Sends {
            status,
            user_id,
            port_id,
            page: p,
        } => {
            let filter = crate::store::messages::SendFilter {
                status,
                user_id,
                port_id,
                ..Default::default()
            };
            let (items, total) = crate::platform::send::list(store, &filter, page(p)?)
                .await
                .map_err(err)?;
            print_page(json, items, total)
        }
    }
    Ok(())
}
