//! No input makes `check` panic: every file of a valid fixture is cut short at
//! every position and has bytes flipped, and the pipeline must answer with
//! diagnostics, never a panic.

use crate::common::copy_dir;

use std::path::Path;

use chrono::NaiveDate;

#[test]
fn truncated_and_corrupted_files_never_panic() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testsuite/fixtures/valid/minimal");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture, dir.path());
    let as_of = NaiveDate::from_ymd_opt(2024, 2, 20).unwrap();
    let files: Vec<_> = walkdir::WalkDir::new(dir.path())
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    assert!(files.len() >= 6);
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut runs = 0;
    for path in &files {
        let original = std::fs::read(path).unwrap();
        let mut variants: Vec<Vec<u8>> = (0..original.len())
            .map(|n| original[..n].to_vec())
            .collect();
        for _ in 0..40 {
            let mut v = original.clone();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = (seed >> 33) as usize % v.len().max(1);
            let byte = [b'"', b'=', b'\n', b'[', b'+', 0xff, b'\'', b'{', b'#', 0]
                [(seed >> 20) as usize % 10];
            if let Some(b) = v.get_mut(at) {
                *b = byte;
            }
            variants.push(v);
        }
        for v in variants {
            std::fs::write(path, &v).unwrap();
            let checked = okra::pipeline::check(&okra::pipeline::Input::Disk(dir.path()), as_of);
            // Whatever happened, every diagnostic names a file, a line and a hint.
            for d in checked.diagnostics.iter() {
                assert!(d.loc.line >= 1 && d.loc.column >= 1);
                assert!(!d.hint.is_empty(), "{d:?}");
            }
            runs += 1;
        }
        std::fs::write(path, &original).unwrap();
    }
    assert!(runs > 500, "{runs}");
    // Restored: clean again.
    assert!(
        !okra::pipeline::check(&okra::pipeline::Input::Disk(dir.path()), as_of)
            .diagnostics
            .has_errors()
    );
}
