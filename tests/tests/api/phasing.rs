//! Phased commitments (#12): activation commits each share over the budget
//! periods the engagement's dates span, pro rata to its days in each, in
//! every fiscal year it touches; closing hands back, line by line, what was
//! not charged there.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::splits::{Joint, SPEND, budget_line_in, joint};

/// (funding source name, fiscal year, period) -> (allocated, available) of
/// every line of the client's budgets.
async fn lines(j: &Joint) -> BTreeMap<(String, i64, String), (String, String)> {
    let data = j
        .app
        .data(
            "query($id: ID!) { client(id: $id) { budgets(first: 10) { nodes { fiscalYear lines(first: 100) { nodes { period fundingSource { name } allocated { amount } available { amount } } } } } } }",
            json!({ "id": j.client }),
        )
        .await;
    let mut out = BTreeMap::new();
    for b in data["client"]["budgets"]["nodes"].as_array().unwrap() {
        for l in b["lines"]["nodes"].as_array().unwrap() {
            out.insert(
                (
                    l["fundingSource"]["name"].as_str().unwrap().to_owned(),
                    b["fiscalYear"].as_i64().unwrap(),
                    l["period"].as_str().unwrap().to_owned(),
                ),
                (
                    l["allocated"]["amount"].as_str().unwrap().to_owned(),
                    l["available"]["amount"].as_str().unwrap().to_owned(),
                ),
            );
        }
    }
    out
}

fn allocated(
    lines: &BTreeMap<(String, i64, String), (String, String)>,
    source: &str,
    year: i64,
    period: &str,
) -> String {
    lines
        .get(&(source.to_owned(), year, period.to_owned()))
        .map(|l| l.0.clone())
        .unwrap_or_else(|| panic!("no line {source} {year} {period}: {lines:?}"))
}

/// The joint world with the CMO's FY2026 pot in quarters of `quarter` each
/// (no whole-year line) and the CIO's for the whole year.
async fn quarters(quarter: &str) -> Joint {
    let j = joint("", "50000.00").await;
    for q in ["Q1", "Q2", "Q3", "Q4"] {
        budget_line_in(&j.app, &j.budget, &j.marketing, q, quarter).await;
    }
    j
}

const MOVE: &str = "mutation($id: ID!, $to: EngagementStatus!) { transitionEngagement(input: {id: $id, to: $to}) { engagement { status } userErrors { field message code } } }";

async fn move_to(j: &Joint, e: &Value, to: &str) -> Value {
    j.app.data(MOVE, json!({ "id": e["id"], "to": to })).await["transitionEngagement"].clone()
}

#[tokio::test]
async fn a_sixty_forty_split_over_two_quarters_is_committed_pro_rata_to_the_days_in_each() {
    let j = quarters("20000.00").await;
    // June (30 days, Q2) and July (31 days, Q3); 10,000.00 shared 60/40.
    let e = j
        .approved_between(
            "E1",
            "10",
            ("2026-06-01", "2026-07-31"),
            &[(&j.marketing, 6000), (&j.it_run, 4000)],
        )
        .await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let lines = lines(&j).await;
    // 6,000.00 x 30/61 = 2,950.819.. and x 31/61 = 3,049.180..: the cent
    // left over goes to the larger remainder, so the parts sum exactly.
    assert_eq!(allocated(&lines, "Marketing", 2026, "Q1"), "0.00");
    assert_eq!(allocated(&lines, "Marketing", 2026, "Q2"), "2950.82");
    assert_eq!(allocated(&lines, "Marketing", 2026, "Q3"), "3049.18");
    assert_eq!(allocated(&lines, "Marketing", 2026, "Q4"), "0.00");
    assert_eq!(allocated(&lines, "IT run", 2026, "FY"), "4000.00");
    assert_eq!(j.allocated().await, (600_000, 400_000));
}

#[tokio::test]
async fn a_share_larger_than_its_start_quarter_fits_when_spread_over_the_quarters_it_spans() {
    let j = quarters("5000.00").await;
    // 8,000.00 of the CMO's money over June and July: all of it on Q2
    // would be 3,000.00 short; phased, 3,934.43 and 4,065.57 fit.
    let e = j
        .approved_between(
            "E1",
            "8",
            ("2026-06-01", "2026-07-31"),
            &[(&j.marketing, 10_000)],
        )
        .await;
    // A second one of the same size, approved while the room was there.
    let second = j
        .approved_between(
            "E2",
            "8",
            ("2026-06-01", "2026-07-31"),
            &[(&j.marketing, 10_000)],
        )
        .await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let lines = lines(&j).await;
    assert_eq!(allocated(&lines, "Marketing", 2026, "Q2"), "3934.43");
    assert_eq!(allocated(&lines, "Marketing", 2026, "Q3"), "4065.57");
    // It no longer fits in either quarter, and leaves nothing behind.
    let refused = j.activate(&second).await;
    assert_eq!(
        refused["userErrors"][0]["code"], "BUDGET_EXCEEDED",
        "{refused}"
    );
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Marketing FY2026 Q2"),
        "{refused}"
    );
    assert_eq!(j.allocated().await, (800_000, 0));
}

#[tokio::test]
async fn an_engagement_reaching_a_year_without_an_approved_budget_is_refused_naming_the_year_then_commits_across_both()
 {
    let j = joint("100000.00", "50000.00").await;
    // November and December 2026 (61 days), January and February 2027 (59).
    let e = j
        .approved_between(
            "X1",
            "12",
            ("2026-11-01", "2027-02-28"),
            &[(&j.marketing, 10_000)],
        )
        .await;
    let refused = j.activate(&e).await;
    assert_eq!(refused["userErrors"][0]["code"], "NO_BUDGET", "{refused}");
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("fiscal year 2027"),
        "{refused}"
    );
    // A 2027 budget without a line for the CMO's pot is refused too.
    let fy2027 = j
        .budget_of_year(2027, &[(&j.it_run, "FY", "50000.00")])
        .await;
    let refused = j.activate(&e).await;
    assert_eq!(refused["userErrors"][0]["code"], "NO_BUDGET", "{refused}");
    let message = refused["userErrors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("2027") && message.contains("Marketing"),
        "{refused}"
    );
    assert_eq!(j.allocated().await, (0, 0));
    budget_line_in(&j.app, &fy2027, &j.marketing, "FY", "100000.00").await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let lines = lines(&j).await;
    assert_eq!(allocated(&lines, "Marketing", 2026, "FY"), "6100.00");
    assert_eq!(allocated(&lines, "Marketing", 2027, "FY"), "5900.00");
}

#[tokio::test]
async fn closing_hands_back_each_quarter_down_to_what_was_charged_in_it() {
    let j = quarters("20000.00").await;
    let e = j
        .approved_between(
            "E1",
            "10",
            ("2026-06-01", "2026-07-31"),
            &[(&j.marketing, 10_000)],
        )
        .await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let before = lines(&j).await;
    assert_eq!(allocated(&before, "Marketing", 2026, "Q2"), "4918.03");
    assert_eq!(allocated(&before, "Marketing", 2026, "Q3"), "5081.97");
    // 1,000.00 charged in June; 6,000.00 in July, beyond July's commitment.
    for (on, amount) in [("2026-06-15", "1000.00"), ("2026-07-10", "6000.00")] {
        let p = j.app.data(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": on, "cost": amount, "kind": "EXPENSE" } })).await;
        assert_eq!(p["recordSpend"]["userErrors"], json!([]), "{p}");
    }
    let charged = lines(&j).await;
    assert_eq!(
        charged[&("Marketing".to_owned(), 2026, "Q3".to_owned())].1,
        "14000.00",
        "a charge beyond the commitment uses the line up"
    );
    assert_eq!(move_to(&j, &e, "DELIVERED").await["userErrors"], json!([]));
    assert_eq!(lines(&j).await, charged, "delivering releases nothing");
    assert_eq!(move_to(&j, &e, "CLOSED").await["userErrors"], json!([]));
    let after = lines(&j).await;
    // June's commitment becomes what June was charged; July keeps all of
    // its commitment, and its charge beyond it still uses the line up.
    assert_eq!(
        after[&("Marketing".to_owned(), 2026, "Q2".to_owned())],
        ("1000.00".to_owned(), "19000.00".to_owned())
    );
    assert_eq!(
        after[&("Marketing".to_owned(), 2026, "Q3".to_owned())],
        ("5081.97".to_owned(), "14000.00".to_owned())
    );
}

/// Creates a split of `e` with raw share inputs (phasing included).
async fn phased_split(j: &Joint, e: &Value, shares: Value) -> Value {
    j.app
        .data(
            "mutation($input: CreateFundingSplitInput!) { createFundingSplit(input: $input) { fundingSplit { id shares { fundingSourceName amount { amount } phasing { fiscalYear period amount { amount } } } } userErrors { field message code } } }",
            json!({ "input": { "engagementId": e["id"], "shares": shares } }),
        )
        .await["createFundingSplit"]
        .clone()
}

fn part(year: i32, period: &str, amount: &str) -> Value {
    json!({ "fiscalYear": year, "period": period, "amount": amount })
}

#[tokio::test]
async fn a_share_phased_explicitly_is_committed_and_demanded_as_given_not_pro_rata() {
    let j = quarters("20000.00").await;
    // June (Q2) and July (Q3); of the CMO's 6,000.00 the team expects most
    // of the work in July. The CIO's share keeps the default phasing.
    let e = j.won_between("E1", "10", "2026-06-01", "2026-07-31").await;
    let created = phased_split(
        &j,
        &e,
        json!([
            { "fundingSourceId": j.marketing, "shareBasisPoints": 6000,
              "phasing": [part(2026, "Q3", "5000.00"), part(2026, "Q2", "1000.00")] },
            { "fundingSourceId": j.it_run, "shareBasisPoints": 4000 },
        ]),
    )
    .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let shares = &created["fundingSplit"]["shares"];
    let marketing = shares
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["fundingSourceName"] == "Marketing")
        .unwrap();
    assert_eq!(
        marketing["phasing"],
        json!([
            { "fiscalYear": 2026, "period": "Q2", "amount": { "amount": "1000.00" } },
            { "fiscalYear": 2026, "period": "Q3", "amount": { "amount": "5000.00" } },
        ]),
        "by fiscal year and period"
    );
    let split = created["fundingSplit"]["id"].clone();
    j.submit(&split).await;

    // While pending, each line's pending demand is what approval would
    // commit there.
    let demand = j
        .app
        .data(
            "query($id: ID!) { client(id: $id) { budgets(first: 1) { nodes { lines(first: 100) { nodes { period fundingSource { name } pendingDemand { amount } } } } } } }",
            json!({ "id": j.client }),
        )
        .await;
    let mut pending = BTreeMap::new();
    for l in demand["client"]["budgets"]["nodes"][0]["lines"]["nodes"]
        .as_array()
        .unwrap()
    {
        pending.insert(
            format!(
                "{} {}",
                l["fundingSource"]["name"].as_str().unwrap(),
                l["period"].as_str().unwrap()
            ),
            l["pendingDemand"]["amount"].as_str().unwrap().to_owned(),
        );
    }
    assert_eq!(pending["Marketing Q2"], "1000.00", "{pending:?}");
    assert_eq!(pending["Marketing Q3"], "5000.00", "{pending:?}");
    assert_eq!(pending["IT run FY"], "4000.00", "{pending:?}");

    for token in [&j.cmo_token, &j.cio_token] {
        j.decide(token, &split, true, None).await;
    }
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let lines = lines(&j).await;
    assert_eq!(allocated(&lines, "Marketing", 2026, "Q2"), "1000.00");
    assert_eq!(allocated(&lines, "Marketing", 2026, "Q3"), "5000.00");
    assert_eq!(allocated(&lines, "IT run", 2026, "FY"), "4000.00");
    assert_eq!(j.allocated().await, (600_000, 400_000));
}

#[tokio::test]
async fn a_phasing_that_does_not_sum_to_its_share_or_names_a_period_it_cannot_take_is_refused() {
    let j = quarters("20000.00").await;
    let e = j.won_between("E1", "10", "2026-06-01", "2026-07-31").await;
    let with = |phasing: Value| json!([{ "fundingSourceId": j.marketing, "shareBasisPoints": 10000, "phasing": phasing }]);
    let cases = [
        (
            with(json!([
                part(2026, "Q2", "4000.00"),
                part(2026, "Q3", "5999.99")
            ])),
            "PHASING_SUM",
            "sums to 9999.99, not its share of 10000.00",
        ),
        (
            with(json!([
                part(2026, "Q1", "4000.00"),
                part(2026, "Q3", "6000.00")
            ])),
            "INVALID",
            "FY2026 Q1 lies outside the engagement's dates",
        ),
        (
            with(json!([
                part(2026, "Q2", "4000.00"),
                part(2026, "Q2", "6000.00")
            ])),
            "INVALID",
            "names FY2026 Q2 twice",
        ),
        (
            with(json!([
                part(2026, "FY", "4000.00"),
                part(2026, "Q3", "6000.00")
            ])),
            "INVALID",
            "both whole and by quarter",
        ),
        (
            with(json!([
                part(2026, "Q2", "0.00"),
                part(2026, "Q3", "10000.00")
            ])),
            "INVALID",
            "above zero",
        ),
        (
            with(json!([part(2026, "Q2", "10000.001")])),
            "INVALID",
            "at most 2 decimals",
        ),
        (
            with(json!([part(i32::MAX, "Q2", "10000.00")])),
            "INVALID",
            "lies outside the engagement's dates",
        ),
        (
            with(json!(
                (0..41)
                    .map(|_| part(2026, "Q2", "1.00"))
                    .collect::<Vec<_>>()
            )),
            "INVALID",
            "more than 40 periods",
        ),
    ];
    for (shares, code, says) in cases {
        let refused = phased_split(&j, &e, shares.clone()).await;
        assert_eq!(
            refused["userErrors"][0]["code"], code,
            "{shares}: {refused}"
        );
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(["input", "shares"])
        );
        let message = refused["userErrors"][0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
    }
    let fine = phased_split(
        &j,
        &e,
        with(json!([
            part(2026, "Q2", "4000.00"),
            part(2026, "Q3", "6000.00")
        ])),
    )
    .await;
    assert_eq!(fine["userErrors"], json!([]), "{fine}");
}

#[tokio::test]
async fn a_phasing_on_a_period_without_a_line_shows_in_the_fit_and_is_refused_at_submission() {
    // The CMO's pot is budgeted by quarter; a phasing on the whole year
    // finds no line to take it.
    let j = quarters("20000.00").await;
    let e = j.won_between("E1", "10", "2026-06-01", "2026-07-31").await;
    let created = phased_split(
        &j,
        &e,
        json!([{ "fundingSourceId": j.marketing, "shareBasisPoints": 10000,
                 "phasing": [part(2026, "FY", "10000.00")] }]),
    )
    .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let split = created["fundingSplit"]["id"].clone();
    let fit = j
        .app
        .data(
            "query($id: ID!) { node(id: $id) { ... on FundingSplit { fit { fits budgeted missingLines { fundingSource { name } fiscalYear period } } } } }",
            json!({ "id": split }),
        )
        .await;
    assert_eq!(
        fit["node"]["fit"],
        json!({ "fits": false, "budgeted": true, "missingLines": [
            { "fundingSource": { "name": "Marketing" }, "fiscalYear": 2026, "period": "FY" }
        ] })
    );
    let refused = j.submit(&split).await;
    assert_eq!(refused["userErrors"][0]["code"], "NO_BUDGET", "{refused}");
    assert_eq!(j.allocated().await, (0, 0));
}

#[tokio::test]
async fn a_phasing_is_checked_against_the_share_the_split_shows_whatever_order_the_shares_come_in()
{
    // 10,000.01 shared 50/50: the odd cent goes to the share stored first
    // (the marketing pot, made before the IT one), whatever order the
    // shares are given in.
    let j = joint("100000.00", "50000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    assert_eq!(j.activate(&e).await["userErrors"], json!([]));
    let change = |it: &str| {
        json!({ "input": { "engagementId": e["id"], "value": "10000.01", "shares": [
            { "fundingSourceId": j.it_run, "shareBasisPoints": 5000, "phasing": [part(2026, "FY", it)] },
            { "fundingSourceId": j.marketing, "shareBasisPoints": 5000 },
        ] } })
    };
    let q = "mutation($input: CreateFundingSplitInput!) { createFundingSplit(input: $input) { fundingSplit { shares { fundingSourceName amount { amount } phasing { amount { amount } } } } userErrors { field message code } } }";
    let refused = j.app.data(q, change("5000.01")).await;
    assert_eq!(
        refused["createFundingSplit"]["userErrors"][0]["code"], "PHASING_SUM",
        "{refused}"
    );
    let made = j.app.data(q, change("5000.00")).await;
    assert_eq!(
        made["createFundingSplit"]["userErrors"],
        json!([]),
        "{made}"
    );
    let mut shares: Vec<(String, String, Value)> =
        made["createFundingSplit"]["fundingSplit"]["shares"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["fundingSourceName"].as_str().unwrap().to_owned(),
                    s["amount"]["amount"].as_str().unwrap().to_owned(),
                    s["phasing"].clone(),
                )
            })
            .collect();
    shares.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        shares,
        vec![
            (
                "IT run".to_owned(),
                "5000.00".to_owned(),
                json!([{ "amount": { "amount": "5000.00" } }])
            ),
            ("Marketing".to_owned(), "5000.01".to_owned(), json!([])),
        ]
    );
}
