//! The migrations' CHECK lists are core's enums, value for value, on both databases.

use studio_core::model::{
    ExecutionStatus, InputType, OutputType, Priority, ProjectStatus, RenderStatus, RenderType,
    ToolStatus,
};
use studio_core::protocol::{EntityKind, Platform};

const SQLITE: &str = include_str!("../../migrations/sqlite/0001_schema.sql");
const POSTGRES: &str = include_str!("../../migrations/postgres/0001_schema.sql");

/// The values of `CHECK (<column> IN (...))` in `CREATE TABLE <table>`.
fn check_list(sql: &str, table: &str, column: &str) -> Vec<String> {
    let start = sql
        .find(&format!("CREATE TABLE {table} ("))
        .unwrap_or_else(|| panic!("no table {table}"));
    let body = &sql[start..];
    let body = &body[..body.find("\n);").expect("table end")];
    let marker = format!("CHECK ({column} IN (");
    let at = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no CHECK on {table}.{column}"));
    let list = &body[at + marker.len()..];
    let list = &list[..list.find(')').expect("list end")];
    list.split(',')
        .map(|v| v.trim().trim_matches('\'').to_owned())
        .collect()
}

fn names<T: std::fmt::Display>(all: &[T]) -> Vec<String> {
    all.iter().map(ToString::to_string).collect()
}

#[test]
fn enum_checks_match_core() {
    let entities: Vec<String> = EntityKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    let platforms: Vec<String> = Platform::ALL
        .iter()
        .map(|p| p.as_str().to_owned())
        .collect();
    let cases: Vec<(&str, &str, Vec<String>)> = vec![
        ("projects", "status", names(ProjectStatus::ALL)),
        ("tools", "input_type", names(InputType::ALL)),
        ("tools", "output_type", names(OutputType::ALL)),
        ("tools", "priority", names(Priority::ALL)),
        ("tools", "status", names(ToolStatus::ALL)),
        ("renders", "type", names(RenderType::ALL)),
        ("renders", "status", names(RenderStatus::ALL)),
        ("tool_executions", "status", names(ExecutionStatus::ALL)),
        ("changes", "entity", entities),
        ("changes", "platform", platforms),
    ];
    for sql in [SQLITE, POSTGRES] {
        for (table, column, want) in &cases {
            assert_eq!(&check_list(sql, table, column), want, "{table}.{column}");
        }
    }
}

#[test]
fn both_databases_have_the_same_tables_and_indexes() {
    let objects = |sql: &str| -> Vec<String> {
        sql.lines()
            .filter_map(|l| {
                let l = l.trim();
                l.strip_prefix("CREATE TABLE ")
                    .or_else(|| l.strip_prefix("CREATE INDEX "))
                    .or_else(|| l.strip_prefix("CREATE UNIQUE INDEX "))
                    .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
            })
            .collect()
    };
    assert_eq!(objects(SQLITE), objects(POSTGRES));
    for index in [
        "tool_executions_tool_id_created_at",
        "tool_executions_project_id",
        "tool_executions_status",
        "tool_executions_parent_execution_id",
        "renders_chain_id_chain_position",
        "changes_platform_seq",
    ] {
        assert!(objects(SQLITE).iter().any(|o| o == index), "{index}");
    }
}
