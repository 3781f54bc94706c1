//! With the `openapi` feature: tells utoipa's derive that the `Id` alias is a UUID, so
//! the wire types' schemas say `format: uuid` without an attribute on every field.

fn main() {
    #[cfg(feature = "openapi")]
    utoipa_config::Config::new()
        .alias_for("Id", "uuid::Uuid")
        .write_to_file();
}
