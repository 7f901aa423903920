//! The request state machine.

use serde::{Deserialize, Serialize};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RequestStatus {
    /// Just taken in, in its first cartable.
    New,
    /// Referred to another cartable, not yet taken up.
    Referred,
    /// Being worked on by its holder.
    InProgress,
    /// Waiting on the customer (the service-level clock is paused).
    WaitingOnCustomer,
    /// Resolved with an answer, waiting for an officer's review.
    Resolved,
    /// The answer was sent back by the reviewer, with a note.
    Returned,
    /// The answer was approved and may be sent.
    Approved,
    /// The approved answer was sent to the customer.
    Replied,
    /// Done.
    Closed,
    /// The customer wrote again after the reply or closing.
    Reopened,
}

/// Something done to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RequestAction {
    /// Refer to another cartable.
    Refer,
    /// Take it up (holder or a member of the holding department).
    Take,
    /// Ask the customer and wait.
    WaitOnCustomer,
    /// The customer wrote again.
    CustomerWrote,
    /// Resolve with an answer.
    Resolve,
    /// Approve the answer.
    Approve,
    /// Return the answer with a note.
    Return,
    /// Send the approved answer.
    Reply,
    /// Close.
    Close,
    /// Record the customer's rating.
    Rate,
}

impl RequestStatus {
    /// Every status.
    pub const ALL: [RequestStatus; 10] = [
        Self::New,
        Self::Referred,
        Self::InProgress,
        Self::WaitingOnCustomer,
        Self::Resolved,
        Self::Returned,
        Self::Approved,
        Self::Replied,
        Self::Closed,
        Self::Reopened,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Referred => "referred",
            Self::InProgress => "in_progress",
            Self::WaitingOnCustomer => "waiting_on_customer",
            Self::Resolved => "resolved",
            Self::Returned => "returned",
            Self::Approved => "approved",
            Self::Replied => "replied",
            Self::Closed => "closed",
            Self::Reopened => "reopened",
        }
    }

    /// In someone's cartable (not replied or closed).
    pub fn is_active(self) -> bool {
        !matches!(self, Self::Replied | Self::Closed)
    }

    /// Being worked on: an answer may be written, the request may be referred.
    fn in_work(self) -> bool {
        matches!(
            self,
            Self::New
                | Self::Referred
                | Self::InProgress
                | Self::WaitingOnCustomer
                | Self::Returned
                | Self::Reopened
        )
    }

    /// The status after `action`, or `None` when the action is not allowed now.
    pub fn allows(self, action: RequestAction) -> Option<RequestStatus> {
        use RequestAction as A;
        use RequestStatus as S;
        match action {
            A::Refer if self.in_work() => Some(S::Referred),
            A::Take if self.in_work() && self != S::WaitingOnCustomer => Some(S::InProgress),
            A::WaitOnCustomer if self.in_work() && self != S::WaitingOnCustomer => {
                Some(S::WaitingOnCustomer)
            }
            A::CustomerWrote => match self {
                S::WaitingOnCustomer => Some(S::InProgress),
                S::Replied | S::Closed => Some(S::Reopened),
                other => Some(other),
            },
            A::Resolve if self.in_work() => Some(S::Resolved),
            A::Approve if self == S::Resolved => Some(S::Approved),
            A::Return if self == S::Resolved => Some(S::Returned),
            A::Reply if self == S::Approved => Some(S::Replied),
            A::Close if matches!(self, S::Replied | S::Approved) => Some(S::Closed),
            A::Rate if matches!(self, S::Replied | S::Closed) => Some(self),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_approved_answer_can_be_sent() {
        for status in RequestStatus::ALL {
            let reply = status.allows(RequestAction::Reply);
            assert_eq!(
                reply.is_some(),
                status == RequestStatus::Approved,
                "{status:?}"
            );
        }
    }

    #[test]
    fn a_customer_writing_reopens_a_closed_request_and_resumes_a_paused_one() {
        let wrote = RequestAction::CustomerWrote;
        assert_eq!(
            RequestStatus::Closed.allows(wrote),
            Some(RequestStatus::Reopened)
        );
        assert_eq!(
            RequestStatus::WaitingOnCustomer.allows(wrote),
            Some(RequestStatus::InProgress)
        );
        assert_eq!(
            RequestStatus::Referred.allows(wrote),
            Some(RequestStatus::Referred)
        );
    }
}
