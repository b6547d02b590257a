//! `wxhub keys`: the token signing keys (list, rotate, retire).

use super::{err, print, print_page, Database};
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum KeysCommand {
    /// List keys.
    List,
    /// Add a key that signs from now on; older keys verify until retired.
    Rotate,
    /// Retire a key: tokens it signed stop verifying.
    Retire { kid: String },
}

pub(super) async fn run(cmd: KeysCommand, c: &Database) -> Result<(), String> {
    let (json, store, secrets) = (c.json, &c.store, &c.secrets);
    {
        // Make sure a first key exists, as `serve` would.
        crate::auth::keys::KeyRing::load(store, secrets)
            .await
            .map_err(err)?;
        match cmd {
            KeysCommand::List => {
                let items = crate::auth::keys::list(store).await.map_err(err)?;
                let total = items.len() as i64;
                print_page(json, items, total);
            }
            KeysCommand::Rotate => print(
                json,
                &crate::auth::keys::rotate(store, secrets)
                    .await
                    .map_err(err)?,
            ),
            KeysCommand::Retire { kid } => {
                crate::auth::keys::retire(store, &kid).await.map_err(err)?;
                print(json, &serde_json::json!({ "retired": kid }));
            }
        }
    }
    Ok(())
}
