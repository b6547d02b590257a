//! The message settings sendMsg resolves from: message contents (the fields of a template
//! message), send defaults (an application's template and content on a port), and training
//! messages (a training system's message id → its template). Each through the admin API's
//! functions.

use super::super::{audit, error_page, filled, form_int, required_int, CsrfField, Frame};
use crate::admin::ports;
use crate::auth::accounts::Session;
use crate::checks::Page;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::platform::applications::{self, ApplicationItem, ListRequest};
use crate::platform::message_settings::{
    self as settings, ContentInput, ContentView, DefaultInput, DefaultView, TrainingInput,
    TrainingView,
};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

const ALL: Page = Page {
    offset: 0,
    limit: 100,
};

#[derive(askama::Template)]
#[template(path = "console/platform/messages.html")]
struct MessagesPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    contents: Vec<ContentView>,
    defaults: Vec<DefaultView>,
    training: Vec<TrainingView>,
    ports: Vec<ports::PortView>,
    applications: Vec<ApplicationItem>,
    notice: Option<String>,
    error: Option<String>,
}

/// The fields of a content as the page shows them: `name: value` per line.
pub fn fields_text(c: &ContentView) -> String {
    c.fields
        .iter()
        .map(|f| match &f.color {
            Some(color) => format!("{}: {} {color}", f.name, f.value),
            None => format!("{}: {}", f.name, f.value),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `name: value` lines (a trailing `#RRGGBB` is the color) as the API's `[{name, value,
/// color}]`; a line without a colon is refused with its number.
pub fn parse_fields_text(text: &str) -> Result<serde_json::Value, Error> {
    let mut fields = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (name, rest) = line
            .split_once([':', ':'])
            .ok_or_else(|| Error::bad_request(format!("第 {} 行应为“字段名: 内容”", i + 1)))?;
        let rest = rest.trim();
        let (value, color) = match rest.rsplit_once(' ') {
            Some((v, c)) if c.len() == 7 && c.starts_with('#') => (v.trim(), Some(c)),
            _ => (rest, None),
        };
        let mut field = serde_json::json!({"name": name.trim(), "value": value});
        if let Some(c) = color {
            field["color"] = serde_json::Value::String(c.to_string());
        }
        fields.push(field);
    }
    Ok(serde_json::Value::Array(fields))
}

async fn render(
    state: &AppState,
    session: &Session,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Error> {
    let frame = Frame::of(state, session).await?;
    let request = ListRequest {
        page_size: Some(100),
        ..Default::default()
    };
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut resp = crate::web::render(&MessagesPage {
        assets: assets::urls(),
        frame,
        contents: settings::list_contents(&state.store, ALL).await?.0,
        defaults: settings::list_defaults(&state.store, ALL).await?.0,
        training: settings::list_training(&state.store, ALL).await?.0,
        ports: ports::list(&state.store, ALL).await?.0,
        applications: applications::list(&state.store, &request, &state.tz)
            .await?
            .0,
        notice,
        error: error.map(|(_, m)| m),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /console/platform/messages`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<super::super::Done>, Error>,
) -> Response {
    let (session, done) = match super::super::page_session(&state, &headers, query).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    if let Err(e) = super::require_platform_admin(&session) {
        return error_page(&e);
    }
    let notice = done.map(|_| "已保存".to_string());
    render(&state, &session, notice, None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MessageForm {
    csrf: Option<String>,
    name: Option<String>,
    fields: String,
    app_app_id: String,
    port_id: String,
    template_id: String,
    content_id: String,
    msg_id: String,
    id: String,
}

impl CsrfField for MessageForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/platform/messages/{action}`: content, content_delete, default,
/// default_delete, training, training_delete.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(action): PathParam<String>,
    form: Result<Params<MessageForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        let id = || required_int(&form.id, "id");
        let detail = match action.as_str() {
            "content" => {
                let input = ContentInput {
                    name: form.name.clone(),
                    fields: Some(parse_fields_text(&form.fields)?),
                };
                let c = settings::create_content(&state.store, input).await?;
                format!("内容 {} {}", c.id, c.name)
            }
            "content_delete" => {
                settings::delete_content(&state.store, id()?).await?;
                format!("内容 {}", form.id)
            }
            "default" => {
                let input = DefaultInput {
                    app_app_id: form_int(&form.app_app_id, "app_app_id")?,
                    port_id: form_int(&form.port_id, "port_id")?,
                    app_id: None,
                    template_id: filled(&form.template_id),
                    content_id: form_int(&form.content_id, "content_id")?,
                };
                let d = settings::set_default(&state.store, input).await?;
                format!("应用 {} 端口 {}", d.app_app_id, d.port_id)
            }
            "default_delete" => {
                settings::delete_default(&state.store, id()?).await?;
                format!("默认值 {}", form.id)
            }
            "training" => {
                let input = TrainingInput {
                    msg_id: filled(&form.msg_id).map(serde_json::Value::String),
                    template_id: filled(&form.template_id),
                };
                let t = settings::set_training(&state.store, input).await?;
                format!("{} → {}", t.msg_id, t.template_id)
            }
            "training_delete" => {
                settings::delete_training(&state.store, id()?).await?;
                format!("培训消息 {}", form.id)
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        audit::record(
            &state,
            &session,
            &address,
            None,
            &format!("messages.{action}"),
            "消息设置",
            &detail,
        )
        .await;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            Redirect::to(&format!("/console/platform/messages?done={action}")).into_response()
        }
        Err(e) => match super::refused(&e) {
            Some(error) => render(&state, &session, None, Some(error))
                .await
                .unwrap_or_else(|e| error_page(&e)),
            None => error_page(&e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_lines_become_the_apis_fields() {
        let v =
            parse_fields_text("first: 您好\n\nkeyword1:会议 #FF0000\nremark: 谢谢 参与").unwrap();
        assert_eq!(
            v,
            serde_json::json!([
                {"name": "first", "value": "您好"},
                {"name": "keyword1", "value": "会议", "color": "#FF0000"},
                {"name": "remark", "value": "谢谢 参与"}
            ])
        );
        assert!(parse_fields_text("no colon here").is_err());
    }
}
