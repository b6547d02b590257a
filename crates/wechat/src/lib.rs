//! A client for the WeChat Official Account server API: access tokens, web OAuth, user info,
//! template and customer-service messages, callback signatures and safe-mode crypto, message and
//! event XML.
//!
//! It knows nothing of the application using it. Access tokens are kept behind the
//! [`TokenStore`] trait ([`MemoryTokenStore`] for one process; implement it on a database so
//! that several processes share one token). API and OAuth base URLs are settings, so that a
//! simulator or a proxy can stand in for WeChat.
//!
//! ```no_run
//! # async fn demo() -> wechat::Result<()> {
//! use std::sync::Arc;
//! let config = wechat::ClientConfig { api_base: "http://127.0.0.1:9100".into(), ..Default::default() };
//! let client = wechat::Client::new(config, Arc::new(wechat::MemoryTokenStore::default()));
//! let app = wechat::App::new("wx32817247717e7333", "secret");
//! let msgid = client
//!     .send_template(&app, &wechat::TemplateMessage {
//!         touser: "oIXH1t-sGaDdgpTWGsMPgqmKwWrQ".into(),
//!         template_id: "tmpl".into(),
//!         url: None,
//!         miniprogram: None,
//!         data: wechat::TemplateData::default().push("first", "你好", None),
//!         client_msg_id: None,
//!     })
//!     .await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod api;
pub mod callback;
pub mod client;
pub mod crypto;
pub mod error;
pub mod token;
pub mod xml;

pub use api::{
    CustomBody, CustomMessage, Material, MaterialItem, MaterialPage, MiniProgram, OAuthToken,
    OAuthUser, QrCode, Scope, Tag, TagFans, TemplateData, TemplateMessage, TemplateValue, UserInfo,
    TAG_BATCH,
};
pub use callback::{Article, CallbackQuery, Event, Message, MessageKind, Opened, Reply, Verifier};
pub use client::{next_reset_ms, App, Client, ClientConfig, TokenEndpoint, Usage};
pub use error::{classify, describe, ApiError, CallbackError, Error, ErrorClass, Result};
pub use token::{Counter, MemoryTokenStore, StoredToken, TokenStore};
