//! Limits checked on a parsed document before anything else runs: cost, depth,
//! aliases and sign-ins per request.
//!
//! Every fragment is measured once and its measure reused for each spread (memoised),
//! so a document whose fragments spread each other twice (`F1 { ...F0 ...F0 }`, …,
//! `F40 { ...F39 ...F39 }`) is measured in time linear in its length and refused
//! before anything expands it. The cost of a field is 1 plus its page size (`first`,
//! `last`, or the default page of a connection) times the cost of what is selected
//! below it, so nested lists multiply as they do when the query runs.

use std::collections::HashMap;

use async_graphql::Variables;
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value};

use crate::graphql::connection::{DEFAULT_PAGE, MAX_PAGE};

/// The lists of the introspection types; the Hub's own schema has no field of these
/// names (`the_hubs_own_documents_fit` would not hold otherwise).
const INTROSPECTION_LISTS: [&str; 8] = [
    "types",
    "fields",
    "args",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
    "directives",
];

/// The most introspection lists on one path: `types { fields { args } }`, as deep as
/// the standard introspection query (GraphiQL's) goes.
const MAX_INTROSPECTION_LISTS: u64 = 3;

/// What reading the whole schema by introspection costs, charged for every `types`
/// list (and every `__type`): GraphiQL's introspection query fits four times into the
/// default limit; aliases of `types`, also inside one `__schema`, are counted each.
const INTROSPECTION_COST: u64 = 4_000;

/// GraphiQL's introspection query (graphql-js `getIntrospectionQuery`); it must always
/// fit the default limits (tested here and against the running Hub).
pub const INTROSPECTION_QUERY: &str = "query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name } types { ...FullType } directives { name description locations args { ...InputValue } } } } fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason } inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } } fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue } fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";

/// The limits of one request's document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Largest cost (fields, with list sizes multiplied in).
    pub max_cost: u64,
    /// Deepest selection.
    pub max_depth: u64,
    /// Most aliased fields, counted as the document expands.
    pub max_aliases: u64,
    /// Whether `_service` and `_entities` (Apollo Federation) are answered
    /// (`server.federation`).
    pub federation: bool,
}

impl QueryLimits {
    /// The limits for a caller whose key has its own complexity budget: the smaller
    /// of the two costs (a key is never allowed more than the Hub).
    pub fn for_key(&self, max_cost: Option<u64>) -> Self {
        Self {
            max_cost: max_cost.map_or(self.max_cost, |m| m.min(self.max_cost)),
            ..*self
        }
    }
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_cost: 20_000,
            max_depth: 12,
            max_aliases: 100,
            federation: true,
        }
    }
}

/// Why a document was refused; the message names the limit and the figure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The cost is over the limit.
    #[error(
        "the query is too costly: it may produce about {cost} fields, at most {max} are allowed; ask for fewer items (`first`) or fewer nested lists"
    )]
    TooCostly {
        /// The measured cost (saturated).
        cost: u64,
        /// The limit.
        max: u64,
    },
    /// The selection is too deep.
    #[error("the query is nested {depth} levels deep, at most {max} are allowed")]
    TooDeep {
        /// The measured depth.
        depth: u64,
        /// The limit.
        max: u64,
    },
    /// Too many aliases.
    #[error("the query uses {aliases} aliased fields, at most {max} are allowed")]
    TooManyAliases {
        /// The counted aliases (saturated).
        aliases: u64,
        /// The limit.
        max: u64,
    },
    /// A fragment spreads itself, directly or through others.
    #[error("fragment {0} spreads itself")]
    FragmentCycle(String),
    /// Introspection lists nested deeper than the standard introspection query.
    #[error(
        "introspection lists (types, fields, args …) nest {lists} deep, at most {max} are allowed"
    )]
    IntrospectionTooDeep {
        /// The measured nesting.
        lists: u64,
        /// The limit.
        max: u64,
    },
    /// More than one `login`/`signIn` in one request.
    #[error("one sign-in (login or signIn) per request")]
    SignIns,
    /// `_service` or `_entities` asked of a Hub whose federation is turned off.
    #[error(
        "{0} is not answered: this Hub's Apollo Federation support is turned off (server.federation = false)"
    )]
    FederationOff(String),
}

/// What a selection set adds up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Measure {
    cost: u64,
    depth: u64,
    aliases: u64,
    sign_ins: u64,
    /// The most introspection lists (`types`, `fields`, `args` …) on one path.
    introspection_lists: u64,
}

impl Measure {
    fn add(self, other: Measure) -> Measure {
        Measure {
            cost: self.cost.saturating_add(other.cost),
            depth: self.depth.max(other.depth),
            aliases: self.aliases.saturating_add(other.aliases),
            sign_ins: self.sign_ins.saturating_add(other.sign_ins),
            introspection_lists: self.introspection_lists.max(other.introspection_lists),
        }
    }
}

/// Fragments measured so far (`None`: being measured, so a spread of it is a cycle).
struct Measurer<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// The request's variables, and for those it leaves out, the largest default any
    /// operation declares.
    variables: Variables,
    known: HashMap<&'a str, Option<Measure>>,
}

impl<'a> Measurer<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> Result<Measure, Refusal> {
        let mut total = Measure::default();
        for item in &set.items {
            let m = match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let below = self.selection_set(&f.selection_set.node)?;
                    let name = f.name.node.as_str();
                    let page = if f.selection_set.node.items.is_empty() {
                        1
                    } else {
                        self.page_size(f)
                    };
                    // Introspection lists are as long as the schema is large: a
                    // whole schema costs a fixed amount, and lists may not nest
                    // deeper than the standard introspection query nests them.
                    let schema_cost = if matches!(name, "types" | "__type") {
                        INTROSPECTION_COST
                    } else {
                        0
                    };
                    let introspection_lists = below
                        .introspection_lists
                        .saturating_add(u64::from(INTROSPECTION_LISTS.contains(&name)));
                    Measure {
                        cost: page
                            .saturating_mul(below.cost)
                            .saturating_add(1)
                            .saturating_add(schema_cost),
                        // Type references nest `ofType` as deep as types wrap
                        // (the standard query goes 8 deep): introspection is bounded
                        // by its lists and cost, not by the depth limit.
                        depth: if matches!(name, "__schema" | "__type") {
                            1
                        } else {
                            below.depth.saturating_add(1)
                        },
                        introspection_lists,
                        aliases: below.aliases.saturating_add(u64::from(f.alias.is_some())),
                        sign_ins: below
                            .sign_ins
                            .saturating_add(u64::from(matches!(name, "login" | "signIn"))),
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node)?
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())?
                }
            };
            total = total.add(m);
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &'a str) -> Result<Measure, Refusal> {
        match self.known.get(name) {
            Some(Some(m)) => return Ok(*m),
            Some(None) => return Err(Refusal::FragmentCycle(name.to_owned())),
            None => {}
        }
        // An unknown fragment is left to validation, which names it.
        let Some((key, def)) = self.fragments.get_key_value(name) else {
            return Ok(Measure::default());
        };
        self.known.insert(key.as_str(), None);
        let m = self.selection_set(&def.node.selection_set.node)?;
        self.known.insert(key.as_str(), Some(m));
        Ok(m)
    }

    /// How many items a list field returns at most: `first` or `last` when given (the
    /// largest page when its value cannot be known here), the default page for a
    /// connection (a field selecting `nodes` or `edges`), else 1.
    fn page_size(&self, f: &async_graphql::parser::types::Field) -> u64 {
        if f.name.node == "_entities" {
            // A router's batch: as many entities as representations.
            let given = f.get_argument("representations").map(|v| {
                v.node
                    .clone()
                    .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()))
            });
            return match given {
                Some(Ok(Value::List(list))) => (list.len() as u64).max(1),
                _ => MAX_PAGE as u64,
            };
        }
        let given = ["first", "last"].iter().find_map(|arg| {
            let v = f.get_argument(arg)?;
            let value = v
                .node
                .clone()
                .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()));
            Some(match value {
                Ok(Value::Number(n)) => n.as_u64().unwrap_or(MAX_PAGE as u64),
                Ok(Value::Null) => DEFAULT_PAGE as u64,
                _ => MAX_PAGE as u64,
            })
        });
        if let Some(n) = given {
            return n.max(1);
        }
        let connection = f.selection_set.node.items.iter().any(|s| {
            matches!(&s.node, Selection::Field(c)
                if matches!(c.node.name.node.as_str(), "nodes" | "edges"))
        });
        if connection { DEFAULT_PAGE as u64 } else { 1 }
    }
}

/// Checks every operation of the document against the limits — not only the one the
/// request runs: validation walks them all, so a costly operation beside a cheap one
/// must be refused here too.
pub fn check(
    doc: &ExecutableDocument,
    variables: &Variables,
    limits: &QueryLimits,
) -> Result<(), Refusal> {
    let mut known = variables.clone();
    for (_, op) in doc.operations.iter() {
        for def in &op.node.variable_definitions {
            let name = &def.node.name.node;
            if variables.contains_key(name) {
                continue;
            }
            if let Some(default) = def.node.default_value() {
                let larger = match (known.get(name), default) {
                    (Some(Value::Number(old)), Value::Number(new)) => {
                        new.as_u64().unwrap_or(0) > old.as_u64().unwrap_or(0)
                    }
                    (None, _) => true,
                    _ => false,
                };
                if larger {
                    known.insert(name.clone(), default.clone());
                }
            }
        }
    }
    let mut measurer = Measurer {
        fragments: &doc.fragments,
        variables: known,
        known: HashMap::new(),
    };
    // Fragments that are defined but not spread are measured too: a cycle among them
    // is refused here, before validation walks it.
    for name in doc.fragments.keys() {
        measurer.fragment(name.as_str())?;
    }
    for (_, op) in doc.operations.iter() {
        if !limits.federation
            && let Some(field) = federation_field(
                doc,
                &op.node.selection_set.node,
                &mut std::collections::HashSet::new(),
            )
        {
            return Err(Refusal::FederationOff(field));
        }
        let m = measurer.selection_set(&op.node.selection_set.node)?;
        within(m, limits)?;
    }
    Ok(())
}

/// The first root field of a selection that belongs to Apollo Federation (`_service`,
/// `_entities`), looking through fragments at the root — each named fragment once, so
/// a document of fragments that spread each other twice is walked in linear time.
fn federation_field<'d>(
    doc: &'d ExecutableDocument,
    set: &'d async_graphql::parser::types::SelectionSet,
    seen: &mut std::collections::HashSet<&'d str>,
) -> Option<String> {
    set.items.iter().find_map(|s| match &s.node {
        Selection::Field(f) => matches!(f.node.name.node.as_str(), "_service" | "_entities")
            .then(|| f.node.name.node.to_string()),
        Selection::InlineFragment(i) => federation_field(doc, &i.node.selection_set.node, seen),
        Selection::FragmentSpread(spread) => {
            let name = spread.node.fragment_name.node.as_str();
            if !seen.insert(name) {
                return None;
            }
            doc.fragments
                .get(&spread.node.fragment_name.node)
                .and_then(|d| federation_field(doc, &d.node.selection_set.node, seen))
        }
    })
}

/// Whether one operation's measure is within the limits.
fn within(m: Measure, limits: &QueryLimits) -> Result<(), Refusal> {
    if m.sign_ins > 1 {
        return Err(Refusal::SignIns);
    }
    if m.introspection_lists > MAX_INTROSPECTION_LISTS {
        return Err(Refusal::IntrospectionTooDeep {
            lists: m.introspection_lists,
            max: MAX_INTROSPECTION_LISTS,
        });
    }
    if m.aliases > limits.max_aliases {
        return Err(Refusal::TooManyAliases {
            aliases: m.aliases,
            max: limits.max_aliases,
        });
    }
    if m.depth > limits.max_depth {
        return Err(Refusal::TooDeep {
            depth: m.depth,
            max: limits.max_depth,
        });
    }
    if m.cost > limits.max_cost {
        return Err(Refusal::TooCostly {
            cost: m.cost,
            max: limits.max_cost,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn checked(query: &str) -> Result<(), Refusal> {
        checked_with(query, Variables::default())
    }

    fn checked_with(query: &str, variables: Variables) -> Result<(), Refusal> {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        check(&doc, &variables, &QueryLimits::default())
    }

    /// `{...F<n>}` with each fragment spreading the one before twice.
    fn doubling(n: usize) -> String {
        let mut q = format!("{{...F{n}}} fragment F0 on Query{{localities}}");
        for i in 1..=n {
            q.push_str(&format!(
                " fragment F{i} on Query{{...F{} ...F{}}}",
                i - 1,
                i - 1
            ));
        }
        q
    }

    #[test]
    fn entities_cost_one_per_representation_and_can_be_turned_off() {
        let reps = |n: usize| {
            let list: Vec<String> = (0..n)
                .map(|i| format!("{{__typename: \"Organisation\", id: \"{i}\"}}"))
                .collect();
            format!(
                "{{ _entities(representations: [{}]) {{ ... on Organisation {{ services(first: 100) {{ nodes {{ name }} }} }} }} }}",
                list.join(", ")
            )
        };
        assert_eq!(checked(&reps(10)), Ok(()), "10 x 100 services");
        assert!(
            matches!(checked(&reps(300)), Err(Refusal::TooCostly { .. })),
            "300 representations of 100 services each are 30,000 fields"
        );
        let by_variable = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { services(first: 100) { nodes { name } } } } }";
        let many: Vec<serde_json::Value> = (0..300)
            .map(|i| serde_json::json!({ "__typename": "Organisation", "id": i.to_string() }))
            .collect();
        let vars = Variables::from_json(serde_json::json!({ "r": many }));
        assert!(matches!(
            checked_with(by_variable, vars),
            Err(Refusal::TooCostly { .. })
        ));
        let off = QueryLimits {
            federation: false,
            ..QueryLimits::default()
        };
        for q in [
            "{ _service { sdl } }",
            "{ localities ... on Query { _entities(representations: []) { __typename } } }",
            "query { ...F } fragment F on Query { _service { sdl } }",
        ] {
            let doc = async_graphql::parser::parse_query(q).expect("parses");
            assert!(
                matches!(
                    check(&doc, &Variables::default(), &off),
                    Err(Refusal::FederationOff(_))
                ),
                "{q}"
            );
        }
        let doc = async_graphql::parser::parse_query("{ localities }").expect("parses");
        assert_eq!(check(&doc, &Variables::default(), &off), Ok(()));
        // Fragments spreading each other twice: walked once each, then refused by cost.
        let started = Instant::now();
        let doc = async_graphql::parser::parse_query(doubling(40)).expect("parses");
        assert!(matches!(
            check(&doc, &Variables::default(), &off),
            Err(Refusal::TooCostly { .. })
        ));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn fragment_doubling_is_refused_at_once() {
        let started = Instant::now();
        let refused = checked(&doubling(40));
        assert!(
            matches!(refused, Err(Refusal::TooCostly { .. })),
            "{refused:?}"
        );
        // Linear in the document: far below a millisecond per fragment.
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(checked(&doubling(10)), Ok(()), "2^10 = 1024 fields is fine");
    }

    #[test]
    fn every_operation_is_measured_not_only_the_chosen_one() {
        // The chosen operation is cheap; the other one doubles its fragments.
        let mut q = String::from("query A { localities } query B { ...F40 }");
        q.push_str(
            doubling(40)
                .split_once('}')
                .map(|(_, rest)| rest)
                .unwrap_or_default(),
        );
        let doc = async_graphql::parser::parse_query(&q).expect("parses");
        assert!(matches!(
            check(&doc, &Variables::default(), &QueryLimits::default()),
            Err(Refusal::TooCostly { .. })
        ));
    }

    #[test]
    fn variable_defaults_count_and_unknown_values_are_large_pages() {
        let with_default = "query($n: Int = 100) { organisations(first: $n) { nodes { services(first: $n) { nodes { name description } } } } }";
        assert!(matches!(
            checked(with_default),
            Err(Refusal::TooCostly { .. })
        ));
        let unknown = "query($n: Int) { organisations(first: $n) { nodes { services(first: $n) { nodes { name description } } } } }";
        assert_eq!(
            checked(unknown),
            Ok(()),
            "an omitted nullable variable is null, so the default page, as when it runs"
        );
        let undeclared = "{ organisations(first: $n) { nodes { services(first: $n) { nodes { name description } } } } }";
        assert!(
            matches!(checked(undeclared), Err(Refusal::TooCostly { .. })),
            "a value that cannot be known here counts as the largest page"
        );
    }

    #[test]
    fn introspection_is_bounded_and_graphiql_fits() {
        assert_eq!(checked(INTROSPECTION_QUERY), Ok(()));
        let nested = "{ __schema { types { fields { type { ofType { fields { type { ofType { fields { name } } } } } } } } } }";
        assert!(matches!(
            checked(nested),
            Err(Refusal::IntrospectionTooDeep { lists: 4, .. })
        ));
        let many: Vec<String> = (0..10)
            .map(|i| format!("s{i}: __schema {{ types {{ name }} }}"))
            .collect();
        assert!(matches!(
            checked(&format!("{{ {} }}", many.join(" "))),
            Err(Refusal::TooCostly { .. })
        ));
        let inside: Vec<String> = (0..10)
            .map(|i| format!("t{i}: types {{ fields {{ args {{ name }} }} }}"))
            .collect();
        assert!(matches!(
            checked(&format!("{{ __schema {{ {} }} }}", inside.join(" "))),
            Err(Refusal::TooCostly { .. })
        ));
    }

    #[test]
    fn cycles_are_refused_also_when_not_spread() {
        assert!(matches!(
            checked("{ localities } fragment A on Query { ...B } fragment B on Query { ...A }"),
            Err(Refusal::FragmentCycle(_))
        ));
    }

    #[test]
    fn page_sizes_multiply() {
        let nested = "{ organisations(first: 100) { nodes { services(first: 100) { nodes { locations(first: 100) { nodes { organisation { services(first: 100) { nodes { name } } } } } } } } } }";
        assert!(matches!(checked(nested), Err(Refusal::TooCostly { .. })));
        let partner = "{ services(first: 50, filter: {language: \"ar\"}) { totalCount nodes { name languages { code } organisation { slug name } locations { nodes { address locality accessibility { wheelchairAccessible } } } schedule { timezone openingHours { weekday opens closes } } } } }";
        assert_eq!(checked(partner), Ok(()));
        let by_variable = "query($n: Int) { organisations(first: $n) { nodes { services(first: $n) { nodes { name description } } } } }";
        let vars = |n: u64| Variables::from_json(serde_json::json!({ "n": n }));
        assert_eq!(checked_with(by_variable, vars(20)), Ok(()));
        assert!(matches!(
            checked_with(by_variable, vars(100)),
            Err(Refusal::TooCostly { .. })
        ));
    }

    #[test]
    fn aliases_are_counted_as_expanded() {
        let aliases = |n: usize| {
            let fields: Vec<String> = (0..n).map(|i| format!("a{i}: localities")).collect();
            format!("{{ {} }}", fields.join(" "))
        };
        assert_eq!(checked(&aliases(100)), Ok(()));
        assert!(matches!(
            checked(&aliases(101)),
            Err(Refusal::TooManyAliases { aliases: 101, .. })
        ));
        let through_fragments = "{ ...B ...B ...B } fragment B on Query { a: localities b: localities c: localities d: localities e: localities f: localities g: localities h: localities i: localities j: localities k: localities l: localities m: localities n: localities o: localities p: localities q: localities r: localities s: localities t: localities u: localities v: localities w: localities x: localities y: localities z: localities aa: localities ab: localities ac: localities ad: localities ae: localities af: localities ag: localities ah: localities }";
        assert!(matches!(
            checked(through_fragments),
            Err(Refusal::TooManyAliases { aliases: 102, .. })
        ));
    }

    #[test]
    fn one_sign_in_per_request() {
        let two = "mutation { a: login(email: \"a@b.de\", password: \"x\") b: login(email: \"a@b.de\", password: \"y\") }";
        assert_eq!(checked(two), Err(Refusal::SignIns));
        let mixed = "mutation { login(email: \"a@b.de\", password: \"x\") ...S } fragment S on Mutation { signIn(email: \"a@b.de\", password: \"y\") { token } }";
        assert_eq!(checked(mixed), Err(Refusal::SignIns));
        assert_eq!(
            checked("mutation { login(email: \"a@b.de\", password: \"x\") }"),
            Ok(())
        );
    }

    #[test]
    fn depth_is_measured_through_fragments() {
        // organisations { nodes { (services { nodes { organisation {) × 4 name: 15 levels
        let mut inner = "name".to_owned();
        for _ in 0..4 {
            inner = format!("services {{ nodes {{ organisation {{ {inner} }} }} }}");
        }
        let deep =
            format!("{{ ...A }} fragment A on Query {{ organisations {{ nodes {{ {inner} }} }} }}");
        assert!(
            matches!(checked(&deep), Err(Refusal::TooDeep { depth: 15, .. })),
            "{deep}"
        );
    }

    /// Every query the Hub runs against itself and every benchmark query fits.
    #[test]
    fn the_hubs_own_documents_fit() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let mut seen = 0;
        for dir in ["graphql/persisted", "ops/bench/queries"] {
            let Ok(entries) = std::fs::read_dir(format!("{root}/{dir}")) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "graphql")
                    && !path.to_string_lossy().contains("postgraphile")
                {
                    let text = std::fs::read_to_string(&path).expect("readable");
                    let vars = std::fs::read_to_string(path.with_extension("vars.json"))
                        .ok()
                        .and_then(|v| serde_json::from_str(&v).ok())
                        .map(Variables::from_json)
                        .unwrap_or_default();
                    assert_eq!(checked_with(&text, vars), Ok(()), "{}", path.display());
                    seen += 1;
                }
            }
        }
        assert!(seen > 0, "no documents found");
    }
}
