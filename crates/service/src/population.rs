//! The population's screening keys: from what a list change can reach, to
//! the applicants and declared persons it may reach (screening in reverse,
//! see `service::rescreen`).
//!
//! Every applicant and declared person is reduced once to the keys of the
//! query that screening them makes ([`screening::query_keys`], through
//! [`ScreeningLists::applicant_keys`] and
//! [`ScreeningLists::declared_keys`]); a delta asks the index of the changed
//! entities which distinct keys it reaches ([`screening::Index::reaches`])
//! and takes the people holding one as its candidates.
//!
//! The keys are **derived data**, never a source of truth. They are caught
//! up when a re-screen starts, from the records changed since the last
//! entry they reflect (`records_by_updated_seq`), and kept beside the
//! database in the data directory ([`FILE`]), written to a temporary file
//! and renamed over the old one, so that a crash leaves the old keys or the
//! new ones, both true up to their own mark. The file names the format, the
//! key derivation ([`screening::KEYS_VERSION`] and
//! [`screening::keys_fingerprint`]) and the ledger it was caught up with
//! (the root of the tree up to its mark's entry): a missing, unreadable or
//! foreign file, or a store whose ledger differs at that entry (another
//! database, or one restored from an older backup), makes a clean rebuild.
//! A record updated keeps no stale keys (its keys are replaced); a record
//! purged keeps none.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use domain::declaration::DeclarationLine;
use rayon::prelude::*;
use screening::Key;

use crate::screening_lists::ScreeningLists;
use crate::{Service, ServiceError};

/// The file in the data directory.
pub(crate) const FILE: &str = "rescreen-keys.bin";
const MAGIC: &[u8; 8] = b"CRTNKEYS";
/// The layout of [`FILE`].
const FORMAT: u32 = 1;
/// Entries walked per read while catching up.
const WINDOW: i64 = 50_000;

/// Whose keys: an applicant or a declared person (a declaration line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Whom {
    Applicant = 0,
    Declared = 1,
}

impl Whom {
    fn kind(self) -> &'static str {
        match self {
            Whom::Applicant => crate::handlers::APPLICANT_KIND,
            Whom::Declared => crate::handlers::DECLARATION_KIND,
        }
    }

    fn of_kind(kind: &str) -> Option<Whom> {
        [Whom::Applicant, Whom::Declared]
            .into_iter()
            .find(|w| w.kind() == kind)
    }
}

/// The keys of every applicant and declared person, as of entry `mark`.
#[derive(Default)]
pub(crate) struct PopulationKeys {
    /// Every record changed by an entry up to this one is reflected (-1:
    /// none yet).
    mark: i64,
    /// The root of the ledger's tree up to entry `mark` (its first
    /// `mark + 1` entries).
    root: [u8; 32],
    whom: Vec<Whom>,
    ids: Vec<Box<str>>,
    /// The keys of person `p`: `flat[start[p]..start[p + 1]]`, unless
    /// `changed` holds newer ones.
    start: Vec<u32>,
    flat: Vec<u32>,
    /// What screening person `p` reads ([`Facts`], JSON):
    /// `facts[facts_start[p]..facts_start[p + 1]]`, unless `changed` holds
    /// newer ones.
    facts: String,
    facts_start: Vec<u64>,
    changed: HashMap<u32, (Vec<u32>, Box<str>)>,
    /// The distinct keys, [encoded](Key::encode).
    keys: Vec<Box<str>>,
    /// Built when first needed (catching up).
    key_ids: HashMap<Box<str>, u32>,
    people: HashMap<(Whom, Box<str>), u32>,
    /// Changed since written.
    dirty: bool,
}

/// What catching up did.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CatchUp {
    /// Records read.
    pub(crate) read: u64,
    /// Built from nothing (no file, or one not to trust).
    pub(crate) rebuilt: bool,
    /// Time, in ms.
    pub(crate) ms: u64,
}

/// What the keys say of a change: how many people it reaches (the
/// candidates), and of those, the ids of the applicants and declaration
/// lines whose kept facts the search finds.
#[derive(Debug, Default)]
pub(crate) struct Candidates {
    pub(crate) reached: u64,
    pub(crate) applicants: Vec<String>,
    pub(crate) declared: Vec<String>,
}

/// What a screening of a person reads — the names, the birth date, the
/// nationality — kept with the keys so that the candidates are searched
/// without reading the store (the search is the one the store's document
/// makes: `Screenable::query_parts`, `ScreeningLists::declared_parts`).
type Facts = crate::screening_lists::QueryParts;

impl PopulationKeys {
    fn empty() -> PopulationKeys {
        PopulationKeys {
            mark: -1,
            start: vec![0],
            facts_start: vec![0],
            ..PopulationKeys::default()
        }
    }

    /// How many people have keys.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    fn keys_of(&self, p: u32) -> &[u32] {
        if !self.changed.is_empty()
            && let Some((k, _)) = self.changed.get(&p)
        {
            return k;
        }
        &self.flat[self.start[p as usize] as usize..self.start[p as usize + 1] as usize]
    }

    fn facts_of(&self, p: u32) -> &str {
        if !self.changed.is_empty()
            && let Some((_, f)) = self.changed.get(&p)
        {
            return f;
        }
        &self.facts
            [self.facts_start[p as usize] as usize..self.facts_start[p as usize + 1] as usize]
    }

    /// Records the keys of the records read (each once, its latest
    /// version): new people are appended, known ones get their new keys.
    fn apply(&mut self, rows: Vec<(Whom, String, Vec<String>, String)>) {
        if rows.is_empty() {
            return;
        }
        if self.key_ids.len() != self.keys.len() {
            self.key_ids = self
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.clone(), i as u32))
                .collect();
        }
        if self.people.len() != self.ids.len() {
            self.people = self
                .whom
                .iter()
                .zip(&self.ids)
                .enumerate()
                .map(|(i, (w, id))| ((*w, id.clone()), i as u32))
                .collect();
        }
        for (whom, id, keys, facts) in rows {
            let mut ids: Vec<u32> = keys
                .into_iter()
                .map(|k| {
                    if let Some(&i) = self.key_ids.get(k.as_str()) {
                        return i;
                    }
                    let i = self.keys.len() as u32;
                    let k: Box<str> = k.into();
                    self.keys.push(k.clone());
                    self.key_ids.insert(k, i);
                    i
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let id: Box<str> = id.into();
            match self.people.get(&(whom, id.clone())) {
                Some(&p) => {
                    self.changed.insert(p, (ids, facts.into()));
                }
                None => {
                    let p = self.ids.len() as u32;
                    self.whom.push(whom);
                    self.ids.push(id.clone());
                    self.flat.extend(ids);
                    self.start.push(self.flat.len() as u32);
                    self.facts.push_str(&facts);
                    self.facts_start.push(self.facts.len() as u64);
                    self.people.insert((whom, id), p);
                }
            }
        }
        self.dirty = true;
    }

    /// The people holding a key that the index of `lists` reaches (the
    /// candidates), each searched on its kept facts against `lists`: those
    /// with a hit.
    pub(crate) fn candidates(&self, lists: &ScreeningLists) -> Candidates {
        let index = lists.index();
        let reached: Vec<bool> = self
            .keys
            .par_iter()
            // A key this engine cannot read is reached: never lose anyone.
            .map(|k| Key::decode(k).is_none_or(|k| index.reaches(&k)))
            .collect();
        let people: Vec<u32> = (0..self.ids.len() as u32)
            .into_par_iter()
            .filter(|&p| self.keys_of(p).iter().any(|&k| reached[k as usize]))
            .collect();
        let hits: Vec<u32> = people
            .par_iter()
            .copied()
            .filter(|&p| {
                // Facts that cannot be read are searched as stored.
                let Ok((names, birth, country)) = serde_json::from_str::<Facts>(self.facts_of(p))
                else {
                    return true;
                };
                !lists
                    .screen_applicant(names, birth, country.as_deref())
                    .is_empty()
            })
            .collect();
        let mut out = Candidates {
            reached: people.len() as u64,
            ..Candidates::default()
        };
        for p in hits {
            let id = self.ids[p as usize].to_string();
            match self.whom[p as usize] {
                Whom::Applicant => out.applicants.push(id),
                Whom::Declared => out.declared.push(id),
            }
        }
        out
    }

    /// Folds the changed people's keys into the flat arrays, and forgets
    /// the keys nobody holds any more (a purged person's name parts do not
    /// stay in the file).
    fn compact(&mut self) {
        if !self.changed.is_empty() {
            let mut start = Vec::with_capacity(self.start.len());
            let mut flat = Vec::with_capacity(self.flat.len());
            let mut facts_start = Vec::with_capacity(self.facts_start.len());
            let mut facts = String::with_capacity(self.facts.len());
            start.push(0);
            facts_start.push(0);
            for p in 0..self.ids.len() as u32 {
                flat.extend_from_slice(self.keys_of(p));
                start.push(flat.len() as u32);
                facts.push_str(self.facts_of(p));
                facts_start.push(facts.len() as u64);
            }
            self.start = start;
            self.flat = flat;
            self.facts_start = facts_start;
            self.facts = facts;
            self.changed.clear();
        }
        let mut new_id = vec![u32::MAX; self.keys.len()];
        for &k in &self.flat {
            new_id[k as usize] = 0;
        }
        if new_id.iter().all(|&n| n == 0) {
            return;
        }
        let mut keys = Vec::with_capacity(self.keys.len());
        for (k, n) in self.keys.iter().zip(new_id.iter_mut()) {
            if *n == 0 {
                *n = keys.len() as u32;
                keys.push(k.clone());
            }
        }
        for k in &mut self.flat {
            *k = new_id[*k as usize];
        }
        self.keys = keys;
        self.key_ids.clear();
    }

    /// Writes the keys to `path` (a temporary file renamed over it).
    fn save(&mut self, path: &Path) -> std::io::Result<()> {
        self.compact();
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create(true).truncate(true);
        // Names and birth dates: readable by the owner only, as the
        // database file is.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let mut w = std::io::BufWriter::new(open.open(&tmp)?);
        w.write_all(MAGIC)?;
        for v in [FORMAT, screening::KEYS_VERSION] {
            w.write_all(&v.to_le_bytes())?;
        }
        w.write_all(&screening::keys_fingerprint().to_le_bytes())?;
        w.write_all(&self.mark.to_le_bytes())?;
        w.write_all(&self.root)?;
        let strings = |w: &mut std::io::BufWriter<std::fs::File>, s: &[Box<str>]| {
            w.write_all(&(s.len() as u64).to_le_bytes())?;
            for x in s {
                w.write_all(&(x.len() as u32).to_le_bytes())?;
                w.write_all(x.as_bytes())?;
            }
            std::io::Result::Ok(())
        };
        strings(&mut w, &self.keys)?;
        strings(&mut w, &self.ids)?;
        w.write_all(&self.whom.iter().map(|w| *w as u8).collect::<Vec<u8>>())?;
        for v in [&self.start, &self.flat] {
            w.write_all(&(v.len() as u64).to_le_bytes())?;
            for x in v.iter() {
                w.write_all(&x.to_le_bytes())?;
            }
        }
        w.write_all(&(self.facts.len() as u64).to_le_bytes())?;
        w.write_all(self.facts.as_bytes())?;
        w.write_all(&(self.facts_start.len() as u64).to_le_bytes())?;
        for x in &self.facts_start {
            w.write_all(&x.to_le_bytes())?;
        }
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        self.dirty = false;
        Ok(())
    }

    /// The keys written at `path`, or `None` when there are none this
    /// engine can trust (missing, another format or key derivation, or not
    /// well formed).
    fn load(path: &Path) -> Option<PopulationKeys> {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .ok()?
            .read_to_end(&mut bytes)
            .ok()?;
        let mut r = Reader(&bytes);
        if r.take(8)? != MAGIC
            || r.u32()? != FORMAT
            || r.u32()? != screening::KEYS_VERSION
            || r.u64()? != screening::keys_fingerprint()
        {
            return None;
        }
        let mark = r.u64()? as i64;
        let root: [u8; 32] = r.take(32)?.try_into().ok()?;
        let keys = r.strings()?;
        let ids = r.strings()?;
        let whom = r
            .take(ids.len())?
            .iter()
            .map(|b| match b {
                0 => Some(Whom::Applicant),
                1 => Some(Whom::Declared),
                _ => None,
            })
            .collect::<Option<Vec<Whom>>>()?;
        let start = r.u32s()?;
        let flat = r.u32s()?;
        let n = r.len(1)?;
        let facts = std::str::from_utf8(r.take(n)?).ok()?.to_owned();
        let facts_start = r.u64s()?;
        let well_formed = r.0.is_empty()
            && facts_start.len() == ids.len() + 1
            && facts_start.first() == Some(&0)
            && facts_start.windows(2).all(|w| w[0] <= w[1])
            && facts_start
                .last()
                .is_some_and(|&l| l as usize == facts.len())
            && facts_start
                .iter()
                .all(|&o| facts.is_char_boundary(o as usize))
            && start.len() == ids.len() + 1
            && start.first() == Some(&0)
            && start.windows(2).all(|w| w[0] <= w[1])
            && start.last().is_some_and(|&l| l as usize == flat.len())
            && flat.iter().all(|&k| (k as usize) < keys.len());
        well_formed.then_some(PopulationKeys {
            mark,
            root,
            whom,
            ids,
            start,
            flat,
            facts,
            facts_start,
            keys,
            ..PopulationKeys::default()
        })
    }
}

/// Reads the little-endian layout [`PopulationKeys::save`] writes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn len(&mut self, unit: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n.checked_mul(unit)? <= self.0.len()).then_some(n)
    }
    fn strings(&mut self) -> Option<Vec<Box<str>>> {
        let n = self.len(4)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let len = self.u32()? as usize;
            out.push(std::str::from_utf8(self.take(len)?).ok()?.into());
        }
        Some(out)
    }
    fn u64s(&mut self) -> Option<Vec<u64>> {
        let n = self.len(8)?;
        Some(
            self.take(n * 8)?
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
                .collect(),
        )
    }
    fn u32s(&mut self) -> Option<Vec<u32>> {
        let n = self.len(4)?;
        Some(
            self.take(n * 4)?
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

/// The keys and the [`Facts`] (JSON) of a record's document: `None` when
/// it is not one screening reads (purged, or not readable), so that it has
/// none.
fn keys_of_doc(whom: Whom, doc: &str) -> Option<(Vec<String>, String)> {
    let (names, birth, country) = match whom {
        Whom::Applicant => serde_json::from_str::<crate::applicants::Screenable>(doc)
            .ok()?
            .query_parts(),
        Whom::Declared => {
            let line: DeclarationLine = serde_json::from_str(doc).ok()?;
            ScreeningLists::declared_parts(line.person())
        }
    };
    let keys = ScreeningLists::applicant_keys(names.clone(), birth, country.as_deref());
    let facts = serde_json::to_string(&(names, birth, country)).ok()?;
    Some((keys.iter().map(Key::encode).collect(), facts))
}

impl Service {
    /// The population's keys, caught up with the store (loaded from the
    /// data directory, or rebuilt, first). The guard keeps other
    /// re-screens of this process out while a caller uses them.
    pub(crate) async fn population_keys(
        &self,
    ) -> Result<(tokio::sync::MutexGuard<'_, Option<PopulationKeys>>, CatchUp), ServiceError> {
        let started = std::time::Instant::now();
        let path: PathBuf = self.store().location().data_dir.join(FILE);
        let mut guard = self.inner.population.lock().await;
        let mut caught = CatchUp::default();
        if guard.is_none() {
            let p = path.clone();
            *guard = tokio::task::spawn_blocking(move || PopulationKeys::load(&p))
                .await
                .map_err(|e| ServiceError::BadCommand(format!("re-screen keys: {e}")))?;
        }
        let mut keys = guard.take().unwrap_or_else(PopulationKeys::empty);
        // Keys from another ledger, or from entries this one no longer has,
        // are not to be trusted.
        if keys.mark >= 0 && self.ledger_root(keys.mark + 1).await != Some(keys.root) {
            keys = PopulationKeys::empty();
        }
        caught.rebuilt = keys.mark < 0;
        let upto = store::applicants::last_updated_seq(self.store().pool()).await?;
        let kinds = [Whom::Applicant.kind(), Whom::Declared.kind()];
        let mut after = keys.mark;
        while after < upto {
            let until = (after + WINDOW).min(upto);
            let rows =
                store::applicants::changed_docs(self.store().pool(), &kinds, after, until).await?;
            caught.read += rows.len() as u64;
            let rows = tokio::task::spawn_blocking(move || {
                rows.into_par_iter()
                    .filter_map(|r| {
                        let whom = Whom::of_kind(&r.kind)?;
                        let (keys, facts) = r
                            .doc
                            .as_deref()
                            .and_then(|d| keys_of_doc(whom, d))
                            .unwrap_or_default();
                        Some((whom, r.id, keys, facts))
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| ServiceError::BadCommand(format!("re-screen keys: {e}")))?;
            keys.apply(rows);
            after = until;
        }
        if upto > keys.mark {
            if let Some(root) = self.ledger_root(upto + 1).await {
                keys.mark = upto;
                keys.root = root;
                keys.dirty = true;
            } else {
                // The tree is not readable up to the last change: keep the
                // keys in memory without a mark to trust on disk.
                keys.mark = -1;
                keys.dirty = false;
            }
        }
        if keys.dirty {
            keys = tokio::task::spawn_blocking(move || {
                if let Err(e) = keys.save(&path) {
                    tracing::warn!(
                        "re-screen keys not written to {}: {e} (kept in memory; rebuilt next time)",
                        path.display()
                    );
                }
                keys
            })
            .await
            .map_err(|e| ServiceError::BadCommand(format!("re-screen keys: {e}")))?;
        }
        *guard = Some(keys);
        caught.ms = started.elapsed().as_millis() as u64;
        Ok((guard, caught))
    }

    /// The candidates of a change whose index `lists` holds
    /// ([`PopulationKeys::candidates`]), with the keys caught up first
    /// ([`Service::population_keys`]); also how many people have keys and
    /// the time finding and searching the candidates took (ms).
    pub(crate) async fn population_candidates(
        &self,
        lists: std::sync::Arc<ScreeningLists>,
    ) -> Result<(Candidates, CatchUp, u64, u64), ServiceError> {
        let (mut guard, caught) = self.population_keys().await?;
        let started = std::time::Instant::now();
        let keys = guard.take().unwrap_or_else(PopulationKeys::empty);
        let (keys, candidates) = tokio::task::spawn_blocking(move || {
            let c = keys.candidates(&lists);
            (keys, c)
        })
        .await
        .map_err(|e| ServiceError::BadCommand(format!("re-screen keys: {e}")))?;
        let people = keys.len() as u64;
        *guard = Some(keys);
        Ok((
            candidates,
            caught,
            people,
            started.elapsed().as_millis() as u64,
        ))
    }

    /// Forgets the population's keys, in memory and on disk (after a purge:
    /// the next re-screen builds them again from what the store still
    /// holds).
    pub(crate) async fn forget_population_keys(&self) {
        let mut guard = self.inner.population.lock().await;
        *guard = None;
        let path = self.store().location().data_dir.join(FILE);
        if let Err(e) = std::fs::remove_file(&path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("{}: {e}", path.display());
        }
    }

    /// The root of the ledger's tree of its first `size` entries, if it
    /// has that many.
    async fn ledger_root(&self, size: i64) -> Option<[u8; 32]> {
        let size = u64::try_from(size).ok()?;
        self.store().root_at(size).await.ok().map(|h| h.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(names: &[&str]) -> ScreeningLists {
        ScreeningLists::new(screening::Index::build(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let mut e =
                        watchlist::Entity::new(format!("e-{i}"), watchlist::Schema::Person, "test");
                    e.add_name(n, watchlist::NameKind::Primary);
                    e
                })
                .collect(),
        ))
    }

    fn row(whom: Whom, id: &str, name: &str) -> (Whom, String, Vec<String>, String) {
        let names = vec![name.to_owned()];
        let keys = ScreeningLists::applicant_keys(names.clone(), None, None);
        let facts: Facts = (names, None, None);
        (
            whom,
            id.to_owned(),
            keys.iter().map(Key::encode).collect(),
            serde_json::to_string(&facts).unwrap(),
        )
    }

    #[test]
    fn keys_are_replaced_written_read_back_and_forgotten_when_nobody_holds_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let mut k = PopulationKeys::empty();
        k.apply(vec![
            row(Whom::Applicant, "a-1", "Paolo Verdi"),
            row(Whom::Applicant, "a-2", "Gertrude Bianchi"),
            row(Whom::Declared, "d-1", "Zebulon Quixote"),
        ]);
        let listed = lists(&["Paolo Verdi", "Zebulon Quixote"]);
        let c = k.candidates(&listed);
        assert_eq!(
            (c.applicants, c.declared),
            (vec!["a-1".into()], vec!["d-1".into()])
        );
        // a-1 changes name: its old keys go, nobody else's stay behind.
        k.apply(vec![row(Whom::Applicant, "a-1", "Mario Rossi")]);
        assert_eq!(k.len(), 3);
        assert!(k.candidates(&listed).applicants.is_empty());
        k.mark = 41;
        k.root = [7; 32];
        k.save(&path).unwrap();
        assert!(!k.keys.iter().any(|x| x.contains("verdi")), "{:?}", k.keys);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        let back = PopulationKeys::load(&path).expect("read back");
        assert_eq!((back.mark, back.root, back.len()), (41, [7; 32], 3));
        assert_eq!(back.keys, k.keys);
        let c = back.candidates(&lists(&["Mario Rossi"]));
        assert_eq!(c.applicants, vec!["a-1".to_owned()]);
        // A file cut short, or of another format, is not trusted.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(PopulationKeys::load(&path).is_none());
        let mut other = bytes.clone();
        other[8] ^= 1;
        std::fs::write(&path, &other).unwrap();
        assert!(PopulationKeys::load(&path).is_none());
    }
}
