//! The sales funnel on every store: leads from a web lead form, qualification, conversion
//! (duplicates joined, idempotent under concurrency), deals through their pipeline with a
//! replayable stage log, access, orders, the customer view, and forecast, report and goal
//! figures checked against a hand-computed data set.

use super::{all_customers, assert_invalid, assert_unauthorized, audit_count};
use crate::support::Desk;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use crm_core::audit::AuditAction;
use crm_core::calendar::Period;
use crm_core::clock::Clock;
use crm_core::customer::ContactKind;
use crm_core::id::{CustomerId, DepartmentId};
use crm_core::record::{Index, Key};
use crm_core::sales::{
    CLOSED_SORT_LEN, ClosedDeal, Currency, DEAL_CLOSED, DEAL_OPEN_BY_OWNER, Deal, DealStatus,
    ForecastScope, GoalMetric, GoalSubject, LeadSource, LeadStatus, LostReason, Money,
    OPEN_BY_OWNER_SORT_LEN, OpenDeal, Pipeline, Position, QualificationLevel, SourceKind,
    read_summary, replay,
};
use crm_core::service::{
    ConvertLead, DealChanges, LeadDeal, NewCustomer, NewDeal, NewGoal, NewLead, StaffChanges,
    WebForm,
};
use crm_core::store::{PageRequest, Scan, Store, StoreExt};
use crm_core::{Error, Session};
use rust_decimal::Decimal;
use std::sync::Arc;

/// A desk whose agent and manager work in the Sales department and whose second agent works
/// in Field sales, with the default pipeline.
pub struct SalesDesk {
    /// The desk (its `agent` and `manager` sessions are reopened with their departments).
    pub desk: Desk,
    /// The Sales department (agent, manager).
    pub sales: DepartmentId,
    /// The Field sales department (agent2).
    pub field: DepartmentId,
    /// The default pipeline.
    pub pipeline: Pipeline,
}

impl SalesDesk {
    /// Opens it on `store`.
    pub async fn open(store: &Arc<dyn Store>, name: &str) -> SalesDesk {
        let mut desk = Desk::open(store, name).await;
        let sales = desk
            .admin
            .create_department("Sales", None)
            .await
            .unwrap()
            .id;
        let field = desk
            .admin
            .create_department("Field sales", None)
            .await
            .unwrap()
            .id;
        let ws = desk.workspace.id;
        for (session, dept) in [
            (&mut desk.agent, sales),
            (&mut desk.manager, sales),
            (&mut desk.agent2, field),
        ] {
            let id = session.principal().staff_id().unwrap();
            let staff = desk.crm.store().as_ref();
            let version =
                crm_core::store::StoreExt::fetch::<crm_core::staff::Staff>(staff, ws, id.0)
                    .await
                    .unwrap()
                    .version;
            let changes = StaffChanges {
                department: Some(Some(dept)),
                ..Default::default()
            };
            desk.admin.update_staff(id, version, changes).await.unwrap();
            *session = desk.crm.session(ws, id).await.unwrap();
        }
        let pipeline = desk
            .admin
            .create_pipeline("New business", Pipeline::default_stages())
            .await
            .unwrap();
        SalesDesk {
            desk,
            sales,
            field,
            pipeline,
        }
    }

    /// A customer named `name` with an email, created by the officer.
    pub async fn customer(&self, name: &str) -> CustomerId {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let new = NewCustomer::person(name, "").contact(ContactKind::Email, &email);
        self.desk.officer.create_customer(new).await.unwrap().id
    }

    /// A new deal by `session` for `customer`.
    pub async fn deal(
        &self,
        session: &Session,
        customer: CustomerId,
        amount: &str,
        currency: &str,
    ) -> Deal {
        let new = NewDeal::new(
            "Deal",
            customer,
            self.pipeline.id,
            Money::parse(amount, currency).unwrap(),
        );
        session.create_deal(new).await.unwrap()
    }
}

fn irr(amount: i64) -> Decimal {
    Decimal::from(amount)
}

fn form(id: &str, email: &str, message: &str) -> WebForm {
    serde_json::from_value(serde_json::json!({
        "submission_id": id, "name": "Sara Mohammadi", "email": email, "message": message,
    }))
    .unwrap()
}

/// The sales story: a web lead form makes a lead (the same submission twice is one; a second
/// form from the same email joins it; no request is opened), it is qualified and converted
/// into a customer and a deal, the deal goes through the stages and is won, its order is
/// recorded once, another deal is lost to a competitor and reopened with its history, and the
/// customer view shows deals and orders.
pub async fn sales_funnel_scenario(store: &Arc<dyn Store>) {
    let s = SalesDesk::open(store, "Sales").await;
    let desk = &s.desk;
    let web = desk
        .crm
        .system_session(desk.workspace.id, "web")
        .await
        .unwrap();
    let mut source = LeadSource::of(SourceKind::WebForm);
    source.campaign = Some("nowruz-1405".into());
    let first = web
        .capture_lead_form(
            form("f-1", "sara@example.com", "I want a quote"),
            source.clone(),
        )
        .await
        .unwrap();
    assert!(first.created);
    let again = web
        .capture_lead_form(
            form("f-1", "sara@example.com", "I want a quote"),
            source.clone(),
        )
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.lead, first.lead);
    let second = web
        .capture_lead_form(
            form("f-2", "SARA@example.com", "and delivery?"),
            source.clone(),
        )
        .await
        .unwrap();
    assert!(!second.created);
    assert_eq!(second.lead.id, first.lead.id);
    assert_eq!(second.lead.notes.len(), 2);
    assert_eq!(second.lead.source.campaign.as_deref(), Some("nowruz-1405"));
    let cartable = desk
        .officer
        .cartable(
            &crm_core::request::RequestView::Created {
                from: DateTime::<Utc>::MIN_UTC,
                to: DateTime::<Utc>::MAX_UTC,
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert!(cartable.items.is_empty(), "a lead form opens no request");

    let lead = desk
        .agent
        .qualify_lead(
            first.lead.id,
            None,
            QualificationLevel::SalesQualified,
            None,
        )
        .await
        .unwrap();
    assert_eq!(lead.status, LeadStatus::SalesQualified);
    assert_eq!(lead.owner, desk.agent.principal().staff_id());
    // Another agent may not work the agent's lead now.
    assert_unauthorized(
        desk.agent2
            .qualify_lead(lead.id, None, QualificationLevel::MarketingQualified, None)
            .await,
    );
    let how = ConvertLead {
        deal: Some(LeadDeal {
            title: "Office chairs".into(),
            pipeline: s.pipeline.id,
            amount: Money::parse("250000000", "IRR").unwrap(),
            stage: None,
            expected_close: NaiveDate::from_ymd_opt(2026, 4, 15),
        }),
        owner: None,
    };
    let converted = desk.agent.convert_lead(lead.id, how).await.unwrap();
    assert!(!converted.joined_existing && !converted.already_converted);
    assert_eq!(converted.lead.status, LeadStatus::Converted);
    let deal = converted.deal.clone().unwrap();
    assert_eq!(deal.source.as_ref().unwrap().kind, SourceKind::WebForm);
    assert_eq!(deal.stage, "qualification");
    assert_eq!(converted.customer.contacts[0].key, "email:sara@example.com");
    // A form from the converted lead's email makes a new lead that knows the customer.
    let later = web
        .capture_lead_form(form("f-3", "sara@example.com", "one more thing"), source)
        .await
        .unwrap();
    assert!(later.created);
    assert_eq!(later.lead.known_customer, Some(converted.customer.id));

    // Through the stages to won.
    let mut d = deal;
    for stage in ["needs", "proposal", "negotiation"] {
        desk.tick(60);
        d = desk
            .agent
            .move_deal(d.id, Some(d.version), stage)
            .await
            .unwrap();
    }
    assert_invalid(
        desk.agent.move_deal(d.id, None, "negotiation").await,
        Some("stage"),
    );
    assert_invalid(
        desk.agent.move_deal(d.id, None, "nowhere").await,
        Some("stage"),
    );
    d = desk.agent.win_deal(d.id, None).await.unwrap();
    assert_eq!(d.status, DealStatus::Won);
    assert_eq!(replay(&d.log), Some(Position::Won));
    assert_eq!(d.log.len(), 5);
    assert_invalid(
        desk.agent.move_deal(d.id, None, "needs").await,
        Some("deal.status"),
    );
    let times = desk.agent.deal_stage_times(d.id).await.unwrap();
    assert_eq!(times.len(), 5);
    assert_eq!(times[1].calendar, Duration::minutes(60));
    let order = desk.agent.order_from_deal(d.id).await.unwrap();
    assert_eq!(order.total, d.amount);
    assert_eq!(desk.agent.order_from_deal(d.id).await.unwrap().id, order.id);

    // Lost to a competitor, which needs its name; reopening keeps the history.
    let other = s
        .deal(&desk.agent, converted.customer.id, "90000000", "IRR")
        .await;
    let blank = LostReason::Competitor { name: " ".into() };
    assert_invalid(desk.agent.lose_deal(other.id, None, blank).await, None);
    let reason = LostReason::Competitor {
        name: "Pars Co".into(),
    };
    let lost = desk
        .agent
        .lose_deal(other.id, None, reason.clone())
        .await
        .unwrap();
    assert_eq!(lost.lost_reason, Some(reason.clone()));
    let reopened = desk.agent.reopen_deal(other.id, None, None).await.unwrap();
    assert_eq!(reopened.status, DealStatus::Open);
    assert_eq!(reopened.stage, "qualification");
    assert_eq!(reopened.log.len(), 3);
    assert_eq!(reopened.log[1].reason, Some(reason));
    assert_eq!(replay(&reopened.log), Some(reopened.position()));

    let view = desk
        .officer
        .customer_view(converted.customer.id)
        .await
        .unwrap();
    assert_eq!(view.recent_deals.len(), 2);
    assert_eq!(view.recent_orders, vec![order]);

    let trail = desk
        .admin
        .audit_trail(Some(d.id.0), &PageRequest::first(50))
        .await
        .unwrap();
    let actions: Vec<AuditAction> = trail.items.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        vec![
            AuditAction::Created,
            AuditAction::StageChanged,
            AuditAction::StageChanged,
            AuditAction::StageChanged,
            AuditAction::Won,
        ]
    );
}

/// Owners work their deals, managers their department's, administrators all; everyone else
/// is refused and nothing changes.
pub async fn deal_access_follows_ownership(store: &Arc<dyn Store>) {
    let s = SalesDesk::open(store, "Access").await;
    let desk = &s.desk;
    let c = s.customer("Reza Karimi").await;
    let mine = s.deal(&desk.agent, c, "1000", "IRR").await;
    let theirs = s.deal(&desk.agent2, c, "2000", "IRR").await;
    let before = audit_count(&desk.admin).await;
    assert_unauthorized(desk.agent2.move_deal(mine.id, None, "needs").await);
    assert_unauthorized(desk.agent2.deal(mine.id).await);
    assert_unauthorized(desk.manager.move_deal(theirs.id, None, "needs").await);
    assert_unauthorized(desk.officer.win_deal(mine.id, None).await);
    let system = desk
        .crm
        .system_session(desk.workspace.id, "job")
        .await
        .unwrap();
    assert_unauthorized(system.win_deal(mine.id, None).await);
    // An agent may not give deals to others, nor a manager outside the department.
    let agent2 = desk.agent2.principal().staff_id().unwrap();
    assert_unauthorized(desk.agent.reassign_deal(mine.id, None, agent2).await);
    assert_unauthorized(desk.manager.reassign_deal(mine.id, None, agent2).await);
    assert_eq!(audit_count(&desk.admin).await, before);
    assert_eq!(desk.agent.deal(mine.id).await.unwrap(), mine);

    let moved = desk
        .manager
        .move_deal(mine.id, None, "needs")
        .await
        .unwrap();
    assert_eq!(
        moved.log.last().unwrap().by,
        desk.manager.principal().actor()
    );
    let given = desk
        .admin
        .reassign_deal(mine.id, None, agent2)
        .await
        .unwrap();
    assert_eq!(given.department, Some(s.field));
    assert_unauthorized(desk.manager.deal(mine.id).await);
    desk.agent2.win_deal(mine.id, None).await.unwrap();
    // Pipeline views: one's own; a manager sees the department's members'.
    let agent = desk.agent.principal().staff_id().unwrap();
    let page = PageRequest::first(10);
    assert_eq!(
        desk.agent2
            .pipeline_view(agent2, &page)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(
        desk.manager
            .pipeline_view(agent, &page)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_unauthorized(desk.manager.pipeline_view(agent2, &page).await);
    assert_unauthorized(desk.agent.pipeline_view(agent2, &page).await);
    // Configuration is the administrators'.
    assert_unauthorized(
        desk.manager
            .create_pipeline("Mine", Pipeline::default_stages())
            .await,
    );
    assert_unauthorized(desk.agent.create_product("SKU-1", "Chair").await);
}

/// Bad input is `Invalid` and changes nothing.
pub async fn bad_sales_input_changes_nothing(store: &Arc<dyn Store>) {
    let s = SalesDesk::open(store, "Bad").await;
    let desk = &s.desk;
    let c = s.customer("Nima Ahmadi").await;
    let deal = s.deal(&desk.agent, c, "1000", "IRR").await;
    let before = audit_count(&desk.admin).await;
    let p = s.pipeline.id;
    let bad_deals = [
        NewDeal::new(" ", c, p, Money::parse("1", "IRR").unwrap()),
        NewDeal {
            stage: Some("nowhere".into()),
            ..NewDeal::new("x", c, p, Money::parse("1", "IRR").unwrap())
        },
        NewDeal {
            probability: Some(101),
            ..NewDeal::new("x", c, p, Money::parse("1", "IRR").unwrap())
        },
        NewDeal {
            amount: Some(Money {
                amount: "1.5".parse().unwrap(),
                currency: Currency::irr(),
            }),
            ..NewDeal::new("x", c, p, Money::parse("1", "IRR").unwrap())
        },
        NewDeal {
            amount: None,
            ..NewDeal::new("x", c, p, Money::parse("1", "IRR").unwrap())
        },
    ];
    for new in bad_deals {
        assert_invalid(desk.agent.create_deal(new).await, None);
    }
    let changes = DealChanges {
        probability: Some(Some(150)),
        ..Default::default()
    };
    assert_invalid(
        desk.agent.update_deal(deal.id, None, changes).await,
        Some("probability"),
    );
    assert_invalid(
        desk.agent.reopen_deal(deal.id, None, None).await,
        Some("deal.status"),
    );
    let bad = LostReason::Other {
        text: String::new(),
    };
    assert_invalid(desk.agent.lose_deal(deal.id, None, bad).await, None);
    let mut stages = Pipeline::default_stages();
    stages.push(stages[0].clone());
    assert_invalid(
        desk.admin.create_pipeline("Twice", stages).await,
        Some("stages.key"),
    );
    let won = vec![crm_core::sales::Stage::new("won", "Won", 100)];
    assert_invalid(
        desk.admin.create_pipeline("Won", won).await,
        Some("stages.key"),
    );
    assert_invalid(
        desk.admin.create_pipeline("Empty", vec![]).await,
        Some("stages"),
    );
    assert_invalid(
        desk.agent
            .create_lead(NewLead::new(
                "No contact",
                LeadSource::of(SourceKind::Manual),
            ))
            .await,
        Some("lead.contacts"),
    );
    let lead = desk
        .agent
        .create_lead(
            NewLead::new("Ali", LeadSource::of(SourceKind::Referral))
                .contact(ContactKind::Mobile, "09121234567"),
        )
        .await
        .unwrap();
    let before_lead = audit_count(&desk.admin).await;
    assert_invalid(
        desk.agent
            .qualify_lead(lead.id, None, QualificationLevel::Disqualified, Some(" "))
            .await,
        Some("reason"),
    );
    let goal = NewGoal {
        subject: GoalSubject::Staff(desk.agent.principal().staff_id().unwrap()),
        period: Period::JalaliQuarter {
            year: 1405,
            quarter: 1,
        },
        metric: GoalMetric::WonCount,
        target: "2.5".parse().unwrap(),
    };
    assert_invalid(desk.manager.set_goal(goal).await, Some("target"));
    assert_eq!(audit_count(&desk.admin).await, before_lead);
    assert_eq!(before_lead, before + 1);
    assert_eq!(desk.agent.deal(deal.id).await.unwrap(), deal);
    // A duplicate lead contact names the lead that holds it.
    let twin = NewLead::new("Ali again", LeadSource::of(SourceKind::Import))
        .contact(ContactKind::Mobile, "+98 912 123 4567");
    assert!(matches!(
        desk.agent.create_lead(twin).await,
        Err(Error::AlreadyExists { .. })
    ));
}

/// Eight concurrent conversions of one lead end with one customer and one deal; a lead whose
/// email a customer has joins that customer.
pub async fn concurrent_conversion_is_idempotent(store: &Arc<dyn Store>) {
    let s = Arc::new(SalesDesk::open(store, "Race").await);
    let desk = &s.desk;
    let lead = desk
        .agent
        .create_lead(
            NewLead::new("Mina Saberi", LeadSource::of(SourceKind::Campaign))
                .contact(ContactKind::Email, "mina@example.com"),
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let how = ConvertLead {
                deal: Some(LeadDeal {
                    title: "Laptops".into(),
                    pipeline: s.pipeline.id,
                    amount: Money::parse("5000", "USD").unwrap(),
                    stage: Some("needs".into()),
                    expected_close: None,
                }),
                owner: None,
            };
            s.desk.agent.convert_lead(lead.id, how).await.unwrap()
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| !o.already_converted).count(), 1);
    let customer = outcomes[0].customer.id;
    let deal = outcomes[0].deal.as_ref().unwrap().id;
    for o in &outcomes {
        assert_eq!(o.customer.id, customer);
        assert_eq!(o.deal.as_ref().unwrap().id, deal);
    }
    assert_eq!(all_customers(&desk.officer).await.len(), 1);
    let deals = desk
        .officer
        .customer_deals(customer, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(deals.items.len(), 1);
    let trail = desk
        .admin
        .audit_trail(Some(lead.id.0), &PageRequest::first(50))
        .await
        .unwrap();
    let conversions = trail
        .items
        .iter()
        .filter(|e| e.action == AuditAction::Converted)
        .count();
    assert_eq!(conversions, 1);

    // Same contact key as an existing customer: the lead joins it.
    let known = s.customer("Omid Rahimi").await;
    let lead = desk
        .agent
        .create_lead(
            NewLead::new("Omid R.", LeadSource::of(SourceKind::Referral))
                .contact(ContactKind::Email, "OMID.RAHIMI@example.com"),
        )
        .await
        .unwrap();
    assert_eq!(lead.known_customer, Some(known));
    let out = desk
        .agent
        .convert_lead(lead.id, ConvertLead::default())
        .await
        .unwrap();
    assert!(out.joined_existing);
    assert_eq!(out.customer.id, known);
    assert!(out.deal.is_none());
    assert_eq!(all_customers(&desk.officer).await.len(), 2);

    // Concurrent lead forms from one person end in one lead holding every submission.
    let web = Arc::new(
        desk.crm
            .system_session(desk.workspace.id, "web")
            .await
            .unwrap(),
    );
    let mut tasks = Vec::new();
    for i in 0..6 {
        let web = web.clone();
        tasks.push(tokio::spawn(async move {
            let source = LeadSource::of(SourceKind::WebForm);
            let f = form(&format!("race-{i}"), "racer@example.com", "hello");
            web.capture_lead_form(f, source).await.unwrap()
        }));
    }
    let mut leads = Vec::new();
    for t in tasks {
        leads.push(t.await.unwrap().lead.id);
    }
    leads.dedup();
    assert_eq!(leads.len(), 1, "{leads:?}");
    let lead = desk.agent.lead(leads[0]).await.unwrap();
    assert_eq!(lead.submissions.len(), 6);
}

/// Forecast, won/lost report, goals and snapshots on a data set whose figures were worked
/// out by hand (see `docs/sales.md`).
pub async fn sales_figures_match_hand_computed(store: &Arc<dyn Store>) {
    let s = SalesDesk::open(store, "Figures").await;
    let desk = &s.desk;
    let (agent, agent2) = (&desk.agent, &desk.agent2);
    let c = s.customer("Kaveh Farahani").await;
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2026, m, d);

    // D5: won after one day at 20,000,000 IRR.
    let d5 = s.deal(agent, c, "20000000", "IRR").await;
    agent.move_deal(d5.id, None, "proposal").await.unwrap();
    desk.tick(24 * 60);
    agent.win_deal(d5.id, None).await.unwrap();
    // D6: lost to Pars Co after two days.
    let d6 = s.deal(agent2, c, "50000000", "IRR").await;
    agent2.move_deal(d6.id, None, "needs").await.unwrap();
    desk.tick(2 * 24 * 60);
    let pars = LostReason::Competitor {
        name: "Pars Co".into(),
    };
    agent2.lose_deal(d6.id, None, pars).await.unwrap();
    // D7: lost on price after three days.
    let d7 = s.deal(agent, c, "10000000", "IRR").await;
    desk.tick(3 * 24 * 60);
    agent
        .lose_deal(d7.id, None, LostReason::Price)
        .await
        .unwrap();
    // Open deals.
    let open = |amount: &str, currency: &str, stage: &str, p: Option<u8>, close| NewDeal {
        stage: Some(stage.into()),
        probability: p,
        expected_close: close,
        ..NewDeal::new(
            "Open",
            c,
            s.pipeline.id,
            Money::parse(amount, currency).unwrap(),
        )
    };
    agent
        .create_deal(open("100000000", "IRR", "proposal", None, day(4, 10)))
        .await
        .unwrap();
    agent
        .create_deal(open("40000000", "IRR", "negotiation", Some(90), day(5, 1)))
        .await
        .unwrap();
    agent2
        .create_deal(open("60000000", "IRR", "qualification", None, day(5, 15)))
        .await
        .unwrap();
    agent2
        .create_deal(open("30000000", "IRR", "proposal", None, day(8, 1)))
        .await
        .unwrap();
    agent
        .create_deal(open("5", "USD", "proposal", None, day(4, 1)))
        .await
        .unwrap();

    let q1 = Period::JalaliQuarter {
        year: 1405,
        quarter: 1,
    };
    let irr_code = Currency::irr();
    let usd = Currency::parse("USD").unwrap();
    let all = desk
        .manager
        .forecast(q1, ForecastScope::Workspace)
        .await
        .unwrap();
    let line = &all.lines[&irr_code];
    assert_eq!(
        (
            line.open_deals,
            line.pipeline,
            line.weighted,
            line.won_deals,
            line.won
        ),
        (3, irr(200_000_000), irr(92_000_000), 1, irr(20_000_000))
    );
    assert_eq!(line.expected(), irr(112_000_000));
    assert_eq!(all.lines[&usd].weighted, "2.5".parse::<Decimal>().unwrap());
    let agent_id = agent.principal().staff_id().unwrap();
    let mine = desk
        .manager
        .forecast(q1, ForecastScope::Owner(agent_id))
        .await
        .unwrap();
    let line = &mine.lines[&irr_code];
    assert_eq!(
        (line.open_deals, line.pipeline, line.weighted, line.won),
        (2, irr(140_000_000), irr(86_000_000), irr(20_000_000))
    );
    let field = desk
        .manager
        .forecast(q1, ForecastScope::Department(s.field))
        .await
        .unwrap();
    assert_eq!(field.lines[&irr_code].weighted, irr(6_000_000));
    assert_eq!(field.lines[&irr_code].won, Decimal::ZERO);
    assert_unauthorized(agent.forecast(q1, ForecastScope::Workspace).await);

    let report = desk.manager.won_lost_report_for(q1).await.unwrap();
    assert_eq!((report.total.won, report.total.lost), (1, 2));
    assert_eq!(report.total.win_rate(), Some(1.0 / 3.0));
    assert_eq!(report.total.won_value[&irr_code], irr(20_000_000));
    assert_eq!(report.lost_value[&irr_code], irr(60_000_000));
    assert_eq!(report.reasons.get("competitor"), Some(&1));
    assert_eq!(report.reasons.get("price"), Some(&1));
    assert_eq!(report.competitors.get("Pars Co"), Some(&1));
    assert_eq!(report.owners[&agent_id].won, 1);
    assert_eq!(report.owners[&agent_id].lost, 1);
    assert_eq!(report.sources["-"].lost, 2);
    let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
    assert!(
        close(report.avg_cycle_days_won, 1.0),
        "{:?}",
        report.avg_cycle_days_won
    );
    assert!(
        close(report.avg_cycle_days, 2.0),
        "{:?}",
        report.avg_cycle_days
    );
    let conv: Vec<(u64, u64)> = report.conversion["New business"]
        .iter()
        .map(|c| (c.reached, c.advanced))
        .collect();
    assert_eq!(conv, vec![(3, 2), (1, 0), (1, 1), (0, 0)]);
    // The quarter before has nothing.
    let q4 = Period::JalaliQuarter {
        year: 1404,
        quarter: 4,
    };
    assert_eq!(
        desk.manager
            .won_lost_report_for(q4)
            .await
            .unwrap()
            .total
            .won,
        0
    );

    // Snapshots: frozen once per day; accuracy against what is won later.
    let admin = &desk.admin;
    let frozen = admin.freeze_forecasts(desk.clock.now()).await.unwrap();
    // Per period: the workspace, the pipeline, and the owners and departments with deals in it:
    // months 4 + 4 (Jalali 1405-01; March 2026: D5 only), quarters 6 + 4, years 6 + 6.
    assert_eq!(frozen, 30);
    assert_eq!(admin.freeze_forecasts(desk.clock.now()).await.unwrap(), 0);
    let d1 = agent
        .pipeline_view(agent_id, &PageRequest::first(10))
        .await
        .unwrap();
    let big = d1
        .items
        .iter()
        .find(|i| i.deal.amount.amount == irr(100_000_000))
        .unwrap();
    assert_eq!((big.probability, big.weighted), (50, irr(50_000_000)));
    agent.win_deal(big.deal.id, None).await.unwrap();
    let accuracy = desk
        .manager
        .forecast_accuracy(q1, ForecastScope::Owner(agent_id))
        .await
        .unwrap();
    assert_eq!(accuracy.len(), 1);
    let line = &accuracy[0].lines[&irr_code];
    assert_eq!(
        (line.expected, line.actual),
        (irr(106_000_000), irr(120_000_000))
    );

    // Goals: a third of the quarter gone.
    let (from, _) = q1.utc_range(chrono_tz::Asia::Tehran).unwrap();
    desk.clock.set(from + Duration::days(31));
    let goal = NewGoal {
        subject: GoalSubject::Staff(agent_id),
        period: q1,
        metric: GoalMetric::WonValue {
            currency: irr_code.clone(),
        },
        target: irr(360_000_000),
    };
    desk.manager.set_goal(goal.clone()).await.unwrap();
    let count = NewGoal {
        subject: GoalSubject::Department(s.sales),
        metric: GoalMetric::WonCount,
        target: irr(3),
        ..goal.clone()
    };
    desk.manager.set_goal(count).await.unwrap();
    // Setting it again changes the target of the same goal.
    let goal = NewGoal {
        target: irr(300_000_000),
        ..goal
    };
    desk.manager.set_goal(goal).await.unwrap();
    let goals = desk.manager.goals(q1).await.unwrap();
    assert_eq!(goals.len(), 2);
    let value = goals
        .iter()
        .find(|g| g.goal.metric.kind() == "won_value")
        .unwrap();
    assert_eq!(value.goal.target, irr(300_000_000));
    assert_eq!(value.actual, irr(120_000_000));
    assert_eq!(value.attainment(), Some("0.4".parse().unwrap()));
    assert_eq!(value.expected_so_far.round_dp(0), irr(100_000_000));
    assert_eq!(
        value.pace().map(|p| p.round_dp(2)),
        Some("1.2".parse().unwrap())
    );
    let won = goals
        .iter()
        .find(|g| g.goal.metric.kind() == "won_count")
        .unwrap();
    assert_eq!(won.actual, irr(2));
}

/// Every summary in `index` of workspace `ws` (sort parts of `sort_len` bytes), by deal id.
async fn summaries<T: serde::de::DeserializeOwned>(
    store: &Arc<dyn Store>,
    ws: crm_core::id::WorkspaceId,
    index: Index,
    sort_len: usize,
) -> Vec<(uuid::Uuid, T)> {
    let scan = Scan::index(index).prefix(&Key::new()).keys_only();
    let hits = store.scan(ws, &scan).await.unwrap();
    hits.iter()
        .map(|h| {
            let summary = read_summary::<T>(&h.position, sort_len).unwrap();
            (h.id, summary.expect("a small deal's summary is in its key"))
        })
        .collect()
}

/// The summaries that the won/lost report and the pipeline view read from index keys
/// ([`ClosedDeal`], [`OpenDeal`]) agree with the deals' bodies after every kind of change:
/// creation, stage moves, edits, reassignment, winning, losing, reopening.
pub async fn deal_summaries_match_bodies(store: &Arc<dyn Store>) {
    let s = SalesDesk::open(store, "Summaries").await;
    let desk = &s.desk;
    let ws = desk.workspace.id;
    let c = s.customer("Roya Karimi").await;
    let agent2 = desk.agent2.principal().staff_id().unwrap();
    let won = s.deal(&desk.agent, c, "20000000", "IRR").await;
    desk.agent
        .move_deal(won.id, None, "proposal")
        .await
        .unwrap();
    desk.tick(60);
    desk.agent.win_deal(won.id, None).await.unwrap();
    let lost = s.deal(&desk.agent, c, "7", "USD").await;
    desk.agent.move_deal(lost.id, None, "needs").await.unwrap();
    let pars = LostReason::Competitor {
        name: "پارس Co".into(),
    };
    desk.agent.lose_deal(lost.id, None, pars).await.unwrap();
    let reopened = s.deal(&desk.agent, c, "30000000", "IRR").await;
    desk.agent
        .lose_deal(reopened.id, None, LostReason::Price)
        .await
        .unwrap();
    desk.tick(60);
    desk.agent
        .reopen_deal(reopened.id, None, Some("proposal"))
        .await
        .unwrap();
    let edited = s.deal(&desk.agent, c, "10000000", "IRR").await;
    let changes = DealChanges {
        title: Some("میز و صندلی".into()),
        probability: Some(Some(35)),
        expected_close: Some(NaiveDate::from_ymd_opt(2026, 6, 1)),
        ..Default::default()
    };
    desk.agent
        .update_deal(edited.id, None, changes)
        .await
        .unwrap();
    let given = s.deal(&desk.agent, c, "40000000", "IRR").await;
    desk.admin
        .reassign_deal(given.id, None, agent2)
        .await
        .unwrap();

    let ids = [won.id, lost.id, reopened.id, edited.id, given.id];
    let mut deals = Vec::new();
    for id in ids {
        deals.push(store.fetch::<Deal>(ws, id.0).await.unwrap());
    }
    let closed: Vec<(uuid::Uuid, ClosedDeal)> =
        summaries(store, ws, DEAL_CLOSED, CLOSED_SORT_LEN).await;
    let open: Vec<(uuid::Uuid, OpenDeal)> =
        summaries(store, ws, DEAL_OPEN_BY_OWNER, OPEN_BY_OWNER_SORT_LEN).await;
    // One entry per deal, in the right index, equal to the summary of its body.
    assert_eq!(closed.len() + open.len(), deals.len());
    for deal in &deals {
        let in_closed = closed.iter().find(|(id, _)| *id == deal.id.0);
        let in_open = open.iter().find(|(id, _)| *id == deal.id.0);
        assert_eq!(in_closed.map(|(_, s)| s.clone()), ClosedDeal::of(deal));
        assert_eq!(in_open.map(|(_, s)| s.clone()), OpenDeal::of(deal));
    }
    let lost_summary = &closed.iter().find(|(id, _)| *id == lost.id.0).unwrap().1;
    assert_eq!(lost_summary.competitor.as_deref(), Some("پارس Co"));
    assert_eq!(lost_summary.stages, ["qualification", "needs"]);
    let given_summary = &open.iter().find(|(id, _)| *id == given.id.0).unwrap().1;
    assert_eq!(given_summary.owner, agent2);
    // The pipeline view shows what the bodies say.
    let view = desk
        .agent
        .pipeline_view(
            desk.agent.principal().staff_id().unwrap(),
            &PageRequest::first(1),
        )
        .await
        .unwrap();
    assert_eq!(view.items.len(), 1);
    let first = &view.items[0];
    let body = deals.iter().find(|d| d.id == first.deal.id).unwrap();
    assert_eq!(Some(first.deal.clone()), OpenDeal::of(body));
    let rest = desk
        .agent
        .pipeline_view(
            desk.agent.principal().staff_id().unwrap(),
            &PageRequest::after(view.next.unwrap(), 10),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert!(rest.next.is_none());
    assert_ne!(rest.items[0].deal.id, first.deal.id);
}
