//! `tandem seed --demo`: three clients a newcomer can explore at once.
//!
//! Everything goes through the service layer, with the callers a real
//! deployment would have (an administrator, the CMO's and the CIO's portal
//! users, a delivery consultant), so every rule holds: prices are
//! snapshotted from the rate card in force, splits are approved by each
//! owner, activation allocates to the budget, spend is attributed by the
//! split in force. Dates are relative to `today`, so the demo always shows
//! the last ninety days of spend and a current fiscal year.

use std::fmt;

use chrono::{NaiveDate, TimeDelta};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use tandem_entities::{
    BudgetPeriod, BudgetStatus, Buyer, CommercialModel, ContactFunction, Discipline,
    EngagementStatus, ExpenseType, FundingFunction, InvestmentArea, Persona, PricingModel, Role,
    ServiceUnit, SpendKind, StakeholderRole, allocation, budget, budget_line, client, contact,
    engagement, engagement_line, funding_source, funding_split, rate_card, rate_card_version,
    service, spend_attribution, spend_entry, split_approval, user,
};
use uuid::Uuid;

use super::{SeedError, Step};
use crate::caller::Caller;
use crate::domain::engagement::path_from_lead;
use crate::domain::money::format_minor_units;
use crate::services::auth;
use crate::services::budgets::{self, LineInput, fiscal_year_of};
use crate::services::catalog::{self, NewService};
use crate::services::clients::{self, NewClient};
use crate::services::contacts::{self, NewContact};
use crate::services::engagements::{self, NewEngagement, NewLine};
use crate::services::funding_sources::{self, NewFundingSource};
use crate::services::rate_card_versions::{self, NewPrice, NewVersion};
use crate::services::rate_cards::{self, NewRateCard};
use crate::services::spend::{self, NewSpend};
use crate::services::splits::{self, Share};
use crate::services::users::{self, NewUser};

/// The password of every demo user. It is public: never use the demo
/// accounts anywhere real.
pub const DEMO_PASSWORD: &str = "tandem-demo-password";

/// The provider's demo staff: (e-mail, name, role).
const ADMIN: (&str, &str) = ("admin@demo.tandem.example", "Dana Admin");
const MANAGER: (&str, &str) = ("alex.morgan@demo.tandem.example", "Alex Morgan");
const DELIVERY: (&str, &str) = ("sam.patel@demo.tandem.example", "Sam Patel");

/// One demo client.
struct ClientPlan {
    code: &'static str,
    name: &'static str,
    industry: &'static str,
    region: &'static str,
    currency: &'static str,
    fiscal_year_start_month: i32,
    domain: &'static str,
    cmo: &'static str,
    cio: &'static str,
    cfo: &'static str,
}

const CLIENTS: [ClientPlan; 3] = [
    ClientPlan {
        code: "NWR",
        name: "Northwind Retail",
        industry: "Retail",
        region: "EMEA",
        currency: "EUR",
        fiscal_year_start_month: 4,
        domain: "northwind.example",
        cmo: "Carla Mendes",
        cio: "Ivan Novak",
        cfo: "Frieda Brandt",
    },
    ClientPlan {
        code: "HBK",
        name: "Harbor Bank",
        industry: "Banking",
        region: "Americas",
        currency: "USD",
        fiscal_year_start_month: 1,
        domain: "harborbank.example",
        cmo: "Maya Brooks",
        cio: "Daniel Ortiz",
        cfo: "Grace Whitfield",
    },
    ClientPlan {
        code: "TMI",
        name: "Thames Mutual Insurance",
        industry: "Insurance",
        region: "UK",
        currency: "GBP",
        fiscal_year_start_month: 7,
        domain: "thamesmutual.example",
        cmo: "Olivia Hart",
        cio: "Rajesh Kumar",
        cfo: "Edward Finch",
    },
];

/// The catalog: code, name, discipline, buyer, investment areas, unit,
/// pricing model, default price and cost in minor units (EUR).
type ServicePlan = (
    &'static str,
    &'static str,
    Discipline,
    Buyer,
    &'static [InvestmentArea],
    ServiceUnit,
    PricingModel,
    i64,
    i64,
);

const SERVICES: [ServicePlan; 10] = [
    (
        "CRE-CAMPAIGN",
        "Campaign creative",
        Discipline::Creative,
        Buyer::Marketing,
        &[InvestmentArea::ContentAndInteractive],
        ServiceUnit::Day,
        PricingModel::TimeAndMaterials,
        95_000,
        58_000,
    ),
    (
        "CRE-STUDIO",
        "Content studio retainer",
        Discipline::Creative,
        Buyer::Marketing,
        &[InvestmentArea::ContentAndInteractive],
        ServiceUnit::Month,
        PricingModel::Retainer,
        1_200_000,
        820_000,
    ),
    (
        "CRE-WORKSHOP",
        "Discovery workshop",
        Discipline::Creative,
        Buyer::Joint,
        &[
            InvestmentArea::CustomerExperience,
            InvestmentArea::CustomerIntelligence,
        ],
        ServiceUnit::Item,
        PricingModel::Fixed,
        1_500_000,
        900_000,
    ),
    (
        "TEC-CDP",
        "Customer data platform implementation",
        Discipline::Technology,
        Buyer::Joint,
        &[InvestmentArea::CustomerIntelligence],
        ServiceUnit::Day,
        PricingModel::TimeAndMaterials,
        125_000,
        78_000,
    ),
    (
        "TEC-WEB",
        "Web and app engineering",
        Discipline::Technology,
        Buyer::Joint,
        &[
            InvestmentArea::CustomerExperience,
            InvestmentArea::SalesChannels,
        ],
        ServiceUnit::Day,
        PricingModel::TimeAndMaterials,
        110_000,
        70_000,
    ),
    (
        "TEC-INTEG",
        "Integration engineering",
        Discipline::Technology,
        Buyer::It,
        &[InvestmentArea::SalesChannels],
        ServiceUnit::Day,
        PricingModel::Fixed,
        105_000,
        68_000,
    ),
    (
        "DAT-ANALYTICS",
        "Marketing analytics",
        Discipline::Data,
        Buyer::Marketing,
        &[InvestmentArea::CustomerIntelligence],
        ServiceUnit::Day,
        PricingModel::TimeAndMaterials,
        100_000,
        62_000,
    ),
    (
        "DAT-PLATFORM",
        "Data platform engineering",
        Discipline::Data,
        Buyer::It,
        &[InvestmentArea::CustomerIntelligence],
        ServiceUnit::Day,
        PricingModel::TimeAndMaterials,
        115_000,
        74_000,
    ),
    (
        "MS-RUN",
        "Application run and support",
        Discipline::ManagedService,
        Buyer::It,
        &[InvestmentArea::CustomerExperience],
        ServiceUnit::Month,
        PricingModel::Retainer,
        1_800_000,
        1_150_000,
    ),
    (
        "MS-MARTECH",
        "Martech operations",
        Discipline::ManagedService,
        Buyer::Marketing,
        &[InvestmentArea::CustomerExperience],
        ServiceUnit::Hour,
        PricingModel::TimeAndMaterials,
        14_000,
        8_500,
    ),
];

/// The funding sources a split draws on.
#[derive(Clone, Copy)]
enum Pot {
    Marketing,
    ItRun,
    BusinessTech,
}

/// How an engagement's split is decided.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decide {
    /// Each owner approves through their own portal user.
    Owners,
    /// An administrator approves on behalf of each owner (recorded as such).
    OnBehalf,
    /// The CMO approves; the CIO has not decided yet.
    Pending,
    /// The CMO approves; the CIO rejects.
    Rejected,
}

/// One demo engagement, created for every client.
struct EngagementPlan {
    code: &'static str,
    name: &'static str,
    model: CommercialModel,
    area: InvestmentArea,
    status: EngagementStatus,
    lines: &'static [(&'static str, &'static str, i32)],
    split: Option<(&'static [(Pot, i32)], Decide)>,
    spend: &'static [SpendKind],
}

use EngagementStatus as S;

const ENGAGEMENTS: [EngagementPlan; 12] = [
    EngagementPlan {
        code: "001",
        name: "Customer data platform",
        model: CommercialModel::TimeAndMaterials,
        area: InvestmentArea::CustomerIntelligence,
        status: S::Active,
        lines: &[
            ("CRE-WORKSHOP", "1", 0),
            ("TEC-CDP", "80", 500),
            ("DAT-ANALYTICS", "30", 0),
        ],
        split: Some((
            &[(Pot::Marketing, 6000), (Pot::BusinessTech, 4000)],
            Decide::Owners,
        )),
        spend: &[SpendKind::Labor, SpendKind::License, SpendKind::Expense],
    },
    EngagementPlan {
        code: "002",
        name: "Spring brand campaign",
        model: CommercialModel::FixedFee,
        area: InvestmentArea::ContentAndInteractive,
        status: S::Active,
        lines: &[("CRE-CAMPAIGN", "60", 0), ("MS-MARTECH", "120", 0)],
        split: Some((&[(Pot::Marketing, 10_000)], Decide::Owners)),
        spend: &[SpendKind::Labor, SpendKind::Media],
    },
    EngagementPlan {
        code: "003",
        name: "Web replatform",
        model: CommercialModel::Milestone,
        area: InvestmentArea::CustomerExperience,
        status: S::OnHold,
        lines: &[("TEC-WEB", "70", 0), ("TEC-INTEG", "20", 0)],
        split: Some((
            &[(Pot::Marketing, 5000), (Pot::BusinessTech, 5000)],
            Decide::OnBehalf,
        )),
        spend: &[SpendKind::Labor, SpendKind::License],
    },
    EngagementPlan {
        code: "004",
        name: "Application run and support",
        model: CommercialModel::Retainer,
        area: InvestmentArea::CustomerExperience,
        status: S::Delivered,
        lines: &[("MS-RUN", "3", 0)],
        split: Some((&[(Pot::ItRun, 10_000)], Decide::Owners)),
        spend: &[SpendKind::Labor, SpendKind::License],
    },
    EngagementPlan {
        code: "005",
        name: "Loyalty app discovery",
        model: CommercialModel::FixedFee,
        area: InvestmentArea::SalesChannels,
        status: S::Closed,
        lines: &[("CRE-WORKSHOP", "2", 0), ("TEC-WEB", "25", 1000)],
        split: Some((
            &[(Pot::Marketing, 7000), (Pot::ItRun, 3000)],
            Decide::Owners,
        )),
        spend: &[SpendKind::Labor, SpendKind::Expense],
    },
    EngagementPlan {
        code: "006",
        name: "Marketing mix analytics",
        model: CommercialModel::TimeAndMaterials,
        area: InvestmentArea::CustomerIntelligence,
        status: S::Won,
        lines: &[("DAT-ANALYTICS", "40", 0), ("DAT-PLATFORM", "25", 0)],
        split: Some((
            &[(Pot::Marketing, 5000), (Pot::ItRun, 5000)],
            Decide::Pending,
        )),
        spend: &[],
    },
    EngagementPlan {
        code: "007",
        name: "Sales channel integration",
        model: CommercialModel::FixedFee,
        area: InvestmentArea::SalesChannels,
        status: S::Won,
        lines: &[("TEC-INTEG", "45", 0)],
        split: Some((
            &[(Pot::Marketing, 3000), (Pot::BusinessTech, 7000)],
            Decide::Rejected,
        )),
        spend: &[],
    },
    EngagementPlan {
        code: "008",
        name: "Personalisation pilot",
        model: CommercialModel::TimeAndMaterials,
        area: InvestmentArea::CustomerExperience,
        status: S::Proposed,
        lines: &[("TEC-CDP", "20", 0), ("CRE-CAMPAIGN", "15", 0)],
        split: None,
        spend: &[],
    },
    EngagementPlan {
        code: "009",
        name: "Content studio",
        model: CommercialModel::Retainer,
        area: InvestmentArea::ContentAndInteractive,
        status: S::Qualified,
        lines: &[("CRE-STUDIO", "6", 0)],
        split: None,
        spend: &[],
    },
    EngagementPlan {
        code: "010",
        name: "Service chatbot exploration",
        model: CommercialModel::TimeAndMaterials,
        area: InvestmentArea::CustomerExperience,
        status: S::Lead,
        lines: &[("TEC-WEB", "10", 0)],
        split: None,
        spend: &[],
    },
    EngagementPlan {
        code: "011",
        name: "Mobile app rebuild",
        model: CommercialModel::FixedFee,
        area: InvestmentArea::SalesChannels,
        status: S::Lost,
        lines: &[("TEC-WEB", "120", 0)],
        split: None,
        spend: &[],
    },
    EngagementPlan {
        code: "012",
        name: "Data clean room",
        model: CommercialModel::TimeAndMaterials,
        area: InvestmentArea::CustomerIntelligence,
        status: S::Cancelled,
        lines: &[("DAT-PLATFORM", "30", 0)],
        split: None,
        spend: &[],
    },
];

/// A client's demo people and pots.
struct Seeded {
    client: client::Model,
    cmo: contact::Model,
    cio: contact::Model,
    cfo: contact::Model,
    cmo_caller: Caller,
    cio_caller: Caller,
    marketing: Uuid,
    it_run: Uuid,
    business_tech: Uuid,
}

impl Seeded {
    fn pot(&self, pot: Pot) -> Uuid {
        match pot {
            Pot::Marketing => self.marketing,
            Pot::ItRun => self.it_run,
            Pot::BusinessTech => self.business_tech,
        }
    }
}

/// What the demo created, for the console.
pub struct DemoSummary {
    counts: Vec<(&'static str, u64)>,
    users: Vec<(String, String, Role)>,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Demo data loaded:")?;
        for (table, n) in &self.counts {
            writeln!(f, "  {table:<24} {n}")?;
        }
        writeln!(f)?;
        writeln!(f, "Demo users (sign in at /graphql with `login`):")?;
        for (email, name, role) in &self.users {
            let role = match role {
                Role::Admin => "ADMIN",
                Role::AccountManager => "ACCOUNT_MANAGER",
                Role::Delivery => "DELIVERY",
                Role::Client => "CLIENT",
            };
            writeln!(f, "  {email:<40} {name:<20} {role}")?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "Every demo user has the DEMO password {DEMO_PASSWORD:?}. It is public: disable \
             these accounts (`tandem user disable --email ...`) before any real use."
        )
    }
}

fn money(minor: i64) -> String {
    format_minor_units(minor, 2)
}

async fn caller_for(db: &DatabaseConnection, user: &user::Model) -> Result<Caller, SeedError> {
    let principal = auth::principal(db, user, true)
        .await
        .step(format!("sign in {}", user.email))?;
    Ok(Caller::User(Box::new(principal)))
}

async fn new_user(
    db: &DatabaseConnection,
    (email, name): (&str, &str),
    role: Role,
    client_id: Option<Uuid>,
    contact_id: Option<Uuid>,
) -> Result<user::Model, SeedError> {
    let input = NewUser {
        email: email.to_owned(),
        name: name.to_owned(),
        password: Some(DEMO_PASSWORD.to_owned()),
        role,
        client_id,
        contact_id,
    };
    let (user, _) = users::create(db, &Caller::System, input)
        .await
        .step(format!("create user {email}"))?;
    Ok(user)
}

/// Loads the demo into a database without clients.
pub async fn run(db: &DatabaseConnection, today: NaiveDate) -> Result<DemoSummary, SeedError> {
    super::require_no_clients(db).await?;
    let mut rng = StdRng::seed_from_u64(2026);
    let admin_user = new_user(db, ADMIN, Role::Admin, None, None).await?;
    let admin = caller_for(db, &admin_user).await?;
    let manager = new_user(db, MANAGER, Role::AccountManager, None, None).await?;
    let delivery_user = new_user(db, DELIVERY, Role::Delivery, None, None).await?;
    let mut demo_users = vec![
        (
            admin_user.email.clone(),
            admin_user.name.clone(),
            Role::Admin,
        ),
        (
            manager.email.clone(),
            manager.name.clone(),
            Role::AccountManager,
        ),
        (
            delivery_user.email.clone(),
            delivery_user.name.clone(),
            Role::Delivery,
        ),
    ];

    let services = seed_catalog(db, &admin).await?;
    seed_default_card(db, &admin, &services, today).await?;

    let mut seeded = Vec::new();
    for plan in &CLIENTS {
        let s = seed_client(db, &admin, plan, manager.id, &mut demo_users).await?;
        seed_client_card(db, &admin, plan, &s, &services, today).await?;
        seed_budgets(db, &admin, plan, &s, today).await?;
        seeded.push(s);
    }

    for s in &seeded {
        seed_engagements(
            db,
            &admin,
            s,
            &services,
            manager.id,
            &delivery_user,
            today,
            &mut rng,
        )
        .await?;
        seed_governance(db, &admin, s).await?;
    }

    Ok(DemoSummary {
        counts: counts(db).await?,
        users: demo_users,
    })
}

async fn seed_catalog(
    db: &DatabaseConnection,
    admin: &Caller,
) -> Result<Vec<(service::Model, i64, i64)>, SeedError> {
    let mut out = Vec::new();
    let catalog = service::Entity::find().all(db).await?;
    for (code, name, discipline, buyer, areas, unit, pricing, price, cost) in SERVICES {
        let existing = catalog.iter().find(|s| s.code == code).cloned();
        let svc = match existing {
            Some(s) => s,
            None => catalog::create(
                db,
                admin,
                NewService {
                    code: code.to_owned(),
                    name: name.to_owned(),
                    description: Some(format!("{name} (demo catalog)")),
                    discipline,
                    buyer,
                    investment_areas: areas.to_vec(),
                    unit,
                    pricing_model: pricing,
                },
            )
            .await
            .step(format!("create service {code}"))?,
        };
        out.push((svc, price, cost));
    }
    Ok(out)
}

/// Creates, prices and publishes a version; returns its id.
async fn priced_version(
    db: &DatabaseConnection,
    admin: &Caller,
    card: &rate_card::Model,
    from: NaiveDate,
    to: Option<NaiveDate>,
    prices: &[(Uuid, i64, i64)],
    publish: bool,
) -> Result<rate_card_version::Model, SeedError> {
    let version = rate_card_versions::create_version(
        db,
        admin,
        NewVersion {
            rate_card_id: card.id,
            effective_from: from,
            effective_to: to,
        },
    )
    .await
    .step(format!("create a version of {}", card.name))?;
    for (service_id, price, cost) in prices {
        rate_card_versions::set_price(
            db,
            admin,
            NewPrice {
                version_id: version.id,
                service_id: *service_id,
                price: money(*price),
                cost: money(*cost),
            },
        )
        .await
        .step(format!("price a service on {}", card.name))?;
    }
    if publish {
        return rate_card_versions::publish(db, admin, version.id)
            .await
            .step(format!("publish a version of {}", card.name));
    }
    Ok(version)
}

async fn seed_default_card(
    db: &DatabaseConnection,
    admin: &Caller,
    services: &[(service::Model, i64, i64)],
    today: NaiveDate,
) -> Result<(), SeedError> {
    let card = rate_cards::create(
        db,
        admin,
        NewRateCard {
            client_id: None,
            name: "Standard rates".into(),
            currency: "EUR".into(),
        },
    )
    .await
    .step("create the default rate card")?;
    let prices: Vec<_> = services.iter().map(|(s, p, c)| (s.id, *p, *c)).collect();
    priced_version(
        db,
        admin,
        &card,
        today - TimeDelta::days(730),
        None,
        &prices,
        true,
    )
    .await?;
    Ok(())
}

/// Northwind negotiated a discount on technology work, in two yearly
/// versions (the older one retired) with next year's draft prepared; the
/// bank and the insurer have cards in their own currencies.
async fn seed_client_card(
    db: &DatabaseConnection,
    admin: &Caller,
    plan: &ClientPlan,
    s: &Seeded,
    services: &[(service::Model, i64, i64)],
    today: NaiveDate,
) -> Result<(), SeedError> {
    let card = rate_cards::create(
        db,
        admin,
        NewRateCard {
            client_id: Some(s.client.id),
            name: format!("{} rates", plan.name),
            currency: plan.currency.into(),
        },
    )
    .await
    .step(format!("create the rate card of {}", plan.code))?;
    if plan.currency == "EUR" {
        let negotiated = |pct: i64| -> Vec<(Uuid, i64, i64)> {
            services
                .iter()
                .filter(|(svc, _, _)| svc.discipline == Discipline::Technology)
                .map(|(svc, p, c)| (svc.id, p * pct / 100, *c))
                .collect()
        };
        let old = priced_version(
            db,
            admin,
            &card,
            today - TimeDelta::days(730),
            Some(today - TimeDelta::days(366)),
            &negotiated(95),
            true,
        )
        .await?;
        rate_card_versions::retire(db, admin, old.id)
            .await
            .step("retire an old rate-card version")?;
        priced_version(
            db,
            admin,
            &card,
            today - TimeDelta::days(365),
            Some(today + TimeDelta::days(364)),
            &negotiated(92),
            true,
        )
        .await?;
        priced_version(
            db,
            admin,
            &card,
            today + TimeDelta::days(365),
            None,
            &negotiated(90),
            false,
        )
        .await?;
    } else {
        // Whole units in the card's currency.
        let factor = if plan.currency == "USD" { 110 } else { 86 };
        let prices: Vec<_> = services
            .iter()
            .map(|(svc, p, c)| (svc.id, p * factor / 10_000 * 100, c * factor / 10_000 * 100))
            .collect();
        priced_version(
            db,
            admin,
            &card,
            today - TimeDelta::days(365),
            None,
            &prices,
            true,
        )
        .await?;
    }
    Ok(())
}

async fn seed_client(
    db: &DatabaseConnection,
    admin: &Caller,
    plan: &ClientPlan,
    manager_id: Uuid,
    demo_users: &mut Vec<(String, String, Role)>,
) -> Result<Seeded, SeedError> {
    let client = clients::create(
        db,
        admin,
        NewClient {
            name: plan.name.into(),
            code: plan.code.into(),
            industry: Some(plan.industry.into()),
            region: Some(plan.region.into()),
            default_currency: plan.currency.into(),
            fiscal_year_start_month: plan.fiscal_year_start_month,
        },
    )
    .await
    .step(format!("create client {}", plan.code))?;
    users::assign_manager(db, admin, manager_id, client.id)
        .await
        .step(format!("assign the account manager to {}", plan.code))?;
    let person = |name: &str, title: &str, persona, function| NewContact {
        client_id: client.id,
        name: name.to_owned(),
        email: format!("{}@{}", name.to_lowercase().replace(' ', "."), plan.domain),
        title: Some(title.to_owned()),
        persona,
        function,
    };
    let mut people = Vec::new();
    for input in [
        person(
            plan.cmo,
            "Chief Marketing Officer",
            Persona::Cmo,
            ContactFunction::Marketing,
        ),
        person(
            plan.cio,
            "Chief Information Officer",
            Persona::Cio,
            ContactFunction::It,
        ),
        person(
            plan.cfo,
            "Chief Financial Officer",
            Persona::Cfo,
            ContactFunction::Finance,
        ),
    ] {
        people.push(
            contacts::create(db, admin, input)
                .await
                .step(format!("create a contact of {}", plan.code))?,
        );
    }
    let [cmo, cio, cfo]: [contact::Model; 3] = people
        .try_into()
        .map_err(|_| SeedError("three contacts expected".into()))?;
    let mut portal = Vec::new();
    for c in [&cmo, &cio] {
        let user = new_user(
            db,
            (&c.email, &c.name),
            Role::Client,
            Some(client.id),
            Some(c.id),
        )
        .await?;
        demo_users.push((user.email.clone(), user.name.clone(), Role::Client));
        portal.push(caller_for(db, &user).await?);
    }
    let cio_caller = portal
        .pop()
        .ok_or_else(|| SeedError("no CIO user".into()))?;
    let cmo_caller = portal
        .pop()
        .ok_or_else(|| SeedError("no CMO user".into()))?;
    let pot = |name: &'static str, function, owner: &contact::Model, reference: &str, kind| {
        NewFundingSource {
            client_id: client.id,
            name: name.to_owned(),
            function,
            owner_contact_id: owner.id,
            external_ref: Some(reference.to_owned()),
            currency: None,
            expense_type: kind,
        }
    };
    let mut ids = Vec::new();
    for input in [
        pot(
            "Marketing programmes",
            FundingFunction::Marketing,
            &cmo,
            "CC-MKT-100",
            ExpenseType::Opex,
        ),
        pot(
            "IT run the business",
            FundingFunction::ItRun,
            &cio,
            "CC-IT-200",
            ExpenseType::Opex,
        ),
        pot(
            "Business technology",
            FundingFunction::BusinessTech,
            &cio,
            "PO-BT-300",
            ExpenseType::Capex,
        ),
    ] {
        let name = input.name.clone();
        let source: funding_source::Model = funding_sources::create(db, admin, input)
            .await
            .step(format!("create funding source {name} of {}", plan.code))?;
        ids.push(source.id);
    }
    let [marketing, it_run, business_tech]: [Uuid; 3] = ids
        .try_into()
        .map_err(|_| SeedError("three funding sources expected".into()))?;
    Ok(Seeded {
        client,
        cmo,
        cio,
        cfo,
        cmo_caller,
        cio_caller,
        marketing,
        it_run,
        business_tech,
    })
}

/// Each client's governance, once its engagements are seeded (a rule asks
/// for splits submitted after it is made): its CFO co-approves splits above
/// 500,000 in the client's currency, and the CIO has made the CFO their
/// delegate for the next two weeks (from the real today).
async fn seed_governance(
    db: &DatabaseConnection,
    admin: &Caller,
    s: &Seeded,
) -> Result<(), SeedError> {
    use crate::services::governance::{self, NewDelegation, NewRule};
    governance::create_rule(
        db,
        admin,
        NewRule {
            client_id: s.client.id,
            function: None,
            above: "500000".into(),
            currency: None,
            persona: Persona::Cfo,
            approver_contact_id: Some(s.cfo.id),
        },
    )
    .await
    .step(format!("create an approval rule of {}", s.client.code))?;
    governance::delegate(
        db,
        &s.cio_caller,
        NewDelegation {
            owner_contact_id: None,
            delegate_contact_id: s.cfo.id,
            // A live arrangement, dated from the real today whatever day the
            // demo's engagements are seeded around.
            starts_on: crate::domain::burn::today(),
            ends_on: crate::domain::burn::today() + chrono::Duration::days(14),
        },
    )
    .await
    .step(format!("delegate the CIO's approvals at {}", s.client.code))?;
    Ok(())
}

/// An approved budget for every fiscal year the running engagements span
/// (activation commits each share over every period it reaches): the
/// current year's with the CMO's pot in quarters and the CIO's two pots for
/// the whole year; the years before and after it, when the running
/// engagements reach them, with every pot for the whole year. Every running
/// engagement starts the same day and is phased pro rata to its days, so no
/// quarter of the CMO's takes more than about 270,000 (the dollar client),
/// below any quarter's plan.
async fn seed_budgets(
    db: &DatabaseConnection,
    admin: &Caller,
    plan: &ClientPlan,
    s: &Seeded,
    today: NaiveDate,
) -> Result<(), SeedError> {
    let month = plan.fiscal_year_start_month as u32;
    let current = fiscal_year_of(today, month);
    let first = fiscal_year_of(active_start(today), month);
    let last = [S::Active, S::OnHold, S::Delivered, S::Closed]
        .into_iter()
        .map(|status| fiscal_year_of(dates(status, today).1, month))
        .max()
        .unwrap_or(current);
    for year in first..=last {
        let b = budgets::create(db, admin, s.client.id, year)
            .await
            .step(format!("create the FY{year} budget of {}", plan.code))?;
        let mut lines: Vec<(Uuid, BudgetPeriod, i64)> = vec![
            (s.it_run, BudgetPeriod::Fy, 45_000_000),
            (s.business_tech, BudgetPeriod::Fy, 60_000_000),
        ];
        if year == current {
            for (period, planned) in [
                (BudgetPeriod::Q1, 32_000_000),
                (BudgetPeriod::Q2, 30_000_000),
                (BudgetPeriod::Q3, 30_000_000),
                (BudgetPeriod::Q4, 38_000_000),
            ] {
                lines.push((s.marketing, period, planned));
            }
        } else {
            lines.push((s.marketing, BudgetPeriod::Fy, 130_000_000));
        }
        for (source, period, planned) in lines {
            budgets::set_line(
                db,
                admin,
                LineInput {
                    budget_id: b.id,
                    funding_source_id: source,
                    period,
                    planned: money(planned),
                    reason: None,
                },
            )
            .await
            .step(format!("set a budget line of {}", plan.code))?;
        }
        budgets::transition(db, admin, b.id, BudgetStatus::Approved, None)
            .await
            .step(format!("approve the FY{year} budget of {}", plan.code))?;
    }
    Ok(())
}

/// Engagements under way started ninety days ago.
fn active_start(today: NaiveDate) -> NaiveDate {
    today - TimeDelta::days(90)
}

fn dates(status: EngagementStatus, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let d = TimeDelta::days;
    match status {
        S::Active => (active_start(today), today + d(150)),
        S::OnHold => (active_start(today), today + d(180)),
        S::Delivered => (active_start(today), today - d(5)),
        S::Closed => (active_start(today), today - d(25)),
        S::Won => (today + d(14), today + d(200)),
        _ => (today + d(45), today + d(270)),
    }
}

fn probability(status: EngagementStatus) -> i32 {
    match status {
        S::Lead => 10,
        S::Qualified => 30,
        S::Proposed => 60,
        S::Lost | S::Cancelled => 0,
        _ => 100,
    }
}

#[expect(clippy::too_many_arguments)]
async fn seed_engagements(
    db: &DatabaseConnection,
    admin: &Caller,
    s: &Seeded,
    services: &[(service::Model, i64, i64)],
    manager_id: Uuid,
    delivery_user: &user::Model,
    today: NaiveDate,
    rng: &mut StdRng,
) -> Result<(), SeedError> {
    let code = &s.client.code;
    for plan in &ENGAGEMENTS {
        let (start, end) = dates(plan.status, today);
        let e = engagements::create(
            db,
            admin,
            NewEngagement {
                client_id: s.client.id,
                code: format!("{code}-{}", plan.code),
                name: plan.name.into(),
                description: Some(format!("{} for {}", plan.name, s.client.name)),
                commercial_model: plan.model,
                currency: None,
                investment_area: plan.area,
                start_date: start,
                end_date: end,
                probability: Some(probability(plan.status)),
                account_manager_id: Some(manager_id),
            },
        )
        .await
        .step(format!("create engagement {code}-{}", plan.code))?;
        let what = format!("engagement {}", e.code);
        for (service_code, quantity, discount) in plan.lines {
            let svc = services
                .iter()
                .find(|(svc, _, _)| svc.code == *service_code)
                .ok_or_else(|| SeedError(format!("no service {service_code}")))?;
            engagements::add_line(
                db,
                admin,
                NewLine {
                    engagement_id: e.id,
                    service_id: svc.0.id,
                    quantity: (*quantity).into(),
                    discount_bp: *discount,
                },
            )
            .await
            .step(format!("add a line to {what}"))?;
        }
        let buyers: Vec<Pot> = plan
            .split
            .map(|(shares, _)| shares.iter().map(|(p, _)| *p).collect())
            .unwrap_or_else(|| vec![Pot::Marketing, Pot::ItRun]);
        if buyers.iter().any(|p| matches!(p, Pot::Marketing)) {
            engagements::add_stakeholder(db, admin, e.id, s.cmo.id, StakeholderRole::EconomicBuyer)
                .await
                .step(format!("add the CMO to {what}"))?;
        }
        if buyers.iter().any(|p| !matches!(p, Pot::Marketing)) {
            engagements::add_stakeholder(
                db,
                admin,
                e.id,
                s.cio.id,
                StakeholderRole::TechnicalApprover,
            )
            .await
            .step(format!("add the CIO to {what}"))?;
        }
        if buyers.len() > 1 {
            engagements::add_stakeholder(db, admin, e.id, s.cfo.id, StakeholderRole::Sponsor)
                .await
                .step(format!("add the CFO to {what}"))?;
        }
        // The moves after LEAD, where every engagement starts.
        let path = &path_from_lead(plan.status)[1..];
        let mut spent = false;
        for to in path {
            if *to == S::Active
                && let Some((shares, decide)) = plan.split
            {
                approve_split(db, admin, s, e.id, shares, decide, &what).await?;
            }
            // Spend is recorded while the engagement runs, before it is put
            // on hold or delivered.
            if !spent && matches!(to, S::OnHold | S::Delivered) {
                record_spend(db, admin, s, &e, plan, delivery_user, today, rng).await?;
                spent = true;
            }
            engagements::transition(
                db,
                admin,
                e.id,
                *to,
                Some(format!("demo: moved to {to:?}")),
                false,
            )
            .await
            .step(format!("move {what} to {to:?}"))?;
            if *to == S::Won
                && plan.status == S::Won
                && let Some((shares, decide)) = plan.split
            {
                approve_split(db, admin, s, e.id, shares, decide, &what).await?;
            }
        }
        if !spent && plan.status == S::Active {
            record_spend(db, admin, s, &e, plan, delivery_user, today, rng).await?;
        }
    }
    Ok(())
}

async fn approve_split(
    db: &DatabaseConnection,
    admin: &Caller,
    s: &Seeded,
    engagement_id: Uuid,
    shares: &[(Pot, i32)],
    decide: Decide,
    what: &str,
) -> Result<(), SeedError> {
    let split = splits::create(
        db,
        admin,
        engagement_id,
        shares
            .iter()
            .map(|(pot, bp)| Share {
                funding_source_id: s.pot(*pot),
                share_bp: *bp,
                phasing: Vec::new(),
            })
            .collect(),
    )
    .await
    .step(format!("create the split of {what}"))?;
    splits::submit(db, admin, split.id)
        .await
        .step(format!("submit the split of {what}"))?;
    let owners: Vec<(Uuid, &Caller)> = {
        let mut o = Vec::new();
        if shares.iter().any(|(p, _)| matches!(p, Pot::Marketing)) {
            o.push((s.cmo.id, &s.cmo_caller));
        }
        if shares.iter().any(|(p, _)| !matches!(p, Pot::Marketing)) {
            o.push((s.cio.id, &s.cio_caller));
        }
        o
    };
    for (i, (owner, owner_caller)) in owners.into_iter().enumerate() {
        let last = i > 0;
        let result = match decide {
            Decide::Owners => splits::decide(db, owner_caller, split.id, true, None, None).await,
            Decide::OnBehalf => {
                splits::decide(
                    db,
                    admin,
                    split.id,
                    true,
                    Some("Agreed at the steering committee; recorded on the owner's behalf".into()),
                    Some(owner),
                )
                .await
            }
            Decide::Pending if last => continue,
            Decide::Rejected if last => {
                splits::decide(
                    db,
                    owner_caller,
                    split.id,
                    false,
                    Some("Not in this year's plan; let us revisit next quarter".into()),
                    None,
                )
                .await
            }
            Decide::Pending | Decide::Rejected => {
                splits::decide(db, owner_caller, split.id, true, None, None).await
            }
        };
        result.step(format!("decide the split of {what}"))?;
    }
    if matches!(decide, Decide::Owners | Decide::OnBehalf) {
        date_decision(db, split.id, engagement_id)
            .await
            .step(format!("date the approval of {what}"))?;
    }
    Ok(())
}

/// Dates an approved split's submission and decisions on the morning its
/// engagement started (or now, for work that starts later), as if the
/// owners had signed off when the work began: spend is attributed by the
/// split in force on its date, and the demo's spend reaches back months.
async fn date_decision(
    db: &DatabaseConnection,
    split_id: Uuid,
    engagement_id: Uuid,
) -> crate::error::AppResult<()> {
    use sea_orm::sea_query::Expr;
    let Some(e) = engagement::Entity::find_by_id(engagement_id)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let Some(morning) = e.start_date.and_hms_opt(9, 0, 0).map(|t| t.and_utc()) else {
        return Ok(());
    };
    let at = Ord::min(morning, crate::domain::now());
    funding_split::Entity::update_many()
        .col_expr(funding_split::Column::CreatedAt, Expr::value(at))
        .col_expr(funding_split::Column::SubmittedAt, Expr::value(Some(at)))
        .col_expr(funding_split::Column::DecidedAt, Expr::value(Some(at)))
        .filter(funding_split::Column::Id.eq(split_id))
        .exec(db)
        .await?;
    split_approval::Entity::update_many()
        .col_expr(split_approval::Column::DecidedAt, Expr::value(Some(at)))
        .filter(split_approval::Column::SplitId.eq(split_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Weekly labour from the start (or ninety days ago) to today or the end,
/// monthly licences, two media flights and a few expenses; about half the
/// value for a running engagement.
#[expect(clippy::too_many_arguments)]
async fn record_spend(
    db: &DatabaseConnection,
    admin: &Caller,
    s: &Seeded,
    e: &engagement::Model,
    plan: &EngagementPlan,
    delivery_user: &user::Model,
    today: NaiveDate,
    rng: &mut StdRng,
) -> Result<(), SeedError> {
    engagements::add_staff(db, admin, e.id, delivery_user.id)
        .await
        .step(format!("staff {}", e.code))?;
    let delivery = caller_for(db, delivery_user).await?;
    let value = engagements::totals_for(db, admin, &[e.id])
        .await
        .step(format!("value {}", e.code))?
        .get(&e.id)
        .map(|t| t.value_minor)
        .unwrap_or(0);
    let first = Ord::max(e.start_date, today - TimeDelta::days(89));
    let last = Ord::min(e.end_date, today);
    let days = (last - first).num_days().max(0);
    let round = |minor: i64| (minor / 500).max(1) * 500;
    // Labour is charged at the engagement's largest line sold by the hour
    // or the day: about a twenty-eighth of its quantity each week.
    let labour_line = engagement_line::Entity::find()
        .filter(engagement_line::Column::EngagementId.eq(e.id))
        .all(db)
        .await?
        .into_iter()
        .filter(|l| matches!(l.unit, ServiceUnit::Hour | ServiceUnit::Day))
        .max_by_key(|l| (l.value_minor, l.id));
    struct Entry {
        on: NaiveDate,
        cost: Option<i64>,
        kind: SpendKind,
        description: String,
        billable: bool,
        by_delivery: bool,
        at_line: Option<(Uuid, i64)>,
        markup_bp: Option<i32>,
    }
    let mut entries: Vec<Entry> = Vec::new();
    for kind in plan.spend {
        match kind {
            SpendKind::Labor => {
                for week in 0..=days / 7 {
                    let on = first + TimeDelta::days(week * 7);
                    let description = format!("Delivery team, week of {on}");
                    let (cost, at_line) = match &labour_line {
                        Some(l) => {
                            let quantity =
                                (l.quantity_milli / 28 * rng.random_range(80..=120) / 100 / 500)
                                    .max(1)
                                    * 500;
                            (None, Some((l.id, quantity)))
                        }
                        None => (
                            Some(round(value / 28 * rng.random_range(80..=120) / 100)),
                            None,
                        ),
                    };
                    entries.push(Entry {
                        on,
                        cost,
                        kind: *kind,
                        description,
                        billable: true,
                        by_delivery: true,
                        at_line,
                        markup_bp: None,
                    });
                }
            }
            SpendKind::License => {
                for month in 0..=days / 30 {
                    entries.push(Entry {
                        on: first + TimeDelta::days(month * 30),
                        cost: Some(round(value / 60)),
                        kind: *kind,
                        description: "Platform licences, passed through at cost".into(),
                        billable: true,
                        by_delivery: false,
                        at_line: None,
                        markup_bp: None,
                    });
                }
            }
            SpendKind::Media => {
                for flight in [10, 45] {
                    entries.push(Entry {
                        on: first + TimeDelta::days(Ord::min(flight, days)),
                        cost: Some(round(value / 12)),
                        kind: *kind,
                        description: "Paid social flight, 10% handling".into(),
                        billable: true,
                        by_delivery: false,
                        at_line: None,
                        markup_bp: Some(1_000),
                    });
                }
            }
            SpendKind::Expense => {
                entries.push(Entry {
                    on: first + TimeDelta::days(days / 2),
                    cost: Some(85_000 + rng.random_range(0..20) * 1000),
                    kind: *kind,
                    description: "Workshop travel, not billed".into(),
                    billable: false,
                    by_delivery: false,
                    at_line: None,
                    markup_bp: None,
                });
            }
        }
    }
    for entry in entries {
        let caller = if entry.by_delivery { &delivery } else { admin };
        spend::record(
            db,
            caller,
            NewSpend {
                engagement_id: e.id,
                spent_on: entry.on,
                cost: entry.cost.map(money),
                cost_field: "cost",
                kind: entry.kind,
                description: Some(entry.description),
                billable: entry.billable,
                line_id: entry.at_line.map(|l| l.0),
                quantity: entry
                    .at_line
                    .map(|l| crate::domain::engagement::format_quantity(l.1)),
                markup_bp: entry.markup_bp,
            },
        )
        .await
        .step(format!("record spend on {} of {}", e.code, s.client.code))?;
    }
    Ok(())
}

/// Rows per table, for the summary.
pub async fn counts(db: &DatabaseConnection) -> Result<Vec<(&'static str, u64)>, SeedError> {
    Ok(vec![
        ("clients", client::Entity::find().count(db).await?),
        ("contacts", contact::Entity::find().count(db).await?),
        ("users", user::Entity::find().count(db).await?),
        ("services", service::Entity::find().count(db).await?),
        ("rate_cards", rate_card::Entity::find().count(db).await?),
        (
            "rate_card_versions",
            rate_card_version::Entity::find().count(db).await?,
        ),
        (
            "funding_sources",
            funding_source::Entity::find().count(db).await?,
        ),
        ("budgets", budget::Entity::find().count(db).await?),
        ("budget_lines", budget_line::Entity::find().count(db).await?),
        ("engagements", engagement::Entity::find().count(db).await?),
        (
            "engagement_lines",
            engagement_line::Entity::find().count(db).await?,
        ),
        (
            "funding_splits",
            funding_split::Entity::find().count(db).await?,
        ),
        (
            "split_approvals",
            split_approval::Entity::find().count(db).await?,
        ),
        ("allocations", allocation::Entity::find().count(db).await?),
        (
            "spend_entries",
            spend_entry::Entity::find().count(db).await?,
        ),
        (
            "spend_attributions",
            spend_attribution::Entity::find().count(db).await?,
        ),
    ])
}
