//! Isolation by construction, checked for every kind of object the code
//! declares (`tandem::ids::Kind::ALL`), without naming any of them: the demo
//! world is loaded, an administrator crawls everything reachable from one
//! client (Harbor Bank) through the schema's own fields, and then a portal
//! user of another client and a DELIVERY user staffed on nothing try every
//! door to it: `node`, `nodes`, every root list filtered by that client,
//! and a crawl of everything they can reach from the root. None finds any of
//! it. A new kind of object is covered without editing this file: the crawl
//! follows the schema, and the test fails if the world holds none of a kind.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use serde_json::{Value, json};

use crate::harness::{TestApp, spawn_app};

/// Kinds every signed-in user reads whoever they are: the provider's
/// catalog. The crawls do not pass through them (a service leads to no
/// client's rows, which the attackers' crawls check).
const SHARED: &[&str] = &["Service"];

/// The schema, as introspection gives it: type name -> fields.
pub struct Schema {
    pub types: HashMap<String, Vec<Field>>,
    pub nodes: HashSet<String>,
    /// Enum type name -> its values.
    pub enums: HashMap<String, Vec<String>>,
}

pub struct Field {
    pub name: String,
    /// The named type under any list and non-null wrappers.
    pub base: String,
    /// Whether the field takes `first` (a connection).
    pub paged: bool,
    /// Whether every argument is optional.
    pub callable: bool,
    /// The `filter` argument's input type, if any.
    pub filter: Option<String>,
    /// The `orderBy` argument's enum type, if any.
    pub order_by: Option<String>,
}

fn base(ty: &Value) -> String {
    let mut t = ty;
    while t["name"].is_null() {
        t = &t["ofType"];
    }
    t["name"].as_str().unwrap().to_owned()
}

/// Input type name -> its fields (name, base type).
pub type Inputs = HashMap<String, Vec<(String, String)>>;

pub async fn schema(app: &TestApp) -> (Schema, Inputs) {
    let q = "{ __schema { types { name kind interfaces { name } enumValues { name } fields { name type { ...T } args { name type { kind ...T } } } inputFields { name type { ...T } } } } } fragment T on __Type { name kind ofType { name kind ofType { name kind ofType { name kind } } } }";
    let data = app.data(q, json!({})).await;
    let mut types = HashMap::new();
    let mut nodes = HashSet::new();
    let mut inputs = HashMap::new();
    let mut enums = HashMap::new();
    for t in data["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap().to_owned();
        if let Some(values) = t["enumValues"].as_array() {
            enums.insert(
                name.clone(),
                values
                    .iter()
                    .map(|v| v["name"].as_str().unwrap().to_owned())
                    .collect(),
            );
        }
        if let Some(fields) = t["inputFields"].as_array() {
            inputs.insert(
                name.clone(),
                fields
                    .iter()
                    .map(|f| (f["name"].as_str().unwrap().to_owned(), base(&f["type"])))
                    .collect(),
            );
        }
        if t["interfaces"]
            .as_array()
            .is_some_and(|i| i.iter().any(|i| i["name"] == "Node"))
        {
            nodes.insert(name.clone());
        }
        let Some(fields) = t["fields"].as_array() else {
            continue;
        };
        let fields = fields
            .iter()
            .map(|f| {
                let args = f["args"].as_array().unwrap();
                Field {
                    name: f["name"].as_str().unwrap().to_owned(),
                    base: base(&f["type"]),
                    paged: args.iter().any(|a| a["name"] == "first"),
                    callable: args.iter().all(|a| a["type"]["kind"] != "NON_NULL"),
                    filter: args
                        .iter()
                        .find(|a| a["name"] == "filter")
                        .map(|a| base(&a["type"])),
                    order_by: args
                        .iter()
                        .find(|a| a["name"] == "orderBy")
                        .map(|a| base(&a["type"])),
                }
            })
            .collect();
        types.insert(name, fields);
    }
    (
        Schema {
            types,
            nodes,
            enums,
        },
        inputs,
    )
}

impl Schema {
    /// A selection of `ty` that reaches every id it holds: its `ID` fields,
    /// the ids of the nodes it links to, the first page of each connection,
    /// and (two levels deep) the same inside objects that are not nodes.
    pub fn selection(&self, ty: &str, depth: usize) -> String {
        let mut out = String::from("__typename");
        for f in &self.types[ty] {
            if !f.callable || f.name.starts_with("__") {
                continue;
            }
            let args = if f.paged { "(first: 20)" } else { "" };
            if f.base == "ID" {
                out.push_str(&format!(" {}", f.name));
            } else if f.base == "Node" || self.nodes.contains(&f.base) {
                out.push_str(&format!(
                    " {}{args} {{ __typename ... on Node {{ id }} }}",
                    f.name
                ));
            } else if self.types.contains_key(&f.base) && depth < 2 {
                let inner = self.selection(&f.base, depth + 1);
                if inner != "__typename" {
                    out.push_str(&format!(" {}{args} {{ {inner} }}", f.name));
                }
            }
        }
        out
    }
}

/// Every global id in a response (any string that decodes as one).
fn ids_in(value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => {
            if let Some((kind, _)) = tandem::ids::decode(s) {
                out.push((kind.name().to_owned(), s.clone()));
            }
        }
        Value::Array(items) => items.iter().for_each(|v| ids_in(v, out)),
        Value::Object(map) => map.values().for_each(|v| ids_in(v, out)),
        _ => {}
    }
}

/// Everything `token` reaches from `start` (ids to expand) and from the
/// root fields (when `roots`), following the schema: global id -> kind.
pub async fn crawl(
    app: &TestApp,
    schema: &Schema,
    token: &str,
    start: &[String],
    roots: bool,
) -> HashMap<String, String> {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut found = Vec::new();
    if roots {
        for f in &schema.types["Query"] {
            if !f.callable || ["node", "nodes"].contains(&f.name.as_str()) {
                continue;
            }
            let args = if f.paged { "(first: 100)" } else { "" };
            let inner = if schema.nodes.contains(&f.base) {
                format!(
                    "__typename ... on Node {{ id }} {}",
                    schema.selection(&f.base, 1)
                )
            } else if schema.types.contains_key(&f.base) {
                schema.selection(&f.base, 0)
            } else {
                continue;
            };
            let body = app
                .gql_as(
                    token,
                    &format!("{{ {}{args} {{ {inner} }} }}", f.name),
                    json!({}),
                )
                .await;
            ids_in(&body["data"], &mut found);
        }
    }
    for id in start {
        let (kind, _) = tandem::ids::decode(id).unwrap();
        found.push((kind.name().to_owned(), id.clone()));
    }
    loop {
        for (kind, id) in found.drain(..) {
            if seen.insert(id.clone(), kind.clone()).is_none() && !SHARED.contains(&kind.as_str()) {
                queue.push_back(id);
            }
        }
        let Some(id) = queue.pop_front() else { break };
        let kind = &seen[&id];
        let q = format!(
            "query($id: ID!) {{ node(id: $id) {{ ... on {kind} {{ {} }} }} }}",
            schema.selection(kind, 0)
        );
        let body = app.gql_as(token, &q, json!({ "id": id })).await;
        assert!(
            body.get("errors").is_none() || !body["data"]["node"].is_null(),
            "{kind} {id}: {body}"
        );
        ids_in(&body["data"], &mut found);
    }
    seen
}

/// Harbor Bank, with a portal user and an API token of its own, inside the
/// demo world; returns its client id.
pub async fn demo_world(app: &TestApp) -> String {
    let today = chrono::Utc::now().date_naive();
    tandem::seed::demo::run(&app.db, today)
        .await
        .expect("the demo world loads");
    let clients = app
        .data("{ clients(first: 10) { nodes { id code } } }", json!({}))
        .await;
    clients["clients"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "HBK")
        .expect("the demo holds Harbor Bank")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn no_object_of_any_kind_of_another_client_is_reachable_by_any_door() {
    let app = spawn_app().await;
    let hbk = demo_world(&app).await;
    let (schema, inputs) = schema(&app).await;

    // Harbor Bank's own people: a portal user with an API token.
    let victim = app
        .create_user("cfo@harborbank.example", "CLIENT", Some(&hbk))
        .await;
    let token = app
        .data_as(
            &victim.token,
            "mutation { createApiToken(input: {name: \"report\", scopes: [READ]}) { apiToken { id } } }",
            json!({}),
        )
        .await["createApiToken"]["apiToken"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Everything of Harbor Bank, as an administrator sees it.
    let mut theirs = crawl(
        &app,
        &schema,
        &app.admin_token,
        std::slice::from_ref(&hbk),
        false,
    )
    .await;
    // The provider's people it reaches (its account manager, its staff) are
    // not Harbor Bank's; its own portal user is.
    theirs.retain(|_, kind| kind != "User");
    theirs.insert(victim.id.clone(), "User".into());
    theirs.insert(token, "ApiToken".into());
    theirs.retain(|_, kind| !SHARED.contains(&kind.as_str()));
    let kinds: BTreeSet<&str> = theirs.values().map(String::as_str).collect();
    for kind in tandem::ids::Kind::ALL {
        if !SHARED.contains(&kind.name()) {
            assert!(
                kinds.contains(kind.name()),
                "the world holds no {} of Harbor Bank: give the demo one, or reach it from its client",
                kind.name()
            );
        }
    }

    let nwr = app
        .data("{ clients(first: 10) { nodes { id code } } }", json!({}))
        .await["clients"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "NWR")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let portal = app
        .create_user("spy@northwind.example", "CLIENT", Some(&nwr))
        .await;
    let delivery = app
        .create_user("idle@provider.example", "DELIVERY", None)
        .await;
    let ids: Vec<&String> = theirs.keys().collect();
    for (who, token) in [("portal", &portal.token), ("delivery", &delivery.token)] {
        // node and nodes.
        for chunk in ids.chunks(100) {
            let body = app
                .gql_as(
                    token,
                    "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                    json!({ "ids": chunk }),
                )
                .await;
            let found: Vec<&Value> = body["data"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{who}: {body}"))
                .iter()
                .filter(|n| !n.is_null())
                .collect();
            assert!(found.is_empty(), "{who} reads through nodes: {found:?}");
        }
        for chunk in ids.chunks(40) {
            let fields: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(i, id)| format!("n{i}: node(id: \"{id}\") {{ id }}"))
                .collect();
            let body = app
                .gql_as(token, &format!("{{ {} }}", fields.join(" ")), json!({}))
                .await;
            let data = body["data"].as_object().unwrap();
            assert!(
                data.values().all(Value::is_null),
                "{who} reads through node: {body}"
            );
        }
        // Every root list (and report) whose filter can name the client.
        for f in &schema.types["Query"] {
            let Some(filter) = &f.filter else { continue };
            let Some(by_client) = inputs[filter].iter().find(|(name, _)| name == "clientId") else {
                continue;
            };
            let value = if by_client.1 == "ID" {
                "$c"
            } else {
                "{eq: $c}"
            };
            let count = if f.paged { " totalCount" } else { "" };
            let q = format!(
                "query($c: ID!) {{ l: {}(filter: {{clientId: {value}}}) {{ {}{count} }} }}",
                f.name,
                schema.selection(&f.base, 0)
            );
            let body = app.gql_as(token, &q, json!({ "c": hbk })).await;
            let mut found = Vec::new();
            ids_in(&body["data"], &mut found);
            assert!(found.is_empty(), "{who}: {} {body}", f.name);
            // Either an empty list or the whole list refused.
            let refused = body["data"].is_null() || body["data"]["l"].is_null();
            assert!(
                refused == body.get("errors").is_some(),
                "{who}: {} {body}",
                f.name
            );
            if f.paged && !refused {
                assert_eq!(
                    body["data"]["l"]["totalCount"], 0,
                    "{who}: {} {body}",
                    f.name
                );
            }
        }
        // Every nested path from what they can read.
        let reached = crawl(&app, &schema, token, &[], true).await;
        let reached_kinds: BTreeSet<&str> = reached.values().map(String::as_str).collect();
        let expected: &[&str] = if who == "portal" {
            &[
                "Client",
                "Contact",
                "Engagement",
                "EngagementLine",
                "Service",
            ]
        } else {
            &["Service", "User"]
        };
        for kind in expected {
            assert!(
                reached_kinds.contains(kind),
                "{who}'s crawl reaches its own {kind}: {reached_kinds:?}"
            );
        }
        let leaked: Vec<(&String, &String)> = reached
            .iter()
            .filter(|(id, _)| theirs.contains_key(*id))
            .collect();
        assert!(leaked.is_empty(), "{who} reaches Harbor Bank's {leaked:?}");
    }
}
