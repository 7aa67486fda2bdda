//! KR table rows (`fragments/kr-row.html`), each rendered once and shared by
//! every table that lists the KR.
//!
//! A KR is a row of its objective's page (twice when the objective is aligned
//! to another), its quarter's page, its team's, its owner's and, when it needs
//! attention, the dashboard's: about five rows per KR, 50,000 at 10k KRs. The
//! row only differs by the folder depth of the page (its links start with
//! `root`) and by whether it has a quarter column, so it is rendered once per
//! depth and column choice, on first use, and pages include the finished HTML.
//! Rendering every row on every page was about a tenth of a build's CPU.

use std::sync::OnceLock;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::load::{IdVec, KrId};
use crate::render::Renderer;
use crate::render::html::SafeHtml;
use crate::render::view::KrView;

/// The template of one row (a `<tr>`), given `kr`, `root` and `show_quarter`.
pub const TEMPLATE: &str = "fragments/kr-row.html";

/// Folder depths whose rows are kept (the dashboard is at 0, the other
/// tables at 2); rows for deeper pages are rendered each time.
const DEPTHS: usize = 4;

/// Rows kept per KR: `DEPTHS` depths × without and with the quarter column.
const SLOTS: usize = DEPTHS * 2;

/// Where the row for a page at `url` is kept, if it is kept.
fn slot(url: &str, show_quarter: bool) -> Option<usize> {
    let depth = url.matches('/').count();
    (depth < DEPTHS).then(|| depth * 2 + usize::from(show_quarter))
}

/// The rendered rows of every KR, filled as pages ask for them.
pub struct KrRows {
    rows: IdVec<KrId, [OnceLock<SafeHtml>; SLOTS]>,
}

impl KrRows {
    pub fn new(krs: &IdVec<KrId, KrView>) -> KrRows {
        KrRows {
            rows: krs.map(|_| Default::default()),
        }
    }
}

#[derive(Serialize)]
struct RowContext<'v> {
    kr: &'v KrView,
    show_quarter: bool,
}

impl Renderer<'_> {
    /// The table rows of `krs` for a page at `url`, in order, as HTML that
    /// templates print as it is (`{{ row }}`).
    pub fn kr_rows(
        &self,
        krs: &[&KrView],
        url: &str,
        show_quarter: bool,
    ) -> Result<Vec<SafeHtml>, Diagnostic> {
        let slot = slot(url, show_quarter);
        krs.iter()
            .map(|&kr| {
                let render = || {
                    let ctx = RowContext { kr, show_quarter };
                    self.fragment(TEMPLATE, url, &ctx)
                };
                let Some(cell) = slot.map(|i| &self.rows.rows[kr.key][i]) else {
                    return render();
                };
                if let Some(row) = cell.get() {
                    return Ok(row.clone());
                }
                // Two threads may render the same row at once; both get the
                // same HTML and the first one is kept.
                let row = render()?;
                Ok(cell.get_or_init(|| row).clone())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_depth_and_column_choice_has_its_own_slot() {
        let mut seen = std::collections::BTreeSet::new();
        for depth in 0..DEPTHS {
            let url = "x/".repeat(depth);
            for show_quarter in [false, true] {
                let i = slot(&url, show_quarter).expect("kept");
                assert!(i < SLOTS);
                assert!(
                    seen.insert(i),
                    "depth {depth}, {show_quarter}: slot {i} taken"
                );
            }
        }
        assert_eq!(seen.len(), SLOTS);
        assert_eq!(slot(&"x/".repeat(DEPTHS), false), None);
        assert_eq!(slot(&"x/".repeat(DEPTHS + 3), true), None);
    }
}
