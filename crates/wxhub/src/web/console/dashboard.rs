//! The first page after login: who is signed in, and the org's activities.

use crate::activity::activities::{self, Kind, ListFilter};
use crate::checks::Page;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

struct ActivityLine {
    id: i64,
    name: String,
    kind: &'static str,
    state: &'static str,
    created: String,
}

/// One part of the platform on a platform admin's first page: where it is, how many it
/// holds (when counting makes sense), and what it is for.
struct Tile {
    href: &'static str,
    title: &'static str,
    count: Option<i64>,
    about: &'static str,
}

#[derive(askama::Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard<'a> {
    assets: &'a assets::Urls,
    frame: super::Frame,
    activities: Vec<ActivityLine>,
    /// A platform admin's parts of the platform (empty for org accounts).
    tiles: Vec<Tile>,
}

/// A platform admin's tiles, with the counts of what each part holds.
async fn platform_tiles(state: &AppState) -> Result<Vec<Tile>, crate::error::Error> {
    let one = Page {
        offset: 0,
        limit: 1,
    };
    let (_, ports) = crate::admin::ports::list(&state.store, one).await?;
    let (_, orgs) = crate::admin::orgs::list(&state.store, one).await?;
    let (_, clients) = crate::admin::clients::list(&state.store, one).await?;
    Ok(vec![
        Tile {
            href: "/console/platform/ports",
            title: "公众号",
            count: Some(ports),
            about: "接入的公众号、回调地址和密钥",
        },
        Tile {
            href: "/console/platform/orgs",
            title: "机构",
            count: Some(orgs),
            about: "机构及其可用的公众号",
        },
        Tile {
            href: "/console/platform/clients",
            title: "API 客户端",
            count: Some(clients),
            about: "调用 API 的系统及其密钥",
        },
        Tile {
            href: "/console/platform/campaigns",
            title: "群发",
            count: None,
            about: "按名单群发模板消息,查看进度和报告",
        },
        Tile {
            href: "/console/platform/sends",
            title: "发送记录",
            count: None,
            about: "每条模板消息和微信的回答",
        },
        Tile {
            href: "/console/platform/users",
            title: "统一用户",
            count: None,
            about: "按手机号或 unionId 查找用户",
        },
        Tile {
            href: "/console/platform/fans",
            title: "粉丝",
            count: None,
            about: "按公众号、openId 查找粉丝",
        },
        Tile {
            href: "/console/platform/messages",
            title: "消息设置",
            count: None,
            about: "消息内容、发送默认值与培训消息",
        },
        Tile {
            href: "/console/platform/keys",
            title: "签名密钥",
            count: None,
            about: "令牌的签名密钥与轮换",
        },
        Tile {
            href: "/console/accounts",
            title: "账号",
            count: None,
            about: "控制台的登录账号",
        },
        Tile {
            href: "/console/audit",
            title: "操作记录",
            count: None,
            about: "谁在何时做了什么",
        },
    ])
}

/// `GET /console`.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let frame = match super::Frame::of(&state, &session).await {
        Ok(f) => f,
        Err(e) => return super::error_page(&e),
    };
    let mut lines = Vec::new();
    if let Some(org_id) = session.account.org_id {
        for (kind, label) in [
            (Kind::Signin, "签到"),
            (Kind::Lottery, "抽奖"),
            (Kind::Message, "留言墙"),
            (Kind::Vote, "投票"),
            (Kind::Quiz, "答题"),
            (Kind::Shake, "摇一摇"),
        ] {
            let page = Page {
                offset: 0,
                limit: 100,
            };
            let filter = ListFilter {
                name: None,
                state: None,
                course_id: None,
            };
            match activities::list(&state.store, org_id, kind, &filter, page, &state.tz).await {
                Ok((items, _)) => lines.extend(items.into_iter().map(|a| ActivityLine {
                    id: a.activity_id,
                    name: a.activity_name,
                    kind: label,
                    state: if a.state == "open" {
                        "进行中"
                    } else {
                        "已关闭"
                    },
                    created: a.create_time,
                })),
                Err(e) => return super::error_page(&e),
            }
        }
    }
    let tiles = if session.account.role == crate::auth::accounts::Role::PlatformAdmin {
        match platform_tiles(&state).await {
            Ok(t) => t,
            Err(e) => return super::error_page(&e),
        }
    } else {
        Vec::new()
    };
    crate::web::render(&Dashboard {
        assets: assets::urls(),
        frame,
        activities: lines,
        tiles,
    })
}
