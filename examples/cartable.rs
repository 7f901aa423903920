//! The electronic cartable on the in-memory store: messages taken in from email and SMS, a
//! duplicate delivery, a referral to a department, an answer returned and approved
//! (maker-checker), the reply queued with its survey, the customer's rating and the close.
//!
//! Run: `cargo run --example cartable`.

use crm::prelude::*;
use crm::request::RequestView;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let crm = Crm::new(Arc::new(MemoryStore::new()));
    let (workspace, admin) = crm
        .create_workspace("Acme Iran", "IR", NewStaff::new("Sara", Role::Admin))
        .await?;
    let admin = crm.session(workspace.id, admin.id).await?;
    let billing = admin.create_department("مالی", None).await?;
    let officer = admin
        .create_staff(NewStaff::new("مریم احمدی", Role::Officer))
        .await?;
    let agent = admin
        .create_staff(NewStaff::new("Reza Karimi", Role::Agent).department(billing.id))
        .await?;
    let officer = crm.session(workspace.id, officer.id).await?;
    let reza = crm.session(workspace.id, agent.id).await?;
    let page = PageRequest::first(20);

    // 1. Intake: an email from a new sender (a lead is created), delivered twice, and an SMS.
    let channels = crm.system_session(workspace.id, "channels").await?;
    let from_ali = Sender {
        email: Some("Ali.Rezaei@Example.com".into()),
        name: Some("علی رضایی".into()),
        ..Sender::default()
    };
    let mail = InboundMessage::new(
        Channel::Email,
        "<m1@example.com>",
        from_ali,
        "صورتحساب من اشتباه است",
    )
    .subject("مشکل صورتحساب")
    .thread("<m1@example.com>");
    let first = channels.intake(mail.clone()).await?;
    let again = channels.intake(mail).await?;
    assert!(first.new_customer && again.duplicate_delivery);
    let request = first.request;
    println!(
        "#{} {:?} from a new lead {:?}; delivered twice, taken in once",
        request.number,
        request.status,
        first.customer.as_ref().map(|c| c.display_name())
    );
    let sms = Sender {
        phone: Some("۰۹۱۲ ۱۲۳ ۴۵۶۷".into()),
        ..Sender::default()
    };
    let second = channels
        .intake(InboundMessage::new(
            Channel::Sms,
            "sms-1",
            sms,
            "لطفا تماس بگیرید",
        ))
        .await?;
    println!("#{} by SMS", second.request.number);

    // 2. The officers' cartable, then a referral to the billing department.
    let officers = officer
        .cartable(&RequestView::Holder(Holder::Officers), &page)
        .await?;
    println!("officers' cartable: {} requests", officers.items.len());
    assert_eq!(officers.items.len(), 2);
    let r = officer
        .refer(
            request.id,
            request.version,
            Holder::Department(billing.id),
            "لطفا بررسی کنید",
        )
        .await?;
    let queue = reza.my_department_queue(&page).await?;
    assert_eq!(queue.items.first().map(|x| x.id), Some(r.id));
    let r = reza.take(r.id, r.version).await?;
    println!("#{} {:?}, held by {:?}", r.number, r.status, r.holder);

    // 3. The agent answers; the officer returns it once, then approves the second answer.
    let r = reza.resolve(r.id, r.version, "مبلغ اصلاح شد").await?;
    let r = officer
        .return_answer(r.id, r.version, "مبلغ جدید را هم بنویسید")
        .await?;
    println!(
        "#{} {:?}: the answer goes back with a note",
        r.number, r.status
    );
    let r = reza
        .resolve(r.id, r.version, "مبلغ اصلاح شد: ۱۲۰٬۰۰۰ تومان")
        .await?;
    match reza.approve(r.id, r.version, "").await {
        Err(e) => println!("the author cannot approve their own answer: {e}"),
        Ok(_) => return Err("maker-checker was not enforced".into()),
    }
    let r = officer.approve(r.id, r.version, "").await?;

    // 4. The reply goes out through the outbox, with a satisfaction survey.
    let r = officer.reply(r.id, r.version, None).await?;
    println!(
        "#{} {:?} by {:?}",
        r.number,
        r.status,
        r.reply.map(|x| x.channel)
    );
    let r = channels.rate(r.id, r.version, 5, Some("ممنون")).await?;
    let r = officer.close(r.id, r.version).await?;
    println!("#{} {:?}", r.number, r.status);
    assert_eq!(r.status, RequestStatus::Closed);
    Ok(())
}
