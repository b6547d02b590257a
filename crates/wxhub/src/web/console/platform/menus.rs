//! A port's custom menus in the console (platform admins): the drafts (the menu and the
//! conditional ones) with whether WeChat has them as they stand; a draft edited in a grid of
//! 3 buttons with up to 5 under each — each button's type showing only the fields it needs —;
//! published, deleted; WeChat's menu as it is now drawn beside it like a phone shows it; the
//! menu a follower would see; every menu taken off WeChat. Over platform::menus.

use super::super::{audit, CsrfField};
use super::port_pages::{self, PortHead, PortPage};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{lenient, Params, PathParam};
use crate::platform::menus::check::{Button, MatchRule};
use crate::platform::menus::{self, MenuInput, MenuView};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;

/// Buttons a menu has at most, and under one.
const TOP: usize = 3;
const UNDER: usize = 5;

/// One button's fields in the editor.
#[derive(Clone, Default)]
struct Slot {
    /// `b0`, `b0s3`: the prefix of its fields' names.
    prefix: String,
    button: Button,
}

/// A top button and the five under it.
#[derive(Clone, Default)]
struct Column {
    top: Slot,
    under: Vec<Slot>,
}

fn columns(buttons: &[Button]) -> Vec<Column> {
    (0..TOP)
        .map(|i| {
            let top = buttons.get(i).cloned().unwrap_or_default();
            Column {
                under: (0..UNDER)
                    .map(|j| Slot {
                        prefix: format!("b{i}s{j}"),
                        button: top.sub_button.get(j).cloned().unwrap_or_default(),
                    })
                    .collect(),
                top: Slot {
                    prefix: format!("b{i}"),
                    button: Button {
                        sub_button: vec![],
                        ..top
                    },
                },
            }
        })
        .collect()
}

/// The menu a phone shows: its buttons, for drawing.
struct Phone {
    title: String,
    buttons: Vec<Button>,
}

#[derive(askama::Template)]
#[template(path = "console/platform/menus.html")]
struct MenusPage {
    head: PortHead,
    drafts: Vec<MenuView>,
    /// The draft being edited (None: a new one).
    editing: Option<i64>,
    form: MenuForm,
    columns: Vec<Column>,
    tags: Vec<crate::platform::tags::TagView>,
    media: Vec<crate::platform::materials::MaterialView>,
    /// What WeChat has now: the menu and the conditional ones.
    current: Vec<Phone>,
    current_error: Option<String>,
    /// A follower's menu tried.
    tried: Option<Phone>,
}
port_pages::port_head!(MenusPage);

impl MenusPage {
    /// Whether the draft `id` is the one in the editor.
    fn is_editing<T: std::borrow::Borrow<i64>>(&self, id: T) -> bool {
        self.editing == Some(*id.borrow())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    done: Option<String>,
    /// The draft to edit.
    #[serde(deserialize_with = "lenient::opt_i64")]
    menu: Option<i64>,
    /// A follower whose menu to try.
    open_id: Option<String>,
}

fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "create" => "菜单草稿已保存(尚未发布到微信)",
        "update" => "菜单草稿已保存(尚未发布到微信)",
        "publish" => "菜单已发布到微信(粉丝重新进入公众号后可见)",
        "delete" => "菜单草稿已删除",
        "withdraw" => "微信上的菜单已全部撤下(草稿仍在)",
        _ => return None,
    })
}

fn buttons_of(value: &serde_json::Value) -> Vec<Button> {
    serde_json::from_value(value["button"].clone()).unwrap_or_default()
}

/// The page (its routes: `port_pages::page::<Menus>` and the POSTs below).
pub struct Menus;

impl PortPage for Menus {
    const PATH: &'static str = "menus";
    type Query = PageQuery;
    type Form = MenuForm;

    fn notice(query: &PageQuery) -> Option<String> {
        query
            .done
            .as_deref()
            .and_then(done_notice)
            .map(str::to_string)
    }

    async fn render(
        state: &AppState,
        mut head: PortHead,
        query: PageQuery,
        form: MenuForm,
    ) -> Result<Response, Error> {
        let port_id = head.port_id;
        let listed = menus::list(state, port_id).await?;
        // The form as posted (a refusal), else the draft asked for, else the first.
        let (editing, form, buttons) = if form.posted {
            let buttons = form.buttons();
            (form.menu_id, form, buttons)
        } else {
            let chosen = query
                .menu
                .and_then(|id| listed.drafts.iter().find(|d| d.id == id))
                .or(listed.drafts.first().filter(|_| query.menu.is_none()));
            match chosen {
                Some(d) => (Some(d.id), MenuForm::of(d), d.buttons.clone()),
                None => (None, MenuForm::default(), vec![]),
            }
        };
        let mut current = vec![];
        if let Some(c) = &listed.current {
            current.push(Phone {
                title: "默认菜单".into(),
                buttons: buttons_of(&c["menu"]),
            });
            for m in c["conditionalmenu"].as_array().into_iter().flatten() {
                current.push(Phone {
                    title: format!("个性化菜单 {}", m["menuid"]),
                    buttons: buttons_of(m),
                });
            }
        }
        let tried = match query.open_id.as_deref().map(str::trim) {
            Some(open_id) if !open_id.is_empty() => {
                match menus::try_match(state, port_id, Some(open_id)).await {
                    Ok(menu) => Some(Phone {
                        title: format!("{open_id} 看到的菜单"),
                        buttons: buttons_of(&menu),
                    }),
                    Err(e) => {
                        head.refuse(&e);
                        None
                    }
                }
            }
            _ => None,
        };
        Ok(port_pages::respond(&MenusPage {
            head,
            drafts: listed.drafts,
            editing,
            columns: columns(&buttons),
            form,
            tags: crate::platform::tags::list(state, port_id)
                .await
                .unwrap_or_default(),
            media: crate::platform::materials::list(state, port_id).await?,
            current,
            current_error: listed.current_error,
            tried,
        }))
    }
}

/// The editor's fields: the draft's name, kind and audience, and each button's fields named
/// by its place (`b0_name`, `b0s3_type`, …).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MenuForm {
    csrf: Option<String>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    menu_id: Option<i64>,
    kind: String,
    name: String,
    tag_id: String,
    sex: String,
    client_platform_type: String,
    language: String,
    country: String,
    province: String,
    city: String,
    /// Every other field: the buttons'.
    #[serde(flatten)]
    fields: HashMap<String, String>,
    /// Set when the form came from a POST (a refusal shows it as posted).
    #[serde(skip)]
    posted: bool,
}

impl CsrfField for MenuForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

impl MenuForm {
    fn of(d: &MenuView) -> MenuForm {
        let rule = d.match_rule.clone().unwrap_or_default();
        MenuForm {
            menu_id: Some(d.id),
            kind: d.kind.clone(),
            name: d.name.clone(),
            tag_id: rule.tag_id,
            sex: rule.sex,
            client_platform_type: rule.client_platform_type,
            language: rule.language,
            country: rule.country,
            province: rule.province,
            city: rule.city,
            ..MenuForm::default()
        }
    }

    fn field(&self, prefix: &str, name: &str) -> String {
        self.fields
            .get(&format!("{prefix}_{name}"))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    }

    /// The button at `prefix`, if it has a name; its type's fields only.
    fn button(&self, prefix: &str) -> Option<Button> {
        let name = self.field(prefix, "name");
        if name.is_empty() {
            return None;
        }
        let kind = self.field(prefix, "type");
        let keep = |field: &str, for_kinds: &[&str]| {
            if for_kinds.contains(&kind.as_str()) {
                self.field(prefix, field)
            } else {
                String::new()
            }
        };
        let keyed = [
            "click",
            "scancode_push",
            "scancode_waitmsg",
            "pic_sysphoto",
            "pic_photo_or_album",
            "pic_weixin",
            "location_select",
        ];
        Some(Button {
            key: keep("key", &keyed),
            url: keep("url", &["view", "miniprogram"]),
            appid: keep("appid", &["miniprogram"]),
            pagepath: keep("pagepath", &["miniprogram"]),
            media_id: keep("media_id", &["media_id"]),
            article_id: keep("article_id", &["article_id", "article_view_limited"]),
            kind: if kind == "group" { String::new() } else { kind },
            name,
            sub_button: vec![],
        })
    }

    /// The buttons as laid out: a top button with named buttons under it is a group.
    fn buttons(&self) -> Vec<Button> {
        (0..TOP)
            .filter_map(|i| {
                let mut top = self.button(&format!("b{i}"))?;
                top.sub_button = (0..UNDER)
                    .filter_map(|j| self.button(&format!("b{i}s{j}")))
                    .collect();
                if !top.sub_button.is_empty() {
                    top.kind.clear();
                    top.key.clear();
                    top.url.clear();
                }
                Some(top)
            })
            .collect()
    }

    fn rule(&self) -> MatchRule {
        MatchRule {
            tag_id: self.tag_id.trim().into(),
            sex: self.sex.trim().into(),
            country: self.country.trim().into(),
            province: self.province.trim().into(),
            city: self.city.trim().into(),
            client_platform_type: self.client_platform_type.trim().into(),
            language: self.language.trim().into(),
        }
    }

    fn input(&self) -> Result<MenuInput, Error> {
        let kind = if self.kind.is_empty() {
            "default".to_string()
        } else {
            self.kind.clone()
        };
        Ok(MenuInput {
            buttons: Some(
                serde_json::to_value(self.buttons()).map_err(|e| Error::internal(e.to_string()))?,
            ),
            match_rule: if kind == "conditional" {
                Some(
                    serde_json::to_value(self.rule())
                        .map_err(|e| Error::internal(e.to_string()))?,
                )
            } else {
                None
            },
            name: Some(self.name.clone()),
            kind: Some(kind),
        })
    }
}

async fn record(state: &AppState, session: &Session, address: &str, action: &str, what: &str) {
    audit::record(
        state,
        session,
        address,
        None,
        &format!("menu.{action}"),
        what,
        "",
    )
    .await;
}

/// `POST /console/platform/ports/{id}/menus`: save the editor's draft (a new one, or
/// `menu_id`'s).
pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(port_id): PathParam<i64>,
    form: Result<Params<MenuForm>, Error>,
) -> Response {
    let (session, mut form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    form.posted = true;
    let saved = async {
        let input = form.input()?;
        let (draft, action) = match form.menu_id {
            Some(id) => (menus::update(&state, port_id, id, &input).await?, "update"),
            None => (menus::create(&state, port_id, &input).await?, "create"),
        };
        let what = format!("端口 {port_id} 的菜单 {}({})", draft.id, draft.name);
        record(&state, &session, &address, action, &what).await;
        Ok::<_, Error>((draft.id, action))
    }
    .await;
    match saved {
        Ok((id, action)) => port_pages::done::<Menus>(port_id, action, &format!("&menu={id}")),
        Err(e) => port_pages::refused::<Menus>(&state, &session, port_id, form, e).await,
    }
}

/// `POST /console/platform/ports/{id}/menus/{menu}/{publish|delete}`, and
/// `…/menus/current/withdraw`.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((port_id, menu, action)): PathParam<(i64, String, String)>,
    form: Result<Params<MenuForm>, Error>,
) -> Response {
    let (session, _) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let acted = async {
        let id = menu.parse::<i64>().ok();
        match (id, action.as_str()) {
            (Some(id), "publish") => {
                let d = menus::publish(&state, port_id, id).await?;
                let what = format!("端口 {port_id} 的菜单 {id}({})", d.name);
                record(&state, &session, &address, "publish", &what).await;
                Ok(format!("&menu={id}"))
            }
            (Some(id), "delete") => {
                menus::delete(&state, port_id, id).await?;
                let what = format!("端口 {port_id} 的菜单 {id}");
                record(&state, &session, &address, "delete", &what).await;
                Ok(String::new())
            }
            (None, "withdraw") if menu == "current" => {
                menus::withdraw(&state, port_id).await?;
                let what = format!("端口 {port_id} 的全部菜单");
                record(&state, &session, &address, "withdraw", &what).await;
                Ok(String::new())
            }
            _ => Err(Error::not_found("页面不存在")),
        }
    }
    .await;
    match acted {
        Ok(more) => port_pages::done::<Menus>(port_id, &action, &more),
        Err(e) => {
            port_pages::refused::<Menus>(&state, &session, port_id, MenuForm::default(), e).await
        }
    }
}
