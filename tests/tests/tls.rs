//! TLS to the local server with its own certificate (Debian's snakeoil: a self-signed certificate
//! for `localhost`): `verify-ca` and `verify-full` with the certificate as the root work, and a
//! wrong name or an unknown issuer is refused.

use capp_schema::runner::{DatabaseUrl, Db};
use capp_schema_tests::{PgDb, strings};

const CERTIFICATE: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

/// The error and its causes, as the CLI prints them.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!("\ncaused by: {cause}"));
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn verify_ca_and_verify_full_with_the_servers_certificate() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let ssl = strings(&pg.database_url(), "SELECT current_setting('ssl')").await;
    if ssl != ["on"] || !std::path::Path::new(CERTIFICATE).exists() {
        capp_schema_tests::missing(&format!(
            "the test server has no TLS with the certificate {CERTIFICATE} (Debian's default snakeoil certificate, `ssl = on`)"
        ));
        return;
    }
    let url = |host: &str, mode: &str, root: &str| {
        DatabaseUrl::parse(&format!(
            "postgresql://postgres@{host}:5432/{}?sslmode={mode}&sslrootcert={root}",
            pg.name
        ))
        .unwrap()
    };
    for ok in [
        url("localhost", "verify-full", CERTIFICATE),
        url("127.0.0.1", "verify-ca", CERTIFICATE),
    ] {
        let db = Db::connect(&ok).await;
        assert!(db.is_ok(), "{ok}: {}", chain(&db.unwrap_err()));
    }
    let wrong_name = Db::connect(&url("127.0.0.1", "verify-full", CERTIFICATE))
        .await
        .unwrap_err();
    let text = chain(&wrong_name);
    assert!(text.contains("not valid for name \"127.0.0.1\""), "{text}");
    let unknown_issuer = Db::connect(&url(
        "127.0.0.1",
        "verify-ca",
        "/etc/ssl/certs/ca-certificates.crt",
    ))
    .await
    .unwrap_err();
    let text = chain(&unknown_issuer);
    assert!(text.contains("UnknownIssuer"), "{text}");
    assert_eq!(
        text.matches("invalid peer certificate").count(),
        1,
        "said once: {text}"
    );
}
