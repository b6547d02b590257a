//! Runs wechatpy's side of a cross-check (crosscheck.py beside this file), installing wechatpy
//! from PyPI into a venv under the workspace's target/tmp on first use (WECHATPY_PYTHON names
//! an interpreter that has it instead). Shared by the simulator's and wxhub's tests.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;

static VENV: Mutex<Option<PathBuf>> = Mutex::new(None);

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("WECHATPY_PYTHON") {
        return PathBuf::from(p);
    }
    let mut guard = VENV.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = guard.as_ref() {
        return p.clone();
    }
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wechatpy-venv");
    let py = venv.join("bin/python");
    let ready = Command::new(&py)
        .args(["-c", "import wechatpy, cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is needed for the wechatpy cross-checks");
        assert!(status.success(), "python3 -m venv failed");
        let status = Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "wechatpy==1.8.18",
                "cryptography",
            ])
            .status()
            .expect("pip runs");
        assert!(status.success(), "pip install wechatpy failed");
    }
    *guard = Some(py.clone());
    py
}

pub fn wechatpy(args: &[&str], stdin: &str) -> Value {
    // From either crate's directory (crates/wechat-sim or crates/wxhub).
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../wechat-sim/tests/wechatpy/crosscheck.py"
    );
    let mut child = Command::new(python())
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "wechatpy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
