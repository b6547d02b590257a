//! Group commit: a write waits in a queue and a writer task writes what has gathered, many
//! writes to one transaction, so the database pays one commit (and, on SQLite, one turn of
//! its single writer connection) for many. Each caller still waits for its own write to be
//! committed before it goes on, so nothing is acknowledged before it is durable. When a group
//! fails, its writes are tried again one by one: one bad write fails alone.

use super::{Store, StoreError, StoreResult};
use futures_util::future::BoxFuture;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most writes one transaction takes.
const GROUP: usize = 256;
/// Writes that may wait for the writer before a caller waits to enqueue.
const QUEUE: usize = 4096;

/// Writes a group in one transaction: one answer per job, in order.
pub type WriteGroup<J, R> =
    Arc<dyn for<'a> Fn(&'a Store, &'a [J]) -> BoxFuture<'a, StoreResult<Vec<R>>> + Send + Sync>;

struct Job<J, R> {
    job: J,
    reply: oneshot::Sender<StoreResult<R>>,
}

/// The handle writes are queued through; the writer task lives as long as it does.
pub struct GroupCommit<J, R> {
    sender: mpsc::Sender<Job<J, R>>,
}

impl<J: Send + Sync + 'static, R: Send + 'static> GroupCommit<J, R> {
    pub fn start(store: Store, write: WriteGroup<J, R>) -> GroupCommit<J, R> {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, write, receiver));
        GroupCommit { sender }
    }

    /// Queues `job` and waits until the group holding it is committed.
    pub async fn write(&self, job: J) -> StoreResult<R> {
        let (reply, answer) = oneshot::channel();
        if self.sender.send(Job { job, reply }).await.is_err() {
            return Err(StoreError::Stopped("the group writer has stopped".into()));
        }
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Stopped(
                "the group writer dropped a write".into(),
            ))
        })
    }
}

async fn run<J: Send + Sync, R: Send>(
    store: Store,
    write: WriteGroup<J, R>,
    mut receiver: mpsc::Receiver<Job<J, R>>,
) {
    let mut gathered = Vec::with_capacity(GROUP);
    while receiver.recv_many(&mut gathered, GROUP).await > 0 {
        let jobs = std::mem::replace(&mut gathered, Vec::with_capacity(GROUP));
        let (inputs, replies): (Vec<J>, Vec<_>) =
            jobs.into_iter().map(|j| (j.job, j.reply)).unzip();
        match write(&store, &inputs).await {
            Ok(answers) if answers.len() == inputs.len() => {
                for (reply, answer) in replies.into_iter().zip(answers) {
                    let _ = reply.send(Ok(answer));
                }
            }
            Ok(_) => {
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Corrupt(
                        "a group write answered the wrong number of rows".into(),
                    )));
                }
            }
            Err(e) if inputs.len() == 1 => {
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(_) => {
                for (input, reply) in inputs.iter().zip(replies) {
                    let answer =
                        write(&store, std::slice::from_ref(input))
                            .await
                            .and_then(|mut a| {
                                a.pop()
                                    .ok_or_else(|| StoreError::Corrupt("no answer".into()))
                            });
                    let _ = reply.send(answer);
                }
            }
        }
    }
}
