use super::{
    all_customers, assert_conflict, assert_invalid, assert_not_found, assert_unauthorized,
    audit_count,
};
use crate::support::Desk;
use crm_core::Error;
use crm_core::channel::Channel;
use crm_core::customer::{
    ContactKind, FieldValue, LifecycleStage, Occasion, OccasionCalendar, OccasionKind, Party,
};
use crm_core::id::{CustomerId, StaffId};
use crm_core::record::RecordKind;
use crm_core::service::{
    ContactInput, CustomerChanges, NewCustomer, NewInteraction, NewStaff, StaffChanges,
};
use crm_core::staff::Role;
use crm_core::store::{Store, StoreExt};
use std::sync::Arc;
use uuid::Uuid;

/// A workspace is created with its admin; sessions need an active staff member.
pub async fn workspace_and_sessions(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let stored = store
        .fetch::<crm_core::workspace::Workspace>(ws, ws.0)
        .await
        .unwrap();
    assert_eq!(stored, desk.workspace);
    assert_unauthorized(desk.crm.session(ws, StaffId(Uuid::from_u128(1))).await);
    assert_not_found(
        desk.crm
            .session(
                crm_core::id::WorkspaceId(Uuid::from_u128(2)),
                StaffId(Uuid::from_u128(1)),
            )
            .await,
    );

    let agent_id = desk.agent.principal().staff_id().unwrap();
    let agent = store
        .fetch::<crm_core::staff::Staff>(ws, agent_id.0)
        .await
        .unwrap();
    let changes = StaffChanges {
        active: Some(false),
        ..Default::default()
    };
    desk.admin
        .update_staff(agent_id, agent.version, changes)
        .await
        .unwrap();
    assert_unauthorized(desk.crm.session(ws, agent_id).await);
    // The old session of a deactivated member keeps its snapshot; a new one is refused.

    let by_email = store
        .staff_by_email(ws, "admin@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_email.name, "Admin");
    // A taken work email is "already exists", naming who has it.
    match desk
        .admin
        .create_staff(NewStaff::new("Twin", Role::Agent).email("ADMIN@example.com"))
        .await
    {
        Err(Error::AlreadyExists {
            key,
            holder,
            holder_name,
        }) => {
            assert_eq!(key, "staff-email:admin@example.com");
            assert_eq!((holder.kind, holder.id), (RecordKind::STAFF, by_email.id.0));
            assert_eq!(holder_name.as_deref(), Some("Admin"));
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
}

/// A customer whose owner has left can still be edited; only setting an inactive owner (or
/// a missing organisation) is refused.
pub async fn a_leavers_customers_stay_editable(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let leaver = desk
        .admin
        .create_staff(NewStaff::new("Leaver", Role::Agent))
        .await
        .unwrap();
    let mut new = NewCustomer::person("Owned", "Customer");
    new.owner = Some(leaver.id);
    let c = desk.manager.create_customer(new).await.unwrap();
    let off = StaffChanges {
        active: Some(false),
        ..Default::default()
    };
    desk.admin
        .update_staff(leaver.id, leaver.version, off)
        .await
        .unwrap();
    let tag = CustomerChanges {
        add_tags: vec!["kept".into()],
        ..Default::default()
    };
    let c = desk.manager.update_customer(c.id, None, tag).await.unwrap();
    assert!(c.tags.contains("kept"));
    assert_eq!(c.owner, Some(leaver.id));
    // Giving it to the leaver again (or to anyone inactive) is refused.
    let other = desk
        .manager
        .create_customer(NewCustomer::person("Other", "One"))
        .await
        .unwrap();
    let to_leaver = CustomerChanges {
        owner: Some(Some(leaver.id)),
        ..Default::default()
    };
    assert_invalid(
        desk.manager
            .update_customer(other.id, None, to_leaver)
            .await,
        Some("owner"),
    );
    // And it can be handed to someone active.
    let to_agent = CustomerChanges {
        owner: Some(Some(desk.agent.principal().staff_id().unwrap())),
        ..Default::default()
    };
    let c = desk
        .manager
        .update_customer(c.id, None, to_agent)
        .await
        .unwrap();
    assert_ne!(c.owner, Some(leaver.id));
}

/// What is created is read back exactly, by id and by any spelling of its contact points;
/// updates and deletes behave.
pub async fn customer_round_trip(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let s = &desk.officer;
    let owner = desk.agent.principal().staff_id();
    let mut new = NewCustomer::person("علي", "رضايي")
        .contact(ContactKind::Email, " Ali.Rezaei@Example.COM ")
        .contact(ContactKind::Mobile, "۰۹۱۲ ۱۲۳ ۴۵۶۷")
        .contact(
            ContactKind::Social(crm_core::channel::SocialNetwork::Telegram),
            "@Ali_R",
        )
        .contact(ContactKind::PostalAddress, "تهران، خیابان ولیعصر")
        .tag("VIP")
        .stage(LifecycleStage::Qualified);
    new.owner = owner;
    new.fields
        .insert("national_id".into(), FieldValue::Text("0012345678".into()));
    new.fields.insert(
        "credit".into(),
        FieldValue::Decimal("12500000.50".parse().unwrap()),
    );
    new.occasions.push(Occasion {
        kind: OccasionKind::Birthday,
        calendar: OccasionCalendar::Jalali,
        month: 12,
        day: 30,
        year: Some(1370),
    });
    new.consent.push((Channel::Sms, true));
    let created = s.create_customer(new).await.unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(created.contacts[0].key, "email:ali.rezaei@example.com");
    assert_eq!(created.contacts[1].key, "tel:+989121234567");
    assert_eq!(created.contacts[2].key, "telegram:ali_r");
    assert!(created.tags.contains("vip"));
    assert!(created.has_consent(Channel::Sms) && !created.has_consent(Channel::Email));

    assert_eq!(s.customer(created.id).await.unwrap(), created);
    for (kind, spelling) in [
        (ContactKind::Email, "ali.rezaei@example.com"),
        (ContactKind::Mobile, "+98 912 123 4567"),
        (ContactKind::Phone, "00989121234567"),
        (ContactKind::Mobile, "٠٩١٢١٢٣٤٥٦٧"),
    ] {
        let found = s.find_by_contact(kind, spelling).await.unwrap();
        assert_eq!(found.as_ref().map(|c| c.id), Some(created.id), "{spelling}");
    }
    assert_eq!(
        s.find_by_contact(ContactKind::Email, "other@example.com")
            .await
            .unwrap(),
        None
    );

    // Update at a stale version: conflict, nothing changed.
    let stale = CustomerChanges {
        stage: Some(LifecycleStage::Customer),
        ..Default::default()
    };
    assert_conflict(s.update_customer(created.id, Some(7), stale.clone()).await);
    assert_eq!(s.customer(created.id).await.unwrap(), created);
    let updated = s.update_customer(created.id, Some(1), stale).await.unwrap();
    assert_eq!(
        (updated.version, updated.stage),
        (2, LifecycleStage::Customer)
    );
    assert_eq!(s.customer(created.id).await.unwrap(), updated);

    let updated = s
        .add_contact(
            created.id,
            None,
            ContactInput::new(ContactKind::Email, "ali@work.example"),
        )
        .await
        .unwrap();
    assert_eq!(updated.version, 3);
    let found = s
        .find_by_contact(ContactKind::Email, "ALI@work.example")
        .await
        .unwrap();
    assert_eq!(found.map(|c| c.id), Some(created.id));
    let removed = s
        .remove_contact(created.id, None, "email:ali@work.example")
        .await
        .unwrap();
    assert_eq!(removed.version, 4);
    assert_eq!(
        s.find_by_contact(ContactKind::Email, "ali@work.example")
            .await
            .unwrap(),
        None
    );
    assert_invalid(
        s.remove_contact(created.id, None, "email:ali@work.example")
            .await,
        Some("contact"),
    );

    // Delete: gone with its history, and its contact points are free again.
    s.record_interaction(NewInteraction::new(
        created.id,
        Channel::Sms,
        crm_core::interaction::Direction::Inbound,
        "سلام",
    ))
    .await
    .unwrap();
    let sender = crm_core::service::Sender {
        email: Some("ali.rezaei@example.com".into()),
        ..Default::default()
    };
    let asked = s
        .intake(crm_core::service::InboundMessage::new(
            Channel::Email,
            "m-1",
            sender,
            "hi",
        ))
        .await
        .unwrap();
    let updated = s.customer(created.id).await.unwrap();
    assert_unauthorized(
        desk.officer
            .delete_customer(created.id, updated.version)
            .await,
    );
    assert_conflict(desk.manager.delete_customer(created.id, 1).await);
    desk.manager
        .delete_customer(created.id, updated.version)
        .await
        .unwrap();
    assert_not_found(s.customer(created.id).await);
    assert_eq!(
        s.find_by_contact(ContactKind::Email, "ali.rezaei@example.com")
            .await
            .unwrap(),
        None
    );
    let again = s
        .create_customer(
            NewCustomer::person("Ali", "Rezaei")
                .contact(ContactKind::Email, "ali.rezaei@example.com"),
        )
        .await
        .unwrap();
    assert_eq!(all_customers(s).await, vec![again]);
    let page = s
        .interactions(created.id, &crm_core::store::PageRequest::first(10))
        .await;
    assert_not_found(page);
    assert_not_found(s.request(asked.request.id).await);
}

/// A canonical contact key belongs to one customer: any spelling of a taken email or phone
/// is "already exists", naming the holder, and nothing is stored.
pub async fn contact_keys_are_unique(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let s = &desk.officer;
    let first = s
        .create_customer(
            NewCustomer::person("Sara", "Ahmadi")
                .contact(ContactKind::Email, "sara@example.com")
                .contact(ContactKind::Mobile, "09121112233"),
        )
        .await
        .unwrap();
    let audit_before = audit_count(&desk.admin).await;
    for (kind, value) in [
        (ContactKind::Email, "SARA@EXAMPLE.COM"),
        (ContactKind::Mobile, "+98 912 111 2233"),
        (ContactKind::Fax, "۰۹۱۲۱۱۱۲۲۳۳"),
    ] {
        let result = s
            .create_customer(NewCustomer::person("Other", "Person").contact(kind, value))
            .await;
        match result {
            Err(e @ Error::AlreadyExists { .. }) => {
                assert!(!e.is_conflict(), "not a conflict to retry");
                assert!(e.to_string().contains("Sara Ahmadi"), "{e}");
                let Error::AlreadyExists {
                    holder,
                    holder_name,
                    ..
                } = e
                else {
                    unreachable!()
                };
                assert_eq!(holder.id, first.id.0);
                assert_eq!(holder.kind, crm_core::record::RecordKind::CUSTOMER);
                assert_eq!(holder_name.as_deref(), Some("Sara Ahmadi"));
            }
            other => panic!("expected AlreadyExists, got {other:?}"),
        }
    }
    let second = s
        .create_customer(NewCustomer::person("Reza", "Karimi"))
        .await
        .unwrap();
    let taken = s
        .add_contact(
            second.id,
            None,
            ContactInput::new(ContactKind::Email, "Sara@Example.com"),
        )
        .await;
    assert!(
        matches!(&taken, Err(Error::AlreadyExists { key, .. }) if key == "email:sara@example.com"),
        "{taken:?}"
    );
    assert_eq!(s.customer(second.id).await.unwrap(), second);
    assert_eq!(all_customers(s).await.len(), 2);
    assert_eq!(audit_count(&desk.admin).await, audit_before + 1);
    // A change of names and contact points is one commit: a taken contact point refuses all
    // of it, and the new name is not stored either.
    let rename = |contacts: Vec<ContactInput>| CustomerChanges {
        party: Some(Party::Person {
            given_name: "Reza".into(),
            family_name: "Karimi-Nejad".into(),
            organisation: None,
        }),
        add_contacts: contacts,
        ..CustomerChanges::default()
    };
    let taken = s
        .update_customer(
            second.id,
            None,
            rename(vec![
                ContactInput::new(ContactKind::Mobile, "09350001122"),
                ContactInput::new(ContactKind::Email, "sara@EXAMPLE.com"),
            ]),
        )
        .await;
    assert!(
        matches!(&taken, Err(Error::AlreadyExists { key, .. }) if key == "email:sara@example.com"),
        "{taken:?}"
    );
    assert_eq!(s.customer(second.id).await.unwrap(), second);
    assert_eq!(audit_count(&desk.admin).await, audit_before + 1);
    let renamed = s
        .update_customer(
            second.id,
            Some(second.version),
            rename(vec![
                ContactInput::new(ContactKind::Mobile, "09350001122"),
                ContactInput::new(ContactKind::Email, "reza@example.com"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(renamed.version, second.version + 1, "one commit");
    assert_eq!(renamed.display_name(), "Reza Karimi-Nejad");
    assert_eq!(renamed.contacts.len(), 2);
    // Contact points it already has are left as they are.
    let again = s
        .update_customer(
            second.id,
            None,
            rename(vec![ContactInput::new(
                ContactKind::Mobile,
                "+98 935 000 1122",
            )]),
        )
        .await
        .unwrap();
    assert_eq!(again.contacts, renamed.contacts);
    // The same contact twice on one customer is refused as input.
    let twice = NewCustomer::person("Dup", "Licate")
        .contact(ContactKind::Email, "d@example.com")
        .contact(ContactKind::Email, "D@example.com");
    assert_invalid(s.create_customer(twice).await, Some("contacts"));
    // Postal addresses and web sites are shared freely (households, colleagues).
    for name in ["A", "B"] {
        s.create_customer(
            NewCustomer::person(name, "Family")
                .contact(ContactKind::PostalAddress, "Tehran, Valiasr St. 12")
                .contact(ContactKind::Website, "https://family.example"),
        )
        .await
        .unwrap();
    }
}

/// Invalid input is refused with a typed error naming the field, and nothing is stored.
pub async fn bad_input_changes_nothing(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let s = &desk.officer;
    let keeper = s
        .create_customer(
            NewCustomer::person("Keep", "Me").contact(ContactKind::Email, "keep@example.com"),
        )
        .await
        .unwrap();
    let audit_before = audit_count(&desk.admin).await;
    let long = "x".repeat(201);
    let cases: Vec<(NewCustomer, &str)> = vec![
        (
            NewCustomer::person("A", "B").contact(ContactKind::Email, "not an email"),
            "contact.email",
        ),
        (
            NewCustomer::person("A", "B").contact(ContactKind::Email, "Ali <ali@example.com>"),
            "contact.email",
        ),
        (
            NewCustomer::person("A", "B").contact(ContactKind::Mobile, "0912abc4567"),
            "contact.mobile",
        ),
        (
            NewCustomer::person("A", "B").contact(ContactKind::Mobile, "12"),
            "contact.mobile",
        ),
        (NewCustomer::person(&long, "B"), "given_name"),
        (NewCustomer::person("Ali\u{0007}", "B"), "given_name"),
        (NewCustomer::person("Ali", "B\u{1b}[2J"), "family_name"),
        (NewCustomer::person(" ", ""), "name"),
        (NewCustomer::organisation(""), "name"),
        (NewCustomer::person("A", "B").tag(&"t".repeat(65)), "tag"),
        (
            NewCustomer::person("A", "B").contact(
                ContactKind::Email,
                &format!("{}@example.com", "a".repeat(400)),
            ),
            "contact.email",
        ),
    ];
    for (new, field) in cases {
        assert_invalid(s.create_customer(new).await, Some(field));
    }
    let mut too_many = NewCustomer::person("A", "B");
    for i in 0..51 {
        too_many = too_many.contact(ContactKind::Email, &format!("a{i}@example.com"));
    }
    assert_invalid(s.create_customer(too_many).await, Some("contacts"));
    let mut bad_field = NewCustomer::person("A", "B");
    bad_field
        .fields
        .insert("note".into(), FieldValue::Text("y".repeat(5000)));
    assert_invalid(s.create_customer(bad_field).await, Some("field.note"));
    let mut bad_occasion = NewCustomer::person("A", "B");
    bad_occasion.occasions.push(Occasion {
        kind: OccasionKind::Birthday,
        calendar: OccasionCalendar::Jalali,
        month: 7,
        day: 31,
        year: None,
    });
    assert_invalid(s.create_customer(bad_occasion).await, Some("occasion"));
    let mut bad_owner = NewCustomer::person("A", "B");
    bad_owner.owner = Some(StaffId(Uuid::from_u128(99)));
    assert_invalid(s.create_customer(bad_owner).await, Some("owner"));
    let mut bad_org = NewCustomer::person("A", "B");
    bad_org.party = Party::Person {
        given_name: "A".into(),
        family_name: "B".into(),
        organisation: Some(keeper.id),
    };
    assert_invalid(s.create_customer(bad_org).await, Some("organisation"));

    // Updates and interactions with bad input change nothing either.
    let bad_tags = CustomerChanges {
        add_tags: vec!["ok".into(), "bad\u{0}".into()],
        ..Default::default()
    };
    assert_invalid(
        s.update_customer(keeper.id, None, bad_tags).await,
        Some("tag"),
    );
    assert_invalid(
        s.add_contact(
            keeper.id,
            None,
            ContactInput::new(ContactKind::Mobile, "+98"),
        )
        .await,
        Some("contact.mobile"),
    );
    let body = "b".repeat(100_001);
    let bad = NewInteraction::new(
        keeper.id,
        Channel::Email,
        crm_core::interaction::Direction::Inbound,
        &body,
    );
    assert_invalid(s.record_interaction(bad).await, Some("body"));
    let bad = NewInteraction::new(
        keeper.id,
        Channel::Email,
        crm_core::interaction::Direction::Inbound,
        "ok",
    )
    .subject("a\u{7f}");
    assert_invalid(s.record_interaction(bad).await, Some("subject"));
    assert_invalid(
        s.search_customers("  ,, ", &crm_core::store::PageRequest::first(5))
            .await,
        Some("query"),
    );
    let bad_cursor =
        crm_core::store::PageRequest::after(crm_core::store::Cursor::from_string("garbage"), 5);
    assert_invalid(
        s.list_customers(&Default::default(), &bad_cursor).await,
        Some("cursor"),
    );

    // Unknown ids are NotFound.
    let unknown = CustomerId(Uuid::from_u128(12345));
    assert_not_found(s.customer(unknown).await);
    assert_not_found(
        s.update_customer(unknown, None, CustomerChanges::default())
            .await,
    );
    assert_not_found(
        s.record_interaction(NewInteraction::new(
            unknown,
            Channel::Sms,
            crm_core::interaction::Direction::Inbound,
            "x",
        ))
        .await,
    );
    assert_eq!(
        store
            .get(desk.workspace.id, RecordKind::CUSTOMER, unknown.0)
            .await
            .unwrap(),
        None
    );

    assert_eq!(all_customers(s).await, vec![keeper.clone()]);
    assert_eq!(s.customer(keeper.id).await.unwrap(), keeper);
    assert_eq!(audit_count(&desk.admin).await, audit_before);
}
