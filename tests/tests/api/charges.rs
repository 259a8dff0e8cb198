//! Cost and charge apart (#12): a spend entry records what it cost the
//! provider and what it charges the client; only the charge reaches the
//! client's pots and figures, and portal users never see the cost.

use serde_json::{Value, json};

use crate::splits::{Joint, joint};

const RECORD: &str = "mutation($input: RecordSpendInput!) { recordSpend(input: $input) { spendEntry { id kind cost { amount } charge { amount } lineId quantity markupBasisPoints attributions { fundingSourceName amount { amount } } } userErrors { field message code } } }";

async fn record(j: &Joint, input: Value) -> Value {
    j.app.data(RECORD, json!({ "input": input })).await["recordSpend"].clone()
}

fn ok(p: &Value) -> &Value {
    assert_eq!(p["userErrors"], json!([]), "{p}");
    &p["spendEntry"]
}

fn first_error(p: &Value) -> (String, Value) {
    (
        p["userErrors"][0]["code"].as_str().unwrap_or("").to_owned(),
        p["userErrors"][0]["field"].clone(),
    )
}

async fn first_line(j: &Joint, e: &Value) -> Value {
    j.app
        .data(
            "query($id: ID!) { engagement(id: $id) { lines(first: 1) { nodes { id } } } }",
            json!({ "id": e["id"] }),
        )
        .await["engagement"]["lines"]["nodes"][0]["id"]
        .clone()
}

const FIGURES: &str = "query($id: ID!, $c: ID!) { engagement(id: $id) { value { amount } charged { amount } spent { amount } remaining { amount } actualCost { amount } actualMargin { amount } } client(id: $c) { budgetFigures { spent { amount } } } }";

/// (charged, remaining, actual cost, actual margin) of the engagement, and
/// what the client's budget figures count as spent.
async fn figures(j: &Joint, token: &str, e: &Value) -> (Value, Value, Value, Value, Value) {
    let data = j
        .app
        .data_as(token, FIGURES, json!({ "id": e["id"], "c": j.client }))
        .await;
    let eng = &data["engagement"];
    assert_eq!(eng["spent"], eng["charged"], "spent is charged's old name");
    (
        eng["charged"]["amount"].clone(),
        eng["remaining"]["amount"].clone(),
        eng["actualCost"]["amount"].clone(),
        eng["actualMargin"]["amount"].clone(),
        data["client"]["budgetFigures"][0]["spent"]["amount"].clone(),
    )
}

async fn running(j: &Joint, model: &str) -> Value {
    let e = j
        .approved_as(
            "E1",
            "10",
            ("2026-03-01", "2026-12-31"),
            model,
            &[(&j.marketing, 6000), (&j.it_run, 4000)],
        )
        .await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    e
}

#[tokio::test]
async fn labour_on_time_and_materials_is_charged_at_its_lines_price_and_costs_the_lines_unit_cost()
{
    let j = joint("100000.00", "50000.00").await;
    let e = running(&j, "TIME_AND_MATERIALS").await;
    let line = first_line(&j, &e).await;
    let on = "2026-06-01";
    // Labour on time and materials names its line.
    let refused = record(
        &j,
        json!({ "engagementId": e["id"], "spentOn": on, "cost": "100.00", "kind": "LABOR" }),
    )
    .await;
    assert_eq!(
        first_error(&refused),
        ("INVALID".into(), json!(["input", "lineId"])),
        "{refused}"
    );
    // 2.5 days of design: 2,500.00 charged at the line's price, 1,500.00
    // of cost at its unit cost; the charge is what the split shares.
    let p = record(&j, json!({ "engagementId": e["id"], "spentOn": on, "kind": "LABOR", "lineId": line, "quantity": "2.5" })).await;
    let entry = ok(&p);
    assert_eq!(entry["cost"]["amount"], "1500.00");
    assert_eq!(entry["charge"]["amount"], "2500.00");
    assert_eq!(entry["quantity"], "2.5");
    assert_eq!(entry["lineId"], line);
    assert_eq!(
        entry["attributions"],
        json!([
            { "fundingSourceName": "Marketing", "amount": { "amount": "1500.00" } },
            { "fundingSourceName": "IT run", "amount": { "amount": "1000.00" } },
        ])
    );
    // A cost given outright (a contractor dearer than the card) stays the
    // provider's; the client is still charged the line's price.
    let p = record(&j, json!({ "engagementId": e["id"], "spentOn": on, "kind": "LABOR", "lineId": line, "quantity": "1", "cost": "1800.00" })).await;
    assert_eq!(ok(&p)["cost"]["amount"], "1800.00");
    assert_eq!(ok(&p)["charge"]["amount"], "1000.00");
    assert_eq!(
        figures(&j, &j.app.admin_token, &e).await,
        (
            json!("3500.00"),
            json!("6500.00"),
            json!("3300.00"),
            json!("200.00"),
            json!("3500.00")
        )
    );
}

#[tokio::test]
async fn spend_at_a_line_is_refused_with_a_clear_error_for_each_wrong_combination() {
    let j = joint("100000.00", "50000.00").await;
    let e = running(&j, "TIME_AND_MATERIALS").await;
    let line = first_line(&j, &e).await;
    let other = j.approved("E2", "1", &[(&j.marketing, 10_000)]).await;
    let others_line = first_line(&j, &other).await;
    let base = |extra: Value| {
        let mut input =
            json!({ "engagementId": e["id"], "spentOn": "2026-06-01", "kind": "LABOR" });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    for (extra, code, field) in [
        (
            json!({ "lineId": others_line, "quantity": "1" }),
            "NOT_FOUND",
            "lineId",
        ),
        (json!({ "lineId": line }), "INVALID", "quantity"),
        (
            json!({ "quantity": "1", "cost": "1.00" }),
            "INVALID",
            "lineId",
        ),
        (
            json!({ "lineId": line, "quantity": "0" }),
            "INVALID",
            "quantity",
        ),
        (
            json!({ "lineId": line, "quantity": "1.0001" }),
            "INVALID",
            "quantity",
        ),
        (
            json!({ "lineId": line, "quantity": "1", "markupBasisPoints": 100 }),
            "INVALID",
            "markupBasisPoints",
        ),
        (
            json!({ "lineId": line, "quantity": "1", "kind": "LICENSE" }),
            "INVALID",
            "lineId",
        ),
        (json!({ "kind": "LICENSE" }), "INVALID", "cost"),
        (
            json!({ "kind": "LICENSE", "cost": "1.00", "markupBasisPoints": -1 }),
            "INVALID",
            "markupBasisPoints",
        ),
        (
            json!({ "kind": "LICENSE", "cost": "1.00", "markupBasisPoints": 100_001 }),
            "INVALID",
            "markupBasisPoints",
        ),
        (
            json!({ "kind": "LICENSE", "cost": "1.00", "amount": "1.00" }),
            "INVALID",
            "amount",
        ),
        (
            json!({ "lineId": "garbage", "quantity": "1" }),
            "INVALID",
            "lineId",
        ),
    ] {
        let p = record(&j, base(extra.clone())).await;
        assert_eq!(
            first_error(&p),
            (code.to_owned(), json!(["input", field])),
            "{extra}: {p}"
        );
    }
    assert_eq!(
        figures(&j, &j.app.admin_token, &e).await.0,
        json!("0.00"),
        "nothing was recorded"
    );
}

#[tokio::test]
async fn pass_through_costs_carry_their_markup_and_non_billable_spend_charges_the_client_nothing() {
    let j = joint("100000.00", "50000.00").await;
    let e = running(&j, "TIME_AND_MATERIALS").await;
    let on = "2026-06-01";
    let p = record(&j, json!({ "engagementId": e["id"], "spentOn": on, "kind": "LICENSE", "cost": "1000.00", "markupBasisPoints": 1500 })).await;
    assert_eq!(ok(&p)["charge"]["amount"], "1150.00");
    assert_eq!(ok(&p)["markupBasisPoints"], 1500);
    // 0.05 plus 10%: 0.055, rounded half up.
    let p = record(&j, json!({ "engagementId": e["id"], "spentOn": on, "kind": "MEDIA", "cost": "0.05", "markupBasisPoints": 1000 })).await;
    assert_eq!(ok(&p)["charge"]["amount"], "0.06");
    let p = record(&j, json!({ "engagementId": e["id"], "spentOn": on, "kind": "EXPENSE", "cost": "300.00", "billable": false })).await;
    let entry = ok(&p);
    assert_eq!(entry["cost"]["amount"], "300.00");
    assert_eq!(entry["charge"]["amount"], "0.00");
    assert_eq!(
        entry["attributions"],
        json!([
            { "fundingSourceName": "Marketing", "amount": { "amount": "0.00" } },
            { "fundingSourceName": "IT run", "amount": { "amount": "0.00" } },
        ])
    );
    // Labour at cost on an engagement not sold by time and materials is
    // charged at cost; here only the three entries above count.
    assert_eq!(
        figures(&j, &j.app.admin_token, &e).await,
        (
            json!("1150.06"),
            json!("8849.94"),
            json!("1300.05"),
            json!("-149.99"),
            json!("1150.06")
        )
    );
}

#[tokio::test]
async fn a_fixed_fee_overrun_stays_the_providers_cost_and_never_reaches_the_clients_pot() {
    let j = joint("100000.00", "50000.00").await;
    let e = running(&j, "FIXED_FEE").await;
    let on = "2026-06-01";
    let mut charges = Vec::new();
    for cost in ["8000.00", "4000.00", "100.00"] {
        let p = record(
            &j,
            json!({ "engagementId": e["id"], "spentOn": on, "kind": "LABOR", "cost": cost }),
        )
        .await;
        charges.push(ok(&p)["charge"]["amount"].clone());
    }
    assert_eq!(charges, [json!("8000.00"), json!("2000.00"), json!("0.00")]);
    assert_eq!(
        figures(&j, &j.app.admin_token, &e).await,
        (
            json!("10000.00"),
            json!("0.00"),
            json!("12100.00"),
            json!("-2100.00"),
            json!("10000.00")
        )
    );
    // Profitability shows the actual margin next to the planned one.
    let data = j
        .app
        .data(
            "{ reports { profitabilityByEngagement { engagementCode margin { amount } marginPercent charged { amount } actualCost { amount } actualMargin { amount } actualMarginPercent } } }",
            json!(null),
        )
        .await;
    assert_eq!(
        data["reports"]["profitabilityByEngagement"],
        json!([{
            "engagementCode": "E1",
            "margin": { "amount": "4000.00" },
            "marginPercent": "40.00",
            "charged": { "amount": "10000.00" },
            "actualCost": { "amount": "12100.00" },
            "actualMargin": { "amount": "-2100.00" },
            "actualMarginPercent": "-21.00",
        }])
    );
}

#[tokio::test]
async fn sixteen_concurrent_entries_on_a_fixed_fee_engagement_charge_exactly_up_to_its_value() {
    let j = joint("100000.00", "50000.00").await;
    let e = running(&j, "MILESTONE").await;
    let p = record(&j, json!({ "engagementId": e["id"], "spentOn": "2026-06-01", "kind": "EXPENSE", "cost": "4500.00" })).await;
    ok(&p);
    let all = futures_util::future::join_all((0..16).map(|_| {
        record(
            &j,
            json!({ "engagementId": e["id"], "spentOn": "2026-06-02", "kind": "EXPENSE", "cost": "1000.00" }),
        )
    }))
    .await;
    let mut charged: Vec<String> = all
        .iter()
        .map(|p| ok(p)["charge"]["amount"].as_str().unwrap().to_owned())
        .collect();
    charged.sort();
    // 5,500.00 of the value was left: five full charges, one of 500.00,
    // and ten that charge nothing; all sixteen cost the provider.
    let mut expected = vec!["0.00".to_owned(); 10];
    expected.push("1000.00".into());
    expected.extend(["1000.00", "1000.00", "1000.00", "1000.00"].map(String::from));
    expected.push("500.00".into());
    expected.sort();
    assert_eq!(charged, expected);
    let (charged, remaining, cost, _, pots) = figures(&j, &j.app.admin_token, &e).await;
    assert_eq!(
        (charged, remaining, cost, pots),
        (
            json!("10000.00"),
            json!("0.00"),
            json!("20500.00"),
            json!("10000.00")
        )
    );
}

#[tokio::test]
async fn portal_users_see_the_charge_and_never_the_cost() {
    let j = joint("100000.00", "50000.00").await;
    let e = running(&j, "TIME_AND_MATERIALS").await;
    let line = first_line(&j, &e).await;
    let p = record(&j, json!({ "engagementId": e["id"], "spentOn": "2026-06-01", "kind": "LABOR", "lineId": line, "quantity": "1" })).await;
    ok(&p);
    let p = record(&j, json!({ "engagementId": e["id"], "spentOn": "2026-06-01", "kind": "MEDIA", "cost": "100.00", "markupBasisPoints": 2000 })).await;
    ok(&p);
    let data = j
        .app
        .data_as(
            &j.cmo_token,
            "query($id: ID!) { engagement(id: $id) { charged { amount } actualCost { amount } actualMargin { amount } spend(first: 10) { nodes { kind charge { amount } cost { amount } markupBasisPoints } } } }",
            json!({ "id": e["id"] }),
        )
        .await;
    let eng = &data["engagement"];
    assert_eq!(eng["charged"]["amount"], "1120.00");
    assert_eq!(eng["actualCost"], Value::Null);
    assert_eq!(eng["actualMargin"], Value::Null);
    // Latest first.
    assert_eq!(
        eng["spend"]["nodes"],
        json!([
            { "kind": "MEDIA", "charge": { "amount": "120.00" }, "cost": null, "markupBasisPoints": null },
            { "kind": "LABOR", "charge": { "amount": "1000.00" }, "cost": null, "markupBasisPoints": null },
        ])
    );
    let (charged, _, cost, margin, _) = figures(&j, &j.app.admin_token, &e).await;
    assert_eq!(
        (charged, cost, margin),
        (json!("1120.00"), json!("700.00"), json!("420.00"))
    );
}
