//! SQL for campaigns (群发) and their recipients: the job table that workers on any instance
//! claim from with leases (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer
//! serialises the claims), and the fleet's pace per port.

use super::{Backend, Placeholders, RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, Default)]
pub struct CampaignRow {
    pub id: i64,
    pub org_id: Option<i64>,
    pub client_id: String,
    pub name: String,
    pub port_id: i64,
    pub template_id: String,
    pub fields: String,
    pub url: String,
    pub mini_program: String,
    pub segment: String,
    pub activity_name: String,
    pub state: String,
    pub reason: String,
    pub start_at: i64,
    pub resume_at: Option<i64>,
    pub left_out: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "id, org_id, client_id, name, port_id, template_id, fields, url, \
    mini_program, segment, activity_name, state, reason, start_at, resume_at, left_out, \
    created_at, updated_at, finished_at";

fn from_row(row: &AnyRow) -> StoreResult<CampaignRow> {
    Ok(CampaignRow {
        id: row.int("id")?,
        org_id: row.opt_int("org_id")?,
        client_id: row.text("client_id")?,
        name: row.text("name")?,
        port_id: row.int("port_id")?,
        template_id: row.text("template_id")?,
        fields: row.text("fields")?,
        url: row.text("url")?,
        mini_program: row.text("mini_program")?,
        segment: row.text("segment")?,
        activity_name: row.text("activity_name")?,
        state: row.text("state")?,
        reason: row.text("reason")?,
        start_at: row.int("start_at")?,
        resume_at: row.opt_int("resume_at")?,
        left_out: row.text("left_out")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
        finished_at: row.opt_int("finished_at")?,
    })
}

/// A recipient as the segment gave it, before it is stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewRecipient {
    pub open_id: String,
    pub user_id: Option<i64>,
    pub nickname: String,
    pub name: String,
    pub prize: String,
}

/// Recipients per insert statement (7 parameters each).
const INSERT_CHUNK: usize = 200;

/// Inserts the campaign and its recipients in one transaction: a campaign is never seen
/// without all of its recipients. The recipients' openIds must be distinct.
pub async fn insert(
    store: &Store,
    c: &CampaignRow,
    recipients: &[NewRecipient],
) -> StoreResult<CampaignRow> {
    let mut tx = store.writer().begin().await?;
    let row = sqlx::query(&format!(
        "INSERT INTO campaigns (org_id, client_id, name, port_id, template_id, fields, url, \
         mini_program, segment, activity_name, state, reason, start_at, left_out, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '', $12, $13, $14, $14) \
         RETURNING {COLUMNS}"
    ))
    .bind(c.org_id)
    .bind(&c.client_id)
    .bind(&c.name)
    .bind(c.port_id)
    .bind(&c.template_id)
    .bind(&c.fields)
    .bind(&c.url)
    .bind(&c.mini_program)
    .bind(&c.segment)
    .bind(&c.activity_name)
    .bind(&c.state)
    .bind(c.start_at)
    .bind(&c.left_out)
    .bind(c.created_at)
    .fetch_one(&mut *tx)
    .await?;
    let campaign = from_row(&row)?;
    for chunk in recipients.chunks(INSERT_CHUNK) {
        let mut p = Placeholders::new(store.backend);
        let values = p.values(chunk.len(), &["", "", "", "", "", "", ""]);
        let sql = format!(
            "INSERT INTO campaign_recipients (campaign_id, open_id, user_id, nickname, name, \
             prize, updated_at) VALUES {values}"
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(campaign.id)
                .bind(&r.open_id)
                .bind(r.user_id)
                .bind(&r.nickname)
                .bind(&r.name)
                .bind(&r.prize)
                .bind(c.created_at);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(campaign)
}

pub async fn get(store: &Store, id: i64) -> StoreResult<Option<CampaignRow>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.reader())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Campaigns newest first; `org_id` limits them to one org's.
pub async fn list(
    store: &Store,
    org_id: Option<i64>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<CampaignRow>, i64)> {
    let filter = if org_id.is_some() {
        "WHERE org_id = $3"
    } else {
        ""
    };
    let select =
        format!("SELECT {COLUMNS} FROM campaigns {filter} ORDER BY id DESC LIMIT $1 OFFSET $2");
    let mut q = sqlx::query(&select).bind(limit).bind(offset);
    let count_sql = format!(
        "SELECT COUNT(*) FROM campaigns {}",
        filter.replace("$3", "$1")
    );
    let mut count = sqlx::query_scalar(&count_sql);
    if let Some(org_id) = org_id {
        q = q.bind(org_id);
        count = count.bind(org_id);
    }
    let rows = q.fetch_all(store.reader()).await?;
    let total: i64 = count.fetch_one(store.reader()).await?;
    Ok((
        rows.iter().map(from_row).collect::<StoreResult<_>>()?,
        total,
    ))
}

/// Moves a campaign from one of `from` to `to`, with the reason shown to people: answers the
/// campaign, or `None` when it was in none of `from`.
pub async fn set_state(
    store: &Store,
    id: i64,
    from: &[&str],
    to: &str,
    reason: &str,
    resume_at: Option<i64>,
    now: i64,
) -> StoreResult<Option<CampaignRow>> {
    let states = from
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let finished = if matches!(to, "finished" | "cancelled") {
        "$4"
    } else {
        "finished_at"
    };
    let mut tx = store.writer().begin().await?;
    let row = sqlx::query(&format!(
        "UPDATE campaigns SET state = $2, reason = $3, updated_at = $4, resume_at = $5, \
         finished_at = {finished} WHERE id = $1 AND state IN ({states}) RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(to)
    .bind(reason)
    .bind(now)
    .bind(resume_at)
    .fetch_optional(&mut *tx)
    .await?;
    if row.is_some() && to == "cancelled" {
        // Nobody still waiting is sent to; those leased finish with their own outcome.
        sqlx::query(
            "UPDATE campaign_recipients SET state = 'skipped', error = $3, \
             updated_at = $2 WHERE campaign_id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(now)
        .bind(CANCELLED)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    row.as_ref().map(from_row).transpose()
}

/// Campaigns a worker has to look at: running, or due to start or resume.
pub async fn due(store: &Store, now: i64) -> StoreResult<Vec<CampaignRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM campaigns WHERE state = 'running' \
         OR (state = 'scheduled' AND start_at <= $1) \
         OR (state = 'waiting' AND resume_at <= $1) ORDER BY id"
    ))
    .bind(now)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(from_row).collect()
}

/// The state of one campaign, read fresh (a worker checks it between batches).
pub async fn state_of(store: &Store, id: i64) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT state FROM campaigns WHERE id = $1")
            .bind(id)
            .fetch_optional(store.reader())
            .await?,
    )
}

/// Recipients per state.
pub async fn counts(store: &Store, campaign_id: i64) -> StoreResult<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM campaign_recipients WHERE campaign_id = $1 \
         GROUP BY state",
    )
    .bind(campaign_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter()
        .map(|r| Ok((r.text("state")?, r.int("n")?)))
        .collect()
}

/// Recipients sent since `since` (ms): the recent rate.
pub async fn sent_since(store: &Store, campaign_id: i64, since: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = $1 AND state = 'sent' \
         AND updated_at >= $2",
    )
    .bind(campaign_id)
    .bind(since)
    .fetch_one(store.reader())
    .await?)
}

#[derive(Debug, Clone, Default)]
pub struct RecipientRow {
    pub id: i64,
    pub open_id: String,
    pub user_id: Option<i64>,
    pub nickname: String,
    pub name: String,
    pub prize: String,
    pub state: String,
    pub attempts: i64,
    pub uncertain: bool,
    pub wx_msgid: Option<i64>,
    pub errcode: Option<i64>,
    pub error: String,
    pub delivery: String,
    pub updated_at: i64,
}

const RECIPIENT_COLUMNS: &str = "id, open_id, user_id, nickname, name, prize, state, attempts, \
    uncertain, wx_msgid, errcode, error, delivery, updated_at";

fn recipient_from_row(row: &AnyRow) -> StoreResult<RecipientRow> {
    Ok(RecipientRow {
        id: row.int("id")?,
        open_id: row.text("open_id")?,
        user_id: row.opt_int("user_id")?,
        nickname: row.text("nickname")?,
        name: row.text("name")?,
        prize: row.text("prize")?,
        state: row.text("state")?,
        attempts: row.int("attempts")?,
        uncertain: row.int("uncertain")? != 0,
        wx_msgid: row.opt_int("wx_msgid")?,
        errcode: row.opt_int("errcode")?,
        error: row.text("error")?,
        delivery: row.text("delivery")?,
        updated_at: row.int("updated_at")?,
    })
}

/// A page of a campaign's recipients in id order, optionally of one state.
pub async fn recipients(
    store: &Store,
    campaign_id: i64,
    state: Option<&str>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<RecipientRow>, i64)> {
    let filter = "campaign_id = $1 AND ($2 IS NULL OR state = $2)";
    let rows = sqlx::query(&format!(
        "SELECT {RECIPIENT_COLUMNS} FROM campaign_recipients WHERE {filter} \
         ORDER BY id LIMIT $3 OFFSET $4"
    ))
    .bind(campaign_id)
    .bind(state)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM campaign_recipients WHERE {filter}"
    ))
    .bind(campaign_id)
    .bind(state)
    .fetch_one(store.reader())
    .await?;
    Ok((
        rows.iter()
            .map(recipient_from_row)
            .collect::<StoreResult<_>>()?,
        total,
    ))
}

/// Re-examines what crashed or uncertain workers left: a lease that expired, or a pending
/// recipient whose earlier attempt may have reached WeChat. Inside WeChat's dedup window
/// (`window_start`: claimed after it) the recipient is sent again with the same
/// client_msg_id, which WeChat drops if it already has it; outside, it is marked unknown.
/// Answers how many were marked unknown.
pub async fn reexamine(
    store: &Store,
    campaign_id: i64,
    now: i64,
    window_start: i64,
) -> StoreResult<u64> {
    let mut tx = store.writer().begin().await?;
    sqlx::query(
        "UPDATE campaign_recipients SET state = 'pending', uncertain = 1, lease_until = NULL, \
         updated_at = $2 WHERE campaign_id = $1 AND state = 'sending' AND lease_until < $2",
    )
    .bind(campaign_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let unknown = sqlx::query(
        "UPDATE campaign_recipients SET state = 'unknown', \
         error = '发送中断且已超过微信的去重时限,无法确定是否送达,未重发', updated_at = $2 \
         WHERE campaign_id = $1 AND state = 'pending' AND uncertain = 1 AND claimed_at < $3",
    )
    .bind(campaign_id)
    .bind(now)
    .bind(window_start)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(unknown)
}

/// A recipient leased to a worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub open_id: String,
    pub nickname: String,
    pub name: String,
    pub prize: String,
    /// Attempts including this one.
    pub attempts: i64,
}

/// A batch leased to a worker: its recipients and when the first may be sent (its place in
/// the port's pace), each next one `per_send_ms` later.
pub struct Batch {
    pub recipients: Vec<Claimed>,
    pub start_at: i64,
}

/// Reserves a batch's time on the port's pace and leases up to `limit` due recipients of the
/// campaign until `lease_ms` after that time, in one transaction (on PostgreSQL the pace row
/// stays locked until it commits, so time reserved and not used is given back).
pub async fn claim(
    store: &Store,
    campaign_id: i64,
    port_id: i64,
    limit: i64,
    now: i64,
    lease_ms: i64,
    per_send_ms: f64,
) -> StoreResult<Batch> {
    let skip_locked = match store.backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let span = |n: i64| (n as f64 * per_send_ms).ceil() as i64;
    let mut tx = store.writer().begin().await?;
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO campaign_pacing (port_id, next_at) VALUES ($1, $2 + $3) \
         ON CONFLICT (port_id) DO UPDATE SET next_at = CASE \
         WHEN campaign_pacing.next_at > $2 THEN campaign_pacing.next_at ELSE $2 END + $3 \
         RETURNING next_at",
    )
    .bind(port_id)
    .bind(now)
    .bind(span(limit))
    .fetch_one(&mut *tx)
    .await?;
    let start_at = next - span(limit);
    let rows = sqlx::query(&format!(
        "UPDATE campaign_recipients SET state = 'sending', lease_until = $3, \
         attempts = attempts + 1, claimed_at = COALESCE(claimed_at, $2), updated_at = $2 \
         WHERE id IN (SELECT id FROM campaign_recipients WHERE campaign_id = $1 \
         AND state = 'pending' AND next_at <= $2 ORDER BY id LIMIT $4 {skip_locked}) \
         RETURNING id, open_id, nickname, name, prize, attempts"
    ))
    .bind(campaign_id)
    .bind(now)
    .bind(next + lease_ms)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut recipients = rows
        .iter()
        .map(|r| {
            Ok(Claimed {
                id: r.int("id")?,
                open_id: r.text("open_id")?,
                nickname: r.text("nickname")?,
                name: r.text("name")?,
                prize: r.text("prize")?,
                attempts: r.int("attempts")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    recipients.sort_by_key(|c| c.id);
    let unused = span(limit) - span(recipients.len() as i64);
    if unused > 0 {
        sqlx::query("UPDATE campaign_pacing SET next_at = next_at - $2 WHERE port_id = $1")
            .bind(port_id)
            .bind(unused)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Batch {
        recipients,
        start_at,
    })
}

/// Why a recipient of a cancelled campaign was not sent to.
const CANCELLED: &str = "群发已取消";

/// What became of one leased recipient.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: i64,
    /// pending (tried again from `next_at`), sent, failed, skipped, unknown
    pub state: &'static str,
    pub next_at: i64,
    pub uncertain: bool,
    pub wx_msgid: Option<i64>,
    pub errcode: Option<i64>,
    pub error: String,
    /// Whether the attempt counts: a recipient handed back unsent (the campaign paused, the
    /// quota ran out before it) does not use up one of its tries.
    pub counted: bool,
}

/// Records a batch's outcomes of campaign `campaign_id` in the caller's transaction (only of
/// recipients still leased: a lease that expired and was re-examined meanwhile belongs to its
/// new holder). Of a campaign cancelled meanwhile, a recipient that would wait again is
/// skipped, as the cancel skipped those waiting: the campaign's row is read first, under a
/// share lock on PostgreSQL and, on SQLite, the write lock of a transaction begun by
/// [`Store::begin_write`](super::Store::begin_write), so a cancel commits either before (and
/// is seen here) or after (and skips what this leaves pending).
pub async fn finish(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    campaign_id: i64,
    outcomes: &[Outcome],
    now: i64,
) -> StoreResult<()> {
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR SHARE",
    };
    let state: Option<String> =
        sqlx::query_scalar(&format!("SELECT state FROM campaigns WHERE id = $1{lock}"))
            .bind(campaign_id)
            .fetch_optional(&mut **tx)
            .await?;
    let cancelled = state.as_deref() == Some("cancelled");
    let skipped = |o: &Outcome| Outcome {
        state: "skipped",
        next_at: 0,
        error: CANCELLED.to_string(),
        ..o.clone()
    };
    let outcomes: Vec<Outcome> = outcomes
        .iter()
        .map(|o| match o.state {
            "pending" if cancelled => skipped(o),
            _ => o.clone(),
        })
        .collect();
    const TYPES: [&str; 8] = [
        "BIGINT", "TEXT", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "TEXT", "BIGINT",
    ];
    for chunk in outcomes.chunks(INSERT_CHUNK) {
        // Numbered in the order they appear (SQLite binds a bare `?` by position).
        let mut p = Placeholders::new(backend);
        let at = p.next();
        let values = p.values(chunk.len(), &TYPES);
        let sql = format!(
            "UPDATE campaign_recipients SET state = v.column2, next_at = v.column3, \
             uncertain = CASE WHEN v.column4 = 1 THEN 1 ELSE campaign_recipients.uncertain END, \
             wx_msgid = v.column5, errcode = v.column6, error = v.column7, \
             attempts = campaign_recipients.attempts - v.column8, lease_until = NULL, \
             updated_at = {at} FROM (VALUES {values}) AS v \
             WHERE campaign_recipients.id = v.column1 AND campaign_recipients.state = 'sending'"
        );
        let mut q = sqlx::query(&sql).bind(now);
        for o in chunk {
            q = q
                .bind(o.id)
                .bind(o.state)
                .bind(o.next_at)
                .bind(i64::from(o.uncertain))
                .bind(o.wx_msgid)
                .bind(o.errcode)
                .bind(&o.error)
                .bind(i64::from(!o.counted));
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Marks the campaign finished when none of its recipients is pending or leased.
pub async fn finish_if_done(
    tx: &mut Transaction<'_, Any>,
    campaign_id: i64,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE campaigns SET state = 'finished', reason = '', finished_at = $2, updated_at = $2 \
         WHERE id = $1 AND state = 'running' AND NOT EXISTS (SELECT 1 FROM campaign_recipients \
         WHERE campaign_id = $1 AND state IN ('pending', 'sending'))",
    )
    .bind(campaign_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// TEMPLATESENDJOBFINISH: what WeChat says became of a message it accepted, matched by its
/// msgid (on the port's app). Answers whether a campaign's recipient had that msgid.
pub async fn set_delivery(
    tx: &mut Transaction<'_, Any>,
    wx_msgid: i64,
    delivery: &str,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE campaign_recipients SET delivery = $2, updated_at = $3 WHERE wx_msgid = $1",
    )
    .bind(wx_msgid)
    .bind(delivery)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The port's own rate for campaigns (messages a second), if it has one.
pub async fn port_rate(store: &Store, port_id: i64) -> StoreResult<Option<i64>> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT campaign_rate FROM ports WHERE id = $1")
            .bind(port_id)
            .fetch_optional(store.reader())
            .await?
            .flatten(),
    )
}

/// Sets (or, with `None`, clears) the port's own rate for campaigns.
pub async fn set_port_rate(store: &Store, port_id: i64, rate: Option<i64>) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE ports SET campaign_rate = $2 WHERE id = $1")
        .bind(port_id)
        .bind(rate)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A fan of the port, as a segment sees it.
#[derive(Debug, Clone)]
pub struct PortFan {
    pub open_id: String,
    pub user_id: Option<i64>,
    pub nickname: String,
    pub subscribed: bool,
}

/// Which fans of a port to read.
pub enum FanKey<'a> {
    All,
    UserIds(&'a [i64]),
    OpenIds(&'a [String]),
}

/// Ids per `IN (…)` list.
const IN_CHUNK: usize = 500;

/// The port's fans: all of them, or those of the given users or openIds.
pub async fn fans_on_port(
    store: &Store,
    port_id: i64,
    key: FanKey<'_>,
) -> StoreResult<Vec<PortFan>> {
    const SELECT: &str =
        "SELECT open_id, user_id, nickname, subscribe, subscribe_known FROM fans WHERE port_id = ";
    // A fan whose subscription wxhub could not check is tried: WeChat refuses a non-follower
    // (43004), and the recipient is then recorded as failed, not skipped on a guess.
    let read = |row: &AnyRow| -> StoreResult<PortFan> {
        Ok(PortFan {
            open_id: row.text("open_id")?,
            user_id: row.opt_int("user_id")?,
            nickname: row.text("nickname")?,
            subscribed: row.int("subscribe")? == 1 || row.int("subscribe_known")? == 0,
        })
    };
    let mut out = Vec::new();
    match key {
        FanKey::All => {
            let rows = sqlx::query(&format!("{SELECT}$1 ORDER BY id"))
                .bind(port_id)
                .fetch_all(store.reader())
                .await?;
            for row in &rows {
                out.push(read(row)?);
            }
        }
        FanKey::UserIds(ids) => {
            for chunk in ids.chunks(IN_CHUNK) {
                let mut p = Placeholders::new(store.backend);
                let port = p.next();
                let list = chunk
                    .iter()
                    .map(|_| p.next())
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!("{SELECT}{port} AND user_id IN ({list}) ORDER BY id");
                let mut q = sqlx::query(&sql).bind(port_id);
                for id in chunk {
                    q = q.bind(*id);
                }
                for row in &q.fetch_all(store.reader()).await? {
                    out.push(read(row)?);
                }
            }
        }
        FanKey::OpenIds(ids) => {
            let app_id: Option<String> =
                sqlx::query_scalar("SELECT app_id FROM ports WHERE id = $1")
                    .bind(port_id)
                    .fetch_optional(store.reader())
                    .await?;
            let Some(app_id) = app_id else {
                return Ok(out);
            };
            for chunk in ids.chunks(IN_CHUNK) {
                let mut p = Placeholders::new(store.backend);
                let app = p.next();
                let list = chunk
                    .iter()
                    .map(|_| p.next())
                    .collect::<Vec<_>>()
                    .join(", ");
                // By (app_id, open_id), the fans' unique key.
                let sql = format!(
                    "SELECT open_id, user_id, nickname, subscribe, subscribe_known FROM fans \
                     WHERE app_id = {app} \
                     AND open_id IN ({list})"
                );
                let mut q = sqlx::query(&sql).bind(&app_id);
                for id in chunk {
                    q = q.bind(id);
                }
                for row in &q.fetch_all(store.reader()).await? {
                    out.push(read(row)?);
                }
            }
        }
    }
    Ok(out)
}

/// Every recipient of the campaign in id order (the report).
pub async fn all_recipients(store: &Store, campaign_id: i64) -> StoreResult<Vec<RecipientRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {RECIPIENT_COLUMNS} FROM campaign_recipients WHERE campaign_id = $1 ORDER BY id"
    ))
    .bind(campaign_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(recipient_from_row).collect()
}
