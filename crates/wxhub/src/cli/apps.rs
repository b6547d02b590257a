//! `wxhub apps`: the application centre's applications.

use super::{err, page, print, print_page, Database, PageArgs};
use crate::platform::applications;
use clap::{Args, Subcommand};

#[derive(Args)]
pub(super) struct AppArgs {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    img: Option<String>,
    #[arg(long = "type")]
    type_code: Option<String>,
    #[arg(long)]
    type_name: Option<String>,
    /// 1 公众号H5, 2 小程序, 3 网页应用, 4 移动应用
    #[arg(long)]
    app_type: Option<String>,
    #[arg(long)]
    enter_url: Option<String>,
    #[arg(long)]
    content: Option<String>,
    /// 0 正常, 1 停用
    #[arg(long)]
    state: Option<String>,
}

#[derive(Subcommand)]
pub(super) enum AppsCommand {
    Create(AppArgs),
    List(PageArgs),
    Get {
        id: i64,
    },
    Update {
        id: i64,
        #[command(flatten)]
        args: AppArgs,
    },
    Delete {
        id: i64,
    },
}

pub(super) async fn run(cmd: AppsCommand, c: &Database) -> Result<(), String> {
    let (json, store, tz) = (c.json, &c.store, c.config.time_zone());
    {
        let input = |a: AppArgs| applications::ApplicationInput {
            name: a.name,
            img: a.img,
            type_code: a.type_code,
            type_name: a.type_name,
            app_type: a.app_type,
            enter_url: a.enter_url,
            content: a.content,
            state: a.state,
        };
        match cmd {
            AppsCommand::Create(a) => print(
                json,
                &applications::create(store, input(a), &tz)
                    .await
                    .map_err(err)?,
            ),
            AppsCommand::List(p) => {
                let req = applications::ListRequest::page(page(p)?);
                let (items, total) = applications::list(store, &req, &tz).await.map_err(err)?;
                print_page(json, items, total)
            }
            AppsCommand::Get { id } => {
                print(json, &applications::get(store, id, &tz).await.map_err(err)?)
            }
            AppsCommand::Update { id, args } => print(
                json,
                &applications::update(store, id, input(args), &tz)
                    .await
                    .map_err(err)?,
            ),
            AppsCommand::Delete { id } => {
                applications::delete(store, id).await.map_err(err)?;
                print(json, &serde_json::json!({ "deleted": id }))
            }
        }
    }
    Ok(())
}
