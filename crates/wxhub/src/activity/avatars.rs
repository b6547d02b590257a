//! Members' avatars, kept by wxhub: WeChat's avatar URLs stop working when people change their
//! avatar, and a screen showing a broken image is worse than one showing an initial.
//!
//! The screens get, for each member with an avatar URL, a path of wxhub's own
//! (`/avatars/{key}?src=URL&initial=张`, the key being the first 32 hex characters of the
//! URL's SHA-256). The first time it is asked for, the copy is fetched in the background — only
//! from WeChat's image hosts (the `wechat.avatar_hosts` setting), with a timeout, at most
//! [`MAX_AVATAR_BYTES`], PNG, JPEG or WebP as the bytes say, no redirects — and stored in the
//! database, so every instance serves it. Until then, and when the fetch failed, the path
//! answers a generated placeholder: the initial on a colour.

use crate::store::avatars::{self as sql, AvatarRow};
use crate::store::Store;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// The largest avatar kept (WeChat's are 132×132 or 640×640 JPEGs, far smaller).
pub const MAX_AVATAR_BYTES: usize = 1024 * 1024;
/// Fetches waiting at most; more are dropped (asked for again, they are queued again).
const QUEUE: usize = 10_000;
/// Fetches running at once.
const FETCHERS: usize = 4;

/// The key of an avatar URL.
pub fn key_of(url: &str) -> String {
    crate::crypto::hex(&crate::crypto::sha256(url.as_bytes()))[..32].to_string()
}

/// The path a screen shows for a member's avatar URL (empty when there is none).
pub fn path_for(icon: &str, shown_name: &str) -> String {
    if icon.is_empty() {
        return String::new();
    }
    let initial: String = shown_name
        .chars()
        .next()
        .map(String::from)
        .unwrap_or_default();
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("src", icon)
        .append_pair("initial", &initial)
        .finish();
    format!("/avatars/{}?{query}", key_of(icon))
}

/// The fetch queue and the hosts avatars may come from.
pub struct Avatars {
    queue: mpsc::Sender<(String, String)>,
    /// Keys queued or being fetched, so that a screen full of the same face asks once.
    pending: Mutex<HashSet<String>>,
    hosts: Vec<String>,
}

/// What a request for an avatar gets.
pub enum Served {
    /// The kept copy: content type and bytes.
    Copy(String, Vec<u8>),
    /// No copy (yet): the placeholder, as SVG.
    Placeholder(String),
}

impl Avatars {
    /// Starts the fetchers.
    pub fn start(store: Store, hosts: Vec<String>, timeout: Duration) -> Arc<Avatars> {
        let (queue, mut jobs) = mpsc::channel::<(String, String)>(QUEUE);
        let avatars = Arc::new(Avatars {
            queue,
            pending: Mutex::new(HashSet::new()),
            hosts: hosts
                .into_iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .expect("the avatar client builds");
        let weak = Arc::downgrade(&avatars);
        tokio::spawn(async move {
            let slots = Arc::new(tokio::sync::Semaphore::new(FETCHERS));
            while let Some((key, url)) = jobs.recv().await {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                let (store, http, weak) = (store.clone(), http.clone(), weak.clone());
                tokio::spawn(async move {
                    let row = match fetch(&http, &url).await {
                        Ok((content_type, bytes)) => AvatarRow {
                            state: "ok".into(),
                            content_type: content_type.into(),
                            bytes,
                            error: String::new(),
                        },
                        Err(reason) => {
                            tracing::info!(avatar = %key, reason = %reason, "avatar not kept");
                            AvatarRow {
                                state: "failed".into(),
                                content_type: String::new(),
                                bytes: Vec::new(),
                                error: reason,
                            }
                        }
                    };
                    if let Err(e) = sql::save(&store, &key, &url, &row, crate::time::now_ms()).await
                    {
                        tracing::warn!(avatar = %key, error = %e, "avatar not stored");
                    }
                    if let Some(avatars) = weak.upgrade() {
                        avatars.pending.lock().expect("avatar queue").remove(&key);
                    }
                    drop(slot);
                });
            }
        });
        avatars
    }

    /// Whether avatars may come from this URL: http(s), on one of the hosts (or a subdomain
    /// of one), no user name or password.
    pub fn allowed(&self, url: &str) -> bool {
        let Ok(parsed) = url::Url::parse(url) else {
            return false;
        };
        if !matches!(parsed.scheme(), "http" | "https")
            || !parsed.username().is_empty()
            || parsed.password().is_some()
        {
            return false;
        }
        let Some(host) = parsed.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        let host_port = match parsed.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        self.hosts.iter().any(|allowed| {
            *allowed == host || *allowed == host_port || host.ends_with(&format!(".{allowed}"))
        })
    }

    /// What `/avatars/{key}` answers: the copy when there is one; otherwise the placeholder,
    /// and when `src` is the key's URL on an allowed host and was not tried before, a fetch
    /// queued.
    pub async fn serve(
        &self,
        store: &Store,
        key: &str,
        src: Option<&str>,
        initial: &str,
    ) -> crate::error::Result<Served> {
        let placeholder = || Served::Placeholder(placeholder(initial, key));
        if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(placeholder());
        }
        match sql::get(store, key).await? {
            Some(row) if row.state == "ok" => return Ok(Served::Copy(row.content_type, row.bytes)),
            Some(_) => return Ok(placeholder()),
            None => {}
        }
        if let Some(src) = src.filter(|s| key_of(s) == key && self.allowed(s)) {
            let fresh = self
                .pending
                .lock()
                .expect("avatar queue")
                .insert(key.to_string());
            if fresh
                && self
                    .queue
                    .try_send((key.to_string(), src.to_string()))
                    .is_err()
            {
                self.pending.lock().expect("avatar queue").remove(key);
            }
        }
        Ok(placeholder())
    }
}

/// Fetches one avatar: (content type, bytes), or why not.
async fn fetch(http: &reqwest::Client, url: &str) -> Result<(&'static str, Vec<u8>), String> {
    let mut resp = http.get(url).send().await.map_err(|e| {
        if e.is_timeout() {
            "timed out".to_string()
        } else {
            format!("unreachable: {e}")
        }
    })?;
    if resp.status().is_redirection() {
        return Err(format!("redirected ({}), not followed", resp.status()));
    }
    if !resp.status().is_success() {
        return Err(format!("answered {}", resp.status()));
    }
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_AVATAR_BYTES as u64)
    {
        return Err("larger than 1 MiB".into());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| format!("cut off: {e}"))? {
        if bytes.len() + chunk.len() > MAX_AVATAR_BYTES {
            return Err("larger than 1 MiB".into());
        }
        bytes.extend_from_slice(&chunk);
    }
    let (content_type, _) =
        super::images::kind_of(&bytes).map_err(|_| "not a PNG, JPEG or WebP image".to_string())?;
    Ok((content_type, bytes))
}

/// The placeholder: the initial (one character, "?" when none) on a colour chosen by the key.
pub fn placeholder(initial: &str, key: &str) -> String {
    const COLOURS: [&str; 7] = [
        "#e4572e", "#17bebb", "#ffc914", "#76b041", "#2e86ab", "#a23b72", "#f18f01",
    ];
    let letter: String = initial
        .chars()
        .find(|c| !c.is_control() && !c.is_whitespace())
        .map(String::from)
        .unwrap_or_else(|| "?".into());
    let escaped = match letter.as_str() {
        "&" => "&amp;".to_string(),
        "<" => "&lt;".to_string(),
        ">" => "&gt;".to_string(),
        "\"" => "&quot;".to_string(),
        "'" => "&#39;".to_string(),
        _ => letter,
    };
    let colour = COLOURS[key.bytes().map(usize::from).sum::<usize>() % COLOURS.len()];
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 100\" width=\"100\" \
         height=\"100\"><circle cx=\"50\" cy=\"50\" r=\"50\" fill=\"{colour}\"/><text x=\"50\" \
         y=\"50\" dy=\".35em\" text-anchor=\"middle\" font-size=\"50\" font-weight=\"700\" \
         fill=\"#fff\" font-family=\"sans-serif\">{escaped}</text></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avatars(hosts: &[&str]) -> Avatars {
        let (queue, _) = mpsc::channel(1);
        Avatars {
            queue,
            pending: Mutex::new(HashSet::new()),
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
        }
    }

    #[test]
    fn only_wechat_image_hosts_are_fetched_from() {
        let a = avatars(&["thirdwx.qlogo.cn", "127.0.0.1:8080"]);
        assert!(a.allowed("https://thirdwx.qlogo.cn/mmopen/vi_32/abc/132"));
        assert!(a.allowed("http://thirdwx.qlogo.cn/mmopen/abc/0"));
        assert!(a.allowed("https://a.thirdwx.qlogo.cn/x"));
        assert!(a.allowed("http://127.0.0.1:8080/mmopen/x/132"));
        for refused in [
            "https://evilthirdwx.qlogo.cn/x",
            "https://thirdwx.qlogo.cn.evil.com/x",
            "ftp://thirdwx.qlogo.cn/x",
            "https://user:pw@thirdwx.qlogo.cn/x",
            "http://127.0.0.1:9999/x",
            "http://127.0.0.1/x",
            "http://169.254.169.254/latest/meta-data",
            "not a url",
            "",
        ] {
            assert!(!a.allowed(refused), "{refused}");
        }
    }

    #[test]
    fn placeholders_escape_what_they_are_given() {
        let svg = placeholder("<script>", "k");
        assert!(svg.contains(">&lt;</text>"), "{svg}");
        assert!(!svg.contains("<script"));
        assert!(placeholder("", "k").contains(">?</text>"));
        assert!(placeholder("张三", "k").contains(">张</text>"));
        assert!(placeholder("\"", "k").contains(">&quot;</text>"));
    }

    #[test]
    fn paths_carry_the_key_of_their_url() {
        let url = "https://thirdwx.qlogo.cn/mmopen/abc/132";
        let path = path_for(url, "张*三");
        assert!(
            path.starts_with(&format!("/avatars/{}?src=", key_of(url))),
            "{path}"
        );
        assert!(path.ends_with("&initial=%E5%BC%A0"), "{path}");
        assert_eq!(path_for("", "张"), "");
        assert_eq!(key_of(url).len(), 32);
    }
}
