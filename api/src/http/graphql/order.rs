//! Response keys in the order of the selection, as the GraphQL spec asks
//! (the executor resolves a query's fields concurrently and keeps them in
//! the order they finished).

use std::collections::HashSet;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Value};

/// Puts the keys of every object in `data` in the order their fields are
/// first selected in `selection` (fragments spread in place, as the spec's
/// CollectFields does), recursively. A key the selection does not name
/// (none should exist) keeps its place after the named ones.
pub(super) fn in_selection_order(
    data: &mut Value,
    selection: &SelectionSet,
    document: &ExecutableDocument,
) {
    order(data, &[selection], document);
}

fn order(value: &mut Value, sets: &[&SelectionSet], document: &ExecutableDocument) {
    match value {
        Value::List(items) => {
            for item in items {
                order(item, sets, document);
            }
        }
        Value::Object(map) => {
            let fields = collect(sets, document);
            let mut old = std::mem::take(map);
            let mut ordered = IndexMap::with_capacity(old.len());
            for (key, children) in &fields {
                if let Some(mut child) = old.shift_remove(key) {
                    if !children.is_empty() {
                        order(&mut child, children, document);
                    }
                    ordered.insert(key.clone(), child);
                }
            }
            ordered.extend(old);
            *map = ordered;
        }
        _ => {}
    }
}

/// The response keys the selection sets ask for, first occurrence first,
/// each with the selection sets of every field under that key (fields of
/// one key are merged, as validation guarantees they may be).
fn collect<'a>(
    sets: &[&'a SelectionSet],
    document: &'a ExecutableDocument,
) -> IndexMap<Name, Vec<&'a SelectionSet>> {
    let mut fields: IndexMap<Name, Vec<&'a SelectionSet>> = IndexMap::new();
    let mut spread = HashSet::new();
    // Depth first in document order: a stack of iterators, so that a
    // fragment's fields land where it is spread.
    let mut stack: Vec<std::slice::Iter<'a, _>> =
        sets.iter().rev().map(|s| s.items.iter()).collect();
    while let Some(items) = stack.last_mut() {
        let Some(item) = items.next() else {
            stack.pop();
            continue;
        };
        match &item.node {
            Selection::Field(f) => {
                let key = f.node.response_key().node.clone();
                let set = &f.node.selection_set.node;
                let entry = fields.entry(key).or_default();
                if !set.items.is_empty() {
                    entry.push(set);
                }
            }
            Selection::InlineFragment(f) => stack.push(f.node.selection_set.node.items.iter()),
            Selection::FragmentSpread(f) => {
                let name = &f.node.fragment_name.node;
                if spread.insert(name.clone())
                    && let Some(fragment) = document.fragments.get(name)
                {
                    stack.push(fragment.node.selection_set.node.items.iter());
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(query: &str, data: serde_json::Value) -> String {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let op = document.operations.iter().next().unwrap().1;
        let mut value = Value::from_json(data).unwrap();
        in_selection_order(&mut value, &op.node.selection_set.node, &document);
        serde_json::to_string(&value).unwrap()
    }

    #[test]
    fn keys_follow_the_selection_through_aliases_lists_and_fragments() {
        let query = "{ b: x { z ...F y } a ... on Query { c } } fragment F on X { w }";
        let data = serde_json::json!({
            "c": 3, "a": 1,
            "b": [{ "y": 1, "w": 2, "z": 3 }, { "w": 0, "z": 0, "y": 0 }]
        });
        assert_eq!(
            ordered(query, data),
            r#"{"b":[{"z":3,"w":2,"y":1},{"z":0,"w":0,"y":0}],"a":1,"c":3}"#
        );
    }
}
