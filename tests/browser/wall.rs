//! The wall in real Chromium: printed to PDF over the DevTools protocol
//! (`Page.printToPDF` with the page's own `@page` size), for the demo, the
//! companies at and beyond the limit ([`limit_company`]) and companies
//! generated from a seed in many shapes, on every paper and orientation. Each
//! printed sheet must be exactly one page, filled (the type is as large as the
//! sheet allows), and show every value and unit whole.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use chromiumoxide::Browser;
use chromiumoxide::cdp::browser_protocol::emulation::{
    SetDeviceMetricsOverrideParams, SetEmulatedMediaParams,
};
use chromiumoxide::cdp::browser_protocol::page::PrintToPdfParams;
use chromiumoxide::page::ScreenshotParams;

use super::{build_site, demo, launch, serve, visit};

/// Page count and the first page's size in points, read from the PDF itself.
fn pdf_pages(pdf: &[u8]) -> (usize, (f64, f64)) {
    let text = String::from_utf8_lossy(pdf);
    let pages = text
        .match_indices("/Type /Page")
        .filter(|(i, _)| !text[i + 11..].starts_with('s'))
        .count();
    let media = text
        .split("/MediaBox [")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .map(|b| {
            b.split_whitespace()
                .filter_map(|n| n.parse::<f64>().ok())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let size = if media.len() == 4 {
        (media[2] - media[0], media[3] - media[1])
    } else {
        (0.0, 0.0)
    };
    (pages, size)
}

/// Paper sizes in mm, portrait, as okra.toml names them.
const PAPERS: [(&str, f64, f64); 4] = [
    ("A3", 297.0, 420.0),
    ("A4", 210.0, 297.0),
    ("letter", 215.9, 279.4),
    ("tabloid", 279.4, 431.8),
];
const MARGIN_MM: f64 = 8.0;

/// The sheet in mm as oriented.
fn sheet_mm(paper: &str, orientation: &str) -> (f64, f64) {
    let (_, w, h) = PAPERS.iter().find(|p| p.0 == paper).unwrap();
    if orientation == "landscape" {
        (*h, *w)
    } else {
        (*w, *h)
    }
}

fn points((w, h): (f64, f64)) -> (f64, f64) {
    (w * 72.0 / 25.4, h * 72.0 / 25.4)
}

/// Copies a site to a temporary folder with other `[wall]` settings.
fn with_paper(root: &Path, paper: &str, orientation: &str) -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    super::common::copy_dir(&root.join("content"), &dir.join("content"));
    let config = std::fs::read_to_string(root.join("okra.toml")).unwrap();
    let config = config.split("[wall]").next().unwrap().to_string();
    std::fs::write(
        dir.join("okra.toml"),
        format!("{config}[wall]\npaper = \"{paper}\"\norientation = \"{orientation}\"\n"),
    )
    .unwrap();
    dir
}

/// What one printed wall looked like.
struct Printed {
    path: PathBuf,
    pdf: PathBuf,
    pages: usize,
    size: (f64, f64),
    /// `pdftotext -raw` of the sheet.
    text: String,
    /// Lowest and highest inked row, as fractions of the page height.
    ink: (f64, f64),
    /// Height of the content laid out for print without stretching, over the printable height.
    natural: f64,
    /// okra's estimate of the same (`data-fill`).
    estimate: f64,
    font_pt: f64,
    columns: u32,
    /// The smallest status badge's type, in points.
    status_pt: f64,
    /// The page had site navigation (it must not).
    chrome: bool,
    /// Cards taller than okra's estimate.
    over: Vec<String>,
}

/// Runs a command, returning its standard output (the test fails if it cannot run).
fn run(cmd: &str, args: &[&str]) -> Vec<u8> {
    let o = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (poppler-utils installed?)"));
    assert!(o.status.success(), "{cmd} {args:?}: {:?}", o.status);
    o.stdout
}

/// Inked rows of the first page at 20 dpi in grey: (top, bottom) as fractions of the height.
fn ink(pdf: &Path) -> (f64, f64) {
    let pgm = run(
        "pdftoppm",
        &[
            "-r",
            "20",
            "-gray",
            "-f",
            "1",
            "-l",
            "1",
            pdf.to_str().unwrap(),
        ],
    );
    // Binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..i]).into_owned());
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let px = &pgm[i + 1..];
    let inked: Vec<usize> = (0..h)
        .filter(|y| px[y * w..(y + 1) * w].iter().any(|&p| p < 200))
        .collect();
    match (inked.first(), inked.last()) {
        (Some(&a), Some(&b)) => (a as f64 / h as f64, (b + 1) as f64 / h as f64),
        _ => (0.0, 0.0),
    }
}

/// The wall pages of a built site: `/wall/` and any team walls.
fn wall_pages(site: &Path) -> Vec<PathBuf> {
    let mut walls = vec![site.join("wall/index.html")];
    let mut teams: Vec<PathBuf> = std::fs::read_dir(site.join("wall"))
        .unwrap()
        .map(|d| d.unwrap().path().join("index.html"))
        .filter(|p| p.exists())
        .collect();
    teams.sort();
    walls.extend(teams);
    walls
}

/// Prints every wall of a built site to `pdfs/wall-<label>-<n>.pdf` and measures it.
async fn print_walls(
    browser: &Browser,
    site: &Path,
    label: &str,
    sheet: (f64, f64),
    pdfs: &Path,
) -> Vec<Printed> {
    std::fs::create_dir_all(pdfs).unwrap();
    let mut out = Vec::new();
    for (n, wall) in wall_pages(site).iter().enumerate() {
        let page = browser
            .new_page(format!("file://{}", wall.display()))
            .await
            .unwrap();
        page.wait_for_navigation().await.unwrap();
        let pdf_bytes = page
            .pdf(PrintToPdfParams {
                prefer_css_page_size: Some(true),
                print_background: Some(true),
                display_header_footer: Some(false),
                ..Default::default()
            })
            .await
            .unwrap();
        let pdf = pdfs.join(format!("wall-{label}-{n}.pdf"));
        std::fs::write(&pdf, &pdf_bytes).unwrap();
        let (pages, size) = pdf_pages(&pdf_bytes);
        // The print layout at the printable width, without the stretch to the sheet's height.
        let px = |mm: f64| (mm * 96.0 / 25.4).round() as i64;
        page.execute(SetDeviceMetricsOverrideParams::new(
            px(sheet.0 - 2.0 * MARGIN_MM),
            px(sheet.1 - 2.0 * MARGIN_MM),
            1.0,
            false,
        ))
        .await
        .unwrap();
        page.execute(SetEmulatedMediaParams::builder().media("print").build())
            .await
            .unwrap();
        let measured: Vec<f64> = page
            .evaluate(
                "(() => { const w = document.querySelector('.wall'); w.style.minHeight = '0'; \
                 const h = w.getBoundingClientRect().height; w.style.minHeight = ''; \
                 const badges = [...document.querySelectorAll('.wall-grid .status')].map(e => parseFloat(getComputedStyle(e).fontSize)); \
                 return [h, parseFloat(w.dataset.fill), parseFloat(w.dataset.fontPt), parseFloat(w.dataset.columns), Math.min(1000, ...badges) * 0.75]; })()",
            )
            .await
            .unwrap()
            .into_value()
            .unwrap();
        // Cards Chromium laid out taller than okra estimated (there should be none).
        let over: Vec<String> = page
            .evaluate(
                "[...document.querySelectorAll('.wall-card[data-estimate-mm]')].map(c => { \
                 const mm = (c.getBoundingClientRect().height + parseFloat(getComputedStyle(c).marginBottom)) * 25.4 / 96; \
                 const est = parseFloat(c.dataset.estimateMm); \
                 return mm > est + 0.2 ? `card '${c.querySelector('.wall-obj').textContent.slice(0, 40)}' is ${mm.toFixed(1)} mm, estimated ${est} mm` : ''; \
                 }).filter(x => x)",
            )
            .await
            .unwrap()
            .into_value()
            .unwrap();
        let chrome: bool = page
            .evaluate("!!document.querySelector('.site-header, .site-footer, nav')")
            .await
            .unwrap()
            .into_value()
            .unwrap();
        page.close().await.unwrap();
        let avail_px = (sheet.1 - 2.0 * MARGIN_MM) * 96.0 / 25.4;
        out.push(Printed {
            path: wall.clone(),
            text: String::from_utf8_lossy(&run(
                "pdftotext",
                &["-raw", "-enc", "UTF-8", pdf.to_str().unwrap(), "-"],
            ))
            .into_owned(),
            ink: ink(&pdf),
            pdf,
            pages,
            size,
            natural: measured[0] / avail_px,
            estimate: measured[1],
            font_pt: measured[2],
            columns: measured[3] as u32,
            status_pt: measured[4],
            chrome,
            over,
        });
    }
    out
}

/// The checks every printed sheet passes; `fills` when the sheet must also be
/// filled (the type grew until the content reached near the bottom, unless a
/// single column at the largest type is all the sheet's width allows).
fn check_sheet(p: &Printed, label: &str, sheet: (f64, f64), failures: &mut Vec<String>) {
    let want = points(sheet);
    let at = format!("{label} ({}, see {})", p.path.display(), p.pdf.display());
    if p.pages != 1 {
        failures.push(format!("{at}: {} pages", p.pages));
    }
    if (p.size.0 - want.0).abs() > 2.0 || (p.size.1 - want.1).abs() > 2.0 {
        failures.push(format!("{at}: page is {:?} pt, want {want:?}", p.size));
    }
    if p.chrome {
        failures.push(format!("{at}: site navigation on the wall"));
    }
    if p.natural > 1.0 {
        failures.push(format!("{at}: content is {:.3} of the sheet", p.natural));
    }
    // Ink from the top of the printable area to near the bottom of the sheet.
    let (top, bottom) = p.ink;
    let margin = MARGIN_MM / sheet.1;
    if top > margin + 0.02 || bottom < 1.0 - margin - 0.03 {
        failures.push(format!(
            "{at}: ink from {top:.3} to {bottom:.3} of the page"
        ));
    }
    // The estimate is an upper bound of Chromium's layout and close to it.
    if p.natural > p.estimate + 0.01 || p.natural < p.estimate - 0.12 {
        failures.push(format!(
            "{at}: okra estimated {:.3} of the sheet, Chromium laid out {:.3}",
            p.estimate, p.natural
        ));
    }
    // Statuses (symbol and word) at 90 % of the base type, which is at least
    // the legible 7 pt unless a single team is far beyond the limit.
    if p.status_pt < 0.9 * p.font_pt - 0.05 || (p.font_pt >= 7.0 && p.status_pt < 6.25) {
        failures.push(format!(
            "{at}: statuses printed at {:.2} pt with {} pt type",
            p.status_pt, p.font_pt
        ));
    }
    for o in &p.over {
        failures.push(format!("{at}: {o}"));
    }
    // Filled: the content (without the stretch) spans most of the sheet,
    // unless one column of the largest type the width allows is all there is.
    let width_bound = (sheet.0 - 2.0 * MARGIN_MM) / (24.0 * 25.4 / 72.0);
    let widest = p.columns == 1 && p.font_pt >= width_bound.min(48.0) - 0.25;
    if p.natural < 0.8 && !widest {
        failures.push(format!(
            "{at}: content fills only {:.3} of the sheet at {} pt",
            p.natural, p.font_pt
        ));
    }
}

/// Text without any whitespace (wrapped lines join up).
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

// ---------------------------------------------------------------------------
// Generated companies.

/// A small deterministic PRNG (xorshift64*), so every run sees the same sites.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const WORDS: [&str; 24] = [
    "increase",
    "weekly",
    "active",
    "integrations",
    "reduce",
    "onboarding",
    "latency",
    "across",
    "every",
    "region",
    "customers",
    "enterprise",
    "self-serve",
    "pipeline",
    "quality",
    "support",
    "answers",
    "platform",
    "reliability",
    "developer",
    "documentation",
    "revenue",
    "retention",
    "Über-ambitious",
];

/// A title of exactly `len` characters (words, cut at the end), or a short one.
fn title(rng: &mut Rng, long: bool) -> String {
    let len = if long {
        120
    } else {
        12 + rng.below(30) as usize
    };
    let mut t = String::new();
    while t.chars().count() < len {
        if !t.is_empty() {
            t.push(' ');
        }
        let w = rng.pick(&WORDS);
        t.push_str(w);
    }
    let mut t: String = t.chars().take(len).collect();
    t = t.trim_end().to_string();
    let mut c = t.chars();
    let first = c.next().unwrap().to_uppercase().to_string();
    format!("{first}{}", c.as_str())
}

/// A number as okra prints it: thousands separated, one decimal at most here.
fn number(tenths: i64) -> String {
    let int = (tenths / 10).to_string();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match tenths % 10 {
        0 => grouped,
        d => format!("{grouped}.{d}"),
    }
}

/// A company at or beyond the wall's limit, written at test time (hundreds of
/// near-identical files are easier to read as this function than as a
/// fixture): `company` company objectives and `per_team` objectives in each of
/// three teams under them, five KRs each (one of every metric) scored
/// mid-quarter with each team's own mix of statuses. Owners and values vary
/// from a fixed seed, so the site is the same on every run. `limit_company(3,
/// 3)` is the documented limit, 12 × 5; `limit_company(4, 8)` is far beyond it.
pub fn limit_company(company: usize, per_team: usize) -> PathBuf {
    let mut rng = Rng(0x0F1C_E5EE_D000_0001 ^ (company * 100 + per_team) as u64);
    let root = tempfile::tempdir().unwrap().keep();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "okra.toml",
        "title = \"Wall Limit OKRs\"\ncompany = \"Limitco\"\n\n[wall]\npaper = \"A3\"\norientation = \"landscape\"\n",
    );
    const OWNERS: [&str; 5] = [
        "Alexandra Konstantinou",
        "Bart Okonkwo",
        "Chiara Bellandi",
        "Dmitri Volkov",
        "Eleanor Whitfield",
    ];
    // (title, metric with start, target and unit, value range in tenths).
    const KRS: [(&str, &str, (i64, i64)); 5] = [
        (
            "Increase weekly active integrations from 1,200 to 2,500",
            "metric = \"number\"\nstart = 1200\ntarget = 2500\n",
            (14_000, 24_000),
        ),
        (
            "Reduce median time to first API call to under 5 minutes",
            "metric = \"percent\"\nstart = 62.5\ntarget = 80\n",
            (660, 790),
        ),
        (
            "Launch self-serve onboarding with usage-based pricing",
            "metric = \"currency\"\nstart = 148000\ntarget = 250000\nunit = \"EUR\"\n",
            (1_690_000, 2_390_000),
        ),
        (
            "Grow qualified pipeline from community events",
            "metric = \"boolean\"\n",
            (0, 0),
        ),
        (
            "Improve p95 publish latency from 180 ms to 120 ms",
            "metric = \"number\"\nstart = 180\ntarget = 120\nunit = \"ms\"\n",
            (1_260, 1_680),
        ),
    ];
    let teams = [
        (
            "platform",
            "Platform Engineering",
            1,
            ["on", "at", "off", "on", "at"],
        ),
        (
            "growth",
            "Growth Marketing",
            2,
            ["on", "at", "on", "at", "off"],
        ),
        (
            "support",
            "Support & Developer Relations",
            3,
            ["at", "on", "at", "off", "on"],
        ),
    ];
    let mut objectives: Vec<(String, String, [&str; 5])> = (1..=company)
        .map(|n| {
            (
                format!("company-{n}"),
                String::new(),
                ["at", "on", "at", "off", "on"],
            )
        })
        .collect();
    for (id, name, parent, statuses) in teams {
        write(
            &format!("content/teams/{id}.md"),
            &format!("+++\nname = \"{name}\"\n+++\n"),
        );
        for n in 1..=per_team {
            let lines = format!("team = \"{id}\"\nparent = \"fy26/company-{parent}\"\n");
            objectives.push((format!("{id}-{n}"), lines, statuses));
        }
    }
    for (id, lines, statuses) in objectives {
        let dir = format!("content/fy26/{id}");
        write(
            &format!("{dir}/objective.md"),
            &format!(
                "+++\ntitle = \"Make {} the fastest way to ship realtime apps\"\nowner = \"{}\"\nperiod = \"FY26\"\n{lines}+++\nWhy it matters.\n",
                id.replace('-', " "),
                rng.pick(&OWNERS)
            ),
        );
        for (k, ((title, metric, (low, high)), status)) in KRS.iter().zip(statuses).enumerate() {
            write(
                &format!("{dir}/kr-{}.md", k + 1),
                &format!(
                    "+++\ntitle = \"{title}\"\nowner = \"{}\"\nperiod = \"Q4 FY26\"\n{metric}+++\nScored from the dashboard.\n",
                    rng.pick(&OWNERS)
                ),
            );
            let value = if high == low {
                "false".to_string()
            } else {
                let tenths = low + rng.below((high - low) as u64) as i64;
                format!("{}.{}", tenths / 10, tenths % 10)
            };
            let status = match status {
                "on" => "on-track",
                "at" => "at-risk",
                _ => "off-track",
            };
            write(
                &format!("{dir}/kr-{}/2026-11-16.md", k + 1),
                &format!(
                    "+++\nstatus = \"{status}\"\nvalue = {value}\n+++\nMid-quarter scoring.\n"
                ),
            );
        }
    }
    root
}

/// How a generated company looks.
#[derive(Clone, Debug)]
struct Shape {
    seed: u64,
    objectives: usize,
    /// KRs per objective: `None` for 0 to 5 at random.
    krs: Option<usize>,
    /// Share of 120-character titles, in percent.
    long_titles: u64,
    teams: usize,
}

/// A generated site and what its walls must show.
struct Generated {
    root: PathBuf,
    /// Value and target of every KR as printed, without whitespace.
    values: Vec<String>,
    /// KRs with a stale or missing-scoring flag.
    flagged: usize,
}

fn generate(shape: &Shape, paper: &str, orientation: &str) -> Generated {
    let mut rng = Rng(shape.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let root = tempfile::tempdir().unwrap().keep();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "okra.toml",
        &format!(
            "title = \"Generated OKRs\"\ncompany = \"Gen{}\"\n\n[wall]\npaper = \"{paper}\"\norientation = \"{orientation}\"\n",
            shape.seed
        ),
    );
    let teams: Vec<String> = (0..shape.teams).map(|t| format!("team-{t}")).collect();
    for (t, id) in teams.iter().enumerate() {
        let name = if t % 2 == 0 {
            format!("Team {t}")
        } else {
            format!("Developer Experience and Platform Reliability {t}")
        };
        write(
            &format!("content/teams/{id}.md"),
            &format!("+++\nname = \"{name}\"\n+++\n"),
        );
    }
    // (unit, metric): a long unit, one that cannot wrap, prefixes and none.
    let units: [(&str, &str); 9] = [
        ("", "number"),
        ("%", "percent"),
        ("ms", "number"),
        ("signups/month", "number"),
        ("monthly active enterprise integrations", "number"),
        ("requests-per-second-per-region", "number"),
        ("$", "currency"),
        ("EUR", "currency"),
        ("", "boolean"),
    ];
    let (mut values, mut flagged) = (Vec::new(), 0);
    for o in 0..shape.objectives {
        let team = (!teams.is_empty() && o % 4 != 0).then(|| rng.pick(&teams).clone());
        let dir = format!("content/fy26/obj-{o}");
        let team_line = team.map_or(String::new(), |t| format!("team = \"{t}\"\n"));
        let long = rng.chance(shape.long_titles);
        write(
            &format!("{dir}/objective.md"),
            &format!(
                "+++\ntitle = \"{}\"\nowner = \"Owner Number{o}\"\nperiod = \"FY26\"\n{team_line}+++\nWhy.\n",
                title(&mut rng, long)
            ),
        );
        let n = shape.krs.unwrap_or_else(|| rng.below(6) as usize);
        for k in 0..n {
            let (unit, metric) = *rng.pick(&units);
            let long = rng.chance(shape.long_titles);
            let start = rng.below(500) as i64 * 10;
            let target = start + 10 + rng.below(3_000_000) as i64;
            let mut kr = format!(
                "+++\ntitle = \"{}\"\nowner = \"Kr Owner{k}\"\nperiod = \"Q4 FY26\"\nmetric = \"{metric}\"\n",
                title(&mut rng, long)
            );
            if metric != "boolean" {
                let _ = writeln!(
                    kr,
                    "start = {}\ntarget = {}",
                    start as f64 / 10.0,
                    target as f64 / 10.0
                );
                if !unit.is_empty() {
                    let _ = writeln!(kr, "unit = \"{unit}\"");
                }
            }
            kr.push_str("+++\nHow it is measured.\n");
            write(&format!("{dir}/kr-{k}.md"), &kr);
            // No update, an early one only (stale by the as-of date), or a recent one.
            let updates = rng.below(3);
            if updates < 2 {
                flagged += 1;
            }
            let value = start + rng.below((target - start) as u64 + 1) as i64;
            let done = rng.chance(50);
            for (u, date) in ["2026-10-12", "2026-11-18"].iter().enumerate() {
                if (u as u64) >= updates {
                    break;
                }
                let status = rng.pick(&["on-track", "at-risk", "off-track"]);
                let v = if metric == "boolean" {
                    done.to_string()
                } else {
                    format!("{}", value as f64 / 10.0)
                };
                write(
                    &format!("{dir}/kr-{k}/{date}.md"),
                    &format!("+++\nstatus = \"{status}\"\nvalue = {v}\n+++\nNotes.\n"),
                );
            }
            let shown = if updates == 0 { start } else { value };
            values.push(match (metric, unit) {
                ("boolean", _) if updates > 0 && done => "done".to_string(),
                ("boolean", _) => "notdone".to_string(),
                (_, "$") => format!("${}/${}", number(shown), number(target)),
                (_, "EUR") => format!("EUR{}/EUR{}", number(shown), number(target)),
                (_, u) => squash(&format!("{}/{}{u}", number(shown), number(target))),
            });
        }
    }
    Generated {
        root,
        values,
        flagged,
    }
}

/// Every paper and orientation gets a spread of shapes: the smallest company,
/// one objective with five long KRs, the documented limit, and random ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_walls_print_on_one_filled_sheet_with_every_value_whole() {
    let fixed = [
        Shape {
            seed: 1,
            objectives: 1,
            krs: Some(0),
            long_titles: 0,
            teams: 0,
        },
        Shape {
            seed: 2,
            objectives: 1,
            krs: Some(5),
            long_titles: 100,
            teams: 1,
        },
        Shape {
            seed: 3,
            objectives: 12,
            krs: Some(5),
            long_titles: 30,
            teams: 3,
        },
    ];
    // Far beyond the limit, nearly all in one team: its own sheet must still be one page.
    let worst = Shape {
        seed: 4,
        objectives: 12,
        krs: Some(5),
        long_titles: 100,
        teams: 1,
    };
    let (mut browser, task) = launch(1280, 900).await;
    let pdfs = std::env::temp_dir().join("okra-wall-pdfs");
    let (mut failures, mut sheets, mut sites) = (Vec::new(), 0, 0);
    let mut report = String::new();
    let mut rng = Rng(0x5EED);
    for (n, (paper, _, _)) in PAPERS.iter().enumerate() {
        for orientation in ["landscape", "portrait"] {
            let mut shapes = vec![if orientation == "portrait" {
                fixed[(n * 2 + 1) % 3].clone()
            } else {
                fixed[(n * 2) % 3].clone()
            }];
            if orientation == "portrait" && n % 2 == 1 {
                shapes.push(worst.clone());
            }
            for _ in 0..3 {
                shapes.push(Shape {
                    seed: 100 + rng.below(1000),
                    objectives: 1 + rng.below(12) as usize,
                    krs: None,
                    long_titles: *rng.pick(&[0, 20, 50, 100]),
                    teams: rng.below(5) as usize,
                });
            }
            for shape in shapes {
                let label = format!(
                    "{paper}-{orientation}-{}x{:?}-seed{}",
                    shape.objectives, shape.krs, shape.seed
                );
                let g = generate(&shape, paper, orientation);
                let site = build_site(&g.root, "2026-11-22", &[]);
                let sheet = sheet_mm(paper, orientation);
                let printed = print_walls(&browser, &site, &label, sheet, &pdfs).await;
                sites += 1;
                sheets += printed.len();
                let mut text = String::new();
                for p in &printed {
                    check_sheet(p, &label, sheet, &mut failures);
                    let _ = writeln!(
                        report,
                        "{label}: {} pt ({:.2} pt statuses), {} col, estimate {:.3}, laid out {:.3}",
                        p.font_pt, p.status_pt, p.columns, p.estimate, p.natural
                    );
                    text.push_str(&p.text);
                }
                let text = squash(&text);
                for v in &g.values {
                    if !text.contains(v.as_str()) {
                        failures.push(format!("{label}: {v} not printed whole"));
                    }
                }
                // Each flagged KR is stale (or never updated) and misses its
                // mid-quarter scoring; the legend explains three kinds on each sheet.
                let flags = text.matches('⚑').count();
                if flags < 2 * g.flagged + 3 * printed.len() {
                    failures.push(format!(
                        "{label}: {flags} flags printed for {} flagged KRs",
                        g.flagged
                    ));
                }
            }
        }
    }
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
    eprintln!("{sites} generated sites, {sheets} sheets printed:\n{report}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wall_prints_on_exactly_one_sheet() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let limit = limit_company(3, 3);
    // (site, paper, orientation, must fit without splitting)
    let cases = [
        ("demo", manifest.to_path_buf(), "A3", "landscape", true),
        ("demo", manifest.to_path_buf(), "A4", "portrait", true),
        ("demo", manifest.to_path_buf(), "letter", "landscape", true),
        ("12x5", limit.clone(), "A3", "landscape", true),
        ("12x5", limit.clone(), "A4", "portrait", false),
        ("12x5", limit.clone(), "letter", "portrait", false),
        ("12x5", limit, "tabloid", "landscape", true),
    ];
    let (mut browser, task) = launch(1280, 900).await;
    let pdfs = std::env::temp_dir().join("okra-wall-pdfs");
    let mut failures = Vec::new();
    for (name, root, paper, orientation, single) in cases {
        let site = build_site(&with_paper(&root, paper, orientation), "2026-11-22", &[]);
        // Every team has a sheet of its own; a split company sheet lists the teams.
        let split = std::fs::read_to_string(site.join("wall/index.html"))
            .unwrap()
            .contains("wall-teams");
        if single && split {
            failures.push(format!(
                "{name} on {paper} {orientation}: split into team walls"
            ));
        }
        let label = format!("{name}-{paper}-{orientation}");
        let sheet = sheet_mm(paper, orientation);
        for p in print_walls(&browser, &site, &label, sheet, &pdfs).await {
            check_sheet(&p, &label, sheet, &mut failures);
            // No value is abbreviated or cut: the demo's long ones print whole.
            if name == "demo" && p.text.contains('…') {
                failures.push(format!("{label}: an ellipsis on the sheet"));
            }
        }
    }
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A team's sheet, printed with the site's address known, is one filled sheet
/// whose QR code, as Chromium draws it, decodes to the team page's URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_sheet_prints_on_one_sheet_with_a_qr_code_of_its_page() {
    let base = "https://okrs.example.com/okrs/";
    let site = build_site(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        "2026-11-22",
        &["--base-url", base, "--history", "none"],
    );
    let (mut browser, task) = launch(1280, 900).await;
    let pdfs = std::env::temp_dir().join("okra-wall-pdfs");
    let sheet = sheet_mm("A3", "landscape");
    let mut failures = Vec::new();
    let printed = print_walls(&browser, &site, "qr", sheet, &pdfs).await;
    assert!(printed.len() >= 6, "the company sheet and a sheet per team");
    for p in &printed {
        check_sheet(p, "qr", sheet, &mut failures);
    }
    for team in ["platform", "devrel"] {
        let page = browser
            .new_page(format!(
                "file://{}",
                site.join(format!("wall/{team}/index.html")).display()
            ))
            .await
            .unwrap();
        page.wait_for_navigation().await.unwrap();
        // Four device pixels per CSS pixel: about ten per module.
        page.execute(SetDeviceMetricsOverrideParams::new(1280, 900, 4.0, false))
            .await
            .unwrap();
        let png = page
            .find_element(".wall-qr svg")
            .await
            .unwrap()
            .screenshot(chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat::Png)
            .await
            .unwrap();
        page.close().await.unwrap();
        let (px, width) = super::pixels(&png);
        let height = px.len() / width as usize;
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(width as usize, height, |x, y| {
                let [r, g, b] = px[y * width as usize + x];
                ((r as u32 + g as u32 + b as u32) / 3) as u8
            });
        let grids = img.detect_grids();
        match grids.first().map(|g| g.decode()) {
            Some(Ok((_, url))) => {
                if url != format!("{base}teams/{team}/") {
                    failures.push(format!("{team}: the QR code reads {url}"));
                }
            }
            other => failures.push(format!(
                "{team}: no QR code decoded ({} grids, {other:?})",
                grids.len()
            )),
        }
    }
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wall_beyond_the_limit_splits_into_one_sheet_per_team() {
    let site = build_site(&limit_company(4, 8), "2026-11-22", &[]);
    for team in ["platform", "growth", "support"] {
        assert!(
            site.join("wall").join(team).join("index.html").exists(),
            "no wall for {team}"
        );
    }
    let company = std::fs::read_to_string(site.join("wall/index.html")).unwrap();
    assert!(
        company.contains("href=\"../wall/platform/\""),
        "team lines link to the team walls"
    );
    let (mut browser, task) = launch(1280, 900).await;
    let pdfs = std::env::temp_dir().join("okra-wall-pdfs");
    let sheet = sheet_mm("A3", "landscape");
    let mut failures = Vec::new();
    for p in print_walls(&browser, &site, "big", sheet, &pdfs).await {
        check_sheet(&p, "big", sheet, &mut failures);
    }
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wall_reads_on_an_office_tv() {
    let base = serve(demo());
    let (mut browser, task) = launch(1920, 1080).await;
    let (page, problems) = visit(&browser, &format!("{base}wall/"), 1920, 1080, 200).await;
    assert!(problems.is_empty(), "{problems:?}");
    let size: f64 = page
        .evaluate("parseFloat(getComputedStyle(document.querySelector('.wall')).fontSize)")
        .await
        .unwrap()
        .into_value()
        .unwrap();
    assert!(size >= 18.0, "wall type on a 1920 px screen is {size}px");
    let overflow: i64 = page
        .evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        .await
        .unwrap()
        .into_value()
        .unwrap();
    assert!(overflow <= 0);
    let png_bytes = page
        .screenshot(ScreenshotParams::builder().build())
        .await
        .unwrap();
    std::fs::write(
        std::env::temp_dir().join("okra-screenshots-wall-tv.png"),
        &png_bytes,
    )
    .unwrap();
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
}

/// On screen the wall reflows: no horizontal scrolling at desktop or phone
/// width, for the demo and for a generated company with long titles and units.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wall_reflows_on_screen_at_desktop_and_phone_width() {
    let shape = Shape {
        seed: 7,
        objectives: 6,
        krs: Some(4),
        long_titles: 50,
        teams: 2,
    };
    let generated = build_site(&generate(&shape, "A3", "landscape").root, "2026-11-22", &[]);
    let shots = std::env::temp_dir().join("okra-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let (mut browser, task) = launch(1280, 900).await;
    let mut failures = Vec::new();
    for (name, site) in [("demo", demo()), ("generated", generated.as_path())] {
        let base = serve(site);
        for width in [1280, 390] {
            let (page, problems) = visit(&browser, &format!("{base}wall/"), width, 900, 200).await;
            failures.extend(
                problems
                    .into_iter()
                    .map(|p| format!("{name} {width}px: {p}")),
            );
            let overflow = super::horizontal_overflow(&page).await;
            if overflow > 0 {
                failures.push(format!(
                    "{name} {width}px: {overflow}px horizontal overflow"
                ));
            }
            let png = page
                .screenshot(ScreenshotParams::builder().full_page(true).build())
                .await
                .unwrap();
            std::fs::write(shots.join(format!("wall-{name}-{width}.png")), png).unwrap();
            page.close().await.unwrap();
        }
    }
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
