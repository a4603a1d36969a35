#![no_main]
//! See `casebook::fuzzing::case_file`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| casebook::fuzzing::case_file(data));
