#![no_main]
//! See `casebook::fuzzing::search_query`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| casebook::fuzzing::search_query(data));
