//! The OpenAPI document says exactly what the server takes: the enum values it parses,
//! the seq and cursor ranges it accepts, the fields it refuses, the string limits it
//! enforces. Each rule read from the document is tried against the server at its edge.

use crate::common::{self, assert_error, id, Client, Server};
use crate::db_test;
use serde_json::{json, Value};

async fn document(s: &Server) -> Value {
    let (status, doc) = s.get(None, "/api/openapi.json").await;
    assert_eq!(status, 200);
    doc
}

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = &doc["components"]["schemas"][name];
    assert!(s.is_object(), "no schema {name}");
    s
}

/// Every string property reachable from `Mutation` that is neither a format nor an enum.
fn free_strings(
    doc: &Value,
    at: &Value,
    path: String,
    seen: &mut Vec<String>,
    out: &mut Vec<(String, Value)>,
) {
    if let Some(r) = at["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or("").to_owned();
        if !seen.contains(&name) {
            seen.push(name.clone());
            free_strings(doc, schema(doc, &name), name, seen, out);
        }
        return;
    }
    let is_string = at["type"] == "string"
        || at["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("string")));
    if is_string && at.get("format").is_none() && at.get("enum").is_none() {
        out.push((path.clone(), at.clone()));
    }
    if let Some(props) = at["properties"].as_object() {
        for (k, v) in props {
            free_strings(doc, v, format!("{path}.{k}"), seen, out);
        }
    }
    if at.get("items").is_some() {
        free_strings(doc, &at["items"], format!("{path}[]"), seen, out);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for (i, v) in at[key].as_array().into_iter().flatten().enumerate() {
            free_strings(doc, v, format!("{path}|{i}"), seen, out);
        }
    }
}

async fn document_matches_the_server(b: common::Backend) {
    let s = Server::start(b).await;
    let doc = document(&s).await;
    let mut c = Client::new(&s.dev_token);

    // Enums carry the values the server parses.
    assert_eq!(
        schema(&doc, "ProjectStatus")["enum"],
        json!(["active", "archived"])
    );
    assert_eq!(
        schema(&doc, "RenderType")["enum"],
        json!(["image", "video"])
    );
    let project = id();
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": project, "name": "Enums"}),
    )
    .await;
    for status in schema(&doc, "ProjectStatus")["enum"].as_array().unwrap() {
        c.ok(
            &s,
            "projects",
            "project.update",
            json!({"id": project, "status": status}),
        )
        .await;
    }

    // Seqs start at 1.
    let seq = &schema(&doc, "RawMutation")["properties"]["seq"];
    assert_eq!(seq["minimum"], 1, "{seq}");
    let body = |seq: u64| {
        json!({"client_id": id(), "mutations": [
            {"seq": seq, "name": "project.create", "args": {"id": id(), "name": "Seq"}}]})
    };
    let (status, res) = s.push_raw(&s.dev_token, "projects", &body(0)).await;
    assert_error(status, &res, 422, "validation");
    let (status, res) = s.push_raw(&s.dev_token, "projects", &body(1)).await;
    assert_eq!(status, 200, "{res}");

    // The cursor's stated maximum is the largest one the server takes.
    let pull = &doc["paths"]["/api/{platform}/pull"]["get"]["parameters"];
    let cursor = pull
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cursor")
        .expect("cursor parameter");
    let max = cursor["schema"]["maximum"]
        .as_u64()
        .expect("cursor maximum");
    let (status, res) = s.pull(&s.dev_token, "projects", id(), max, None).await;
    assert_eq!(status, 200, "{res}");
    let (status, res) = s.pull(&s.dev_token, "projects", id(), max + 1, None).await;
    assert_error(status, &res, 422, "validation");

    // Graph ops refuse unknown fields, and say so.
    for variant in schema(&doc, "GraphOp")["oneOf"].as_array().unwrap() {
        assert_eq!(variant["additionalProperties"], false, "{variant}");
    }
    let file = id();
    c.ok(
        &s,
        "canvas",
        "file.create",
        json!({"id": file, "project_id": project, "name": "F"}),
    )
    .await;
    c.rejected(
        &s,
        "canvas",
        "graph.apply",
        json!({"file_id": file, "ops": [{"op": "node.remove", "id": id(), "extra": 1}]}),
        "validation",
    )
    .await;

    // Every free string of the mutations' args has a maxLength.
    let mut strings = Vec::new();
    free_strings(
        &doc,
        &json!({"$ref": "#/components/schemas/Mutation"}),
        String::new(),
        &mut Vec::new(),
        &mut strings,
    );
    assert!(strings.len() > 20, "{strings:?}");
    let unbounded: Vec<&String> = strings
        .iter()
        .filter(|(_, s)| s.get("maxLength").is_none())
        .map(|(p, _)| p)
        .collect();
    assert!(
        unbounded.is_empty(),
        "strings without maxLength: {unbounded:?}"
    );

    // At a stated maxLength the server takes the string, one past it refuses it.
    let name = &schema(&doc, "ProjectCreate")["properties"]["name"];
    let max = name["maxLength"].as_u64().expect("name maxLength") as usize;
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "é".repeat(max)}),
    )
    .await;
    c.rejected(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "é".repeat(max + 1)}),
        "validation",
    )
    .await;
    let slug = &schema(&doc, "FileCreate")["properties"]["slug"];
    let max = slug["maxLength"].as_u64().expect("slug maxLength") as usize;
    let pattern = slug["pattern"].as_str().expect("slug pattern");
    let re = jsonschema::validator_for(&json!({"type": "string", "pattern": pattern})).unwrap();
    for (candidate, ok) in [
        ("a-1".to_owned(), true),
        ("A-1".into(), false),
        ("a--1".into(), false),
        ("a".repeat(max), true),
    ] {
        assert_eq!(re.is_valid(&json!(candidate)), ok, "{candidate}");
        let args = json!({"id": id(), "project_id": project, "name": "S", "slug": candidate});
        let r = c.push(&s, "canvas", "file.create", args).await;
        assert_eq!(r["status"] == "applied", ok, "{candidate}: {r}");
    }
}
db_test!(openapi_is_exact, document_matches_the_server);
