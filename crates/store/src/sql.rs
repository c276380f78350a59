//! Placeholders for statements whose shape is built at run time (the
//! multi-row `INSERT`s and `IN (…)` lists of bulk writes).
//!
//! PostgreSQL numbers its parameters (`$1`, `$2`, …). SQLite understands
//! the same, but sqlx binds a SQLite statement by asking, for each
//! parameter, its name (`sqlite3_bind_parameter_name`), which SQLite finds
//! by walking the statement's list of names: binding a statement of `n`
//! numbered parameters costs `n²/2` steps. A 200-row insert of 13 columns
//! (2,600 parameters) spent most of its time there — three quarters of the
//! writer's time in an applicant import. Anonymous `?` parameters are not
//! in that list (the lookup answers at once) and are bound in the order
//! they appear, so on SQLite these statements use `?` throughout (never
//! mixed with `$N` in one statement).

use sqlx::AnyConnection;

/// Writes placeholders in order: `?` on SQLite, `$1`, `$2`, … on PostgreSQL.
#[derive(Debug)]
pub(crate) struct Placeholders {
    sqlite: bool,
    next: usize,
}

impl Placeholders {
    /// Placeholders for a statement to run on `conn`, numbered from 1.
    pub(crate) fn for_conn(conn: &AnyConnection) -> Self {
        Placeholders {
            sqlite: conn.backend_name().eq_ignore_ascii_case("sqlite"),
            next: 1,
        }
    }

    /// Placeholders for a statement to run on `backend`, numbered from 1.
    pub(crate) fn for_backend(backend: crate::Backend) -> Self {
        Placeholders {
            sqlite: matches!(backend, crate::Backend::Sqlite),
            next: 1,
        }
    }

    /// `head`, its `params` placeholders after each `?` of it, then an
    /// `IN (…)` list of `n` placeholders: `WHERE a = ? AND id IN (…)` the
    /// common shape of a statement on a chunk of keys.
    pub(crate) fn with_in_list(&mut self, head: &str, n: usize) -> String {
        let mut sql = String::with_capacity(head.len() + n * 6 + 8);
        for (i, part) in head.split('?').enumerate() {
            if i > 0 {
                self.one(&mut sql);
            }
            sql.push_str(part);
        }
        sql.push_str(" IN (");
        self.list(&mut sql, n);
        sql.push(')');
        sql
    }

    /// Whether a lookup by a list of keys under a leading key
    /// (`WHERE kind = ? AND id IN (…)`) may be kept as a prepared statement
    /// (`Query::persistent`): on SQLite yes; on PostgreSQL no. PostgreSQL
    /// settles, after five runs of a prepared statement, on a generic plan
    /// made with the table's statistics of that moment: at the start of a
    /// bulk import, with the table nearly empty, that plan finds the rows by
    /// the leading column alone and filters them by the list, so every
    /// lookup reads every row under the key (73 ms for 100 references at
    /// 60,000 applicants of one organiser, and most of a PostgreSQL import's
    /// time). An unnamed statement is planned with its values every time.
    pub(crate) fn keep_prepared(&self) -> bool {
        self.sqlite
    }

    /// The start of an `INSERT` of rows that must all be new: on SQLite
    /// `INSERT OR FAIL INTO`. A statement that may abort halfway (a plain
    /// `INSERT` into a table with a key) makes SQLite copy every page it
    /// changes into a statement journal first, to undo the statement
    /// alone; with `OR FAIL` a conflict stops the statement where it is,
    /// without undoing its earlier rows, so no copy is taken. The caller
    /// fails on the error and its closure is rolled back as a whole (its
    /// savepoint or the transaction), so nothing it wrote is kept either
    /// way. PostgreSQL has no such form and needs none.
    pub(crate) fn insert_into(&self) -> &'static str {
        if self.sqlite {
            "INSERT OR FAIL INTO"
        } else {
            "INSERT INTO"
        }
    }

    /// Appends the next placeholder.
    pub(crate) fn one(&mut self, sql: &mut String) {
        if self.sqlite {
            sql.push('?');
        } else {
            use std::fmt::Write as _;
            let _ = write!(sql, "${}", self.next);
        }
        self.next += 1;
    }

    /// Appends `n` placeholders separated by commas (an `IN (…)` list).
    pub(crate) fn list(&mut self, sql: &mut String, n: usize) {
        for i in 0..n {
            if i > 0 {
                sql.push_str(", ");
            }
            self.one(sql);
        }
    }

    /// Appends `rows` parenthesised groups of `columns` placeholders (a
    /// multi-row `VALUES`).
    pub(crate) fn rows(&mut self, sql: &mut String, columns: usize, rows: usize) {
        sql.reserve(rows * (columns * 6 + 4));
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            self.list(sql, columns);
            sql.push(')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_and_anonymous_forms_count_alike() {
        let mut pg = Placeholders {
            sqlite: false,
            next: 1,
        };
        let mut s = String::from("x = ");
        pg.one(&mut s);
        s.push_str(" AND y IN (");
        pg.list(&mut s, 2);
        s.push_str(") VALUES ");
        pg.rows(&mut s, 2, 2);
        assert_eq!(s, "x = $1 AND y IN ($2, $3) VALUES ($4, $5), ($6, $7)");
        let mut lite = Placeholders {
            sqlite: true,
            next: 1,
        };
        let mut s = String::new();
        lite.rows(&mut s, 3, 2);
        assert_eq!(s, "(?, ?, ?), (?, ?, ?)");
        assert_eq!(lite.next, 7);
        let mut pg = Placeholders::for_backend(crate::Backend::Postgres);
        assert_eq!(
            pg.with_in_list("UPDATE t SET a = ? WHERE b = ? AND id", 2),
            "UPDATE t SET a = $1 WHERE b = $2 AND id IN ($3, $4)"
        );
        let mut lite = Placeholders::for_backend(crate::Backend::Sqlite);
        assert_eq!(
            lite.with_in_list("DELETE FROM t WHERE id", 1),
            "DELETE FROM t WHERE id IN (?)"
        );
    }
}
