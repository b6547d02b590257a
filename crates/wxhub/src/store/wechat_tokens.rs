//! SQL for what instances share about WeChat: access tokens (sealed), leases, daily counters.

use super::{RowExt, Store, StoreResult};

pub async fn load(store: &Store, app_id: &str) -> StoreResult<Option<(Vec<u8>, i64)>> {
    let row = sqlx::query("SELECT token, expires_at FROM wechat_tokens WHERE app_id = $1")
        .bind(app_id)
        .fetch_optional(store.reader())
        .await?;
    row.map(|r| {
        Ok((
            r.opt_bytes("token")?.unwrap_or_default(),
            r.int("expires_at")?,
        ))
    })
    .transpose()
}

pub async fn save(
    store: &Store,
    app_id: &str,
    sealed: &[u8],
    expires_at: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO wechat_tokens (app_id, token, expires_at, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (app_id) DO UPDATE SET token = excluded.token, \
         expires_at = excluded.expires_at, updated_at = excluded.updated_at",
    )
    .bind(app_id)
    .bind(sealed)
    .bind(expires_at)
    .bind(now)
    .execute(store.writer())
    .await?;
    Ok(())
}

/// Takes the lease when it is free, expired or already `holder`'s: one statement, so two
/// instances racing for it cannot both win.
pub async fn try_lease(
    store: &Store,
    name: &str,
    holder: &str,
    now: i64,
    ttl_ms: i64,
) -> StoreResult<bool> {
    let row = sqlx::query(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
         WHERE leases.expires_at <= $4 OR leases.holder = excluded.holder \
         RETURNING holder",
    )
    .bind(name)
    .bind(holder)
    .bind(now + ttl_ms)
    .bind(now)
    .fetch_optional(store.writer())
    .await?;
    Ok(row.is_some())
}

pub async fn release_lease(store: &Store, name: &str, holder: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(store.writer())
        .await?;
    Ok(())
}

/// An addition to a daily counter.
#[derive(Debug, Clone)]
pub struct CountAdd {
    pub app_id: String,
    pub counter: &'static str,
    pub day: i64,
    pub n: i64,
}

/// Several additions in the caller's transaction, one statement per counter (their sum); each
/// addition answers the total as if it had been applied alone, in order.
pub async fn add_counts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    adds: &[&CountAdd],
) -> StoreResult<Vec<i64>> {
    let sums = CountSums::of(adds);
    let mut running = Vec::with_capacity(sums.sums.len());
    for (a, sum) in &sums.sums {
        running.push(add_count(&mut **tx, &a.app_id, a.counter, a.day, *sum).await?);
    }
    Ok(sums.totals(adds, running))
}

/// Additions to counters, each counter once with the sum of its additions.
pub struct CountSums<'a> {
    /// Each counter's first addition (for its key) and the sum of its additions.
    pub sums: Vec<(&'a CountAdd, i64)>,
    /// Which of `sums` each addition went to.
    slot: Vec<usize>,
}

impl<'a> CountSums<'a> {
    pub fn of(adds: &[&'a CountAdd]) -> CountSums<'a> {
        let mut sums: Vec<(&CountAdd, i64)> = Vec::new();
        let mut slot = Vec::with_capacity(adds.len());
        for &a in adds {
            match sums.iter().position(|(b, _)| b.key() == a.key()) {
                Some(k) => {
                    sums[k].1 += a.n;
                    slot.push(k);
                }
                None => {
                    slot.push(sums.len());
                    sums.push((a, a.n));
                }
            }
        }
        CountSums { sums, slot }
    }

    /// Each addition's total as if it had been applied alone, in order, from each counter's
    /// final total (`running`, in the order of `sums`).
    pub fn totals(&self, adds: &[&CountAdd], mut running: Vec<i64>) -> Vec<i64> {
        let mut totals = vec![0; adds.len()];
        for (i, a) in adds.iter().enumerate().rev() {
            totals[i] = running[self.slot[i]];
            running[self.slot[i]] -= a.n;
        }
        totals
    }
}

impl CountAdd {
    /// The counter this adds to: app, counter, day.
    pub fn key(&self) -> (&str, &str, i64) {
        (&self.app_id, self.counter, self.day)
    }
}

/// Adds `n` and returns the new total (`n` = 0 reads it).
pub async fn add_count<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    app_id: &str,
    counter: &str,
    day: i64,
    n: i64,
) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO wechat_counters (app_id, counter, day, total) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (app_id, counter, day) DO UPDATE SET total = wechat_counters.total + excluded.total \
         RETURNING total",
    )
    .bind(app_id)
    .bind(counter)
    .bind(day)
    .bind(n)
    .fetch_one(db)
    .await?;
    row.int("total")
}
