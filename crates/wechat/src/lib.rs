//! A client for the WeChat Official Account server API: access tokens, web OAuth, user info,
//! template and customer-service messages, callback signatures and safe-mode crypto.
//!
//! This crate knows nothing of wxhub. It is filled in by the `wechat` crate issue.
