//! Approval rules and delegates (#13): a client asks an extra approver (a
//! persona) for splits above a value, in general or for the part one
//! function pays; an owner lets a deputy decide for them over a range of
//! days; each decision records who decided, for whom, and under which rule.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::harness::{USER_PASSWORD, first_error_code};
use crate::splits::{Joint, joint, portal_user};

const RULE: &str = "mutation($input: CreateApprovalRuleInput!) { createApprovalRule(input: $input) { rule { id function above { amount currency } persona approver { name } } userErrors { field message code } } }";
const DELEGATE: &str = "mutation($input: DelegateApprovalsInput!) { delegateApprovals(input: $input) { delegation { id owner { name } delegate { name } startsOn endsOn inEffect revokedAt } userErrors { field message code } } }";
const REVOKE: &str = "mutation($id: ID!) { revokeDelegation(input: {id: $id}) { delegation { id revokedAt inEffect } userErrors { field message code } } }";
const ASKED: &str = "query($id: ID!) { node(id: $id) { ... on FundingSplit { status approvals { owner { name } decision askedAs rule { id persona } decidedByContact { name } delegation { id } onBehalf } } } }";

/// A contact of the joint world's client with `persona`, and a portal
/// login for them: (contact, token).
async fn contact_as(j: &Joint, name: &str, persona: &str, function: &str) -> (String, String) {
    let email = format!("{}@acme.example", name.to_lowercase());
    let data = j
        .app
        .data(
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { field message code } } }",
            json!({ "input": { "clientId": j.client, "name": name, "email": email, "persona": persona, "function": function } }),
        )
        .await;
    assert_eq!(data["createContact"]["userErrors"], json!([]), "{data}");
    let contact = data["createContact"]["contact"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = portal_user(&j.app, &j.client, &contact, &format!("portal.{email}")).await;
    (contact, token)
}

async fn rule(j: &Joint, token: Option<&str>, input: Value) -> Value {
    let mut input = input;
    input["clientId"] = json!(j.client);
    let vars = json!({ "input": input });
    match token {
        Some(t) => j.app.gql_as(t, RULE, vars).await,
        None => j.app.gql(RULE, vars).await,
    }
}

fn made(body: &Value) -> Value {
    assert_eq!(
        body["data"]["createApprovalRule"]["userErrors"],
        json!([]),
        "{body}"
    );
    body["data"]["createApprovalRule"]["rule"].clone()
}

fn user_error(body: &Value, field: &str) -> (Value, String) {
    let errors = &body["data"][field]["userErrors"];
    assert_eq!(errors.as_array().map(Vec::len), Some(1), "{body}");
    (
        errors[0]["field"].clone(),
        errors[0]["code"].as_str().unwrap().to_owned(),
    )
}

/// Who is asked on a split, by name: (owner, decision, askedAs, rule's
/// persona, decided by, through a delegation).
async fn asked(
    j: &Joint,
    split: &Value,
) -> (String, Vec<(String, String, Value, Value, Value, bool)>) {
    let node = j.app.data(ASKED, json!({ "id": split })).await["node"].clone();
    let mut rows: Vec<_> = node["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["owner"]["name"].as_str().unwrap().to_owned(),
                a["decision"].as_str().unwrap().to_owned(),
                a["askedAs"].clone(),
                a["rule"]["persona"].clone(),
                a["decidedByContact"]["name"].clone(),
                !a["delegation"].is_null(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    (node["status"].as_str().unwrap().to_owned(), rows)
}

async fn pending_split(j: &Joint, code: &str, days: &str, shares: &[(&str, i32)]) -> Value {
    let e = j.won(code, days).await;
    let split = j.split(&e, shares).await["fundingSplit"]["id"].clone();
    let sent = j.submit(&split).await;
    assert_eq!(sent["userErrors"], json!([]), "{sent}");
    split
}

fn approved_ok(body: &Value) {
    assert_eq!(
        body["data"]["approveFundingSplit"]["userErrors"],
        json!([]),
        "{body}"
    );
}

#[tokio::test]
async fn a_split_above_the_threshold_also_needs_procurement_and_completes_only_with_it() {
    let j = joint("1000000.00", "1000000.00").await;
    let (_paula, paula_token) = contact_as(&j, "Paula", "PROCUREMENT", "FINANCE").await;
    let r = made(
        &rule(
            &j,
            None,
            json!({ "above": "250000.00", "persona": "PROCUREMENT" }),
        )
        .await,
    );
    assert_eq!(
        r["above"],
        json!({ "amount": "250000.00", "currency": "EUR" })
    );
    assert_eq!(r["function"], Value::Null);

    // 200,000: below the rule, only the owners are asked.
    let small = pending_split(
        &j,
        "SMALL",
        "200",
        &[(&j.marketing, 5000), (&j.it_run, 5000)],
    )
    .await;
    let (_, rows) = asked(&j, &small).await;
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["Carla", "Ivan"]
    );

    // 300,000: procurement is asked too, under the rule.
    let big = pending_split(&j, "BIG", "300", &[(&j.marketing, 5000), (&j.it_run, 5000)]).await;
    let (_, rows) = asked(&j, &big).await;
    assert_eq!(
        rows.iter()
            .map(|r| (r.0.as_str(), r.2.clone(), r.3.clone()))
            .collect::<Vec<_>>(),
        [
            ("Carla", json!(["OWNER"]), Value::Null),
            ("Ivan", json!(["OWNER"]), Value::Null),
            ("Paula", json!(["RULE"]), json!("PROCUREMENT")),
        ]
    );
    let listed = j
        .app
        .data_as(&paula_token, "{ myPendingApprovals { id } }", json!({}))
        .await;
    assert_eq!(listed["myPendingApprovals"], json!([{ "id": big }]));

    approved_ok(&j.decide(&j.cmo_token, &big, true, None).await);
    approved_ok(&j.decide(&j.cio_token, &big, true, None).await);
    let (status, _) = asked(&j, &big).await;
    assert_eq!(status, "PENDING_APPROVAL", "both owners are not enough");
    approved_ok(&j.decide(&paula_token, &big, true, None).await);
    let (status, rows) = asked(&j, &big).await;
    assert_eq!(status, "APPROVED");
    let paula = rows.iter().find(|r| r.0 == "Paula").unwrap();
    assert_eq!(paula.1, "APPROVED");
    assert_eq!(paula.4, json!("Paula"), "who decided is recorded");
    assert!(!paula.5);

    // The procurement contact cannot decide on a split that does not ask them.
    let other = pending_split(&j, "OTHER", "10", &[(&j.marketing, 10_000)]).await;
    let refused = j.decide(&paula_token, &other, true, None).await;
    assert_eq!(first_error_code(&refused), "FORBIDDEN", "{refused}");
}

#[tokio::test]
async fn a_rule_on_one_function_weighs_only_the_part_that_function_pays() {
    let j = joint("1000000.00", "1000000.00").await;
    let (_arch, _) = contact_as(&j, "Archie", "ARCHITECT", "IT").await;
    made(
        &rule(
            &j,
            None,
            json!({ "above": "100000.00", "persona": "ARCHITECT", "function": "IT_RUN" }),
        )
        .await,
    );
    // 150,000 half paid by IT: 75,000 of IT money, under the rule.
    let half = pending_split(
        &j,
        "HALF",
        "150",
        &[(&j.marketing, 5000), (&j.it_run, 5000)],
    )
    .await;
    assert_eq!(asked(&j, &half).await.1.len(), 2);
    // 150,000 with 80% from IT: 120,000 of IT money, above it.
    let most = pending_split(
        &j,
        "MOST",
        "150",
        &[(&j.marketing, 2000), (&j.it_run, 8000)],
    )
    .await;
    let (_, rows) = asked(&j, &most).await;
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["Archie", "Carla", "Ivan"]
    );
}

#[tokio::test]
async fn an_owner_who_holds_the_rules_persona_is_asked_once_for_both() {
    let j = joint("1000000.00", "1000000.00").await;
    // The rule names the CMO herself.
    made(
        &rule(
            &j,
            None,
            json!({ "above": "0", "persona": "CMO", "approverContactId": j.cmo }),
        )
        .await,
    );
    let split = pending_split(&j, "SELF", "10", &[(&j.marketing, 5000), (&j.it_run, 5000)]).await;
    let (_, rows) = asked(&j, &split).await;
    let carla = rows.iter().find(|r| r.0 == "Carla").unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(carla.2, json!(["OWNER", "RULE"]));
}

#[tokio::test]
async fn a_rule_that_finds_no_one_to_ask_refuses_the_submission_until_it_names_an_approver() {
    let j = joint("1000000.00", "1000000.00").await;
    made(&rule(&j, None, json!({ "above": "1000.00", "persona": "CFO" })).await);
    let e = j.won("NOBODY", "10").await;
    let split = j.split(&e, &[(&j.marketing, 10_000)]).await["fundingSplit"]["id"].clone();
    let sent = j.submit(&split).await;
    assert_eq!(sent["userErrors"][0]["code"], "NO_APPROVER", "{sent}");
    let (status, rows) = asked(&j, &split).await;
    assert_eq!(
        (status.as_str(), rows.len()),
        ("DRAFT", 0),
        "nothing was sent"
    );

    // Two CFOs: still no one to ask, until the rule names one.
    let (fiona, _) = contact_as(&j, "Fiona", "CFO", "FINANCE").await;
    contact_as(&j, "Frank", "CFO", "FINANCE").await;
    let sent = j
        .app
        .data(
            "mutation($id: ID!) { submitFundingSplit(input: {id: $id}) { userErrors { code message } } }",
            json!({ "id": split }),
        )
        .await["submitFundingSplit"]
        .clone();
    assert_eq!(sent["userErrors"][0]["code"], "NO_APPROVER", "{sent}");
    let message = sent["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("name the approver"), "{message}");
    let rules = j
        .app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Client { approvalRules(first: 10) { nodes { id } } } } }",
            json!({ "id": j.client }),
        )
        .await;
    let old = rules["node"]["approvalRules"]["nodes"][0]["id"].clone();
    let deleted = j
        .app
        .data(
            "mutation($id: ID!) { deleteApprovalRule(input: {id: $id}) { rule { id } userErrors { code } } }",
            json!({ "id": old }),
        )
        .await;
    assert_eq!(deleted["deleteApprovalRule"]["rule"]["id"], old);
    let r = made(
        &rule(
            &j,
            None,
            json!({ "above": "1000.00", "persona": "CFO", "approverContactId": fiona }),
        )
        .await,
    );
    assert_eq!(r["approver"]["name"], "Fiona");
    let sent = j.submit(&split).await;
    assert_eq!(sent["userErrors"], json!([]), "{sent}");
    let (_, rows) = asked(&j, &split).await;
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["Carla", "Fiona"]
    );
}

#[tokio::test]
async fn only_the_clients_cfo_or_an_administrator_set_its_rules_and_never_the_account_manager() {
    let j = joint("1000000.00", "1000000.00").await;
    let above = json!({ "above": "250000.00", "persona": "PROCUREMENT" });
    let cmo = rule(&j, Some(&j.cmo_token), above.clone()).await;
    assert_eq!(first_error_code(&cmo), "FORBIDDEN", "{cmo}");
    let (_, cfo_token) = contact_as(&j, "Fiona", "CFO", "FINANCE").await;
    made(&rule(&j, Some(&cfo_token), above.clone()).await);
    // Another client's CFO does not see this client.
    let globex = j.app.create_client("Globex", "GLOBEX").await;
    let gina = j
        .app
        .create_contact(&globex, "Gina", "gina@globex.example")
        .await;
    j.app
        .data(
            "mutation($id: ID!) { updateContact(input: {id: $id, persona: CFO}) { userErrors { code } } }",
            json!({ "id": gina }),
        )
        .await;
    let gina_token = portal_user(&j.app, &globex, &gina, "cfo@globex.example").await;
    let theirs = rule(&j, Some(&gina_token), above.clone()).await;
    assert_eq!(
        user_error(&theirs, "createApprovalRule"),
        (json!(["input", "clientId"]), "NOT_FOUND".to_owned())
    );
    let seen = j
        .app
        .data_as(
            &gina_token,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": made(&rule(&j, None, above.clone()).await)["id"] }),
        )
        .await;
    assert_eq!(
        seen["node"],
        Value::Null,
        "another client's rule is not visible"
    );
    // The client's own account manager may not: the rules govern the
    // splits they make. Nor may they make someone the client's CFO.
    let am_token = crate::approvals::manager_of(&j).await;
    let mine = rule(&j, Some(&am_token), above.clone()).await;
    assert_eq!(first_error_code(&mine), "FORBIDDEN", "{mine}");
    let promote = j
        .app
        .gql_as(
            &am_token,
            "mutation($id: ID!) { updateContact(input: {id: $id, persona: CFO}) { userErrors { code } } }",
            json!({ "id": j.cio }),
        )
        .await;
    assert_eq!(first_error_code(&promote), "FORBIDDEN", "{promote}");
    let hire = j
        .app
        .gql_as(
            &am_token,
            "mutation($input: CreateContactInput!) { createContact(input: $input) { userErrors { code } } }",
            json!({ "input": { "clientId": j.client, "name": "Felix", "email": "felix@acme.example", "persona": "CFO", "function": "FINANCE" } }),
        )
        .await;
    assert_eq!(first_error_code(&hire), "FORBIDDEN", "{hire}");
    // An account manager of another client does not even see the client.
    let am = j
        .app
        .create_user("other.am@provider.example", "ACCOUNT_MANAGER", None)
        .await;
    j.app.assign(&am.id, &globex).await;
    let other_token = j
        .app
        .login("other.am@provider.example", USER_PASSWORD)
        .await["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = rule(&j, Some(&other_token), above.clone()).await;
    assert_eq!(
        user_error(&other, "createApprovalRule").1,
        "NOT_FOUND",
        "{other}"
    );
    // A read-only token changes nothing: the request is refused whole.
    let (read, _) = crate::auth::api_token(&j.app, json!(["READ"]), Value::Null).await;
    let (status, body) = j
        .app
        .post(
            Some(&read),
            RULE,
            json!({ "input": { "clientId": j.client, "above": "1.00", "persona": "CFO" } }),
        )
        .await;
    assert_eq!(
        (status, first_error_code(&body)),
        (403, "FORBIDDEN"),
        "{body}"
    );
}

#[tokio::test]
async fn a_rule_applies_only_above_its_value_to_the_minor_unit() {
    let j = joint("1000000.00", "1000000.00").await;
    let (_paula, _) = contact_as(&j, "Paula", "PROCUREMENT", "FINANCE").await;
    // 3000.00 with a third from IT: 999.90 of IT money by the
    // largest-remainder rule the shares are committed by.
    made(
        &rule(
            &j,
            None,
            json!({ "above": "1000.00", "persona": "PROCUREMENT", "function": "IT_RUN" }),
        )
        .await,
    );
    let at = pending_split(&j, "AT", "3", &[(&j.marketing, 6667), (&j.it_run, 3333)]).await;
    assert_eq!(
        asked(&j, &at).await.1.len(),
        2,
        "999.90 of IT money: not above"
    );
    made(
        &rule(
            &j,
            None,
            json!({ "above": "4000.00", "persona": "PROCUREMENT" }),
        )
        .await,
    );
    let equal = pending_split(&j, "EQUAL", "4", &[(&j.marketing, 10_000)]).await;
    assert_eq!(
        asked(&j, &equal).await.1.len(),
        1,
        "equal to the value: not above"
    );
    let over = j.won("OVER", "4.001").await;
    let split = j.split(&over, &[(&j.marketing, 10_000)]).await["fundingSplit"]["id"].clone();
    let sent = j.submit(&split).await;
    assert_eq!(sent["userErrors"], json!([]), "{sent}");
    assert_eq!(asked(&j, &split).await.1.len(), 2, "4001.00: above");
}

#[tokio::test]
async fn a_delegate_who_is_asked_on_a_split_never_gives_a_second_approval_on_it() {
    let j = joint("1000000.00", "1000000.00").await;
    // Carla is Ivan's delegate, and owns a share of the split herself.
    let d = delegation(&j, &j.cio_token, &j.cmo, 0, 3).await;
    assert_eq!(
        d["data"]["delegateApprovals"]["userErrors"],
        json!([]),
        "{d}"
    );
    let split = pending_split(
        &j,
        "DOUBLE",
        "10",
        &[(&j.marketing, 5000), (&j.it_run, 5000)],
    )
    .await;
    approved_ok(&j.decide(&j.cmo_token, &split, true, None).await);
    let second = j.decide(&j.cmo_token, &split, true, Some(&j.cio)).await;
    assert_eq!(first_error_code(&second), "FORBIDDEN", "{second}");
    let (status, rows) = asked(&j, &split).await;
    assert_eq!(status, "PENDING_APPROVAL");
    assert_eq!(rows.iter().find(|r| r.0 == "Ivan").unwrap().1, "PENDING");
    // On a split that does not ask her, she decides for Ivan.
    let other = pending_split(&j, "HIS", "10", &[(&j.it_run, 10_000)]).await;
    approved_ok(&j.decide(&j.cmo_token, &other, true, None).await);
    assert_eq!(asked(&j, &other).await.0, "APPROVED");
}

#[tokio::test]
async fn a_source_changing_owner_leaves_the_rule_approval_with_its_approver() {
    let j = joint("1000000.00", "1000000.00").await;
    // Carla owns Marketing and is the rule's approver too.
    made(
        &rule(
            &j,
            None,
            json!({ "above": "0", "persona": "CMO", "approverContactId": j.cmo }),
        )
        .await,
    );
    let (nora, nora_token) = contact_as(&j, "Nora", "OTHER", "MARKETING").await;
    let split = pending_split(&j, "MOVE", "10", &[(&j.marketing, 5000), (&j.it_run, 5000)]).await;
    let moved = j
        .app
        .data(
            "mutation($id: ID!, $owner: ID!) { updateFundingSource(input: {id: $id, ownerContactId: $owner}) { userErrors { code } } }",
            json!({ "id": j.marketing, "owner": nora }),
        )
        .await;
    assert_eq!(moved["updateFundingSource"]["userErrors"], json!([]));
    let (_, rows) = asked(&j, &split).await;
    let who: Vec<(&str, Value)> = rows.iter().map(|r| (r.0.as_str(), r.2.clone())).collect();
    assert_eq!(
        who,
        [
            ("Carla", json!(["RULE"])),
            ("Ivan", json!(["OWNER"])),
            ("Nora", json!(["OWNER"])),
        ]
    );
    for token in [&j.cmo_token, &j.cio_token, &nora_token] {
        approved_ok(&j.decide(token, &split, true, None).await);
    }
    assert_eq!(asked(&j, &split).await.0, "APPROVED");
}

#[tokio::test]
async fn a_bad_rule_is_refused_with_a_clear_error() {
    let j = joint("1000000.00", "1000000.00").await;
    let ivan = j.cio.clone();
    for (input, field, code) in [
        (
            json!({ "above": "-1.00", "persona": "CFO" }),
            "above",
            "INVALID",
        ),
        (
            json!({ "above": "12.345", "persona": "CFO" }),
            "above",
            "INVALID",
        ),
        (
            json!({ "above": "1e9", "persona": "CFO" }),
            "above",
            "INVALID",
        ),
        (
            json!({ "above": "100000000000.01", "persona": "CFO" }),
            "above",
            "INVALID",
        ),
        (
            json!({ "above": "1\u{0}0", "persona": "CFO" }),
            "above",
            "INVALID",
        ),
        (
            json!({ "above": "10.00", "persona": "CFO", "currency": "XXX" }),
            "currency",
            "INVALID",
        ),
        // Ivan is a CMO-persona contact in this world, not a CFO.
        (
            json!({ "above": "10.00", "persona": "CFO", "approverContactId": ivan }),
            "approverContactId",
            "INVALID",
        ),
    ] {
        let body = rule(&j, None, input.clone()).await;
        assert_eq!(
            user_error(&body, "createApprovalRule"),
            (json!(["input", field]), code.to_owned()),
            "{input}: {body}"
        );
    }
}

/// Makes `delegate` the delegate of the owner behind `token` from `from`
/// to `to` days from today.
async fn delegation(j: &Joint, token: &str, delegate: &str, from: i64, to: i64) -> Value {
    let today = Utc::now().date_naive();
    j.app
        .gql_as(
            token,
            DELEGATE,
            json!({ "input": {
                "delegateContactId": delegate,
                "startsOn": (today + Duration::days(from)).to_string(),
                "endsOn": (today + Duration::days(to)).to_string(),
            } }),
        )
        .await
}

#[tokio::test]
async fn a_delegate_decides_for_the_owner_within_their_dates_and_never_outside() {
    let j = joint("1000000.00", "1000000.00").await;
    let (dana, dana_token) = contact_as(&j, "Dana", "ARCHITECT", "IT").await;
    let split = pending_split(&j, "AWAY", "10", &[(&j.marketing, 5000), (&j.it_run, 5000)]).await;

    // A delegation from tomorrow: Dana cannot decide today.
    let later = delegation(&j, &j.cio_token, &dana, 1, 7).await;
    let later = &later["data"]["delegateApprovals"];
    assert_eq!(later["userErrors"], json!([]), "{later}");
    assert_eq!(later["delegation"]["inEffect"], false);
    let early = j.decide(&dana_token, &split, true, Some(&j.cio)).await;
    assert_eq!(first_error_code(&early), "FORBIDDEN", "{early}");
    let early = j.decide(&dana_token, &split, true, None).await;
    assert_eq!(first_error_code(&early), "FORBIDDEN", "{early}");
    let none = j
        .app
        .data_as(&dana_token, "{ myPendingApprovals { id } }", json!({}))
        .await;
    assert_eq!(none["myPendingApprovals"], json!([]));

    // From today: Dana sees what waits for Ivan and decides it for him.
    let now = delegation(&j, &j.cio_token, &dana, 0, 7).await;
    let now = now["data"]["delegateApprovals"].clone();
    assert_eq!(now["delegation"]["inEffect"], true, "{now}");
    assert_eq!(now["delegation"]["owner"]["name"], "Ivan");
    let waiting = j
        .app
        .data_as(&dana_token, "{ myPendingApprovals { id } }", json!({}))
        .await;
    assert_eq!(waiting["myPendingApprovals"], json!([{ "id": split }]));
    approved_ok(&j.decide(&dana_token, &split, true, None).await);
    let (status, rows) = asked(&j, &split).await;
    assert_eq!(status, "PENDING_APPROVAL");
    let ivan = rows.iter().find(|r| r.0 == "Ivan").unwrap();
    assert_eq!(
        (ivan.1.as_str(), ivan.4.clone(), ivan.5),
        ("APPROVED", json!("Dana"), true),
        "decided for Ivan by Dana, under the delegation"
    );
    // Dana is not Carla's delegate.
    let not_hers = j.decide(&dana_token, &split, true, Some(&j.cmo)).await;
    assert_eq!(first_error_code(&not_hers), "FORBIDDEN", "{not_hers}");

    // Revoked, the delegation decides nothing more.
    let second = pending_split(&j, "AGAIN", "10", &[(&j.it_run, 10_000)]).await;
    let revoked = j
        .app
        .data_as(
            &j.cio_token,
            REVOKE,
            json!({ "id": now["delegation"]["id"] }),
        )
        .await;
    assert_eq!(revoked["revokeDelegation"]["delegation"]["inEffect"], false);
    let after = j.decide(&dana_token, &second, true, Some(&j.cio)).await;
    assert_eq!(first_error_code(&after), "FORBIDDEN", "{after}");

    // An ended delegation (moved into the past in the database) neither.
    let past = delegation(&j, &j.cio_token, &dana, 0, 3).await;
    let past_id = crate::harness::raw_id(
        past["data"]["delegateApprovals"]["delegation"]["id"]
            .as_str()
            .unwrap(),
    );
    {
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        use tandem_entities::approval_delegation;
        let row = approval_delegation::Entity::find_by_id(past_id)
            .one(&j.app.db)
            .await
            .unwrap()
            .unwrap();
        let mut row: approval_delegation::ActiveModel = row.into();
        let today = Utc::now().date_naive();
        row.starts_on = Set(today - Duration::days(10));
        row.ends_on = Set(today - Duration::days(1));
        row.update(&j.app.db).await.unwrap();
    }
    let ended = j.decide(&dana_token, &second, true, Some(&j.cio)).await;
    assert_eq!(first_error_code(&ended), "FORBIDDEN", "{ended}");
    approved_ok(&j.decide(&j.cio_token, &second, true, None).await);
}

#[tokio::test]
async fn a_delegate_of_two_owners_names_the_one_they_decide_for() {
    let j = joint("1000000.00", "1000000.00").await;
    let (dana, dana_token) = contact_as(&j, "Dana", "OTHER", "FINANCE").await;
    for token in [&j.cmo_token, &j.cio_token] {
        let d = delegation(&j, token, &dana, 0, 1).await;
        assert_eq!(
            d["data"]["delegateApprovals"]["userErrors"],
            json!([]),
            "{d}"
        );
    }
    let split = pending_split(&j, "BOTH", "10", &[(&j.marketing, 5000), (&j.it_run, 5000)]).await;
    let vague = j.decide(&dana_token, &split, true, None).await;
    assert_eq!(
        vague["data"]["approveFundingSplit"]["userErrors"][0]["code"], "REQUIRED",
        "{vague}"
    );
    approved_ok(&j.decide(&dana_token, &split, true, Some(&j.cmo)).await);
    approved_ok(&j.decide(&dana_token, &split, true, None).await);
    let (status, rows) = asked(&j, &split).await;
    assert_eq!(status, "APPROVED");
    assert!(rows.iter().all(|r| r.4 == json!("Dana") && r.5));
}

#[tokio::test]
async fn a_bad_delegation_is_refused_with_a_clear_error() {
    let j = joint("1000000.00", "1000000.00").await;
    let globex = j.app.create_client("Globex", "GLOBEX").await;
    let gina = j
        .app
        .create_contact(&globex, "Gina", "gina@globex.example")
        .await;
    let (dana, dana_token) = contact_as(&j, "Dana", "OTHER", "FINANCE").await;
    let today = Utc::now().date_naive();
    let day = |d: i64| (today + Duration::days(d)).to_string();
    for (input, field, code) in [
        (
            json!({ "delegateContactId": gina, "startsOn": day(0), "endsOn": day(1) }),
            "delegateContactId",
            "NOT_FOUND",
        ),
        (
            json!({ "delegateContactId": j.cio, "startsOn": day(0), "endsOn": day(1) }),
            "delegateContactId",
            "INVALID",
        ),
        (
            json!({ "delegateContactId": dana, "startsOn": day(3), "endsOn": day(1) }),
            "endsOn",
            "INVALID",
        ),
        (
            json!({ "delegateContactId": dana, "startsOn": day(-9), "endsOn": day(-1) }),
            "endsOn",
            "INVALID",
        ),
        (
            json!({ "delegateContactId": dana, "startsOn": day(0), "endsOn": day(400) }),
            "endsOn",
            "INVALID",
        ),
    ] {
        let body = j
            .app
            .gql_as(&j.cio_token, DELEGATE, json!({ "input": input.clone() }))
            .await;
        assert_eq!(
            user_error(&body, "delegateApprovals"),
            (json!(["input", field]), code.to_owned()),
            "{input}: {body}"
        );
    }
    // A portal user delegates for themselves only.
    let for_carla = j
        .app
        .gql_as(
            &dana_token,
            DELEGATE,
            json!({ "input": { "ownerContactId": j.cmo, "delegateContactId": dana, "startsOn": day(0), "endsOn": day(1) } }),
        )
        .await;
    assert_eq!(first_error_code(&for_carla), "FORBIDDEN", "{for_carla}");
    // An administrator names the owner.
    let admin = j
        .app
        .gql(
            DELEGATE,
            json!({ "input": { "delegateContactId": dana, "startsOn": day(0), "endsOn": day(1) } }),
        )
        .await;
    assert_eq!(
        user_error(&admin, "delegateApprovals"),
        (json!(["input", "ownerContactId"]), "REQUIRED".to_owned())
    );
    let admin = j
        .app
        .data(
            DELEGATE,
            json!({ "input": { "ownerContactId": j.cmo, "delegateContactId": dana, "startsOn": day(0), "endsOn": day(1) } }),
        )
        .await;
    assert_eq!(
        admin["delegateApprovals"]["delegation"]["owner"]["name"],
        "Carla"
    );
    // Only the owner (or the provider) revokes it, and another client sees none of it.
    let id = admin["delegateApprovals"]["delegation"]["id"].clone();
    let by_dana = j.app.gql_as(&dana_token, REVOKE, json!({ "id": id })).await;
    assert_eq!(first_error_code(&by_dana), "FORBIDDEN", "{by_dana}");
    let gina_token = portal_user(&j.app, &globex, &gina, "portal.gina@globex.example").await;
    let seen = j
        .app
        .data_as(
            &gina_token,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(seen["node"], Value::Null);
    let by_gina = j.app.gql_as(&gina_token, REVOKE, json!({ "id": id })).await;
    assert_eq!(
        user_error(&by_gina, "revokeDelegation"),
        (json!(["input", "id"]), "NOT_FOUND".to_owned())
    );
    let listed = j
        .app
        .data_as(
            &j.cmo_token,
            "query($id: ID!) { node(id: $id) { ... on Contact { delegations(first: 10) { totalCount nodes { delegate { name } inEffect } } } } }",
            json!({ "id": j.cmo }),
        )
        .await;
    assert_eq!(
        listed["node"]["delegations"],
        json!({ "totalCount": 1, "nodes": [{ "delegate": { "name": "Dana" }, "inEffect": true }] })
    );
}

#[tokio::test]
async fn an_owner_and_their_delegate_deciding_at_once_record_one_decision() {
    let j = joint("1000000.00", "1000000.00").await;
    let (dana, dana_token) = contact_as(&j, "Dana", "OTHER", "FINANCE").await;
    let d = delegation(&j, &j.cio_token, &dana, 0, 1).await;
    assert_eq!(d["data"]["delegateApprovals"]["userErrors"], json!([]));
    let (_, paula_token) = contact_as(&j, "Paula", "PROCUREMENT", "FINANCE").await;
    made(&rule(&j, None, json!({ "above": "0", "persona": "PROCUREMENT" })).await);
    for round in 0..4 {
        let split = pending_split(
            &j,
            &format!("RACE{round}"),
            "1",
            &[(&j.marketing, 5000), (&j.it_run, 5000)],
        )
        .await;
        approved_ok(&j.decide(&j.cmo_token, &split, true, None).await);
        let (a, b, c) = tokio::join!(
            j.decide(&j.cio_token, &split, true, None),
            j.decide(&dana_token, &split, true, Some(&j.cio)),
            j.decide(&paula_token, &split, true, None),
        );
        approved_ok(&c);
        let won = [&a, &b]
            .iter()
            .filter(|r| r["data"]["approveFundingSplit"]["userErrors"] == json!([]))
            .count();
        assert_eq!(
            won, 1,
            "exactly one of Ivan and his delegate decides: {a} {b}"
        );
        let (status, rows) = asked(&j, &split).await;
        assert_eq!(status, "APPROVED", "completed exactly once");
        assert_eq!(rows.len(), 3);
    }
}
