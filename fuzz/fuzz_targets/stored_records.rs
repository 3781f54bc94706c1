//! Stored-record decoders: whatever a damaged database holds decodes to a typed error or
//! to a record that encodes and decodes back to itself; store keys parse back to their
//! unit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;
use studio_core::client::outbox::OutboxEntry;
use studio_core::client::record::{Bucket, GraphRecord};
use studio_core::client::store::SyncMeta;
use studio_core::client::Unit;
use studio_core::model::{
    CanvasFile, Edge, Node, Project, Render, RenderChain, Tool, ToolExecution,
    ToolSettingsTemplate,
};

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(text: &str) {
    let Ok(first) = serde_json::from_str::<T>(text) else {
        return;
    };
    let encoded = serde_json::to_string(&first).expect("a decoded record encodes");
    let second: T = serde_json::from_str(&encoded).expect("an encoded record decodes");
    assert_eq!(first, second, "a record changed through the store");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(unit) = Unit::parse(text) {
        assert_eq!(Unit::parse(&unit.key()), Some(unit), "a unit key does not parse back");
    }
    round_trip::<Project>(text);
    round_trip::<CanvasFile>(text);
    round_trip::<GraphRecord>(text);
    round_trip::<Bucket<Node>>(text);
    round_trip::<Bucket<Edge>>(text);
    round_trip::<Tool>(text);
    round_trip::<ToolExecution>(text);
    round_trip::<ToolSettingsTemplate>(text);
    round_trip::<RenderChain>(text);
    round_trip::<Render>(text);
    round_trip::<OutboxEntry>(text);
    round_trip::<SyncMeta>(text);
});
