//! The `casebook` binary: a thin shell over the library's CLI.

fn main() {
    std::process::exit(casebook::cli::run());
}
