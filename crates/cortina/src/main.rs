//! The `cortina` binary: parses the command line and hands over to [`cortina::run`].

/// mimalloc instead of glibc's allocator: the server allocates and frees
/// many small objects per request (HTTP, JSON, SQL rows), across threads,
/// and glibc's `malloc`/`free` (with its consolidations) took about a
/// quarter of a `/match` request's user time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cortina::run()
}
