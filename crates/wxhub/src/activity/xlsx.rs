//! .xlsx in and out: reading the first sheet of an upload into text rows (refusing what is not
//! a workbook, or would decompress beyond a limit), and writing a sheet of text rows.

use crate::error::{Error, Result};
use calamine::{Data, Reader, Xlsx};
use serde::Serialize;
use std::io::Cursor;
use utoipa::ToSchema;

/// What an upload may decompress to, in all (a 100,000-row roster is about 10 MB of XML).
const MAX_UNCOMPRESSED: u64 = 256 * 1024 * 1024;
/// What the shared-string table may decompress to: calamine holds it whole in memory (a
/// 100,000-row roster's names and phones are under 10 MB of it).
const MAX_SHARED_STRINGS_BYTES: u64 = 24 * 1024 * 1024;
/// What a worksheet may decompress to (read as a stream, but each cell whole).
const MAX_SHEET_BYTES: u64 = 128 * 1024 * 1024;
/// The longest text a cell may hold, in bytes of its XML: an import's cells are names,
/// phones, numbers and tags.
const MAX_CELL_TEXT_BYTES: usize = 32 * 1024;
const MAX_ENTRIES: usize = 10_000;

pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn not_xlsx() -> Error {
    Error::bad_request("文件不是有效的 .xlsx 表格")
}

/// The furthest column an import reads (A–Z): the templates have four.
pub const MAX_COLUMNS: u32 = 26;
/// The most strings a workbook may declare in its shared-string table before we open it
/// (calamine reserves room for the declared count up front).
const MAX_SHARED_STRINGS: u64 = 2_000_000;

/// The first sheet's rows as trimmed text, the header row included, from the first non-empty
/// row and column. Every cell position is checked as it streams by: a cell below row
/// `max_rows + 1` or right of column Z refuses the file, so a forged dimension or a cell at
/// XFD1048576 never sizes an allocation.
pub fn read_rows(bytes: &[u8], max_rows: usize) -> Result<Vec<Vec<String>>> {
    // Look at the zip's directory, and at the declared shared-string count, before
    // calamine decompresses or allocates anything.
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    if archive.len() > MAX_ENTRIES {
        return Err(not_xlsx());
    }
    let mut total: u64 = 0;
    let mut shared_strings = Vec::new();
    let mut sheets = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| not_xlsx())?;
        total = total.saturating_add(entry.size());
        let name = entry.name().map_err(|_| not_xlsx())?;
        let lower = name.to_ascii_lowercase();
        if lower.ends_with("sharedstrings.xml") {
            shared_strings.push(i);
        } else if lower.starts_with("xl/worksheets/") && lower.ends_with(".xml") {
            sheets.push(i);
        }
    }
    if total > MAX_UNCOMPRESSED {
        return Err(Error::bad_request("表格解压后过大"));
    }
    for i in shared_strings {
        let entry = archive.by_index(i).map_err(|_| not_xlsx())?;
        check_shared_string_counts(entry)?;
        let entry = archive.by_index(i).map_err(|_| not_xlsx())?;
        check_inflated(entry, MAX_SHARED_STRINGS_BYTES)?;
    }
    for i in sheets {
        let entry = archive.by_index(i).map_err(|_| not_xlsx())?;
        check_dimension(entry)?;
        let entry = archive.by_index(i).map_err(|_| not_xlsx())?;
        check_inflated(entry, MAX_SHEET_BYTES)?;
    }
    // calamine is third-party code reading hostile bytes: whatever it still panics on (the
    // fuzzer found a reversed dimension, now refused above) refuses the file instead of
    // answering 500.
    let placed = std::panic::catch_unwind(|| read_cells(bytes, max_rows)).unwrap_or_else(|_| {
        tracing::warn!("the .xlsx reader panicked on an upload; refused");
        Err(not_xlsx())
    })?;
    let (Some(first_row), Some(first_col)) = (
        placed.iter().map(|((r, _), _)| *r).min(),
        placed.iter().map(|((_, c), _)| *c).min(),
    ) else {
        return Ok(Vec::new());
    };
    let last_row = placed
        .iter()
        .map(|((r, _), _)| *r)
        .max()
        .unwrap_or(first_row);
    // Bounded: at most max_rows + 1 rows of at most MAX_COLUMNS cells.
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); (last_row - first_row + 1) as usize];
    for ((row, col), text) in placed {
        let line = &mut rows[(row - first_row) as usize];
        let at = (col - first_col) as usize;
        if line.len() <= at {
            line.resize(at + 1, String::new());
        }
        line[at] = text;
    }
    // Every row as wide as the widest, as a rectangular sheet reads.
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for line in &mut rows {
        line.resize(width, String::new());
    }
    Ok(rows)
}

/// The first sheet's non-empty cells with their positions, each checked as it streams by.
fn read_cells(bytes: &[u8], max_rows: usize) -> Result<Vec<((u32, u32), String)>> {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| Error::bad_request("表格中没有工作表"))?;
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(|_| not_xlsx())?;
    let max_row = u32::try_from(max_rows).unwrap_or(u32::MAX);
    let mut placed: Vec<((u32, u32), String)> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(|_| not_xlsx())? {
        let (row, col) = cell.get_position();
        let value: Data = cell.get_value().clone().into();
        if matches!(value, Data::Empty) {
            continue;
        }
        if row > max_row {
            return Err(Error::bad_request(format!("每次最多导入 {max_rows} 行")));
        }
        if col >= MAX_COLUMNS {
            return Err(Error::bad_request(format!(
                "表格最多 {MAX_COLUMNS} 列(A 到 Z),第 {} 行有超出范围的单元格",
                row + 1
            )));
        }
        placed.push(((row, col), cell_text(&value)));
    }
    Ok(placed)
}

/// Reads a part through, decompressing it in 64 KiB steps and keeping none of it, before
/// calamine holds any of it: refuses the part when it inflates beyond `max_bytes` (whatever
/// its header declares) or when any text in it — the run between one `>` and the next `<` —
/// is longer than [`MAX_CELL_TEXT_BYTES`]. A workbook of a few hundred KiB that inflates to one
/// 240 MiB string so costs 64 KiB to refuse, not the string.
fn check_inflated(entry: impl std::io::Read, max_bytes: u64) -> Result<()> {
    use std::io::Read;
    let mut entry = entry.take(max_bytes + 1);
    let mut buf = vec![0u8; 64 * 1024];
    let (mut total, mut run, mut in_text) = (0u64, 0usize, false);
    loop {
        let n = match entry.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(not_xlsx()),
        };
        total += n as u64;
        if total > max_bytes {
            return Err(Error::bad_request("表格解压后过大"));
        }
        for &b in &buf[..n] {
            match b {
                b'>' => {
                    in_text = true;
                    run = 0;
                }
                b'<' => in_text = false,
                _ if in_text => {
                    run += 1;
                    if run > MAX_CELL_TEXT_BYTES {
                        return Err(Error::bad_request(format!(
                            "表格中有过长的文字(单元格最多 {} KB)",
                            MAX_CELL_TEXT_BYTES / 1024
                        )));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Refuses a sheet whose `<dimension ref="C9:A1"/>` ends before it starts (calamine subtracts
/// the corners unchecked: found by fuzz/fuzz_targets/xlsx.rs). Only the sheet's head is read;
/// a sheet without a dimension, or with one calamine will refuse anyway, passes.
fn check_dimension(entry: impl std::io::Read) -> Result<()> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(entry.take(64 * 1024)));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "dimension" => {
                for attr in e.attributes().flatten() {
                    if attr.key.local_name().as_ref() != "ref" {
                        continue;
                    }
                    let text = attr.value.to_string();
                    if let Some((start, end)) = text.split_once(':') {
                        if let (Some(a), Some(b)) = (cell_position(start), cell_position(end)) {
                            if b.0 < a.0 || b.1 < a.1 {
                                return Err(Error::bad_request(format!(
                                    "表格的尺寸 {text} 无效(终点在起点之前)"
                                )));
                            }
                        }
                    }
                }
                return Ok(());
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == "sheetData" => return Ok(()),
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

/// "C9" → (row 9, column 3); None when it is not a cell reference.
fn cell_position(text: &str) -> Option<(u64, u64)> {
    let text = text.trim().replace('$', "");
    let digits_at = text.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = text.split_at(digits_at);
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let column = letters.bytes().fold(0u64, |n, b| {
        n * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    let row = digits.parse::<u64>().ok()?;
    Some((row, column))
}

/// Refuses a shared-string table whose `<sst>` declares more strings than any import holds
/// (`uniqueCount="10000000000000"` would make calamine reserve terabytes).
fn check_shared_string_counts(entry: impl std::io::Read) -> Result<()> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(entry.take(64 * 1024)));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                for attr in e.attributes() {
                    let attr = attr.map_err(|_| not_xlsx())?;
                    let key = attr.key.local_name();
                    if key.as_ref() == "uniqueCount" || key.as_ref() == "count" {
                        let digits: String =
                            attr.value.chars().filter(char::is_ascii_digit).collect();
                        let declared = digits.trim_start_matches('0');
                        if declared.len() > 12
                            || declared.parse::<u64>().unwrap_or(0) > MAX_SHARED_STRINGS
                        {
                            return Err(Error::bad_request("表格声明的字符串数量过大"));
                        }
                    }
                }
                return Ok(());
            }
            Ok(Event::Eof) | Err(_) => return Err(not_xlsx()),
            Ok(_) => {}
        }
    }
}

/// A place among the imports running at once, or 429: parsing and writing 200,000 rows
/// costs a core for seconds, so only a few run together.
pub fn import_permit(
    imports: &std::sync::Arc<tokio::sync::Semaphore>,
) -> Result<tokio::sync::OwnedSemaphorePermit> {
    imports
        .clone()
        .try_acquire_owned()
        .map_err(|_| Error::TooManyRequests("同时进行的导入过多,请稍后再试".into()))
}

/// The uploaded file of an import request: the body itself, or, in a multipart/form-data
/// body (as browsers and many clients upload), its first file part.
pub fn uploaded_file(
    headers: &axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<axum::body::Bytes> {
    let content_type = crate::http::params::content_type(headers);
    if !crate::http::multipart::is_multipart(&content_type) {
        return Ok(body);
    }
    crate::http::multipart::parse(&content_type, &body)?
        .into_iter()
        .find(|p| p.filename.is_some())
        .map(|p| p.data)
        .ok_or_else(|| Error::bad_request("multipart 请求体中没有文件"))
}

/// One refused row of an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    /// The row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub imported: u64,
}

/// The header row and the rows under it, refusing an empty sheet or one over `max_rows`.
pub fn split_header(rows: &[Vec<String>], max_rows: usize) -> Result<(&[String], &[Vec<String>])> {
    let Some((header, body)) = rows.split_first() else {
        return Err(Error::bad_request("表格为空"));
    };
    if body.len() > max_rows {
        return Err(Error::bad_request(format!("每次最多导入 {max_rows} 行")));
    }
    Ok((header, body))
}

/// The column whose header is one of `names` (case-insensitive).
pub fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
}

/// A row's 姓名: 1–32 characters.
pub fn name_cell(text: &str) -> std::result::Result<String, String> {
    crate::checks::check_name("姓名", text, 32).map_err(|_| "姓名应为 1 到 32 个字符".to_string())
}

/// A row's 手机号: empty, or a mainland mobile number.
pub fn phone_cell(
    text: &str,
) -> std::result::Result<Option<crate::platform::values::Phone>, String> {
    match text {
        "" => Ok(None),
        p => crate::platform::values::Phone::parse(p)
            .map(Some)
            .map_err(|_| format!("手机号 {p} 格式错误")),
    }
}

/// An import refused as a whole, with (up to 1,000 of) its refused rows in `data.errors`.
pub fn rejected(mut errors: Vec<RowError>) -> Error {
    let count = errors.len();
    errors.truncate(1000);
    Error::Rejected(
        format!("导入失败:{count} 行有误,未导入任何数据"),
        serde_json::json!({ "errors": errors }),
    )
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        // A phone typed as a number arrives as one: no ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Int(i) => i.to_string(),
        other => other.to_string().trim().to_string(),
    }
}

/// A workbook of one sheet: the header row, then the rows.
pub fn write(
    sheet: &str,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>> {
    crate::sheets::write(vec![crate::sheets::Sheet {
        name: sheet.to_string(),
        header: header.iter().map(|h| h.to_string()).collect(),
        rows: rows.collect(),
    }])
}

/// Who exported personal data through the API.
pub struct Exporter<'a> {
    pub client_id: &'a str,
    /// The org whose data it is (`None`: a platform client).
    pub org_id: Option<i64>,
    /// The client's address (`trusted_proxies` applies).
    pub address: &'a str,
}

/// An export with whole phones made through the API: written to the audit record the
/// console's 操作记录 reads (as `api:<client_id>`, account 0; the org's admins and platform
/// admins see it), then the download. A record that cannot be written is logged and the
/// export stands, as in the console.
pub async fn audited_download(
    store: &crate::store::Store,
    by: Exporter<'_>,
    action: &str,
    object: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> axum::response::Response {
    let row = crate::store::console_audit::AuditRow {
        account_id: 0,
        username: format!("api:{}", by.client_id),
        org_id: by.org_id,
        action: action.to_string(),
        object: object.to_string(),
        address: by.address.to_string(),
        at: crate::time::now_ms(),
        ..Default::default()
    };
    if let Err(e) = crate::store::console_audit::insert(store, &row).await {
        tracing::error!(error = %e, action, "could not write the audit record of an export");
    }
    download(file_name, bytes)
}

/// An .xlsx download.
pub fn download(file_name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, CONTENT_TYPE.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_sheet_reads_back() {
        let bytes = write(
            "名单",
            &["姓名", "手机号", "编号"],
            vec![vec!["张三".into(), "13145738791".into(), String::new()]].into_iter(),
        )
        .unwrap();
        let rows = read_rows(&bytes, 10).unwrap();
        assert_eq!(rows[0], vec!["姓名", "手机号", "编号"]);
        assert_eq!(
            rows[1][..2],
            ["张三".to_string(), "13145738791".to_string()]
        );
    }

    /// A workbook whose part `entry` is replaced by `head`, `fill` × `times`, `tail`, deflated
    /// as it is written (the inflated part is never in memory here either).
    fn with_part(entry: &str, head: &str, fill: &[u8], times: usize, tail: &str) -> Vec<u8> {
        use std::io::{Read, Write};
        let valid = write(
            "名单",
            &["姓名", "手机号"],
            vec![vec!["张三".into(), "13145738791".into()]].into_iter(),
        )
        .unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(valid)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9))
            .large_file(true);
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            let name = file.name().unwrap().to_string();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            out.start_file(name.as_str(), options).unwrap();
            if name == entry {
                out.write_all(head.as_bytes()).unwrap();
                for _ in 0..times {
                    out.write_all(fill).unwrap();
                }
                out.write_all(tail.as_bytes()).unwrap();
            } else {
                out.write_all(&bytes).unwrap();
            }
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_small_workbook_with_one_huge_string_is_refused_unread() {
        // One 240 MiB string in the shared-string table, under 1 MiB compressed.
        let mib = vec![b'a'; 1024 * 1024];
        let bytes = with_part(
            "xl/sharedStrings.xml",
            "<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"2\" uniqueCount=\"2\"><si><t>",
            &mib,
            240,
            "</t></si><si><t>13145738791</t></si></sst>",
        );
        assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
        let e = read_rows(&bytes, 10).unwrap_err();
        assert_eq!(e.message(), "表格中有过长的文字(单元格最多 32 KB)");

        // Many short strings beyond what the table may inflate to.
        let bytes = with_part(
            "xl/sharedStrings.xml",
            "<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"2\" uniqueCount=\"2\">",
            b"<si><t>13145738791</t></si>",
            1_000_000,
            "</sst>",
        );
        let e = read_rows(&bytes, 10).unwrap_err();
        assert_eq!(e.message(), "表格解压后过大");

        // A cell's inline string in the sheet is held to the same length.
        let bytes = with_part(
            "xl/worksheets/sheet1.xml",
            "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>",
            &mib,
            40,
            "</t></is></c></row></sheetData></worksheet>",
        );
        let e = read_rows(&bytes, 10).unwrap_err();
        assert_eq!(e.message(), "表格中有过长的文字(单元格最多 32 KB)");
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        assert!(read_rows(b"not a zip", 10).is_err());
        assert!(read_rows(b"PK\x03\x04garbage", 10).is_err());
        assert!(read_rows(&[], 10).is_err());
    }
}
