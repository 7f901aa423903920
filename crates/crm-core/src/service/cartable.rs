//! The cartable's reads: a request, and the views of whoever asks.

use super::Session;
use crate::access::Permission;
use crate::error::{Error, Result};
use crate::id::RequestId;
use crate::request::{Holder, Request, RequestView, number_key};
use crate::store::{Page, PageRequest, StoreExt};

impl Session {
    /// The request with `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "request", record = %id))]
    pub async fn request(&self, id: RequestId) -> Result<Request> {
        self.check(Permission::ReadCustomers, None)?;
        self.store().fetch::<Request>(self.ws, id.0).await
    }

    /// The request numbered `number` (`#123`).
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `number`) when there is none.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "request_by_number", record = tracing::field::Empty))]
    pub async fn request_by_number(&self, number: u64) -> Result<Request> {
        self.check(Permission::ReadCustomers, None)?;
        self.store()
            .holder_of::<crate::request::Request>(self.ws, &number_key(number))
            .await?
            .ok_or_else(|| Error::invalid("number", format!("no request #{number}")))
    }

    /// Requests in a cartable view, paged. Agents see only their own cartable, their
    /// department's queue and what they follow.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] for a view the actor may not see.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "cartable", record = tracing::field::Empty))]
    pub async fn cartable(&self, view: &RequestView, page: &PageRequest) -> Result<Page<Request>> {
        self.check(Permission::WorkRequests, None)?;
        let me = self.principal.staff_id();
        let own = match view {
            RequestView::Holder(Holder::Staff(s)) | RequestView::FollowedBy(s) => Some(*s) == me,
            RequestView::Holder(Holder::Department(d)) => {
                self.staff().is_some_and(|s| s.department == Some(*d))
            }
            _ => false,
        };
        if !own && !self.works_any() {
            return Err(self.refuse(
                None,
                "agents see their own cartable, their department's queue and what they follow",
            ));
        }
        crate::request::view(self.store(), self.ws, view, page).await
    }

    /// My cartable: the active requests I hold.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] for a system session.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "my_cartable", record = tracing::field::Empty))]
    pub async fn my_cartable(&self, page: &PageRequest) -> Result<Page<Request>> {
        let me = self.require_staff()?.id;
        self.cartable(&RequestView::Holder(Holder::Staff(me)), page)
            .await
    }

    /// Resolved requests waiting for my review (mine, or any officer's).
    ///
    /// # Errors
    /// [`Error::Unauthorized`] unless an officer or manager.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "awaiting_my_review", record = tracing::field::Empty))]
    pub async fn awaiting_my_review(&self, page: &PageRequest) -> Result<Page<Request>> {
        let me = self.require_staff()?.id;
        self.cartable(&RequestView::AwaitingReview(me), page).await
    }

    /// Active requests I follow.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] for a system session.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "followed_by_me", record = tracing::field::Empty))]
    pub async fn followed_by_me(&self, page: &PageRequest) -> Result<Page<Request>> {
        let me = self.require_staff()?.id;
        self.cartable(&RequestView::FollowedBy(me), page).await
    }

    /// My department's queue.
    ///
    /// # Errors
    /// [`Error::Invalid`] when I belong to no department.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "my_department_queue", record = tracing::field::Empty))]
    pub async fn my_department_queue(&self, page: &PageRequest) -> Result<Page<Request>> {
        let dept = self
            .require_staff()?
            .department
            .ok_or_else(|| Error::invalid("department", "you belong to no department"))?;
        self.cartable(&RequestView::Holder(Holder::Department(dept)), page)
            .await
    }

    /// Active requests past their deadline now.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] unless an officer or manager.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "overdue", record = tracing::field::Empty))]
    pub async fn overdue(&self, page: &PageRequest) -> Result<Page<Request>> {
        self.cartable(&RequestView::Overdue(self.now()), page).await
    }

    /// Possible duplicates waiting for an officer.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] unless an officer or manager.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "possible_duplicates", record = tracing::field::Empty))]
    pub async fn possible_duplicates(&self, page: &PageRequest) -> Result<Page<Request>> {
        self.cartable(&RequestView::PossibleDuplicates, page).await
    }
}
