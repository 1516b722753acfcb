//! Fuzz target: arbitrary bytes (leading `--set` lines as overrides) into the scenario loader, then `to_toml` and back (`loadlab::fuzzing::load_scenario`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    loadlab::fuzzing::load_scenario(data);
});
