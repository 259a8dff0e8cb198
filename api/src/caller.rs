//! Who is calling. Resolved once per request and handed to every service
//! function, so authorization lives in the service layer.

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credentials were presented.
    Anonymous,
    /// Tandem itself: the CLI and start-up tasks.
    System,
}

impl Caller {
    /// Whether this caller may read and change every client's data.
    ///
    /// Until authentication lands every caller is trusted; the service layer
    /// already asks this question everywhere, so roles slot in here.
    pub fn sees_all_clients(&self) -> bool {
        match self {
            Caller::Anonymous | Caller::System => true,
        }
    }
}
