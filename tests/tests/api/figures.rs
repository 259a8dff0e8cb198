//! The ledger's figures (#12): per budget line, funding source, engagement
//! and client, `committed`, `charged`, `available` and `pendingDemand`
//! add up, and a forecast never falls below what is committed.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::splits::{Joint, SPEND, budget_line_in, joint};

/// Minor units of a decimal amount string ("-12.34" -> -1234).
fn minor(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or_else(|| panic!("not an amount: {v}"));
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (units, cents) = s.split_once('.').unwrap_or((s, "00"));
    let n = units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap();
    if neg { -n } else { n }
}

/// Minor units of the money figure `name` of `v`.
fn figure(v: &Value, name: &str) -> i64 {
    minor(&v[name]["amount"])
}

const FIGS: &str = "planned { amount } committed { amount } charged { amount } available { amount } pendingDemand { amount } forecastAtCompletion { amount }";

/// Every figure of the client: its lines (by source name, year, period),
/// its sources (by name), its budgets' totals, and its own.
async fn client_figures(j: &Joint) -> Value {
    j.app
        .data(
            &format!(
                "query($id: ID!) {{ client(id: $id) {{ budgetFigures {{ {FIGS} }} fundingSources(first: 20) {{ nodes {{ name {FIGS} }} }} budgets(first: 10) {{ nodes {{ fiscalYear totals {{ {FIGS} }} lines(first: 100) {{ nodes {{ period fundingSource {{ name }} {FIGS} }} }} }} }} }} }}"
            ),
            json!({ "id": j.client }),
        )
        .await["client"]
        .clone()
}

/// (source, year, period) -> the line's figures.
fn lines(client: &Value) -> BTreeMap<(String, i64, String), Value> {
    let mut out = BTreeMap::new();
    for b in client["budgets"]["nodes"].as_array().unwrap() {
        for l in b["lines"]["nodes"].as_array().unwrap() {
            out.insert(
                (
                    l["fundingSource"]["name"].as_str().unwrap().to_owned(),
                    b["fiscalYear"].as_i64().unwrap(),
                    l["period"].as_str().unwrap().to_owned(),
                ),
                l.clone(),
            );
        }
    }
    out
}

fn source<'a>(client: &'a Value, name: &str) -> &'a Value {
    client["fundingSources"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no source {name}: {client}"))
}

async fn engagement_figures(j: &Joint, e: &Value) -> Value {
    j.app
        .data(
            "query($id: ID!) { engagement(id: $id) { status value { amount } committed { amount } charged { amount } pendingDemand { amount } forecastAtCompletion { amount } } }",
            json!({ "id": e["id"] }),
        )
        .await["engagement"]
        .clone()
}

async fn spend(j: &Joint, e: &Value, on: &str, cost: &str) {
    let p = j
        .app
        .data(
            SPEND,
            json!({ "input": { "engagementId": e["id"], "spentOn": on, "cost": cost, "kind": "EXPENSE" } }),
        )
        .await;
    assert_eq!(p["recordSpend"]["userErrors"], json!([]), "{p}");
}

/// Makes and submits a change order of `e` to `value`.
async fn submit_change_order(j: &Joint, e: &Value, shares: Value, value: &str) {
    let made = j
        .app
        .data(
            "mutation($input: CreateFundingSplitInput!) { createFundingSplit(input: $input) { fundingSplit { id } userErrors { field message code } } }",
            json!({ "input": { "engagementId": e["id"], "shares": shares, "value": value } }),
        )
        .await;
    assert_eq!(
        made["createFundingSplit"]["userErrors"],
        json!([]),
        "{made}"
    );
    let submitted = j
        .submit(&made["createFundingSplit"]["fundingSplit"]["id"])
        .await;
    assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
}

const MOVE: &str = "mutation($id: ID!, $to: EngagementStatus!) { transitionEngagement(input: {id: $id, to: $to}) { engagement { status } userErrors { field message code } } }";

async fn move_to(j: &Joint, e: &Value, to: &str) {
    let p = j.app.data(MOVE, json!({ "id": e["id"], "to": to })).await;
    assert_eq!(
        p["transitionEngagement"]["userErrors"],
        json!([]),
        "{to}: {p}"
    );
}

#[tokio::test]
async fn pending_demand_shows_what_a_submitted_split_would_commit_line_by_line_until_it_is_decided()
{
    let j = joint("", "50000.00").await;
    for q in ["Q1", "Q2", "Q3", "Q4"] {
        budget_line_in(&j.app, &j.budget, &j.marketing, q, "20000.00").await;
    }
    // 10,000.00 over June (Q2) and July (Q3), shared 60/40.
    let e = j.won_between("E1", "10", "2026-06-01", "2026-07-31").await;
    let split = j
        .split(&e, &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await["fundingSplit"]["id"]
        .clone();
    let before = client_figures(&j).await;
    assert_eq!(
        figure(&before["budgetFigures"][0], "pendingDemand"),
        0,
        "a draft demands nothing"
    );
    j.submit(&split).await;
    // One owner approving leaves it pending.
    j.decide(&j.cmo_token, &split, true, None).await;

    let c = client_figures(&j).await;
    let l = lines(&c);
    let demand = |source: &str, period: &str| {
        figure(
            &l[&(source.to_owned(), 2026, period.to_owned())],
            "pendingDemand",
        )
    };
    assert_eq!(demand("Marketing", "Q1"), 0);
    assert_eq!(demand("Marketing", "Q2"), 295_082, "6,000.00 x 30/61");
    assert_eq!(demand("Marketing", "Q3"), 304_918, "6,000.00 x 31/61");
    assert_eq!(demand("Marketing", "Q4"), 0);
    assert_eq!(demand("IT run", "FY"), 400_000);
    assert_eq!(figure(source(&c, "Marketing"), "pendingDemand"), 600_000);
    assert_eq!(figure(source(&c, "IT run"), "pendingDemand"), 400_000);
    assert_eq!(
        figure(&c["budgets"]["nodes"][0]["totals"][0], "pendingDemand"),
        1_000_000
    );
    assert_eq!(figure(&c["budgetFigures"][0], "pendingDemand"), 1_000_000);
    assert_eq!(figure(&c["budgetFigures"][0], "committed"), 0);
    let eng = engagement_figures(&j, &e).await;
    assert_eq!(figure(&eng, "pendingDemand"), 1_000_000);
    assert_eq!(figure(&eng, "committed"), 0);
    // The CMO's portal sees the same demand on their own lines.
    let portal = j
        .app
        .data_as(
            &j.cmo_token,
            &format!("query($id: ID!) {{ client(id: $id) {{ budgetFigures {{ {FIGS} }} }} }}"),
            json!({ "id": j.client }),
        )
        .await;
    assert_eq!(
        figure(&portal["client"]["budgetFigures"][0], "pendingDemand"),
        1_000_000
    );

    // Decided, it demands nothing more; activated, what it demanded is
    // what it commits, line by line.
    j.decide(&j.cio_token, &split, true, None).await;
    assert_eq!(
        figure(
            &client_figures(&j).await["budgetFigures"][0],
            "pendingDemand"
        ),
        0
    );
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let after = lines(&client_figures(&j).await);
    for (key, line) in &l {
        assert_eq!(
            figure(&after[key], "committed"),
            figure(line, "pendingDemand"),
            "{key:?}"
        );
        assert_eq!(figure(&after[key], "pendingDemand"), 0, "{key:?}");
    }
    let eng = engagement_figures(&j, &e).await;
    assert_eq!(figure(&eng, "committed"), 1_000_000);
    assert_eq!(figure(&eng, "pendingDemand"), 0);
}

#[tokio::test]
async fn a_pending_change_order_demands_only_what_it_adds_to_each_line() {
    let j = joint("100000.00", "50000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let shares = json!([
        { "fundingSourceId": j.marketing, "shareBasisPoints": 6000 },
        { "fundingSourceId": j.it_run, "shareBasisPoints": 4000 }
    ]);
    submit_change_order(&j, &e, shares, "15000.00").await;
    let c = client_figures(&j).await;
    // 9,000.00 and 6,000.00 asked for where 6,000.00 and 4,000.00 are held.
    assert_eq!(figure(source(&c, "Marketing"), "pendingDemand"), 300_000);
    assert_eq!(figure(source(&c, "IT run"), "pendingDemand"), 200_000);
    assert_eq!(figure(source(&c, "Marketing"), "committed"), 600_000);
    let eng = engagement_figures(&j, &e).await;
    assert_eq!(figure(&eng, "pendingDemand"), 500_000);
    assert_eq!(figure(&eng, "committed"), 1_000_000);
}

#[tokio::test]
async fn a_change_order_that_lowers_the_value_demands_nothing() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.approved("E1", "10", &[(&j.marketing, 10_000)]).await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let shares = json!([{ "fundingSourceId": j.marketing, "shareBasisPoints": 10000 }]);
    submit_change_order(&j, &e, shares, "8000.00").await;
    let eng = engagement_figures(&j, &e).await;
    assert_eq!(figure(&eng, "pendingDemand"), 0, "{eng}");
    let c = client_figures(&j).await;
    assert_eq!(figure(&c["budgetFigures"][0], "pendingDemand"), 0);
}

#[tokio::test]
async fn every_figure_of_a_client_adds_up_over_its_lines_its_sources_and_its_engagements() {
    let j = joint("100000.00", "50000.00").await;
    let shares = [(&j.marketing[..], 6000), (&j.it_run[..], 4000)];
    // Running, with charges; cancelled after a charge; closed under its
    // value; and one waiting for approval.
    let running = j.approved("E1", "10", &shares).await;
    let cancelled = j.approved("E2", "20", &shares).await;
    let closed = j.approved("E3", "5", &shares).await;
    for e in [&running, &cancelled, &closed] {
        assert_eq!(j.activate(e).await["userErrors"], json!([]));
    }
    spend(&j, &running, "2026-04-10", "1234.56").await;
    spend(&j, &running, "2026-09-30", "777.77").await;
    spend(&j, &cancelled, "2026-05-01", "3000.01").await;
    spend(&j, &closed, "2026-06-15", "2500.00").await;
    move_to(&j, &cancelled, "CANCELLED").await;
    move_to(&j, &closed, "DELIVERED").await;
    move_to(&j, &closed, "CLOSED").await;
    let pending = j.won("E4", "3").await;
    let split = j.split(&pending, &shares).await["fundingSplit"]["id"].clone();
    j.submit(&split).await;

    let c = client_figures(&j).await;
    let whole = &c["budgetFigures"][0];
    let l = lines(&c);
    for figure in [
        "planned",
        "committed",
        "charged",
        "available",
        "pendingDemand",
        "forecastAtCompletion",
    ] {
        let over_lines: i64 = l.values().map(|x| minor(&x[figure]["amount"])).sum();
        let over_sources: i64 = c["fundingSources"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| minor(&s[figure]["amount"]))
            .sum();
        let over_budgets: i64 = c["budgets"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| minor(&b["totals"][0][figure]["amount"]))
            .sum();
        let client = minor(&whole[figure]["amount"]);
        assert_eq!(over_lines, client, "{figure}: lines vs client");
        assert_eq!(over_sources, client, "{figure}: sources vs client");
        assert_eq!(over_budgets, client, "{figure}: budgets vs client");
    }
    for line in l.values() {
        let (planned, committed, charged) = (
            figure(line, "planned"),
            figure(line, "committed"),
            figure(line, "charged"),
        );
        assert_eq!(figure(line, "available"), planned - committed.max(charged));
        assert!(figure(line, "forecastAtCompletion") >= committed, "{line}");
    }
    // The budget-position report says the same, source by source.
    let report = j
        .app
        .data(
            "query($c: ID!) { reports { budgetPosition(filter: { clientId: $c }) { committed { amount } charged { amount } available { amount } } } }",
            json!({ "c": j.client }),
        )
        .await;
    for figure in ["committed", "charged", "available"] {
        let over_rows: i64 = report["reports"]["budgetPosition"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| minor(&r[figure]["amount"]))
            .sum();
        assert_eq!(
            over_rows,
            minor(&whole[figure]["amount"]),
            "budget-position {figure}"
        );
    }
    // Over its engagements: what each holds and was charged.
    let mut committed = 0;
    let mut charged = 0;
    let mut demand = 0;
    for e in [&running, &cancelled, &closed, &pending] {
        let f = engagement_figures(&j, e).await;
        committed += figure(&f, "committed");
        charged += figure(&f, "charged");
        demand += figure(&f, "pendingDemand");
    }
    assert_eq!(
        committed,
        figure(whole, "committed"),
        "committed over engagements"
    );
    assert_eq!(
        charged,
        figure(whole, "charged"),
        "charged over engagements"
    );
    assert_eq!(
        demand,
        figure(whole, "pendingDemand"),
        "demand over engagements"
    );
    // The running one holds its value; the cancelled one what it charged;
    // the closed one what it charged; the pending one nothing yet.
    assert_eq!(committed, 1_000_000 + 300_001 + 250_000);
    assert_eq!(charged, 123_456 + 77_777 + 300_001 + 250_000);
    assert_eq!(demand, 300_000);
}

/// Statements for every figure of the client, engagements' included.
async fn statements_for_figures(j: &Joint) -> u64 {
    let query = format!(
        "query($id: ID!) {{ client(id: $id) {{ budgetFigures {{ {FIGS} }} fundingSources(first: 20) {{ nodes {{ {FIGS} }} }} budgets(first: 10) {{ nodes {{ lines(first: 100) {{ nodes {{ {FIGS} }} }} }} }} engagements(first: 50) {{ nodes {{ committed {{ amount }} pendingDemand {{ amount }} forecastAtCompletion {{ amount }} }} }} }} }}"
    );
    let before = j.app.statements().await;
    j.app.data(&query, json!({ "id": j.client })).await;
    j.app.statements().await - before
}

#[tokio::test]
async fn pending_demand_costs_the_same_statements_for_one_pending_split_as_for_ten() {
    let j = joint("100000.00", "50000.00").await;
    let shares = [(&j.marketing[..], 6000), (&j.it_run[..], 4000)];
    let submit = |code: String| {
        let j = &j;
        async move {
            let e = j.won(&code, "1").await;
            let split = j.split(&e, &shares).await["fundingSplit"]["id"].clone();
            j.submit(&split).await;
        }
    };
    submit("P0".into()).await;
    let one = statements_for_figures(&j).await;
    for i in 1..10 {
        submit(format!("P{i}")).await;
    }
    let ten = statements_for_figures(&j).await;
    assert_eq!(one, ten, "statements for 1 pending split vs 10");
    let c = client_figures(&j).await;
    assert_eq!(figure(&c["budgetFigures"][0], "pendingDemand"), 1_000_000);
}

#[tokio::test]
async fn each_mutation_of_a_document_reads_the_pending_demand_as_it_left_it() {
    let j = joint("100000.00", "50000.00").await;
    let shares = [(&j.marketing[..], 6000), (&j.it_run[..], 4000)];
    let mut splits = Vec::new();
    for code in ["E1", "E2"] {
        let e = j.won(code, "2").await;
        splits.push(j.split(&e, &shares).await["fundingSplit"]["id"].clone());
    }
    let figures = "fundingSplit { engagement { client { budgetFigures { pendingDemand { amount } } fundingSources(first: 5) { nodes { pendingDemand { amount } } } } } }";
    let data = j
        .app
        .data(
            &format!("mutation($a: ID!, $b: ID!) {{ a: submitFundingSplit(input: {{id: $a}}) {{ {figures} }} b: submitFundingSplit(input: {{id: $b}}) {{ {figures} }} }}"),
            json!({ "a": splits[0], "b": splits[1] }),
        )
        .await;
    let client = |alias: &str| data[alias]["fundingSplit"]["engagement"]["client"].clone();
    assert_eq!(
        figure(&client("a")["budgetFigures"][0], "pendingDemand"),
        200_000,
        "{data}"
    );
    assert_eq!(
        figure(&client("b")["budgetFigures"][0], "pendingDemand"),
        400_000,
        "{data}"
    );
    let by_source: i64 = client("b")["fundingSources"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| figure(s, "pendingDemand"))
        .sum();
    assert_eq!(by_source, 400_000);
}

/// The client's whole pending demand, as `token` sees it.
async fn client_demand_as(j: &Joint, token: &str) -> i64 {
    let data = j
        .app
        .data_as(
            token,
            "query($id: ID!) { client(id: $id) { budgetFigures { pendingDemand { amount } } } }",
            json!({ "id": j.client }),
        )
        .await;
    figure(&data["client"]["budgetFigures"][0], "pendingDemand")
}

#[tokio::test]
async fn a_portal_user_sees_no_demand_from_work_not_yet_proposed_to_them() {
    let j = joint("100000.00", "50000.00").await;
    let e = crate::engagements::engagement_as(
        &j.app,
        &j.client,
        "LEAD1",
        ("2026-03-01", "2026-12-31"),
        "TIME_AND_MATERIALS",
    )
    .await;
    let line = j
        .app
        .data("mutation($e: ID!, $s: ID!) { addEngagementLine(input: {engagementId: $e, serviceId: $s, quantity: \"4\"}) { userErrors { code } } }", json!({ "e": e["id"], "s": j.design }))
        .await;
    assert_eq!(line["addEngagementLine"]["userErrors"], json!([]));
    let split = j.split(&e, &[(&j.marketing, 10_000)]).await["fundingSplit"]["id"].clone();
    let submitted = j.submit(&split).await;
    assert_eq!(submitted["userErrors"], json!([]), "{submitted}");
    assert_eq!(client_demand_as(&j, &j.app.admin_token).await, 400_000);
    assert_eq!(
        client_demand_as(&j, &j.cmo_token).await,
        0,
        "a lead is the provider's pipeline, not the client's"
    );
}

#[tokio::test]
async fn a_split_reaching_a_year_without_an_approved_budget_demands_nothing() {
    let j = joint("100000.00", "50000.00").await;
    // December 2026 to February 2027: FY2027 has no budget, so approving
    // would fail with NO_BUDGET.
    let e = j.won_between("E1", "5", "2026-12-01", "2027-02-28").await;
    let split = j.split(&e, &[(&j.marketing, 10_000)]).await["fundingSplit"]["id"].clone();
    j.submit(&split).await;
    assert_eq!(client_demand_as(&j, &j.app.admin_token).await, 0);
    assert_eq!(
        figure(&engagement_figures(&j, &e).await, "pendingDemand"),
        0
    );
}

#[tokio::test]
async fn a_change_order_left_pending_on_delivered_work_demands_nothing() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.approved("E1", "10", &[(&j.marketing, 10_000)]).await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let shares = json!([{ "fundingSourceId": j.marketing, "shareBasisPoints": 10000 }]);
    submit_change_order(&j, &e, shares, "12000.00").await;
    assert_eq!(client_demand_as(&j, &j.app.admin_token).await, 200_000);
    move_to(&j, &e, "DELIVERED").await;
    assert_eq!(client_demand_as(&j, &j.app.admin_token).await, 0);
}
