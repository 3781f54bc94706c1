//! Push bodies as the server reads them: any bytes decode to a typed error or to raw
//! mutations; each raw mutation parses and validates on its own, never panicking; and a
//! valid mutation survives the wire unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use studio_core::protocol::push::PushRequest;
use studio_core::protocol::Mutation;

fuzz_target!(|data: &[u8]| {
    let Ok(req) = serde_json::from_slice::<PushRequest>(data) else {
        return;
    };
    for raw in &req.mutations {
        let Ok(m) = Mutation::from_raw(&raw.name, &raw.args) else {
            continue;
        };
        if m.validate().is_err() {
            continue;
        }
        let again = m.to_raw(raw.seq);
        let back = Mutation::from_raw(&again.name, &again.args).expect("a valid mutation decodes");
        assert_eq!(back, m, "a mutation changed on the wire");
        back.validate().expect("a valid mutation stays valid");
    }
});
