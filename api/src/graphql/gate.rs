//! The gate between validation and execution: a request that may not run
//! for its caller (an anonymous caller asking for more than signing in and
//! the schema; a read-only token sending a mutation) is refused only once
//! its document has parsed and validated; a caller who signed in with a
//! one-time password and asks for more than changing it likewise), so that a broken document gets
//! its syntax or validation errors whoever sends it, as GraphQL over HTTP
//! asks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::{Response, ServerError};

/// Why a request is refused at the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Refusal {
    /// The operation needs a caller and the request carries none.
    NeedsCaller = 1,
    /// The operation writes and the token is read-only.
    ReadOnly = 2,
    /// The caller signed in with a one-time password and asks for more
    /// than `me`, `changePassword` and `logout`.
    PasswordChange = 3,
}

/// Attached to a request by the HTTP layer: what the gate must refuse, and
/// where it says that it did.
#[derive(Debug, Default)]
pub struct Gate {
    refuse: Option<Refusal>,
    refused: AtomicU8,
}

impl Gate {
    /// A gate that lets the operation through, or refuses it for `refusal`.
    pub fn new(refuse: Option<Refusal>) -> Arc<Self> {
        Arc::new(Self {
            refuse,
            refused: AtomicU8::new(0),
        })
    }

    /// What the gate refused, once execution was reached.
    pub fn refused(&self) -> Option<Refusal> {
        match self.refused.load(Ordering::Relaxed) {
            1 => Some(Refusal::NeedsCaller),
            2 => Some(Refusal::ReadOnly),
            3 => Some(Refusal::PasswordChange),
            _ => None,
        }
    }
}

/// The schema extension that applies the request's [`Gate`].
pub struct GateExtension;

impl ExtensionFactory for GateExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GateExtension)
    }
}

#[async_trait::async_trait]
impl Extension for GateExtension {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(gate) = ctx.data_opt::<Arc<Gate>>()
            && let Some(refusal) = gate.refuse
        {
            gate.refused.store(refusal as u8, Ordering::Relaxed);
            // The HTTP layer answers 401 or 403 in its own words; nothing
            // of the operation has run.
            return Response::from_errors(vec![ServerError::new("refused at the gate", None)]);
        }
        next.run(ctx, operation_name).await
    }
}
