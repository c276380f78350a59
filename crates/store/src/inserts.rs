//! The rows a write batch inserts beside its entries (the entries, their
//! salts, the rows they wrote, the consultations), as values, and the two
//! ways of sending them to the database:
//!
//! * [`bound`]: multi-row `INSERT`s with bound parameters, in chunks —
//!   any backend, any size (an import's ten thousand applicants);
//! * [`literal`]: on SQLite, the values written into the statements' text,
//!   so that a small batch's inserts, the ledger head's update and the
//!   `COMMIT` go to the connection's thread as one multi-statement text,
//!   one round trip instead of one per table. Under 2,000 screenings a
//!   second a batch is two or three of them, and each round trip to the
//!   connection's thread (two thread wake-ups) cost about as much as the
//!   commit's own work (BENCHMARKS.md, "WAL checkpoints off the writer's
//!   path").
//!
//! Both write the same values of the same types: an integer as a decimal
//! literal, bytes as a blob literal (`X'…'`), text as a blob literal cast
//! to text (`CAST(X'…' AS TEXT)`: SQLite reads the bytes as UTF-8, exactly
//! what binding the string stores, and no character of it can end the
//! literal or the statement), an absent value as `NULL`.

use std::fmt::Write as _;

use sqlx::AnyConnection;

use crate::StoreError;

/// A value of an inserted row.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    Int(i64),
    OptInt(Option<i64>),
    Bytes(&'a [u8]),
    Text(&'a str),
    OptText(Option<&'a str>),
}

/// Rows of one table.
#[derive(Debug)]
pub(crate) struct Table<'a> {
    /// `name (column, …)`.
    pub target: &'static str,
    /// Values per row.
    pub columns: usize,
    /// Rows per bound statement (the backends' parameter limits).
    pub chunk: usize,
    /// The rows' values, row after row.
    pub values: Vec<Value<'a>>,
}

impl Table<'_> {
    fn rows(&self) -> usize {
        self.values.len() / self.columns
    }
}

/// Rows, in all tables together, up to which a batch's end is sent as one
/// text ([`literal`]); a larger batch's statements are bound ([`bound`]),
/// whose prepared form SQLite parses once, not once per batch.
pub(crate) const LITERAL_ROWS: usize = 256;

/// Whether `tables` are few enough rows to be written as text.
pub(crate) fn small(tables: &[Table<'_>]) -> bool {
    tables.iter().map(Table::rows).sum::<usize>() <= LITERAL_ROWS
}

/// Inserts `tables`' rows with bound parameters (the rows must all be new:
/// [`crate::sql::Placeholders::insert_into`]).
pub(crate) async fn bound(
    conn: &mut AnyConnection,
    tables: &[Table<'_>],
) -> Result<(), StoreError> {
    for table in tables {
        for chunk in table.values.chunks(table.chunk * table.columns) {
            let mut p = crate::sql::Placeholders::for_conn(conn);
            let mut sql = format!("{} {} VALUES ", p.insert_into(), table.target);
            p.rows(&mut sql, table.columns, chunk.len() / table.columns);
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in chunk {
                q = match *value {
                    Value::Int(v) => q.bind(v),
                    Value::OptInt(v) => q.bind(v),
                    Value::Bytes(v) => q.bind(v),
                    Value::Text(v) => q.bind(v),
                    Value::OptText(v) => q.bind(v),
                };
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Appends SQLite statements inserting `tables`' rows, values written in
/// (each statement ends with `; `).
pub(crate) fn literal(sql: &mut String, tables: &[Table<'_>]) {
    for table in tables.iter().filter(|t| !t.values.is_empty()) {
        let _ = write!(sql, "INSERT OR FAIL INTO {} VALUES ", table.target);
        for (r, row) in table.values.chunks(table.columns).enumerate() {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for (c, value) in row.iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                push_value(sql, *value);
            }
            sql.push(')');
        }
        sql.push_str("; ");
    }
}

fn push_value(sql: &mut String, value: Value<'_>) {
    match value {
        Value::Int(v) | Value::OptInt(Some(v)) => push_int(sql, v),
        Value::Bytes(v) => push_blob(sql, v),
        Value::Text(v) | Value::OptText(Some(v)) => {
            sql.push_str("CAST(");
            push_blob(sql, v.as_bytes());
            sql.push_str(" AS TEXT)");
        }
        Value::OptInt(None) | Value::OptText(None) => sql.push_str("NULL"),
    }
}

fn push_int(sql: &mut String, v: i64) {
    if v == i64::MIN {
        // `-9223372036854775808` would read as minus a real number.
        sql.push_str("(-9223372036854775807 - 1)");
    } else {
        let _ = write!(sql, "{v}");
    }
}

fn push_blob(sql: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    sql.reserve(bytes.len() * 2 + 3);
    sql.push_str("X'");
    for b in bytes {
        sql.push(char::from(HEX[usize::from(b >> 4)]));
        sql.push(char::from(HEX[usize::from(b & 15)]));
    }
    sql.push('\'');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_literals_no_text_can_escape() {
        let table = Table {
            target: "t (a, b, c, d, e)",
            columns: 5,
            chunk: 10,
            values: vec![
                Value::Int(-3),
                Value::OptInt(None),
                Value::Bytes(&[0, 255]),
                Value::Text("it's'; DROP TABLE t; --"),
                Value::OptText(None),
                Value::Int(i64::MIN),
                Value::OptInt(Some(7)),
                Value::Bytes(&[]),
                Value::Text(""),
                Value::OptText(Some("é")),
            ],
        };
        let mut sql = String::new();
        literal(&mut sql, &[table]);
        assert_eq!(
            sql,
            "INSERT OR FAIL INTO t (a, b, c, d, e) VALUES \
             (-3, NULL, X'00ff', CAST(X'69742773273b2044524f50205441424c4520743b202d2d' AS TEXT), NULL), \
             ((-9223372036854775807 - 1), 7, X'', CAST(X'' AS TEXT), CAST(X'c3a9' AS TEXT)); "
        );
    }
}
