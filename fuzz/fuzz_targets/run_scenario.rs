//! Fuzz target: bytes into a small random scenario, loaded and run for a bounded number of events with the books checked (`loadlab::fuzzing::run_scenario`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    loadlab::fuzzing::run_scenario(data);
});
