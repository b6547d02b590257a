//! A person's data on request (PIPL Art. 45, 47): find one person by phone, unionId, openId or
//! member id across an org (or the platform), show or export all that is kept about them, and
//! erase it in one transaction. Every find, export and erasure is in the audit record
//! (docs/privacy.md).

use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::platform::values::{mask_phone, OpenId, Phone, UnionId};
use crate::sheets::{self, Sheet};
use crate::store::console_audit::{self, AuditRow};
use crate::store::people::{self as sql, Cell, Key, PersonErased, Scope};
use crate::store::Store;
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::store::people::Scope as Within;

/// Who is looked for, as a person asking gave it.
#[derive(Debug, Clone)]
pub enum Lookup {
    Phone(Phone),
    UnionId(String),
    OpenId(String),
    MemberId(String),
}

impl Lookup {
    /// Exactly one of the identifiers (a caller's mistake is a 400 in Chinese).
    pub fn one_of(
        phone: Option<&str>,
        union_id: Option<&str>,
        open_id: Option<&str>,
        member_id: Option<&str>,
    ) -> Result<Lookup> {
        let given: Vec<(&str, &str)> = [
            ("phone", phone),
            ("unionId", union_id),
            ("openId", open_id),
            ("memberId", member_id),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(str::trim).filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
        match given.as_slice() {
            [] => Err(Error::bad_request(
                "请给出一个手机号、unionId、openId 或成员ID",
            )),
            [(by, value)] => Lookup::parse(by, value),
            _ => Err(Error::bad_request(
                "一次只能按一个条件查找:手机号、unionId、openId 或成员ID",
            )),
        }
    }

    /// `by` is phone, unionId, openId or memberId.
    pub fn parse(by: &str, value: &str) -> Result<Lookup> {
        let value = value.trim();
        Ok(match by {
            "phone" => Lookup::Phone(
                Phone::parse(value).map_err(|_| Error::bad_request("手机号应为 11 位数字"))?,
            ),
            "unionId" => Lookup::UnionId(
                UnionId::parse(value)
                    .map_err(|_| Error::bad_request("unionId 格式不正确"))?
                    .as_str()
                    .to_string(),
            ),
            "openId" => Lookup::OpenId(
                OpenId::parse(value)
                    .map_err(|_| Error::bad_request("openId 格式不正确"))?
                    .as_str()
                    .to_string(),
            ),
            "memberId" => {
                if value.is_empty()
                    || value.len() > 64
                    || !value.chars().all(|c| c.is_ascii_graphic())
                {
                    return Err(Error::bad_request(
                        "成员ID应为 1 到 64 个可见字符(不含空格)",
                    ));
                }
                Lookup::MemberId(value.to_string())
            }
            _ => {
                return Err(Error::bad_request(
                    "查找条件应为手机号、unionId、openId 或成员ID",
                ))
            }
        })
    }

    /// What the audit record and the page say was looked for: a phone masked.
    pub fn shown(&self) -> String {
        match self {
            Lookup::Phone(p) => format!("手机号 {}", mask_phone(p.as_str())),
            Lookup::UnionId(u) => format!("unionId {u}"),
            Lookup::OpenId(o) => format!("openId {o}"),
            Lookup::MemberId(m) => format!("成员ID {m}"),
        }
    }

    fn key(&self, secrets: &SecretBox) -> Key {
        match self {
            Lookup::Phone(p) => Key::Phone {
                member: secrets
                    .fingerprint(crate::crypto::PHONE_FINGERPRINT, p.as_str().as_bytes()),
                user: secrets.fingerprint(crate::crypto::USER_PHONE, p.as_str().as_bytes()),
            },
            Lookup::UnionId(u) => Key::UnionId(u.clone()),
            Lookup::OpenId(o) => Key::OpenId(o.clone()),
            Lookup::MemberId(m) => Key::MemberId(m.clone()),
        }
    }
}

/// One kind of row that held something of the person's, as text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Section {
    /// users, fans, members, rosters, entries, wins, posts, designated, campaigns, sends,
    /// visits, pushes.
    pub kind: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// All that is kept about one person within the scope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    /// What was looked for (a phone masked).
    pub lookup: String,
    /// How many rows, in all sections.
    pub total: usize,
    pub sections: Vec<Section>,
}

/// How phones are shown: masked on a page, whole in the person's own export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phones {
    Masked,
    Whole,
}

fn shown(cell: Cell, secrets: &SecretBox, tz: &jiff::tz::TimeZone, phones: Phones) -> String {
    match cell {
        Cell::Text(t) => t,
        Cell::Time(t) => t
            .map(|t| crate::time::format_local(t, tz))
            .unwrap_or_default(),
        Cell::Phone(_, None) => String::new(),
        Cell::Phone(context, Some(sealed)) => match secrets.open_string(context, &sealed) {
            Some(p) if phones == Phones::Whole => p,
            Some(p) => mask_phone(&p),
            None => "(无法解密)".into(),
        },
    }
}

/// Everything kept about the person within the scope.
async fn gather(
    store: &Store,
    secrets: &SecretBox,
    tz: &jiff::tz::TimeZone,
    lookup: &Lookup,
    scope: Scope,
    phones: Phones,
) -> Result<Person> {
    let (_, sections) = sql::find(store, &lookup.key(secrets), scope).await?;
    let sections: Vec<Section> = sections
        .into_iter()
        .map(|s| Section {
            kind: s.key.into(),
            title: s.title.into(),
            columns: s.columns.iter().map(|c| c.to_string()).collect(),
            rows: s
                .rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|c| shown(c, secrets, tz, phones))
                        .collect()
                })
                .collect(),
        })
        .collect();
    Ok(Person {
        lookup: lookup.shown(),
        total: sections.iter().map(|s| s.rows.len()).sum(),
        sections,
    })
}

/// The person's data as a workbook: a sheet per kind of row that holds any.
fn workbook(person: &Person) -> Result<Vec<u8>> {
    let mut sheets: Vec<Sheet> = person
        .sections
        .iter()
        .filter(|s| !s.rows.is_empty())
        .map(|s| Sheet {
            name: s.title.clone(),
            header: s.columns.clone(),
            rows: s.rows.clone(),
        })
        .collect();
    if sheets.is_empty() {
        sheets.push(Sheet {
            name: "查找结果".into(),
            header: vec!["查找条件".into(), "结果".into()],
            rows: vec![vec![person.lookup.clone(), "没有找到此人的信息".into()]],
        });
    }
    sheets::write(sheets)
}

/// What an erasure changed, for the caller and the audit record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Erasure {
    pub lookup: String,
    pub users: u64,
    pub fans: u64,
    pub members: u64,
    pub roster_entries: u64,
    pub imported: u64,
    pub wall_messages: u64,
    pub sends: u64,
    pub campaign_recipients: u64,
    pub events: u64,
    pub avatars: u64,
}

impl Erasure {
    fn of(lookup: &Lookup, e: PersonErased) -> Erasure {
        Erasure {
            lookup: lookup.shown(),
            users: e.users,
            fans: e.fans,
            members: e.members,
            roster_entries: e.roster_entries,
            imported: e.imported,
            wall_messages: e.wall_messages,
            sends: e.sends,
            campaign_recipients: e.campaign_recipients,
            events: e.events,
            avatars: e.avatars,
        }
    }

    /// 「3 条活动参与、1 条会议名单…」: what went, in words.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [
            (self.users, "条统一用户的手机号"),
            (self.fans, "条粉丝资料"),
            (self.members, "条活动参与"),
            (self.roster_entries, "条会议名单"),
            (self.imported, "条抽奖导入名单"),
            (self.wall_messages, "条留言"),
            (self.sends, "条消息内容"),
            (self.campaign_recipients, "条群发称呼"),
            (self.events, "条大屏记录"),
            (self.avatars, "个头像副本"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            "没有找到需要删除的个人信息".into()
        } else {
            format!("已删除:{}", parts.join("、"))
        }
    }
}

/// Who acted, for the audit record.
pub struct Actor<'a> {
    /// 0 for the API and the command line.
    pub account_id: i64,
    /// The console account, `api:<client>` or `命令行`.
    pub username: &'a str,
    pub address: &'a str,
}

/// Answers one person's requests on behalf of someone (the console, the admin API, the command
/// line): each find, export and erasure is written into the audit record of the org — or the
/// platform's, for platform-wide ones — the identifier shown with its phone masked.
pub struct Desk<'a> {
    pub store: &'a Store,
    pub secrets: &'a SecretBox,
    pub tz: &'a jiff::tz::TimeZone,
    pub by: Actor<'a>,
}

/// An export: how many rows, and the workbook.
pub struct Export {
    pub total: usize,
    pub bytes: Vec<u8>,
}

impl Desk<'_> {
    /// Everything kept about the person within the scope, phones masked.
    pub async fn find(&self, lookup: &Lookup, scope: Scope) -> Result<Person> {
        let person = gather(
            self.store,
            self.secrets,
            self.tz,
            lookup,
            scope,
            Phones::Masked,
        )
        .await?;
        self.audit(scope, FIND, lookup, &format!("找到 {} 条", person.total))
            .await;
        Ok(person)
    }

    /// The same as a workbook with whole phones: what the person is given.
    pub async fn export(&self, lookup: &Lookup, scope: Scope) -> Result<Export> {
        let person = gather(
            self.store,
            self.secrets,
            self.tz,
            lookup,
            scope,
            Phones::Whole,
        )
        .await?;
        let bytes = workbook(&person)?;
        let detail = format!("导出 {} 条(含完整手机号)", person.total);
        self.audit(scope, EXPORT, lookup, &detail).await;
        Ok(Export {
            total: person.total,
            bytes,
        })
    }

    /// Erases the person's personal fields within the scope, in one transaction (see
    /// [`sql::erase`] for what goes and what stays).
    pub async fn erase(&self, lookup: &Lookup, scope: Scope) -> Result<Erasure> {
        let (_, done) = sql::erase(
            self.store,
            &lookup.key(self.secrets),
            scope,
            crate::time::now_ms(),
            crate::privacy::mask_name,
        )
        .await?;
        tracing::info!(
            changed = done.total(),
            "one person's personal fields erased on request"
        );
        let erased = Erasure::of(lookup, done);
        self.audit(scope, ERASE, lookup, &erased.summary()).await;
        Ok(erased)
    }

    /// A record that cannot be written is logged; the action stands, as elsewhere.
    async fn audit(&self, scope: Scope, action: &str, lookup: &Lookup, detail: &str) {
        let row = AuditRow {
            account_id: self.by.account_id,
            username: self.by.username.to_string(),
            org_id: match scope {
                Scope::Org(id) => Some(id),
                Scope::Platform => None,
            },
            action: action.to_string(),
            object: lookup.shown(),
            detail: detail.to_string(),
            address: self.by.address.to_string(),
            at: crate::time::now_ms(),
            ..Default::default()
        };
        if let Err(e) = console_audit::insert(self.store, &row).await {
            tracing::error!(error = %e, action, "could not write the audit record of a person's data");
        }
    }
}

/// The audit actions: find, export, erase.
pub const FIND: &str = "privacy.person_find";
pub const EXPORT: &str = "privacy.person_export";
pub const ERASE: &str = "privacy.person_erase";
