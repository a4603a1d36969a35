#![no_main]
//! See `casebook::fuzzing::markdown_body`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| casebook::fuzzing::markdown_body(data));
