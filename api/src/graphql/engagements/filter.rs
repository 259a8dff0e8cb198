//! How engagements are ordered and filtered.

use async_graphql::{Enum, InputObject};

use super::*;
use crate::enum_filter;
use crate::error::AppError;
use crate::graphql::catalog::{BuyerFilter, InvestmentArea};
use crate::graphql::filters::{IdFilter, StringFilter};
use crate::graphql::node::Kind;
use crate::graphql::scalars::Date;
use crate::resource::{DateRange, EngagementFilter as Filter, EngagementOrder};
use crate::services::filter::Combinators;

/// How to order a list of engagements.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "EngagementOrder")]
pub enum EngagementOrderBy {
    /// Latest start first (the default).
    #[default]
    StartDateDesc,
    /// Earliest start first.
    StartDateAsc,
    /// By name, A to Z.
    NameAsc,
    /// By name, Z to A.
    NameDesc,
    /// By code, A to Z.
    CodeAsc,
    /// Oldest first.
    CreatedAtAsc,
    /// Newest first.
    CreatedAtDesc,
}

enum_filter!(
    EngagementStatusFilter,
    EngagementStatus,
    tandem_entities::EngagementStatus,
    "an engagement's status"
);
enum_filter!(
    InvestmentAreaFilter,
    InvestmentArea,
    tandem_entities::InvestmentArea,
    "an investment area"
);

/// A range of dates; both ends inclusive and optional.
#[derive(InputObject, Clone, Default)]
pub struct DateRangeInput {
    /// On or after this date.
    pub gte: Option<Date>,
    /// On or before this date.
    pub lte: Option<Date>,
}

impl From<DateRangeInput> for DateRange {
    fn from(r: DateRangeInput) -> Self {
        DateRange {
            gte: r.gte.map(Into::into),
            lte: r.lte.map(Into::into),
        }
    }
}

/// Which engagements to list. All given conditions must hold.
#[derive(InputObject, Clone, Default)]
pub struct EngagementFilter {
    /// Conditions on the status.
    pub status: Option<EngagementStatusFilter>,
    /// Conditions on the client.
    pub client_id: Option<IdFilter>,
    /// Conditions on the account manager (a user id).
    pub account_manager_id: Option<IdFilter>,
    /// Conditions on the investment area.
    pub investment_area: Option<InvestmentAreaFilter>,
    /// Engagements with at least one line of a service for these buyers.
    pub buyer: Option<BuyerFilter>,
    /// Conditions on the start date.
    pub start_date: Option<DateRangeInput>,
    /// Conditions on the end date.
    pub end_date: Option<DateRangeInput>,
    /// Conditions on the code.
    pub code: Option<StringFilter>,
    /// Conditions on the name.
    pub name: Option<StringFilter>,
    /// All of these filters must hold.
    pub and: Option<Vec<EngagementFilter>>,
    /// At least one of these filters must hold.
    pub or: Option<Vec<EngagementFilter>>,
    /// This filter must not hold.
    pub not: Option<Box<EngagementFilter>>,
}

impl EngagementFilter {
    /// Converts to the service's filter, decoding global ids.
    pub fn into_service(self) -> Result<Filter, AppError> {
        Ok(Filter {
            status: self.status.map(Into::into),
            client_id: self
                .client_id
                .map(|f| f.decode(Kind::Client, "clientId"))
                .transpose()?,
            account_manager_id: self
                .account_manager_id
                .map(|f| f.decode(Kind::User, "accountManagerId"))
                .transpose()?,
            investment_area: self.investment_area.map(Into::into),
            buyer: self.buyer.map(Into::into),
            start_date: self.start_date.map(Into::into),
            end_date: self.end_date.map(Into::into),
            code: self.code.map(Into::into),
            name: self.name.map(Into::into),
            combinators: Combinators::convert(
                self.and,
                self.or,
                self.not,
                EngagementFilter::into_service,
            )?,
        })
    }
}
