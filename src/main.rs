fn main() {
    std::process::exit(bleed::cli::main());
}
