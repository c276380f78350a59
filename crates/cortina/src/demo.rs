//! `cortina demo`: the main job on sample data the project makes itself.
//!
//! It writes two small sample watchlists in real publication formats (OFAC's legacy CSV files and
//! the UN consolidated XML) and a sample file of accreditation applicants, imports the lists into
//! a data directory, screens every applicant, and prints the alerts with their explanations. All
//! people and organisations in the samples are invented.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::Context;
use screening::{Index, Params};

use crate::input::Columns;
use crate::output::explain_line;
use crate::snapshot::{self, SourceInfo};
use crate::{Failure, Outcome};

/// Invented SDN-style entries: (ent_num, name, type, program, remarks).
const SDN: &[(u32, &str, &str, &str, &str)] = &[
    (
        90001,
        "VARGAS QUINTERO, Hernan Dario",
        "individual",
        "SDNTK",
        "DOB 14 Mar 1971; POB Cali, Colombia; nationality Colombia; Gender Male; Cedula No. 16789012 (Colombia); Passport PA1234567 (Colombia).",
    ),
    (
        90002,
        "AL-RASHIDI, Yusuf Abd al-Karim",
        "individual",
        "SDGT",
        "DOB 1968; alt. DOB 1969; POB Sanaa, Yemen; nationality Yemen; Gender Male; a.k.a. 'ABU HAMZA AL-SAHILI'.",
    ),
    (
        90003,
        "KOZLOVSKY, Artem Viktorovich",
        "individual",
        "TCO",
        "DOB 02 Nov 1979; POB Odesa, Ukraine; citizen Russia; Gender Male; Passport 7201234567 (Russia).",
    ),
    (
        90004,
        "SERPENTINA BROTHERHOOD",
        "-0- ",
        "TCO",
        "Linked To: KOZLOVSKY, Artem Viktorovich.",
    ),
    (
        90005,
        "LINEA AZUL TRADING S.A. DE C.V.",
        "-0- ",
        "SDNTK",
        "R.F.C. LAT0102035K7 (Mexico).",
    ),
    (
        90006,
        "MORENO SALAZAR, Lucia Fernanda",
        "individual",
        "SDNTK",
        "DOB 30 Jun 1985; POB Culiacan, Sinaloa, Mexico; nationality Mexico; Gender Female; C.U.R.P. MOSL850630MSLRLC09 (Mexico).",
    ),
    (
        90007,
        "NORTHERN STAR 7",
        "vessel",
        "TCO",
        "Vessel Registration Identification IMO 9912345.",
    ),
];

/// Invented aliases: (ent_num, alt_num, type, name).
const ALT: &[(u32, u32, &str, &str)] = &[
    (90001, 1, "aka", "VARGAS, Hernan"),
    (90002, 2, "aka", "AL-RASHIDI, Youssef"),
    (90003, 3, "aka", "KOZLOVSKIY, Artyom"),
    (90004, 4, "aka", "HERMANDAD SERPENTINA"),
    (90005, 5, "fka", "AZUL LOGISTICA"),
];

/// An invented UN-style entry: DATAID, first, second, third name, original script, birth year,
/// nationality, list type, reference.
type UnSample = (
    u32,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Invented UN-style entries.
const UN: &[UnSample] = &[
    (
        8800001,
        "KHALID",
        "MAHMOUD",
        "AL-FAQIR",
        "خالد محمود الفقير",
        "1974",
        "Syrian Arab Republic",
        "Al-Qaida",
        "QDi.901",
    ),
    (
        8800002,
        "DMITRY",
        "SERGEEVICH",
        "VOLKOV",
        "Дмитрий Сергеевич Волков",
        "1981",
        "Russian Federation",
        "DPRK",
        "KPi.902",
    ),
];

/// Invented applicants: (id, name, schema, birth date, country).
const APPLICANTS: &[(&str, &str, &str, &str, &str)] = &[
    ("A-0001", "Giulia Bianchi", "Person", "1990-04-12", "Italy"),
    (
        "A-0002",
        "Hernan Dario Vargas Quintero",
        "Person",
        "1971-03-14",
        "Colombia",
    ),
    ("A-0003", "Hernán Vargas", "Person", "", "CO"),
    (
        "A-0004",
        "Youssef Abdulkarim Al Rashidi",
        "Person",
        "1968",
        "Yemen",
    ),
    ("A-0005", "Artyom Kozlovskiy", "Person", "1979-11-02", "RU"),
    ("A-0006", "Lucia Moreno", "Person", "1992-01-01", "Spain"),
    ("A-0007", "Linea Azul Trading SA de CV", "Company", "", "MX"),
    ("A-0008", "Khaled Mahmoud al-Faqir", "Person", "", ""),
    ("A-0009", "Дмитрий Волков", "Person", "1981", ""),
    ("A-0010", "Marco Rossi", "Person", "1985-07-30", "IT"),
    (
        "A-0011",
        "Hernan Vargas",
        "Person",
        "2001-05-05",
        "Argentina",
    ),
    ("A-0012", "Northern Star Seven", "Vessel", "", ""),
];

/// Runs the demo in `dir`.
pub fn run(dir: &Path) -> Result<Outcome, Failure> {
    let lists = dir.join("lists");
    write_samples(dir)?;
    println!("sample lists and applicants written to {}", dir.display());

    let imports = snapshot::read_lists(&[lists.join("ofac"), lists.join("un")], None, false)?;
    snapshot::report_imports(&imports);
    let sources = imports
        .iter()
        .map(|i| SourceInfo {
            dataset: i.dataset.clone(),
            format: i.format.as_str().to_owned(),
            entities: i.entities.len(),
            skipped: i.skipped.len(),
        })
        .collect();
    let index = snapshot::build_index(imports);
    let data_dir = dir.join("data");
    snapshot::store(&data_dir, &index, sources, "cortina demo")?;
    println!(
        "snapshot {} stored in {} ({} entities)\n",
        index.snapshot_hash(),
        data_dir.display(),
        index.entities().len()
    );
    screen_applicants(&index, &dir.join("applicants.csv"))?;
    println!(
        "\nTry: cortina screen \"Jusuf al Rashidi\" --data-dir {}\n     cortina screen --input {} --output - --data-dir {}",
        data_dir.display(),
        dir.join("applicants.csv").display(),
        data_dir.display()
    );
    Ok(Outcome::Ok)
}

fn screen_applicants(index: &Index, path: &Path) -> anyhow::Result<()> {
    let mut reader = csv::Reader::from_path(path)?;
    let columns = Columns::from_header(&reader.headers()?.clone())?;
    let params = Params::default();
    let mut alerts = 0;
    let mut rows = 0;
    for record in reader.records() {
        let record = record?;
        rows += 1;
        let (query, _warnings) = columns.query(&record)?;
        let results = index.search(&query, &params);
        let id = columns.id(&record);
        let name = query.names.first().map_or("", String::as_str);
        if results.is_empty() {
            println!("{id}  {name:<32} no alert");
            continue;
        }
        alerts += 1;
        for m in &results {
            println!(
                "{id}  {name:<32} ALERT {:.3}  {} ({}, {})",
                m.score,
                m.entity.caption(),
                m.entity.id,
                m.entity.dataset
            );
            println!("        {}", explain_line(&m.explanation));
        }
    }
    println!("\n{rows} applicants screened, {alerts} with alerts");
    Ok(())
}

fn write_samples(dir: &Path) -> anyhow::Result<()> {
    write_lists(&dir.join("lists"))?;
    let mut applicants = String::from("id,name,schema,birth_date,country\n");
    for (id, name, schema, dob, country) in APPLICANTS {
        writeln!(applicants, "{id},{name},{schema},{dob},{country}")?;
    }
    fs::write(dir.join("applicants.csv"), applicants)?;
    Ok(())
}

/// Writes the invented sample watchlists under `lists`: `ofac/` (the legacy
/// CSV files `sdn.csv`, `alt.csv`, `add.csv`) and `un/un_consolidated.xml`.
/// Returns the two folders, ready for [`snapshot::read_lists`]. `cortina
/// serve --demo` imports the same lists.
pub(crate) fn write_lists(lists: &Path) -> anyhow::Result<[std::path::PathBuf; 2]> {
    let ofac = lists.join("ofac");
    let un_dir = lists.join("un");
    fs::create_dir_all(&ofac).with_context(|| format!("creating {}", ofac.display()))?;
    fs::create_dir_all(&un_dir).with_context(|| format!("creating {}", un_dir.display()))?;
    let mut sdn = String::new();
    for (num, name, kind, program, remarks) in SDN {
        let kind = if kind.starts_with("-0-") {
            "-0- ".to_owned()
        } else {
            format!("\"{kind}\"")
        };
        writeln!(
            sdn,
            "{num},\"{name}\",{kind},\"{program}\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"{remarks}\""
        )?;
    }
    let mut alt = String::new();
    for (num, alt_num, kind, name) in ALT {
        writeln!(alt, "{num},{alt_num},\"{kind}\",\"{name}\",-0- ")?;
    }
    let add = "90001,1,-0- ,\"Cali\",\"Colombia\",-0- \n90005,2,\"Av. Reforma 100\",\"Mexico City\",\"Mexico\",-0- \n";
    fs::write(ofac.join("sdn.csv"), sdn)?;
    fs::write(ofac.join("alt.csv"), alt)?;
    fs::write(ofac.join("add.csv"), add)?;

    let mut un = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CONSOLIDATED_LIST dateGenerated=\"2026-11-01T00:00:00\">\n<INDIVIDUALS>\n",
    );
    for (id, first, second, third, original, year, nationality, list, reference) in UN {
        writeln!(
            un,
            "<INDIVIDUAL><DATAID>{id}</DATAID><VERSIONNUM>1</VERSIONNUM><FIRST_NAME>{first}</FIRST_NAME>\
<SECOND_NAME>{second}</SECOND_NAME><THIRD_NAME>{third}</THIRD_NAME><UN_LIST_TYPE>{list}</UN_LIST_TYPE>\
<REFERENCE_NUMBER>{reference}</REFERENCE_NUMBER><LISTED_ON>2020-01-01</LISTED_ON>\
<NAME_ORIGINAL_SCRIPT>{original}</NAME_ORIGINAL_SCRIPT><NATIONALITY><VALUE>{nationality}</VALUE></NATIONALITY>\
<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>The Sample</ALIAS_NAME></INDIVIDUAL_ALIAS>\
<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>{year}</YEAR></INDIVIDUAL_DATE_OF_BIRTH>\
</INDIVIDUAL>"
        )?;
    }
    un.push_str("</INDIVIDUALS>\n<ENTITIES/>\n</CONSOLIDATED_LIST>\n");
    fs::write(un_dir.join("un_consolidated.xml"), un)?;
    Ok([ofac, un_dir])
}
