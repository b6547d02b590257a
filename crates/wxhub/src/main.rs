fn main() -> std::process::ExitCode {
    wxhub::cli::run()
}
