//! Combined CMO/CIO funding: splits approved by each owner, activation that
//! allocates to budget lines (and never overspends, even under concurrent
//! requests), change orders, and spend attributed by the split in force.

use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tandem_entities::budget_line;

use crate::engagements::{card, engagement_as, service, version};
use crate::harness::{TestApp, USER_PASSWORD, approved_on, first_error_code, spawn_app};

/// A client with a CMO and a CIO (each with a portal login), a marketing and
/// an IT funding source, an approved FY2026 budget and a priced catalog.
pub(crate) struct Joint {
    pub(crate) app: TestApp,
    pub(crate) client: String,
    pub(crate) cmo: String,
    pub(crate) cio: String,
    pub(crate) cmo_token: String,
    pub(crate) cio_token: String,
    pub(crate) marketing: String,
    pub(crate) it_run: String,
    pub(crate) design: String,
    pub(crate) budget: String,
}

pub(crate) async fn portal_user(app: &TestApp, client: &str, contact: &str, email: &str) -> String {
    let data = app
        .data(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { userErrors { field code } } }",
            json!({ "input": { "email": email, "name": email, "password": USER_PASSWORD, "role": "CLIENT", "clientId": client, "contactId": contact } }),
        )
        .await;
    assert_eq!(data["createUser"]["userErrors"], json!([]));
    app.login(email, USER_PASSWORD).await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn source(
    app: &TestApp,
    client: &str,
    name: &str,
    function: &str,
    owner: &str,
) -> String {
    let data = app
        .data(
            "mutation($input: CreateFundingSourceInput!) { createFundingSource(input: $input) { fundingSource { id } userErrors { field message code } } }",
            json!({ "input": { "clientId": client, "name": name, "function": function, "ownerContactId": owner, "externalRef": format!("CC-{name}"), "expenseType": "OPEX" } }),
        )
        .await;
    assert_eq!(
        data["createFundingSource"]["userErrors"],
        json!([]),
        "{data}"
    );
    data["createFundingSource"]["fundingSource"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn budget_line(app: &TestApp, budget: &str, source: &str, planned: &str) {
    budget_line_in(app, budget, source, "FY", planned).await;
}

/// Sets the line of `source` for `period` in `budget`.
pub(crate) async fn budget_line_in(
    app: &TestApp,
    budget: &str,
    source: &str,
    period: &str,
    planned: &str,
) {
    let data = app
        .data(
            "mutation($input: SetBudgetLineInput!) { setBudgetLine(input: $input) { userErrors { field message code } } }",
            json!({ "input": { "budgetId": budget, "fundingSourceId": source, "period": period, "planned": planned } }),
        )
        .await;
    assert_eq!(data["setBudgetLine"]["userErrors"], json!([]), "{data}");
}

pub(crate) async fn joint(marketing_planned: &str, it_planned: &str) -> Joint {
    let app = spawn_app().await;
    let client = app.create_client("Acme", "ACME").await;
    let cmo = app
        .create_contact(&client, "Carla", "carla@acme.example")
        .await;
    let cio = app
        .create_contact(&client, "Ivan", "ivan@acme.example")
        .await;
    let cmo_token = portal_user(&app, &client, &cmo, "cmo@acme.example").await;
    let cio_token = portal_user(&app, &client, &cio, "cio@acme.example").await;
    let marketing = source(&app, &client, "Marketing", "MARKETING", &cmo).await;
    let it_run = source(&app, &client, "IT run", "IT_RUN", &cio).await;
    let data = app
        .data("mutation($c: ID!) { createBudget(input: {clientId: $c, fiscalYear: 2026}) { budget { id } userErrors { field message code } } }", json!({ "c": client }))
        .await;
    let budget = data["createBudget"]["budget"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // An empty plan leaves the source without a whole-year line.
    for (source, planned) in [(&marketing, marketing_planned), (&it_run, it_planned)] {
        if !planned.is_empty() {
            budget_line(&app, &budget, source, planned).await;
        }
    }
    let approved = app
        .data(
            "mutation($id: ID!) { approveBudget(input: {id: $id}) { userErrors { code } } }",
            json!({ "id": budget }),
        )
        .await;
    assert_eq!(approved["approveBudget"]["userErrors"], json!([]));
    let design = service(&app, "DESIGN", "JOINT").await;
    let default = card(&app, None, "EUR").await;
    version(
        &app,
        &default,
        "2026-01-01",
        None,
        &[(&design, "1000.00", "600.00")],
    )
    .await;
    Joint {
        app,
        client,
        cmo,
        cio,
        cmo_token,
        cio_token,
        marketing,
        it_run,
        design,
        budget,
    }
}

pub(crate) const SPLIT: &str = "id version status value { amount } shares { fundingSourceName shareBasisPoints amount { amount } } approvals { owner { name } decision onBehalf comment decidedAt }";

impl Joint {
    /// A WON engagement worth `days` x 1000.00, running from 2026-03-01 to
    /// 2026-12-31 (inside FY2026).
    pub(crate) async fn won(&self, code: &str, days: &str) -> Value {
        self.won_between(code, days, "2026-03-01", "2026-12-31")
            .await
    }

    /// A WON engagement worth `days` x 1000.00, running from `start` to `end`.
    pub(crate) async fn won_between(
        &self,
        code: &str,
        days: &str,
        start: &str,
        end: &str,
    ) -> Value {
        self.won_as(code, days, (start, end), "TIME_AND_MATERIALS")
            .await
    }

    /// A WON engagement sold by `model`, worth `days` x 1000.00.
    pub(crate) async fn won_as(
        &self,
        code: &str,
        days: &str,
        dates: (&str, &str),
        model: &str,
    ) -> Value {
        let e = engagement_as(&self.app, &self.client, code, dates, model).await;
        let line = self
            .app
            .data("mutation($e: ID!, $s: ID!, $q: String!) { addEngagementLine(input: {engagementId: $e, serviceId: $s, quantity: $q}) { userErrors { code } } }", json!({ "e": e["id"], "s": self.design, "q": days }))
            .await;
        assert_eq!(line["addEngagementLine"]["userErrors"], json!([]));
        for to in ["QUALIFIED", "PROPOSED", "WON"] {
            self.app.data("mutation($id: ID!, $to: EngagementStatus!) { transitionEngagement(input: {id: $id, to: $to}) { userErrors { code } } }", json!({ "id": e["id"], "to": to })).await;
        }
        e
    }

    pub(crate) async fn split(&self, engagement: &Value, shares: &[(&str, i32)]) -> Value {
        let shares: Vec<Value> = shares
            .iter()
            .map(|(s, bp)| json!({ "fundingSourceId": s, "shareBasisPoints": bp }))
            .collect();
        self.app
            .data(&format!("mutation($input: CreateFundingSplitInput!) {{ createFundingSplit(input: $input) {{ fundingSplit {{ {SPLIT} }} userErrors {{ field message code }} }} }}"), json!({ "input": { "engagementId": engagement["id"], "shares": shares } }))
            .await["createFundingSplit"]
            .clone()
    }

    pub(crate) async fn submit(&self, split: &Value) -> Value {
        self.app.data(&format!("mutation($id: ID!) {{ submitFundingSplit(input: {{id: $id}}) {{ fundingSplit {{ {SPLIT} }} userErrors {{ code }} }} }}"), json!({ "id": split })).await["submitFundingSplit"].clone()
    }

    pub(crate) async fn decide(
        &self,
        token: &str,
        split: &Value,
        approve: bool,
        on_behalf: Option<&str>,
    ) -> Value {
        let field = if approve {
            "approveFundingSplit"
        } else {
            "rejectFundingSplit"
        };
        self.app
            .gql_as(token, &format!("mutation($id: ID!, $b: ID) {{ {field}(input: {{id: $id, comment: \"ok\", onBehalfOf: $b}}) {{ fundingSplit {{ {SPLIT} }} userErrors {{ field message code }} }} }}"), json!({ "id": split, "b": on_behalf }))
            .await
    }

    /// An approved budget of the client for fiscal year `year` with
    /// `lines` (source, period, planned); its id.
    pub(crate) async fn budget_of_year(&self, year: i32, lines: &[(&str, &str, &str)]) -> String {
        let made = self
            .app
            .data("mutation($c: ID!, $y: Int!) { createBudget(input: {clientId: $c, fiscalYear: $y}) { budget { id } userErrors { code } } }", json!({ "c": self.client, "y": year }))
            .await;
        let budget = made["createBudget"]["budget"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for (source, period, planned) in lines {
            budget_line_in(&self.app, &budget, source, period, planned).await;
        }
        let approved = self
            .app
            .data(
                "mutation($id: ID!) { approveBudget(input: {id: $id}) { userErrors { code } } }",
                json!({ "id": budget }),
            )
            .await;
        assert_eq!(approved["approveBudget"]["userErrors"], json!([]));
        budget
    }

    /// An engagement with an approved split of `shares`.
    pub(crate) async fn approved(&self, code: &str, days: &str, shares: &[(&str, i32)]) -> Value {
        self.approved_between(code, days, ("2026-03-01", "2026-12-31"), shares)
            .await
    }

    /// An engagement running over `dates` with an approved split of `shares`.
    pub(crate) async fn approved_between(
        &self,
        code: &str,
        days: &str,
        dates: (&str, &str),
        shares: &[(&str, i32)],
    ) -> Value {
        self.approved_as(code, days, dates, "TIME_AND_MATERIALS", shares)
            .await
    }

    /// An engagement sold by `model` with an approved split of `shares`.
    pub(crate) async fn approved_as(
        &self,
        code: &str,
        days: &str,
        dates: (&str, &str),
        model: &str,
        shares: &[(&str, i32)],
    ) -> Value {
        let e = self.won_as(code, days, dates, model).await;
        let split = self.split(&e, shares).await["fundingSplit"]["id"].clone();
        self.submit(&split).await;
        for token in [&self.cmo_token, &self.cio_token] {
            self.decide(token, &split, true, None).await;
        }
        self.approved_on(&split, dates.0).await;
        e
    }

    /// Dates the approval of `split` on `day` (see [`approved_on`]).
    pub(crate) async fn approved_on(&self, split: &Value, day: &str) {
        let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        approved_on(&self.app, split.as_str().unwrap(), Some(day)).await;
    }

    pub(crate) async fn activate(&self, e: &Value) -> Value {
        self.app.data("mutation($id: ID!) { transitionEngagement(input: {id: $id, to: ACTIVE}) { engagement { status } userErrors { field message code } } }", json!({ "id": e["id"] })).await["transitionEngagement"].clone()
    }

    /// Allocated minor units of each line of the budget, by source.
    pub(crate) async fn allocated(&self) -> (i64, i64) {
        let lines = budget_line::Entity::find().all(&self.app.db).await.unwrap();
        let of = |source: &str| {
            let raw = crate::harness::raw_id(source);
            lines
                .iter()
                .filter(|l| l.funding_source_id == raw)
                .map(|l| l.allocated_minor)
                .sum::<i64>()
        };
        (of(&self.marketing), of(&self.it_run))
    }
}

#[tokio::test]
async fn the_cmo_and_the_cio_each_approve_their_share_and_then_it_is_approved() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    let created = j
        .split(&e, &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let split = &created["fundingSplit"];
    assert_eq!(
        (
            split["status"].as_str(),
            split["version"].as_i64(),
            split["value"]["amount"].as_str()
        ),
        (Some("DRAFT"), Some(1), Some("10000.00"))
    );
    let amounts: Vec<&str> = split["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["amount"]["amount"].as_str().unwrap())
        .collect();
    assert!(
        amounts.contains(&"6000.00") && amounts.contains(&"4000.00"),
        "{amounts:?}"
    );
    let submitted = j.submit(&split["id"]).await;
    assert_eq!(submitted["fundingSplit"]["status"], "PENDING_APPROVAL");
    assert_eq!(
        submitted["fundingSplit"]["approvals"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "one approval per distinct owner"
    );

    let pending = "{ myPendingApprovals { id status } }";
    assert_eq!(
        j.app.data_as(&j.cmo_token, pending, json!({})).await["myPendingApprovals"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let after_cmo = j.decide(&j.cmo_token, &split["id"], true, None).await;
    assert_eq!(
        after_cmo["data"]["approveFundingSplit"]["fundingSplit"]["status"], "PENDING_APPROVAL",
        "{after_cmo}"
    );
    assert_eq!(
        j.app.data_as(&j.cmo_token, pending, json!({})).await["myPendingApprovals"],
        json!([])
    );
    assert_eq!(
        j.app.data_as(&j.cio_token, pending, json!({})).await["myPendingApprovals"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let after_cio = j.decide(&j.cio_token, &split["id"], true, None).await;
    let done = &after_cio["data"]["approveFundingSplit"]["fundingSplit"];
    assert_eq!(done["status"], "APPROVED");
    for a in done["approvals"].as_array().unwrap() {
        assert_eq!(
            (
                a["decision"].as_str(),
                a["onBehalf"].as_bool(),
                a["comment"].as_str()
            ),
            (Some("APPROVED"), Some(false), Some("ok"))
        );
        assert!(a["decidedAt"].is_string());
    }
    let again = j.decide(&j.cmo_token, &split["id"], true, None).await;
    assert_eq!(
        again["data"]["approveFundingSplit"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
}

#[tokio::test]
async fn one_rejection_rejects_the_split() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    let split = j
        .split(&e, &[(&j.marketing, 5000), (&j.it_run, 5000)])
        .await["fundingSplit"]["id"]
        .clone();
    j.submit(&split).await;
    j.decide(&j.cmo_token, &split, true, None).await;
    let rejected = j.decide(&j.cio_token, &split, false, None).await;
    assert_eq!(
        rejected["data"]["rejectFundingSplit"]["fundingSplit"]["status"],
        "REJECTED"
    );
    assert_eq!(
        j.activate(&e).await["userErrors"][0]["code"],
        "NO_APPROVED_SPLIT"
    );
}

#[tokio::test]
async fn only_the_owners_or_an_administrator_on_their_behalf_decide() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    let split = j.split(&e, &[(&j.marketing, 10_000)]).await["fundingSplit"]["id"].clone();
    j.submit(&split).await;
    let cio = j.decide(&j.cio_token, &split, true, None).await;
    assert_eq!(
        first_error_code(&cio),
        "FORBIDDEN",
        "the CIO owns none of these sources: {cio}"
    );
    let am = j
        .app
        .create_user("am@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    j.app.assign(&am.id, &j.client).await;
    assert_eq!(
        first_error_code(&j.decide(&am.token, &split, true, None).await),
        "FORBIDDEN"
    );
    let no_owner = j.decide(&j.app.admin_token, &split, true, None).await;
    assert_eq!(
        no_owner["data"]["approveFundingSplit"]["userErrors"][0]["code"],
        "REQUIRED"
    );
    let wrong_owner = j
        .decide(&j.app.admin_token, &split, true, Some(&j.cio))
        .await;
    assert_eq!(
        wrong_owner["data"]["approveFundingSplit"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    let admin = j
        .decide(&j.app.admin_token, &split, true, Some(&j.cmo))
        .await;
    let done = &admin["data"]["approveFundingSplit"]["fundingSplit"];
    assert_eq!(done["status"], "APPROVED");
    assert_eq!(done["approvals"][0]["onBehalf"], true);
}

#[tokio::test]
async fn split_shares_are_checked() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    assert_eq!(
        j.split(&e, &[(&j.marketing, 6000), (&j.it_run, 3999)])
            .await["userErrors"][0]["code"],
        "SHARES_SUM"
    );
    assert_eq!(j.split(&e, &[]).await["userErrors"][0]["code"], "REQUIRED");
    assert_eq!(
        j.split(&e, &[(&j.marketing, 5000), (&j.marketing, 5000)])
            .await["userErrors"][0]["code"],
        "INVALID"
    );
    let other = j.app.create_client("Beta", "BETA").await;
    let beta_owner = j
        .app
        .create_contact(&other, "Bob", "bob@beta.example")
        .await;
    let foreign = source(&j.app, &other, "Beta marketing", "MARKETING", &beta_owner).await;
    assert_eq!(
        j.split(&e, &[(&foreign, 10_000)]).await["userErrors"][0]["code"],
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn activation_needs_an_approved_split_and_allocates_each_share() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.won("E1", "10").await;
    assert_eq!(
        j.activate(&e).await["userErrors"][0]["code"],
        "NO_APPROVED_SPLIT"
    );
    let e = j
        .approved("E2", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    let active = j.activate(&e).await;
    assert_eq!(active["engagement"]["status"], "ACTIVE", "{active}");
    assert_eq!(j.allocated().await, (600_000, 400_000));
    let client = j.app.data("query($id: ID!) { client(id: $id) { budgetFigures { currency planned { amount } allocated { amount } remaining { amount } } } }", json!({ "id": j.client })).await;
    assert_eq!(
        client["client"]["budgetFigures"],
        json!([{ "currency": "EUR", "planned": { "amount": "150000.00" }, "allocated": { "amount": "10000.00" }, "remaining": { "amount": "140000.00" } }])
    );
}

#[tokio::test]
async fn an_activation_that_would_overspend_a_line_fails_and_allocates_nothing() {
    // Both splits fit when approved (IT run needs 2000.00 and 4000.00 of
    // 5000.00); the first activation leaves too little for the second.
    let j = joint("100000.00", "5000.00").await;
    let first = j
        .approved("E0", "5", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    assert_eq!(j.activate(&first).await["userErrors"], json!([]));
    let failed = j.activate(&e).await;
    assert_eq!(failed["userErrors"][0]["code"], "BUDGET_EXCEEDED");
    let message = failed["userErrors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("IT run") && message.contains("1000.00"),
        "names the line and the shortfall: {message}"
    );
    assert_eq!(
        j.allocated().await,
        (300_000, 200_000),
        "nothing of the second is allocated"
    );
    let data = j
        .app
        .data(
            "query($id: ID!) { engagement(id: $id) { status } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(data["engagement"]["status"], "WON");
}

#[tokio::test]
async fn twenty_concurrent_activations_competing_for_room_for_five_leave_exactly_five_active() {
    let j = joint("5000.00", "50000.00").await;
    let mut engagements = Vec::new();
    for i in 0..20 {
        engagements.push(
            j.approved(&format!("R{i:02}"), "1", &[(&j.marketing, 10_000)])
                .await,
        );
    }
    let results = futures_util::future::join_all(engagements.iter().map(|e| j.activate(e))).await;
    let active = results
        .iter()
        .filter(|r| r["engagement"]["status"] == "ACTIVE")
        .count();
    let exceeded = results
        .iter()
        .filter(|r| r["userErrors"][0]["code"] == "BUDGET_EXCEEDED")
        .count();
    assert_eq!((active, exceeded), (5, 15), "{results:?}");
    let (marketing, _) = j.allocated().await;
    assert_eq!(marketing, 500_000, "allocated never exceeds planned");
    let listed = j
        .app
        .data(
            r#"{ engagements(filter: {status: {eq: ACTIVE}}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(listed["engagements"]["totalCount"], 5);
}

pub(crate) const SPEND: &str = "mutation($input: RecordSpendInput!) { recordSpend(input: $input) { spendEntry { amount { amount } attributions { fundingSourceName amount { amount } } } userErrors { field message code } } }";

pub(crate) fn shares_by_name(entry: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = entry["attributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["fundingSourceName"].as_str().unwrap().to_owned(),
                a["amount"]["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn spend_is_attributed_by_the_split_in_force_and_a_change_order_never_rewrites_it() {
    let j = joint("100000.00", "50000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    let locked = j.app.data(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": "2026-03-02", "cost": "100.00", "kind": "EXPENSE" } })).await;
    assert_eq!(
        locked["recordSpend"]["userErrors"][0]["code"], "LOCKED",
        "no spend before activation"
    );
    j.activate(&e).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let first = j.app.data(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": today, "cost": "1000.01", "kind": "EXPENSE", "description": "sprint 1" } })).await;
    assert_eq!(first["recordSpend"]["userErrors"], json!([]), "{first}");
    assert_eq!(
        shares_by_name(&first["recordSpend"]["spendEntry"]),
        [
            ("IT run".to_owned(), "400.00".to_owned()),
            ("Marketing".to_owned(), "600.01".to_owned())
        ]
    );

    // Change order: a new split version, approved the same way, moves the
    // allocations at once.
    let split = j
        .split(&e, &[(&j.marketing, 5000), (&j.it_run, 5000)])
        .await["fundingSplit"]
        .clone();
    assert_eq!(split["version"], 2);
    j.submit(&split["id"]).await;
    j.decide(&j.cmo_token, &split["id"], true, None).await;
    assert_eq!(
        j.allocated().await,
        (600_000, 400_000),
        "unchanged until every owner approves"
    );
    j.decide(&j.cio_token, &split["id"], true, None).await;
    assert_eq!(j.allocated().await, (500_000, 500_000));
    let data = j.app.data("query($id: ID!) { engagement(id: $id) { approvedSplit { version } fundingSplits { version status } spend { totalCount nodes { attributions { fundingSourceName amount { amount } } } } } }", json!({ "id": e["id"] })).await;
    let eng = &data["engagement"];
    assert_eq!(eng["approvedSplit"]["version"], 2);
    assert_eq!(
        eng["fundingSplits"],
        json!([{ "version": 2, "status": "APPROVED" }, { "version": 1, "status": "SUPERSEDED" }])
    );
    assert_eq!(
        shares_by_name(&eng["spend"]["nodes"][0]),
        [
            ("IT run".to_owned(), "400.00".to_owned()),
            ("Marketing".to_owned(), "600.01".to_owned())
        ],
        "history is kept"
    );
    let later = j.app.data(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": today, "amount": "200.00", "kind": "MEDIA" } })).await;
    assert_eq!(
        shares_by_name(&later["recordSpend"]["spendEntry"]),
        [
            ("IT run".to_owned(), "100.00".to_owned()),
            ("Marketing".to_owned(), "100.00".to_owned())
        ]
    );
    let backdated = j.app.data(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": "2026-03-05", "amount": "10.00", "kind": "EXPENSE" } })).await;
    let by_first_split = shares_by_name(&backdated["recordSpend"]["spendEntry"]);
    assert_eq!(
        by_first_split,
        [
            ("IT run".to_owned(), "4.00".to_owned()),
            ("Marketing".to_owned(), "6.00".to_owned())
        ],
        "the split in force on the spend date"
    );
}

#[tokio::test]
async fn a_change_order_that_would_overspend_is_refused_and_nothing_moves() {
    let j = joint("10000.00", "6000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    j.activate(&e).await;
    // All on IT run: 6000.00 more of the 2000.00 left. Refused when
    // submitted, before anyone is asked.
    let split = j.split(&e, &[(&j.it_run, 10_000)]).await["fundingSplit"]["id"].clone();
    let refused = j.submit(&split).await;
    assert_eq!(
        refused["userErrors"][0]["code"], "BUDGET_EXCEEDED",
        "{refused}"
    );
    assert_eq!(j.allocated().await, (600_000, 400_000));
}

#[tokio::test]
async fn engagement_figures_follow_spend() {
    let j = joint("100000.00", "50000.00").await;
    let e = j.approved("E1", "10", &[(&j.marketing, 10_000)]).await;
    j.activate(&e).await;
    let today = chrono::Utc::now().date_naive();
    for (days_ago, amount) in [(0, "300.00"), (10, "600.00"), (45, "1000.00")] {
        let on = (today - chrono::TimeDelta::days(days_ago)).to_string();
        let p = j.app.data(SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": on, "cost": amount, "kind": "EXPENSE" } })).await;
        assert_eq!(p["recordSpend"]["userErrors"], json!([]), "{p}");
    }
    let data = j.app.data("query($id: ID!) { engagement(id: $id) { value { amount } charged { amount } committed { amount } utilisation remaining { amount } burnRate { amount } forecastAtCompletion { amount } endDate } }", json!({ "id": e["id"] })).await;
    let eng = &data["engagement"];
    assert_eq!(eng["value"]["amount"], "10000.00");
    assert_eq!(eng["charged"]["amount"], "1900.00");
    assert_eq!(eng["committed"]["amount"], "10000.00");
    assert_eq!(eng["utilisation"], "19.00");
    assert_eq!(eng["remaining"]["amount"], "8100.00");
    assert_eq!(
        eng["burnRate"]["amount"], "30.00",
        "900.00 over the last 30 days"
    );
    let end =
        chrono::NaiveDate::parse_from_str(eng["endDate"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let days_left = (end - today).num_days().max(0);
    // What it holds committed is still to be paid, unless the burn
    // outruns it.
    let forecast = Ord::max(1_000_000, 190_000 + 3_000 * days_left);
    assert_eq!(
        eng["forecastAtCompletion"]["amount"],
        format!("{}.{:02}", forecast / 100, forecast % 100)
    );
}

#[tokio::test]
async fn portal_users_see_their_splits_but_nobody_records_spend_for_them() {
    let j = joint("100000.00", "50000.00").await;
    let e = j
        .approved("E1", "10", &[(&j.marketing, 6000), (&j.it_run, 4000)])
        .await;
    j.activate(&e).await;
    let data = j.app.data_as(&j.cmo_token, "query($id: ID!) { engagement(id: $id) { approvedSplit { status shares { shareBasisPoints } } } }", json!({ "id": e["id"] })).await;
    assert_eq!(data["engagement"]["approvedSplit"]["status"], "APPROVED");
    let body = j.app.gql_as(&j.cmo_token, SPEND, json!({ "input": { "engagementId": e["id"], "spentOn": "2026-03-02", "cost": "1.00", "kind": "EXPENSE" } })).await;
    assert_eq!(first_error_code(&body), "FORBIDDEN");
    let _ = (&j.budget, &j.cio);
}
