//! Group commit for wall posts: a post waits in a queue and a writer task writes what has
//! gathered, many posts to a transaction, so the database pays one commit for many posts. On
//! SQLite, whose writes share one connection, there is one writer; on PostgreSQL several, each
//! serving its share of the members, so that round trips overlap. A member's posts always go
//! to the same writer, in order, and each post's rate limit is checked by the statement that
//! writes it, so concurrent posts of one member never exceed the limit (within an instance).
//! When a batch fails, its posts are written again one by one: one bad post fails alone.

use super::screen_payload;
use crate::activity::events::Hub;
use crate::error::{Error, Result};
use crate::store::activity_events::EventRow;
use crate::store::wall::{self as sql, MessageRow};
use crate::store::{Backend, Store, StoreError};
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most posts one transaction writes.
const BATCH: usize = 256;
/// Posts that may wait for the writer before posting waits too.
const QUEUE: usize = 4096;
/// Writer tasks on PostgreSQL (each holds at most one pooled connection at a time).
const POSTGRES_WRITERS: usize = 4;

/// A post's outcome: the message as written, or None when its member is over the rate limit.
type Written = Result<Option<MessageRow>>;

struct Job {
    message: MessageRow,
    per_minute: i64,
    reply: oneshot::Sender<Written>,
}

/// The handle posts are written through; the tasks behind it live as long as it does.
pub struct PostWriter {
    writers: Vec<mpsc::Sender<Job>>,
    shard: RandomState,
}

impl PostWriter {
    pub fn start(store: Store, hub: Arc<Hub>) -> PostWriter {
        let count = match store.backend {
            Backend::Sqlite => 1,
            Backend::Postgres => POSTGRES_WRITERS,
        };
        let writers = (0..count)
            .map(|_| {
                let (sender, receiver) = mpsc::channel(QUEUE);
                tokio::spawn(run(store.clone(), hub.clone(), receiver));
                sender
            })
            .collect();
        PostWriter {
            writers,
            shard: RandomState::new(),
        }
    }

    /// Writes `message` (and its screen event when approved) unless its member posted
    /// `per_minute` messages in the minute before it.
    pub async fn write(&self, message: MessageRow, per_minute: i64) -> Written {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            message,
            per_minute,
            reply,
        };
        let shard = self
            .shard
            .hash_one((job.message.activity_id, &job.message.member_id));
        let writer = &self.writers[shard as usize % self.writers.len()];
        if writer.send(job).await.is_err() {
            return Err(Error::Unavailable("留言服务正在停止,请稍后再试".into()));
        }
        answer
            .await
            .unwrap_or_else(|_| Err(Error::internal("the wall writer dropped a post")))
    }
}

async fn run(store: Store, hub: Arc<Hub>, mut receiver: mpsc::Receiver<Job>) {
    let mut gathered = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut gathered, BATCH).await > 0 {
        let jobs = std::mem::replace(&mut gathered, Vec::with_capacity(BATCH));
        match write_batch(&store, &hub, &jobs).await {
            Ok(written) => answer(&hub, jobs, written),
            Err(e) if jobs.len() == 1 => {
                if let Some(job) = jobs.into_iter().next() {
                    fail(job, e);
                }
            }
            Err(_) => {
                for job in jobs {
                    match write_batch(&store, &hub, std::slice::from_ref(&job)).await {
                        Ok(written) => answer(&hub, vec![job], written),
                        Err(e) => fail(job, e),
                    }
                }
            }
        }
    }
}

fn fail(job: Job, error: Error) {
    let _ = job.reply.send(Err(error));
}

/// Sends each job its message and the screens their events, after the commit.
fn answer(hub: &Hub, jobs: Vec<Job>, written: Vec<Option<(MessageRow, Option<EventRow>)>>) {
    for (job, outcome) in jobs.into_iter().zip(written) {
        let message = outcome.map(|(message, event)| {
            if let Some(e) = event {
                hub.committed(e);
            }
            message
        });
        let _ = job.reply.send(Ok(message));
    }
}

/// One transaction for all of `jobs`: each message written unless over its rate limit, with
/// its screen event when approved.
async fn write_batch(
    store: &Store,
    hub: &Hub,
    jobs: &[Job],
) -> Result<Vec<Option<(MessageRow, Option<EventRow>)>>> {
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let mut written = Vec::with_capacity(jobs.len());
    for job in jobs {
        let Some(saved) = sql::insert_within_rate(&mut tx, &job.message, job.per_minute).await?
        else {
            written.push(None);
            continue;
        };
        let event = if saved.status == "approved" {
            let payload = screen_payload(&saved);
            Some(
                hub.emit(&mut tx, saved.activity_id, "wall_message", &payload)
                    .await?,
            )
        } else {
            None
        };
        written.push(Some((saved, event)));
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(written)
}
