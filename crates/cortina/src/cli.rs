//! The command line: flags and subcommands (the contract scripts rely on).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// cortina: host-run coordination and watchlist screening for major international events.
#[derive(Debug, Parser)]
#[command(name = "cortina", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import, update and inspect watchlists.
    #[command(subcommand)]
    Lists(ListsCommand),
    /// Screen one name, or a CSV file of people and organisations, against the watchlists.
    Screen(Box<ScreenArgs>),
    /// Score pairs of records (left against right) and explain each score.
    Compare(CompareArgs),
    /// Write the sample watchlists and applicants the demo uses into a folder.
    Demo(DemoArgs),
    /// Verify the tamper-evident ledger, print its checkpoint, prove entries.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Create and administer the store.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Run commands from a file as one account: one JSON command per line in, one JSON result
    /// per line out (denials included). See the vocabulary below.
    Exec(ExecArgs),
    /// Serve the JSON API, yente-compatible screening and the ledger's tile API over HTTP.
    #[command(after_help = crate::serve::HELP)]
    Serve(ServeArgs),
    /// Run a witness that cosigns the ledger's checkpoints (C2SP tlog-witness), on the oversight
    /// body's own machine, with its own key.
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// The organiser's applicants for accreditation.
    #[command(subcommand)]
    Applicants(ApplicantsCommand),
    /// Accreditation passes: check them offline, as a gate does.
    #[command(subcommand)]
    Pass(PassCommand),
}

/// `cortina pass ...`
#[derive(Debug, Subcommand)]
pub enum PassCommand {
    /// Check passes offline against a gate bundle (the public pass key and the signed revocation
    /// list, as `GET /api/v1/gate/bundle` exports it): prints one verdict per pass — valid,
    /// wrong_zone, expired, not_yet_valid, revoked or forged — with the name and document digits
    /// to compare with the ID presented. Exit status 0 if every pass is valid, 1 if any is
    /// refused, 2 for a usage or I/O error or a bad bundle.
    Verify(PassVerifyArgs),
}

/// `cortina pass verify ...`
#[derive(Debug, Args)]
pub struct PassVerifyArgs {
    /// The gate bundle file.
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// The venue this gate guards.
    #[arg(long)]
    pub venue: String,
    /// The zone this gate guards.
    #[arg(long)]
    pub zone: String,
    /// Check as of this time (Unix seconds) instead of now.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<i64>,
    /// One JSON object per pass instead of text.
    #[arg(long)]
    pub json: bool,
    /// The pass (`CP1.…`); without it, one pass per line from standard input (a scanner that
    /// types).
    pub pass: Option<String>,
}

/// `cortina witness ...`
#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Create the witness's Ed25519 key (mode 0600; never overwritten, never printed) and print
    /// its public key for the log operator and for verifiers.
    Key {
        /// Where to write the key.
        #[arg(long, value_name = "FILE", default_value = "./witness.key")]
        key_file: PathBuf,
        /// The witness's name, a schema-less URL naming the oversight body (e.g.
        /// garante.example/cortina-witness).
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Answer POST /add-checkpoint (C2SP tlog-witness): cosign a checkpoint signed by a log key
    /// given here only if it is consistent with the last one cosigned; refuse a fork, a smaller
    /// tree or another key (refused requests are kept in the state directory as evidence).
    Serve {
        /// The witness key (`cortina witness key`).
        #[arg(long, value_name = "FILE", default_value = "./witness.key")]
        key_file: PathBuf,
        /// The key of a log to witness (`name+hash+base64` as `cortina ledger key` prints it, or a
        /// file holding it); its name is the log's origin. Repeatable.
        #[arg(long = "log-key", value_name = "KEY|FILE", required = true)]
        log_keys: Vec<String>,
        /// Where the witness keeps the last checkpoint it cosigned per log (0700; written
        /// atomically before each answer). Losing it lets a forked log be cosigned: back it up.
        #[arg(long, value_name = "DIR", default_value = "./witness-state")]
        state_dir: PathBuf,
        /// The address to listen on (port 0 picks a free port; the address is printed).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7380")]
        listen: std::net::SocketAddr,
    },
}

/// `cortina applicants ...`
#[derive(Debug, Subcommand)]
pub enum ApplicantsCommand {
    /// Import applicants from CSV or NDJSON (up to a million rows): each is screened at intake;
    /// bad rows are reported (file:line: field: reason) while the others go in; sending a
    /// reference again updates it, the same row again changes nothing, so a re-run after a crash
    /// resumes. Exit status: 0 all rows in, 3 some rows refused, 2 usage or I/O error.
    #[command(after_help = crate::applicants::HELP)]
    Import(ApplicantsImportArgs),
}

/// `cortina applicants import ...`
#[derive(Debug, Args)]
pub struct ApplicantsImportArgs {
    /// The organiser's account.
    #[arg(long = "as", value_name = "USER")]
    pub actor: String,
    /// The file (`-` for standard input).
    pub file: String,
    /// Rows per request (at most 10,000).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch: u32,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `cortina serve ...`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free port; the address is printed).
    #[arg(
        long,
        value_name = "ADDR",
        env = "CORTINA_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: std::net::SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key. Session cookies are then
    /// Secure and responses carry HSTS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM; keep it mode 0600).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// A reverse proxy (IP address) whose X-Forwarded-For and X-Forwarded-Proto are believed, so
    /// that login rate limits key on the client and cookies set through HTTPS are Secure.
    /// Repeatable.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Serve the Milano Cortina 2026 demo: built in a new or empty data directory (and
    /// database) the first time, with sample watchlists and an account per role whose random
    /// passwords are printed and written to <data-dir>/demo-accounts.txt (0600); reused on later
    /// runs; refused on a real deployment.
    #[arg(long)]
    pub demo: bool,
    /// A witness that cosigns the ledger's checkpoints: its public key (`cortina witness key`
    /// prints it) and where it listens, NAME+HASH+KEY@URL. The newest checkpoint is submitted to
    /// it with a consistency proof; /ledger/checkpoint then serves the newest checkpoint every
    /// witness cosigned. Repeatable.
    #[arg(long = "witness", value_name = "KEY@URL")]
    pub witnesses: Vec<String>,
    /// How often (milliseconds) the newest checkpoint is submitted to the witnesses.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub witness_interval_ms: u64,
    /// Update the lists every DURATION (e.g. 6h, 30m, 1d) as `cortina lists update` does, as the
    /// account --update-as: download, import, store the snapshot, re-screen the applicants
    /// against what changed. A failed update keeps the snapshot in force and says so in the log
    /// and in `cortina lists status`. Whatever stores a new snapshot (this, or `cortina lists
    /// update`/`import` in another process), the server swaps it in within seconds, without a
    /// restart.
    #[arg(long, value_name = "DURATION", requires = "update_as")]
    pub update_every: Option<String>,
    /// The account the scheduled list updates act as (the policy's lists.update: an admin).
    #[arg(long, value_name = "USER")]
    pub update_as: Option<String>,
    /// Where the scheduled updates download from instead of the publishers: a mirror laid out
    /// like a downloads/<timestamp>/ folder (as `cortina lists update --base-url`).
    #[arg(long, value_name = "URL", env = "CORTINA_LISTS_BASE_URL")]
    pub lists_base_url: Option<String>,
    /// The sources the server's updates download (repeatable or comma-separated; default as
    /// `cortina lists update`).
    #[arg(long = "lists-source", value_name = "NAME", value_delimiter = ',')]
    pub lists_sources: Vec<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Where the store lives: the data directory (it always holds the ledger's
/// signing key) and, optionally, a PostgreSQL database.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The data directory (the SQLite file and the ledger signing key live here).
    #[arg(long, env = "CORTINA_DATA_DIR", default_value = "./cortina-data")]
    pub data_dir: PathBuf,
    /// A PostgreSQL database (postgres://user:password@host/db) instead of the SQLite file.
    #[arg(long = "database", value_name = "URL", env = "CORTINA_DATABASE_URL")]
    pub database_url: Option<String>,
}

/// `cortina ledger ...`
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Recompute the whole tree from the entries, check every stored hash, the checkpoint's
    /// signature and consistency with older checkpoints, and (locally) that every stored row is
    /// stamped with the entries that created and last changed it; print a one-line verdict.
    /// Exit code 1 names the first bad entry or row.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        /// An older signed checkpoint (the bytes `cortina ledger checkpoint` printed then): the
        /// log must have only grown since. Repeatable.
        #[arg(long, value_name = "FILE")]
        since: Vec<PathBuf>,
        /// The ledger's public key (`name+hash+base64`, or a file holding it) to check the
        /// checkpoint with, instead of the key in the data directory. An oversight body pins it.
        #[arg(long, value_name = "KEY|FILE")]
        key: Option<String>,
        /// Verify a remote ledger through its tlog-tiles read API (`URL/ledger/...`) instead of
        /// the local store.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// A file holding the read token for --url (the oversight role's or a witness token);
        /// without it, the token is read from the environment variable CORTINA_TOKEN. Never on
        /// the command line, where every user of the machine could read it.
        #[arg(long, value_name = "FILE", requires = "url")]
        token_file: Option<PathBuf>,
        /// A witness's public key (`NAME+HASH+KEY`, or a file holding it): the checkpoint
        /// verified must carry its valid cosignature (C2SP tlog-cosignature), and the log must
        /// be consistent with it. Repeatable: every witness given must have cosigned.
        #[arg(long = "witness-key", value_name = "KEY|FILE")]
        witness_keys: Vec<String>,
    },
    /// Print the current signed checkpoint (C2SP tlog-checkpoint in a signed note).
    Checkpoint {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the ledger's public key (`name+hash+base64`), for verifiers.
    Key {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print an inclusion proof (--index) or a consistency proof (--since-size) as JSON, hashes
    /// in base64.
    Prove {
        #[command(flatten)]
        store: StoreArgs,
        /// The entry to prove included.
        #[arg(
            long,
            required_unless_present = "since_size",
            conflicts_with = "since_size"
        )]
        index: Option<u64>,
        /// The tree size to prove against (default: the latest checkpoint's).
        #[arg(long)]
        size: Option<u64>,
        /// Prove that the tree of this size is a prefix of the tree of --size entries.
        #[arg(long)]
        since_size: Option<u64>,
    },
}

/// `cortina admin ...`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create the store: database schema, the ledger and its signing key (0600, in the data
    /// directory). Does nothing to an existing store but say so.
    Init {
        #[command(flatten)]
        store: StoreArgs,
        /// The ledger's origin line, naming this deployment.
        #[arg(long, default_value = store::DEFAULT_ORIGIN)]
        origin: String,
        /// The first admin's username.
        #[arg(long, default_value = "admin")]
        admin: String,
        /// The host IT agency the admin belongs to: id.
        #[arg(long, default_value = "host-it")]
        agency_id: String,
        /// The host IT agency's name.
        #[arg(long, default_value = "Host IT (Ministry of the Interior)")]
        agency_name: String,
        /// The host nation (ISO 3166 alpha-2).
        #[arg(long, default_value = "IT")]
        country: String,
        /// The first host commander's username (in the host IT agency): the one account
        /// besides the admin that exists without a commander's confirmation. It enrols with
        /// the enrolment secret printed once.
        #[arg(long, default_value = "commander")]
        commander: String,
    },
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Bring a store written by an older cortina up to date where a schema migration cannot:
    /// give the accounts, account proposals, declaration lines and protectees it made under
    /// readable ids (acc-LOGIN, us-agent-1) the opaque ids cortina makes today, with every
    /// reference to them, as one ledger entry of --as (an admin). Labels keep naming their
    /// records; the renamed accounts' sessions end (their users log in again); API tokens keep
    /// working. Entries written before keep the ids they named. Does nothing when nothing is
    /// left to do. Stop `cortina serve` first.
    MigrateIds {
        /// The admin acting.
        #[arg(long = "as", value_name = "USER", default_value = "admin")]
        actor: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Issue an API token for an account (--user) or a ledger witness (--witness), or revoke one
    /// (--revoke). Recorded in the ledger as an action of --as. The token is printed once, alone
    /// on the last line; only its hash is kept.
    Token(TokenArgs),
}

/// `cortina admin token ...`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["user", "witness", "revoke"])))]
pub struct TokenArgs {
    /// The account the token acts as.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// A witness (an independent ledger reader): the token may read the ledger and nothing else.
    #[arg(long, value_name = "NAME", conflicts_with = "user")]
    pub witness: Option<String>,
    /// Revoke the token with this id instead of issuing one.
    #[arg(long, value_name = "ID", conflicts_with_all = ["user", "witness", "purpose", "expires"])]
    pub revoke: Option<String>,
    /// What the token is for: the purpose recorded with its screenings when a request states none.
    #[arg(long, value_name = "TEXT")]
    pub purpose: Option<String>,
    /// How long the token works: a number and a unit (s, m, h, d, w), e.g. 90d. Default: until
    /// revoked.
    #[arg(long, value_name = "DURATION")]
    pub expires: Option<String>,
    /// The admin acting.
    #[arg(long = "as", value_name = "USER", default_value = "admin")]
    pub actor: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `cortina admin user ...`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Propose an account (recorded in the ledger as an action of --as, the admin). Nothing
    /// exists until a host commander confirms it (`cortina admin user confirm`); then the admin
    /// issues its enrolment secret (`exec` with `account.enrolment`), with which the user
    /// chooses their own password. The admin never chooses one.
    Add {
        /// The login name.
        name: String,
        /// host_commander, host_operator, host_analyst, foreign_liaison, foreign_investigator,
        /// foreign_protective, organiser, oversight or admin.
        #[arg(long)]
        role: String,
        /// The agency's registry id.
        #[arg(long)]
        agency: String,
        /// The delegation (foreign roles).
        #[arg(long)]
        delegation: Option<String>,
        /// The accredited declaration line (foreign roles).
        #[arg(long)]
        declaration: Option<String>,
        /// The admin acting.
        #[arg(long = "as", value_name = "USER", default_value = "admin")]
        actor: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Confirm an admin's account proposal (as --as, a host commander: four eyes), then issue
    /// its enrolment secret as --admin and print it once, to hand to the user out of band.
    Confirm {
        /// The login name proposed.
        name: String,
        /// The host commander confirming.
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        /// The admin who issues the enrolment secret.
        #[arg(long, value_name = "USER", default_value = "admin")]
        admin: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `cortina exec ...`
#[derive(Debug, Args)]
#[command(after_help = crate::exec::HELP)]
pub struct ExecArgs {
    /// The account acting.
    #[arg(long = "as", value_name = "USER")]
    pub actor: String,
    /// One JSON command per line (`-` for standard input).
    pub file: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Where stored state lives (lists, and the store when one was created there).
pub type DataDir = StoreArgs;

/// Who acts and why, for commands that are recorded in the ledger when the data directory holds
/// a store (`cortina admin init`). Without a store they are not needed.
#[derive(Debug, Clone, Args)]
pub struct Acting {
    /// The account acting (required when the data directory holds a store).
    #[arg(long = "as", value_name = "USER")]
    pub actor: Option<String>,
    /// Why (required for screenings when the data directory holds a store; kept with the ledger
    /// entry, as the Law Enforcement Directive's art. 25 asks).
    #[arg(long, value_name = "TEXT")]
    pub purpose: Option<String>,
}

/// `cortina lists ...`
#[derive(Debug, Subcommand)]
pub enum ListsCommand {
    /// Import list files or folders (format detected, or --format), then build and store the
    /// snapshot the screening commands use.
    Import {
        /// Files or folders to import.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Read every file as this format (ofac-csv, ofac-cons-csv, ofac-xml, un-xml, eu-xml, uk,
        /// csl-csv, ftm-json, senzing-json).
        #[arg(long)]
        format: Option<String>,
        /// Skip bad records (and report how many and where) instead of failing.
        #[arg(long)]
        lenient: bool,
        #[command(flatten)]
        data: DataDir,
        #[command(flatten)]
        acting: Acting,
    },
    /// Download the official lists (OFAC, UN, EU, UK, ...), import them all, and store one new
    /// snapshot; on any failure keep the previous snapshot untouched.
    #[command(after_help = crate::update::HELP)]
    Update(UpdateArgs),
    /// Re-screen the applicants against the current snapshot: what changed since the snapshot
    /// before it (default), since --since HASH, or everything (--full). A hit on an applicant
    /// with no objection opens a case and proposes to suspend the accreditation; an open case
    /// whose list entry is gone is flagged for review. Recorded as lists.update. `lists update`
    /// and `lists import` run the delta re-screen by themselves.
    Rescreen(RescreenArgs),
    /// Show what is loaded, from when, and how many entities and names.
    Status {
        #[command(flatten)]
        data: DataDir,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `cortina lists rescreen ...`
#[derive(Debug, Args)]
pub struct RescreenArgs {
    /// Search every applicant against the whole snapshot, not only against what changed.
    #[arg(long, conflicts_with = "since")]
    pub full: bool,
    /// Compare with this stored snapshot (its hash) instead of the one before the current.
    #[arg(long, value_name = "HASH")]
    pub since: Option<String>,
    /// A delta that reads and searches every applicant and declared person instead of only the
    /// candidates the population's keys give (same hits; costs what the population costs).
    #[arg(long, conflicts_with = "full")]
    pub population: bool,
    /// The account acting (the policy's lists.update: the admin).
    #[arg(long = "as", value_name = "USER")]
    pub actor: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub data: DataDir,
}

/// `cortina lists update ...`
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Update only this source (repeatable or comma-separated; `all` for every source; default:
    /// ofac-sdn, ofac-cons, un, eu, uk).
    #[arg(long = "source", value_name = "NAME", value_delimiter = ',')]
    pub sources: Vec<String>,
    /// Fetch a source, or one file of it, from another URL: NAME=URL or NAME.KEY=URL (repeatable;
    /// see below).
    #[arg(long = "url-override", value_name = "NAME[.KEY]=URL")]
    pub url_overrides: Vec<String>,
    /// Fetch every file from a mirror laid out as URL/<source>/<file name>.
    #[arg(long, value_name = "URL", env = "CORTINA_LISTS_BASE_URL")]
    pub base_url: Option<String>,
    /// Give up on a file whose download takes longer than this many seconds in all.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
    /// Skip bad records (and report how many and where) instead of failing.
    #[arg(long)]
    pub lenient: bool,
    /// Print the selected sources and the URL each file would be fetched from, then stop.
    #[arg(long)]
    pub list_sources: bool,
    #[command(flatten)]
    pub data: DataDir,
    #[command(flatten)]
    pub acting: Acting,
}

/// Options shared by the screening commands.
#[derive(Debug, Clone, Args)]
pub struct ScoreArgs {
    /// Score at or above which a result is a match (default: the algorithm's threshold).
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Drop results scoring below this (default: the threshold).
    #[arg(long)]
    pub cutoff: Option<f32>,
    /// Scoring algorithm: cortina (default; alias best) or ofac.
    #[arg(long, default_value = "cortina")]
    pub algorithm: String,
}

/// `cortina screen ...`
#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// The name to screen (omit with --input).
    #[arg(required_unless_present = "input", conflicts_with = "input")]
    pub name: Option<String>,
    /// Batch mode: a CSV file of rows to screen (`-` for standard input).
    #[arg(long, requires = "output")]
    pub input: Option<String>,
    /// Batch mode: where to write one JSON line per row (`-` for standard output).
    #[arg(long)]
    pub output: Option<String>,
    /// The kind of thing: Person, Organization, Company, LegalEntity, Vessel, Airplane.
    #[arg(long)]
    pub schema: Option<String>,
    /// Birth date: YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    pub birth_date: Option<String>,
    /// Country: ISO code or English name.
    #[arg(long)]
    pub country: Option<String>,
    /// Gender: male, female or other.
    #[arg(long)]
    pub gender: Option<String>,
    /// An identifier number (passport, national id, registration).
    #[arg(long)]
    pub id_number: Option<String>,
    /// At most this many results per query.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Screen against these list files or folders directly, without a stored snapshot.
    #[arg(long, num_args = 1..)]
    pub lists: Vec<PathBuf>,
    /// Print JSON instead of a table (single-name mode).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub score: ScoreArgs,
    #[command(flatten)]
    pub data: DataDir,
    #[command(flatten)]
    pub acting: Acting,
}

/// `cortina compare ...`
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// CSV with columns id,schema,left,right and optional left_birth_date, right_birth_date,
    /// left_country, right_country (`-` for standard input).
    #[arg(long)]
    pub input: String,
    /// Where to write one JSON line per pair (`-` for standard output).
    #[arg(long)]
    pub output: String,
    #[command(flatten)]
    pub score: ScoreArgs,
}

/// `cortina demo ...`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The folder to write the sample lists and applicants into.
    #[arg(long, default_value = "./cortina-demo")]
    pub dir: PathBuf,
}
