//! Writing .xlsx workbooks: sheets of text cells under a header row (exports of activities,
//! of one person's data).

use crate::error::{Error, Result};

/// One sheet of a workbook: its name, its header row and its rows.
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A workbook of several sheets, in order.
pub fn write(sheets: Vec<Sheet>) -> Result<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name).map_err(Error::internal)?;
        for (col, title) in sheet.header.iter().enumerate() {
            worksheet
                .write_string(0, col as u16, title)
                .map_err(Error::internal)?;
            worksheet
                .set_column_width(col as u16, 18)
                .map_err(Error::internal)?;
        }
        for (i, row) in sheet.rows.iter().enumerate() {
            for (col, value) in row.iter().enumerate() {
                if !value.is_empty() {
                    worksheet
                        .write_string(i as u32 + 1, col as u16, value)
                        .map_err(Error::internal)?;
                }
            }
        }
    }
    workbook.save_to_buffer().map_err(Error::internal)
}
