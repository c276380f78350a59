//! The `cortina` binary: parses the command line and hands over to [`cortina::run`].

fn main() -> std::process::ExitCode {
    cortina::run()
}
