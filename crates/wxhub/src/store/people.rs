//! SQL for one person's data (PIPL Art. 45, 47): finding every row that holds something of
//! theirs — across an org, or across the platform — and erasing their personal fields in one
//! transaction.
//!
//! A person is found from one identifier (a phone's fingerprints, a unionId, an openId or a
//! member id) and then through what links rows to rows: unified users to their fans (openIds),
//! user ids to the activity members they joined as, members and imported entries to their wins
//! and posts. [`TABLES`] names every table with a personal column and what becomes of it;
//! tests/api/people.rs fails when a table of the schema has a personal column it does not name.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use std::collections::BTreeSet;

/// What an erasure does to a table with a personal column.
pub enum Treatment {
    /// Its personal columns are blanked; the row stays (counts, ids the records hold).
    Blanked,
    /// Its rows of the person are deleted.
    Deleted,
    /// Read and exported, but kept: it holds pseudonymous ids only (openIds, member ids), which
    /// published draw records, deduplication or the audit need.
    KeptIds,
    /// Not a person's data: the column names something else (a prize, a meeting, a staff
    /// account) or holds no one's identity.
    NotPersonal,
}

/// Every table that has a column whose name says it may hold a person's data, with what
/// an erasure does to it. A new such table must be added here (see the module's note).
pub const TABLES: &[(&str, Treatment)] = &[
    ("unified_users", Treatment::Blanked),
    ("fans", Treatment::Blanked),
    ("activity_members", Treatment::Blanked),
    ("meeting_members", Treatment::Deleted),
    ("lottery_participants", Treatment::Blanked),
    ("wall_messages", Treatment::Blanked),
    ("campaign_recipients", Treatment::Blanked),
    ("message_sends", Treatment::Blanked),
    ("activity_events", Treatment::Blanked),
    ("lottery_designated", Treatment::Blanked),
    ("avatars", Treatment::Deleted),
    ("lottery_winners", Treatment::KeptIds),
    ("lottery_tags", Treatment::KeptIds),
    ("lottery_rounds", Treatment::KeptIds),
    ("lottery_id_runs", Treatment::KeptIds),
    ("lottery_audit", Treatment::KeptIds),
    ("vote_ballots", Treatment::KeptIds),
    ("quiz_answers", Treatment::KeptIds),
    ("shake_totals", Treatment::KeptIds),
    ("access_logs", Treatment::KeptIds),
    ("callback_events", Treatment::KeptIds),
    ("message_sends_known", Treatment::KeptIds),
    ("console_audit", Treatment::KeptIds),
    ("orgs", Treatment::NotPersonal),
    ("ports", Treatment::NotPersonal),
    ("meetings", Treatment::NotPersonal),
    ("courses", Treatment::NotPersonal),
    ("activities", Treatment::NotPersonal),
    ("prizes", Treatment::NotPersonal),
    ("message_contents", Treatment::NotPersonal),
    ("campaigns", Treatment::NotPersonal),
    ("accounts", Treatment::NotPersonal),
    ("applications", Treatment::NotPersonal),
    ("clients", Treatment::NotPersonal),
    ("leases", Treatment::NotPersonal),
    ("scan_codes", Treatment::NotPersonal),
    ("channel_codes", Treatment::NotPersonal),
    ("materials", Treatment::NotPersonal),
    ("menus", Treatment::NotPersonal),
];

/// Who is looked for: one identifier, as the database compares it.
#[derive(Debug, Clone)]
pub enum Key {
    /// A phone's fingerprints: as activities, rosters and imports keep it, and as unified
    /// users keep it.
    Phone {
        member: String,
        user: String,
    },
    UnionId(String),
    OpenId(String),
    /// An activity member's or imported entry's id (an org token's own ids, imp:编号).
    MemberId(String),
}

/// Where to look: one org's activities, rosters, ports and campaigns, or the whole platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Org(i64),
    Platform,
}

impl Scope {
    /// Bound as the queries' `$2`: 0 for the platform.
    fn bind(self) -> i64 {
        match self {
            Scope::Org(id) => id,
            Scope::Platform => 0,
        }
    }
}

/// A cell of what was found, as stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Milliseconds since the epoch, or none.
    Time(Option<i64>),
    /// A sealed phone and the context it is sealed under.
    Phone(&'static str, Option<Vec<u8>>),
}

/// One kind of row that held something of the person's.
#[derive(Debug, Clone)]
pub struct Section {
    pub key: &'static str,
    pub title: &'static str,
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Clone, Copy)]
enum Kind {
    Text,
    /// A stored code shown in words (an unknown code as it is).
    Code(&'static [(&'static str, &'static str)]),
    Int,
    Time,
    Phone(&'static str),
}

fn cells(row: &AnyRow, spec: &[(&str, Kind)]) -> StoreResult<Vec<Cell>> {
    spec.iter()
        .map(|(col, kind)| {
            Ok(match kind {
                Kind::Text => Cell::Text(row.opt_text(col)?.unwrap_or_default()),
                Kind::Code(words) => {
                    let code = row.opt_text(col)?.unwrap_or_default();
                    let word = words.iter().find(|(c, _)| *c == code).map(|(_, w)| *w);
                    Cell::Text(word.map_or(code, str::to_string))
                }
                Kind::Int => {
                    Cell::Text(row.opt_int(col)?.map(|i| i.to_string()).unwrap_or_default())
                }
                Kind::Time => Cell::Time(row.opt_int(col)?),
                Kind::Phone(context) => Cell::Phone(context, row.opt_bytes(col)?),
            })
        })
        .collect()
}

/// The ids that tie the person's rows together.
#[derive(Debug, Default, Clone)]
pub struct Ids {
    pub users: BTreeSet<i64>,
    pub open_ids: BTreeSet<String>,
    /// (activity, member id) of activity members and imported entries.
    pub members: BTreeSet<(i64, String)>,
    /// The member fingerprint of a phone looked for (rosters are found only by phone).
    pub phone: Option<String>,
}

/// The rows of `sql` with the value looked for as `$1` and the scope as `$2`.
async fn fetch(
    conn: &mut AnyConnection,
    sql: &str,
    value: &str,
    scope: Scope,
) -> StoreResult<Vec<AnyRow>> {
    Ok(sqlx::query(sql)
        .bind(value)
        .bind(scope.bind())
        .fetch_all(&mut *conn)
        .await?)
}

/// Column `v` of each row, where it is set.
async fn ints(
    conn: &mut AnyConnection,
    sql: &str,
    value: &str,
    scope: Scope,
) -> StoreResult<Vec<i64>> {
    let rows = fetch(conn, sql, value, scope).await?;
    rows.iter()
        .map(|r| r.opt_int("v"))
        .filter_map(|v| v.transpose())
        .collect()
}

/// Column `v` of each row, where it is not empty.
async fn texts(
    conn: &mut AnyConnection,
    sql: &str,
    value: &str,
    scope: Scope,
) -> StoreResult<Vec<String>> {
    let rows = fetch(conn, sql, value, scope).await?;
    rows.iter()
        .map(|r| r.text("v"))
        .filter(|v| !matches!(v, Ok(s) if s.is_empty()))
        .collect()
}

/// Columns `a` (an activity) and `m` (a member id) of each row.
async fn pairs(
    conn: &mut AnyConnection,
    sql: &str,
    value: &str,
    scope: Scope,
) -> StoreResult<Vec<(i64, String)>> {
    let rows = fetch(conn, sql, value, scope).await?;
    rows.iter()
        .map(|r| Ok((r.int("a")?, r.text("m")?)))
        .collect()
}

const IN_ORG_ACTIVITY: &str = "($2 = 0 OR a.org_id = $2)";
const MEMBERS_OF: &str = "SELECT m.activity_id AS a, m.member_id AS m FROM activity_members m \
    JOIN activities a ON a.id = m.activity_id WHERE ";
const ENTRIES_OF: &str = "SELECT p.activity_id AS a, p.participant_id AS m \
    FROM lottery_participants p JOIN activities a ON a.id = p.activity_id WHERE ";

/// Resolves the person's ids from one identifier, within the scope.
pub async fn resolve(conn: &mut AnyConnection, key: &Key, scope: Scope) -> StoreResult<Ids> {
    // Unified users and fans are the platform's: looked up everywhere, and their rows shown
    // only where the scope has them (see `find`).
    const ANY: Scope = Scope::Platform;
    let mut ids = Ids::default();
    let mut member_texts: Vec<String> = Vec::new();
    match key {
        Key::Phone { member, user } => {
            ids.phone = Some(member.clone());
            ids.users.extend(
                ints(
                    conn,
                    "SELECT id AS v FROM unified_users WHERE phone_hash = $1 AND $2 = 0",
                    user,
                    ANY,
                )
                .await?,
            );
            for sql in [
                format!("{MEMBERS_OF} m.phone_hash = $1 AND {IN_ORG_ACTIVITY}"),
                format!("{ENTRIES_OF} p.phone_hash = $1 AND {IN_ORG_ACTIVITY}"),
            ] {
                ids.members.extend(pairs(conn, &sql, member, scope).await?);
            }
        }
        Key::UnionId(union_id) => {
            ids.users.extend(
                ints(
                    conn,
                    "SELECT id AS v FROM unified_users WHERE union_id = $1 AND $2 = 0",
                    union_id,
                    ANY,
                )
                .await?,
            );
            ids.open_ids.extend(
                texts(
                    conn,
                    "SELECT open_id AS v FROM fans WHERE union_id = $1 AND $2 = 0",
                    union_id,
                    ANY,
                )
                .await?,
            );
        }
        Key::OpenId(open_id) => {
            ids.open_ids.insert(open_id.clone());
            ids.users.extend(
                ints(
                    conn,
                    "SELECT user_id AS v FROM fans WHERE open_id = $1 AND $2 = 0",
                    open_id,
                    ANY,
                )
                .await?,
            );
        }
        Key::MemberId(member_id) => member_texts.push(member_id.clone()),
    }
    for user in ids.users.clone() {
        let rows = sqlx::query("SELECT open_id FROM fans WHERE user_id = $1")
            .bind(user)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            ids.open_ids.insert(r.text("open_id")?);
        }
        member_texts.push(user.to_string());
    }
    for id in member_texts {
        for sql in [
            format!("{MEMBERS_OF} m.member_id = $1 AND {IN_ORG_ACTIVITY}"),
            format!("{ENTRIES_OF} p.participant_id = $1 AND {IN_ORG_ACTIVITY}"),
        ] {
            ids.members.extend(pairs(conn, &sql, &id, scope).await?);
        }
    }
    Ok(ids)
}

const SOURCES: &[(&str, &str)] = &[
    ("wx", "H5 页面"),
    ("course", "课程同步"),
    ("import", "导入"),
];
const POST_STATES: &[(&str, &str)] = &[
    ("pending", "待审核"),
    ("approved", "已上墙"),
    ("rejected", "未通过"),
    ("removed", "已撤下"),
];
const WIN_STATES: &[(&str, &str)] = &[
    ("won", "中奖"),
    ("absent", "未到场(已补抽)"),
    ("reset", "轮次已重置"),
];
const SEND_STATES: &[(&str, &str)] = &[
    ("pending", "发送中"),
    ("sending", "发送中"),
    ("sent", "已发送"),
    ("failed", "失败"),
    ("skipped", "已跳过"),
    ("unknown", "结果未知"),
];

/// Rows of one section for each value: `sql` binds the value as `$1` and the scope as `$2`,
/// or (`by_member`) the activity as `$1`, the member as `$2`.
struct Query {
    key: &'static str,
    title: &'static str,
    columns: &'static [&'static str],
    sql: &'static str,
    spec: &'static [(&'static str, Kind)],
}

const USERS: Query = Query {
    key: "users",
    title: "统一用户",
    columns: &["用户ID", "unionId", "手机号", "创建时间"],
    sql: "SELECT id, union_id, phone, created_at FROM unified_users WHERE id = $1 AND $2 = $2",
    spec: &[
        ("id", Kind::Int),
        ("union_id", Kind::Text),
        ("phone", Kind::Phone("unified_users.phone")),
        ("created_at", Kind::Time),
    ],
};

const ORG_PORTS: &str = "($2 = 0 OR port_id IN (SELECT port_id FROM org_ports WHERE org_id = $2))";

const FANS: Query = Query {
    key: "fans",
    title: "公众号粉丝",
    columns: &[
        "公众号 AppID",
        "openId",
        "unionId",
        "用户ID",
        "昵称",
        "性别",
        "国家",
        "省份",
        "城市",
        "语言",
        "关注(1 是)",
        "备注",
        "头像",
        "记录时间",
    ],
    sql: "SELECT app_id, open_id, union_id, user_id, nickname, sex_desc, country, province, city, \
          language, subscribe, remark, head_img_url, created_at FROM fans WHERE open_id = $1 \
          AND ($2 = 0 OR port_id IN (SELECT port_id FROM org_ports WHERE org_id = $2))",
    spec: &[
        ("app_id", Kind::Text),
        ("open_id", Kind::Text),
        ("union_id", Kind::Text),
        ("user_id", Kind::Int),
        ("nickname", Kind::Text),
        ("sex_desc", Kind::Text),
        ("country", Kind::Text),
        ("province", Kind::Text),
        ("city", Kind::Text),
        ("language", Kind::Text),
        ("subscribe", Kind::Int),
        ("remark", Kind::Text),
        ("head_img_url", Kind::Text),
        ("created_at", Kind::Time),
    ],
};

const SENDS: Query = Query {
    key: "sends",
    title: "消息发送",
    columns: &["发送ID", "公众号 AppID", "openId", "模板", "状态", "时间"],
    sql: "SELECT id, app_id, open_id, template_id, status, created_at FROM message_sends_known \
          WHERE open_id = $1 AND ($2 = 0 OR port_id IN (SELECT port_id FROM org_ports WHERE org_id = $2)) \
          ORDER BY id",
    spec: &[("id", Kind::Int), ("app_id", Kind::Text), ("open_id", Kind::Text), ("template_id", Kind::Text), ("status", Kind::Code(SEND_STATES)), ("created_at", Kind::Time)],
};

const CAMPAIGNS: Query = Query {
    key: "campaigns",
    title: "群发",
    columns: &["群发ID", "群发", "openId", "称呼", "姓名", "奖品", "状态", "时间"],
    sql: "SELECT c.id, c.name AS campaign, r.open_id, r.nickname, r.name, r.prize, r.state, r.updated_at \
          FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id \
          WHERE r.open_id = $1 AND ($2 = 0 OR c.org_id = $2) ORDER BY r.id",
    spec: &[("id", Kind::Int), ("campaign", Kind::Text), ("open_id", Kind::Text), ("nickname", Kind::Text), ("name", Kind::Text), ("prize", Kind::Text), ("state", Kind::Code(SEND_STATES)), ("updated_at", Kind::Time)],
};

const PUSHES: Query = Query {
    key: "pushes",
    title: "公众号推送",
    columns: &["公众号 AppID", "openId", "类型", "事件值", "收到时间"],
    sql: "SELECT app_id, open_id, kind, event_key, received_at FROM callback_events WHERE open_id = $1 \
          AND ($2 = 0 OR app_id IN (SELECT p.app_id FROM ports p JOIN org_ports o ON o.port_id = p.id WHERE o.org_id = $2)) \
          ORDER BY received_at",
    spec: &[("app_id", Kind::Text), ("open_id", Kind::Text), ("kind", Kind::Text), ("event_key", Kind::Text), ("received_at", Kind::Time)],
};

const VISITS: Query = Query {
    key: "visits",
    title: "应用访问",
    columns: &["用户ID", "应用ID", "公众号ID", "时间"],
    sql: "SELECT user_id, application_id, port_id, created_at FROM access_logs WHERE user_id = $1 \
          AND ($2 = 0 OR port_id IN (SELECT port_id FROM org_ports WHERE org_id = $2)) ORDER BY id",
    spec: &[
        ("user_id", Kind::Int),
        ("application_id", Kind::Int),
        ("port_id", Kind::Int),
        ("created_at", Kind::Time),
    ],
};

const ROSTERS: Query = Query {
    key: "rosters",
    title: "会议名单",
    columns: &[
        "会议ID",
        "会议",
        "姓名",
        "手机号",
        "编号",
        "部门",
        "导入时间",
    ],
    sql: "SELECT m.id AS meeting_id, m.name AS meeting, r.name, r.phone, r.member_no, \
          r.department, r.created_at \
          FROM meeting_members r JOIN meetings m ON m.id = r.meeting_id \
          WHERE r.phone_hash = $1 AND ($2 = 0 OR m.org_id = $2) ORDER BY r.id",
    spec: &[
        ("meeting_id", Kind::Int),
        ("meeting", Kind::Text),
        ("name", Kind::Text),
        ("phone", Kind::Phone("meeting_members.phone")),
        ("member_no", Kind::Text),
        ("department", Kind::Text),
        ("created_at", Kind::Time),
    ],
};

const MEMBERS: Query = Query {
    key: "members",
    title: "活动参与",
    columns: &[
        "活动ID",
        "活动",
        "成员ID",
        "姓名",
        "昵称",
        "手机号",
        "部门",
        "来源",
        "参与时间",
        "签到时间",
        "同意说明时间",
        "说明版本",
        "头像",
    ],
    sql:
        "SELECT m.activity_id, a.name AS activity, m.member_id, m.real_name, m.nickname, m.phone, \
          m.department, m.source, m.joined_at, m.signed_in_at, m.consent_at, m.consent_version, m.icon \
          FROM activity_members m JOIN activities a ON a.id = m.activity_id \
          WHERE m.activity_id = $1 AND m.member_id = $2",
    spec: &[
        ("activity_id", Kind::Int),
        ("activity", Kind::Text),
        ("member_id", Kind::Text),
        ("real_name", Kind::Text),
        ("nickname", Kind::Text),
        ("phone", Kind::Phone("activity_members.phone")),
        ("department", Kind::Text),
        ("source", Kind::Code(SOURCES)),
        ("joined_at", Kind::Time),
        ("signed_in_at", Kind::Time),
        ("consent_at", Kind::Time),
        ("consent_version", Kind::Text),
        ("icon", Kind::Text),
    ],
};

const ENTRIES: Query = Query {
    key: "entries",
    title: "抽奖导入名单",
    columns: &["活动ID", "活动", "参与者ID", "姓名", "编号", "手机号", "导入时间"],
    sql: "SELECT p.activity_id, a.name AS activity, p.participant_id, p.name, p.number, p.phone, p.created_at \
          FROM lottery_participants p JOIN activities a ON a.id = p.activity_id \
          WHERE p.activity_id = $1 AND p.participant_id = $2",
    spec: &[("activity_id", Kind::Int), ("activity", Kind::Text), ("participant_id", Kind::Text), ("name", Kind::Text), ("number", Kind::Text), ("phone", Kind::Phone("lottery_participants.phone")), ("created_at", Kind::Time)],
};

const WINS: Query = Query {
    key: "wins",
    title: "中奖记录",
    columns: &["活动ID", "轮次ID", "奖品", "成员ID", "状态", "原因", "时间"],
    sql: "SELECT w.activity_id, w.round_id, p.name AS prize, w.member_id, w.state, w.reason, w.created_at \
          FROM lottery_winners w JOIN prizes p ON p.id = w.prize_id \
          WHERE w.activity_id = $1 AND w.member_id = $2 ORDER BY w.id",
    spec: &[("activity_id", Kind::Int), ("round_id", Kind::Int), ("prize", Kind::Text), ("member_id", Kind::Text), ("state", Kind::Code(WIN_STATES)), ("reason", Kind::Text), ("created_at", Kind::Time)],
};

const POSTS: Query = Query {
    key: "posts",
    title: "留言",
    columns: &["活动ID", "留言ID", "昵称", "原文", "显示内容", "状态", "时间"],
    sql: "SELECT activity_id, id, nickname, original, content, status, created_at FROM wall_messages \
          WHERE activity_id = $1 AND member_id = $2 ORDER BY id",
    spec: &[("activity_id", Kind::Int), ("id", Kind::Int), ("nickname", Kind::Text), ("original", Kind::Text), ("content", Kind::Text), ("status", Kind::Code(POST_STATES)), ("created_at", Kind::Time)],
};

const BALLOTS: Query = Query {
    key: "ballots",
    title: "投票",
    columns: &["活动ID", "选票ID", "成员ID", "所选项数", "时间"],
    sql: "SELECT b.activity_id, b.id, b.member_id, \
          (SELECT COUNT(*) FROM vote_choices c WHERE c.ballot_id = b.id) AS choices, b.created_at \
          FROM vote_ballots b WHERE b.activity_id = $1 AND b.member_id = $2 ORDER BY b.id",
    spec: &[
        ("activity_id", Kind::Int),
        ("id", Kind::Int),
        ("member_id", Kind::Text),
        ("choices", Kind::Int),
        ("created_at", Kind::Time),
    ],
};

const ANSWERS: Query = Query {
    key: "answers",
    title: "答题",
    columns: &["活动ID", "题目ID", "成员ID", "所选", "答对", "得分", "用时(毫秒)", "时间"],
    sql: "SELECT activity_id, question_id, member_id, choices, correct, score, elapsed_ms, created_at \
          FROM quiz_answers WHERE activity_id = $1 AND member_id = $2 ORDER BY id",
    spec: &[("activity_id", Kind::Int), ("question_id", Kind::Int), ("member_id", Kind::Text), ("choices", Kind::Text), ("correct", Kind::Int), ("score", Kind::Int), ("elapsed_ms", Kind::Int), ("created_at", Kind::Time)],
};

const SHAKES: Query = Query {
    key: "shakes",
    title: "摇一摇",
    columns: &[
        "活动ID",
        "轮次",
        "成员ID",
        "摇动次数",
        "到达终点",
        "限速次数",
        "时间",
    ],
    sql: "SELECT activity_id, round, member_id, total, finished_at, clamped, updated_at \
          FROM shake_totals WHERE activity_id = $1 AND member_id = $2 ORDER BY round",
    spec: &[
        ("activity_id", Kind::Int),
        ("round", Kind::Int),
        ("member_id", Kind::Text),
        ("total", Kind::Int),
        ("finished_at", Kind::Time),
        ("clamped", Kind::Int),
        ("updated_at", Kind::Time),
    ],
};

const DESIGNATED: Query = Query {
    key: "designated",
    title: "内定名单",
    columns: &["活动ID", "奖品ID", "参与者ID", "备注"],
    sql: "SELECT activity_id, prize_id, participant_id, note FROM lottery_designated \
          WHERE activity_id = $1 AND participant_id = $2 ORDER BY id",
    spec: &[
        ("activity_id", Kind::Int),
        ("prize_id", Kind::Int),
        ("participant_id", Kind::Text),
        ("note", Kind::Text),
    ],
};

impl Query {
    fn section(&self) -> Section {
        Section {
            key: self.key,
            title: self.title,
            columns: self.columns,
            rows: Vec::new(),
        }
    }

    /// Appends the rows the query finds for its two parameters.
    async fn rows(
        &self,
        conn: &mut AnyConnection,
        first: Value<'_>,
        second: Value<'_>,
        into: &mut Section,
    ) -> StoreResult<()> {
        let rows = second
            .bind(first.bind(sqlx::query(self.sql)))
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            into.rows.push(cells(r, self.spec)?);
        }
        Ok(())
    }
}

/// A query's parameter: `$1` a value looked for, `$2` the scope (or an activity and a member).
#[derive(Clone, Copy)]
enum Value<'a> {
    Text(&'a str),
    Int(i64),
}

impl<'a> Value<'a> {
    fn bind<'q>(
        self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>
    where
        'a: 'q,
    {
        match self {
            Value::Text(t) => query.bind(t),
            Value::Int(i) => query.bind(i),
        }
    }
}

impl Scope {
    fn value(self) -> Value<'static> {
        Value::Int(self.bind())
    }
}

/// Everything of the person's within the scope, a section per kind of row (empty ones too).
pub async fn find(store: &Store, key: &Key, scope: Scope) -> StoreResult<(Ids, Vec<Section>)> {
    let mut conn = store.reader().acquire().await?;
    let ids = resolve(&mut conn, key, scope).await?;
    let mut fans = FANS.section();
    let mut sends = SENDS.section();
    let mut campaigns = CAMPAIGNS.section();
    let mut pushes = PUSHES.section();
    for open_id in &ids.open_ids {
        for (q, into) in [
            (&FANS, &mut fans),
            (&SENDS, &mut sends),
            (&CAMPAIGNS, &mut campaigns),
            (&PUSHES, &mut pushes),
        ] {
            q.rows(&mut conn, Value::Text(open_id), scope.value(), into)
                .await?;
        }
    }
    let mut users = USERS.section();
    let mut visits = VISITS.section();
    for user in &ids.users {
        let text = user.to_string();
        // Within an org, a platform's user is the org's to see only where the org has them.
        let seen = scope == Scope::Platform
            || ids.members.iter().any(|(_, m)| *m == text)
            || fans
                .rows
                .iter()
                .any(|r| r.get(3) == Some(&Cell::Text(text.clone())));
        if seen {
            USERS
                .rows(&mut conn, Value::Int(*user), scope.value(), &mut users)
                .await?;
        }
        VISITS
            .rows(&mut conn, Value::Int(*user), scope.value(), &mut visits)
            .await?;
    }
    let mut rosters = ROSTERS.section();
    if let Some(phone) = &ids.phone {
        ROSTERS
            .rows(&mut conn, Value::Text(phone), scope.value(), &mut rosters)
            .await?;
    }
    let mut members = MEMBERS.section();
    let mut entries = ENTRIES.section();
    let mut wins = WINS.section();
    let mut posts = POSTS.section();
    let mut designated = DESIGNATED.section();
    let mut ballots = BALLOTS.section();
    let mut answers = ANSWERS.section();
    let mut shakes = SHAKES.section();
    for (activity_id, member_id) in &ids.members {
        for (q, into) in [
            (&MEMBERS, &mut members),
            (&ENTRIES, &mut entries),
            (&WINS, &mut wins),
            (&POSTS, &mut posts),
            (&DESIGNATED, &mut designated),
            (&BALLOTS, &mut ballots),
            (&ANSWERS, &mut answers),
            (&SHAKES, &mut shakes),
        ] {
            q.rows(
                &mut conn,
                Value::Int(*activity_id),
                Value::Text(member_id),
                into,
            )
            .await?;
        }
    }
    Ok((
        ids,
        vec![
            users, fans, members, rosters, entries, wins, posts, designated, ballots, answers,
            shakes, campaigns, sends, visits, pushes,
        ],
    ))
}

/// What an erasure changed, table by table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PersonErased {
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

impl PersonErased {
    pub fn total(&self) -> u64 {
        self.users
            + self.fans
            + self.members
            + self.roster_entries
            + self.imported
            + self.wall_messages
            + self.sends
            + self.campaign_recipients
            + self.events
            + self.avatars
    }
}

async fn run(conn: &mut AnyConnection, sql: &str, a: &str, b: i64) -> StoreResult<u64> {
    Ok(sqlx::query(sql)
        .bind(a)
        .bind(b)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

async fn run_member(
    conn: &mut AnyConnection,
    sql: &str,
    activity_id: i64,
    member_id: &str,
) -> StoreResult<u64> {
    Ok(sqlx::query(sql)
        .bind(activity_id)
        .bind(member_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Erases the person's personal fields within the scope, in one transaction: their ids are
/// resolved again inside it, so what is erased is what is found at that moment.
///
/// - unified users (platform scope only): the phone; fans: nickname, avatar, remark, sex,
///   place and language (the openId and subscription stay: WeChat keeps sending under it);
/// - activity members and imported entries: name, nickname, avatar, phone, number; a winner
///   of a drawn round keeps `masked(name)`, which the published results show;
/// - roster entries: deleted (a roster row is nothing but the person);
/// - wall posts: nickname, avatar and words, and the post is taken off the wall;
/// - sends and campaign recipients: the message's values and the names they carried;
/// - events: the person's names, avatar and phone in the screens' history;
/// - wxhub's copies of their avatars, unless someone else's row still shows them.
///
/// Ids stay (published draw records hold them), so do the rows, the counts and the audit.
pub async fn erase(
    store: &Store,
    key: &Key,
    scope: Scope,
    now: i64,
    masked: impl Fn(&str) -> String,
) -> StoreResult<(Ids, PersonErased)> {
    let mut tx = store.writer().begin().await?;
    let ids = resolve(&mut tx, key, scope).await?;
    let mut done = PersonErased::default();
    let org = scope.bind();
    let mut icons: BTreeSet<String> = BTreeSet::new();
    if scope == Scope::Platform {
        for user in &ids.users {
            done.users += sqlx::query(
                "UPDATE unified_users SET phone = NULL, phone_hash = NULL, updated_at = $2 \
                 WHERE id = $1 AND (phone IS NOT NULL OR phone_hash IS NOT NULL)",
            )
            .bind(*user)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
    }
    for open_id in &ids.open_ids {
        let heads = sqlx::query(&format!(
            "SELECT head_img_url FROM fans WHERE open_id = $1 AND {ORG_PORTS}"
        ))
        .bind(open_id)
        .bind(org)
        .fetch_all(&mut *tx)
        .await?;
        for h in &heads {
            icons.insert(h.text("head_img_url")?);
        }
        done.fans += run(
            &mut tx,
            &format!(
                "UPDATE fans SET nickname = '', head_img_url = '', remark = '', sex = 0, sex_desc = '0', \
                 country = '', province = '', city = '', language = '', group_name = '' \
                 WHERE open_id = $1 AND {ORG_PORTS} AND (nickname <> '' OR head_img_url <> '' \
                 OR remark <> '' OR sex <> 0 OR country <> '' OR province <> '' OR city <> '' \
                 OR language <> '' OR group_name <> '')"
            ),
            open_id,
            org,
        )
        .await?;
        done.sends += run(
            &mut tx,
            &format!(
                "UPDATE message_sends SET request = '{{}}', resolved = '{{}}' WHERE open_id = $1 AND {ORG_PORTS} \
                 AND (request <> '{{}}' OR resolved <> '{{}}')"
            ),
            open_id,
            org,
        )
        .await?;
        done.campaign_recipients += run(
            &mut tx,
            "UPDATE campaign_recipients SET nickname = '', name = '' WHERE open_id = $1 \
             AND (nickname <> '' OR name <> '') AND campaign_id IN (SELECT id FROM campaigns WHERE $2 = 0 OR org_id = $2)",
            open_id,
            org,
        )
        .await?;
    }
    for user in &ids.users {
        done.sends += sqlx::query(&format!(
            "UPDATE message_sends SET request = '{{}}', resolved = '{{}}' WHERE user_id = $1 \
             AND {ORG_PORTS} AND (request <> '{{}}' OR resolved <> '{{}}')"
        ))
        .bind(*user)
        .bind(org)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    if let Some(phone) = &ids.phone {
        done.roster_entries += run(
            &mut tx,
            "DELETE FROM meeting_members WHERE phone_hash = $1 \
             AND meeting_id IN (SELECT id FROM meetings WHERE $2 = 0 OR org_id = $2)",
            phone,
            org,
        )
        .await?;
    }
    let mut people: Vec<(i64, String, String, String)> = Vec::new();
    for (activity_id, member_id) in &ids.members {
        let won = sqlx::query(
            "SELECT 1 AS v FROM lottery_winners w JOIN lottery_rounds r ON r.id = w.round_id \
             WHERE w.activity_id = $1 AND w.member_id = $2 AND r.state = 'drawn'",
        )
        .bind(*activity_id)
        .bind(member_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        for (table, name_col, id_col, extra, left) in [
            (
                "activity_members",
                "real_name",
                "member_id",
                ", nickname = '', icon = '', department = ''",
                " OR nickname <> '' OR icon <> '' OR department <> ''",
            ),
            (
                "lottery_participants",
                "name",
                "participant_id",
                ", number = ''",
                " OR number <> ''",
            ),
        ] {
            let found =
                sqlx::query(&format!(
                "SELECT {name_col} AS name{} FROM {table} WHERE activity_id = $1 AND {id_col} = $2",
                if table == "activity_members" { ", nickname, icon" } else { "" }
            ))
                .bind(*activity_id)
                .bind(member_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(found) = found else { continue };
            let name = found.text("name")?;
            let (nickname, icon) = if table == "activity_members" {
                (found.text("nickname")?, found.text("icon")?)
            } else {
                (String::new(), String::new())
            };
            icons.insert(icon);
            people.push((*activity_id, member_id.clone(), name.clone(), nickname));
            let kept = if won { masked(&name) } else { String::new() };
            let n = sqlx::query(&format!(
                "UPDATE {table} SET {name_col} = $3, phone = NULL, phone_hash = NULL{extra} \
                 WHERE activity_id = $1 AND {id_col} = $2 \
                 AND ({name_col} <> $3 OR phone IS NOT NULL OR phone_hash IS NOT NULL{left})"
            ))
            .bind(*activity_id)
            .bind(member_id)
            .bind(kept)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if table == "activity_members" {
                done.members += n;
            } else {
                done.imported += n;
            }
        }
        let posts = sqlx::query(
            "SELECT DISTINCT icon FROM wall_messages WHERE activity_id = $1 AND member_id = $2",
        )
        .bind(*activity_id)
        .bind(member_id)
        .fetch_all(&mut *tx)
        .await?;
        for p in &posts {
            icons.insert(p.text("icon")?);
        }
        done.wall_messages += run_member(
            &mut tx,
            "UPDATE wall_messages SET nickname = '', icon = '', original = '', content = '', \
             status = 'removed', pinned = 0 WHERE activity_id = $1 AND member_id = $2 \
             AND (nickname <> '' OR icon <> '' OR original <> '' OR content <> '' \
             OR status <> 'removed' OR pinned <> 0)",
            *activity_id,
            member_id,
        )
        .await?;
        run_member(
            &mut tx,
            "UPDATE lottery_designated SET note = '' WHERE activity_id = $1 AND participant_id = $2",
            *activity_id,
            member_id,
        )
        .await?;
    }
    done.events = scrub_events(&mut tx, &people).await?;
    icons.remove("");
    for icon in icons {
        done.avatars += sqlx::query(
            "DELETE FROM avatars WHERE url = $1 \
             AND NOT EXISTS (SELECT 1 FROM activity_members WHERE icon = $1) \
             AND NOT EXISTS (SELECT 1 FROM wall_messages WHERE icon = $1) \
             AND NOT EXISTS (SELECT 1 FROM fans WHERE head_img_url = $1)",
        )
        .bind(&icon)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    store.caches.activities.invalidate();
    Ok((ids, done))
}

/// Rewrites the events of the activities the person was in: every object naming one of their
/// ids (`member_id`, `participant_id`) loses its names, avatar, phone and words, and a
/// commitment's rolling names lose the person's (real name, nickname) pair.
async fn scrub_events(
    conn: &mut AnyConnection,
    people: &[(i64, String, String, String)],
) -> StoreResult<u64> {
    let mut activities: Vec<i64> = people.iter().map(|p| p.0).collect();
    activities.dedup();
    let mut changed = 0;
    for activity_id in activities {
        let of: Vec<&(i64, String, String, String)> =
            people.iter().filter(|p| p.0 == activity_id).collect();
        let rows = sqlx::query("SELECT id, payload FROM activity_events WHERE activity_id = $1")
            .bind(activity_id)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            let text = r.text("payload")?;
            if !of
                .iter()
                .any(|p| text.contains(&p.1) || (!p.2.is_empty() && text.contains(&p.2)))
            {
                continue;
            }
            let Ok(mut payload) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let ids: Vec<&str> = of.iter().map(|p| p.1.as_str()).collect();
            let names: Vec<(&str, &str)> =
                of.iter().map(|p| (p.2.as_str(), p.3.as_str())).collect();
            if scrub(&mut payload, &ids, &names) {
                sqlx::query("UPDATE activity_events SET payload = $2 WHERE id = $1")
                    .bind(r.int("id")?)
                    .bind(payload.to_string())
                    .execute(&mut *conn)
                    .await?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// Blanks what names the person in one event's payload; true when something changed.
pub fn scrub(value: &mut serde_json::Value, ids: &[&str], names: &[(&str, &str)]) -> bool {
    use serde_json::Value;
    const PERSONAL: &[&str] = &[
        "nickname",
        "icon",
        "avatar",
        "name",
        "real_name",
        "phone",
        "content",
    ];
    let mut changed = false;
    match value {
        Value::Object(map) => {
            let theirs = ["member_id", "participant_id"].iter().any(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| ids.contains(&v))
            });
            if theirs {
                for key in PERSONAL {
                    if let Some(v) = map.get_mut(*key) {
                        if !matches!(v, Value::String(s) if s.is_empty()) {
                            *v = Value::String(String::new());
                            changed = true;
                        }
                    }
                }
            }
            if let Some(Value::Array(people)) = map.get_mut("people") {
                for pair in people.iter_mut() {
                    let real = pair.get(0).and_then(Value::as_str).unwrap_or_default();
                    let nick = pair.get(1).and_then(Value::as_str).unwrap_or_default();
                    if names
                        .iter()
                        .any(|(r, n)| !r.is_empty() && *r == real && *n == nick)
                    {
                        *pair = serde_json::json!(["", ""]);
                        changed = true;
                    }
                }
            }
            for (key, v) in map.iter_mut() {
                if key != "people" {
                    changed |= scrub(v, ids, names);
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                changed |= scrub(v, ids, names);
            }
        }
        _ => {}
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::scrub;
    use serde_json::json;

    #[test]
    fn scrub_blanks_only_the_persons_names_in_an_event() {
        let mut arrival = json!({"member_id": "m1", "name": "林*明", "real_name": "林小明",
            "nickname": "小明", "avatar": "/a/1", "phone": "139****5678", "time": 5});
        assert!(scrub(&mut arrival, &["m1"], &[]));
        assert_eq!(
            arrival,
            json!({"member_id": "m1", "name": "", "real_name": "", "nickname": "",
                   "avatar": "", "phone": "", "time": 5})
        );
        assert!(!scrub(&mut arrival, &["m1"], &[]), "twice changes nothing");

        let mut draw = json!({"winners": [
            {"participant_id": "m1", "name": "林*明", "real_name": "林小明"},
            {"participant_id": "m2", "name": "王*伟", "real_name": "王大伟"}],
            "people": [["林小明", "小明"], ["王大伟", ""]]});
        assert!(scrub(&mut draw, &["m1"], &[("林小明", "小明")]));
        assert_eq!(draw["winners"][0]["real_name"], "");
        assert_eq!(draw["winners"][1]["real_name"], "王大伟");
        assert_eq!(draw["people"], json!([["", ""], ["王大伟", ""]]));
    }
}
