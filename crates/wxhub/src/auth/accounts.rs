//! The console's human accounts: roles, the password rules, logging in (throttled per account
//! and per address), and sessions — random 256-bit ids kept only as their SHA-256 in the
//! database, with an idle timeout and an absolute lifetime.

use super::throttle::Throttle;
use crate::config::ConsoleConfig;
use crate::crypto::{hex, random_token, sha256};
use crate::error::{Error, Result};
use crate::store::accounts::{self as sql, AccountRow, SessionRow};
use crate::store::{orgs, Store, StoreError};
use serde::Serialize;
use std::time::Duration;

/// What a console account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, of every org and of the platform.
    PlatformAdmin,
    /// Everything of one org, its staff accounts included.
    OrgAdmin,
    /// The check-in desk, lottery operation and wall moderation of one org: no deletions, no
    /// designated winners, no exports with whole phones.
    OrgStaff,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().replace('-', "_").as_str() {
            "platform_admin" => Some(Role::PlatformAdmin),
            "org_admin" => Some(Role::OrgAdmin),
            "org_staff" => Some(Role::OrgStaff),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::OrgAdmin => "org_admin",
            Role::OrgStaff => "org_staff",
        }
    }

    /// The role as the console shows it.
    pub fn label(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "平台管理员",
            Role::OrgAdmin => "机构管理员",
            Role::OrgStaff => "机构工作人员",
        }
    }
}

/// An account as the rest of wxhub sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub org_id: Option<i64>,
}

impl TryFrom<&AccountRow> for Account {
    type Error = Error;
    fn try_from(r: &AccountRow) -> Result<Account> {
        Ok(Account {
            id: r.id,
            username: r.username.clone(),
            role: Role::parse(&r.role)
                .ok_or_else(|| Error::internal(format!("account {} has role {}", r.id, r.role)))?,
            org_id: r.org_id,
        })
    }
}

/// Passwords nobody should use: the most common ones (worldwide and in China), compared
/// case-insensitively.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// The password rules: at least `min_length` characters (at most 128), not one of the common
/// passwords, not containing the username.
pub fn check_password(username: &str, password: &str, min_length: usize) -> Result<()> {
    let length = password.chars().count();
    if length < min_length || length > 128 {
        return Err(Error::bad_request(format!(
            "密码长度应为 {min_length} 到 128 个字符"
        )));
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .any(|common| !common.is_empty() && common == lower)
    {
        return Err(Error::bad_request("密码过于常见,请换一个"));
    }
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err(Error::bad_request("密码不能包含用户名"));
    }
    Ok(())
}

fn check_username(username: &str) -> Result<()> {
    let ok = (3..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if ok {
        Ok(())
    } else {
        Err(Error::bad_request(
            "用户名应为 3 到 32 个字母、数字或 _ - . @",
        ))
    }
}

/// Creates an account. Org roles need an existing org; a platform admin has none.
pub async fn create(
    store: &Store,
    config: &ConsoleConfig,
    username: &str,
    password: &str,
    role: Role,
    org_id: Option<i64>,
    memory_kib: u32,
) -> Result<Account> {
    let username = username.trim();
    check_username(username)?;
    check_password(username, password, config.min_password_length)?;
    match (role, org_id) {
        (Role::PlatformAdmin, Some(_)) => {
            return Err(Error::bad_request("平台管理员不属于任何机构,不能设置机构"))
        }
        (Role::OrgAdmin | Role::OrgStaff, None) => {
            return Err(Error::bad_request("机构账号需要指定机构"))
        }
        (Role::OrgAdmin | Role::OrgStaff, Some(id)) => {
            if orgs::get(store, id).await?.is_none() {
                return Err(Error::bad_request(format!("机构 {id} 不存在")));
            }
        }
        (Role::PlatformAdmin, None) => {}
    }
    let hash = hash_password(password, memory_kib).await?;
    let row = sql::insert(
        store,
        username,
        &hash,
        role.as_str(),
        org_id,
        crate::time::now_ms(),
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => Error::conflict(format!("用户名 {username} 已存在")),
        other => other.into(),
    })?;
    Account::try_from(&row)
}

async fn hash_password(password: &str, memory_kib: u32) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || super::secrets::hash(&password, memory_kib))
        .await
        .map_err(Error::internal)?
}

/// Failed logins, per account and per address.
pub struct LoginThrottle {
    by_account: Throttle,
    by_address: Throttle,
    /// What an unknown username is checked against, so timing does not tell whether it exists.
    dummy_hash: String,
}

impl LoginThrottle {
    /// `memory_kib`: argon2's memory for new passwords (`auth.argon2_memory_kib`), so that the
    /// dummy costs what a real account's check costs.
    pub fn new(config: &ConsoleConfig, memory_kib: u32) -> LoginThrottle {
        let window = Duration::from_secs(config.login_failure_window_secs);
        LoginThrottle {
            by_account: Throttle::new(config.max_login_failures_per_account, window),
            by_address: Throttle::new(config.max_login_failures_per_address, window),
            dummy_hash: super::secrets::hash("not a password of anyone", memory_kib)
                .unwrap_or_default(),
        }
    }

    /// Counts an attempt for the account and the address before it is checked; `false` (and
    /// nothing counted) when either is at its limit.
    fn try_attempt(&self, account_key: &str, address: &str) -> bool {
        if !self.by_account.try_attempt(account_key) {
            return false;
        }
        if !self.by_address.try_attempt(address) {
            self.by_account.forgive(account_key);
            return false;
        }
        true
    }

    /// What an unknown username is checked against (its parameters are the real ones').
    pub fn dummy_hash(&self) -> &str {
        &self.dummy_hash
    }

    fn forgive(&self, account_key: &str, address: &str) {
        self.by_account.forgive(account_key);
        self.by_address.forgive(address);
    }
}

/// A session just opened: the id for the cookie (shown nowhere else) and the CSRF token.
pub struct Opened {
    pub session_id: String,
    pub csrf_token: String,
    pub account: Account,
}

fn too_many() -> Error {
    Error::TooManyRequests("登录失败次数过多,请稍后再试".into())
}

/// Checks a username and password and opens a session. Wrong username and wrong password
/// answer alike; past the limits (per account, per address) every attempt waits. Each attempt
/// is counted before its password is checked (and forgiven when it succeeds), so parallel
/// guesses get no more checks than the limit.
pub async fn login(
    store: &Store,
    config: &ConsoleConfig,
    throttle: &LoginThrottle,
    username: &str,
    password: &str,
    address: &str,
) -> Result<Opened> {
    let username = username.trim();
    let account_key = username.to_lowercase();
    if !throttle.try_attempt(&account_key, address) {
        return Err(too_many());
    }
    let row = sql::by_username(store, username)
        .await?
        .filter(|r| r.disabled_at.is_none());
    let hash = row
        .as_ref()
        .map_or(throttle.dummy_hash.clone(), |r| r.password_hash.clone());
    let given = password.to_string();
    let good = tokio::task::spawn_blocking(move || super::secrets::verify(&given, &hash))
        .await
        .map_err(Error::internal)?;
    let Some(row) = row.filter(|_| good) else {
        tracing::warn!(username = ?username, address, "console login refused");
        return Err(Error::Unauthorized("用户名或密码错误".into()));
    };
    throttle.forgive(&account_key, address);
    let account = Account::try_from(&row)?;
    let session_id = random_token::<32>();
    let csrf_token = random_token::<32>();
    let now = crate::time::now_ms();
    sql::insert_session(
        store,
        &SessionRow {
            id_hash: session_hash(&session_id),
            account_id: account.id,
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + config.session_lifetime_secs * 1000,
        },
    )
    .await?;
    Ok(Opened {
        session_id,
        csrf_token,
        account,
    })
}

fn session_hash(session_id: &str) -> String {
    hex(&sha256(session_id.as_bytes()))
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub csrf_token: String,
    pub account: Account,
}

/// The session of a cookie's id, when it is live (not past its lifetime, not idle longer than
/// allowed, its account not disabled); its idle clock restarts.
pub async fn session(
    store: &Store,
    config: &ConsoleConfig,
    session_id: &str,
) -> Result<Option<Session>> {
    let now = crate::time::now_ms();
    let id_hash = session_hash(session_id);
    let idle_since = now - config.session_idle_secs * 1000;
    let Some((row, account)) = sql::live_session(store, &id_hash, now, idle_since).await? else {
        return Ok(None);
    };
    // Written at most once a minute: reading a page should not cost a write each time.
    if now - row.last_seen_at > 60_000 {
        sql::touch_session(store, &id_hash, now).await?;
    }
    Ok(Some(Session {
        id_hash,
        csrf_token: row.csrf_token,
        account: Account::try_from(&account)?,
    }))
}

pub async fn logout(store: &Store, session: &Session) -> Result<()> {
    sql::delete_session(store, &session.id_hash).await?;
    Ok(())
}

/// Changes an account's password (the rules apply); every session of the account ends.
pub async fn set_password(
    store: &Store,
    config: &ConsoleConfig,
    username: &str,
    password: &str,
    memory_kib: u32,
) -> Result<()> {
    let row = sql::by_username(store, username)
        .await?
        .ok_or_else(|| Error::not_found(format!("用户 {username} 不存在")))?;
    check_password(&row.username, password, config.min_password_length)?;
    let hash = hash_password(password, memory_kib).await?;
    sql::set_password(store, row.id, &hash, crate::time::now_ms()).await?;
    Ok(())
}

// --- managing accounts (the console's accounts page) ------------------------------------------

/// An account as the accounts page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub account: Account,
    pub disabled: bool,
    pub created_at: i64,
}

/// Whether `viewer` manages accounts of `role` in `org_id`: a platform admin every account,
/// an org admin the accounts of their own org (admins and staff), nobody else any.
pub fn may_manage(viewer: &Account, role: Role, org_id: Option<i64>) -> bool {
    match viewer.role {
        Role::PlatformAdmin => true,
        Role::OrgAdmin => {
            role != Role::PlatformAdmin && org_id.is_some() && org_id == viewer.org_id
        }
        Role::OrgStaff => false,
    }
}

/// The accounts `viewer` manages.
pub async fn list(store: &Store, viewer: &Account) -> Result<Vec<AccountView>> {
    let scope = match viewer.role {
        Role::PlatformAdmin => None,
        Role::OrgAdmin => viewer.org_id,
        Role::OrgStaff => return Err(Error::Forbidden("只有管理员可以管理账号".into())),
    };
    let rows = sql::list(store, scope).await?;
    rows.iter()
        .map(|r| {
            Ok(AccountView {
                account: Account::try_from(r)?,
                disabled: r.disabled_at.is_some(),
                created_at: r.created_at,
            })
        })
        .collect()
}

/// An account `viewer` manages, other than their own ("not found" otherwise, as for anything
/// of another org).
async fn managed(store: &Store, viewer: &Account, id: i64) -> Result<Account> {
    let row = sql::get(store, id)
        .await?
        .ok_or_else(|| Error::not_found("账号不存在"))?;
    let account = Account::try_from(&row)?;
    if !may_manage(viewer, account.role, account.org_id) {
        return Err(Error::not_found("账号不存在"));
    }
    if account.id == viewer.id {
        return Err(Error::bad_request(
            "不能停用或重设自己的账号(修改自己的密码请用 wxhub users password)",
        ));
    }
    Ok(account)
}

/// Disables (its sessions end at once) or enables an account `viewer` manages.
pub async fn set_disabled(
    store: &Store,
    viewer: &Account,
    id: i64,
    disabled: bool,
) -> Result<Account> {
    let account = managed(store, viewer, id).await?;
    let now = crate::time::now_ms();
    sql::set_disabled(store, account.id, disabled.then_some(now), now).await?;
    Ok(account)
}

/// A new password for an account `viewer` manages (the rules apply; its sessions end).
pub async fn reset_password(
    store: &Store,
    config: &ConsoleConfig,
    viewer: &Account,
    id: i64,
    password: &str,
    memory_kib: u32,
) -> Result<Account> {
    let account = managed(store, viewer, id).await?;
    set_password(store, config, &account.username, password, memory_kib).await?;
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_the_rules() {
        assert!(check_password("zhang", "short", 10).is_err());
        assert!(
            check_password("zhang", "Password123", 10).is_err(),
            "common"
        );
        assert!(check_password("zhang", "woaini1314", 10).is_err(), "common");
        assert!(
            check_password("zhangsan", "xxzhangsanxx", 10).is_err(),
            "contains the name"
        );
        assert!(
            check_password("zhang", "正确的马电池订书钉", 9).is_ok(),
            "characters, not bytes"
        );
        assert!(check_password("zhang", "correct horse battery", 10).is_ok());
    }

    #[test]
    fn roles_parse() {
        assert_eq!(Role::parse("org-admin"), Some(Role::OrgAdmin));
        assert_eq!(Role::parse("platform_admin"), Some(Role::PlatformAdmin));
        assert_eq!(Role::parse("root"), None);
    }
}
