//! A lottery's participants: the activity's members (who joined from H5) and the people the
//! organiser imported from .xlsx, each with tags that prizes may require.
//!
//! An imported person's participant id is "imp:" + their 编号, so it never collides with a
//! member id a client chose, and the published participant list shows no phone.

use crate::activity::members::{PHONE_FINGERPRINT, SEAL_PHONE as SEAL_MEMBER_PHONE};
use crate::activity::xlsx::{
    column, name_cell, phone_cell, rejected, split_header, ImportReport, RowError,
};
use crate::checks::Page;
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::store::activities::ActivityRow;
use crate::store::lottery_participants::{self as sql, ImportedRow, ParticipantRow};
use crate::store::{lottery as lottery_sql, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;

const SEAL_IMPORTED_PHONE: &str = "lottery_participants.phone";
pub const IMPORTED_PREFIX: &str = "imp:";
const HEADER: [&str; 4] = ["编号", "姓名", "手机号", "标签"];
/// An import may hold at most this many rows.
pub const MAX_IMPORT_ROWS: usize = 200_000;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantView {
    pub participant_id: String,
    /// member (joined from H5) or import
    pub source: String,
    pub nickname: String,
    pub name: String,
    /// Whole: the back office's.
    pub phone: String,
    /// 编号 of an imported person.
    pub number: String,
    pub tags: Vec<String>,
}

/// A participant's phone, opened.
pub fn phone_of(p: &ParticipantRow, secrets: &SecretBox) -> String {
    let label = if p.source == "import" {
        SEAL_IMPORTED_PHONE
    } else {
        SEAL_MEMBER_PHONE
    };
    p.phone
        .as_ref()
        .and_then(|sealed| secrets.open_string(label, sealed))
        .unwrap_or_default()
}

fn view(
    p: &ParticipantRow,
    secrets: &SecretBox,
    tags: &HashMap<String, Vec<String>>,
) -> ParticipantView {
    ParticipantView {
        participant_id: p.participant_id.clone(),
        source: p.source.clone(),
        nickname: p.nickname.clone(),
        name: p.name.clone(),
        phone: phone_of(p, secrets),
        number: p.number.clone(),
        tags: tags.get(&p.participant_id).cloned().unwrap_or_default(),
    }
}

/// 获取参与抽奖名单: every participant.
pub async fn all(
    store: &Store,
    secrets: &SecretBox,
    activity: &ActivityRow,
) -> Result<Vec<ParticipantView>> {
    let rows = sql::all(store, activity.id).await?;
    let tags = sql::tags(store, activity.id, None).await?;
    Ok(rows.iter().map(|p| view(p, secrets, &tags)).collect())
}

/// 分页获取参与抽奖名单: a page, searched by id, nickname, name or 编号.
pub async fn page(
    store: &Store,
    secrets: &SecretBox,
    activity: &ActivityRow,
    search: Option<&str>,
    page: Page,
) -> Result<(Vec<ParticipantView>, i64)> {
    let (rows, total) = sql::page(store, activity.id, search, page.offset, page.limit).await?;
    let ids: Vec<String> = rows.iter().map(|p| p.participant_id.clone()).collect();
    let tags = sql::tags(store, activity.id, Some(&ids)).await?;
    Ok((
        rows.iter().map(|p| view(p, secrets, &tags)).collect(),
        total,
    ))
}

/// 导出参与名单的报表模板: the import template, with one example row.
pub fn template() -> Result<Vec<u8>> {
    crate::activity::xlsx::write(
        "参与名单",
        &HEADER,
        std::iter::once(vec![
            "E-001".to_string(),
            "张三".to_string(),
            "13800000000".to_string(),
            "员工,VIP".to_string(),
        ]),
    )
}

/// The participants as .xlsx, in the template's columns plus 参与者ID, 来源 and 昵称.
pub async fn export(store: &Store, secrets: &SecretBox, activity: &ActivityRow) -> Result<Vec<u8>> {
    let people = all(store, secrets, activity).await?;
    crate::activity::xlsx::write(
        "参与名单",
        &["编号", "姓名", "手机号", "标签", "参与者ID", "来源", "昵称"],
        people.into_iter().map(|p| {
            vec![
                p.number,
                p.name,
                p.phone,
                p.tags.join(","),
                p.participant_id,
                if p.source == "import" {
                    "导入"
                } else {
                    "报名"
                }
                .to_string(),
                p.nickname,
            ]
        }),
    )
}

/// 导入参与名单: columns 编号 (required, 1–64 visible characters), 姓名 (required), 手机号 and
/// 标签 (optional), in any order. Every row is checked first — no repeated 编号 or phone in
/// the file, among the imported or the members — and if any row is refused nothing is written
/// and the answer lists each refused row.
pub async fn import(
    store: &Store,
    secrets: &SecretBox,
    activity: &ActivityRow,
    actor: &str,
    bytes: &[u8],
) -> Result<ImportReport> {
    let rows = crate::activity::xlsx::read_rows(bytes, MAX_IMPORT_ROWS)?;
    let (header, body) = split_header(&rows, MAX_IMPORT_ROWS)?;
    let no_col = column(header, &["编号", "number"])
        .ok_or_else(|| Error::bad_request("表格缺少“编号”列"))?;
    let name_col =
        column(header, &["姓名", "name"]).ok_or_else(|| Error::bad_request("表格缺少“姓名”列"))?;
    let phone_col = column(header, &["手机号", "手机", "phone"]);
    let tags_col = column(header, &["标签", "tags"]);
    let (mut seen_ids, mut seen_phones) = sql::keys(store, activity.id).await?;
    let now = crate::time::now_ms();
    let mut errors: Vec<RowError> = Vec::new();
    let mut valid = Vec::with_capacity(body.len());
    let mut tags = Vec::new();
    for (i, row) in body.iter().enumerate() {
        let line = i + 2;
        let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).map(String::as_str).unwrap_or("");
        if row.iter().all(String::is_empty) {
            continue;
        }
        let mut refuse = |message: String| errors.push(RowError { row: line, message });
        let number = cell(Some(no_col));
        if number.is_empty() || number.len() > 64 || !number.chars().all(|c| c.is_ascii_graphic()) {
            refuse("编号应为 1 到 64 个可见字符(字母、数字、符号)".into());
            continue;
        }
        let name = match name_cell(cell(Some(name_col))) {
            Ok(n) => n,
            Err(e) => {
                refuse(e);
                continue;
            }
        };
        let phone = match phone_cell(cell(phone_col)) {
            Ok(p) => p,
            Err(e) => {
                refuse(e);
                continue;
            }
        };
        let row_tags = match super::parse_tags(cell(tags_col)) {
            Ok(t) => t,
            Err(e) => {
                refuse(e);
                continue;
            }
        };
        let participant_id = format!("{IMPORTED_PREFIX}{number}");
        if !seen_ids.insert(participant_id.clone()) {
            refuse(format!("编号 {number} 重复(表格内或名单中已有)"));
            continue;
        }
        let phone_hash = phone
            .as_ref()
            .map(|p| secrets.fingerprint(PHONE_FINGERPRINT, p.as_str().as_bytes()));
        if let Some(h) = &phone_hash {
            if !seen_phones.insert(h.clone()) {
                refuse("手机号重复(表格内、已导入或已报名成员中已有)".into());
                continue;
            }
        }
        tags.extend(row_tags.into_iter().map(|t| (participant_id.clone(), t)));
        valid.push(ImportedRow {
            activity_id: activity.id,
            participant_id,
            name,
            phone: phone
                .as_ref()
                .map(|p| secrets.seal(SEAL_IMPORTED_PHONE, p.as_str().as_bytes())),
            phone_hash,
            number: number.to_string(),
            created_at: now,
        });
    }
    if !errors.is_empty() {
        return Err(rejected(errors));
    }
    if valid.is_empty() {
        return Err(Error::bad_request("表格中没有数据行"));
    }
    if !tags.is_empty() {
        refuse_tag_changes_of_published_promotion(store, activity).await?;
    }
    let imported = sql::import_in_chunks(store, &valid, &tags)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => Error::conflict("名单在导入时被修改,请重试"),
            other => other.into(),
        })?;
    let audited = async {
        let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
        super::audit(
            &mut tx,
            activity.id,
            None,
            "participants_imported",
            actor,
            json!({ "imported": imported.added }),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok::<_, Error>(())
    }
    .await;
    if let Err(e) = audited {
        // No import without its audit record.
        if let Err(undo) = sql::undo_import(store, activity.id, &imported).await {
            tracing::error!(error = %undo, "could not undo an unaudited participant import");
        }
        return Err(e);
    }
    Ok(ImportReport {
        imported: imported.added,
    })
}

/// Removes every imported participant: only before the first round, so that no published
/// list loses the people it names.
pub async fn clear_imported(store: &Store, activity: &ActivityRow, actor: &str) -> Result<u64> {
    if lottery_sql::round_count(store, activity.id).await? > 0 {
        return Err(Error::conflict("已开始抽奖,不能再清空导入的名单"));
    }
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let removed = sql::delete_imported(&mut tx, activity.id).await?;
    super::audit(
        &mut tx,
        activity.id,
        None,
        "participants_cleared",
        actor,
        json!({ "removed": removed }),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(removed)
}

/// Who of another activity to add: a vote's voters (of one option, or all), a quiz's first
/// places, or a shake race's winners.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct FromActivityInput {
    /// A vote, a quiz or a shake race of the same org.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = i64)]
    pub activity_id: Option<i64>,
    /// A vote: only those who chose this option (absent or 0: everyone who voted).
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub option_id: Option<i64>,
    /// A quiz: its first `top` places (default 10); a shake race: its last round's first
    /// `top` (default: the race's places). 1–1000.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub top: Option<i64>,
}

/// What adding another activity's people did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddedFrom {
    /// People who became participants.
    pub added: u64,
    /// People the selection named who already were.
    pub already: u64,
}

/// Makes another activity's people (a vote's voters, of one option or all; a quiz's first
/// places; a shake race's winners) participants of the lottery, as members with the names,
/// phone and consent they gave there — so one who wins sees it on their own page. The source
/// must be of the same org, and a lottery restricted to a roster takes people only from an
/// activity restricted to the same roster. One transaction, recorded in the lottery's audit
/// record.
pub async fn add_from_activity(
    store: &Store,
    activity: &ActivityRow,
    input: FromActivityInput,
    actor: &str,
) -> Result<AddedFrom> {
    let source_id = input
        .activity_id
        .ok_or_else(|| Error::bad_request("缺少参数 activity_id"))?;
    let source = crate::store::activities::get(store, source_id)
        .await?
        .filter(|a| a.org_id == activity.org_id && a.id != activity.id)
        .ok_or_else(|| Error::not_found("来源活动不存在"))?;
    if activity.permission != 0 && source.permission != activity.permission {
        return Err(Error::conflict(
            "本抽奖限定了会议名单,只能加入限定同一名单的活动的人员",
        ));
    }
    let people =
        crate::activity::picked::people(store, &source, input.option_id, input.top).await?;
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let added = crate::store::activities::copy_members(
        &mut tx,
        source.id,
        &people,
        activity.id,
        crate::time::now_ms(),
    )
    .await?;
    super::audit(
        &mut tx,
        activity.id,
        None,
        "participants_from_activity",
        actor,
        json!({ "activity_id": source.id, "kind": source.kind, "option_id": input.option_id.filter(|o| *o != 0), "top": input.top, "added": added }),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(AddedFrom {
        added,
        already: (people.len() as u64).saturating_sub(added),
    })
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TagsInput {
    /// The participant's tags (replacing what it had); at most 10, each 1–16 characters.
    pub tags: Option<Vec<String>>,
}

/// In a promotion whose rules are published, tags decide who may win which prize: tagging
/// only the chosen person with a prize's tag would rig the draw without designating anyone.
/// So tags are frozen with the rules.
async fn refuse_tag_changes_of_published_promotion(
    store: &Store,
    activity: &ActivityRow,
) -> Result<()> {
    let settings = super::settings(store, activity).await?;
    if settings.published() && !settings.internal() {
        return Err(Error::conflict(
            "促销抽奖的规则已公布,参与者的标签(抽奖资格)已冻结,不能再修改",
        ));
    }
    Ok(())
}

/// Replaces a participant's tags (members' and imported alike).
pub async fn set_tags(
    store: &Store,
    activity: &ActivityRow,
    actor: &str,
    participant_id: &str,
    input: TagsInput,
) -> Result<Vec<String>> {
    let tags = super::parse_tags(
        &input
            .tags
            .ok_or_else(|| Error::bad_request("缺少参数 tags"))?
            .join(","),
    )
    .map_err(|e| Error::bad_request(format!("tags: {e}")))?;
    refuse_tag_changes_of_published_promotion(store, activity).await?;
    if !sql::exists(store, activity.id, participant_id).await? {
        return Err(Error::not_found("参与者不存在"));
    }
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    sql::set_tags(&mut tx, activity.id, participant_id, &tags).await?;
    super::audit(
        &mut tx,
        activity.id,
        None,
        "tags_set",
        actor,
        json!({ "participant_id": participant_id, "tags": tags }),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(tags)
}
