//! What a ledger entry commits to about the rows it wrote: each row's
//! canonical encoding ([`Canonical`]), its commitment ([`RowWrite`]: an
//! HMAC under the record's salt for personal data, a SHA-256 otherwise),
//! and the digest of an entry's list of them ([`rows_commitment`]), which
//! the entry carries in its personal-data commitment field. The list itself
//! is stored in `row_writes` with the entry ([`crate::WriteTx::append_rows`]);
//! [`crate::stamps`] checks rows, list and entries against each other.

use sha2::{Digest as _, Sha256};

/// A row as a ledger entry commits to it: the table, the row's key, and
/// the row's commitment (see [`Canonical`]). An entry that writes rows
/// carries, as its personal-data commitment, [`rows_commitment`] of their
/// list, and the list itself is kept in `row_writes`.
#[derive(Clone, PartialEq, Eq)]
pub struct RowWrite {
    /// `records`, `agencies`, `accounts`, `api_tokens` or `sessions`.
    pub table: &'static str,
    /// The row's key: `kind/id` for a record, the id otherwise.
    pub key: String,
    /// Whether the commitment is an HMAC under the record's salt (personal
    /// data); otherwise a SHA-256 of the row's canonical encoding.
    pub salted: bool,
    /// The commitment, or [`DELETED`] for a row the entry deleted.
    pub commitment: [u8; 32],
}

impl std::fmt::Debug for RowWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowWrite")
            .field("table", &self.table)
            .field("key", &self.key)
            .field("salted", &self.salted)
            .finish_non_exhaustive()
    }
}

impl RowWrite {
    /// The write that deletes row `key` of `table`.
    pub fn deleted(table: &'static str, key: impl Into<String>) -> RowWrite {
        RowWrite {
            table,
            key: key.into(),
            salted: false,
            commitment: DELETED,
        }
    }

    /// Whether this write deleted the row.
    pub fn is_deletion(&self) -> bool {
        self.commitment == DELETED
    }
}

/// The commitment a deletion carries: SHA-256 of the label
/// `cortina.row.deleted.v1` (a unit test recomputes it), which no row's
/// canonical encoding equals.
pub const DELETED: [u8; 32] = [
    0x60, 0x12, 0x8e, 0x40, 0xf9, 0x78, 0xea, 0x19, 0xb0, 0x27, 0x13, 0x08, 0x21, 0xd0, 0x8c, 0xa5,
    0x6b, 0x06, 0x26, 0xec, 0x85, 0x15, 0x49, 0x6f, 0x68, 0x55, 0x6e, 0x04, 0x5a, 0x4b, 0xa2, 0x3d,
];

/// The canonical encoding of a row that its commitment is computed over:
/// a label naming the table and version, then each column in a fixed
/// order, each with its length (or absence) so that no two rows encode
/// alike.
pub struct Canonical(Vec<u8>);

impl Canonical {
    /// Starts the encoding of a row of `table`.
    pub fn new(table: &str) -> Canonical {
        let mut c = Canonical(Vec::with_capacity(256));
        c.bytes(b"cortina.row.v1");
        c.bytes(table.as_bytes());
        c
    }

    /// A byte string.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.push(1);
        self.0.extend_from_slice(&(b.len() as u64).to_be_bytes());
        self.0.extend_from_slice(b);
        self
    }

    /// A text column.
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// A nullable text column.
    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => {
                self.0.push(0);
                self
            }
        }
    }

    /// A nullable byte-string column.
    pub fn opt_bytes(&mut self, b: Option<&[u8]>) -> &mut Self {
        match b {
            Some(b) => self.bytes(b),
            None => {
                self.0.push(0);
                self
            }
        }
    }

    /// An integer column.
    pub fn int(&mut self, v: i64) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }

    /// A nullable integer column.
    pub fn opt_int(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.int(v),
            None => {
                self.0.push(0);
                self
            }
        }
    }

    /// The row's write: an HMAC under `salt` when the row has one (a
    /// record's personal data), a SHA-256 otherwise. A salt that is not 32
    /// bytes (which cortina never writes) commits to nothing verifiable.
    pub fn write(&self, table: &'static str, key: String, salt: Option<&[u8]>) -> RowWrite {
        let (salted, commitment) = match salt {
            Some(s) => (
                true,
                <[u8; 32]>::try_from(s).map_or([0; 32], |s| ledger::commit(&s, &self.0)),
            ),
            None => (false, Sha256::digest(&self.0).into()),
        };
        RowWrite {
            table,
            key,
            salted,
            commitment,
        }
    }
}

/// The rows' list in the order it is committed to and stored: by table and
/// key, one write per row (the last one given).
pub fn normalize(rows: Vec<RowWrite>) -> Vec<RowWrite> {
    let mut out: Vec<RowWrite> = Vec::with_capacity(rows.len());
    for r in rows {
        match out
            .iter_mut()
            .find(|o| o.table == r.table && o.key == r.key)
        {
            Some(o) => *o = r,
            None => out.push(r),
        }
    }
    out.sort_by(|a, b| (a.table, &a.key).cmp(&(b.table, &b.key)));
    out
}

/// The digest an entry carries for the rows it wrote (`rows` as
/// [`normalize`] leaves them): SHA-256 over a label, the count, and each
/// row's table, key, salted flag and commitment.
pub fn rows_commitment(rows: &[RowWrite]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"cortina.rows.v1\0");
    h.update((rows.len() as u64).to_be_bytes());
    for r in rows {
        for part in [r.table.as_bytes(), r.key.as_bytes()] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.update([u8::from(r.salted)]);
        h.update(r.commitment);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleted_is_the_digest_of_its_label() {
        let d: [u8; 32] = Sha256::digest(b"cortina.row.deleted.v1").into();
        assert_eq!(d, DELETED);
    }

    #[test]
    fn columns_are_unambiguous_and_the_list_is_ordered() {
        let enc = |a: Option<&str>, b: &str| {
            let mut c = Canonical::new("records");
            c.opt_text(a).text(b);
            c.write("records", "k".into(), None).commitment
        };
        assert_ne!(enc(Some("ab"), "c"), enc(Some("a"), "bc"));
        assert_ne!(enc(None, ""), enc(Some(""), ""));
        let a = RowWrite::deleted("sessions", "b");
        let b = RowWrite::deleted("accounts", "z");
        let mut again = a.clone();
        again.salted = true;
        let list = normalize(vec![a.clone(), b.clone(), again.clone()]);
        assert_eq!(list, vec![b.clone(), again.clone()]);
        assert_ne!(rows_commitment(&list), rows_commitment(&[b, a]));
    }
}
