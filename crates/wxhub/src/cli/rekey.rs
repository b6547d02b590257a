//! `wxhub secrets rekey --new-key-file FILE`: moves every sealed secret in the database to a
//! new secrets key (store/reseal.rs), then installs the key where this instance reads it. Run
//! it with every instance stopped (docs/deployment.md, "Rotating the secrets key").

use crate::config::Config;
use crate::crypto::SecretBox;
use crate::store::reseal;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::json;
use std::path::Path;

/// The new key from FILE, or a new random key written to FILE (0600, synced) first, so that it
/// exists somewhere before anything is sealed with it.
fn new_key(file: &Path) -> Result<(SecretBox, String, bool), String> {
    let (text, made) = match std::fs::read_to_string(file) {
        Ok(text) => (text.trim().to_string(), false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = STANDARD.encode(crate::crypto::random_bytes::<32>());
            crate::crypto::write_private_file(file, text.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            (text, true)
        }
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    let bytes = STANDARD
        .decode(&text)
        .map_err(|_| format!("{} is not base64", file.display()))?;
    let key = SecretBox::from_key(&bytes).map_err(|e| e.0)?;
    Ok((key, text, made))
}

pub(super) async fn rekey(config: &Config, file: &Path) -> Result<serde_json::Value, String> {
    let (new, new_text, made) = new_key(file)?;
    let (store, old) = crate::open_store(config).await.map_err(|e| e.0)?;
    let (old_open, total) = reseal::count_opening(&store, &old)
        .await
        .map_err(|e| e.to_string())?;
    let report = if total > 0 && old_open == 0 {
        // An earlier run committed and stopped before installing the key: finish it.
        let (new_open, _) = reseal::count_opening(&store, &new)
            .await
            .map_err(|e| e.to_string())?;
        if new_open != total {
            return Err(format!(
                "the database's secrets open with neither the current key nor {}",
                file.display()
            ));
        }
        None
    } else {
        Some(
            reseal::reseal(&store, &old, &new)
                .await
                .map_err(|e| format!("nothing was changed: {e}"))?,
        )
    };
    store.close().await;
    let installed = if config.secret_key.is_empty() {
        // This instance reads data_dir/secret.key: replace it, whole or not at all.
        let path = Path::new(&config.data_dir).join("secret.key");
        let staged = Path::new(&config.data_dir).join("secret.key.new");
        let _ = std::fs::remove_file(&staged);
        crate::crypto::write_private_file(&staged, new_text.as_bytes())
            .and_then(|_| std::fs::rename(&staged, &path))
            .map_err(|e| {
                format!(
                    "the database is re-sealed under the key in {}, but {} could not be replaced ({e}): copy it there",
                    file.display(),
                    path.display()
                )
            })?;
        json!({"secretKeyFile": path.display().to_string()})
    } else {
        json!({"secretKeyFile": null,
               "next": format!("set WXHUB_SECRET_KEY (secret_key) to the contents of {} on every instance before starting them", file.display())})
    };
    Ok(json!({
        "newKeyFile": file.display().to_string(),
        "newKeyMade": made,
        "alreadyResealed": report.is_none(),
        "report": report,
        "installed": installed,
    }))
}
