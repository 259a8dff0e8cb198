//! `tandem seed --demo` and `tandem seed --scale N` as processes, checked
//! with SQL against the database they wrote: a temporary SQLite file, or a
//! fresh PostgreSQL database when `TEST_DATABASE_URL` points at a server.

use std::process::{Command, Output};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use tandem_migration::MigratorTrait;

fn tandem() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tandem"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("TANDEM_JWT_SECRET")
        .env("TANDEM_LOG", "warn");
    cmd
}

/// A fresh database, removed (or dropped) on drop.
struct TestDb {
    url: String,
    sqlite: Option<std::path::PathBuf>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    async fn create() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("tandem_seed_{id}");
                let admin = Database::connect(&admin_url).await.unwrap();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                admin.close().await.ok();
                let (base, _) = admin_url
                    .rsplit_once('/')
                    .expect("TEST_DATABASE_URL names a database");
                Self {
                    url: format!("{base}/{name}"),
                    sqlite: None,
                    postgres: Some((admin_url.clone(), name)),
                }
            }
            _ => {
                let path = std::env::temp_dir().join(format!("tandem-seed-{id}.db"));
                Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    sqlite: Some(path),
                    postgres: None,
                }
            }
        }
    }

    fn seed(&self, args: &[&str]) -> Output {
        tandem()
            .arg("seed")
            .args(args)
            .env("DATABASE_URL", &self.url)
            .output()
            .expect("tandem runs")
    }

    async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url).await.unwrap()
    }

    async fn drop_async(self) {
        if let Some(path) = &self.sqlite {
            for suffix in ["", "-wal", "-shm", ".jwt-secret"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
        if let Some((admin_url, name)) = &self.postgres {
            let admin = Database::connect(admin_url).await.unwrap();
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await
                .unwrap();
            admin.close().await.ok();
        }
    }
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The first column of the first row, as an integer.
async fn int(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row for {sql}"));
    row.try_get_by_index::<i64>(0)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every row of a two-column (text, integer) query.
async fn pairs(db: &DatabaseConnection, sql: &str) -> Vec<(String, i64)> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get_by_index::<String>(0).unwrap(),
                r.try_get_by_index::<i64>(1).unwrap(),
            )
        })
        .collect()
}

/// The invariants every seed keeps, as SQL that counts the violations.
async fn assert_invariants(db: &DatabaseConnection) {
    let checks = [
        (
            "a budget line allocated past its planned amount",
            "SELECT COUNT(*) FROM budget_lines WHERE allocated_minor > planned_minor",
        ),
        (
            "a budget line whose allocated amount is not the sum of its allocations",
            "SELECT COUNT(*) FROM budget_lines b WHERE b.allocated_minor <> \
             (SELECT CAST(COALESCE(SUM(a.amount_minor), 0) AS BIGINT) FROM allocations a \
              WHERE a.budget_line_id = b.id)",
        ),
        (
            "a split whose shares do not sum to 10000",
            "SELECT COUNT(*) FROM funding_splits s WHERE \
             (SELECT CAST(COALESCE(SUM(share_bp), 0) AS BIGINT) FROM funding_split_shares x \
              WHERE x.split_id = s.id) <> 10000",
        ),
        (
            "a spend entry whose attributions do not sum to its charge",
            "SELECT COUNT(*) FROM spend_entries e WHERE e.charge_minor <> \
             (SELECT CAST(COALESCE(SUM(a.amount_minor), 0) AS BIGINT) FROM spend_attributions a \
              WHERE a.spend_id = e.id)",
        ),
        (
            "a non-billable spend entry that charges the client",
            "SELECT COUNT(*) FROM spend_entries WHERE billable = FALSE AND charge_minor <> 0",
        ),
        (
            "a fixed-fee or milestone engagement charged beyond its value",
            "SELECT COUNT(*) FROM engagements e WHERE e.commercial_model IN ('FIXED_FEE', 'MILESTONE') \
             AND (SELECT CAST(COALESCE(SUM(x.charge_minor), 0) AS BIGINT) FROM spend_entries x \
                  WHERE x.engagement_id = e.id) > e.value_adjustment_minor + \
             (SELECT CAST(COALESCE(SUM(l.value_minor), 0) AS BIGINT) FROM engagement_lines l \
              WHERE l.engagement_id = e.id)",
        ),
        (
            "an approved split whose value is not its engagement's",
            "SELECT COUNT(*) FROM funding_splits s JOIN engagements e ON e.id = s.engagement_id \
             WHERE s.status = 'APPROVED' AND s.value_minor <> e.value_adjustment_minor + \
             (SELECT CAST(COALESCE(SUM(l.value_minor), 0) AS BIGINT) FROM engagement_lines l \
              WHERE l.engagement_id = e.id)",
        ),
        (
            "an active engagement whose allocations are not its value",
            "SELECT COUNT(*) FROM engagements e WHERE e.status = 'ACTIVE' AND \
             (SELECT CAST(COALESCE(SUM(a.amount_minor), 0) AS BIGINT) FROM allocations a \
              WHERE a.engagement_id = e.id) <> e.value_adjustment_minor + \
             (SELECT CAST(COALESCE(SUM(l.value_minor), 0) AS BIGINT) FROM engagement_lines l \
              WHERE l.engagement_id = e.id)",
        ),
        (
            "an approved split with an undecided or rejected approval",
            "SELECT COUNT(*) FROM split_approvals a JOIN funding_splits s ON s.id = a.split_id \
             WHERE s.status = 'APPROVED' AND a.decision <> 'APPROVED'",
        ),
        (
            "spend on an engagement that never ran",
            "SELECT COUNT(*) FROM spend_entries s JOIN engagements e ON e.id = s.engagement_id \
             WHERE e.status NOT IN ('ACTIVE', 'ON_HOLD', 'DELIVERED', 'CLOSED')",
        ),
    ];
    for (what, sql) in checks {
        assert_eq!(int(db, sql).await, 0, "{what}");
    }
}

const ALL_STATUSES: [&str; 10] = [
    "ACTIVE",
    "CANCELLED",
    "CLOSED",
    "DELIVERED",
    "LEAD",
    "LOST",
    "ON_HOLD",
    "PROPOSED",
    "QUALIFIED",
    "WON",
];

/// Every budget line's allocated amount, by source, year and period.
const LINES: &str = "SELECT fs.name || ' ' || CAST(b.fiscal_year AS TEXT) || ' ' || bl.period, \
     CAST(bl.allocated_minor AS BIGINT) FROM budget_lines bl \
     JOIN budgets b ON b.id = bl.budget_id JOIN funding_sources fs ON fs.id = bl.funding_source_id \
     ORDER BY 1, 2";

/// Every release, by engagement and line.
const RELEASES: &str = "SELECT e.code || ' ' || fs.name || ' ' || CAST(b.fiscal_year AS TEXT) || ' ' || bl.period || ' ' || a.release_reason, \
     CAST(a.amount_minor AS BIGINT) FROM allocations a \
     JOIN engagements e ON e.id = a.engagement_id JOIN budget_lines bl ON bl.id = a.budget_line_id \
     JOIN budgets b ON b.id = bl.budget_id JOIN funding_sources fs ON fs.id = bl.funding_source_id \
     WHERE a.release_reason IS NOT NULL ORDER BY 1, 2";

/// The demo seeded, then taken back to the ledger of before cost and
/// charge (#12): the migration rolled back, non-billable spend put back on
/// the pots and the releases of closed work undone, as the data of that
/// time was. Migrating forward again gives the figures the ledger keeps
/// today, line by line.
#[tokio::test]
async fn migrating_a_demo_database_from_the_old_ledger_reconciles_every_figure() {
    let test = TestDb::create().await;
    ok(&test.seed(&["--demo"]));
    let db = test.connect().await;
    let lines = pairs(&db, LINES).await;
    let releases = pairs(&db, RELEASES).await;
    assert!(
        !releases.is_empty(),
        "the demo closes work that was not charged in full"
    );
    let charged = "SELECT CAST(SUM(charge_minor) AS BIGINT) FROM spend_entries";
    let cost = "SELECT CAST(SUM(cost_minor) AS BIGINT) FROM spend_entries";
    let (charged_before, cost_before) = (int(&db, charged).await, int(&db, cost).await);
    assert!(
        int(
            &db,
            "SELECT COUNT(*) FROM spend_entries WHERE billable = FALSE AND cost_minor > 0"
        )
        .await
            > 0,
        "travel costs the provider and is not billed"
    );

    // Back to before the cost-and-charge migration, with those after it.
    let since = tandem_migration::Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name().ends_with("_cost_and_charge"))
        .expect("the cost-and-charge migration")
        + 1;
    let since = u32::try_from(since).unwrap();
    tandem_migration::Migrator::down(&db, Some(since))
        .await
        .unwrap();
    for sql in [
        "UPDATE spend_attributions SET amount_minor = \
           (SELECT se.amount_minor FROM spend_entries se WHERE se.id = spend_attributions.spend_id) \
         WHERE spend_id IN (SELECT id FROM spend_entries WHERE billable = FALSE)",
        "UPDATE budget_lines SET allocated_minor = allocated_minor - \
           (SELECT CAST(COALESCE(SUM(a.amount_minor), 0) AS BIGINT) FROM allocations a \
            WHERE a.budget_line_id = budget_lines.id AND a.release_reason IS NOT NULL)",
        "DELETE FROM allocations WHERE release_reason IS NOT NULL",
    ] {
        db.execute_unprepared(sql).await.unwrap();
    }
    assert_ne!(pairs(&db, LINES).await, lines, "the old shape holds more");

    tandem_migration::Migrator::up(&db, None).await.unwrap();
    assert_eq!(pairs(&db, RELEASES).await, releases);
    assert_eq!(pairs(&db, LINES).await, lines);
    // An entry of the old ledger had one amount: what was charged, now
    // both its charge and its cost; non-billable entries keep their cost.
    assert_eq!(int(&db, charged).await, charged_before);
    let not_billed = "SELECT CAST(COALESCE(SUM(cost_minor), 0) AS BIGINT) FROM spend_entries WHERE billable = FALSE";
    assert_eq!(
        int(&db, cost).await,
        charged_before + int(&db, not_billed).await
    );
    assert_ne!(
        cost_before, charged_before,
        "labour costs less than its price"
    );
    assert_invariants(&db).await;
    db.close().await.ok();
    test.drop_async().await;
}

#[tokio::test]
async fn seed_demo_loads_every_state_with_jointly_approved_splits_and_spend() {
    let test = TestDb::create().await;
    let out = ok(&test.seed(&["--demo"]));
    assert!(out.contains("admin@demo.tandem.example"), "{out}");
    assert!(out.contains("carla.mendes@northwind.example"), "{out}");
    assert!(
        out.contains("DEMO password \"tandem-demo-password\""),
        "{out}"
    );
    let db = test.connect().await;

    assert_eq!(int(&db, "SELECT COUNT(*) FROM clients").await, 3);
    assert_eq!(int(&db, "SELECT COUNT(*) FROM engagements").await, 36);
    let statuses = pairs(
        &db,
        "SELECT status, COUNT(*) FROM engagements GROUP BY status ORDER BY status",
    )
    .await;
    let names: Vec<&str> = statuses.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(names, ALL_STATUSES, "every lifecycle state is present");

    // Per client: 5 approved splits (3 joint), one awaiting the CIO, one
    // rejected by the CIO.
    assert_eq!(
        pairs(
            &db,
            "SELECT status, COUNT(*) FROM funding_splits GROUP BY status ORDER BY status"
        )
        .await,
        vec![
            ("APPROVED".to_owned(), 15),
            ("PENDING_APPROVAL".to_owned(), 3),
            ("REJECTED".to_owned(), 3),
        ]
    );
    assert_eq!(
        int(
            &db,
            "SELECT COUNT(*) FROM funding_splits s WHERE s.status = 'APPROVED' AND \
             (SELECT COUNT(*) FROM split_approvals a WHERE a.split_id = s.id \
              AND a.decision = 'APPROVED') = 2"
        )
        .await,
        9,
        "joint splits are approved by both owners"
    );
    assert_eq!(
        int(
            &db,
            "SELECT COUNT(*) FROM split_approvals WHERE on_behalf = TRUE AND decision = 'APPROVED'"
        )
        .await,
        6,
        "the web replatform of each client was approved on behalf of both owners"
    );
    assert_eq!(
        int(
            &db,
            "SELECT COUNT(*) FROM split_approvals WHERE decision = 'PENDING'"
        )
        .await,
        3
    );
    assert_eq!(
        pairs(
            &db,
            "SELECT kind, COUNT(*) FROM spend_entries GROUP BY kind ORDER BY kind"
        )
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect::<Vec<_>>(),
        ["EXPENSE", "LABOR", "LICENSE", "MEDIA"],
        "spend of every kind"
    );

    // Northwind's campaign is priced from the default card (its own card
    // prices only technology): 60 days x 950.00 + 120 hours x 140.00.
    assert_eq!(
        int(
            &db,
            "SELECT CAST(SUM(l.value_minor) AS BIGINT) FROM engagement_lines l \
             JOIN engagements e ON e.id = l.engagement_id WHERE e.code = 'NWR-002'"
        )
        .await,
        7_380_000
    );
    // Its CDP: workshop 15,000.00 + 80 days x 1,150.00 (its card, 92% of
    // 1,250.00) less 5% + 30 days x 1,000.00 = 132,400.00, shared 60/40,
    // each share phased over the periods its 240 days reach: the CMO's over
    // at least two of its quarters.
    assert_eq!(
        pairs(
            &db,
            "SELECT f.function, CAST(SUM(a.amount_minor) AS BIGINT) FROM allocations a \
             JOIN funding_sources f ON f.id = a.funding_source_id \
             JOIN engagements e ON e.id = a.engagement_id \
             WHERE e.code = 'NWR-001' GROUP BY f.function ORDER BY f.function"
        )
        .await,
        vec![
            ("BUSINESS_TECH".to_owned(), 5_296_000),
            ("MARKETING".to_owned(), 7_944_000)
        ]
    );
    assert!(
        int(
            &db,
            "SELECT COUNT(DISTINCT a.budget_line_id) FROM allocations a \
             JOIN funding_sources f ON f.id = a.funding_source_id \
             JOIN engagements e ON e.id = a.engagement_id \
             WHERE e.code = 'NWR-001' AND f.function = 'MARKETING'"
        )
        .await
            >= 2,
        "the CMO's share is phased over the quarters it spans"
    );
    // Harbor Bank's campaign in dollars: 60 x 1,045.00 + 120 x 154.00.
    assert_eq!(
        int(
            &db,
            "SELECT CAST(SUM(l.value_minor) AS BIGINT) FROM engagement_lines l \
             JOIN engagements e ON e.id = l.engagement_id \
             WHERE e.code = 'HBK-002' AND e.currency = 'USD'"
        )
        .await,
        8_118_000
    );
    assert_invariants(&db).await;
    db.close().await.ok();

    let again = test.seed(&["--demo"]);
    assert!(!again.status.success(), "a second demo is refused");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already has 3 client(s)"), "{stderr}");
    let db = test.connect().await;
    assert_eq!(
        int(&db, "SELECT COUNT(*) FROM engagements").await,
        36,
        "nothing was duplicated"
    );
    db.close().await.ok();
    test.drop_async().await;
}

#[tokio::test]
async fn seed_scale_1_writes_the_documented_rows_and_keeps_every_invariant() {
    let test = TestDb::create().await;
    let out = ok(&test.seed(&["--scale", "1"]));
    assert!(out.starts_with("seeded --scale 1 in "), "{out}");
    assert!(out.contains("spend_entries 2000"), "{out}");
    let db = test.connect().await;
    let expected: [(&str, i64); 20] = [
        ("clients", 1),
        ("contacts", 3),
        ("funding_sources", 3),
        ("budgets", 1),
        ("budget_lines", 3),
        ("services", 12),
        ("rate_cards", 1),
        ("rate_card_versions", 1),
        ("rate_card_prices", 12),
        ("engagements", 40),
        ("engagement_lines", 200),
        ("engagement_transitions", 164),
        ("engagement_stakeholders", 80),
        ("funding_splits", 28),
        ("funding_split_shares", 42),
        ("split_approvals", 42),
        ("allocations", 30),
        ("spend_entries", 2000),
        ("spend_attributions", 3000),
        ("users", 0),
    ];
    for (table, n) in expected {
        assert_eq!(
            int(&db, &format!("SELECT COUNT(*) FROM {table}")).await,
            n,
            "{table}"
        );
    }
    assert_eq!(
        pairs(
            &db,
            "SELECT status, COUNT(*) FROM engagements GROUP BY status ORDER BY status"
        )
        .await,
        [
            ("ACTIVE", 12),
            ("CANCELLED", 2),
            ("CLOSED", 2),
            ("DELIVERED", 2),
            ("LEAD", 4),
            ("LOST", 2),
            ("ON_HOLD", 4),
            ("PROPOSED", 4),
            ("QUALIFIED", 4),
            ("WON", 4),
        ]
        .map(|(s, n)| (s.to_owned(), n))
    );
    assert_eq!(
        pairs(
            &db,
            "SELECT status, COUNT(*) FROM funding_splits GROUP BY status ORDER BY status"
        )
        .await,
        vec![
            ("APPROVED".to_owned(), 24),
            ("PENDING_APPROVAL".to_owned(), 4)
        ]
    );
    assert_invariants(&db).await;
    let spent = int(
        &db,
        "SELECT CAST(SUM(cost_minor) AS BIGINT) FROM spend_entries",
    )
    .await;
    db.close().await.ok();

    let again = test.seed(&["--scale", "1"]);
    assert!(!again.status.success(), "seeding twice is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has 1 client(s)"));
    test.drop_async().await;

    // The same seed gives the same figures; another seed others.
    let same = TestDb::create().await;
    ok(&same.seed(&["--scale", "1"]));
    let other = TestDb::create().await;
    ok(&other.seed(&["--scale", "1", "--seed", "7"]));
    let total = async |t: &TestDb| {
        let db = t.connect().await;
        let n = int(
            &db,
            "SELECT CAST(SUM(cost_minor) AS BIGINT) FROM spend_entries",
        )
        .await;
        db.close().await.ok();
        n
    };
    assert_eq!(total(&same).await, spent);
    assert_ne!(total(&other).await, spent);
    same.drop_async().await;
    other.drop_async().await;
}

#[tokio::test]
async fn seed_demo_and_scale_work_whatever_the_day_of_the_fiscal_year() {
    // Fiscal-year and quarter boundaries of the three demo clients (April,
    // January and July years): the running engagements may start in the
    // previous fiscal year, whose budget must then exist.
    for today in ["2027-01-15", "2026-04-01", "2026-07-20", "2027-06-30"] {
        let test = TestDb::create().await;
        ok(&test.seed(&["--demo", "--today", today]));
        let db = test.connect().await;
        assert_eq!(
            int(
                &db,
                "SELECT COUNT(*) FROM engagements WHERE status = 'ACTIVE'"
            )
            .await,
            6,
            "{today}"
        );
        assert_invariants(&db).await;
        db.close().await.ok();
        test.drop_async().await;

        let test = TestDb::create().await;
        ok(&test.seed(&["--scale", "4", "--today", today]));
        let db = test.connect().await;
        assert_eq!(
            int(&db, "SELECT COUNT(*) FROM spend_entries").await,
            8000,
            "{today}"
        );
        assert_invariants(&db).await;
        db.close().await.ok();
        test.drop_async().await;
    }
}

#[test]
fn seed_needs_demo_or_scale_and_not_both() {
    let neither = tandem().arg("seed").output().unwrap();
    assert!(!neither.status.success());
    let both = tandem()
        .args(["seed", "--demo", "--scale", "1"])
        .output()
        .unwrap();
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
    let zero = tandem().args(["seed", "--scale", "0"]).output().unwrap();
    assert!(!zero.status.success());
}
