//! The email notifier over real TLS: aiosmtpd with a certificate from a throw-away CA
//! (rcgen), STARTTLS and implicit TLS, and a certificate nobody vouched for refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/sink.rs"]
mod sink;

use crm_core::channel::Channel;
use crm_core::id::{CustomerId, OutboxId, WorkspaceId};
use crm_core::notify::{Destination, Notifier};
use crm_core::outbox::{Notification, OutboxMessage, Recipient};
use crm_notify::email::{EmailNotifier, SmtpConfig, Tls};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use sink::{Sink, parse};
use std::path::Path;

/// Writes a server certificate for 127.0.0.1 signed by a new CA into `dir`; returns the
/// CA's PEM and the paths of the certificate and key.
fn certificates(dir: &Path) -> (String, String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "crm-rs test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let cert = params.signed_by(&key, &issuer).unwrap();
    let cert_path = dir.join("server.pem");
    let key_path = dir.join("server.key");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (
        ca_cert.pem(),
        cert_path.display().to_string(),
        key_path.display().to_string(),
    )
}

fn message() -> (OutboxMessage, Destination) {
    let customer = CustomerId(uuid::Uuid::from_u128(7));
    let n = Notification::new(
        Recipient::Customer {
            customer,
            channel: Channel::Email,
            address: "ali@example.com".into(),
        },
        "request.replied",
        "پاسخ شما".into(),
        "سلام".into(),
    );
    (
        OutboxMessage::queued(OutboxId(uuid::Uuid::now_v7()), chrono::Utc::now(), n),
        Destination::Customer {
            customer,
            channel: Channel::Email,
            address: "ali@example.com".into(),
            name: "Ali".into(),
        },
    )
}

fn config(port: u16, tls: Tls) -> SmtpConfig {
    SmtpConfig::smtp("127.0.0.1", port, tls)
        .from("Acme", "support@acme.example")
        .domain("acme.example")
}

fn ws() -> WorkspaceId {
    WorkspaceId(uuid::Uuid::from_u128(1))
}

#[tokio::test]
async fn starttls_delivers_to_a_server_with_a_trusted_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(certs.path());
    let args = ["--tls-cert", &cert, "--tls-key", &key, "--starttls"];
    let Some(sink) = Sink::start("starttls_delivers", &args) else {
        return;
    };
    let email = EmailNotifier::new(config(sink.port, Tls::StartTls).trust_root_pem(ca)).unwrap();
    let (m, to) = message();
    email
        .deliver(ws(), &m, &to)
        .await
        .expect("sent over STARTTLS");
    let got = parse(&sink.wait_for(1)[0]);
    assert_eq!(got["subject"], "پاسخ شما");
}

#[tokio::test]
async fn implicit_tls_delivers_to_a_server_with_a_trusted_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(certs.path());
    let args = ["--tls-cert", &cert, "--tls-key", &key, "--implicit-tls"];
    let Some(sink) = Sink::start("implicit_tls_delivers", &args) else {
        return;
    };
    let email = EmailNotifier::new(config(sink.port, Tls::Implicit).trust_root_pem(ca)).unwrap();
    let (m, to) = message();
    email.deliver(ws(), &m, &to).await.expect("sent over TLS");
    let got = parse(&sink.wait_for(1)[0]);
    assert_eq!(got["subject"], "پاسخ شما");
}

#[tokio::test]
async fn a_certificate_nobody_vouched_for_is_refused() {
    let certs = tempfile::tempdir().unwrap();
    let (_ca, cert, key) = certificates(certs.path());
    let args = ["--tls-cert", &cert, "--tls-key", &key, "--starttls"];
    let Some(sink) = Sink::start("a_certificate_nobody_vouched_for_is_refused", &args) else {
        return;
    };
    let email = EmailNotifier::new(config(sink.port, Tls::StartTls)).unwrap();
    let (m, to) = message();
    let err = email.deliver(ws(), &m, &to).await.unwrap_err();
    assert!(err.to_string().contains("STARTTLS"), "{err}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(sink.messages().is_empty());
}

#[test]
fn a_trusted_root_that_is_not_pem_is_a_configuration_error() {
    let err = EmailNotifier::new(config(465, Tls::Implicit).trust_root_pem("not a certificate"))
        .unwrap_err();
    assert!(err.to_string().contains("smtp.tls"), "{err}");
}
