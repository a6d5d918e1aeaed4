use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

static N: AtomicUsize = AtomicUsize::new(0);

/// A fresh database file under the system temp dir (removed by the OS eventually;
/// tests do not depend on cleanup).
pub(crate) fn temp_db() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("threatledger-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("t{}.db", N.fetch_add(1, Ordering::SeqCst)))
}

#[test]
fn conformance_suite() {
    store::testsuite::run_all(&|| Box::new(SqliteStore::open(temp_db()).unwrap()));
}

#[test]
fn refuses_newer_schema() {
    let p = temp_db();
    drop(SqliteStore::open(&p).unwrap());
    let c = Connection::open(&p).unwrap();
    c.execute(
        "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(c);
    match SqliteStore::open(&p) {
        Err(StoreError::SchemaTooNew {
            found: 99,
            supported,
        }) => assert_eq!(supported, SCHEMA_VERSION),
        other => panic!("expected SchemaTooNew, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn reopen_keeps_data_and_added_order() {
    let p = temp_db();
    let o = StixObject::from_json(r#"{"type":"identity","spec_version":"2.1","id":"identity--44444444-4444-4444-8444-444444444444","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","name":"x"}"#).unwrap();
    let first_added = {
        let s = SqliteStore::open(&p).unwrap();
        s.put_all(std::slice::from_ref(&o), &ImportOptions::default())
            .unwrap();
        s.get_latest(o.id().as_str(), &Visibility::all())
            .unwrap()
            .unwrap()
            .date_added
    };
    let s = SqliteStore::open(&p).unwrap();
    let got = s
        .get_latest(o.id().as_str(), &Visibility::all())
        .unwrap()
        .unwrap();
    assert_eq!(got.object, o);
    assert_eq!(got.date_added, first_added);
    s.sync_clock(&s.writer.lock().unwrap()).unwrap();
    assert!(s.next_added() > first_added.unix_micros());
}
