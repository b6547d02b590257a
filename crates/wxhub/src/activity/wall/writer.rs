//! Group commit for wall posts (store/group.rs): many posts to a transaction, so the database
//! pays one commit for many posts. On SQLite, whose writes share one connection, there is one
//! writer; on PostgreSQL several, each serving its share of the members, so that round trips
//! overlap. A member's posts always go to the same writer, in order, and each post's rate
//! limit is checked by the statement that writes it, so concurrent posts of one member never
//! exceed the limit (within an instance).

use super::screen_payload;
use crate::activity::events::Hub;
use crate::error::Result;
use crate::store::group::GroupCommit;
use crate::store::wall::{self as sql, MessageRow};
use crate::store::{Backend, Store, StoreResult};
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

/// Writer tasks on PostgreSQL (each holds at most one pooled connection at a time).
const POSTGRES_WRITERS: usize = 4;

/// A post to write unless its member posted `per_minute` messages in the minute before it.
struct Post {
    message: MessageRow,
    per_minute: i64,
}

/// The handle posts are written through; the tasks behind it live as long as it does.
pub struct PostWriter {
    writers: Vec<GroupCommit<Post, Option<MessageRow>>>,
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
                let hub = hub.clone();
                GroupCommit::start(
                    store.clone(),
                    Arc::new(move |store, posts| {
                        let hub = hub.clone();
                        Box::pin(async move { write_batch(store, &hub, posts).await })
                    }),
                )
            })
            .collect();
        PostWriter {
            writers,
            shard: RandomState::new(),
        }
    }

    /// Writes `message` (and its screen event when approved) unless its member posted
    /// `per_minute` messages in the minute before it: the message as written, or None when
    /// its member is over the rate limit.
    pub async fn write(&self, message: MessageRow, per_minute: i64) -> Result<Option<MessageRow>> {
        let shard = self
            .shard
            .hash_one((message.activity_id, &message.member_id));
        let writer = &self.writers[shard as usize % self.writers.len()];
        Ok(writer
            .write(Post {
                message,
                per_minute,
            })
            .await?)
    }
}

/// One transaction for all of `posts`: each message written unless over its rate limit, with
/// its screen event when approved; after the commit the events go to the screens.
async fn write_batch(
    store: &Store,
    hub: &Hub,
    posts: &[Post],
) -> StoreResult<Vec<Option<MessageRow>>> {
    let mut tx = store.writer().begin().await?;
    let mut written = Vec::with_capacity(posts.len());
    let mut events = Vec::new();
    for post in posts {
        let saved = sql::insert_within_rate(&mut tx, &post.message, post.per_minute).await?;
        if let Some(saved) = &saved {
            if saved.status == "approved" {
                let payload = screen_payload(saved);
                events.push(
                    hub.emit(&mut tx, saved.activity_id, "wall_message", &payload)
                        .await?,
                );
            }
        }
        written.push(saved);
    }
    tx.commit().await?;
    for e in events {
        hub.committed(e);
    }
    Ok(written)
}
