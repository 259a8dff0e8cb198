//! Nested lists load through DataLoaders: the SQL statements of a request do
//! not grow with its page size.

use serde_json::json;

use crate::harness::{TestApp, spawn_app};

/// Creates `n` clients with two contacts each, in one request.
async fn seed(app: &TestApp, n: usize) {
    let mut mutations = String::from("mutation {");
    for i in 0..n {
        mutations.push_str(&format!(
            r#" c{i}: createClient(input: {{name: "Client {i:03}", code: "C{i:03}", defaultCurrency: "EUR", fiscalYearStartMonth: 1}}) {{ client {{ id }} }}"#
        ));
    }
    mutations.push('}');
    let data = app.data(&mutations, json!({})).await;
    let ids: Vec<String> = (0..n)
        .map(|i| {
            data[format!("c{i}")]["client"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut contacts = String::from("mutation {");
    for (i, id) in ids.iter().enumerate() {
        for j in 0..2 {
            contacts.push_str(&format!(
                r#" p{i}_{j}: createContact(input: {{clientId: "{id}", name: "Person {j}", email: "p{j}@c{i}.example", persona: CIO, function: IT}}) {{ contact {{ id }} }}"#
            ));
        }
    }
    contacts.push('}');
    app.data(&contacts, json!({})).await;
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
