//! Burn rates and forecasts at completion of budget lines, budgets (totals,
//! functions, owners, periods), funding sources and clients, against
//! hand-computed values. Spend is dated relative to today, and the client's
//! fiscal year is chosen so that today always falls in the first quarter of
//! the current budget, at least 45 days after it began: the 30-day window
//! then lies inside that quarter whatever day the suite runs.

use chrono::{Datelike, NaiveDate, TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};
use tandem_entities::{SpendKind, SplitStatus, funding_split, spend_attribution, spend_entry};
use uuid::Uuid;

use crate::budgets::{budget, client, line, uuid_of};
use crate::funding_sources::{contact, source};
use crate::harness::{TestApp, spawn_app};

/// Minor units of a two-decimal currency as the API renders them.
fn amount(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

fn date(text: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(text.as_str().unwrap(), "%Y-%m-%d").unwrap()
}

/// Days left after `today` until `end`, never negative.
fn days_left(end: NaiveDate, today: NaiveDate) -> i64 {
    (end - today).num_days().max(0)
}

/// Records spend directly, attributed in full to one source per row:
/// `(source, date, minor units)`, on a new engagement of the client.
async fn spend(app: &TestApp, client: &str, rows: &[(&str, NaiveDate, i64)]) {
    let code = format!("S{}", &Uuid::new_v4().simple().to_string()[..8]);
    let engagement = crate::engagements::engagement(app, client, &code, "2026-01-01").await;
    let engagement = uuid_of(engagement["id"].as_str().unwrap());
    let split = funding_split::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement),
        version: Set(1),
        status: Set(SplitStatus::Approved),
        value_minor: Set(0),
        base_value_minor: Set(None),
        created_by: Set(None),
        created_at: Set(Utc::now()),
        submitted_at: Set(None),
        decided_at: Set(None),
        withdrawn_by: Set(None),
        withdrawn_reason: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    for (source, on, minor) in rows {
        let entry = spend_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(engagement),
            spent_on: Set(*on),
            cost_minor: Set(*minor),
            charge_minor: Set(*minor),
            engagement_line_id: Set(None),
            quantity_milli: Set(None),
            markup_bp: Set(None),
            kind: Set(SpendKind::Labor),
            description: Set(None),
            billable: Set(true),
            split_id: Set(split.id),
            created_by: Set(None),
            reverses_id: Set(None),
            reversal_reason: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(&app.db)
        .await
        .unwrap();
        spend_attribution::ActiveModel {
            spend_id: Set(entry.id),
            funding_source_id: Set(uuid_of(source)),
            engagement_id: Set(engagement),
            spent_on: Set(*on),
            amount_minor: Set(*minor),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
}

/// Spent, burn rate and forecast of a line, a source or a `Figures`.
const TRIO: &str = "spent { amount } burnRate { amount currency } forecastAtCompletion { amount }";

/// `{ spent, burnRate, forecastAtCompletion }` of a figures object.
fn trio(v: &Value) -> (String, String, String) {
    (
        v["spent"]["amount"].as_str().unwrap().to_owned(),
        v["burnRate"]["amount"].as_str().unwrap().to_owned(),
        v["forecastAtCompletion"]["amount"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

fn expect(spent: i64, burn: i64, forecast: i64) -> (String, String, String) {
    (amount(spent), amount(burn), amount(forecast))
}

/// A client whose fiscal year starts on the first of the month 45 days ago,
/// with a CMO's marketing source and a CIO's IT-run source.
struct Books {
    app: TestApp,
    client: String,
    cmo: String,
    cio: String,
    marketing: String,
    run: String,
    today: NaiveDate,
    year: i32,
}

async fn books() -> Books {
    let app = spawn_app().await;
    let today = Utc::now().date_naive();
    let start = today - TimeDelta::days(45);
    let client = client(&app, "ACME", start.month() as i32).await;
    let cmo = contact(&app, &client, "Carla", "CMO").await;
    let cio = contact(&app, &client, "Ivan", "CIO").await;
    let marketing = source(&app, &client, &cmo, "MARKETING", None).await;
    let run = source(&app, &client, &cio, "IT_RUN", None).await;
    Books {
        app,
        client,
        cmo,
        cio,
        marketing,
        run,
        today,
        year: start.year(),
    }
}

#[tokio::test]
async fn burn_rates_and_forecasts_of_lines_budgets_sources_and_clients_match_hand_computed_values()
{
    let b = books().await;
    let (app, today) = (&b.app, b.today);
    let current = budget(app, &b.client, b.year).await;
    let previous = budget(app, &b.client, b.year - 1).await;
    let fy = line(app, &current, &b.marketing, "FY", "100000.00").await;
    let q1 = line(app, &current, &b.run, "Q1", "30000.00").await;
    let q2 = line(app, &current, &b.run, "Q2", "20000.00").await;
    let old = line(app, &previous, &b.marketing, "FY", "50000.00").await;

    let ends = app
        .data(
            "query($a: ID!, $b: ID!) { current: budget(id: $a) { startsOn endsOn lines { nodes { id endsOn } } } previous: budget(id: $b) { startsOn endsOn } }",
            json!({ "a": current, "b": previous }),
        )
        .await;
    let ends_of = |id: &str| {
        date(
            &ends["current"]["lines"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["id"] == id)
                .unwrap()["endsOn"],
        )
    };
    let starts = date(&ends["current"]["startsOn"]);
    let (fy_end, q1_end) = (ends_of(&fy), ends_of(&q1));
    assert!(starts <= today - TimeDelta::days(45) && q1_end > today);
    assert!(date(&ends["previous"]["endsOn"]) < today - TimeDelta::days(30));
    let days = |d: i64| today + TimeDelta::days(d);
    let previous_day = date(&ends["previous"]["startsOn"]) + TimeDelta::days(10);

    spend(
        app,
        &b.client,
        &[
            // Marketing, current FY line: 90_000 in the window (its first
            // day, today - 29, included); the day before it and a day
            // ahead count as spent but not as burn.
            (&b.marketing, days(0), 30_000),
            (&b.marketing, days(-29), 60_000),
            (&b.marketing, days(-30), 500_000),
            (&b.marketing, days(1), 7_000),
            // Marketing, previous FY line: long over.
            (&b.marketing, previous_day, 250_000),
            // IT run, Q1 line: 45_015 in the window, so 1500.5 a day,
            // rounded half up to 1501.
            (&b.run, days(-1), 45_000),
            (&b.run, days(0), 15),
            (&b.run, days(-40), 100_000),
        ],
    )
    .await;

    let (d_fy, d_q1) = (days_left(fy_end, today), days_left(q1_end, today));
    // Hand-computed line figures: spent, burn rate, forecast.
    let fy_line = (597_000, 3_000, 597_000 + 3_000 * d_fy);
    let q1_line = (145_015, 1_501, 145_015 + 1_501 * d_q1);
    let q2_line = (0, 0, 0);
    let old_line = (250_000, 0, 250_000);

    let query = format!(
        "query($a: ID!, $b: ID!) {{ current: budget(id: $a) {{ lines {{ nodes {{ id {TRIO} }} }} totals {{ currency {TRIO} }} byFunction {{ function figures {{ currency {TRIO} }} }} byOwner {{ owner {{ id }} figures {{ currency {TRIO} }} }} byPeriod {{ period figures {{ currency {TRIO} }} }} }} previous: budget(id: $b) {{ lines {{ nodes {{ id {TRIO} }} }} totals {{ currency {TRIO} }} }} }}"
    );
    let data = app
        .data(&query, json!({ "a": current, "b": previous }))
        .await;
    let line_of = |budget: &str, id: &str| {
        data[budget]["lines"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .unwrap()
            .clone()
    };
    let of = |t: (i64, i64, i64)| expect(t.0, t.1, t.2);
    assert_eq!(trio(&line_of("current", &fy)), of(fy_line), "FY line");
    assert_eq!(trio(&line_of("current", &q1)), of(q1_line), "Q1 line");
    assert_eq!(trio(&line_of("current", &q2)), of(q2_line), "Q2 line");
    assert_eq!(trio(&line_of("previous", &old)), of(old_line), "old line");
    assert_eq!(
        line_of("current", &fy)["burnRate"]["currency"],
        "EUR",
        "in the source's currency"
    );

    let sum = |parts: &[(i64, i64, i64)]| {
        parts
            .iter()
            .fold((0, 0, 0), |a, p| (a.0 + p.0, a.1 + p.1, a.2 + p.2))
    };
    let current_data = &data["current"];
    assert_eq!(current_data["totals"].as_array().unwrap().len(), 1);
    assert_eq!(
        trio(&current_data["totals"][0]),
        of(sum(&[fy_line, q1_line, q2_line])),
        "totals"
    );
    assert_eq!(trio(&data["previous"]["totals"][0]), of(old_line));

    let by = |field: &str, key: &str, value: &str| {
        current_data[field]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                let k = &e[key];
                k == value || k["id"] == value
            })
            .map(|e| trio(&e["figures"]))
            .unwrap()
    };
    assert_eq!(by("byFunction", "function", "MARKETING"), of(fy_line));
    assert_eq!(
        by("byFunction", "function", "IT_RUN"),
        of(sum(&[q1_line, q2_line]))
    );
    assert_eq!(by("byOwner", "owner", &b.cmo), of(fy_line));
    assert_eq!(by("byOwner", "owner", &b.cio), of(sum(&[q1_line, q2_line])));
    assert_eq!(by("byPeriod", "period", "FY"), of(fy_line));
    assert_eq!(by("byPeriod", "period", "Q1"), of(q1_line));
    assert_eq!(by("byPeriod", "period", "Q2"), of(q2_line));

    // A source adds up its lines in every budget; a client its sources.
    let data = app
        .data(
            &format!("query($m: ID!, $r: ID!, $c: ID!) {{ m: fundingSource(id: $m) {{ {TRIO} }} r: fundingSource(id: $r) {{ {TRIO} }} c: client(id: $c) {{ budgetFigures {{ currency {TRIO} }} }} }}"),
            json!({ "m": b.marketing, "r": b.run, "c": b.client }),
        )
        .await;
    assert_eq!(trio(&data["m"]), of(sum(&[fy_line, old_line])));
    assert_eq!(trio(&data["r"]), of(sum(&[q1_line, q2_line])));
    let client_figures = data["c"]["budgetFigures"].as_array().unwrap();
    assert_eq!(client_figures.len(), 1);
    assert_eq!(client_figures[0]["currency"], "EUR");
    assert_eq!(
        trio(&client_figures[0]),
        of(sum(&[fy_line, old_line, q1_line, q2_line]))
    );
}

#[tokio::test]
async fn without_recent_spend_the_burn_rate_is_zero_and_the_forecast_is_what_was_spent() {
    let b = books().await;
    let (app, today) = (&b.app, b.today);
    let current = budget(app, &b.client, b.year).await;
    let fy = line(app, &current, &b.marketing, "FY", "1000.00").await;
    line(app, &current, &b.run, "Q4", "0").await;
    spend(
        app,
        &b.client,
        &[
            (&b.marketing, today - TimeDelta::days(30), 12_345),
            (&b.marketing, today - TimeDelta::days(44), 1),
            // Spend of the IT run source in its Q1, where it has no line.
            (&b.run, today, 99_999),
        ],
    )
    .await;
    let data = app
        .data(
            &format!("query($id: ID!, $c: ID!) {{ budget(id: $id) {{ lines {{ nodes {{ id period {TRIO} }} }} totals {{ {TRIO} }} }} client(id: $c) {{ budgetFigures {{ {TRIO} }} }} }}"),
            json!({ "id": current, "c": b.client }),
        )
        .await;
    let lines = data["budget"]["lines"]["nodes"].as_array().unwrap();
    let fy_line = lines.iter().find(|l| l["id"] == fy.as_str()).unwrap();
    assert_eq!(trio(fy_line), expect(12_346, 0, 12_346));
    let q4 = lines.iter().find(|l| l["period"] == "Q4").unwrap();
    assert_eq!(trio(q4), expect(0, 0, 0));
    assert_eq!(
        trio(&data["budget"]["totals"][0]),
        expect(12_346, 0, 12_346)
    );
    assert_eq!(
        trio(&data["client"]["budgetFigures"][0]),
        expect(12_346, 0, 12_346)
    );
}

#[tokio::test]
async fn client_users_see_their_own_burn_rates_and_forecasts_and_nothing_of_other_clients() {
    let b = books().await;
    let app = &b.app;
    let current = budget(app, &b.client, b.year).await;
    line(app, &current, &b.marketing, "FY", "1000.00").await;
    spend(app, &b.client, &[(&b.marketing, b.today, 3_000)]).await;
    let other = client(app, "BETA", 1).await;
    let other_owner = contact(app, &other, "Bea", "CMO").await;
    let other_source = source(app, &other, &other_owner, "MARKETING", None).await;
    let portal = app
        .create_user("cmo@acme.example", "CLIENT", Some(&b.client))
        .await;
    let query = "query($s: ID!, $o: ID!) { budgets { nodes { totals { burnRate { amount } } lines { nodes { burnRate { amount } } } } } fundingSource(id: $s) { burnRate { amount } } other: fundingSource(id: $o) { burnRate { amount } } }";
    let vars = json!({ "s": b.marketing, "o": other_source });
    let data = app.data_as(&portal.token, query, vars.clone()).await;
    assert_eq!(
        data["budgets"]["nodes"],
        json!([{ "totals": [{ "burnRate": { "amount": "1.00" } }], "lines": { "nodes": [{ "burnRate": { "amount": "1.00" } }] } }])
    );
    assert_eq!(data["fundingSource"]["burnRate"]["amount"], "1.00");
    assert_eq!(data["other"], Value::Null);
    let admin = app.data(query, vars).await;
    assert_eq!(admin["other"]["burnRate"]["amount"], "0.00");
}
