//! The I/O floor for BENCHMARKS.md: read every input file under `content/` and
//! write the same number of output files with the same total bytes as a real
//! build, on both cores; no parsing, no rendering. okra cannot be faster.
//!
//! ```sh
//! cargo run --release --example floor -- SITE_ROOT OUTPUT FILES BYTES
//! ```

use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, out, files, bytes] = args.as_slice() else {
        eprintln!("floor SITE_ROOT OUTPUT FILES BYTES");
        std::process::exit(2);
    };
    let files: usize = files.parse().expect("FILES");
    let bytes: usize = bytes.parse().expect("BYTES");
    let inputs: Vec<_> = walkdir::WalkDir::new(std::path::Path::new(root).join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    let read: usize = inputs
        .par_iter()
        .map(|p| std::fs::read(p).map(|b| b.len()).unwrap_or(0))
        .sum();
    let out = std::path::Path::new(out);
    let _ = std::fs::remove_dir_all(out);
    let per = bytes / files.max(1);
    let chunk = vec![b'x'; per];
    // 100 files per folder, like a site's page folders.
    (0..files).into_par_iter().for_each(|i| {
        let dir = out.join(format!("d{}", i / 100));
        let _ = std::fs::create_dir_all(&dir);
        std::fs::write(dir.join(format!("{i}.html")), &chunk).unwrap();
    });
    eprintln!(
        "read {} files ({read} bytes), wrote {files} files ({} bytes)",
        inputs.len(),
        per * files
    );
}
