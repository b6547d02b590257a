/// mimalloc instead of glibc's malloc: under load glibc's allocator took about 12 % of the
/// server's CPU on sendMsg's path (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    wxhub::cli::run()
}
