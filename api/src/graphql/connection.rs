//! Relay connections. Every list in the schema is one of these: edges with
//! opaque cursors, `pageInfo`, and a `totalCount` that is only computed when
//! it is selected.

use std::sync::Arc;

use async_graphql::SimpleObject;
use futures_util::future::BoxFuture;

use crate::error::AppResult;

/// Where a page sits in its list.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// Whether a page follows this one.
    pub has_next_page: bool,
    /// Whether a page precedes this one (with `after`, this is `true`).
    pub has_previous_page: bool,
    /// Cursor of the first edge, to pass as `before`.
    pub start_cursor: Option<String>,
    /// Cursor of the last edge, to pass as `after`.
    pub end_cursor: Option<String>,
}

/// Counts the rows of a list on demand, for `totalCount`.
pub type Counter = Arc<dyn Fn() -> BoxFuture<'static, AppResult<u64>> + Send + Sync>;

/// A connection type (made by [`connection!`](crate::connection)): assembled
/// from its edges (cursor and node), where it sits and its counter.
pub trait Connection: Sized {
    type Node;
    fn assemble(edges: Vec<(String, Self::Node)>, page_info: PageInfo, counter: Counter) -> Self;
}

/// Declares `<Name>Connection` and `<Name>Edge` for a node type.
#[macro_export]
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("One ", $what, " in a list, with its cursor.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            #[doc = concat!("The ", $what, ".")]
            pub node: $node,
            /// Opaque position of this edge, for `after` and `before`.
            pub cursor: String,
        }

        #[doc = concat!("A page of ", $what, "s.")]
        pub struct $conn {
            pub edges: Vec<$edge>,
            pub page_info: $crate::graphql::connection::PageInfo,
            pub counter: $crate::graphql::connection::Counter,
        }

        impl $crate::graphql::connection::Connection for $conn {
            type Node = $node;

            fn assemble(
                edges: Vec<(String, $node)>,
                page_info: $crate::graphql::connection::PageInfo,
                counter: $crate::graphql::connection::Counter,
            ) -> Self {
                Self {
                    edges: edges
                        .into_iter()
                        .map(|(cursor, node)| $edge { node, cursor })
                        .collect(),
                    page_info,
                    counter,
                }
            }
        }

        #[doc = concat!("A page of ", $what, "s.")]
        #[async_graphql::Object]
        impl $conn {
            /// The edges of this page, in order.
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }

            #[doc = concat!("The ", $what, "s of this page, in order (the edges' nodes).")]
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|e| &e.node).collect()
            }

            /// Where this page sits in the list.
            async fn page_info(&self) -> &$crate::graphql::connection::PageInfo {
                &self.page_info
            }

            /// How many items the whole list holds (all pages, same filter).
            /// Costs one extra query, made only when this field is selected.
            async fn total_count(&self) -> async_graphql::Result<u64> {
                Ok((self.counter)().await?)
            }
        }
    };
}
