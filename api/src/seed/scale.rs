//! `tandem seed --scale N`: a large, coherent synthetic data set, fast.
//!
//! Rows are generated in memory a few clients at a time and written with
//! multi-row `INSERT`s, each statement below the database's bind-parameter
//! limit (SQLite 32766, PostgreSQL 65535), one transaction per batch of
//! clients. The service layer is bypassed for speed, so this module keeps
//! the invariants itself: every engagement's value is the sum of its lines
//! (priced from the client's rate card, rounded per line), split shares sum
//! to 10000 and their approvals match the owners, allocations equal the
//! apportioned value and never exceed a budget line's planned amount, and
//! each spend entry's attributions sum to its amount.
//!
//! Per client (so N = 500 gives 500 clients, 20,000 engagements, 100,000
//! lines and 1,000,000 spend entries):
//!
//! | table | rows |
//! | --- | --- |
//! | clients, budgets, rate_cards, rate_card_versions | 1 each |
//! | contacts (CMO, CIO, CFO), funding_sources, budget_lines (FY) | 3 each |
//! | rate_card_prices | 12 |
//! | engagements | 40 (4 LEAD, 4 QUALIFIED, 4 PROPOSED, 4 WON, 2 LOST, 2 CANCELLED, 12 ACTIVE, 4 ON_HOLD, 2 DELIVERED, 2 CLOSED) |
//! | engagement_lines | 200 |
//! | engagement_transitions | 164 |
//! | engagement_stakeholders | 80 |
//! | funding_splits | 28 (24 APPROVED, 4 PENDING_APPROVAL on the PROPOSED ones) |
//! | funding_split_shares, split_approvals | 42 each (half the splits are joint) |
//! | allocations | 30 |
//! | spend_entries | 2,000 (100 on each of the 20 ACTIVE, ON_HOLD, DELIVERED and CLOSED engagements) |
//! | spend_attributions | 3,000 |
//!
//! plus 12 services once (`SCALE-...`, reused when present). The data is
//! deterministic: the same `--seed` on the same day gives the same codes,
//! dates and amounts (ids and creation times differ).

use std::collections::BTreeMap;
use std::fmt;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbBackend, EntityTrait,
    Iterable, QueryFilter, TransactionTrait,
};
use tandem_entities::{
    BudgetPeriod, BudgetStatus, Buyer, ClientStatus, CommercialModel, ContactFunction, Decision,
    Discipline, EngagementStatus, ExpenseType, FundingFunction, InvestmentArea, Persona,
    PricingModel, RateCardVersionStatus, ServiceUnit, SpendKind, SplitStatus, StakeholderRole,
    allocation, budget, budget_line, client, contact, engagement, engagement_line,
    engagement_stakeholder, engagement_transition, funding_source, funding_split,
    funding_split_share, rate_card, rate_card_price, rate_card_version, service, spend_attribution,
    spend_entry, split_approval,
};
use uuid::Uuid;

use super::SeedError;
use crate::domain::engagement::{line_amount, path_from_lead};
use crate::domain::split::apportion;
use crate::services::budgets::{fiscal_year_dates, fiscal_year_of};
use crate::services::catalog::encode_areas;

/// Engagements per client.
pub const ENGAGEMENTS_PER_CLIENT: usize = 40;
/// Lines per engagement.
pub const LINES_PER_ENGAGEMENT: usize = 5;
/// Spend entries per engagement that has spend.
pub const SPEND_PER_ENGAGEMENT: usize = 100;
/// Clients generated and written per transaction.
const CLIENTS_PER_BATCH: u32 = 5;

use EngagementStatus as S;

/// The status of engagement `j` of a client. Every block has an even
/// length and starts at an even index, so exactly half of each status is
/// joint (even `j`).
fn status_of(j: usize) -> EngagementStatus {
    match j {
        0..=3 => S::Lead,
        4..=7 => S::Qualified,
        8..=11 => S::Proposed,
        12..=15 => S::Won,
        16..=17 => S::Lost,
        18..=19 => S::Cancelled,
        20..=31 => S::Active,
        32..=35 => S::OnHold,
        36..=37 => S::Delivered,
        _ => S::Closed,
    }
}

fn has_split(s: EngagementStatus) -> bool {
    matches!(
        s,
        S::Proposed | S::Won | S::Active | S::OnHold | S::Delivered | S::Closed
    )
}

fn has_spend(s: EngagementStatus) -> bool {
    matches!(s, S::Active | S::OnHold | S::Delivered | S::Closed)
}

/// The synthetic catalog: code, discipline, buyer, area, unit, pricing,
/// price and cost in minor units of the card's currency.
type ServicePlan = (
    &'static str,
    Discipline,
    Buyer,
    InvestmentArea,
    ServiceUnit,
    PricingModel,
    i64,
    i64,
);

const SERVICES: [ServicePlan; 12] = [
    (
        "SCALE-CRE-1",
        Discipline::Creative,
        Buyer::Marketing,
        InvestmentArea::ContentAndInteractive,
        ServiceUnit::Day,
        PricingModel::TimeAndMaterials,
        90_000,
        55_000,
    ),
    (
        "SCALE-CRE-2",
        Discipline::Creative,
        Buyer::Marketing,
        InvestmentArea::ContentAndInteractive,
        ServiceUnit::Month,
        PricingModel::Retainer,
        1_100_000,
        700_000,
    ),
    (
        "SCALE-CRE-3",
        Discipline::Creative,
        Buyer::Joint,
        InvestmentArea::CustomerExperience,
        ServiceUnit::Item,
        PricingModel::Fixed,
        1_400_000,
        850_000,
    ),
    (
        "SCALE-TEC-1",
        Discipline::Technology,
        Buyer::Joint,
        InvestmentArea::CustomerIntelligence,
        ServiceUnit::Day,
        PricingModel::TimeAndMaterials,
        120_000,
        76_000,
    ),
    (
        "SCALE-TEC-2",
        Discipline::Technology,
        Buyer::It,
        InvestmentArea::SalesChannels,
        ServiceUnit::Day,
        PricingModel::Fixed,
        105_000,
        66_000,
    ),
    (
        "SCALE-TEC-3",
        Discipline::Technology,
        Buyer::Joint,
        InvestmentArea::CustomerExperience,
        ServiceUnit::Hour,
        PricingModel::TimeAndMaterials,
        14_500,
        9_000,
    ),
    (
        "SCALE-DAT-1",
        Discipline::Data,
        Buyer::Marketing,
        InvestmentArea::CustomerIntelligence,
        ServiceUnit::Day,
        PricingModel::TimeAndMaterials,
        98_000,
        61_000,
    ),
    (
        "SCALE-DAT-2",
        Discipline::Data,
        Buyer::It,
        InvestmentArea::CustomerIntelligence,
        ServiceUnit::Day,
        PricingModel::TimeAndMaterials,
        112_000,
        72_000,
    ),
    (
        "SCALE-DAT-3",
        Discipline::Data,
        Buyer::Joint,
        InvestmentArea::SalesChannels,
        ServiceUnit::Month,
        PricingModel::Retainer,
        950_000,
        600_000,
    ),
    (
        "SCALE-MS-1",
        Discipline::ManagedService,
        Buyer::It,
        InvestmentArea::CustomerExperience,
        ServiceUnit::Month,
        PricingModel::Retainer,
        1_700_000,
        1_100_000,
    ),
    (
        "SCALE-MS-2",
        Discipline::ManagedService,
        Buyer::Marketing,
        InvestmentArea::CustomerExperience,
        ServiceUnit::Hour,
        PricingModel::TimeAndMaterials,
        13_000,
        8_000,
    ),
    (
        "SCALE-MS-3",
        Discipline::ManagedService,
        Buyer::Joint,
        InvestmentArea::ContentAndInteractive,
        ServiceUnit::Month,
        PricingModel::Retainer,
        800_000,
        520_000,
    ),
];

const CURRENCIES: [&str; 3] = ["EUR", "USD", "GBP"];
const FY_MONTHS: [u32; 4] = [1, 4, 7, 10];
const MODELS: [CommercialModel; 4] = [
    CommercialModel::FixedFee,
    CommercialModel::TimeAndMaterials,
    CommercialModel::Retainer,
    CommercialModel::Milestone,
];
const AREAS: [InvestmentArea; 4] = [
    InvestmentArea::CustomerIntelligence,
    InvestmentArea::CustomerExperience,
    InvestmentArea::SalesChannels,
    InvestmentArea::ContentAndInteractive,
];

/// Time-ordered (v7) ids from one instant and a counter, so that rows are
/// appended to their primary-key index in order.
struct Ids {
    millis: u64,
    next: u64,
}

impl Ids {
    fn next(&mut self) -> Uuid {
        self.next += 1;
        let mut bytes = [0u8; 10];
        bytes[2..].copy_from_slice(&self.next.to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(self.millis, &bytes).into_uuid()
    }
}

/// The rows of a batch of clients, in insertion (foreign-key) order.
#[derive(Default)]
struct Batch {
    clients: Vec<client::ActiveModel>,
    contacts: Vec<contact::ActiveModel>,
    sources: Vec<funding_source::ActiveModel>,
    budgets: Vec<budget::ActiveModel>,
    budget_lines: Vec<budget_line::ActiveModel>,
    cards: Vec<rate_card::ActiveModel>,
    versions: Vec<rate_card_version::ActiveModel>,
    prices: Vec<rate_card_price::ActiveModel>,
    engagements: Vec<engagement::ActiveModel>,
    lines: Vec<engagement_line::ActiveModel>,
    transitions: Vec<engagement_transition::ActiveModel>,
    stakeholders: Vec<engagement_stakeholder::ActiveModel>,
    splits: Vec<funding_split::ActiveModel>,
    shares: Vec<funding_split_share::ActiveModel>,
    approvals: Vec<split_approval::ActiveModel>,
    allocations: Vec<allocation::ActiveModel>,
    spend: Vec<spend_entry::ActiveModel>,
    attributions: Vec<spend_attribution::ActiveModel>,
}

/// Rows written per table and the time taken.
pub struct ScaleSummary {
    pub n: u32,
    pub rows: BTreeMap<&'static str, u64>,
    pub elapsed: Duration,
}

impl fmt::Display for ScaleSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: u64 = self.rows.values().sum();
        write!(
            f,
            "seeded --scale {} in {:.1}s: {total} rows (",
            self.n,
            self.elapsed.as_secs_f64()
        )?;
        for (i, (table, n)) in self.rows.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{table} {n}")?;
        }
        f.write_str(")")
    }
}

/// Generates `n` clients' data into a database without clients.
pub async fn run(
    db: &DatabaseConnection,
    n: u32,
    seed: u64,
    today: NaiveDate,
) -> Result<ScaleSummary, SeedError> {
    super::require_no_clients(db).await?;
    let started = Instant::now();
    let now = crate::domain::now();
    let mut ids = Ids {
        millis: u64::try_from(now.timestamp_millis()).unwrap_or(0),
        next: 0,
    };
    let mut rows: BTreeMap<&'static str, u64> = BTreeMap::new();
    let services = ensure_services(db, &mut ids, now, &mut rows).await?;
    let limit = match db.get_database_backend() {
        DbBackend::Sqlite => 32_766,
        _ => 65_535,
    };

    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(u64::from(n));
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {elapsed_precise} {wide_bar} {pos}/{len} clients, {msg}, eta {eta}",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    } else {
        ProgressBar::hidden()
    };

    let mut first = 0;
    while first < n {
        let last = Ord::min(first + CLIENTS_PER_BATCH, n);
        let mut batch = Batch::default();
        for i in first..last {
            let mut rng =
                StdRng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(u64::from(i)));
            generate_client(&mut batch, i, &services, &mut ids, &mut rng, now, today);
        }
        let txn = db.begin().await?;
        write(&txn, batch, limit, &mut rows).await?;
        txn.commit().await?;
        bar.set_position(u64::from(last));
        bar.set_message(format!("{} rows", rows.values().sum::<u64>()));
        first = last;
    }
    bar.finish_and_clear();
    Ok(ScaleSummary {
        n,
        rows,
        elapsed: started.elapsed(),
    })
}

/// The scale catalog's ids and list prices, creating the services if needed.
async fn ensure_services(
    db: &DatabaseConnection,
    ids: &mut Ids,
    now: DateTime<Utc>,
    rows: &mut BTreeMap<&'static str, u64>,
) -> Result<Vec<(Uuid, ServiceUnit, i64, i64)>, SeedError> {
    let existing = service::Entity::find()
        .filter(service::Column::Code.starts_with("SCALE-"))
        .all(db)
        .await?;
    let mut out = Vec::new();
    let mut new = Vec::new();
    for (code, discipline, buyer, area, unit, pricing, price, cost) in SERVICES {
        let id = match existing.iter().find(|s| s.code == code) {
            Some(s) => s.id,
            None => {
                let id = ids.next();
                new.push(service::ActiveModel {
                    id: Set(id),
                    code: Set(code.to_owned()),
                    name: Set(format!("Synthetic {discipline:?} service {code}")),
                    description: Set(Some("Generated by tandem seed --scale".into())),
                    discipline: Set(discipline),
                    buyer: Set(buyer),
                    investment_areas: Set(encode_areas(&[area])),
                    unit: Set(unit),
                    pricing_model: Set(pricing),
                    active: Set(true),
                    created_at: Set(now),
                    updated_at: Set(now),
                });
                id
            }
        };
        out.push((id, unit, price, cost));
    }
    let count = new.len() as u64;
    if count > 0 {
        service::Entity::insert_many(new)
            .exec_without_returning(db)
            .await?;
    }
    *rows.entry("services").or_default() += count;
    Ok(out)
}

fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

/// Generates one client's rows into `batch`.
fn generate_client(
    batch: &mut Batch,
    i: u32,
    services: &[(Uuid, ServiceUnit, i64, i64)],
    ids: &mut Ids,
    rng: &mut StdRng,
    now: DateTime<Utc>,
    today: NaiveDate,
) {
    let d = TimeDelta::days;
    let number = i + 1;
    let currency: crate::domain::Currency = CURRENCIES[i as usize % CURRENCIES.len()]
        .parse()
        .expect("the seed's currencies are ISO-4217 codes");
    let month = FY_MONTHS[i as usize % FY_MONTHS.len()];
    // Running engagements started about a hundred days ago, all in the
    // fiscal year of that day, whose budget they draw on.
    let anchor = today - d(100);
    let year = fiscal_year_of(anchor, month);
    let (fy_start, fy_end) = fiscal_year_dates(year, month).unwrap_or((anchor, today));

    let client_id = ids.next();
    let code = format!("SCALE-{number:05}");
    batch.clients.push(client::ActiveModel {
        id: Set(client_id),
        name: Set(format!("Scale Client {number:05}")),
        code: Set(code.clone()),
        industry: Set(Some(
            ["Retail", "Banking", "Insurance", "Telecom", "Travel"][i as usize % 5].into(),
        )),
        region: Set(Some(["EMEA", "Americas", "APAC"][i as usize % 3].into())),
        default_currency: Set(currency),
        fiscal_year_start_month: Set(month as i16),
        status: Set(ClientStatus::Active),
        created_at: Set(now),
        updated_at: Set(now),
    });
    let mut person = |persona, function, role: &str| {
        let id = ids.next();
        batch.contacts.push(contact::ActiveModel {
            id: Set(id),
            client_id: Set(client_id),
            name: Set(format!("{role} of {code}")),
            email: Set(format!(
                "{}@{}.example",
                role.to_lowercase(),
                code.to_lowercase()
            )),
            title: Set(Some(role.into())),
            persona: Set(persona),
            function: Set(function),
            created_at: Set(now),
            updated_at: Set(now),
        });
        id
    };
    let cmo = person(Persona::Cmo, ContactFunction::Marketing, "CMO");
    let cio = person(Persona::Cio, ContactFunction::It, "CIO");
    person(Persona::Cfo, ContactFunction::Finance, "CFO");

    // Sources: (id, owner); 0 = MARKETING (CMO), 1 = IT_RUN and
    // 2 = BUSINESS_TECH (CIO).
    let mut sources = Vec::new();
    for (function, owner, name, kind) in [
        (
            FundingFunction::Marketing,
            cmo,
            "Marketing programmes",
            ExpenseType::Opex,
        ),
        (FundingFunction::ItRun, cio, "IT run", ExpenseType::Opex),
        (
            FundingFunction::BusinessTech,
            cio,
            "Business technology",
            ExpenseType::Capex,
        ),
    ] {
        let id = ids.next();
        batch.sources.push(funding_source::ActiveModel {
            id: Set(id),
            client_id: Set(client_id),
            name: Set(name.into()),
            function: Set(function),
            owner_contact_id: Set(owner),
            external_ref: Set(Some(format!("CC-{number:05}-{}", sources.len() + 1))),
            currency: Set(currency),
            expense_type: Set(kind),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        });
        sources.push((id, owner));
    }

    // The client's rate card, in its currency, in force since long before.
    let card_id = ids.next();
    batch.cards.push(rate_card::ActiveModel {
        id: Set(card_id),
        name: Set(format!("{code} rates")),
        client_id: Set(Some(client_id)),
        scope: Set(client_id.to_string()),
        currency: Set(currency),
        created_at: Set(now),
        updated_at: Set(now),
    });
    let version_id = ids.next();
    batch.versions.push(rate_card_version::ActiveModel {
        id: Set(version_id),
        rate_card_id: Set(card_id),
        effective_from: Set(fy_start - d(365)),
        effective_to: Set(None),
        status: Set(RateCardVersionStatus::Published),
        created_at: Set(now),
        published_at: Set(Some(now)),
        retired_at: Set(None),
    });
    // Client-specific prices: list price -5%..+5%.
    let card: Vec<(Uuid, ServiceUnit, i64, i64)> = services
        .iter()
        .map(|(id, unit, price, cost)| {
            let pct = rng.random_range(95..=105);
            (*id, *unit, price * pct / 100, *cost)
        })
        .collect();
    for (service_id, _, price, cost) in &card {
        batch.prices.push(rate_card_price::ActiveModel {
            version_id: Set(version_id),
            service_id: Set(*service_id),
            price_minor: Set(*price),
            cost_minor: Set(*cost),
        });
    }

    let budget_id = ids.next();
    let mut allocated = [0i64; 3];
    let mut line_ids = [Uuid::nil(); 3];
    for id in &mut line_ids {
        *id = ids.next();
    }

    for j in 0..ENGAGEMENTS_PER_CLIENT {
        let status = status_of(j);
        let engagement_id = ids.next();
        let (start, end) = match status {
            S::Active | S::OnHold => {
                let s = Ord::max(fy_start, anchor - d(rng.random_range(0..30)));
                (s, today + d(rng.random_range(60..365)))
            }
            S::Delivered | S::Closed => {
                let s = Ord::max(fy_start, anchor - d(rng.random_range(0..30)));
                (s, today - d(rng.random_range(1..20)))
            }
            S::Won => {
                let s = today + d(rng.random_range(7..30));
                (s, s + d(rng.random_range(90..365)))
            }
            _ => {
                let s = today + d(rng.random_range(10..120));
                (s, s + d(rng.random_range(90..365)))
            }
        };
        let probability = crate::domain::engagement::stage_probability(status);
        let created = now - d(200) + d(j as i64);
        batch.engagements.push(engagement::ActiveModel {
            id: Set(engagement_id),
            client_id: Set(client_id),
            code: Set(format!("E{number:05}-{:03}", j + 1)),
            name: Set(format!(
                "{:?} initiative {} of {code}",
                AREAS[j % AREAS.len()],
                j + 1
            )),
            description: Set(None),
            commercial_model: Set(MODELS[rng.random_range(0..MODELS.len())]),
            currency: Set(currency),
            investment_area: Set(AREAS[j % AREAS.len()]),
            start_date: Set(start),
            end_date: Set(end),
            probability: Set(probability),
            probability_overridden: Set(false),
            account_manager_id: Set(None),
            status: Set(status),
            value_adjustment_minor: Set(0),
            created_at: Set(created),
            updated_at: Set(now),
        });

        let mut value = 0i64;
        for _ in 0..LINES_PER_ENGAGEMENT {
            let (service_id, unit, price, cost) = card[rng.random_range(0..card.len())];
            let quantity_milli = 1000
                * match unit {
                    ServiceUnit::Hour => rng.random_range(20..400),
                    ServiceUnit::Day => rng.random_range(5..60),
                    ServiceUnit::Month => rng.random_range(1..12),
                    ServiceUnit::Item => rng.random_range(1..4),
                };
            let discount_bp = [0, 0, 0, 500, 1000][rng.random_range(0..5)];
            let line_value = line_amount(quantity_milli, price, discount_bp).unwrap_or(0);
            let line_cost = line_amount(quantity_milli, cost, 0).unwrap_or(0);
            value += line_value;
            batch.lines.push(engagement_line::ActiveModel {
                id: Set(ids.next()),
                engagement_id: Set(engagement_id),
                service_id: Set(service_id),
                quantity_milli: Set(quantity_milli),
                unit: Set(unit),
                discount_bp: Set(discount_bp),
                unit_price_minor: Set(price),
                unit_cost_minor: Set(cost),
                value_minor: Set(line_value),
                cost_minor: Set(line_cost),
                rate_card_version_id: Set(version_id),
                created_at: Set(created),
                updated_at: Set(created),
            });
        }

        for (k, pair) in path_from_lead(status).windows(2).enumerate() {
            if k == 0 {
                batch.transitions.push(engagement_transition::ActiveModel {
                    id: Set(ids.next()),
                    engagement_id: Set(engagement_id),
                    actor_id: Set(None),
                    from_status: Set(None),
                    to_status: Set(pair[0]),
                    reason: Set(None),
                    reason_internal: Set(false),
                    at: Set(created),
                });
            }
            batch.transitions.push(engagement_transition::ActiveModel {
                id: Set(ids.next()),
                engagement_id: Set(engagement_id),
                actor_id: Set(None),
                from_status: Set(Some(pair[0])),
                to_status: Set(pair[1]),
                reason: Set(None),
                reason_internal: Set(false),
                at: Set(created + d(k as i64 + 1)),
            });
        }
        if status == S::Lead {
            batch.transitions.push(engagement_transition::ActiveModel {
                id: Set(ids.next()),
                engagement_id: Set(engagement_id),
                actor_id: Set(None),
                from_status: Set(None),
                to_status: Set(S::Lead),
                reason: Set(None),
                reason_internal: Set(false),
                at: Set(created),
            });
        }

        for (contact_id, role) in [
            (cmo, StakeholderRole::EconomicBuyer),
            (cio, StakeholderRole::TechnicalApprover),
        ] {
            batch
                .stakeholders
                .push(engagement_stakeholder::ActiveModel {
                    engagement_id: Set(engagement_id),
                    contact_id: Set(contact_id),
                    role: Set(role),
                    created_at: Set(created),
                });
        }

        if !has_split(status) {
            continue;
        }
        // Even engagements are joint: the CMO's pot and one of the CIO's.
        let shares: Vec<(usize, i32)> = if j % 2 == 0 {
            let marketing = [5000, 6000, 7000, 4000][(j / 2) % 4];
            vec![(0, marketing), (1 + (j / 2) % 2, 10_000 - marketing)]
        } else {
            vec![(j % 3, 10_000)]
        };
        let split_id = ids.next();
        let pending = status == S::Proposed;
        let decided = if start < today {
            at(start - d(7), 10)
        } else {
            now - d(1)
        };
        batch.splits.push(funding_split::ActiveModel {
            id: Set(split_id),
            engagement_id: Set(engagement_id),
            version: Set(1),
            status: Set(if pending {
                SplitStatus::PendingApproval
            } else {
                SplitStatus::Approved
            }),
            value_minor: Set(value),
            base_value_minor: Set(None),
            created_by: Set(None),
            created_at: Set(decided - d(2)),
            submitted_at: Set(Some(decided - d(1))),
            decided_at: Set((!pending).then_some(decided)),
            withdrawn_by: Set(None),
            withdrawn_reason: Set(None),
        });
        for (source, bp) in &shares {
            batch.shares.push(funding_split_share::ActiveModel {
                split_id: Set(split_id),
                funding_source_id: Set(sources[*source].0),
                share_bp: Set(*bp),
            });
            batch.approvals.push(split_approval::ActiveModel {
                split_id: Set(split_id),
                owner_contact_id: Set(sources[*source].1),
                decision: Set(if pending {
                    Decision::Pending
                } else {
                    Decision::Approved
                }),
                decided_by: Set(None),
                on_behalf: Set(false),
                rerouted_from: Set(None),
                rerouted_at: Set(None),
                comment: Set(None),
                decided_at: Set((!pending).then_some(decided)),
                rule_id: Set(None),
                decided_by_contact: Set((!pending).then_some(sources[*source].1)),
                delegation_id: Set(None),
            });
        }
        if !has_spend(status) {
            continue;
        }
        let bps: Vec<i32> = shares.iter().map(|s| s.1).collect();
        for ((source, _), amount) in shares.iter().zip(apportion(value, &bps)) {
            allocated[*source] += amount;
            batch.allocations.push(allocation::ActiveModel {
                id: Set(ids.next()),
                engagement_id: Set(engagement_id),
                split_id: Set(split_id),
                budget_line_id: Set(line_ids[*source]),
                funding_source_id: Set(sources[*source].0),
                amount_minor: Set(amount),
                release_reason: Set(None),
                created_at: Set(at(start, 9)),
            });
        }
        // Spend over the last ninety days up to today or the end date: about
        // half the value while running, most of it once delivered.
        let pct = match status {
            S::Active => rng.random_range(30..70),
            S::OnHold => rng.random_range(40..60),
            _ => rng.random_range(85..98),
        };
        let first_day = Ord::max(start, today - d(89));
        let days = (Ord::min(end, today) - first_day).num_days().max(0);
        let per_entry = Ord::max(value * pct / 100 / SPEND_PER_ENGAGEMENT as i64, 2);
        for k in 0..SPEND_PER_ENGAGEMENT {
            let amount = per_entry / 2 + rng.random_range(0..=per_entry);
            let kind = match k % 10 {
                7 => SpendKind::License,
                8 => SpendKind::Media,
                9 => SpendKind::Expense,
                _ => SpendKind::Labor,
            };
            let spent_on = first_day + d(rng.random_range(0..=days));
            let spend_id = ids.next();
            // Expenses are not billed: they cost the provider and charge
            // the client nothing.
            let billable = kind != SpendKind::Expense;
            let charge = if billable { amount } else { 0 };
            batch.spend.push(spend_entry::ActiveModel {
                id: Set(spend_id),
                engagement_id: Set(engagement_id),
                spent_on: Set(spent_on),
                cost_minor: Set(amount),
                charge_minor: Set(charge),
                engagement_line_id: Set(None),
                quantity_milli: Set(None),
                markup_bp: Set(None),
                kind: Set(kind),
                description: Set(None),
                billable: Set(billable),
                split_id: Set(split_id),
                created_by: Set(None),
                reverses_id: Set(None),
                reversal_reason: Set(None),
                created_at: Set(at(spent_on, 18)),
            });
            for ((source, _), part) in shares.iter().zip(apportion(charge, &bps)) {
                batch.attributions.push(spend_attribution::ActiveModel {
                    spend_id: Set(spend_id),
                    funding_source_id: Set(sources[*source].0),
                    engagement_id: Set(engagement_id),
                    spent_on: Set(spent_on),
                    amount_minor: Set(part),
                });
            }
        }
    }

    batch.budgets.push(budget::ActiveModel {
        id: Set(budget_id),
        client_id: Set(client_id),
        fiscal_year: Set(year),
        starts_on: Set(fy_start),
        ends_on: Set(fy_end),
        status: Set(BudgetStatus::Approved),
        approved_at: Set(Some(now)),
        approved_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    });
    for (source, line_id) in line_ids.iter().enumerate() {
        // Planned: what is allocated plus 30% headroom, plus a reserve,
        // rounded up to a thousand units.
        let raw = allocated[source] + allocated[source] * 3 / 10 + 5_000_000;
        let planned = (raw + 99_999) / 100_000 * 100_000;
        batch.budget_lines.push(budget_line::ActiveModel {
            id: Set(*line_id),
            budget_id: Set(budget_id),
            funding_source_id: Set(sources[source].0),
            period: Set(BudgetPeriod::Fy),
            planned_minor: Set(planned),
            allocated_minor: Set(allocated[source]),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
}

/// Inserts `models` in statements of at most `limit` bind parameters.
async fn insert_chunked<A, C>(
    db: &C,
    table: &'static str,
    models: Vec<A>,
    limit: usize,
    rows: &mut BTreeMap<&'static str, u64>,
) -> Result<(), SeedError>
where
    A: ActiveModelTrait + Send,
    C: sea_orm::ConnectionTrait,
{
    let total = models.len() as u64;
    *rows.entry(table).or_default() += total;
    let Some(first) = models.first() else {
        return Ok(());
    };
    let columns = <A::Entity as EntityTrait>::Column::iter()
        .filter(|c| !first.is_not_set(*c))
        .count()
        .max(1);
    let per_statement = (limit / columns).max(1);
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<A> = models.by_ref().take(per_statement).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

async fn write<C: sea_orm::ConnectionTrait>(
    db: &C,
    b: Batch,
    limit: usize,
    rows: &mut BTreeMap<&'static str, u64>,
) -> Result<(), SeedError> {
    insert_chunked(db, "clients", b.clients, limit, rows).await?;
    insert_chunked(db, "contacts", b.contacts, limit, rows).await?;
    insert_chunked(db, "funding_sources", b.sources, limit, rows).await?;
    insert_chunked(db, "budgets", b.budgets, limit, rows).await?;
    insert_chunked(db, "budget_lines", b.budget_lines, limit, rows).await?;
    insert_chunked(db, "rate_cards", b.cards, limit, rows).await?;
    insert_chunked(db, "rate_card_versions", b.versions, limit, rows).await?;
    insert_chunked(db, "rate_card_prices", b.prices, limit, rows).await?;
    insert_chunked(db, "engagements", b.engagements, limit, rows).await?;
    insert_chunked(db, "engagement_lines", b.lines, limit, rows).await?;
    insert_chunked(db, "engagement_transitions", b.transitions, limit, rows).await?;
    insert_chunked(db, "engagement_stakeholders", b.stakeholders, limit, rows).await?;
    insert_chunked(db, "funding_splits", b.splits, limit, rows).await?;
    insert_chunked(db, "funding_split_shares", b.shares, limit, rows).await?;
    insert_chunked(db, "split_approvals", b.approvals, limit, rows).await?;
    insert_chunked(db, "allocations", b.allocations, limit, rows).await?;
    insert_chunked(db, "spend_entries", b.spend, limit, rows).await?;
    insert_chunked(db, "spend_attributions", b.attributions, limit, rows).await?;
    Ok(())
}
