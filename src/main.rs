//! The `okra` command: parses arguments and hands over to the library.

fn main() {
    std::process::exit(okra::cli::main());
}
