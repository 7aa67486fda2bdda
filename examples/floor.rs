//! The I/O floor for BENCHMARKS.md: read every input file under `content/` and
//! write okra's output again, on both cores, with no parsing and no rendering:
//! every file okra wrote, at the same path and with as many bytes (a list
//! `benches/compare.sh` makes from a real build beforehand, `path size` per
//! line), after deleting the previous copy, as `okra build` replaces its
//! output. okra cannot be faster.
//!
//! ```sh
//! cargo run --release --example floor -- SITE_ROOT OUTPUT MANIFEST
//! ```
//!
//! The same paths matter: okra writes one folder per page (11,000 at 10k
//! KRs), and creating a folder costs about as much as writing a small file.
//! An earlier floor wrote the same number of files and bytes into folders of
//! 100 files and took about a tenth less time than this one.

use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [root, out, manifest] = args.as_slice() else {
        eprintln!("floor SITE_ROOT OUTPUT MANIFEST");
        std::process::exit(2);
    };
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
    let manifest = std::fs::read_to_string(manifest).expect("MANIFEST");
    let files: Vec<(&str, usize)> = manifest
        .lines()
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(path, size)| (path, size.parse().expect("MANIFEST: `path size` lines")))
        .collect();
    let out = std::path::Path::new(out);
    let _ = std::fs::remove_dir_all(out);
    let chunk = vec![b'x'; files.iter().map(|f| f.1).max().unwrap_or(0)];
    files.par_iter().for_each(|&(path, size)| {
        let path = out.join(path);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(&path, &chunk[..size]).unwrap();
    });
    eprintln!(
        "read {} files ({read} bytes), wrote {} files ({} bytes)",
        inputs.len(),
        files.len(),
        files.iter().map(|f| f.1).sum::<usize>()
    );
}
