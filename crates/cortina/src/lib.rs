//! The `cortina` command line: the only crate that reads configuration, touches files and talks to
//! the terminal. Everything it does is a thin layer over the `watchlist` and `screening` crates.
//!
//! Exit codes: 0 success; 1 `ledger verify` found the ledger broken; 2 usage, input or I/O error;
//! 3 a batch ran but some rows had errors.

mod applicants;
mod cli;
mod compare;
mod demo;
mod demo_world;
mod exec;
mod input;
mod ledger_cmd;
mod ledger_remote;
mod output;
mod pass_cmd;
mod recorded;
mod rescreen;
mod screen;
mod serve;
mod snapshot;
mod token;
mod update;
mod witness;

use std::process::ExitCode;

use clap::Parser;

pub use cli::Cli;

/// An error that ends the command: printed on stderr, exit code 2.
#[derive(Debug)]
pub struct Failure(pub anyhow::Error);

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure(e.into())
    }
}

/// What a command reports back to `main`.
pub enum Outcome {
    /// Everything went fine.
    Ok,
    /// A batch ran to the end but some rows could not be read.
    RowErrors,
    /// A verification ran and found the ledger broken.
    VerifyFailed,
}

/// Parses the command line, runs the command, and maps the result to an exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match dispatch(cli) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::RowErrors) => ExitCode::from(3),
        Ok(Outcome::VerifyFailed) => ExitCode::from(1),
        Err(Failure(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> Result<Outcome, Failure> {
    use cli::{Command, ListsCommand};
    match cli.command {
        Command::Lists(ListsCommand::Import {
            paths,
            format,
            lenient,
            data,
            acting,
        }) => {
            // Who imports is checked first; then the files are read (bad
            // input stops here, nothing recorded, nothing changed); then the
            // import is authorized and recorded, naming the snapshot it
            // stores; then it is stored.
            recorded::require_actor(&data, &acting, "cortina lists import", false)?;
            let prepared = snapshot::prepare_import(&paths, format.as_deref(), lenient)?;
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            recorded::authorize(
                &data,
                &acting,
                recorded::Request {
                    action: domain::Action::ListsUpdate,
                    needs_purpose: false,
                    payload: serde_json::json!({
                        "import": shown,
                        "format": format,
                        "snapshot": prepared.snapshot_hash(),
                    }),
                    command: "cortina lists import",
                },
            )?;
            let before = rescreen::in_force(&data);
            let outcome = snapshot::finish_import(prepared, &data.data_dir)?;
            rescreen::after_store(&data, acting.actor.as_deref(), before)?;
            Ok(outcome)
        }
        Command::Lists(ListsCommand::Update(args)) => update::run(&args),
        Command::Lists(ListsCommand::Rescreen(args)) => rescreen::run(&args),
        Command::Lists(ListsCommand::Status { data, json }) => {
            snapshot::status(&data.data_dir, json)
        }
        Command::Screen(args) => screen::run(*args),
        Command::Compare(args) => compare::run(args),
        Command::Demo(args) => demo::run(&args.dir),
        Command::Ledger(cmd) => ledger_cmd::run(cmd),
        Command::Admin(cmd) => ledger_cmd::admin(cmd),
        Command::Exec(args) => exec::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Witness(cmd) => witness::run(cmd),
        Command::Applicants(cli::ApplicantsCommand::Import(args)) => applicants::import(&args),
        Command::Pass(cli::PassCommand::Verify(args)) => pass_cmd::verify(&args),
    }
}
