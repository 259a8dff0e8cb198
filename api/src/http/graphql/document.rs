//! What a GraphQL document asks, found before it runs: the operation, its
//! root fields, and whether it nests within bounds.

use async_graphql::Name;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};

/// What a request's selected operation is: its type, the names of its
/// top-level fields (fragments at the root included) and how many there are.
pub(super) struct Operation {
    pub ty: OperationType,
    pub root_fields: Vec<String>,
    /// The parsed document, and which of its operations runs.
    pub document: ExecutableDocument,
    pub name: Option<Name>,
}

impl Operation {
    /// The root selection set of the operation that runs.
    pub fn selection(&self) -> Option<&SelectionSet> {
        let op = match (&self.document.operations, &self.name) {
            (DocumentOperations::Single(op), _) => op,
            (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name)?,
            (DocumentOperations::Multiple(_), None) => return None,
        };
        Some(&op.node.selection_set.node)
    }
}

/// Parses the document to find the operation that will run; `None` when it
/// does not parse (execution then reports the syntax error) or the operation
/// cannot be chosen.
pub(super) fn operation(query: &str, operation_name: Option<&str>) -> Option<Operation> {
    let doc = async_graphql::parser::parse_query(query).ok()?;
    let (op, name) = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => (op, None),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            let (name, op) = ops.get_key_value(name)?;
            (op, Some(name.clone()))
        }
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            let (name, op) = ops.iter().next()?;
            (op, Some(name.clone()))
        }
        (DocumentOperations::Multiple(_), None) => return None,
    };
    let mut root_fields = Vec::new();
    // The root selection with its fragments spread, with a stack of our own
    // (no recursion) and each named fragment spread once, so that neither
    // deep nor cyclic fragments can run away.
    let mut spread = std::collections::HashSet::new();
    let mut stack = vec![&op.node.selection_set.node];
    while let Some(set) = stack.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => root_fields.push(f.node.name.node.to_string()),
                Selection::InlineFragment(f) => stack.push(&f.node.selection_set.node),
                Selection::FragmentSpread(f) => {
                    let name = &f.node.fragment_name.node;
                    if spread.insert(name.clone())
                        && let Some(fragment) = doc.fragments.get(name)
                    {
                        stack.push(&fragment.node.selection_set.node);
                    }
                }
            }
        }
    }
    let ty = op.node.ty;
    Some(Operation {
        ty,
        root_fields,
        document: doc,
        name,
    })
}

pub(super) fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    operation(query, operation_name)
        .is_some_and(|op| matches!(op.ty, OperationType::Mutation | OperationType::Subscription))
}

/// The deepest nesting of brackets (`{`, `(`, `[`) a document may have. The
/// GraphQL parser recurses once or more per level, with no limit of its
/// own, so a document of a few thousand levels (well under the body limit)
/// would overflow a worker's stack; no useful document comes near this.
pub const MAX_DOCUMENT_NESTING: usize = 64;

/// Whether `document` nests its brackets at most `limit` deep, outside
/// strings, block strings and comments: one pass over the text, before
/// anything parses it.
pub(super) fn nesting_within(document: &str, limit: usize) -> bool {
    let bytes = document.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert!(nesting_within("{ a { b(x: [1, {c: 2}]) } }", 5));
        assert!(!nesting_within("{ a { b(x: [1, {c: 2}]) } }", 4));
        let noisy = "{ a(s: \"{{{{[[[[\", t: \"\"\" ((( \\\"\"\" {{{ \"\"\") # {{{{{\n }";
        assert!(nesting_within(noisy, 2), "{noisy}");
        let deep = format!("{}{}", "{not: ".repeat(5000), "}".repeat(5000));
        assert!(!nesting_within(&deep, MAX_DOCUMENT_NESTING));
        assert!(nesting_within("", 0));
    }
}
