//! The .xlsx import: any bytes uploaded as a roster, a list of openIds or a campaign's
//! recipients go through `read_rows` (the zip's directory and shared-string counts checked
//! before calamine reads), then the header split and the cell checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxhub::activity::xlsx;

fuzz_target!(|data: &[u8]| {
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
