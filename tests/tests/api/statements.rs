//! Nested lists load through DataLoaders: the SQL statements of a request do
//! not grow with its page size.

use serde_json::json;

use crate::harness::{TestApp, spawn_app};

/// Creates `n` clients with two contacts each, a few requests at a time.
async fn seed(app: &TestApp, n: usize) {
    let clients: Vec<String> = (0..n)
        .map(|i| format!(
            r#"c{i}: createClient(input: {{name: "Client {i:03}", code: "C{i:03}", defaultCurrency: "EUR", fiscalYearStartMonth: 1}}) {{ client {{ id }} }}"#
        ))
        .collect();
    let data = app.mutations(&clients).await;
    let ids: Vec<String> = (0..n)
        .map(|i| {
            data[&format!("c{i}")]["client"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut contacts = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        for j in 0..2 {
            contacts.push(format!(
                r#"p{i}_{j}: createContact(input: {{clientId: "{id}", name: "Person {j}", email: "p{j}@c{i}.example", persona: CIO, function: IT}}) {{ contact {{ id }} }}"#
            ));
        }
    }
    app.mutations(&contacts).await;
}

async fn statements_for(app: &TestApp, first: usize) -> (u64, usize) {
    let query = format!(
        "{{ clients(first: {first}) {{ totalCount edges {{ node {{ name contacts(first: 5) {{ totalCount nodes {{ name client {{ code }} }} }} }} }} }} }}"
    );
    let before = app.statements().await;
    let data = app.data(&query, json!({})).await;
    let after = app.statements().await;
    let edges = data["clients"]["edges"].as_array().unwrap();
    for edge in edges {
        assert_eq!(edge["node"]["contacts"]["totalCount"], 2);
        assert_eq!(
            edge["node"]["contacts"]["nodes"].as_array().unwrap().len(),
            2
        );
    }
    (after - before, edges.len())
}

#[tokio::test]
async fn clients_with_contacts_cost_the_same_statements_for_ten_as_for_one_hundred() {
    let app = spawn_app().await;
    seed(&app, 100).await;
    let (ten, n10) = statements_for(&app, 10).await;
    let (hundred, n100) = statements_for(&app, 100).await;
    assert_eq!((n10, n100), (10, 100));
    assert_eq!(ten, hundred, "statements for 10 clients vs 100 clients");
    assert!(
        hundred <= 6,
        "a handful of statements, not one per client: {hundred}"
    );
}

/// A client with two funding sources and `n` budgets of two lines each,
/// with some spend; returns nothing, the queries find them.
async fn seed_budgets(app: &TestApp, n: usize) {
    let client = app.create_client("Acme", "ACME").await;
    let owner = app
        .create_contact(&client, "Carla", "carla@acme.example")
        .await;
    let mut sources = Vec::new();
    for function in ["MARKETING", "IT_RUN"] {
        let data = app
            .data(
                "mutation($c: ID!, $o: ID!, $f: FundingFunction!) { createFundingSource(input: {clientId: $c, name: \"Money\", function: $f, ownerContactId: $o, expenseType: OPEX}) { fundingSource { id } } }",
                json!({ "c": client, "o": owner, "f": function }),
            )
            .await;
        sources.push(
            data["createFundingSource"]["fundingSource"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut budgets: Vec<String> = Vec::new();
    for i in 0..n {
        budgets.push(format!(
            r#"b{i}: createBudget(input: {{clientId: "{client}", fiscalYear: {}}}) {{ budget {{ id }} }}"#,
            2000 + i
        ));
    }
    let data = app.mutations(&budgets).await;
    let mut lines: Vec<String> = Vec::new();
    for i in 0..n {
        let id = data[&format!("b{i}")]["budget"]["id"].as_str().unwrap();
        lines.push(format!(
            r#"m{i}: setBudgetLine(input: {{budgetId: "{id}", fundingSourceId: "{}", period: FY, planned: "100.00"}}) {{ line {{ id }} }} r{i}: setBudgetLine(input: {{budgetId: "{id}", fundingSourceId: "{}", period: Q1, planned: "200.00"}}) {{ line {{ id }} }}"#,
            sources[0], sources[1]
        ));
    }
    app.mutations(&lines).await;
}

async fn figure_statements_for(app: &TestApp, first: usize) -> (u64, usize) {
    let trio = "charged { amount } pendingDemand { amount } forecastAtCompletion { amount }";
    let query = format!(
        "{{ budgets(first: {first}) {{ nodes {{ totals {{ {trio} }} byFunction {{ figures {{ {trio} }} }} byOwner {{ figures {{ {trio} }} }} byPeriod {{ figures {{ {trio} }} }} client {{ budgetFigures {{ {trio} }} }} lines(first: 5) {{ nodes {{ {trio} fundingSource {{ {trio} }} }} }} }} }} fundingSources(first: {first}) {{ nodes {{ {trio} }} }} }}"
    );
    let before = app.statements().await;
    let data = app.data(&query, json!({})).await;
    let after = app.statements().await;
    let nodes = data["budgets"]["nodes"].as_array().unwrap();
    for node in nodes {
        assert_eq!(node["lines"]["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(node["totals"][0]["pendingDemand"]["amount"], "0.00");
    }
    (after - before, nodes.len())
}

#[tokio::test]
async fn burn_rates_forecasts_and_pending_demand_cost_the_same_statements_for_ten_budgets_as_for_one_hundred()
 {
    let app = spawn_app().await;
    seed_budgets(&app, 100).await;
    let (ten, n10) = figure_statements_for(&app, 10).await;
    let (hundred, n100) = figure_statements_for(&app, 100).await;
    assert_eq!((n10, n100), (10, 100));
    assert_eq!(ten, hundred, "statements for 10 budgets vs 100 budgets");
    // Pending demand costs two statements per root field that reads it
    // (here `budgets` and `fundingSources`) when no split is pending.
    assert!(
        hundred <= 22,
        "a fixed number per kind of figure, not one per budget: {hundred}"
    );
}
