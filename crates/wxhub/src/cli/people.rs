//! `wxhub people find|export|erase`: one person's data on request, straight on the database
//! (docs/privacy.md). Each is in the audit record as done by 命令行.

use super::{err, print, Database};
use crate::privacy::people::{Actor, Desk, Lookup, Within};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args)]
pub(super) struct Who {
    /// A whole mainland mobile number.
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    union_id: Option<String>,
    #[arg(long)]
    open_id: Option<String>,
    /// An activity member's or imported entry's id.
    #[arg(long)]
    member_id: Option<String>,
    /// Only this org's activities, rosters, ports and campaigns (default: the whole platform).
    #[arg(long)]
    org: Option<i64>,
}

#[derive(Subcommand)]
pub(super) enum PeopleCommand {
    /// Everything kept about one person (phones masked).
    Find(Who),
    /// The same as an .xlsx workbook with whole phones, written to FILE.
    Export {
        #[command(flatten)]
        who: Who,
        #[arg(long)]
        out: PathBuf,
    },
    /// Erase the person's personal fields, in one transaction.
    Erase {
        #[command(flatten)]
        who: Who,
        /// Required: erasure cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

async fn lookup(who: &Who, c: &Database) -> Result<(Lookup, Within), String> {
    let lookup = Lookup::one_of(
        who.phone.as_deref(),
        who.union_id.as_deref(),
        who.open_id.as_deref(),
        who.member_id.as_deref(),
    )
    .map_err(err)?;
    let scope = match who.org {
        Some(id) => {
            crate::admin::orgs::get(&c.store, id).await.map_err(err)?;
            Within::Org(id)
        }
        None => Within::Platform,
    };
    Ok((lookup, scope))
}

pub(super) async fn run(cmd: PeopleCommand, c: &Database) -> Result<(), String> {
    let tz = c.config.time_zone();
    let desk = Desk {
        store: &c.store,
        secrets: &c.secrets,
        tz: &tz,
        by: Actor {
            account_id: 0,
            username: "命令行",
            address: "",
        },
    };
    match cmd {
        PeopleCommand::Find(who) => {
            let (lookup, scope) = lookup(&who, c).await?;
            let person = desk.find(&lookup, scope).await.map_err(err)?;
            if c.json {
                print(true, &person);
            } else {
                println!("{}: {} rows", person.lookup, person.total);
                for s in person.sections.iter().filter(|s| !s.rows.is_empty()) {
                    println!("\n{} ({})", s.title, s.rows.len());
                    println!("  {}", s.columns.join(" | "));
                    for row in &s.rows {
                        println!("  {}", row.join(" | "));
                    }
                }
            }
            Ok(())
        }
        PeopleCommand::Export { who, out } => {
            let (lookup, scope) = lookup(&who, c).await?;
            let export = desk.export(&lookup, scope).await.map_err(err)?;
            std::fs::write(&out, export.bytes)
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            println!("{} rows written to {}", export.total, out.display());
            Ok(())
        }
        PeopleCommand::Erase { who, yes } => {
            let (lookup, scope) = lookup(&who, c).await?;
            if !yes {
                return Err("erasure cannot be undone: add --yes to erase".into());
            }
            let erased = desk.erase(&lookup, scope).await.map_err(err)?;
            print(c.json, &erased);
            Ok(())
        }
    }
}
