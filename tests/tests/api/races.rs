//! Races on both databases: owners approving one joint split at the same
//! moment complete it exactly once, and spend racing with delivery is never
//! recorded after the engagement left ACTIVE.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tandem_entities::{EngagementStatus, engagement_transition, spend_entry};

use crate::harness::raw_id;
use crate::splits::{SPEND, joint};

#[tokio::test]
async fn owners_approving_a_joint_split_at_the_same_moment_complete_it_exactly_once() {
    let j = joint("1000000.00", "1000000.00").await;
    let mut splits = Vec::new();
    for i in 0..10 {
        let e = j.won(&format!("J{i}"), "1").await;
        let split = j
            .split(&e, &[(&j.marketing, 6_000), (&j.it_run, 4_000)])
            .await["fundingSplit"]["id"]
            .clone();
        j.submit(&split).await;
        splits.push(split);
    }
    // Twenty decisions at once: both owners of each of ten splits.
    let decisions = splits.iter().flat_map(|split| {
        [&j.cmo_token, &j.cio_token].map(|token| j.decide(token, split, true, None))
    });
    let answers = futures_util::future::join_all(decisions).await;
    for a in &answers {
        assert!(a.get("errors").is_none(), "{a}");
        let payload = &a["data"]["approveFundingSplit"];
        assert_eq!(payload["userErrors"], json!([]), "{a}");
    }
    for split in &splits {
        let data = j
            .app
            .data("query($id: ID!) { node(id: $id) { ... on FundingSplit { status approvals { decision } } } }", json!({ "id": split }))
            .await;
        assert_eq!(data["node"]["status"], "APPROVED", "{data}");
        assert_eq!(
            data["node"]["approvals"],
            json!([{ "decision": "APPROVED" }, { "decision": "APPROVED" }])
        );
    }
}

#[tokio::test]
async fn spend_racing_with_closing_is_never_recorded_after_the_engagement_closed() {
    let j = joint("1000000.00", "1000000.00").await;
    for round in 0..3 {
        let e = j
            .approved(&format!("R{round}"), "10", &[(&j.marketing, 10_000)])
            .await;
        assert_eq!(j.activate(&e).await["userErrors"], json!([]));
        // DELIVERED work still takes late invoices; CLOSED takes none.
        let delivered = j.app.data(
            "mutation($id: ID!) { transitionEngagement(input: {id: $id, to: DELIVERED}) { userErrors { code } } }",
            json!({ "id": e["id"] }),
        ).await;
        assert_eq!(delivered["transitionEngagement"]["userErrors"], json!([]));
        let spend = (0..19).map(|_| {
            j.app.gql(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": "2026-06-01", "cost": "1.00", "kind": "EXPENSE" } }))
        });
        let close = j.app.gql(
            "mutation($id: ID!) { transitionEngagement(input: {id: $id, to: CLOSED}) { userErrors { code } } }",
            json!({ "id": e["id"] }),
        );
        let (answers, closed) = tokio::join!(futures_util::future::join_all(spend), close);
        assert_eq!(
            closed["data"]["transitionEngagement"]["userErrors"],
            json!([]),
            "{closed}"
        );
        for a in &answers {
            let errors = &a["data"]["recordSpend"]["userErrors"];
            assert!(errors == &json!([]) || errors[0]["code"] == "LOCKED", "{a}");
        }
        let id = raw_id(e["id"].as_str().unwrap());
        let moved = engagement_transition::Entity::find()
            .filter(engagement_transition::Column::EngagementId.eq(id))
            .filter(engagement_transition::Column::ToStatus.eq(EngagementStatus::Closed))
            .one(&j.app.db)
            .await
            .unwrap()
            .expect("the move was recorded");
        let entries = spend_entry::Entity::find()
            .filter(spend_entry::Column::EngagementId.eq(id))
            .all(&j.app.db)
            .await
            .unwrap();
        let recorded = answers
            .iter()
            .filter(|a| a["data"]["recordSpend"]["userErrors"] == json!([]))
            .count();
        assert_eq!(
            entries.len(),
            recorded,
            "every accepted entry is stored, no refused one is"
        );
        for entry in &entries {
            assert!(
                entry.created_at <= moved.at,
                "spend recorded at {} after closing at {}",
                entry.created_at,
                moved.at
            );
        }
        let _: &Value = &closed;
    }
}
