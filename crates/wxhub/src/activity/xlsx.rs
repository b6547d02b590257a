//! .xlsx in and out: reading the first sheet of an upload into text rows (refusing what is not
//! a workbook, or would decompress beyond a limit), and writing a sheet of text rows.

use crate::error::{Error, Result};
use calamine::{Data, Reader, Xlsx};
use serde::Serialize;
use std::io::Cursor;
use utoipa::ToSchema;

/// What an upload may decompress to, in all (a 100,000-row roster is about 10 MB of XML).
const MAX_UNCOMPRESSED: u64 = 256 * 1024 * 1024;
const MAX_ENTRIES: usize = 10_000;

pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn not_xlsx() -> Error {
    Error::bad_request("文件不是有效的 .xlsx 表格")
}

/// The first sheet's rows as trimmed text, the header row included.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    // Look at the zip's directory before decompressing anything.
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    if archive.len() > MAX_ENTRIES {
        return Err(not_xlsx());
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| not_xlsx())?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNCOMPRESSED {
        return Err(Error::bad_request("表格解压后过大"));
    }
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| Error::bad_request("表格中没有工作表"))?
        .map_err(|_| not_xlsx())?;
    Ok(range
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect())
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
    crate::admin::check_name("姓名", text, 32).map_err(|_| "姓名应为 1 到 32 个字符".to_string())
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
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).map_err(Error::internal)?;
    for (col, title) in header.iter().enumerate() {
        worksheet
            .write_string(0, col as u16, *title)
            .map_err(Error::internal)?;
        worksheet
            .set_column_width(col as u16, 18)
            .map_err(Error::internal)?;
    }
    for (i, row) in rows.enumerate() {
        for (col, value) in row.iter().enumerate() {
            if !value.is_empty() {
                worksheet
                    .write_string(i as u32 + 1, col as u16, value)
                    .map_err(Error::internal)?;
            }
        }
    }
    workbook.save_to_buffer().map_err(Error::internal)
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
        let rows = read_rows(&bytes).unwrap();
        assert_eq!(rows[0], vec!["姓名", "手机号", "编号"]);
        assert_eq!(
            rows[1][..2],
            ["张三".to_string(), "13145738791".to_string()]
        );
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        assert!(read_rows(b"not a zip").is_err());
        assert!(read_rows(b"PK\x03\x04garbage").is_err());
        assert!(read_rows(&[]).is_err());
    }
}
