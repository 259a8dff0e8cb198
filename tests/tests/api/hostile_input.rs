//! Hostile input: filters that used to overflow a worker's stack, amounts
//! that used to poison every sum, text PostgreSQL cannot store, dates out of
//! any sane range. Each is refused with a coded error, and the server keeps
//! answering.

use serde_json::{Value, json};

use crate::auth::api_token;
use crate::harness::{TestApp, first_error_code, spawn_app};

/// `{ __typename }` answers: the server is still up.
async fn still_up(app: &TestApp) {
    let body = app.gql("{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
}

fn branches(n: usize, leaf: impl Fn(usize) -> Value) -> Vec<Value> {
    (0..n).map(leaf).collect()
}

#[tokio::test]
async fn a_filter_with_a_thousand_or_or_and_branches_is_refused_and_the_server_stays_up() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&client))
        .await;
    // A portal user's READ token is enough to have tried it.
    let (read_token, _) = {
        let body = app
            .gql_as(
                &portal.token,
                "mutation { createApiToken(input: {name: \"r\", scopes: [READ]}) { token } }",
                json!({}),
            )
            .await;
        (
            body["data"]["createApiToken"]["token"]
                .as_str()
                .unwrap()
                .to_owned(),
            (),
        )
    };
    let lists = [
        ("clients", "ClientFilter", json!({ "name": { "eq": "x" } })),
        (
            "engagements",
            "EngagementFilter",
            json!({ "code": { "eq": "X" } }),
        ),
        (
            "contacts",
            "ContactFilter",
            json!({ "name": { "eq": "x" } }),
        ),
        (
            "services",
            "ServiceFilter",
            json!({ "code": { "eq": "X" } }),
        ),
    ];
    for (list, ty, leaf) in lists {
        for combinator in ["or", "and"] {
            let filter = json!({ combinator: branches(1000, |_| leaf.clone()) });
            let body = app
                .gql_as(
                    &read_token,
                    &format!("query($f: {ty}) {{ {list}(filter: $f) {{ totalCount }} }}"),
                    json!({ "f": filter }),
                )
                .await;
            assert_eq!(
                first_error_code(&body),
                "BAD_USER_INPUT",
                "{list} {combinator}: {body}"
            );
            let message = body["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains("TANDEM_MAX_FILTER_BRANCHES"), "{message}");
        }
    }
    still_up(&app).await;
}

#[tokio::test]
async fn a_filter_at_the_branch_limit_is_answered_and_one_past_it_is_refused() {
    let app = spawn_app().await;
    app.create_client("Acme", "ACME").await;
    let q = "query($f: ClientFilter) { clients(filter: $f) { totalCount } }";
    let leaf = |i: usize| json!({ "code": { "eq": if i == 0 { "ACME".to_owned() } else { format!("X{i}") } } });
    let at_limit = app
        .gql(q, json!({ "f": { "or": branches(200, leaf) } }))
        .await;
    assert_eq!(at_limit["data"]["clients"]["totalCount"], 1, "{at_limit}");
    let past = app
        .gql(q, json!({ "f": { "or": branches(201, leaf) } }))
        .await;
    assert_eq!(first_error_code(&past), "BAD_USER_INPUT");
    // Nested branches count too: 15 groups of 15 is 240 conditions.
    let nested: Vec<Value> = (0..15)
        .map(|_| json!({ "and": branches(15, leaf) }))
        .collect();
    let body = app.gql(q, json!({ "f": { "or": nested } })).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_filter_as_large_as_the_body_limit_allows_is_refused_without_harm() {
    let app = spawn_app().await;
    let limit = 1_048_576;
    // As many `or` branches as fit in the body, and as deep a nesting of
    // `not` as the document parser accepts, in one request each.
    let leaf = json!({ "name": { "eq": "x" } }).to_string();
    let per = leaf.len() + 1;
    let n = (limit - 200) / per;
    let wide = format!(
        r#"{{"query":"query($f: ClientFilter) {{ clients(filter: $f) {{ totalCount }} }}","variables":{{"f":{{"or":[{}]}}}}}}"#,
        vec![leaf.as_str(); n].join(",")
    );
    assert!(
        wide.len() <= limit && wide.len() > limit - 1024,
        "{}",
        wide.len()
    );
    let mut deep = "{name: {eq: \"x\"}}".to_owned();
    for _ in 0..5000 {
        deep = format!("{{not: {deep}}}");
    }
    let deep =
        json!({ "query": format!("{{ clients(filter: {deep}) {{ totalCount }} }}") }).to_string();
    // A release build's parser overflowed on these: the document is refused
    // before it is parsed.
    let selections = json!({ "query": format!("query {}{{ __typename }}{}", "{ a ".repeat(50_000), " }".repeat(50_000)) }).to_string();
    let lists = json!({ "query": format!("{{ nodes(ids: {}\"x\"{}) {{ id }} }}", "[".repeat(100_000), "]".repeat(100_000)) }).to_string();
    for body in [wide, deep, selections, lists] {
        let res = app
            .http
            .post(app.url("/graphql"))
            .bearer_auth(&app.admin_token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the server answers");
        assert!(
            res.status().is_success() || res.status().is_client_error(),
            "{}",
            res.status()
        );
        let answer: Value = res.json().await.unwrap();
        assert_eq!(first_error_code(&answer), "BAD_USER_INPUT", "{answer}");
    }
    still_up(&app).await;
}

const SPEND: &str = "mutation($input: RecordSpendInput!) { recordSpend(input: $input) { spendEntry { id } userErrors { field message code } } }";

#[tokio::test]
async fn money_past_the_maximum_is_refused_on_every_money_input() {
    let j = crate::splits::joint("100000000000.00", "1000.00").await;
    let e = j.approved("M1", "1", &[(&j.marketing, 10_000)]).await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let too_much = [
        "92233720368547758.07",
        "100000000000.01",
        "-100000000000.01",
    ];
    for amount in too_much {
        // `cost`, and `amount`, its deprecated name: the error names the
        // field that was sent.
        for field in ["cost", "amount"] {
            let spend = j
                .app
                .data(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": "2026-06-01", field: amount, "kind": "EXPENSE" } }))
                .await;
            assert_eq!(
                spend["recordSpend"]["userErrors"][0]["code"], "INVALID",
                "{amount}: {spend}"
            );
            assert_eq!(
                spend["recordSpend"]["userErrors"][0]["field"],
                json!(["input", field])
            );
        }
        let line = j
            .app
            .data(
                "mutation($input: SetBudgetLineInput!) { setBudgetLine(input: $input) { userErrors { field code } } }",
                json!({ "input": { "budgetId": j.budget, "fundingSourceId": j.it_run, "period": "Q2", "planned": amount } }),
            )
            .await;
        assert_eq!(
            line["setBudgetLine"]["userErrors"][0]["code"], "INVALID",
            "{amount}: {line}"
        );
        let order = j
            .app
            .data(
                "mutation($input: CreateFundingSplitInput!) { createFundingSplit(input: $input) { userErrors { field code } } }",
                json!({ "input": { "engagementId": e["id"], "value": amount, "shares": [{ "fundingSourceId": j.marketing, "shareBasisPoints": 10000 }] } }),
            )
            .await;
        assert_eq!(
            order["createFundingSplit"]["userErrors"][0]["field"],
            json!(["input", "value"]),
            "{amount}: {order}"
        );
    }
    let card = crate::engagements::card(&j.app, Some(&j.client), "EUR").await;
    let draft = j
        .app
        .data(
            "mutation($c: ID!) { createRateCardVersion(input: {rateCardId: $c, effectiveFrom: \"2026-01-01\"}) { rateCardVersion { id } userErrors { code } } }",
            json!({ "c": card }),
        )
        .await;
    let version = draft["createRateCardVersion"]["rateCardVersion"]["id"].clone();
    let price = j
        .app
        .data(
            "mutation($v: ID!, $s: ID!) { setRateCardPrice(input: {versionId: $v, serviceId: $s, price: \"92233720368547758.07\", cost: \"1.00\"}) { userErrors { field code } } }",
            json!({ "v": version, "s": j.design }),
        )
        .await;
    assert_eq!(
        price["setRateCardPrice"]["userErrors"][0]["code"], "INVALID",
        "{price}"
    );
}

#[tokio::test]
async fn the_maximum_amount_recorded_many_times_still_adds_up_exactly_everywhere() {
    let max = "100000000000.00";
    let j = crate::splits::joint(max, max).await;
    let card = crate::engagements::card(&j.app, Some(&j.client), "EUR").await;
    crate::engagements::version(&j.app, &card, "2026-01-01", None, &[(&j.design, max, max)]).await;
    let e = j
        .approved("BIG", "1", &[(&j.marketing, 5_000), (&j.it_run, 5_000)])
        .await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let entries: Vec<String> = (0..60)
        .map(|i| {
            format!(
                r#"s{i}: recordSpend(input: {{engagementId: "{}", spentOn: "2026-06-01", amount: "{max}", kind: LICENSE}}) {{ userErrors {{ code }} }}"#,
                e["id"].as_str().unwrap()
            )
        })
        .collect();
    let data = j.app.mutations(&entries).await;
    assert!(data.values().all(|v| v["userErrors"] == json!([])));
    // 60 x 10^13 minor units: 6 x 10^14, exactly.
    let total = "6000000000000.00";
    let half = "3000000000000.00";
    let read = j
        .app
        .data(
            "query($e: ID!, $c: ID!) { engagement(id: $e) { value { amount } spent { amount } } client(id: $c) { budgetFigures { planned { amount } spent { amount } } } budgets { nodes { totals { spent { amount } } byFunction { function figures { spent { amount } } } } } }",
            json!({ "e": e["id"], "c": j.client }),
        )
        .await;
    assert_eq!(read["engagement"]["value"]["amount"], max);
    assert_eq!(read["engagement"]["spent"]["amount"], total);
    assert_eq!(read["client"]["budgetFigures"][0]["spent"]["amount"], total);
    assert_eq!(
        read["client"]["budgetFigures"][0]["planned"]["amount"],
        "200000000000.00"
    );
    assert_eq!(
        read["budgets"]["nodes"][0]["totals"][0]["spent"]["amount"],
        total
    );
    for f in read["budgets"]["nodes"][0]["byFunction"]
        .as_array()
        .unwrap()
    {
        assert_eq!(f["figures"]["spent"]["amount"], half, "{f}");
    }
    let reports = j
        .app
        .data(
            "{ reports { burn { spent { amount } } budgetPosition { spent { amount } } splitReconciliation { attributed { amount } totalSpent { amount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reports["reports"]["burn"][0]["spent"]["amount"], total,
        "{reports}"
    );
    for row in reports["reports"]["budgetPosition"].as_array().unwrap() {
        assert_eq!(row["spent"]["amount"], half, "{row}");
    }
    for row in reports["reports"]["splitReconciliation"]
        .as_array()
        .unwrap()
    {
        assert_eq!(row["attributed"]["amount"], half, "{row}");
        assert_eq!(row["totalSpent"]["amount"], total, "{row}");
    }
    let csv = j
        .app
        .http
        .get(j.app.url("/reports/burn.csv"))
        .bearer_auth(&j.app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.text().await.unwrap().contains(total));
}

#[tokio::test]
async fn text_with_a_nul_character_is_refused_as_invalid_never_as_an_internal_error() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let created = app
        .data(
            "mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { field code } } }",
            json!({ "input": { "name": "Ac\u{0}me", "code": "NUL", "defaultCurrency": "EUR", "fiscalYearStartMonth": 1 } }),
        )
        .await;
    assert_eq!(
        created["createClient"]["userErrors"],
        json!([{ "field": ["input", "name"], "code": "INVALID" }])
    );
    let contact = app
        .data(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { userErrors { field code } } }",
            json!({ "input": { "clientId": client, "name": "Carla", "email": "carla@acme.example", "title": "\u{0}", "persona": "CMO", "function": "MARKETING" } }),
        )
        .await;
    assert_eq!(
        contact["createContact"]["userErrors"],
        json!([{ "field": ["input", "title"], "code": "INVALID" }])
    );
    for filter in [
        json!({ "name": { "contains": "a\u{0}" } }),
        json!({ "code": { "in": ["ACME", "\u{0}"] } }),
    ] {
        let body = app
            .gql(
                "query($f: ClientFilter) { clients(filter: $f) { totalCount } }",
                json!({ "f": filter }),
            )
            .await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    }
    let login = app
        .login("admin@tandem.test\u{0}", "whatever-password")
        .await;
    assert_eq!(
        login["userErrors"][0]["code"], "INVALID_CREDENTIALS",
        "{login}"
    );
    let (token, _) = api_token(&app, json!(["READ"]), Value::Null).await;
    let res = app
        .http
        .get(app.url("/reports/budget-position.csv?currency=EU%00R"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        json!(["filter", "currency"])
    );
    // Nothing was stored with a NUL, on either database.
    let names = app.data("{ clients { nodes { name } } }", json!({})).await;
    assert_eq!(names["clients"]["nodes"], json!([{ "name": "Acme" }]));
}

#[tokio::test]
async fn a_login_email_longer_than_the_column_is_wrong_credentials_not_an_internal_error() {
    let app = spawn_app().await;
    let long = format!("{}@tandem.test", "a".repeat(5000));
    let login = app.login(&long, "whatever-password").await;
    assert_eq!(
        login["userErrors"][0]["code"], "INVALID_CREDENTIALS",
        "{login}"
    );
    let login = app.login("admin@tandem.test", &"p".repeat(100_000)).await;
    assert_eq!(
        login["userErrors"][0]["code"], "INVALID_CREDENTIALS",
        "{login}"
    );
}

#[tokio::test]
async fn dates_outside_the_accepted_range_or_the_engagements_dates_are_refused() {
    let j = crate::splits::joint("100000.00", "100000.00").await;
    let e = j.approved("D1", "1", &[(&j.marketing, 10_000)]).await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    for day in [
        "0001-01-01",
        "+262142-12-31",
        "-0001-01-01",
        "2026-02-30",
        "2026-6-1",
    ] {
        let body = j
            .app
            .gql(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": day, "cost": "1.00", "kind": "EXPENSE" } }))
            .await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{day}: {body}");
    }
    // The engagement runs 2026-03-01 to 2026-12-31, with 90 days of grace;
    // spend also needs an approved budget for its year (#12).
    for fy in [2027] {
        let made = j
            .app
            .data("mutation($c: ID!, $y: Int!) { createBudget(input: {clientId: $c, fiscalYear: $y}) { budget { id } userErrors { code } } }", json!({ "c": j.client, "y": fy }))
            .await;
        let budget = made["createBudget"]["budget"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        crate::splits::budget_line(&j.app, &budget, &j.marketing, "1000.00").await;
        let approved = j
            .app
            .data(
                "mutation($id: ID!) { approveBudget(input: {id: $id}) { userErrors { code } } }",
                json!({ "id": budget }),
            )
            .await;
        assert_eq!(approved["approveBudget"]["userErrors"], json!([]));
    }
    for (day, ok) in [
        ("2026-02-28", false),
        ("2026-03-01", true),
        ("2027-03-31", true),
        ("2027-04-01", false),
    ] {
        let data = j
            .app
            .data(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": day, "cost": "1.00", "kind": "EXPENSE" } }))
            .await;
        let errors = &data["recordSpend"]["userErrors"];
        if ok {
            assert_eq!(errors, &json!([]), "{day}");
        } else {
            assert_eq!(
                errors[0]["field"],
                json!(["input", "spentOn"]),
                "{day}: {data}"
            );
        }
    }
    let body = j
        .app
        .gql(
            "mutation($input: CreateEngagementInput!) { createEngagement(input: $input) { userErrors { code } } }",
            json!({ "input": { "clientId": j.client, "code": "OLD", "name": "Old", "commercialModel": "FIXED_FEE", "investmentArea": "CUSTOMER_EXPERIENCE", "startDate": "-0001-01-01", "endDate": "2026-01-01" } }),
        )
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
}
