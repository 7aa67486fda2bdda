//! `/tv/` on an office screen: every page of the demo's rotation, served from
//! a sub-path over HTTP, at 1920×1080 and 3840×2160: nothing scrolls or is
//! cut, the type scales with the screen, and each page's meta refresh leads
//! to the next (the last back to the first).

use super::{build_site, demo, launch, serve, visit};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tv_rotation_fits_full_hd_and_4k_screens() {
    // The demo, and a company of 4 teams with 8 objectives of 5 KRs each and
    // long titles: their pages continue on the next.
    let big = build_site(&super::wall::limit_company(4, 8), "2026-11-22", &[]);
    let sites = [(serve(demo()), 5), (serve(&big), 9)];
    let (mut browser, task) = launch(1920, 1080).await;
    let mut failures = Vec::new();
    let mut fonts = Vec::new();
    for ((base, least), (width, height)) in sites
        .iter()
        .flat_map(|s| [(1920, 1080), (3840, 2160)].map(|size| (s.clone(), size)))
    {
        let mut n = 1;
        let mut total = 1;
        while n <= total {
            let url = if n == 1 {
                format!("{base}tv/")
            } else {
                format!("{base}tv/{n}/")
            };
            let (page, problems) = visit(&browser, &url, width, height, 200).await;
            failures.extend(problems.into_iter().map(|p| format!("{url}: {p}")));
            let v: Vec<serde_json::Value> = page
                .evaluate(
                    "(() => { const h = innerHeight, w = innerWidth; \
                     const cut = [...document.querySelectorAll('.tv *')].filter(e => { const r = e.getBoundingClientRect(); return r.bottom > h + 1 || r.right > w + 1; }).slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 30)); \
                     const tv = document.querySelector('.tv'); \
                     const refresh = document.querySelector('meta[http-equiv=refresh]').content; \
                     const next = new URL(refresh.split('url=')[1], location.href).href; \
                     return [document.documentElement.scrollHeight - h, document.documentElement.scrollWidth - w, parseFloat(getComputedStyle(tv).fontSize), cut.join('; '), refresh.split(';')[0], next, parseInt(tv.dataset.pages), document.querySelectorAll('.tv-kr').length]; })()",
                )
                .await
                .unwrap()
                .into_value()
                .unwrap();
            page.close().await.unwrap();
            total = v[6].as_u64().unwrap() as usize;
            let (over_y, over_x) = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
            if over_y > 0 || over_x > 0 || !v[3].as_str().unwrap().is_empty() {
                failures.push(format!(
                    "{width}×{height} {url}: overflows by {over_x}×{over_y} px: {}",
                    v[3]
                ));
            }
            if v[4] != "20" {
                failures.push(format!("{url}: refreshes after {}", v[4]));
            }
            let next = if n == total {
                format!("{base}tv/")
            } else {
                format!("{base}tv/{}/", n + 1)
            };
            if v[5] != next.as_str() {
                failures.push(format!("{url}: leads to {}, not {next}", v[5]));
            }
            fonts.push((width, v[2].as_f64().unwrap()));
            n += 1;
        }
        assert!(
            total >= least,
            "{base}: the summary and a page per team: {total}"
        );
    }
    // Type read across a room: about 29 px on a Full HD screen, twice that on 4K.
    for (width, px) in fonts {
        let want = 28.0 * width as f64 / 1920.0;
        if px < want {
            failures.push(format!("{width} px wide: body type {px} px, under {want}"));
        }
    }
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
