//! Rosters in and out as .xlsx: the template, all-or-nothing imports with a per-row report,
//! hostile uploads, and the exports.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn workbook(rows: &[Vec<Value>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v {
                Value::String(s) => {
                    ws.write_string(r as u32, c as u16, s).unwrap();
                }
                Value::Number(n) => {
                    ws.write_number(r as u32, c as u16, n.as_f64().unwrap())
                        .unwrap();
                }
                _ => {}
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

pub(crate) fn read(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// The names of a workbook's sheets, in order.
pub(crate) fn sheet_names(bytes: &[u8]) -> Vec<String> {
    use calamine::Reader;
    let wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    wb.sheet_names()
}

/// The cells of the sheet `name`, as text.
pub(crate) fn read_sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    wb.worksheet_range(name)
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

struct Ctx {
    app: TestApp,
    org: String,
    meeting: i64,
}

async fn ctx() -> Ctx {
    let app = TestApp::new().await;
    let org_id = app.org("机构").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let mut c = Ctx {
        app,
        org,
        meeting: 0,
    };
    c.meeting = c
        .app
        .json(
            Method::POST,
            &c.q("/api/v3/meetings"),
            None,
            json!({"name": "年会"}),
        )
        .await
        .json()["data"]["id"]
        .as_i64()
        .unwrap();
    c
}

impl Ctx {
    fn q(&self, path: &str) -> String {
        as_org(path, &self.org)
    }

    async fn import(&self, bytes: Vec<u8>) -> Resp {
        self.app
            .call(
                Method::POST,
                &self.q(&format!("/api/v3/meetings/{}/members/import", self.meeting)),
                None,
                Some(XLSX),
                bytes,
            )
            .await
    }

    async fn roster_size(&self) -> i64 {
        self.app
            .get(
                &self.q(&format!("/api/v3/meetings/{}/members", self.meeting)),
                None,
            )
            .await
            .json()["data"]["total_count"]
            .as_i64()
            .unwrap()
    }
}

#[tokio::test]
async fn a_roster_imports_from_the_template_and_exports_back() {
    let c = ctx().await;
    let (status, ctype, template) =
        bytes_of(&c.app, &c.q("/api/v3/meetings/roster_template")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, XLSX);
    assert_eq!(read(&template)[0], vec!["姓名", "手机号", "编号", "部门"]);

    // Columns in another order, a phone typed as a number, blank rows skipped.
    let file = workbook(&[
        vec![json!("编号"), json!("姓名"), json!("手机号")],
        vec![json!("E-001"), json!("张三"), json!(13145738791_i64)],
        vec![json!(""), json!("李四"), json!("139 0000 0001")],
        vec![],
        vec![json!("E-003"), json!("王五"), json!("")],
    ]);
    let resp = c.import(file).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(
        resp.json(),
        json!({"code": 0, "msg": "导入成功", "data": {"imported": 3}})
    );
    assert_eq!(c.roster_size().await, 3);
    let (status, _, exported) = bytes_of(
        &c.app,
        &c.q(&format!("/api/v3/meetings/{}/members/export", c.meeting)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rows = read(&exported);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1], vec!["张三", "13145738791", "E-001", ""]);
    assert_eq!(rows[2], vec!["李四", "13900000001", "", ""]);

    // The imported roster gates joining.
    let activity = c
        .app
        .json(
            Method::POST,
            &c.q("/api/v3/activitys_signin"),
            None,
            json!({"activity_name": "签到", "permission": c.meeting, "collect_info": "phone"}),
        )
        .await
        .json()["data"]["activity_id"]
        .as_i64()
        .unwrap();
    let join = |phone: &str| json!({"member_id": "x", "member_phone": phone});
    let path = c.q(&format!("/api/v3/activitys_for_wx/{activity}/wx/userInfo"));
    assert_eq!(
        c.app
            .json(Method::POST, &path, None, join("13900000001"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        c.app
            .json(Method::POST, &path, None, join("13900000002"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Members export.
    let (status, _, members) = bytes_of(
        &c.app,
        &c.q(&format!("/api/v3/activitys/{activity}/members/export")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let rows = read(&members);
    assert_eq!(rows[0][0], "成员ID");
    assert_eq!(rows[1][0], "x");
    assert_eq!(rows[1][3], "13900000001");
}

#[tokio::test]
async fn an_import_with_bad_rows_writes_nothing_and_says_which() {
    let c = ctx().await;
    let resp = c
        .app
        .json(
            Method::POST,
            &c.q(&format!("/api/v3/meetings/{}/members", c.meeting)),
            None,
            json!({"name": "已有", "phone": "13700000000"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    let file = workbook(&[
        vec![json!("姓名"), json!("手机号"), json!("编号")],
        vec![json!("好人"), json!("13145738791"), json!("")],
        vec![json!("坏号"), json!("12345"), json!("")],
        vec![json!("重复"), json!("13145738791"), json!("")],
        vec![json!("已在名单"), json!("13700000000"), json!("")],
        vec![json!(""), json!("13600000000"), json!("")],
        vec![json!("都没有"), json!(""), json!("")],
        vec![json!("编号重"), json!(""), json!("N1")],
        vec![json!("编号重2"), json!(""), json!("N1")],
    ]);
    let resp = c.import(file).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
    let body = resp.json();
    assert_eq!(body["code"], 1);
    assert_eq!(body["msg"], "导入失败:6 行有误,未导入任何数据");
    let errors = row_errors(&body);
    assert_eq!(
        errors,
        vec![
            (3, "手机号 12345 格式错误".to_string()),
            (4, "手机号重复(表格内或名单中已有)".into()),
            (5, "手机号重复(表格内或名单中已有)".into()),
            (6, "姓名应为 1 到 32 个字符".into()),
            (7, "手机号与编号至少填写一个".into()),
            (9, "编号 N1 重复(表格内或名单中已有)".into()),
        ]
    );
    assert_eq!(c.roster_size().await, 1, "nothing written");

    // Not a workbook, a broken one, an empty body, no name column.
    for (bytes, msg) in [
        (b"name,phone\nx,1".to_vec(), "文件不是有效的 .xlsx 表格"),
        (
            b"PK\x03\x04\x14\x00broken".to_vec(),
            "文件不是有效的 .xlsx 表格",
        ),
        (Vec::new(), "文件不是有效的 .xlsx 表格"),
        (
            workbook(&[vec![json!("手机号")], vec![json!("13145738791")]]),
            "表格缺少“姓名”列",
        ),
        (
            workbook(&[vec![json!("姓名")], vec![json!("张三")]]),
            "表格需要“手机号”或“编号”列",
        ),
    ] {
        let resp = c.import(bytes).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
        assert_eq!(resp.json(), activity_error(msg));
    }
    assert_eq!(c.roster_size().await, 1);
}

/// `workbook` with one entry's text replaced: how a hostile file is made from a valid one.
fn patched(bytes: &[u8], entry: &str, replace: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        if name == entry {
            text = replace(&text);
        }
        out.start_file(name, options).unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The hostile files: a dimension that ends before it starts (found by fuzzing), a cell at
/// XFD1048576 beside A1 (calamine would size a
/// 17-billion-cell range) and a shared-string table declaring 10^13 strings. Each must be
/// refused with a 400 before anything is allocated, on both imports; the server lives on.
fn hostile_files(header: &[&str], row: &[&str]) -> Vec<(Vec<u8>, &'static str)> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
        ws.write_string(1, c as u16, row[c]).unwrap();
    }
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let far_cell = wb.save_to_buffer().unwrap();
    let far_column = {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 16_383, "x").unwrap();
        wb.save_to_buffer().unwrap()
    };
    let rows: Vec<Vec<Value>> = vec![
        header.iter().map(|h| json!(h)).collect(),
        row.iter().map(|v| json!(v)).collect(),
    ];
    let huge_count = patched(&workbook(&rows), "xl/sharedStrings.xml", |xml| {
        let at = xml.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
        let end = at + xml[at..].find('"').unwrap();
        format!("{}10000000000000{}", &xml[..at], &xml[end..])
    });
    // Found by fuzz/fuzz_targets/xlsx.rs: a dimension that ends before it starts made
    // calamine subtract past zero (a panic, a 500).
    let reversed = patched(&workbook(&rows), "xl/worksheets/sheet1.xml", |xml| {
        let at = xml.find("<dimension ref=\"").unwrap() + "<dimension ref=\"".len();
        let end = at + xml[at..].find('"').unwrap();
        format!("{}C9:A1{}", &xml[..at], &xml[end..])
    });
    vec![
        (reversed, "表格的尺寸 C9:A1 无效(终点在起点之前)"),
        (far_cell, "每次最多导入 200000 行"),
        (
            far_column,
            "表格最多 26 列(A 到 Z),第 2 行有超出范围的单元格",
        ),
        (huge_count, "表格声明的字符串数量过大"),
    ]
}

#[tokio::test]
async fn a_forged_dimension_or_string_count_is_refused_before_allocating() {
    let c = ctx().await;
    for (bytes, msg) in hostile_files(&["姓名", "手机号", "编号"], &["张三", "13145738791", "E1"])
    {
        let resp = c.import(bytes).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
        assert_eq!(resp.json(), activity_error(msg));
    }
    assert_eq!(c.roster_size().await, 0);

    // The lottery's participant import reads through the same guard.
    let lottery = crate::lottery::ctx_for(0, "internal").await;
    for (bytes, msg) in hostile_files(&["编号", "姓名"], &["E1", "张三"]) {
        let uri = as_org(
            &format!(
                "/api/v3/activitys_lottery/{}/participants/import",
                lottery.id
            ),
            &lottery.org,
        );
        let resp = lottery
            .app
            .call(
                Method::POST,
                &uri,
                None,
                Some(XLSX),
                axum::body::Body::from(bytes),
            )
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
        assert_eq!(resp.json(), activity_error(msg));
    }
}

#[tokio::test]
async fn imports_beyond_the_concurrent_limit_get_429_and_large_ones_land_whole() {
    let c = ctx().await;
    let rows = |n: usize| -> Vec<Vec<Value>> {
        std::iter::once(vec![json!("姓名"), json!("手机号"), json!("编号")])
            .chain((0..n).map(|i| vec![json!(format!("人{i}")), json!(""), json!(format!("N{i}"))]))
            .collect()
    };
    // Every permit taken (as by imports in flight): the next import waits for none.
    let held: Vec<_> = (0..c.app.config.max_concurrent_imports)
        .map(|_| c.app.state.imports.clone().try_acquire_owned().unwrap())
        .collect();
    let resp = c.import(workbook(&rows(3))).await;
    assert_eq!(resp.status, StatusCode::TOO_MANY_REQUESTS, "{}", resp.text);
    assert_eq!(resp.json(), activity_error("同时进行的导入过多,请稍后再试"));
    assert_eq!(c.roster_size().await, 0);
    drop(held);

    // Written in several transactions (1,000 rows each), it still lands whole.
    let resp = c.import(workbook(&rows(2_345))).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"]["imported"], 2_345);
    assert_eq!(c.roster_size().await, 2_345);
}

#[tokio::test]
async fn a_roster_uploads_as_a_multipart_file_too() {
    let c = ctx().await;
    let file = workbook(&[
        vec![json!("姓名"), json!("手机号"), json!("编号")],
        vec![json!("张三"), json!("13145738791"), json!("E1")],
    ]);
    let (ct, body) = crate::fans::multipart(&[("note", "名单")], Some(("名单.xlsx", &file)));
    let resp = c
        .app
        .call(
            Method::POST,
            &c.q(&format!("/api/v3/meetings/{}/members/import", c.meeting)),
            None,
            Some(&ct),
            body,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"]["imported"], 1);
    let (ct, body) = crate::fans::multipart(&[("note", "没有文件")], None);
    let resp = c
        .app
        .call(
            Method::POST,
            &c.q(&format!("/api/v3/meetings/{}/members/import", c.meeting)),
            None,
            Some(&ct),
            body,
        )
        .await;
    assert_eq!(resp.json(), activity_error("multipart 请求体中没有文件"));
}
