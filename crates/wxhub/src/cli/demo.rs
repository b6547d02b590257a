//! `wxhub demo`: the server with a demo org whose screens come alive at once. On first run it
//! creates the org 演示机构, a sign-in, a lottery (with prizes), a message wall, a vote (with
//! options, open), a quiz (with questions the simulated host asks in turn) and a shake race
//! (whose rounds the simulated host starts, the simulated phones shaking), and a
//! console login (`demo`, a new password each run); each run makes new screen keys, prints the
//! links, serves, and has simulated participants join, post and get drawn
//! (`activity::rehearsal`) at the chosen rate.

use crate::activity::activities::{self, ActivityInput, Kind, ListFilter};
use crate::activity::lottery::{prizes, rules};
use crate::activity::rehearsal::{self, Plan};
use crate::admin::orgs;
use crate::auth::accounts::{self, Role};
use crate::checks::Page;
use crate::config::Config;
use crate::store::activities::ActivityRow;
use crate::AppState;

pub const ORG: &str = "演示机构";
pub const LOGIN: &str = "demo";
const SIGNIN: &str = "演示:年会签到";
const LOTTERY: &str = "演示:年会抽奖";
const WALL: &str = "演示:留言墙";
const VOTE: &str = "演示:最佳节目投票";
const QUIZ: &str = "演示:安全知识竞赛";
const SHAKE: &str = "演示:年会摇一摇";

pub async fn demo(config: Config, plan: Plan) -> Result<(), String> {
    let shutdown = crate::app::shutdown_signal();
    let (state, listener, addr) = super::server::start(config).await?;
    let base = match state.config.public_base_url.trim_end_matches('/') {
        "" => format!("http://{addr}"),
        configured => configured.to_string(),
    };
    let (password, shown) = set_up(&state).await.map_err(|e| e.message())?;
    println!("wxhub demo on {base}");
    println!("  console:  {base}/console/login  user {LOGIN}  password {password}");
    for (activity, key) in &shown {
        for link in crate::web::screens::links(activity.id, &activity.kind, key) {
            println!("  {}·{}: {base}{}", activity.name, link.label, link.link);
            if link.link.contains("/signin?") && activity.kind == "signin" {
                // The same wall as a show: the sphere of everyone (G, S, Q, T switch layouts).
                println!(
                    "  {}·签到球: {base}{}&layout=sphere",
                    activity.name, link.link
                );
            }
        }
        if activity.kind == "lottery" {
            println!(
                "  {}·主持舞台 (signed in to the console, keys drive the draw): {base}/screens/{}/lottery",
                activity.name, activity.id
            );
        }
    }
    println!(
        "  simulated: {} people per activity, {} per second; Ctrl-C stops",
        plan.people, plan.per_second
    );
    for (activity, _) in shown {
        tokio::spawn(rehearsal::run(state.clone(), activity, plan));
    }
    let store = state.store.clone();
    crate::app::serve(listener, state, shutdown)
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;
    Ok(())
}

/// The demo org, its activities and login: made when missing, found otherwise. Answers the
/// login's new password and each activity with a new screen key.
pub async fn set_up(
    state: &AppState,
) -> crate::error::Result<(String, Vec<(ActivityRow, String)>)> {
    let all = Page {
        offset: 0,
        limit: 1000,
    };
    let org = match orgs::list(&state.store, all)
        .await?
        .0
        .into_iter()
        .find(|o| o.name == ORG)
    {
        Some(org) => org,
        None => {
            orgs::create(
                &state.store,
                orgs::OrgInput {
                    name: Some(ORG.into()),
                    ..Default::default()
                },
            )
            .await?
        }
    };
    let password = wechat::crypto::random_alnum(16);
    let memory = state.config.auth.argon2_memory_kib;
    match crate::store::accounts::by_username(&state.store, LOGIN).await? {
        Some(_) => {
            accounts::set_password(
                &state.store,
                &state.config.console,
                LOGIN,
                &password,
                memory,
            )
            .await?
        }
        None => {
            accounts::create(
                &state.store,
                &state.config.console,
                LOGIN,
                &password,
                Role::OrgAdmin,
                Some(org.id),
                memory,
            )
            .await?;
        }
    }
    let mut shown = Vec::new();
    for (kind, name) in [
        (Kind::Signin, SIGNIN),
        (Kind::Lottery, LOTTERY),
        (Kind::Message, WALL),
        (Kind::Vote, VOTE),
        (Kind::Quiz, QUIZ),
        (Kind::Shake, SHAKE),
    ] {
        let activity = activity(state, org.id, kind, name).await?;
        let key = crate::activity::events::rotate_screen_key(&state.store, activity.id).await?;
        shown.push((activity, key));
    }
    Ok((password, shown))
}

async fn activity(
    state: &AppState,
    org_id: i64,
    kind: Kind,
    name: &str,
) -> crate::error::Result<ActivityRow> {
    let filter = ListFilter {
        name: Some(name.into()),
        ..Default::default()
    };
    let page = Page {
        offset: 0,
        limit: 10,
    };
    let found = activities::list(&state.store, org_id, kind, &filter, page, &state.tz)
        .await?
        .0
        .into_iter()
        .find(|a| a.activity_name == name);
    let id = match found {
        Some(a) => a.activity_id,
        None => {
            let created = activities::create(
                &state.store,
                org_id,
                kind,
                ActivityInput {
                    activity_name: Some(name.into()),
                    ..Default::default()
                },
                &state.tz,
            )
            .await?;
            if kind == Kind::Lottery {
                let row = row(state, created.activity_id).await?;
                rules::set_purpose(
                    &state.store,
                    &row,
                    "demo",
                    rules::SettingsInput {
                        purpose: Some("internal".into()),
                    },
                )
                .await?;
                for (name, tier, stock) in [("一等奖", 1, 1), ("二等奖", 2, 3), ("三等奖", 3, 10)]
                {
                    prizes::add_prize(
                        &state.store,
                        &row,
                        prizes::PrizeInput {
                            name: Some(name.into()),
                            tier: Some(tier),
                            stock: Some(stock),
                            ..Default::default()
                        },
                    )
                    .await?;
                }
            }
            if kind == Kind::Vote {
                let row = row(state, created.activity_id).await?;
                for label in [
                    "《春暖花开》合唱",
                    "相声《年终总结》",
                    "魔术《消失的年终奖》",
                    "舞蹈《追光》",
                ] {
                    let option = crate::activity::vote::OptionInput {
                        label: Some(label.into()),
                        ..Default::default()
                    };
                    crate::activity::vote::add_option(&state.store, &state.hub, &row, option)
                        .await?;
                }
                crate::activity::vote::set_status(&state.store, &state.hub, &row, true).await?;
            }
            if kind == Kind::Quiz {
                let row = row(state, created.activity_id).await?;
                for (text, choices, correct) in [
                    (
                        "发生火灾时,应当拨打哪个电话报警?",
                        "110\n119\n120\n122",
                        "B",
                    ),
                    (
                        "以下哪些是常见的灭火器?",
                        "干粉灭火器\n冰水灭火器\n二氧化碳灭火器\n汽油灭火器",
                        "A,C",
                    ),
                    (
                        "高楼起火时,应当怎样逃生?",
                        "乘电梯\n走安全通道\n跳楼\n躲进衣柜",
                        "B",
                    ),
                ] {
                    let question = crate::activity::quiz::QuestionInput {
                        text: Some(text.into()),
                        kind: Some(
                            if correct.contains(',') {
                                "multiple"
                            } else {
                                "single"
                            }
                            .into(),
                        ),
                        choices: Some(serde_json::Value::String(choices.into())),
                        correct: Some(serde_json::Value::String(correct.into())),
                        seconds: Some(15),
                        ..Default::default()
                    };
                    crate::activity::quiz::add_question(&state.store, &state.hub, &row, question)
                        .await?;
                }
            }
            if kind == Kind::Shake {
                let row = row(state, created.activity_id).await?;
                let settings = crate::activity::shake::SettingsInput {
                    target: Some(120),
                    seconds: Some(30),
                    places: Some(3),
                    countdown: Some(3),
                };
                crate::activity::shake::save_settings(
                    &state.store,
                    &state.hub,
                    &state.shake_races,
                    &row,
                    settings,
                )
                .await?;
            }
            created.activity_id
        }
    };
    row(state, id).await
}

async fn row(state: &AppState, id: i64) -> crate::error::Result<ActivityRow> {
    crate::store::activities::get(&state.store, id)
        .await?
        .ok_or_else(|| crate::error::Error::not_found("活动不存在"))
}
