//! Who is calling. Resolved once per request and handed to every service
//! function, so that authorization lives in the service layer.

use tandem_entities::Role;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// An authenticated user, as the request sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub role: Role,
    /// The client of a CLIENT user.
    pub client_id: Option<Uuid>,
    /// The contact a CLIENT user is, if linked.
    pub contact_id: Option<Uuid>,
    /// The clients an ACCOUNT_MANAGER is assigned to.
    pub managed_clients: Vec<Uuid>,
    /// The clients of the engagements a DELIVERY user is staffed on.
    pub staffed_clients: Vec<Uuid>,
    /// False for read-scoped API tokens.
    pub can_write: bool,
    /// Signed in with a one-time password: only `me`, `changePassword` and
    /// `logout` until it is changed.
    pub password_change_required: bool,
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credentials were presented.
    Anonymous,
    /// Tandem itself: the CLI and start-up tasks.
    System,
    /// A signed-in user or a script with an API token.
    User(Box<Principal>),
}

/// Which clients' rows a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientScope {
    All,
    Only(Vec<Uuid>),
}

impl Caller {
    /// The signed-in user, or UNAUTHENTICATED.
    pub fn principal(&self) -> AppResult<&Principal> {
        match self {
            Caller::User(p) => Ok(p),
            _ => Err(AppError::Unauthenticated("sign in first".into())),
        }
    }

    /// Which clients the caller may read: ADMIN (and Tandem itself) all;
    /// ACCOUNT_MANAGER their assigned clients; CLIENT their own; DELIVERY the
    /// clients of the engagements they are staffed on;
    /// anonymous callers, and users who have not yet changed a one-time
    /// password, none.
    pub fn client_scope(&self) -> ClientScope {
        match self {
            Caller::System => ClientScope::All,
            Caller::Anonymous => ClientScope::Only(Vec::new()),
            // Until a one-time password is changed, nothing of any client
            // is in reach, not even through `me`.
            Caller::User(p) if p.password_change_required => ClientScope::Only(Vec::new()),
            Caller::User(p) => match p.role {
                Role::Admin => ClientScope::All,
                Role::AccountManager => ClientScope::Only(p.managed_clients.clone()),
                Role::Client => ClientScope::Only(p.client_id.into_iter().collect()),
                Role::Delivery => ClientScope::Only(p.staffed_clients.clone()),
            },
        }
    }

    /// The signed-in user's role; `None` for anonymous callers and Tandem
    /// itself.
    pub fn role(&self) -> Option<Role> {
        match self {
            Caller::User(p) => Some(p.role),
            _ => None,
        }
    }

    /// The signed-in user's id.
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Caller::User(p) => Some(p.user_id),
            _ => None,
        }
    }

    /// Whether the caller may see the provider's costs, margins and rate
    /// cards: administrators, account managers and Tandem itself (not
    /// DELIVERY users, nor the client's).
    pub fn sees_costs(&self) -> bool {
        match self {
            Caller::System => true,
            Caller::Anonymous => false,
            Caller::User(p) => matches!(p.role, Role::Admin | Role::AccountManager),
        }
    }

    /// Whether the caller works for the provider (and may see costs, margins
    /// and internal notes). CLIENT users never do.
    pub fn is_provider(&self) -> bool {
        match self {
            Caller::System => true,
            Caller::Anonymous => false,
            Caller::User(p) => p.role != Role::Client,
        }
    }

    /// Refuses read-only credentials.
    pub fn require_write_scope(&self) -> AppResult<&Principal> {
        let p = self.principal()?;
        if !p.can_write {
            return Err(AppError::Forbidden("this token is read-only".into()));
        }
        Ok(p)
    }

    /// May the caller change the data of `client_id`? ADMIN always,
    /// ACCOUNT_MANAGER for their clients. The caller is expected to have
    /// checked visibility first (so an invisible client is NOT_FOUND).
    pub fn authorize_client_write(&self, client_id: Uuid) -> AppResult<()> {
        if *self == Caller::System {
            return Ok(());
        }
        let p = self.require_write_scope()?;
        match p.role {
            Role::Admin => Ok(()),
            Role::AccountManager if p.managed_clients.contains(&client_id) => Ok(()),
            _ => Err(AppError::Forbidden(
                "you may not change this client's data".into(),
            )),
        }
    }

    /// May the caller create clients? ADMIN and ACCOUNT_MANAGER.
    pub fn authorize_client_create(&self) -> AppResult<&Principal> {
        let p = self.require_write_scope()?;
        match p.role {
            Role::Admin | Role::AccountManager => Ok(p),
            _ => Err(AppError::Forbidden(
                "only administrators and account managers create clients".into(),
            )),
        }
    }

    /// Administrators only.
    pub fn require_admin(&self) -> AppResult<&Principal> {
        let p = self.require_write_scope()?;
        if p.role != Role::Admin {
            return Err(AppError::Forbidden("administrators only".into()));
        }
        Ok(p)
    }
}
