//! Every connection the schema has, in every ordering it offers, paged
//! forwards and backwards with page sizes 1, 2 and 7, gives every row
//! exactly once and in the same order as one large page, over the demo
//! world with rows added whose sort keys are equal. Connections are found
//! through introspection, so a new one is covered without editing this file.

use std::collections::HashSet;

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::every_kind::{Schema, crawl, demo_world, schema};
use crate::harness::{TestApp, spawn_app};

/// At most this many pages per walk: a prefix (or suffix) of a long list
/// is checked against the same part of the whole.
const MAX_PAGES: usize = 12;

/// Where a connection is: a root field, or a field of one node.
#[derive(Clone)]
struct Target {
    field: String,
    order: Option<String>,
    parent: Option<(String, String)>,
}

impl Target {
    fn query(&self) -> String {
        let order = self
            .order
            .as_ref()
            .map(|o| format!(", orderBy: {o}"))
            .unwrap_or_default();
        let conn = format!(
            "c: {}(first: $first, after: $after, last: $last, before: $before{order}) {{ totalCount edges {{ cursor }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }}",
            self.field
        );
        match &self.parent {
            None => format!(
                "query($first: Int, $after: String, $last: Int, $before: String) {{ {conn} }}"
            ),
            Some((kind, _)) => format!(
                "query($first: Int, $after: String, $last: Int, $before: String, $id: ID!) {{ node(id: $id) {{ ... on {kind} {{ {conn} }} }} }}"
            ),
        }
    }

    fn name(&self) -> String {
        let on = self
            .parent
            .as_ref()
            .map(|(k, _)| k.as_str())
            .unwrap_or("Query");
        format!("{on}.{} {:?}", self.field, self.order)
    }
}

/// One page: the rows' cursors and whether there are more.
async fn page(app: &TestApp, t: &Target, q: &str, mut vars: Value) -> (Vec<String>, Value, u64) {
    if let Some((_, id)) = &t.parent {
        vars["id"] = json!(id);
    }
    let data = app.data(q, vars).await;
    let conn = if t.parent.is_some() {
        data["node"]["c"].clone()
    } else {
        data["c"].clone()
    };
    let cursors = conn["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: {data}", t.name()))
        .iter()
        .map(|e| e["cursor"].as_str().unwrap().to_owned())
        .collect();
    let total = conn["totalCount"].as_u64().unwrap();
    (cursors, conn["pageInfo"].clone(), total)
}

/// Walks `t` forwards (or backwards) `size` rows at a time; the rows in list
/// order, whether the walk reached the end, and the total count.
async fn walk(app: &TestApp, t: &Target, size: usize, forwards: bool) -> (Vec<String>, bool, u64) {
    let q = t.query();
    let mut rows: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut total = 0;
    for _ in 0..MAX_PAGES {
        let vars = if forwards {
            json!({ "first": size, "after": cursor })
        } else {
            json!({ "last": size, "before": cursor })
        };
        let (mut got, info, count) = page(app, t, &q, vars).await;
        total = count;
        assert!(
            got.len() <= size,
            "{}: a page of {size} holds {}",
            t.name(),
            got.len()
        );
        let more = if forwards {
            info["hasNextPage"].as_bool().unwrap()
        } else {
            info["hasPreviousPage"].as_bool().unwrap()
        };
        if forwards {
            cursor = info["endCursor"].as_str().map(str::to_owned);
            rows.append(&mut got);
        } else {
            cursor = info["startCursor"].as_str().map(str::to_owned);
            got.append(&mut rows);
            rows = got;
        }
        if !more {
            return (rows, true, total);
        }
    }
    (rows, false, total)
}

async fn check(app: &TestApp, t: Target) -> usize {
    let (all, complete, total) = walk(app, &t, 100, true).await;
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "{}: a row twice in one walk",
        t.name()
    );
    if complete {
        assert_eq!(all.len() as u64, total, "{}: totalCount", t.name());
    }
    for size in [1, 2, 7] {
        let (fwd, fwd_done, _) = walk(app, &t, size, true).await;
        assert_eq!(fwd[..], all[..fwd.len()], "{} forwards by {size}", t.name());
        if fwd_done && complete {
            assert_eq!(fwd.len(), all.len(), "{} forwards by {size}", t.name());
        }
        if complete {
            let (back, back_done, _) = walk(app, &t, size, false).await;
            assert_eq!(
                back[..],
                all[all.len() - back.len()..],
                "{} backwards by {size}",
                t.name()
            );
            if back_done {
                assert_eq!(back.len(), all.len(), "{} backwards by {size}", t.name());
            }
        }
    }
    all.len()
}

/// Rows whose sort keys are equal: contacts of one name, engagements of one
/// name and dates, and stakeholders of one role.
async fn equal_keys(app: &TestApp, client: &str) {
    for i in 0..3 {
        app.create_contact(client, "Pat Equal", &format!("pat{i}@harborbank.example"))
            .await;
    }
    for i in 0..3 {
        let p = app
            .data(
                "mutation($c: ID!, $code: String!) { createEngagement(input: {clientId: $c, code: $code, name: \"Same\", commercialModel: RETAINER, investmentArea: CUSTOMER_INTELLIGENCE, startDate: \"2026-01-01\", endDate: \"2026-12-31\"}) { userErrors { code } } }",
                json!({ "c": client, "code": format!("SAME-{i}") }),
            )
            .await;
        assert_eq!(p["createEngagement"]["userErrors"], json!([]));
    }
}

#[tokio::test]
async fn every_ordering_of_every_connection_pages_every_row_exactly_once() {
    let app = spawn_app().await;
    let hbk = demo_world(&app).await;
    equal_keys(&app, &hbk).await;
    let (schema, _) = schema(&app).await;
    let reached = crawl(&app, &schema, &app.admin_token, &[hbk], false).await;

    let mut targets = Vec::new();
    let orders = |schema: &Schema, order: &Option<String>| -> Vec<Option<String>> {
        match order {
            None => vec![None],
            Some(e) => schema.enums[e].iter().cloned().map(Some).collect(),
        }
    };
    for f in schema.types["Query"]
        .iter()
        .filter(|f| f.paged && f.callable)
    {
        for order in orders(&schema, &f.order_by) {
            targets.push(Target {
                field: f.name.clone(),
                order,
                parent: None,
            });
        }
    }
    // Nested connections: on the node of each kind with the most rows.
    let mut covered = 0;
    for (kind, fields) in &schema.types {
        if !schema.nodes.contains(kind) {
            continue;
        }
        let parents: Vec<&String> = reached
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(id, _)| id)
            .take(8)
            .collect();
        for f in fields.iter().filter(|f| f.paged && f.callable) {
            let mut best: Option<(u64, String)> = None;
            for id in &parents {
                let q = format!(
                    "query($id: ID!) {{ node(id: $id) {{ ... on {kind} {{ c: {} {{ totalCount }} }} }} }}",
                    f.name
                );
                let data = app.data(&q, json!({ "id": id })).await;
                let n = data["node"]["c"]["totalCount"].as_u64().unwrap_or(0);
                if best.as_ref().is_none_or(|(m, _)| n > *m) {
                    best = Some((n, (*id).clone()));
                }
            }
            let Some((n, id)) = best else { continue };
            if n >= 2 {
                covered += 1;
            }
            for order in orders(&schema, &f.order_by) {
                targets.push(Target {
                    field: f.name.clone(),
                    order,
                    parent: Some((kind.clone(), id.clone())),
                });
            }
        }
    }
    assert!(
        covered >= 5,
        "nested connections with rows to page: {covered}"
    );
    for chunk in targets.chunks(8) {
        join_all(chunk.iter().cloned().map(|t| check(&app, t))).await;
    }
}

#[tokio::test]
async fn stakeholders_of_one_role_are_paged_one_at_a_time_without_skipping() {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let a = app.create_contact(&client, "A", "a@acme.example").await;
    let b = app.create_contact(&client, "B", "b@acme.example").await;
    let c = app.create_contact(&client, "C", "c@acme.example").await;
    let e = app
        .data(
            "mutation($c: ID!) { createEngagement(input: {clientId: $c, code: \"E1\", name: \"E\", commercialModel: RETAINER, investmentArea: CUSTOMER_INTELLIGENCE, startDate: \"2026-01-01\", endDate: \"2026-12-31\"}) { engagement { id } } }",
            json!({ "c": client }),
        )
        .await["createEngagement"]["engagement"]["id"]
        .clone();
    for (contact, role) in [
        (&a, "ECONOMIC_BUYER"),
        (&b, "ECONOMIC_BUYER"),
        (&c, "SPONSOR"),
    ] {
        app.data(
            "mutation($e: ID!, $c: ID!, $r: StakeholderRole!) { addStakeholder(input: {engagementId: $e, contactId: $c, role: $r}) { userErrors { code } } }",
            json!({ "e": e, "c": contact, "r": role }),
        )
        .await;
    }
    let q = "query($id: ID!, $after: String) { engagement(id: $id) { stakeholders(first: 1, after: $after) { nodes { contact { name } } pageInfo { hasNextPage endCursor } } } }";
    let mut names = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.data(q, json!({ "id": e, "after": after })).await;
        let conn = &data["engagement"]["stakeholders"];
        names.push(
            conn["nodes"][0]["contact"]["name"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(names, ["A", "B", "C"]);
}
