//! The `improv` binary: no arguments opens the studio, otherwise a headless command.

fn main() {
    println!("improv {}", env!("CARGO_PKG_VERSION"));
}
