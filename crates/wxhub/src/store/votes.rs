//! SQL for voting activities: settings, options, ballots and their choices.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsRow {
    /// waiting, open or closed
    pub status: String,
    pub max_choices: i64,
    pub per_day: bool,
    pub hide_results: bool,
    pub anonymous: bool,
    /// bars or ranking
    pub screen_style: String,
}

impl Default for SettingsRow {
    fn default() -> Self {
        SettingsRow {
            status: "waiting".into(),
            max_choices: 1,
            per_day: false,
            hide_results: false,
            anonymous: false,
            screen_style: "bars".into(),
        }
    }
}

fn settings_row(r: &AnyRow) -> StoreResult<SettingsRow> {
    Ok(SettingsRow {
        status: r.text("status")?,
        max_choices: r.int("max_choices")?,
        per_day: r.int("per_day")? != 0,
        hide_results: r.int("hide_results")? != 0,
        anonymous: r.int("anonymous")? != 0,
        screen_style: r.text("screen_style")?,
    })
}

/// The vote's settings (the defaults when never saved).
pub async fn settings(store: &Store, activity_id: i64) -> StoreResult<SettingsRow> {
    let row = sqlx::query(
        "SELECT status, max_choices, per_day, hide_results, anonymous, screen_style \
         FROM vote_settings WHERE activity_id = $1",
    )
    .bind(activity_id)
    .fetch_optional(store.reader())
    .await?;
    row.map(|r| settings_row(&r))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Saves everything but the status (which only [`set_status`] changes).
pub async fn save_settings(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    s: &SettingsRow,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO vote_settings (activity_id, status, max_choices, per_day, hide_results, \
         anonymous, screen_style, updated_at) VALUES ($1, 'waiting', $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (activity_id) DO UPDATE SET max_choices = excluded.max_choices, \
         per_day = excluded.per_day, hide_results = excluded.hide_results, \
         anonymous = excluded.anonymous, screen_style = excluded.screen_style, \
         updated_at = excluded.updated_at",
    )
    .bind(activity_id)
    .bind(s.max_choices)
    .bind(s.per_day as i64)
    .bind(s.hide_results as i64)
    .bind(s.anonymous as i64)
    .bind(&s.screen_style)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves the status from `from` to `to`: false when it was no longer `from` (another host
/// moved it first).
pub async fn set_status(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    from: &str,
    to: &str,
    now: i64,
) -> StoreResult<bool> {
    sqlx::query(
        "INSERT INTO vote_settings (activity_id, status, updated_at) VALUES ($1, 'waiting', $2) \
         ON CONFLICT (activity_id) DO NOTHING",
    )
    .bind(activity_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let done = sqlx::query(
        "UPDATE vote_settings SET status = $1, updated_at = $2 \
         WHERE activity_id = $3 AND status = $4",
    )
    .bind(to)
    .bind(now)
    .bind(activity_id)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The status as a ballot's transaction reads it: on PostgreSQL with a share lock, so that
/// a close waits for the ballots already counting and every later ballot reads it closed.
pub async fn status_in(
    tx: &mut Transaction<'_, Any>,
    backend: super::Backend,
    activity_id: i64,
) -> StoreResult<String> {
    let sql = match backend {
        super::Backend::Sqlite => "SELECT status FROM vote_settings WHERE activity_id = $1",
        super::Backend::Postgres => {
            "SELECT status FROM vote_settings WHERE activity_id = $1 FOR SHARE"
        }
    };
    let row = sqlx::query(sql)
        .bind(activity_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match row {
        Some(r) => r.text("status")?,
        None => "waiting".into(),
    })
}

#[derive(Debug, Clone, Default)]
pub struct OptionRow {
    pub id: i64,
    pub activity_id: i64,
    pub position: i64,
    pub label: String,
    pub image: String,
}

fn option_row(r: &AnyRow) -> StoreResult<OptionRow> {
    Ok(OptionRow {
        id: r.int("id")?,
        activity_id: r.int("activity_id")?,
        position: r.int("position")?,
        label: r.text("label")?,
        image: r.text("image")?,
    })
}

/// The options in their order.
pub async fn options(store: &Store, activity_id: i64) -> StoreResult<Vec<OptionRow>> {
    let rows = sqlx::query(
        "SELECT id, activity_id, position, label, image FROM vote_options \
         WHERE activity_id = $1 ORDER BY position, id",
    )
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(option_row).collect()
}

/// Adds an option at the end.
pub async fn add_option(
    store: &Store,
    activity_id: i64,
    label: &str,
    image: &str,
    now: i64,
) -> StoreResult<OptionRow> {
    let row = sqlx::query(
        "INSERT INTO vote_options (activity_id, position, label, image, created_at, updated_at) \
         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM vote_options \
         WHERE activity_id = $1), $2, $3, $4, $4) \
         RETURNING id, activity_id, position, label, image",
    )
    .bind(activity_id)
    .bind(label)
    .bind(image)
    .bind(now)
    .fetch_one(store.writer())
    .await?;
    option_row(&row)
}

/// Changes an option's words, picture and place; None when it is not the activity's.
pub async fn update_option(
    store: &Store,
    activity_id: i64,
    o: &OptionRow,
    now: i64,
) -> StoreResult<Option<OptionRow>> {
    let row = sqlx::query(
        "UPDATE vote_options SET label = $1, image = $2, position = $3, updated_at = $4 \
         WHERE id = $5 AND activity_id = $6 RETURNING id, activity_id, position, label, image",
    )
    .bind(&o.label)
    .bind(&o.image)
    .bind(o.position)
    .bind(now)
    .bind(o.id)
    .bind(activity_id)
    .fetch_optional(store.writer())
    .await?;
    row.map(|r| option_row(&r)).transpose()
}

/// Deletes an option nobody chose: `Ok(None)` when it is not the activity's, `Ok(Some(false))`
/// when it has votes.
pub async fn delete_option(
    store: &Store,
    activity_id: i64,
    option_id: i64,
) -> StoreResult<Option<bool>> {
    let done = sqlx::query(
        "DELETE FROM vote_options WHERE id = $1 AND activity_id = $2 AND NOT EXISTS \
         (SELECT 1 FROM vote_choices WHERE activity_id = $2 AND option_id = $1)",
    )
    .bind(option_id)
    .bind(activity_id)
    .execute(store.writer())
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Some(true));
    }
    let exists =
        sqlx::query("SELECT 1 AS one FROM vote_options WHERE id = $1 AND activity_id = $2")
            .bind(option_id)
            .bind(activity_id)
            .fetch_optional(store.reader())
            .await?;
    Ok(exists.map(|_| false))
}

/// Writes a ballot and its choices unless the member already voted (that day): the ballot's
/// id, or None when one was there (concurrent identical ballots: one wins).
pub async fn cast(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    member_id: &str,
    day: &str,
    options: &[i64],
    now: i64,
) -> StoreResult<Option<i64>> {
    let id = sqlx::query(
        "INSERT INTO vote_ballots (activity_id, member_id, day, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (activity_id, member_id, day) DO NOTHING RETURNING id",
    )
    .bind(activity_id)
    .bind(member_id)
    .bind(day)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id.map(|r| r.int("id")).transpose()? else {
        return Ok(None);
    };
    for option in options {
        sqlx::query(
            "INSERT INTO vote_choices (ballot_id, activity_id, option_id) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(activity_id)
        .bind(option)
        .execute(&mut **tx)
        .await?;
    }
    Ok(Some(id))
}

/// How many ballots were cast.
async fn ballot_count(store: &Store, activity_id: i64) -> StoreResult<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM vote_ballots WHERE activity_id = $1")
        .bind(activity_id)
        .fetch_one(store.reader())
        .await?
        .int("n")
}

/// Votes per option (options nobody chose are absent) and the number of ballots.
pub async fn totals(store: &Store, activity_id: i64) -> StoreResult<(Vec<(i64, i64)>, i64)> {
    let rows = sqlx::query(
        "SELECT option_id, COUNT(*) AS votes FROM vote_choices WHERE activity_id = $1 \
         GROUP BY option_id",
    )
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    let per_option = rows
        .iter()
        .map(|r| Ok((r.int("option_id")?, r.int("votes")?)))
        .collect::<StoreResult<Vec<_>>>()?;
    let ballots = ballot_count(store, activity_id).await?;
    Ok((per_option, ballots))
}

/// A member's ballot (that day, or '' for the one ballot): the chosen options.
pub async fn ballot_of(
    store: &Store,
    activity_id: i64,
    member_id: &str,
    day: &str,
) -> StoreResult<Option<Vec<i64>>> {
    let ballot = sqlx::query(
        "SELECT id FROM vote_ballots WHERE activity_id = $1 AND member_id = $2 AND day = $3",
    )
    .bind(activity_id)
    .bind(member_id)
    .bind(day)
    .fetch_optional(store.reader())
    .await?;
    let Some(id) = ballot.map(|r| r.int("id")).transpose()? else {
        return Ok(None);
    };
    let rows =
        sqlx::query("SELECT option_id FROM vote_choices WHERE ballot_id = $1 ORDER BY option_id")
            .bind(id)
            .fetch_all(store.reader())
            .await?;
    Ok(Some(
        rows.iter()
            .map(|r| r.int("option_id"))
            .collect::<StoreResult<_>>()?,
    ))
}

/// A ballot as the back office lists it: who (with the member's names), when, what.
#[derive(Debug, Clone, Default)]
pub struct BallotRow {
    pub id: i64,
    pub member_id: String,
    pub nickname: String,
    pub real_name: String,
    pub day: String,
    pub created_at: i64,
    /// The chosen options' ids, comma-separated.
    pub options: String,
}

/// The ballots, newest first, with the total.
pub async fn ballots(
    store: &Store,
    activity_id: i64,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<BallotRow>, i64)> {
    let rows = sqlx::query(
        "SELECT b.id, b.member_id, b.day, b.created_at, \
         COALESCE(m.nickname, '') AS nickname, COALESCE(m.real_name, '') AS real_name \
         FROM vote_ballots b LEFT JOIN activity_members m \
         ON m.activity_id = b.activity_id AND m.member_id = b.member_id \
         WHERE b.activity_id = $1 ORDER BY b.id DESC LIMIT $2 OFFSET $3",
    )
    .bind(activity_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(BallotRow {
            id: r.int("id")?,
            member_id: r.text("member_id")?,
            nickname: r.text("nickname")?,
            real_name: r.text("real_name")?,
            day: r.text("day")?,
            created_at: r.int("created_at")?,
            options: String::new(),
        });
    }
    if let (Some(first), Some(last)) = (out.last().map(|b| b.id), out.first().map(|b| b.id)) {
        let choices = sqlx::query(
            "SELECT ballot_id, option_id FROM vote_choices WHERE activity_id = $1 \
             AND ballot_id >= $2 AND ballot_id <= $3 ORDER BY ballot_id, option_id",
        )
        .bind(activity_id)
        .bind(first)
        .bind(last)
        .fetch_all(store.reader())
        .await?;
        let mut by_ballot = std::collections::HashMap::<i64, Vec<String>>::new();
        for c in &choices {
            by_ballot
                .entry(c.int("ballot_id")?)
                .or_default()
                .push(c.int("option_id")?.to_string());
        }
        for b in &mut out {
            b.options = by_ballot.remove(&b.id).unwrap_or_default().join(",");
        }
    }
    let total = ballot_count(store, activity_id).await?;
    Ok((out, total))
}

/// The members who voted (for `option_id`, or for anything): what feeds a lottery or a
/// segment.
pub async fn voters(
    store: &Store,
    activity_id: i64,
    option_id: Option<i64>,
) -> StoreResult<Vec<String>> {
    let rows = match option_id {
        Some(option) => {
            sqlx::query(
                "SELECT DISTINCT b.member_id FROM vote_ballots b JOIN vote_choices c \
                 ON c.ballot_id = b.id WHERE b.activity_id = $1 AND c.option_id = $2 \
                 ORDER BY b.member_id",
            )
            .bind(activity_id)
            .bind(option)
            .fetch_all(store.reader())
            .await?
        }
        None => {
            sqlx::query(
                "SELECT DISTINCT member_id FROM vote_ballots WHERE activity_id = $1 \
                 ORDER BY member_id",
            )
            .bind(activity_id)
            .fetch_all(store.reader())
            .await?
        }
    };
    rows.iter().map(|r| r.text("member_id")).collect()
}
