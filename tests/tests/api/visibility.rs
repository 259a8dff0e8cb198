//! What each role reads, by rule: portal users see an engagement once it
//! has been proposed to them and never the provider's probabilities,
//! internal reasons, draft splits or pipeline; a provider-only field is
//! `null` with FORBIDDEN on that field alone; DELIVERY users read the
//! engagements they are staffed on and what those need, not the client's
//! money; a spend entry is a node.

use serde_json::{Value, json};

use crate::engagements::{engagement, fund, funding, walk};
use crate::every_kind::demo_world;
use crate::harness::{TestApp, first_error_code, spawn_app};

const MOVE: &str = "mutation($id: ID!, $to: EngagementStatus!, $why: String, $internal: Boolean) { transitionEngagement(input: {id: $id, to: $to, reason: $why, reasonInternal: $internal}) { userErrors { code } } }";

async fn codes(app: &TestApp, token: &str) -> Vec<String> {
    let data = app
        .data_as(
            token,
            "{ engagements(first: 50, orderBy: CODE_ASC) { nodes { code } } }",
            json!({}),
        )
        .await;
    data["engagements"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn portal_users_see_an_engagement_only_once_it_has_been_proposed_to_them() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&acme))
        .await;
    let paths: [(&str, &[&str]); 6] = [
        ("A-LEAD", &[]),
        ("B-QUALIFIED", &["QUALIFIED"]),
        ("C-PROPOSED", &["QUALIFIED", "PROPOSED"]),
        ("D-LOST", &["QUALIFIED", "PROPOSED", "LOST"]),
        ("E-CANCELLED-EARLY", &["QUALIFIED", "CANCELLED"]),
        ("F-CANCELLED-LATE", &["QUALIFIED", "PROPOSED", "CANCELLED"]),
    ];
    let mut ids = Vec::new();
    for (code, path) in paths {
        let e = engagement(&app, &acme, code, "2026-03-01").await;
        walk(&app, &e["id"], path).await;
        ids.push(e["id"].clone());
    }
    assert_eq!(
        codes(&app, &portal.token).await,
        ["C-PROPOSED", "D-LOST", "F-CANCELLED-LATE"]
    );
    let data = app
        .data_as(
            &portal.token,
            "query($a: ID!, $e: ID!) { a: engagement(id: $a) { id } e: node(id: $e) { id } n: nodes(ids: [$a, $e]) { id } c: engagements(filter: {status: {in: [LEAD, QUALIFIED, CANCELLED]}}) { totalCount } }",
            json!({ "a": ids[0], "e": ids[4] }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "a": null, "e": null, "n": [null, null], "c": { "totalCount": 1 } })
    );
    // The provider sees them all.
    assert_eq!(codes(&app, &app.admin_token).await.len(), 6);
}

#[tokio::test]
async fn a_provider_only_field_is_null_with_forbidden_on_that_field_alone() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&acme))
        .await;
    let e = engagement(&app, &acme, "E1", "2026-03-01").await;
    walk(&app, &e["id"], &["QUALIFIED", "PROPOSED"]).await;
    let q = "query($id: ID!) { engagement(id: $id) { code probability weightedValue { amount } staff { totalCount } } }";
    let body = app.gql_as(&portal.token, q, json!({ "id": e["id"] })).await;
    assert_eq!(
        body["data"]["engagement"],
        json!({ "code": "E1", "probability": null, "weightedValue": null, "staff": null }),
        "{body}"
    );
    let mut paths: Vec<(String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"][1].as_str().unwrap().to_owned(),
                e["extensions"]["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            ("probability", "FORBIDDEN"),
            ("staff", "FORBIDDEN"),
            ("weightedValue", "FORBIDDEN")
        ]
        .map(|(p, c)| (p.to_owned(), c.to_owned()))
    );
    // The provider reads them.
    let data = app.data(q, json!({ "id": e["id"] })).await;
    assert_eq!(data["engagement"]["probability"], 50);
    assert_eq!(data["engagement"]["staff"]["totalCount"], 0);
}

#[tokio::test]
async fn reasons_marked_internal_are_hidden_from_portal_users_only() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&acme))
        .await;
    let e = engagement(&app, &acme, "E1", "2026-03-01").await;
    for (to, why, internal) in [
        ("QUALIFIED", "budget confirmed", false),
        ("PROPOSED", "sent the proposal", false),
        ("LOST", "our price was 30% above the rival's", true),
    ] {
        let p = app
            .data(
                MOVE,
                json!({ "id": e["id"], "to": to, "why": why, "internal": internal }),
            )
            .await;
        assert_eq!(p["transitionEngagement"]["userErrors"], json!([]));
    }
    let q =
        "query($id: ID!) { engagement(id: $id) { history(first: 10) { nodes { to reason } } } }";
    let reasons = |data: Value| -> Vec<Value> {
        data["engagement"]["history"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["reason"].clone())
            .collect()
    };
    let seen = reasons(
        app.data_as(&portal.token, q, json!({ "id": e["id"] }))
            .await,
    );
    assert_eq!(
        seen,
        [
            Value::Null,
            json!("budget confirmed"),
            json!("sent the proposal"),
            Value::Null
        ]
    );
    let provider = reasons(app.data(q, json!({ "id": e["id"] })).await);
    assert_eq!(provider[3], "our price was 30% above the rival's");
}

#[tokio::test]
async fn the_pipeline_report_is_provider_only() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&acme))
        .await;
    let body = app
        .gql_as(
            &portal.token,
            "{ reports { pipeline { status } } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), "FORBIDDEN", "{body}");
    let res = app
        .http
        .get(app.url("/reports/pipeline.csv"))
        .bearer_auth(&portal.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let data = app
        .data("{ reports { pipeline { status } } }", json!({}))
        .await;
    assert!(data["reports"]["pipeline"].is_array());
}

#[tokio::test]
async fn portal_users_never_see_draft_splits() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let f = funding(&app, &acme).await;
    let e = engagement(&app, &acme, "E1", "2026-03-01").await;
    walk(&app, &e["id"], &["QUALIFIED", "PROPOSED"]).await;
    fund(&app, &f, &e).await;
    let draft = app
        .data("mutation($e: ID!, $s: ID!) { createFundingSplit(input: {engagementId: $e, shares: [{fundingSourceId: $s, shareBasisPoints: 10000}]}) { fundingSplit { id status } } }", json!({ "e": e["id"], "s": f.source }))
        .await["createFundingSplit"]["fundingSplit"]
        .clone();
    assert_eq!(draft["status"], "DRAFT");
    let q = "query($e: ID!, $d: ID!) { engagement(id: $e) { fundingSplits { status } } node(id: $d) { id } }";
    let vars = json!({ "e": e["id"], "d": draft["id"] });
    let seen = app.data_as(&f.owner_token, q, vars.clone()).await;
    assert_eq!(
        seen,
        json!({ "engagement": { "fundingSplits": [{ "status": "APPROVED" }] }, "node": null })
    );
    let provider = app.data(q, vars).await;
    assert_eq!(
        provider["engagement"]["fundingSplits"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(provider["node"]["id"], draft["id"]);
}

#[tokio::test]
async fn delivery_users_read_their_engagements_but_not_the_clients_money() {
    let app = spawn_app().await;
    let acme = app.create_client("Acme", "ACME").await;
    let carla = app
        .create_contact(&acme, "Carla", "carla@acme.example")
        .await;
    let f = funding(&app, &acme).await;
    let mine = engagement(&app, &acme, "MINE", "2026-03-01").await;
    let other = engagement(&app, &acme, "OTHER", "2026-03-01").await;
    app.data(
        "mutation($e: ID!, $c: ID!) { addStakeholder(input: {engagementId: $e, contactId: $c, role: SPONSOR}) { userErrors { code } } }",
        json!({ "e": mine["id"], "c": carla }),
    )
    .await;
    let dee = app
        .create_user("dee@provider.example", "DELIVERY", None)
        .await;
    app.data(
        "mutation($e: ID!, $u: ID!) { addStaff(input: {engagementId: $e, userId: $u}) { userErrors { code } } }",
        json!({ "e": mine["id"], "u": dee.id }),
    )
    .await;
    let token = app
        .login("dee@provider.example", crate::harness::USER_PASSWORD)
        .await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = "query($m: ID!, $o: ID!, $s: ID!, $c: ID!) { mine: engagement(id: $m) { code client { name budgets { totalCount } fundingSources { totalCount } engagements { totalCount } } lines { totalCount } stakeholders { nodes { contact { name } } } spend { totalCount } } other: engagement(id: $o) { id } source: node(id: $s) { id } client: node(id: $c) { id } budgets { totalCount } fundingSources { totalCount } rateCards { totalCount } }";
    let data = app
        .data_as(
            &token,
            q,
            json!({ "m": mine["id"], "o": other["id"], "s": f.source, "c": acme }),
        )
        .await;
    assert_eq!(
        data,
        json!({
            "mine": {
                "code": "MINE",
                "client": { "name": "Acme", "budgets": { "totalCount": 0 }, "fundingSources": { "totalCount": 0 }, "engagements": { "totalCount": 1 } },
                "lines": { "totalCount": 0 },
                "stakeholders": { "nodes": [{ "contact": { "name": "Carla" } }] },
                "spend": { "totalCount": 0 }
            },
            "other": null,
            "source": null,
            "client": { "id": acme },
            "budgets": { "totalCount": 0 },
            "fundingSources": { "totalCount": 0 },
            "rateCards": { "totalCount": 0 }
        })
    );
    // An administrator sees the money Dee does not.
    let admin = app
        .data(
            q,
            json!({ "m": mine["id"], "o": other["id"], "s": f.source, "c": acme }),
        )
        .await;
    assert_eq!(admin["mine"]["client"]["budgets"]["totalCount"], 1);
    assert_eq!(admin["source"]["id"], json!(f.source));
}

#[tokio::test]
async fn a_spend_entry_is_a_node() {
    let app = spawn_app().await;
    demo_world(&app).await;
    let data = app
        .data("{ engagements(first: 50) { nodes { spend(first: 1) { nodes { id amount { amount } } } } } }", json!({}))
        .await;
    let entry = data["engagements"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["spend"]["nodes"].get(0).cloned())
        .expect("the demo holds spend");
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { __typename id ... on SpendEntry { amount { amount } } } }",
            json!({ "id": entry["id"] }),
        )
        .await;
    assert_eq!(
        node["node"],
        json!({ "__typename": "SpendEntry", "id": entry["id"], "amount": entry["amount"] })
    );
}
