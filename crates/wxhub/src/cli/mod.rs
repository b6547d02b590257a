//! The `wxhub` command line: `serve`, `config`, `migrate`, and admin subcommands that work on
//! the database directly (for bootstrap and scripts), each with `--json` output.

mod backup;
mod campaigns;
mod demo;
mod rekey;

use crate::admin;
use crate::auth::{keys, Scope};
use crate::checks::Page;
use crate::config::{Config, Overrides};
use crate::error::Error;
use crate::platform::applications;
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
    Keys(KeysCommand),
    /// The secrets key that seals secrets and phone numbers at rest.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Orgs (机构).
    #[command(subcommand)]
    Orgs(OrgsCommand),
    /// API clients.
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// Human accounts of the web console.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Ports (official accounts).
    #[command(subcommand)]
    Ports(PortsCommand),
    /// Applications of the application centre.
    #[command(subcommand, name = "apps")]
    Apps(AppsCommand),
    /// What sendMsg resolves (contents, defaults, training messages) and the send record.
    #[command(subcommand)]
    Messages(MessagesCommand),
    /// The lottery.
    #[command(subcommand)]
    Lottery(LotteryCommand),
    /// Campaigns (群发): one template message to many, sent by the servers' workers.
    #[command(subcommand)]
    Campaigns(campaigns::CampaignsCommand),
}

#[derive(Subcommand)]
enum LotteryCommand {
    /// Recompute a drawn round from its published record (the JSON of
    /// GET /api/v3/activitys_lottery/{id}/rounds/{round}, whole or its `data`; `-` for stdin).
    Verify { file: PathBuf },
}

#[derive(Subcommand)]
enum UsersCommand {
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

#[derive(Subcommand)]
enum MessagesCommand {
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
enum ContentsCommand {
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
enum DefaultsCommand {
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
enum TrainingCommand {
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

#[derive(Subcommand)]
enum KeysCommand {
    /// List keys.
    List,
    /// Add a key that signs from now on; older keys verify until retired.
    Rotate,
    /// Retire a key: tokens it signed stop verifying.
    Retire { kid: String },
}

#[derive(Args)]
struct PageArgs {
    #[arg(long, default_value_t = 1)]
    page: i64,
    #[arg(long, default_value_t = 100)]
    page_size: i64,
}

#[derive(Subcommand)]
enum OrgsCommand {
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

#[derive(Subcommand)]
enum ClientsCommand {
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

#[derive(Args)]
struct PortArgs {
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
enum PortsCommand {
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

#[derive(Args)]
struct AppArgs {
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
enum AppsCommand {
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

fn init_logging(config: &Config) {
    use tracing_subscriber::prelude::*;
    let filter: tracing_subscriber::filter::Targets = config
        .log_level
        .parse()
        .unwrap_or_else(|_| "info".parse().expect("valid filter"));
    let registry = tracing_subscriber::registry().with(filter);
    if config.log_format == "json" {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .init();
    } else {
        // Colour only on a terminal (and never with NO_COLOR): a log file or a journal gets
        // plain text, not escape codes.
        use std::io::IsTerminal;
        let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(colour)
                    .with_writer(std::io::stderr),
            )
            .init();
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

async fn dispatch(cli: Cli, config: Config) -> Result<(), String> {
    let json = cli.json;
    match cli.command {
        Command::Serve { .. } => return serve(config).await,
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
        Command::Sim { listen, accounts } => return sim(&listen, &accounts).await,
        Command::Lottery(LotteryCommand::Verify { file }) => return verify_lottery(&file),
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
    let tz = config.time_zone();
    let memory = config.auth.argon2_memory_kib;
    let page = |p: PageArgs| Page::new(Some(p.page), Some(p.page_size)).map_err(err);
    match cli.command {
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
        Command::Migrate => println!("migrations applied"),
        Command::Keys(cmd) => {
            // Make sure a first key exists, as `serve` would.
            keys::KeyRing::load(&store, &secrets).await.map_err(err)?;
            match cmd {
                KeysCommand::List => {
                    let items = keys::list(&store).await.map_err(err)?;
                    let total = items.len() as i64;
                    print_page(json, items, total);
                }
                KeysCommand::Rotate => {
                    print(json, &keys::rotate(&store, &secrets).await.map_err(err)?)
                }
                KeysCommand::Retire { kid } => {
                    keys::retire(&store, &kid).await.map_err(err)?;
                    print(json, &serde_json::json!({ "retired": kid }));
                }
            }
        }
        Command::Orgs(cmd) => match cmd {
            OrgsCommand::Create { name } => {
                let input = admin::orgs::OrgInput {
                    name: Some(name),
                    ..Default::default()
                };
                print(
                    json,
                    &admin::orgs::create(&store, input).await.map_err(err)?,
                )
            }
            OrgsCommand::List(p) => {
                let (items, total) = admin::orgs::list(&store, page(p)?).await.map_err(err)?;
                print_page(json, items, total)
            }
            OrgsCommand::Get { id } => {
                print(json, &admin::orgs::get(&store, id).await.map_err(err)?)
            }
            OrgsCommand::Update {
                id,
                name,
                default_port,
            } => {
                let input = admin::orgs::OrgInput {
                    name,
                    default_port_id: default_port,
                };
                print(
                    json,
                    &admin::orgs::update(&store, id, input).await.map_err(err)?,
                )
            }
            OrgsCommand::Delete { id } => {
                admin::orgs::delete(&store, id).await.map_err(err)?;
                print(json, &serde_json::json!({ "deleted": id }))
            }
            OrgsCommand::Ports { id } => {
                let ports = admin::orgs::ports(&store, id).await.map_err(err)?;
                let total = ports.len() as i64;
                print_page(json, ports, total)
            }
            OrgsCommand::GrantPort { id, port } => {
                let ports = admin::orgs::grant_port(&store, id, port)
                    .await
                    .map_err(err)?;
                let total = ports.len() as i64;
                print_page(json, ports, total)
            }
            OrgsCommand::RevokePort { id, port } => {
                let ports = admin::orgs::revoke_port(&store, id, port)
                    .await
                    .map_err(err)?;
                let total = ports.len() as i64;
                print_page(json, ports, total)
            }
        },
        Command::Users(cmd) => match cmd {
            UsersCommand::Create {
                username,
                role,
                org,
            } => {
                let role = crate::auth::accounts::Role::parse(&role).ok_or_else(|| {
                    "role must be platform_admin, org_admin or org_staff".to_string()
                })?;
                let password = read_password()?;
                let account = crate::auth::accounts::create(
                    &store,
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
                    &store,
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
        },
        Command::Clients(cmd) => match cmd {
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
                let created = admin::clients::create(&store, input, memory)
                    .await
                    .map_err(err)?;
                print(json, &created);
                if !json {
                    eprintln!("\nKeep the client_secret now: it is not shown again.");
                }
            }
            ClientsCommand::List(p) => {
                let (items, total) = admin::clients::list(&store, page(p)?).await.map_err(err)?;
                print_page(json, items, total)
            }
            ClientsCommand::Get { id } => {
                print(json, &admin::clients::get(&store, id).await.map_err(err)?)
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
                    &admin::clients::update(&store, id, input)
                        .await
                        .map_err(err)?,
                )
            }
            ClientsCommand::Revoke { id } => print(
                json,
                &admin::clients::revoke(&store, id).await.map_err(err)?,
            ),
            ClientsCommand::RotateSecret { id } => print(
                json,
                &admin::clients::rotate_secret(&store, id, memory)
                    .await
                    .map_err(err)?,
            ),
            ClientsCommand::Delete { id } => {
                admin::clients::delete(&store, id).await.map_err(err)?;
                print(json, &serde_json::json!({ "deleted": id }))
            }
        },
        Command::Ports(cmd) => {
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
                    &admin::ports::create(&store, &secrets, input(a)?)
                        .await
                        .map_err(err)?,
                ),
                PortsCommand::List(p) => {
                    let (items, total) = admin::ports::list(&store, page(p)?).await.map_err(err)?;
                    print_page(json, items, total)
                }
                PortsCommand::Get { id } => {
                    print(json, &admin::ports::get(&store, id).await.map_err(err)?)
                }
                PortsCommand::Update { id, args } => print(
                    json,
                    &admin::ports::update(&store, &secrets, id, input(args)?)
                        .await
                        .map_err(err)?,
                ),
                PortsCommand::Delete { id } => {
                    admin::ports::delete(&store, id).await.map_err(err)?;
                    print(json, &serde_json::json!({ "deleted": id }))
                }
            }
        }
        Command::Apps(cmd) => {
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
                    &applications::create(&store, input(a), &tz)
                        .await
                        .map_err(err)?,
                ),
                AppsCommand::List(p) => {
                    let req = applications::ListRequest::page(page(p)?);
                    let (items, total) =
                        applications::list(&store, &req, &tz).await.map_err(err)?;
                    print_page(json, items, total)
                }
                AppsCommand::Get { id } => print(
                    json,
                    &applications::get(&store, id, &tz).await.map_err(err)?,
                ),
                AppsCommand::Update { id, args } => print(
                    json,
                    &applications::update(&store, id, input(args), &tz)
                        .await
                        .map_err(err)?,
                ),
                AppsCommand::Delete { id } => {
                    applications::delete(&store, id).await.map_err(err)?;
                    print(json, &serde_json::json!({ "deleted": id }))
                }
            }
        }
        Command::Messages(cmd) => messages(json, &store, cmd, page).await?,
    }
    store.close().await;
    Ok(())
}

async fn messages(
    json: bool,
    store: &crate::store::Store,
    cmd: MessagesCommand,
    page: impl Fn(PageArgs) -> Result<Page, String>,
) -> Result<(), String> {
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

fn verify_lottery(file: &std::path::Path) -> Result<(), String> {
    use crate::activity::lottery::{verify, RoundRecord, Verdict};
    let text = if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        text
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let value = match value.get("data") {
        Some(data) if data.is_object() => data.clone(),
        _ => value,
    };
    let record: RoundRecord =
        serde_json::from_value(value).map_err(|e| format!("not a round record: {e}"))?;
    match verify(&record) {
        Verdict::Verified => {
            println!(
                "verified: round {} — seed matches seed_hash, {} participants match list_hash, \
                 {} winners recomputed",
                record.round_id,
                record.participants.as_ref().map_or(0, Vec::len),
                record.winners.len()
            );
            Ok(())
        }
        Verdict::Mismatch(why) => Err(format!("NOT verified: {why}")),
    }
}

async fn sim(listen: &str, accounts: &[String]) -> Result<(), String> {
    let sim = wechat_sim::Simulator::new();
    for account in accounts {
        let (appid, secret) = account
            .split_once(':')
            .ok_or_else(|| format!("--account {account}: expected APPID:SECRET"))?;
        sim.add_account(wechat_sim::AccountSpec::new(appid, secret));
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("WeChat simulator on http://{addr} (controls under /sim/)");
    sim.serve(listener).await.map_err(|e| e.to_string())
}

/// Logging, the state and the listening socket: what `serve` and `demo` start with.
async fn start(
    config: Config,
) -> Result<
    (
        crate::AppState,
        tokio::net::TcpListener,
        std::net::SocketAddr,
    ),
    String,
> {
    init_logging(&config);
    let listen = config.listen.clone();
    let state = crate::build_state(config)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    Ok((state, listener, addr))
}

async fn serve(config: Config) -> Result<(), String> {
    let shutdown = crate::app::shutdown_signal();
    let (state, listener, addr) = start(config).await?;
    let backend = match state.store.backend {
        crate::store::Backend::Sqlite => "SQLite",
        crate::store::Backend::Postgres => "PostgreSQL",
    };
    println!("wxhub listening on http://{addr} ({backend})");
    println!("  console:   http://{addr}/console");
    println!("  first account: wxhub users create --username admin --role platform_admin");
    println!("  API docs:  http://{addr}/docs");
    println!("  first client: wxhub clients create --name admin --scope platform-admin");
    println!("  then:      curl -X POST http://{addr}/oauth2/ums/oauth2/accessToken \\");
    println!("               -d grant_type=client_credentials -d applicationKey=wechatcp \\");
    println!("               -d client_id=<client_id> -d client_secret=<client_secret>");
    let reload_state = state.clone();
    tokio::spawn(async move {
        // Picks up keys rotated or retired by another instance or the CLI.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = reload_state.auth.reload_keys().await {
                tracing::warn!(error = %e, "cannot reload signing keys");
            }
        }
    });
    let store = state.store.clone();
    crate::app::serve(listener, state, shutdown)
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
