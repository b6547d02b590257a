//! Checks of what clients send that every part shares: a page of a list, names and
//! identifiers.

use crate::error::{Error, Result};

/// A page request: 1-based `page`, `page_size` up to 100.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

impl Page {
    pub fn new(page: Option<i64>, page_size: Option<i64>) -> Result<Page> {
        let page = page.unwrap_or(1);
        let size = page_size.unwrap_or(20);
        if page < 1 {
            return Err(Error::bad_request("page 必须大于等于 1"));
        }
        if !(1..=100).contains(&size) {
            return Err(Error::bad_request("pageSize 必须在 1 到 100 之间"));
        }
        Ok(Page {
            offset: (page - 1).saturating_mul(size),
            limit: size,
        })
    }
}

/// An identifier-like value: 1–64 of letters, digits, `-`, `_`, `.`.
pub fn check_identifier(name: &str, value: &str) -> Result<()> {
    if value.is_empty()
        || value.len() > 64
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(Error::bad_request(format!(
            "{name} 只能由 1 到 64 个字母、数字、-、_、. 组成"
        )));
    }
    Ok(())
}

pub fn check_name(name: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(Error::bad_request(format!("{name} 需要 1 到 {max} 个字符")));
    }
    Ok(value.to_string())
}
