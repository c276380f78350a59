//! A batch's rows read back exactly as they were written, whether the batch
//! was small (on SQLite its end goes as one text, values written in) or
//! large (bound statements).

use store::StoreError;
use store::consultations::{self, Consultation, Filter};

use crate::common::{backends, create, entry};

/// Values a literal could get wrong: quotes, a statement's end, a comment,
/// non-ASCII, empty text, negative numbers, absent values, every byte.
fn consultation(seq: i64, at_ms: i64, i: usize) -> Consultation {
    Consultation {
        seq,
        at_ms,
        account: format!("acc-'{i}'; COMMIT; --"),
        agency: "agence-é-\u{1F512}".into(),
        channel: "token:x\"y".into(),
        action: "screening.run".into(),
        record_kind: String::new(),
        record_id: "lists/2026-12-08".into(),
        allowed: i.is_multiple_of(2),
        purpose: (!i.is_multiple_of(3)).then(|| format!("it's\n\"{i}\"\\")),
        payload: (0..=255u8).cycle().skip(i).take(300).collect(),
        result_size: match i % 3 {
            0 => None,
            1 => Some(-1),
            _ => Some(i64::MAX),
        },
        subjects: vec![format!("n:'{i}"), "n:shared".into()],
    }
}

#[tokio::test]
async fn consultations_read_back_as_written_from_small_and_large_batches() {
    for db in backends().await {
        let store = create(&db).await;
        // 1 row per table: one text on SQLite; 400: bound, in chunks.
        for n in [1usize, 400] {
            let written = store
                .write(move |tx| {
                    Box::pin(async move {
                        let mut written = Vec::new();
                        for i in 0..n {
                            let seq = tx.append_salted(entry(i as u64), [i as u8; 32])?;
                            let c = consultation(seq as i64, tx.now_ms(), i);
                            tx.consulted(c.clone());
                            written.push(c);
                        }
                        Ok::<_, StoreError>(written)
                    })
                })
                .await
                .unwrap();
            let mut conn = store.pool().acquire().await.unwrap();
            let first = written[0].seq;
            let read = consultations::page(
                &mut conn,
                &Filter {
                    limit: 1000,
                    ..Filter::default()
                },
            )
            .await
            .unwrap();
            let mut read: Vec<Consultation> = read.into_iter().filter(|c| c.seq >= first).collect();
            read.sort_by_key(|c| c.seq);
            let expected: Vec<Consultation> = written
                .iter()
                .map(|c| Consultation {
                    subjects: Vec::new(),
                    ..c.clone()
                })
                .collect();
            assert_eq!(read, expected, "{}: batch of {n}", db.name);
            // Whom they concerned: each row's own digest, and the shared one.
            let last = written.last().unwrap();
            let by_subject = |subject: String| {
                let mut filter = Filter {
                    limit: 1000,
                    ..Filter::default()
                };
                filter.subjects = vec![vec![subject]];
                filter
            };
            let own = consultations::page(&mut conn, &by_subject(last.subjects[0].clone()))
                .await
                .unwrap();
            assert!(
                own.iter().any(|c| c.seq == last.seq),
                "{}: batch of {n}: found by its own subject",
                db.name
            );
            let shared = consultations::page(&mut conn, &by_subject("n:shared".into()))
                .await
                .unwrap();
            assert_eq!(
                shared.iter().filter(|c| c.seq >= first).count(),
                n,
                "{}: batch of {n}: all found by the shared subject",
                db.name
            );
        }
        store.close().await;
    }
}
