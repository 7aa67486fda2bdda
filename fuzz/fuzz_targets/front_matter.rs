//! One content file's bytes, split and parsed as every kind of file okra reads.
//! Never a panic; every diagnostic points inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okra::load::{parse, source};
use okra::diag::Diagnostics;

fuzz_target!(|data: &[u8]| {
    let path = "content/fy24/x/kr.md";
    let file = match source::SourceFile::from_bytes(path, data.to_vec()) {
        Ok(f) => f,
        Err(d) => {
            assert_eq!(d.loc.file, std::path::Path::new(path));
            return;
        }
    };
    let _ = source::split_front_matter(&file);
    let date = chrono::NaiveDate::from_ymd_opt(2024, 2, 14).unwrap();
    let mut diags = Diagnostics::new();
    let _ = parse::team(&file, "platform", &mut diags);
    let _ = parse::objective(&file, &mut diags);
    let _ = parse::key_result(&file, &mut diags);
    let _ = parse::update(&file, date, &mut diags);
    let text = String::from_utf8_lossy(data);
    let lines = text.split('\n').count() as u32;
    for d in diags.iter() {
        assert!(
            d.loc.line <= lines,
            "{}:{}:{} is past the end of a {lines}-line file",
            d.loc.file.display(),
            d.loc.line,
            d.loc.column
        );
        assert!(!d.message.is_empty() && !d.hint.is_empty());
    }
});
