//! The `wxhub` command line: `serve`, `config`, `migrate`, and admin subcommands that work on
//! the database directly (for bootstrap and scripts), each with `--json` output.

mod apps;
mod backup;
mod campaigns;
mod clients;
mod demo;
mod keys;
mod lottery;
mod messages;
mod orgs;
mod people;
mod ports;
mod rekey;
mod server;
mod users;

use crate::auth::Scope;
use crate::checks::Page;
use crate::config::{Config, Overrides};
use crate::error::Error;
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "wxhub",
    version,
    about = "WeChat Official Account hub and live activities"
)]
struct Cli {
    /// Configuration file (default: ./wxhub.toml when present; also WXHUB_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database URL: sqlite://path or postgres://… (also WXHUB_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on (also WXHUB_LISTEN).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Print the effective configuration, secrets masked.
    Config {
        /// List every setting's environment variable and default instead.
        #[arg(long)]
        env: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Write a consistent copy of the SQLite database to FILE while the server runs
    /// (PostgreSQL: pg_dump, docs/deployment.md). secret.key is not in it: keep it apart.
    Backup { file: PathBuf },
    /// Put a backup in place of the SQLite database (stop the server first).
    Restore {
        file: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Run the server with a demo org whose big screens come alive: a sign-in, a lottery and a
    /// message wall (made on first run), a console login, the screen links printed, and
    /// simulated participants joining, posting and being drawn.
    Demo {
        /// Address to listen on (also WXHUB_LISTEN).
        #[arg(long)]
        listen: Option<String>,
        /// Simulated people per activity (1–5,000).
        #[arg(long, default_value_t = 300)]
        people: usize,
        /// Joins per second per activity (1–500).
        #[arg(long, default_value_t = 10)]
        rate: u32,
        /// Seconds between two lottery rounds.
        #[arg(long, default_value_t = 20)]
        draw_every: u64,
    },
    /// Run the WeChat simulator (for development, tests and demos; WeChat itself is not needed).
    Sim {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9100")]
        listen: String,
        /// Create an account: APPID:SECRET (repeatable).
        #[arg(long = "account")]
        accounts: Vec<String>,
    },
    /// JWT signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// The secrets key that seals secrets and phone numbers at rest.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Orgs (机构).
    #[command(subcommand)]
    Orgs(orgs::OrgsCommand),
    /// API clients.
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// Human accounts of the web console.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Ports (official accounts).
    #[command(subcommand)]
    Ports(ports::PortsCommand),
    /// Applications of the application centre.
    #[command(subcommand, name = "apps")]
    Apps(apps::AppsCommand),
    /// What sendMsg resolves (contents, defaults, training messages) and the send record.
    #[command(subcommand)]
    Messages(messages::MessagesCommand),
    /// The lottery.
    #[command(subcommand)]
    Lottery(lottery::LotteryCommand),
    /// Campaigns (群发): one template message to many, sent by the servers' workers.
    #[command(subcommand)]
    Campaigns(campaigns::CampaignsCommand),
    /// One person's data on request: find, export as .xlsx, erase (audited).
    #[command(subcommand)]
    People(people::PeopleCommand),
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Re-seal every secret in the database under the key in FILE (made there first when FILE
    /// does not exist), in one transaction, then install it as secret.key (or say to set
    /// WXHUB_SECRET_KEY). Stop every server first (docs/deployment.md).
    Rekey {
        #[arg(long = "new-key-file")]
        new_key_file: PathBuf,
    },
}

#[derive(Args)]
struct PageArgs {
    #[arg(long, default_value_t = 1)]
    page: i64,
    #[arg(long, default_value_t = 100)]
    page_size: i64,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen, .. } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides {
        config_file: cli.config.clone(),
        listen,
        database_url: cli.database_url.clone(),
    };
    let config = match Config::load(&overrides, std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wxhub: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wxhub: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("wxhub: {message}");
            ExitCode::FAILURE
        }
    }
}

fn read_secret(value: Option<String>) -> Result<Option<String>, String> {
    match value.as_deref() {
        Some("-") => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok(Some(line.trim().to_string()))
        }
        _ => Ok(value),
    }
}

fn print<T: Serialize>(json: bool, value: &T) {
    let value = serde_json::to_value(value).expect("serializes");
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&value).expect("serializes")
        );
    } else {
        print_plain(&value, "");
    }
}

fn print_plain(value: &Value, indent: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Object(_) => {
                        println!("{indent}{k}:");
                        print_plain(v, &format!("{indent}  "));
                    }
                    Value::String(s) => println!("{indent}{k}: {s}"),
                    other => println!("{indent}{k}: {other}"),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                print_plain(item, indent);
            }
        }
        other => println!("{indent}{other}"),
    }
}

fn print_page<T: Serialize>(json: bool, items: Vec<T>, total: i64) {
    if json {
        print(
            true,
            &serde_json::json!({ "items": items, "totalCount": total }),
        );
    } else {
        print(false, &items);
        println!("({} of {total})", items.len());
    }
}

fn scope(text: &str) -> Result<Scope, String> {
    Scope::parse(text).ok_or_else(|| "scope must be org, platform or platform-admin".to_string())
}

fn err(e: Error) -> String {
    e.message()
        + &match e {
            Error::Internal(detail) => format!(" ({detail})"),
            _ => String::new(),
        }
}

/// What the commands on the database share: the store opened (and migrated), the secrets
/// key, the settings and the output format.
pub(super) struct Database {
    pub store: crate::store::Store,
    pub secrets: std::sync::Arc<crate::crypto::SecretBox>,
    pub config: Config,
    pub json: bool,
}

/// A `--page`/`--page-size` pair as a page of a list.
fn page(p: PageArgs) -> Result<Page, String> {
    Page::new(Some(p.page), Some(p.page_size)).map_err(err)
}

async fn dispatch(cli: Cli, config: Config) -> Result<(), String> {
    let json = cli.json;
    match cli.command {
        Command::Serve { .. } => return server::serve(config).await,
        Command::Demo {
            people,
            rate,
            draw_every,
            ..
        } => {
            let plan = crate::activity::rehearsal::Plan {
                people: people.clamp(1, 5_000),
                per_second: rate.clamp(1, 500),
                draw_every_secs: draw_every.max(1),
            };
            return demo::demo(config, plan).await;
        }
        Command::Sim { listen, accounts } => return server::sim(&listen, &accounts).await,
        Command::Lottery(lottery::LotteryCommand::Verify { file }) => {
            return lottery::verify(&file)
        }
        Command::Campaigns(cmd) => return campaigns::run(cmd, config, json).await,
        Command::Backup { file } => {
            print(json, &backup::backup(&config, &file).await?);
            return Ok(());
        }
        Command::Restore { file, force } => {
            print(json, &backup::restore(&config, &file, force).await?);
            return Ok(());
        }
        Command::Secrets(SecretsCommand::Rekey { new_key_file }) => {
            print(json, &rekey::rekey(&config, &new_key_file).await?);
            return Ok(());
        }
        Command::Config { env } => {
            if env {
                for (name, default) in crate::config::env_variables() {
                    println!("{name}={default}");
                }
            } else {
                print!("{}", config.to_masked_toml());
            }
            return Ok(());
        }
        _ => {}
    }
    let (store, secrets) = crate::open_store(&config)
        .await
        .map_err(|e| e.to_string())?;
    let db = Database {
        store,
        secrets,
        config,
        json,
    };
    let done = match cli.command {
        Command::Serve { .. }
        | Command::Demo { .. }
        | Command::Config { .. }
        | Command::Sim { .. }
        | Command::Campaigns(_)
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::Secrets(_)
        | Command::Lottery(_) => {
            unreachable!("handled above")
        }
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::Keys(cmd) => keys::run(cmd, &db).await,
        Command::Orgs(cmd) => orgs::run(cmd, &db).await,
        Command::Users(cmd) => users::run(cmd, &db).await,
        Command::Clients(cmd) => clients::run(cmd, &db).await,
        Command::Ports(cmd) => ports::run(cmd, &db).await,
        Command::Apps(cmd) => apps::run(cmd, &db).await,
        Command::Messages(cmd) => messages::run(cmd, &db).await,
        Command::People(cmd) => people::run(cmd, &db).await,
    };
    db.store.close().await;
    done
}
