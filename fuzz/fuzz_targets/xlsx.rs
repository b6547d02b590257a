//! The .xlsx import: any bytes uploaded as a roster, a list of openIds or a campaign's
//! recipients go through `read_rows` (the zip's directory and shared-string counts checked
//! before calamine reads), then the header split and the cell checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxhub::activity::xlsx;

static QUIET_HOOK: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // As in the server: a panic inside calamine is caught by `read_rows` and refuses the file
    // (a cell reference whose row overflows u32 panics where overflow checks are on, as here,
    // and wraps in the release build, where the row and column bounds refuse it). libFuzzer's
    // hook would abort on the panic before `read_rows` catches it, so it is replaced; a panic
    // that escapes `read_rows` still aborts in libfuzzer-sys's own catch and counts as a crash.
    QUIET_HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    if let Ok(rows) = xlsx::read_rows(data, 500) {
        if let Ok((header, body)) = xlsx::split_header(&rows, 500) {
            let name = xlsx::column(header, &["姓名", "name"]);
            for row in body {
                if let Some(cell) = name.and_then(|i| row.get(i)) {
                    let _ = xlsx::name_cell(cell);
                }
            }
        }
    }
});
