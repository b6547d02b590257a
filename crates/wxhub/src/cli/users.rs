//! `wxhub users`: console accounts and their passwords.

use super::{err, print, Database};
use clap::Subcommand;

#[derive(Subcommand)]
pub(super) enum UsersCommand {
    /// Create a console account. The password is asked on the terminal (not echoed) or read
    /// from the first line of stdin — never an argument.
    Create {
        #[arg(long)]
        username: String,
        /// platform_admin, org_admin or org_staff
        #[arg(long)]
        role: String,
        /// The org of an org_admin or org_staff account.
        #[arg(long)]
        org: Option<i64>,
    },
    /// Set a new password (asked as above); the account's sessions end.
    Password {
        #[arg(long)]
        username: String,
    },
}

/// A password from the terminal (twice, not echoed), or the first line of stdin.
fn read_password() -> Result<String, String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("密码: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("再次输入密码: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("两次输入的密码不一致".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

pub(super) async fn run(cmd: UsersCommand, c: &Database) -> Result<(), String> {
    let (json, store, config) = (c.json, &c.store, &c.config);
    match cmd {
        UsersCommand::Create {
            username,
            role,
            org,
        } => {
            let role = crate::auth::accounts::Role::parse(&role)
                .ok_or_else(|| "role must be platform_admin, org_admin or org_staff".to_string())?;
            let password = read_password()?;
            let account = crate::auth::accounts::create(
                store,
                &config.console,
                &username,
                &password,
                role,
                org,
                config.auth.argon2_memory_kib,
            )
            .await
            .map_err(err)?;
            print(json, &account)
        }
        UsersCommand::Password { username } => {
            let password = read_password()?;
            crate::auth::accounts::set_password(
                store,
                &config.console,
                &username,
                &password,
                config.auth.argon2_memory_kib,
            )
            .await
            .map_err(err)?;
            print(
                json,
                &serde_json::json!({ "username": username, "sessions_ended": true }),
            )
        }
    }
    Ok(())
}
