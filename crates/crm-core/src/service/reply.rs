//! The reply to the customer, closing, and the customer's rating.

use super::Session;
use super::transition::{MAX_NOTE, request_ref};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::channel::Channel;
use crate::customer::{ContactKind, Customer};
use crate::error::{Error, Result};
use crate::id::{InteractionId, RequestId};
use crate::interaction::{Direction, Interaction};
use crate::limits::{self};
use crate::outbox::{Purpose, Recipient};
use crate::record::Entity;
use crate::request::{Reply, Request, RequestAction, Satisfaction};
use crate::store::{Commit, StoreExt};

impl Session {
    /// Sends the approved answer to the customer on `channel` (default: the request's own),
    /// records it as an outbound interaction, queues it in the outbox with a satisfaction
    /// survey, and stops the service-level clock.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] unless approved; [`Error::Invalid`] when the customer has
    /// no address on that channel or the request has no customer yet.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "reply", record = %id))]
    pub async fn reply(
        &self,
        id: RequestId,
        version: u64,
        channel: Option<Channel>,
    ) -> Result<Request> {
        let request = self.store().fetch::<Request>(self.ws, id.0).await?;
        let customer_id = request
            .customer
            .ok_or_else(|| Error::invalid("customer", "attach the request to a customer first"))?;
        let customer = self.customer(customer_id).await?;
        let channel = channel.unwrap_or(request.channel);
        let address = address_on(&customer, channel).ok_or_else(|| {
            Error::invalid(
                "channel",
                format!("the customer has no address for {channel}"),
            )
        })?;
        let (in_reply_to, references) = if channel == Channel::Email {
            self.email_thread(&request).await?
        } else {
            (None, Vec::new())
        };
        let answer_text = request.answer.as_ref().map_or("", |a| a.text.as_str());
        let language = self.customer_language(&[answer_text, &request.subject]);
        let mut context = self.request_context(&request);
        context["customer_name"] = customer.display_name().into();
        context["answer"] = answer_text.into();
        let reply_text = self.render("request.reply", language, &context).await;
        let survey_text = self
            .render("request.satisfaction_survey", language, &context)
            .await;
        let interaction_id = InteractionId(self.new_id());
        let mut extra = Commit::new();
        let request = self
            .transition_with(
                id,
                version,
                RequestAction::Reply,
                AuditAction::Replied,
                "",
                &mut extra,
                |s, r, extra| {
                    let me = s.require_reviewer(r)?;
                    let answer = r
                        .answer
                        .clone()
                        .ok_or_else(|| Error::invalid("answer", "no answer"))?;
                    let now = s.now();
                    extra.put(Interaction {
                        id: interaction_id,
                        version: 1,
                        customer: customer.id,
                        channel,
                        direction: Direction::Outbound,
                        occurred_at: now,
                        subject: Some(reply_text.subject.clone()),
                        body: answer.text.clone(),
                        staff: Some(me),
                        external_id: None,
                        attachments: Vec::new(),
                        recorded_at: now,
                    });
                    let recipient = Recipient::Customer {
                        customer: customer.id,
                        channel,
                        address: address.clone(),
                    };
                    let mut reply = reply_text.notification(recipient.clone(), "request.reply");
                    reply.record = Some(request_ref(r.id));
                    reply.in_reply_to = in_reply_to.clone();
                    reply.references = references.clone();
                    s.queue(extra, reply);
                    // The survey is a follow-up the customer did not ask for: it needs consent.
                    let mut survey =
                        survey_text.notification(recipient, "request.satisfaction_survey");
                    survey.record = Some(request_ref(r.id));
                    survey.purpose = Purpose::Service;
                    survey.references = references.clone();
                    s.queue(extra, survey);
                    r.messages.push(interaction_id);
                    r.reply = Some(Reply {
                        channel,
                        interaction: interaction_id,
                        by: me,
                        at: now,
                    });
                    r.sla.resolve(now);
                    Ok(())
                },
            )
            .await?;
        Ok(request)
    }

    /// The customer's email message ids of `request`, oldest first, and the newest one: an
    /// email reply names them (`References`, `In-Reply-To`) so that the customer's answer
    /// joins the same request.
    async fn email_thread(&self, request: &Request) -> Result<(Option<String>, Vec<String>)> {
        let mut references: Vec<String> = request.thread.iter().cloned().collect();
        let ids: Vec<uuid::Uuid> = request.messages.iter().map(|m| m.0).collect();
        let mut snapshot = self.store().snapshot(self.ws).await?;
        for stored in snapshot.get_many(Interaction::KIND, &ids).await? {
            let Some(stored) = stored else { continue };
            let i: Interaction = stored.decode()?;
            if i.direction != Direction::Inbound || i.channel != Channel::Email {
                continue;
            }
            if let Some(id) = i.external_id
                && !references.contains(&id)
            {
                references.push(id);
            }
        }
        let last = references.last().cloned();
        Ok((last, references))
    }

    /// Closes a replied (or approved) request.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`]; [`Error::Unauthorized`] unless an officer or manager.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "close", record = %id))]
    pub async fn close(&self, id: RequestId, version: u64) -> Result<Request> {
        self.transition(
            id,
            version,
            RequestAction::Close,
            AuditAction::Closed,
            "",
            |s, r| {
                s.require_reviewer(r)?;
                r.closed_at = Some(s.now());
                Ok(())
            },
        )
        .await
    }

    /// Records the customer's satisfaction rating (1 to 5) and comment.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a rating outside 1..=5; [`Error::IllegalTransition`] before the
    /// reply.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "rate", record = %id))]
    pub async fn rate(
        &self,
        id: RequestId,
        version: u64,
        rating: u8,
        comment: Option<&str>,
    ) -> Result<Request> {
        self.check(Permission::RateRequests, None)?;
        if !(1..=5).contains(&rating) {
            return Err(Error::invalid("rating", "1 to 5"));
        }
        if let Some(c) = comment {
            limits::text("comment", c, MAX_NOTE)?;
        }
        let r = self
            .transition(
                id,
                version,
                RequestAction::Rate,
                AuditAction::Rated,
                &rating.to_string(),
                |s, r| {
                    r.satisfaction = Some(Satisfaction {
                        rating,
                        comment: comment.map(str::to_owned),
                        at: s.now(),
                    });
                    Ok(())
                },
            )
            .await?;
        // Service recovery: a low rating creates a follow-up for the manager.
        self.recover_low_rating(&r).await?;
        Ok(r)
    }
}

/// The customer's address on `channel`: email for email and web forms, a phone number for
/// SMS, calls and fax, the handle for a social network.
fn address_on(customer: &Customer, channel: Channel) -> Option<String> {
    let find = |pred: &dyn Fn(ContactKind) -> bool| {
        customer.contacts.iter().find(|c| pred(c.kind)).map(|c| {
            c.key
                .split_once(':')
                .map_or(c.value.clone(), |(_, v)| v.to_owned())
        })
    };
    match channel {
        Channel::Email | Channel::WebForm => find(&|k| k == ContactKind::Email),
        Channel::Sms => {
            find(&|k| k == ContactKind::Mobile).or_else(|| find(&|k| k == ContactKind::Phone))
        }
        Channel::PhoneCall => find(&|k| matches!(k, ContactKind::Mobile | ContactKind::Phone)),
        Channel::Fax => find(&|k| k == ContactKind::Fax),
        Channel::Social(n) => find(&|k| k == ContactKind::Social(n)),
        Channel::Letter => find(&|k| k == ContactKind::PostalAddress),
        Channel::Chat | Channel::InPerson => {
            find(&|k| k == ContactKind::Email).or_else(|| find(&|k| k == ContactKind::Mobile))
        }
    }
}
