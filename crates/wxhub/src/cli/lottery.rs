//! `wxhub lottery verify`: recompute a published round from its record.

use clap::Subcommand;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Subcommand)]
pub(super) enum LotteryCommand {
    /// Recompute a drawn round from its published record (the JSON of
    /// GET /api/v3/activitys_lottery/{id}/rounds/{round}, whole or its `data`; `-` for stdin).
    Verify { file: PathBuf },
}

pub(super) fn verify(file: &std::path::Path) -> Result<(), String> {
    use crate::activity::lottery::{verify, RoundRecord, Verdict};
    let text = if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        text
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let value = match value.get("data") {
        Some(data) if data.is_object() => data.clone(),
        _ => value,
    };
    let record: RoundRecord =
        serde_json::from_value(value).map_err(|e| format!("not a round record: {e}"))?;
    match verify(&record) {
        Verdict::Verified => {
            println!(
                "verified: round {} — seed matches seed_hash, {} participants match list_hash, \
                 {} winners recomputed",
                record.round_id,
                record.participants.as_ref().map_or(0, Vec::len),
                record.winners.len()
            );
            Ok(())
        }
        Verdict::Mismatch(why) => Err(format!("NOT verified: {why}")),
    }
}
