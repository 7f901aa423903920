use crate::support::Desk;
use crm_core::Session;
use crm_core::channel::Channel;
use crm_core::customer::CustomerFilter;
use crm_core::customer::{Customer, LifecycleStage};
use crm_core::interaction::Direction;
use crm_core::service::{CustomerChanges, NewCustomer, NewInteraction};
use crm_core::store::{Page, PageRequest, Store};
use std::sync::Arc;

async fn search_all(s: &Session, query: &str, per_page: usize) -> Vec<Customer> {
    let mut out = Vec::new();
    let mut page = PageRequest::first(per_page);
    loop {
        let got: Page<Customer> = s.search_customers(query, &page).await.unwrap();
        assert!(got.items.len() <= per_page);
        out.extend(got.items);
        match got.next {
            Some(next) => page = PageRequest::after(next, per_page),
            None => return out,
        }
    }
}

fn names(customers: &[Customer]) -> Vec<String> {
    let mut n: Vec<String> = customers.iter().map(Customer::display_name).collect();
    n.sort();
    n
}

/// Search matches word prefixes in any spelling of Persian or Latin names, with or without the
/// space inside a name; pages by id.
pub async fn search_is_persian_aware(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let s = &desk.officer;
    for (given, family) in [
        ("علی", "رضایی"),
        ("علیرضا", "کریمی"),
        ("Ali", "Rezaei"),
        ("Alice", "Cooper"),
        ("José", "García"),
        ("مریم", "كاظمي"),
    ] {
        s.create_customer(NewCustomer::person(given, family))
            .await
            .unwrap();
    }
    s.create_customer(NewCustomer::organisation("شرکت فولاد مبارکه"))
        .await
        .unwrap();
    assert_eq!(
        names(&search_all(s, "علي", 10).await),
        ["علی رضایی", "علیرضا کریمی"]
    );
    // With or without the space inside a name: `علی رضا` is also `علیرضا`.
    assert_eq!(
        names(&search_all(s, "على رضا", 10).await),
        ["علی رضایی", "علیرضا کریمی"]
    );
    assert_eq!(
        names(&search_all(s, "علیرضا ک", 10).await),
        ["علیرضا کریمی"]
    );
    assert_eq!(names(&search_all(s, "علی رضای", 10).await), ["علی رضایی"]);
    assert_eq!(names(&search_all(s, "كاظمی", 10).await), ["مریم كاظمي"]);
    assert_eq!(
        names(&search_all(s, "ali", 10).await),
        ["Ali Rezaei", "Alice Cooper"]
    );
    assert_eq!(names(&search_all(s, "AL re", 10).await), ["Ali Rezaei"]);
    assert_eq!(
        names(&search_all(s, "jose garc", 10).await),
        ["José García"]
    );
    assert_eq!(
        names(&search_all(s, "فولاد", 10).await),
        ["شرکت فولاد مبارکه"]
    );
    assert!(search_all(s, "zzz", 10).await.is_empty());

    for i in 0..23 {
        s.create_customer(NewCustomer::person(&format!("Kamran{i}"), "Page"))
            .await
            .unwrap();
    }
    let one_by_one = search_all(s, "kamran", 1).await;
    let by_seven = search_all(s, "kamran page", 7).await;
    assert_eq!(one_by_one.len(), 23);
    assert_eq!(one_by_one, by_seven);
    assert!(
        one_by_one.windows(2).all(|w| w[0].id < w[1].id),
        "ordered by id"
    );
}

/// Lists filter by stage, owner and tag, and page through everything exactly once.
pub async fn lists_filter_and_page(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let s = &desk.officer;
    let agent = desk.agent.principal().staff_id();
    let mut expected_vip_loyal_agent = Vec::new();
    for i in 0..30u32 {
        let stage = if i % 3 == 0 {
            LifecycleStage::Loyal
        } else {
            LifecycleStage::Lead
        };
        let mut new = NewCustomer::person(&format!("N{i}"), "List").stage(stage);
        if i % 2 == 0 {
            new = new.tag("VIP ");
        }
        if i % 5 == 0 {
            new.owner = agent;
        }
        let c = s.create_customer(new).await.unwrap();
        if i % 3 == 0 && i % 2 == 0 && i % 5 == 0 {
            expected_vip_loyal_agent.push(c.id);
        }
    }
    let all = super::all_customers(s).await;
    assert_eq!(all.len(), 30);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    let list = |filter: CustomerFilter| async move {
        let mut out = Vec::new();
        let mut page = PageRequest::first(4);
        loop {
            let got = s.list_customers(&filter, &page).await.unwrap();
            out.extend(got.items);
            match got.next {
                Some(next) => page = PageRequest::after(next, 4),
                None => return out,
            }
        }
    };
    let loyal = list(CustomerFilter {
        stage: Some(LifecycleStage::Loyal),
        ..Default::default()
    })
    .await;
    assert_eq!(loyal.len(), 10);
    assert!(loyal.iter().all(|c| c.stage == LifecycleStage::Loyal));
    let vip = list(CustomerFilter {
        tag: Some("vip".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(vip.len(), 15);
    let owned = list(CustomerFilter {
        owner: agent,
        ..Default::default()
    })
    .await;
    assert_eq!(owned.len(), 6);
    let all3 = CustomerFilter {
        stage: Some(LifecycleStage::Loyal),
        owner: agent,
        tag: Some("VIP".into()),
    };
    let ids: Vec<_> = list(all3).await.iter().map(|c| c.id).collect();
    assert_eq!(ids, expected_vip_loyal_agent);

    // A change of stage moves the customer between lists.
    let first = &loyal[0];
    let changes = CustomerChanges {
        stage: Some(LifecycleStage::Churned),
        ..Default::default()
    };
    s.update_customer(first.id, None, changes).await.unwrap();
    let loyal_now = list(CustomerFilter {
        stage: Some(LifecycleStage::Loyal),
        ..Default::default()
    })
    .await;
    assert_eq!(loyal_now.len(), 9);
    let churned = list(CustomerFilter {
        stage: Some(LifecycleStage::Churned),
        ..Default::default()
    })
    .await;
    assert_eq!(
        churned.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![first.id]
    );
    let exact = s
        .list_customers(&Default::default(), &PageRequest::first(30))
        .await
        .unwrap();
    assert_eq!((exact.items.len(), exact.next), (30, None));
}

/// A customer's interactions come newest first, ties broken by id, across pages.
pub async fn interactions_newest_first(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let s = &desk.agent;
    let c = s
        .create_customer(NewCustomer::person("Hist", "Ory"))
        .await
        .unwrap();
    let other = s
        .create_customer(NewCustomer::person("Other", "One"))
        .await
        .unwrap();
    let base = crate::support::start_time();
    let mut made = Vec::new();
    for i in 0..25i64 {
        // Several share a time: ties are ordered by id.
        let at = base + chrono::Duration::minutes(i / 3);
        let new = NewInteraction::new(
            c.id,
            Channel::Email,
            Direction::Inbound,
            &format!("پیام {i}"),
        )
        .subject("موضوع")
        .at(at);
        made.push(s.record_interaction(new).await.unwrap());
        desk.tick(1);
    }
    s.record_interaction(NewInteraction::new(
        other.id,
        Channel::Sms,
        Direction::Outbound,
        "x",
    ))
    .await
    .unwrap();
    made.sort_by_key(|i| std::cmp::Reverse((i.occurred_at, i.id)));
    let mut seen = Vec::new();
    let mut page = PageRequest::first(10);
    loop {
        let got = s.interactions(c.id, &page).await.unwrap();
        seen.extend(got.items);
        match got.next {
            Some(next) => page = PageRequest::after(next, 10),
            None => break,
        }
    }
    assert_eq!(seen, made);
    let view = s.customer_view(c.id).await.unwrap();
    assert_eq!(view.recent_interactions, made[..20].to_vec());
    assert!(view.more_interactions);
    assert_eq!(view.customer, c);
}
