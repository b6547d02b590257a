use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

const GET_ALL: &str = "/mpwechat/wx/application/getAll";

async fn seed_apps(app: &TestApp, admin: &str) {
    for (name, app_type, state) in [
        ("qaq", "1", "0"),
        ("亮健好药网", "1", "0"),
        ("QAQ plus", "2", "1"),
        ("50%_off", "3", "0"),
    ] {
        let resp = app
            .json(
                Method::POST,
                "/admin/api/v1/applications",
                Some(admin),
                json!({"name": name, "img": "http://192.168.50.39:8081/public/a.jpg",
                       "type": "3", "typeName": "亮健好药网", "appType": app_type,
                       "enterUrl": "http://ue.360lj.com/api/Home/Login?identity=0&appId=27",
                       "content": "qaqaqaqaq", "state": state}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
}

async fn names(app: &TestApp, token: &str, body: Value) -> Vec<String> {
    let resp = app
        .json(Method::POST, GET_ALL, Some(token), body.clone())
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{body}: {}", resp.text);
    resp.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn get_all_answers_the_seeds_sample_exactly() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    seed_apps(&app, &admin).await;
    let resp = app
        .json(
            Method::POST,
            GET_ALL,
            Some(&admin),
            json!({"filters": [{"field": "name", "operate": "contains", "value": "qaq"}],
                   "pageIndex": 1, "pageSize": 10, "sortDirection": 1, "sortField": "id",
                   "sumFields": []}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    let body = resp.json();
    assert_eq!(body["success"], 1);
    assert_eq!(body["messageCode"], 100);
    assert_eq!(body["message"], "操作成功!");
    assert_eq!(body["result"], Value::Null);
    assert_eq!(body["totalCount"], 2);
    let item = &body["items"][0];
    let mut keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "appType",
            "appTypeName",
            "content",
            "createTime",
            "enterUrl",
            "id",
            "img",
            "name",
            "rownum",
            "state",
            "stateName",
            "type",
            "typeName",
            "updateTime"
        ]
    );
    assert_eq!(
        item["name"], "QAQ plus",
        "descending by id, case-insensitive contains"
    );
    assert_eq!(item["rownum"], 1);
    assert_eq!(item["appType"], "2");
    assert_eq!(item["appTypeName"], "小程序");
    assert_eq!(item["state"], "1");
    assert_eq!(item["stateName"], "停用");
    assert_eq!(item["type"], "3");
    assert_eq!(item["typeName"], "亮健好药网");
    assert!(item["id"].is_i64());
    let created = item["createTime"].as_str().unwrap();
    assert_eq!(created.len(), 19, "{created}");
    assert_eq!(&created[4..5], "-");
    assert_eq!(&created[10..11], " ");
    assert_eq!(body["items"][1]["rownum"], 2);
    assert_eq!(body["items"][1]["appTypeName"], "公众号H5");
    assert_eq!(body["items"][1]["stateName"], "正常");
}

#[tokio::test]
async fn filters_sort_and_page_with_bound_values() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    seed_apps(&app, &admin).await;
    let t = admin.as_str();
    assert_eq!(
        names(&app, t, json!({})).await,
        ["qaq", "亮健好药网", "QAQ plus", "50%_off"]
    );
    assert_eq!(
        names(
            &app,
            t,
            json!({"filters": [{"field": "appType", "operate": "eq", "value": "1"}]})
        )
        .await,
        ["qaq", "亮健好药网"]
    );
    assert_eq!(
        names(
            &app,
            t,
            json!({"filters": [{"field": "appType", "operate": "in", "value": ["2", "3"]}],
                              "sortField": "name", "sortDirection": 0})
        )
        .await,
        ["50%_off", "QAQ plus"]
    );
    assert_eq!(
        names(
            &app,
            t,
            json!({"filters": [{"field": "state", "operate": "ne", "value": "0"}]})
        )
        .await,
        ["QAQ plus"]
    );
    assert_eq!(
        names(
            &app,
            t,
            json!({"filters": [{"field": "name", "operate": "startsWith", "value": "qa"}]})
        )
        .await,
        ["qaq", "QAQ plus"]
    );
    // LIKE wildcards in values match literally.
    assert_eq!(
        names(
            &app,
            t,
            json!({"filters": [{"field": "name", "operate": "contains", "value": "%_"}]})
        )
        .await,
        ["50%_off"]
    );
    assert!(
        names(
            &app,
            t,
            json!({"filters": [{"field": "name", "operate": "contains", "value": "_"}]})
        )
        .await
        .len()
            == 1
    );
    let ids: Vec<i64> = app
        .json(Method::POST, GET_ALL, Some(t), json!({}))
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        names(&app, t, json!({"filters": [{"field": "id", "operate": "gt", "value": ids[1]},
                                          {"field": "id", "operate": "lte", "value": ids[2].to_string()}]})).await,
        ["QAQ plus"]
    );
    assert_eq!(
        names(&app, t, json!({"filters": [{"field": "createTime", "operate": "gte", "value": "2000-01-01 00:00:00"}],
                              "pageSize": 3})).await.len(),
        3
    );
    assert!(names(&app, t, json!({"filters": [{"field": "createTime", "operate": "lt", "value": "2000-01-01 00:00:00"}]}))
        .await
        .is_empty());
    // Page 2 of size 3 holds the fourth row, numbered 4.
    let page2 = app
        .json(
            Method::POST,
            GET_ALL,
            Some(t),
            json!({"pageIndex": 2, "pageSize": 3}),
        )
        .await
        .json();
    assert_eq!(page2["items"][0]["rownum"], 4);
    assert_eq!(page2["totalCount"], 4);
    // Injection attempts are values, not SQL.
    assert!(names(
        &app,
        t,
        json!({"filters": [{"field": "name", "operate": "eq", "value": "' OR 1=1 --"}]})
    )
    .await
    .is_empty());
    // The seed's string forms: filters as a string holding JSON, numbers as strings.
    let form = app
        .call(
            Method::POST,
            GET_ALL,
            Some(t),
            Some("application/x-www-form-urlencoded"),
            "filters=%5B%7B%22field%22%3A%22name%22%2C%22operate%22%3A%22eq%22%2C%22value%22%3A%22qaq%22%7D%5D&pageIndex=1&pageSize=10&sortDirection=1",
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    assert_eq!(form.json()["totalCount"], 1);
}

#[tokio::test]
async fn bad_list_requests_are_clear_400s() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let cases = [
        (
            json!({"filters": [{"field": "secret", "operate": "eq", "value": "x"}]}),
            "不支持的字段: secret",
        ),
        (
            json!({"filters": [{"field": "name", "operate": "like", "value": "x"}]}),
            "不支持的操作: like",
        ),
        (
            json!({"filters": [{"field": "id", "operate": "contains", "value": "1"}]}),
            "字段 id 不支持 contains",
        ),
        (
            json!({"filters": [{"field": "id", "operate": "eq", "value": "one"}]}),
            "字段 id 的值格式错误",
        ),
        (
            json!({"filters": [{"field": "createTime", "operate": "gt", "value": "yesterday"}]}),
            "字段 createTime 的值格式错误",
        ),
        (
            json!({"filters": [{"field": "id", "operate": "in", "value": []}]}),
            "字段 id 的 in 列表需要 1 到 100 个值",
        ),
        (json!({"pageSize": 1001}), "pageSize 必须在 1 到 1000 之间"),
        (json!({"pageSize": 0}), "pageSize 必须在 1 到 1000 之间"),
        (json!({"pageIndex": 0}), "pageIndex 必须大于等于 1"),
        (
            json!({"sortField": "name; DROP TABLE applications"}),
            "不支持的字段: name; DROP TABLE applications",
        ),
        (
            json!({"sortDirection": "sideways"}),
            "sortDirection 只能是 0 (升序) 或 1 (降序)",
        ),
        (json!({"sumFields": ["id"]}), "不支持汇总字段: id"),
    ];
    for (body, message) in cases {
        let resp = app
            .json(Method::POST, GET_ALL, Some(&admin), body.clone())
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(resp.json(), marketing_error(400, message), "{body}");
    }
    // Missing token.
    let resp = app.json(Method::POST, GET_ALL, None, json!({})).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn get_all_answers_under_every_gateway_prefix() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    for path in [
        "/wx/application/getAll",
        "/mpwechat/wx/application/getAll",
        "/mp/wx/application/getAll",
    ] {
        let resp = app.json(Method::POST, path, Some(&admin), json!({})).await;
        assert_eq!(resp.status, StatusCode::OK, "{path}");
    }
    let app = TestApp::with(|c| c.route_prefixes = vec!["/mp2".into()]).await;
    let admin = app.admin_token().await;
    assert_eq!(
        app.json(
            Method::POST,
            "/mp2/wx/application/getAll",
            Some(&admin),
            json!({})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.json(
            Method::POST,
            "/mpwechat/wx/application/getAll",
            Some(&admin),
            json!({})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn application_admin_validates_input() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let t = Some(admin.as_str());
    let cases = [
        (json!({"img": "x"}), "缺少参数 name"),
        (
            json!({"name": "a", "appType": "9"}),
            "appType 只能是 1、2、3 或 4",
        ),
        (json!({"name": "a", "state": "2"}), "state 只能是 0 或 1"),
        (
            json!({"name": "a", "enterUrl": "javascript:alert(1)"}),
            "enterUrl 只能是 http 或 https 地址",
        ),
        (
            json!({"name": "a", "enterUrl": "not a url"}),
            "enterUrl 不是合法的 URL",
        ),
    ];
    for (body, message) in cases {
        let resp = app
            .json(Method::POST, "/admin/api/v1/applications", t, body.clone())
            .await;
        assert_eq!(resp.json(), marketing_error(400, message), "{body}");
    }
    let created = app
        .json(
            Method::POST,
            "/admin/api/v1/applications",
            t,
            json!({"name": "a"}),
        )
        .await
        .json();
    let id = created["result"]["id"].as_i64().unwrap();
    assert_eq!(created["result"]["appType"], "1");
    assert_eq!(created["result"]["state"], "0");
    let updated = app
        .json(
            Method::PUT,
            &format!("/admin/api/v1/applications/{id}"),
            t,
            json!({"state": "1"}),
        )
        .await
        .json();
    assert_eq!(updated["result"]["stateName"], "停用");
    assert_eq!(updated["result"]["name"], "a");
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/admin/api/v1/applications/{id}"),
            t,
            None,
            ""
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/admin/api/v1/applications/{id}"), t)
            .await
            .json(),
        marketing_error(404, "应用不存在")
    );
}
