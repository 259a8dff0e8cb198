//! Migrations: applied on start, safely when instances start together, and
//! reversible.

use sea_orm::{ConnectionTrait, Database, Statement};
use tandem::config::DatabaseSettings;
use tandem::db::{self, StatementCounter};
use tandem::startup::Application;

use crate::harness::{TestDb, test_settings};

async fn applied_rows(url: &str) -> i64 {
    let conn = Database::connect(url).await.unwrap();
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get("", "n").unwrap();
    conn.close().await.ok();
    n
}

#[tokio::test]
async fn two_instances_starting_at_once_apply_each_migration_exactly_once() {
    let (_test_db, url) = TestDb::create().await;
    let settings = || test_settings(url.clone());
    let (a, b) = tokio::join!(
        Application::build(settings()),
        Application::build(settings())
    );
    let (a, b) = (
        a.expect("first instance starts"),
        b.expect("second instance starts"),
    );
    let expected = db::migration_status(a.db()).await.unwrap();
    assert!(expected.iter().all(|(_, applied)| *applied), "{expected:?}");
    assert_eq!(applied_rows(&url).await, expected.len() as i64);
    drop((a, b));
}

#[tokio::test]
async fn migrations_roll_back_and_reapply() {
    let (_test_db, url) = TestDb::create().await;
    let conn = db::connect(
        &DatabaseSettings::new(url.clone()),
        std::sync::Arc::new(StatementCounter::default()),
    )
    .await
    .unwrap();
    db::migrate_up(&conn).await.unwrap();
    let total = db::migration_status(&conn).await.unwrap().len();
    db::migrate_down(&conn, None).await.unwrap();
    assert!(
        db::migration_status(&conn)
            .await
            .unwrap()
            .iter()
            .all(|(_, applied)| !applied)
    );
    db::migrate_up(&conn).await.unwrap();
    assert_eq!(applied_rows(&url).await, total as i64);
    conn.close().await.ok();
}
