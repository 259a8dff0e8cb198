//! Funding sources: creation with defaults, validation, updates, archiving,
//! filters, every read path, and who may see and change them.

use serde_json::{Value, json};

use crate::harness::{TestApp, first_error_code, spawn_app};

pub const SOURCE: &str = "id name function currency expenseType externalRef active owner { id name } client { id } planned { amount currency } allocated { amount } spent { amount } remaining { amount }";

/// Creates a contact with a persona and function.
pub async fn contact(app: &TestApp, client: &str, name: &str, persona: &str) -> String {
    let function = if persona == "CMO" { "MARKETING" } else { "IT" };
    let data = app
        .data(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { field message code } } }",
            json!({ "input": { "clientId": client, "name": name, "email": format!("{}-{}@client.example", name.to_lowercase(), uuid::Uuid::new_v4().simple()), "persona": persona, "function": function } }),
        )
        .await;
    assert_eq!(data["createContact"]["userErrors"], json!([]), "{data}");
    data["createContact"]["contact"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Runs `createFundingSource` as `token` and returns the payload.
pub async fn create_as(app: &TestApp, token: &str, input: Value) -> Value {
    let data = app
        .data_as(
            token,
            &format!("mutation($input: CreateFundingSourceInput!) {{ createFundingSource(input: $input) {{ fundingSource {{ {SOURCE} }} userErrors {{ field message code }} }} }}"),
            json!({ "input": input }),
        )
        .await;
    data["createFundingSource"].clone()
}

/// Creates a funding source as the administrator and returns its id.
pub async fn source(
    app: &TestApp,
    client: &str,
    owner: &str,
    function: &str,
    currency: Option<&str>,
) -> String {
    let payload = create_as(
        app,
        &app.admin_token.clone(),
        json!({ "clientId": client, "name": format!("{function} money"), "function": function, "ownerContactId": owner, "currency": currency, "expenseType": "OPEX" }),
    )
    .await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    payload["fundingSource"]["id"].as_str().unwrap().to_owned()
}

fn codes(payload: &Value) -> Vec<(String, String)> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"]
                    .as_array()
                    .unwrap()
                    .last()
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_new_funding_source_takes_the_clients_currency_and_starts_active() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let cmo = contact(&app, &client, "Carla", "CMO").await;
    let payload = create_as(
        &app,
        &app.admin_token.clone(),
        json!({ "clientId": client, "name": "  Brand 2026 ", "function": "MARKETING", "ownerContactId": cmo, "externalRef": "CC-4711", "expenseType": "OPEX" }),
    )
    .await;
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    let s = &payload["fundingSource"];
    assert_eq!(s["name"], "Brand 2026");
    assert_eq!(s["function"], "MARKETING");
    assert_eq!(s["currency"], "EUR");
    assert_eq!(s["expenseType"], "OPEX");
    assert_eq!(s["externalRef"], "CC-4711");
    assert_eq!(s["active"], true);
    assert_eq!(s["owner"]["id"], cmo.as_str());
    assert_eq!(s["client"]["id"], client.as_str());
    assert_eq!(s["planned"], json!({ "amount": "0.00", "currency": "EUR" }));
    assert_eq!(s["remaining"]["amount"], "0.00");
}

#[tokio::test]
async fn bad_funding_source_input_is_reported_as_user_errors_with_stable_codes() {
    let app = spawn_app().await;
    let a = app.create_client("Acme", "ACME").await;
    let b = app.create_client("Beta", "BETA").await;
    let owner_a = contact(&app, &a, "Carla", "CMO").await;
    let owner_b = contact(&app, &b, "Ivan", "CIO").await;
    let admin = app.admin_token.clone();
    let base = |patch: Value| {
        let mut input = json!({ "clientId": a, "name": "Brand", "function": "MARKETING", "ownerContactId": owner_a, "expenseType": "CAPEX" });
        for (k, v) in patch.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    let p = create_as(
        &app,
        &admin,
        base(json!({ "name": "  ", "currency": "EURO" })),
    )
    .await;
    assert_eq!(
        codes(&p),
        vec![
            ("name".into(), "REQUIRED".into()),
            ("currency".into(), "INVALID".into())
        ]
    );
    assert_eq!(p["fundingSource"], Value::Null);
    let p = create_as(&app, &admin, base(json!({ "ownerContactId": owner_b }))).await;
    assert_eq!(
        codes(&p),
        vec![("ownerContactId".into(), "NOT_FOUND".into())]
    );
    let p = create_as(&app, &admin, base(json!({ "ownerContactId": a }))).await;
    assert_eq!(codes(&p), vec![("ownerContactId".into(), "INVALID".into())]);
    let p = create_as(
        &app,
        &admin,
        base(json!({ "externalRef": "x".repeat(101) })),
    )
    .await;
    assert_eq!(codes(&p), vec![("externalRef".into(), "TOO_LONG".into())]);
    let p = create_as(&app, &admin, base(json!({ "clientId": owner_a }))).await;
    assert_eq!(codes(&p), vec![("clientId".into(), "INVALID".into())]);
    let p = create_as(&app, &admin, base(json!({ "currency": "USD" }))).await;
    assert_eq!(p["fundingSource"]["currency"], "USD");
}

#[tokio::test]
async fn funding_sources_can_be_changed_archived_idempotently_and_filtered() {
    let app = spawn_app().await;
    let a = app.create_client("Acme", "ACME").await;
    let b = app.create_client("Beta", "BETA").await;
    let cmo = contact(&app, &a, "Carla", "CMO").await;
    let cio = contact(&app, &a, "Ivan", "CIO").await;
    let marketing = source(&app, &a, &cmo, "MARKETING", None).await;
    let run = source(&app, &a, &cio, "IT_RUN", None).await;
    let other_cmo = contact(&app, &b, "Bea", "CMO").await;
    source(&app, &b, &other_cmo, "MARKETING", None).await;

    let update = "mutation($input: UpdateFundingSourceInput!) { updateFundingSource(input: $input) { fundingSource { name function owner { id } externalRef expenseType } userErrors { field code } } }";
    let data = app
        .data(update, json!({ "input": { "id": run, "name": "IT run", "function": "BUSINESS_TECH", "ownerContactId": cmo, "externalRef": "PO-1", "expenseType": "CAPEX" } }))
        .await;
    assert_eq!(
        data["updateFundingSource"]["fundingSource"],
        json!({ "name": "IT run", "function": "BUSINESS_TECH", "owner": { "id": cmo }, "externalRef": "PO-1", "expenseType": "CAPEX" })
    );
    let data = app
        .data(update, json!({ "input": { "id": run, "externalRef": null, "function": "IT_RUN", "ownerContactId": other_cmo } }))
        .await;
    assert_eq!(
        data["updateFundingSource"]["userErrors"],
        json!([{ "field": ["input", "ownerContactId"], "code": "NOT_FOUND" }])
    );
    let data = app
        .data(update, json!({ "input": { "id": run, "externalRef": null, "function": "IT_RUN", "ownerContactId": cio } }))
        .await;
    assert_eq!(
        data["updateFundingSource"]["fundingSource"]["externalRef"],
        Value::Null
    );

    let archive = "mutation($id: ID!) { archiveFundingSource(input: {id: $id}) { fundingSource { active updatedAt } userErrors { code } } }";
    let first = app.data(archive, json!({ "id": marketing })).await;
    assert_eq!(
        first["archiveFundingSource"]["fundingSource"]["active"],
        false
    );
    let second = app.data(archive, json!({ "id": marketing })).await;
    assert_eq!(
        second["archiveFundingSource"]["fundingSource"],
        first["archiveFundingSource"]["fundingSource"],
        "archiving twice changes nothing"
    );

    let list =
        "query($f: FundingSourceFilter) { fundingSources(filter: $f) { totalCount nodes { id } } }";
    let count = |v: &Value| v["fundingSources"]["totalCount"].as_u64().unwrap();
    assert_eq!(count(&app.data(list, json!({ "f": null })).await), 3);
    assert_eq!(
        count(
            &app.data(list, json!({ "f": { "clientId": { "eq": a } } }))
                .await
        ),
        2
    );
    assert_eq!(
        count(
            &app.data(
                list,
                json!({ "f": { "clientId": { "eq": a }, "active": true } })
            )
            .await
        ),
        1
    );
    assert_eq!(
        count(
            &app.data(list, json!({ "f": { "function": { "eq": "MARKETING" } } }))
                .await
        ),
        2
    );
    let by_owner = app
        .data(list, json!({ "f": { "ownerContactId": { "eq": cio } } }))
        .await;
    assert_eq!(by_owner["fundingSources"]["nodes"], json!([{ "id": run }]));
    let bad = app
        .gql(list, json!({ "f": { "clientId": { "eq": cmo } } }))
        .await;
    assert_eq!(first_error_code(&bad), "BAD_USER_INPUT");

    let data = app
        .data(
            "query($id: ID!, $c: ID!) { fundingSource(id: $id) { id } node(id: $id) { ... on FundingSource { name } } client(id: $c) { fundingSources(first: 1) { totalCount pageInfo { hasNextPage } nodes { id } } } }",
            json!({ "id": run, "c": a }),
        )
        .await;
    assert_eq!(data["fundingSource"]["id"], run.as_str());
    assert_eq!(data["node"]["name"], "IT run");
    assert_eq!(data["client"]["fundingSources"]["totalCount"], 2);
    assert_eq!(
        data["client"]["fundingSources"]["pageInfo"]["hasNextPage"],
        true
    );
}

#[tokio::test]
async fn client_users_see_only_their_own_clients_funding_sources_and_cannot_change_them() {
    let app = spawn_app().await;
    let a = app.create_client("Acme", "ACME").await;
    let b = app.create_client("Beta", "BETA").await;
    let cmo_a = contact(&app, &a, "Carla", "CMO").await;
    let cmo_b = contact(&app, &b, "Bea", "CMO").await;
    let src_a = source(&app, &a, &cmo_a, "MARKETING", None).await;
    let src_b = source(&app, &b, &cmo_b, "MARKETING", None).await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&a))
        .await;

    let data = app
        .data_as(
            &portal.token,
            "query($a: ID!, $b: ID!, $ca: ID!, $cb: ID!) { fundingSources { nodes { id } } mine: fundingSource(id: $a) { id } theirs: fundingSource(id: $b) { id } nodes(ids: [$a, $b]) { id } own: client(id: $ca) { fundingSources { nodes { id } } } other: client(id: $cb) { fundingSources { nodes { id } } } }",
            json!({ "a": src_a, "b": src_b, "ca": a, "cb": b }),
        )
        .await;
    assert_eq!(data["fundingSources"]["nodes"], json!([{ "id": src_a }]));
    assert_eq!(data["mine"]["id"], src_a.as_str());
    assert_eq!(data["theirs"], Value::Null);
    assert_eq!(data["nodes"], json!([{ "id": src_a }, null]));
    assert_eq!(
        data["own"]["fundingSources"]["nodes"],
        json!([{ "id": src_a }])
    );
    assert_eq!(data["other"], Value::Null);

    let body = app
        .gql_as(
            &portal.token,
            "mutation($input: CreateFundingSourceInput!) { createFundingSource(input: $input) { userErrors { code } } }",
            json!({ "input": { "clientId": a, "name": "Mine", "function": "MARKETING", "ownerContactId": cmo_a, "expenseType": "OPEX" } }),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");
    let body = app
        .gql_as(
            &portal.token,
            "mutation($id: ID!) { archiveFundingSource(input: {id: $id}) { userErrors { code } } }",
            json!({ "id": src_a }),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");

    let manager = app
        .create_user("am@tandem.test", "ACCOUNT_MANAGER", None)
        .await;
    app.assign(&manager.id, &b).await;
    let p = create_as(
        &app,
        &manager.token,
        json!({ "clientId": a, "name": "Theirs", "function": "MARKETING", "ownerContactId": cmo_a, "expenseType": "OPEX" }),
    )
    .await;
    assert_eq!(codes(&p), vec![("clientId".into(), "NOT_FOUND".into())]);
    let data = app
        .data_as(
            &manager.token,
            "mutation($id: ID!) { archiveFundingSource(input: {id: $id}) { userErrors { field code } } }",
            json!({ "id": src_a }),
        )
        .await;
    assert_eq!(
        data["archiveFundingSource"]["userErrors"],
        json!([{ "field": ["input", "id"], "code": "NOT_FOUND" }])
    );
    let p = create_as(
        &app,
        &manager.token,
        json!({ "clientId": b, "name": "Managed", "function": "SALES", "ownerContactId": cmo_b, "expenseType": "OPEX" }),
    )
    .await;
    assert_eq!(
        p["userErrors"],
        json!([]),
        "the manager of B writes B's sources"
    );
}
