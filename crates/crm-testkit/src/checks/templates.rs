use super::{assert_invalid, assert_unauthorized, audit_count};
use crate::support::Desk;
use crm_core::audit::AuditAction;
use crm_core::record::RecordKind;
use crm_core::store::{PageRequest, Store};
use crm_core::template::{self, Language};
use serde_json::json;
use std::sync::Arc;

/// A workspace's own template replaces the shipped one for that workspace only: another
/// workspace of the same store still gets the shipped template. Setting is for
/// administrators, versioned and audited; a template that does not compile is refused and
/// changes nothing; removing one brings the shipped template back.
pub async fn templates_override_per_workspace(store: &Arc<dyn Store>) {
    let a = Desk::open(store, "Alpha").await;
    let b = Desk::open(store, "Beta").await;
    let context = json!({
        "number": 7, "subject": "Refund", "answer": "<i>approved</i>",
        "customer_name": "Ali", "workspace": "Acme",
    });
    let shipped = |language| template::render("request.reply", language, &context, None);
    let event = "request.reply";

    // Nothing set: both workspaces render the shipped template.
    let before = a
        .officer
        .render_message(event, Language::Persian, &context)
        .await
        .unwrap();
    assert_eq!(before, shipped(Language::Persian).unwrap());

    // Only administrators set templates; a refused set stores nothing.
    assert_unauthorized(
        a.officer
            .set_template(event, Language::Persian, "s", "t", None)
            .await,
    );
    assert_unauthorized(
        a.manager
            .set_template(event, Language::Persian, "s", "t", None)
            .await,
    );
    assert_eq!(
        a.admin.template(event, Language::Persian).await.unwrap(),
        None
    );

    let first = a
        .admin
        .set_template(
            event,
            Language::Persian,
            "پاسخ {{ number|digits }}",
            "سلام {{ customer_name }}",
            Some("<b>{{ answer }}</b>"),
        )
        .await
        .unwrap();
    assert_eq!((first.version, first.event.as_str()), (1, event));
    let mine = a
        .officer
        .render_message(event, Language::Persian, &context)
        .await
        .unwrap();
    assert_eq!(mine.subject, "پاسخ ۷");
    assert_eq!(mine.text, "سلام Ali");
    assert!(
        mine.html.contains("<b>&lt;i&gt;approved&lt;"),
        "{}",
        mine.html
    );
    assert!(!mine.html.contains("<i>"), "{}", mine.html);
    assert!(mine.html.contains("dir=\"rtl\" lang=\"fa\""));

    // The other language of the same workspace, and the other workspace, are untouched.
    let english = a
        .officer
        .render_message(event, Language::English, &context)
        .await
        .unwrap();
    assert_eq!(english, shipped(Language::English).unwrap());
    let theirs = b
        .officer
        .render_message(event, Language::Persian, &context)
        .await
        .unwrap();
    assert_eq!(theirs, shipped(Language::Persian).unwrap());
    assert_eq!(
        b.admin.template(event, Language::Persian).await.unwrap(),
        None
    );
    assert!(b.admin.templates().await.unwrap().is_empty());
    assert_eq!(
        store
            .get(b.workspace.id, RecordKind::MESSAGE_TEMPLATE, first.id.0)
            .await
            .unwrap(),
        None
    );

    // Setting again replaces it: same id, next version.
    let second = a
        .admin
        .set_template(event, Language::Persian, "پاسخ", "متن تازه", None)
        .await
        .unwrap();
    assert_eq!(
        (second.id, second.version, second.html.as_deref()),
        (first.id, 2, None)
    );
    assert_eq!(
        a.admin.template(event, Language::Persian).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(a.admin.templates().await.unwrap(), vec![second.clone()]);

    // A template that does not compile is refused, and nothing changes: not the template,
    // not the audit trail.
    let audited = audit_count(&a.admin).await;
    assert_invalid(
        a.admin
            .set_template(event, Language::Persian, "{{ broken", "t", None)
            .await,
        Some("template.subject"),
    );
    assert_invalid(
        a.admin
            .set_template(
                "request.escalated",
                Language::English,
                "s",
                "{% if %}",
                None,
            )
            .await,
        Some("template.text"),
    );
    assert_invalid(
        a.admin
            .set_template("Bad Event", Language::English, "s", "t", None)
            .await,
        Some("template.event"),
    );
    assert_eq!(
        a.admin.template(event, Language::Persian).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        a.admin
            .template("request.escalated", Language::English)
            .await
            .unwrap(),
        None
    );
    assert_eq!(audit_count(&a.admin).await, audited);

    // Created, then updated, in the audit trail.
    let trail = a
        .admin
        .audit_trail(Some(first.id.0), &PageRequest::first(10))
        .await
        .unwrap();
    let mut actions: Vec<AuditAction> = trail.items.iter().map(|e| e.action).collect();
    actions.sort_by_key(|a| format!("{a:?}"));
    assert_eq!(actions, [AuditAction::Created, AuditAction::Updated]);

    // Removing it brings the shipped template back; removing again finds nothing.
    assert_unauthorized(a.officer.remove_template(event, Language::Persian).await);
    assert!(
        a.admin
            .remove_template(event, Language::Persian)
            .await
            .unwrap()
    );
    assert!(
        !a.admin
            .remove_template(event, Language::Persian)
            .await
            .unwrap()
    );
    let again = a
        .officer
        .render_message(event, Language::Persian, &context)
        .await
        .unwrap();
    assert_eq!(again, shipped(Language::Persian).unwrap());
    assert_eq!(
        a.admin.template(event, Language::Persian).await.unwrap(),
        None
    );

    // Along the fallback chain, the workspace's template comes before the shipped one at each
    // step: its `request.default` serves `request.referred`, not `request.reply`.
    a.admin
        .set_template(
            "request.default",
            Language::English,
            "Staff #{{ number }}",
            "{{ status }}",
            None,
        )
        .await
        .unwrap();
    let staff = json!({"number": 7, "status": "referred", "subject": "Refund"});
    let referred = a
        .officer
        .render_message("request.referred", Language::English, &staff)
        .await
        .unwrap();
    assert_eq!(
        (referred.subject.as_str(), referred.text.as_str()),
        ("Staff #7", "referred")
    );
    let reply = a
        .officer
        .render_message(event, Language::English, &context)
        .await
        .unwrap();
    assert_eq!(reply, shipped(Language::English).unwrap());
    let theirs = b
        .officer
        .render_message("request.referred", Language::English, &staff)
        .await
        .unwrap();
    assert_eq!(
        theirs,
        template::render("request.default", Language::English, &staff, None).unwrap()
    );
}
