//! The live stream for big screens: every join and sign-in is stored as an event (in the same
//! transaction as the member) and pushed to the screens watching the activity. In one process
//! a broadcast channel carries it; with several instances on PostgreSQL the commit's NOTIFY
//! carries it to every instance, each of which hands it to its own screens. A screen that
//! reconnects with Last-Event-ID gets what it missed from the table.

use crate::activity::names::NameDisplay;
use crate::error::{Error, Result};
use crate::platform::values::mask_phone;
use crate::store::activities::{self as members_sql, ActivityRow, MemberRow};
use crate::store::activity_events::{self as sql, EventRow};
use crate::store::group::GroupCommit;
use crate::store::{Backend, Store, StoreError};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Screens that fall this far behind catch up from the table.
const CHANNEL_CAPACITY: usize = 8192;
/// Events replayed per query when a screen (re)connects or catches up.
const REPLAY_BATCH: i64 = 1000;

pub struct Hub {
    sender: broadcast::Sender<Arc<LiveEvent>>,
    backend: Backend,
    /// The PostgreSQL notification channel of this database schema.
    channel: String,
    /// Joins and sign-ins with their events, committed in groups (store/group.rs).
    members: GroupCommit<MemberWrite, (MemberRow, Option<EventRow>)>,
    /// Told of each event as this instance learns of it (see [`Hub::watch`]).
    watchers: std::sync::RwLock<Vec<Watcher>>,
}

/// What a watcher is told: an event with the time (epoch ms) from which it is surely seen in
/// the database — at its commit this instance's clock then; as a notification from another
/// instance, only when it was made (`created_at`: the commit came a little later) — or `None`
/// when events may have been missed (a resync).
pub type Watcher = Arc<dyn Fn(Option<(&EventRow, i64)>) + Send + Sync>;

/// A join or sign-in to record: the member, and what its event shows.
struct MemberWrite {
    member: MemberRow,
    sign_in: bool,
    /// The masked phone the event shows.
    phone: String,
}

impl Hub {
    /// Starts the hub; on PostgreSQL also the task that listens for other instances' events.
    pub async fn start(store: &Store, database_url: &str) -> std::result::Result<Arc<Hub>, String> {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        let channel = match store.backend {
            Backend::Sqlite => String::new(),
            Backend::Postgres => {
                let schema = sql::current_schema(store)
                    .await
                    .map_err(|e| e.to_string())?;
                let clean: String = schema
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                format!("wxhub_events_{clean}")
            }
        };
        let hub = Arc::new_cyclic(|weak: &std::sync::Weak<Hub>| {
            let weak = weak.clone();
            Hub {
                sender,
                backend: store.backend,
                channel,
                members: GroupCommit::start(
                    store.clone(),
                    Arc::new(move |store, writes| {
                        let hub = weak.clone();
                        Box::pin(async move { write_members(store, hub, writes).await })
                    }),
                ),
                watchers: Default::default(),
            }
        });
        if store.backend == Backend::Postgres {
            let mut listener = sqlx::postgres::PgListener::connect(database_url)
                .await
                .map_err(|e| format!("cannot listen for activity events: {e}"))?;
            listener
                .listen(&hub.channel)
                .await
                .map_err(|e| format!("cannot listen for activity events: {e}"))?;
            let (store, weak) = (store.clone(), Arc::downgrade(&hub));
            let url = database_url.to_string();
            tokio::spawn(listen(listener, url, store, weak));
        }
        Ok(hub)
    }

    /// Tells every stream to read on from the table: events were committed while this
    /// instance could not hear their notifications.
    fn resync(&self) {
        self.tell(None);
        let _ = self.sender.send(Arc::new(LiveEvent {
            row: EventRow::default(),
            sse: std::sync::OnceLock::new(),
            screen_sse: Default::default(),
            resync: true,
        }));
    }

    /// Has `watcher` told of every event this instance learns of, as it learns of it: its own
    /// at their commit, in the writer's task (so a read after the write sees its effect), and
    /// on PostgreSQL every instance's as it arrives (its own a second time). For caches that
    /// an event makes stale; a watcher must be quick.
    pub fn watch(&self, watcher: Watcher) {
        self.watchers.write().unwrap().push(watcher);
    }

    fn tell(&self, event: Option<(&EventRow, i64)>) {
        for watcher in self.watchers.read().unwrap().iter() {
            watcher(event);
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.sender.subscribe()
    }

    /// Records an event in the caller's transaction (see [`Hub::committed`]).
    pub async fn emit(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        activity_id: i64,
        kind: &str,
        payload: &serde_json::Value,
    ) -> crate::store::StoreResult<EventRow> {
        sql::insert(
            tx,
            self.backend,
            &self.channel,
            activity_id,
            kind,
            &payload.to_string(),
            crate::time::now_ms(),
        )
        .await
    }

    /// After the commit: on SQLite the event goes to this process's screens now; on PostgreSQL
    /// it comes back through LISTEN, to this instance as to the others, exactly once each.
    pub fn committed(&self, event: EventRow) {
        self.tell(Some((&event, crate::time::now_ms())));
        if self.backend == Backend::Sqlite {
            let _ = self.sender.send(LiveEvent::new(event));
        }
    }
}

/// The LISTEN connection's task (PostgreSQL): hands each notified event to this instance's
/// streams. When the connection is lost (PostgreSQL restarted, the network cut), it connects
/// and listens again, retrying every half second, and then has every stream read on from the
/// table what was committed while nobody was listening.
async fn listen(
    mut listener: sqlx::postgres::PgListener,
    url: String,
    store: Store,
    weak: std::sync::Weak<Hub>,
) {
    loop {
        let notification = match listener.try_recv().await {
            Ok(Some(n)) => n,
            lost => {
                if let Err(e) = lost {
                    tracing::warn!(error = %e, "activity event listener failed");
                }
                let Some(channel) = weak.upgrade().map(|hub| hub.channel.clone()) else {
                    return;
                };
                tracing::warn!("activity event listener: connection lost, reconnecting");
                listener = loop {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    if weak.strong_count() == 0 {
                        return;
                    }
                    match sqlx::postgres::PgListener::connect(&url).await {
                        Ok(mut l) => match l.listen(&channel).await {
                            Ok(()) => break l,
                            Err(e) => tracing::debug!(error = %e, "cannot listen yet"),
                        },
                        Err(e) => tracing::debug!(error = %e, "cannot reconnect yet"),
                    }
                };
                tracing::info!("activity event listener: listening again");
                let Some(hub) = weak.upgrade() else { return };
                hub.resync();
                continue;
            }
        };
        let Some(hub) = weak.upgrade() else { return };
        for line in sql::from_notifications(notification.payload()) {
            let id = match line {
                Ok(event) => {
                    hub.tell(Some((&event, event.created_at)));
                    let _ = hub.sender.send(LiveEvent::new(event));
                    continue;
                }
                Err(Some(id)) => id,
                Err(None) => continue,
            };
            // Too large to travel whole: read it back.
            match sql::get(&store, id).await {
                Ok(Some(event)) => {
                    hub.tell(Some((&event, event.created_at)));
                    let _ = hub.sender.send(LiveEvent::new(event));
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "activity event {id} unreadable")
                }
            }
        }
    }
}

/// An event as the streams hand it on: its Server-Sent Events text is made once, by the first
/// stream that writes it, and shared by all the others (500 screens, one formatting).
pub struct LiveEvent {
    pub row: EventRow,
    sse: std::sync::OnceLock<bytes::Bytes>,
    /// The text a screen key's stream writes, per name display: what a screen shows, or
    /// nothing.
    screen_sse: [std::sync::OnceLock<Option<bytes::Bytes>>; 3],
    /// Not an event: the hub missed notifications (see [`listen`]), read on from the table.
    resync: bool,
}

impl LiveEvent {
    pub fn new(row: EventRow) -> Arc<LiveEvent> {
        Arc::new(LiveEvent {
            row,
            sse: std::sync::OnceLock::new(),
            screen_sse: Default::default(),
            resync: false,
        })
    }

    /// `id`, `event`, and the payload as `data` lines, with the blank line that ends it.
    pub fn sse(&self) -> &bytes::Bytes {
        self.sse
            .get_or_init(|| sse_text(self.row.id, &self.row.kind, &self.row.payload))
    }

    /// The event as a screen key's stream writes it, naming people as `shown` says
    /// ([`for_screen`]); `None` when a screen is not to see it at all.
    pub fn screen_sse(&self, shown: NameDisplay) -> Option<&bytes::Bytes> {
        self.screen_sse[shown.index()]
            .get_or_init(|| {
                let payload = for_screen(&self.row.kind, &self.row.payload, shown)?;
                Some(sse_text(self.row.id, &self.row.kind, &payload))
            })
            .as_ref()
    }
}

fn sse_text(id: i64, kind: &str, payload: &str) -> bytes::Bytes {
    use std::fmt::Write;
    let mut out = format!("id: {id}\nevent: {kind}\n");
    for line in payload.lines() {
        let _ = writeln!(out, "data: {line}");
    }
    out.push('\n');
    bytes::Bytes::from(out)
}

/// What a screen opened with the screen key alone sees of an event: only what the screens
/// show, people named as the activity's display says (`name`: full, masked or empty for the
/// nickname alone; the stored real name itself never leaves). Arrivals and wall messages lose
/// the member's id (a `seed` for the avatar's colour stands in for it), the WeChat avatar's
/// address and the phone; the lottery's public record (commitments, draws, absences, resets),
/// the wall's style and a new name display pass; anything else — a designated winner before
/// its draw, an event a later version adds — is not sent. The org token's stream keeps
/// everything.
pub fn for_screen(kind: &str, payload: &str, shown: NameDisplay) -> Option<String> {
    let value = serde_json::from_str(payload).ok()?;
    for_screen_value(kind, value, shown).map(|shown| shown.to_string())
}

/// [`for_screen`] on a payload already in hand (a screen's first state, read from the
/// database): the same allow-list.
pub fn for_screen_value(
    kind: &str,
    payload: serde_json::Value,
    shown: NameDisplay,
) -> Option<serde_json::Value> {
    const ARRIVAL: &[&str] = &["activity_id", "nickname", "avatar", "name", "time"];
    const MESSAGE: &[&str] = &[
        "activity_id",
        "message_id",
        "nickname",
        "avatar",
        "content",
        "pinned",
        "time",
    ];
    let kept = match kind {
        "signin" | "join" => ARRIVAL,
        "wall_message" | "wall_pin" | "wall_remove" => MESSAGE,
        "lottery_commit" | "lottery_draw" => return Some(lottery_names(payload, shown)),
        "wall_settings" | "lottery_absent" | "lottery_reset" | "vote_ballot" | "vote_status"
        | "vote_options" | "vote_settings" | "quiz_questions" | "quiz_open" | "quiz_close"
        | "quiz_answer" | "shake_status" | "shake_settings" | SCREEN_SETTINGS => {
            return Some(payload)
        }
        _ => return None,
    };
    let serde_json::Value::Object(mut all) = payload else {
        return None;
    };
    let mut out = serde_json::Map::new();
    for key in kept {
        if let Some(v) = all.remove(*key) {
            out.insert((*key).to_string(), v);
        }
    }
    // Events stored before the display existed carry only the masked name.
    if let Some(real) = all.get("real_name").and_then(|n| n.as_str()) {
        out.insert("name".into(), shown.name(real).into());
    } else if shown == NameDisplay::Nickname && out.contains_key("name") {
        out.insert("name".into(), "".into());
    }
    if let Some(member) = all.get("member_id").and_then(|m| m.as_str()) {
        out.insert("seed".into(), screen_seed(member).into());
    }
    Some(serde_json::Value::Object(out))
}

/// A commitment's rolling names and a draw's winners as the display names them: each
/// `people` entry (`[real name, nickname]`) of a commitment becomes one of its `names`, each
/// winner's `real_name` its `name`; the real names themselves are dropped.
fn lottery_names(mut payload: serde_json::Value, shown: NameDisplay) -> serde_json::Value {
    let Some(all) = payload.as_object_mut() else {
        return payload;
    };
    if let Some(people) = all.remove("people") {
        let names: Vec<String> = people
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let real = p.get(0)?.as_str()?;
                let nickname = p.get(1)?.as_str()?;
                Some(shown.shown(real, nickname))
            })
            .filter(|n| !n.is_empty())
            .collect();
        all.insert("names".into(), names.into());
    }
    if let Some(winners) = all.get_mut("winners").and_then(|w| w.as_array_mut()) {
        for winner in winners.iter_mut().filter_map(|w| w.as_object_mut()) {
            if let Some(real) = winner.remove("real_name") {
                let real = real.as_str().unwrap_or_default();
                winner.insert("name".into(), shown.name(real).into());
            }
        }
    }
    payload
}

/// A stand-in for a member's id on screens: stable (the same colour every time), telling
/// nothing of the id.
fn screen_seed(member_id: &str) -> String {
    crate::crypto::hex(&crate::crypto::sha256(member_id.as_bytes()))[..12].to_string()
}

/// What a screen shows as a person's name: the masked real name, else the nickname.
pub fn shown_name(real_name: &str, nickname: &str) -> String {
    match crate::privacy::mask_name(real_name) {
        masked if !masked.is_empty() => masked,
        _ => nickname.to_string(),
    }
}

/// Writes the member and, when this is its first join or first sign-in, the event; then hands
/// the event to the screens. Joins arriving together share one transaction (group commit):
/// each caller is answered after the commit that holds its write.
pub async fn record_member(
    hub: &Hub,
    activity: &ActivityRow,
    member: &MemberRow,
    sign_in: bool,
    phone: Option<&str>,
) -> Result<MemberRow> {
    let mut member = member.clone();
    member.activity_id = activity.id;
    let (saved, _) = hub
        .members
        .write(MemberWrite {
            member,
            sign_in,
            phone: phone.map(mask_phone).unwrap_or_default(),
        })
        .await?;
    Ok(saved)
}

/// One transaction for a group of joins: each member upserted, each first join or first
/// sign-in with its event. The group is written activity by activity (on PostgreSQL each
/// activity's event lock is then taken in one order by every instance, so two groups cannot
/// deadlock); after the commit the events go to the screens in the order of their ids.
async fn write_members(
    store: &Store,
    hub: std::sync::Weak<Hub>,
    writes: &[MemberWrite],
) -> crate::store::StoreResult<Vec<(MemberRow, Option<EventRow>)>> {
    let hub = hub
        .upgrade()
        .ok_or_else(|| StoreError::Stopped("the event hub has stopped".into()))?;
    let mut order: Vec<usize> = (0..writes.len()).collect();
    order.sort_by_key(|&i| writes[i].member.activity_id);
    let now = crate::time::now_ms();
    let mut tx = store.writer().begin().await?;
    let mut written: Vec<Option<(MemberRow, Option<EventRow>)>> = vec![None; writes.len()];
    // The events to write, in the writes' order (sorted by activity): which write, its kind
    // and payload.
    let mut pending: Vec<(usize, i64, &str, String)> = Vec::new();
    for i in order {
        let w = &writes[i];
        let upserted = members_sql::upsert_member(&mut tx, &w.member, w.sign_in, now).await?;
        let kind = if upserted.signed_in {
            Some("signin")
        } else if upserted.joined {
            Some("join")
        } else {
            None
        };
        let saved = upserted.member;
        if let Some(kind) = kind {
            let payload = json!({
                "activity_id": saved.activity_id,
                "member_id": saved.member_id,
                "nickname": saved.nickname,
                "icon": saved.icon,
                "avatar": super::avatars::path_for(&saved.icon, &shown_name(&saved.real_name, &saved.nickname)),
                "name": crate::privacy::mask_name(&saved.real_name),
                "real_name": saved.real_name,
                "phone": w.phone,
                "time": now,
            })
            .to_string();
            pending.push((i, saved.activity_id, kind, payload));
        }
        written[i] = Some((saved, None));
    }
    // Each activity's events: its lock (in ascending order of activities), then one statement.
    for same in pending.chunk_by(|a, b| a.1 == b.1) {
        let activity_id = same[0].1;
        sql::lock_events(&mut tx, store.backend, activity_id).await?;
        let events: Vec<(&str, &str)> = same.iter().map(|p| (p.2, p.3.as_str())).collect();
        let saved =
            sql::insert_many_locked(&mut tx, store.backend, activity_id, &events, now).await?;
        for ((i, ..), event) in same.iter().zip(saved) {
            if let Some((_, slot)) = written[*i].as_mut() {
                *slot = Some(event);
            }
        }
    }
    let written: Vec<(MemberRow, Option<EventRow>)> = written.into_iter().flatten().collect();
    let mut events: Vec<EventRow> = written.iter().filter_map(|(_, e)| e.clone()).collect();
    events.sort_by_key(|e| e.id);
    if store.backend == Backend::Postgres {
        // The whole group in as few notifications as fit it (usually one).
        sql::notify_all(&mut tx, &hub.channel, &events).await?;
    }
    tx.commit().await?;
    for e in events {
        hub.committed(e);
    }
    Ok(written)
}

/// The event kind that tells an activity's open screens how they now name people and look
/// (`{activity_id, name_display, theme}`): each reloads.
pub const SCREEN_SETTINGS: &str = "screen_settings";

/// Tells the activity's open screens that they now name people or look another way (the
/// [`SCREEN_SETTINGS`] event): each reloads and shows everyone the new way. Best effort: the
/// change itself is saved already, and a screen opened later reads it anyway.
pub async fn announce_screen_settings(
    store: &Store,
    hub: &Hub,
    activity_id: i64,
    names: NameDisplay,
    theme: crate::activity::themes::Theme,
) {
    let payload = json!({"activity_id": activity_id, "name_display": names.as_str(),
                         "theme": theme.as_str()});
    let sent = async {
        let mut tx = store.writer().begin().await?;
        let event = hub
            .emit(&mut tx, activity_id, SCREEN_SETTINGS, &payload)
            .await?;
        tx.commit().await?;
        hub.committed(event);
        Ok::<_, StoreError>(())
    };
    if let Err(e) = sent.await {
        tracing::warn!(activity_id, error = %e, "could not tell the screens of new settings");
    }
}

/// A new screen key for the activity (shown once; only its hash is kept).
pub async fn rotate_screen_key(store: &Store, activity_id: i64) -> Result<String> {
    let key = wechat::crypto::random_alnum(32);
    let hash = crate::crypto::hex(&crate::crypto::sha256(key.as_bytes()));
    sql::set_screen_key(store, activity_id, &hash).await?;
    Ok(key)
}

pub async fn check_screen_key(store: &Store, activity_id: i64, key: &str) -> Result<()> {
    let hash = crate::crypto::hex(&crate::crypto::sha256(key.as_bytes()));
    match sql::screen_key(store, activity_id).await? {
        Some(stored) if crate::crypto::constant_time_eq(stored.as_bytes(), hash.as_bytes()) => {
            Ok(())
        }
        _ => Err(Error::Unauthorized("大屏密钥无效".into())),
    }
}

/// What a screen's stream yields: events of one activity, replayed from `after` then live.
pub struct Stream {
    store: Store,
    activity_id: i64,
    /// The highest id sent; live events at or below the replayed ones are not sent twice.
    last_id: i64,
    replayed_to: i64,
    backlog: VecDeque<Arc<LiveEvent>>,
    receiver: broadcast::Receiver<Arc<LiveEvent>>,
    /// The channel dropped events while a batch was being gathered: catch up from the table
    /// before reading it again.
    lagged: bool,
}

impl Stream {
    /// Subscribes first, then reads the backlog, so nothing falls between the two.
    pub async fn open(store: &Store, hub: &Hub, activity_id: i64, after: i64) -> Result<Stream> {
        let receiver = hub.subscribe();
        let backlog: VecDeque<Arc<LiveEvent>> = sql::after(store, activity_id, after, REPLAY_BATCH)
            .await?
            .into_iter()
            .map(LiveEvent::new)
            .collect();
        let replayed_to = backlog.back().map_or(after, |e| e.row.id);
        Ok(Stream {
            store: store.clone(),
            activity_id,
            last_id: after,
            replayed_to,
            backlog,
            receiver,
            lagged: false,
        })
    }

    /// The next event, or `None` when the hub is gone. Cancel-safe: an event leaves the
    /// backlog only when it is returned, so a caller may race this against a timer.
    pub async fn next(&mut self) -> Option<Arc<LiveEvent>> {
        loop {
            if let Some(e) = self.ready() {
                return Some(e);
            }
            if let Some(front) = self.backlog.front() {
                // The last of a replay batch: a full batch may mean more, read on first.
                let from = front.row.id;
                if let Ok(more) =
                    sql::after(&self.store, self.activity_id, from, REPLAY_BATCH).await
                {
                    if let Some(last) = more.last() {
                        self.replayed_to = last.id;
                    }
                    self.backlog.extend(more.into_iter().map(LiveEvent::new));
                }
                let e = self.backlog.pop_front()?;
                return Some(self.sent(e));
            }
            if self.lagged {
                self.catch_up().await;
                continue;
            }
            match self.receiver.recv().await {
                Ok(e) if e.resync => self.catch_up().await,
                Ok(e) if self.wants(&e) => return Some(self.sent(e)),
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up().await,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next events: the first as [`Stream::next`] waits for it, then whatever else is
    /// ready now, up to `max`, so that a burst (a group of sign-ins) is written to the screen
    /// at once. Cancel-safe as `next` is: nothing is taken after the first await.
    pub async fn next_batch(&mut self, max: usize) -> Option<Vec<Arc<LiveEvent>>> {
        let first = self.next().await?;
        let mut batch = vec![first];
        while batch.len() < max {
            match self.ready() {
                Some(e) => batch.push(e),
                None => break,
            }
        }
        Some(batch)
    }

    /// A live event of this activity not replayed already.
    fn wants(&self, e: &LiveEvent) -> bool {
        e.row.activity_id == self.activity_id && e.row.id > self.replayed_to
    }

    /// Notes `e` as sent.
    fn sent(&mut self, e: Arc<LiveEvent>) -> Arc<LiveEvent> {
        self.last_id = self.last_id.max(e.row.id);
        e
    }

    /// An event available without waiting: from the backlog (unless it must first be read on
    /// from the table) or from the channel.
    fn ready(&mut self) -> Option<Arc<LiveEvent>> {
        if let Some(front) = self.backlog.front() {
            if self.backlog.len() == 1 && front.row.id == self.replayed_to {
                return None;
            }
            let e = self.backlog.pop_front()?;
            return Some(self.sent(e));
        }
        if self.lagged {
            return None;
        }
        loop {
            match self.receiver.try_recv() {
                Ok(e) if e.resync => {
                    self.lagged = true;
                    return None;
                }
                Ok(e) if self.wants(&e) => return Some(self.sent(e)),
                Ok(_) => continue,
                Err(broadcast::error::TryRecvError::Lagged(_)) => {
                    self.lagged = true;
                    return None;
                }
                Err(_) => return None,
            }
        }
    }

    /// Fell behind the channel: catch up from the table.
    async fn catch_up(&mut self) {
        self.lagged = false;
        let more = sql::after(&self.store, self.activity_id, self.last_id, REPLAY_BATCH)
            .await
            .unwrap_or_default();
        if let Some(last) = more.last() {
            self.replayed_to = self.replayed_to.max(last.id);
        }
        self.backlog.extend(more.into_iter().map(LiveEvent::new));
    }
}
