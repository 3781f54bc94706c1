//! Which database failures reject one mutation and which stay a 5xx, checked against
//! the real databases' errors.

use super::{Db, DbError, Query};
use studio_core::ErrorCode;

async fn failure(db: &Db, sql: &'static str, param: Option<&str>) -> DbError {
    let mut tx = db.begin().await.expect("begin");
    let mut q = Query::new(sql);
    if let Some(p) = param {
        q = q.bind(p);
    }
    tx.execute(q).await.expect_err("the statement fails")
}

#[tokio::test]
async fn sqlite_constraint_is_a_conflict_and_our_bugs_or_a_closed_pool_are_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::connect(&dir.path().join("t.sqlite").display().to_string())
        .await
        .expect("sqlite");
    let mut tx = db.begin().await.expect("begin");
    tx.execute(Query::new("CREATE TABLE t (x TEXT CHECK (x <> 'bad'))"))
        .await
        .expect("create");
    let err = tx
        .execute(Query::new("INSERT INTO t VALUES ('bad')"))
        .await
        .expect_err("the CHECK fires");
    assert_eq!(err.rejection_code(), Some(ErrorCode::Conflict), "{err}");
    // A statement of ours that is wrong is our bug, not the value's fault: a 5xx.
    let err = tx
        .execute(Query::new("SELECT x FROM no_such_table"))
        .await
        .expect_err("no such table");
    assert_eq!(err.rejection_code(), None, "{err}");
    tx.rollback().await.expect("rollback");
    db.close().await;
    let err = db.begin().await.err().expect("closed");
    assert_eq!(err.rejection_code(), None, "{err}");
}

#[tokio::test]
async fn postgres_nul_is_a_validation_and_an_outage_is_not_rejected() {
    let Some(url) = std::env::var("STUDIO_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped: STUDIO_TEST_POSTGRES_URL is not set");
        return;
    };
    let db = Db::connect(&url).await.expect("postgres");
    let err = failure(&db, "SELECT $1::text", Some("a\0b")).await;
    assert_eq!(err.rejection_code(), Some(ErrorCode::Validation), "{err}");
    let err = failure(&db, r#"SELECT '{"k": "a\u0000b"}'::jsonb"#, None).await;
    assert_eq!(err.rejection_code(), Some(ErrorCode::Validation), "{err}");
    let err = failure(&db, "SELECT 1 / 0", None).await;
    assert_eq!(err.rejection_code(), Some(ErrorCode::Validation), "{err}");
    let err = failure(&db, "SELECT x FROM no_such_table", None).await;
    assert_eq!(err.rejection_code(), None, "our bug: {err}");
    // A server that went away is an outage: the client must retry, not drop its edit.
    let err = failure(&db, "SELECT pg_terminate_backend(pg_backend_pid())", None).await;
    assert_eq!(err.rejection_code(), None, "{err}");
    db.close().await;
}
