//! Search in the browser: the header's box on a page of the demo served from a
//! sub-path (`/okrs/`), the search page's script reading the index beside it,
//! and its result links leading to the pages they name.

use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::page::ScreenshotParams;

use super::{demo, horizontal_overflow, launch, serve};

async fn eval<T: serde::de::DeserializeOwned>(page: &Page, js: &str) -> T {
    page.evaluate(js)
        .await
        .unwrap_or_else(|e| panic!("{js}: {e}"))
        .into_value()
        .unwrap()
}

/// Waits until the search page has said what it found (or given up).
async fn status_when_done(page: &Page) -> String {
    for _ in 0..200 {
        let status: String =
            eval(page, "document.getElementById('search-status').textContent").await;
        if status.contains("result") || status.contains("could not") {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the search page never finished");
}

/// Waits until the page has navigated away from `from` and loaded; returns
/// where it is.
async fn navigated_from(page: &Page, from: &str) -> String {
    for _ in 0..200 {
        // While the next document loads, there may be none to ask.
        let now: Option<(String, String)> = page
            .evaluate("[location.href, document.readyState]")
            .await
            .ok()
            .and_then(|v| v.into_value().ok());
        if let Some((here, state)) = now
            && here != from
            && state == "complete"
        {
            return here;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the page never left {from}");
}

/// `[kind, text, href]` of every result shown.
async fn results(page: &Page) -> Vec<[String; 3]> {
    eval(
        page,
        "[...document.querySelectorAll('#search-results li')].map(li => [li.querySelector('.search-kind').textContent, li.querySelector('a').textContent, li.querySelector('a').href])",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_box_finds_okrs_and_updates_from_a_sub_path() {
    let base = serve(demo());
    let (mut browser, task) = launch(1280, 900).await;
    let shots = std::env::temp_dir().join("okra-screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    // Typed into the header of a page two folders deep, sent with Enter.
    let page = browser
        .new_page(format!("{base}teams/tech/"))
        .await
        .unwrap();
    page.wait_for_navigation().await.unwrap();
    page.find_element("#site-search")
        .await
        .unwrap()
        .click()
        .await
        .unwrap()
        .type_str("publish latency")
        .await
        .unwrap()
        .press_key("Enter")
        .await
        .unwrap();
    let url = navigated_from(&page, &format!("{base}teams/tech/")).await;
    assert_eq!(url, format!("{base}search/?q=publish+latency"));
    let status = status_when_done(&page).await;
    let found = results(&page).await;
    assert!(!found.is_empty(), "{status}");
    assert!(
        status.ends_with(&format!("{} results for “publish latency”.", found.len()))
            || status == "1 result for “publish latency”.",
        "{status}"
    );
    let box_value: String = eval(&page, "document.getElementById('site-search').value").await;
    assert_eq!(box_value, "publish latency", "the box keeps the query");
    let kr = format!("{base}fy2026/platform-reliability/publish-latency-q4/");
    assert!(
        found
            .iter()
            .any(|[kind, _, href]| kind == "Key result" && *href == kr),
        "{found:?}"
    );
    // Every result link leads to a page the site has.
    for [_, title, href] in &found {
        let status: i64 = eval(&page, &format!("fetch({href:?}).then(r => r.status)")).await;
        assert_eq!(status, 200, "{title}: {href}");
    }
    let png = page
        .screenshot(ScreenshotParams::builder().full_page(true).build())
        .await
        .unwrap();
    std::fs::write(shots.join("search-1280.png"), png).unwrap();

    // Clicking a result opens its page.
    let first = &found[0];
    page.find_element("#search-results li a")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    navigated_from(&page, &url).await;
    let (here, h1): (String, String) = eval(
        &page,
        "[location.href, document.querySelector('h1').textContent]",
    )
    .await;
    assert_eq!(here, first[2]);
    assert!(h1.contains(&first[1]), "{h1:?} is not {:?}", first[1]);
    page.close().await.unwrap();

    // Words of an update's text find the update, linked to its place on its
    // KR's page; a word found nowhere says so.
    let page = browser
        .new_page(format!("{base}search/?q=bankruptcy"))
        .await
        .unwrap();
    page.wait_for_navigation().await.unwrap();
    let status = status_when_done(&page).await;
    let found = results(&page).await;
    assert!(
        found.iter().all(|[kind, ..]| kind == "Update") && found.len() == 2,
        "{status}: {found:?}"
    );
    for [_, title, href] in &found {
        assert!(
            href.starts_with(&format!("{base}fy2026/sdk-v3/sdk-issue-age-q4/#u-2026-")),
            "{title}: {href}"
        );
    }
    page.goto(format!("{base}search/?q=xylophonequartz"))
        .await
        .unwrap();
    page.wait_for_navigation().await.unwrap();
    assert_eq!(
        status_when_done(&page).await,
        "No results for “xylophonequartz”."
    );
    page.close().await.unwrap();
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
}

/// At phone width the header's box fits the screen and results wrap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_fits_a_phone() {
    let base = serve(demo());
    let (mut browser, task) = launch(390, 844).await;
    let page = browser.new_page("about:blank").await.unwrap();
    page.execute(
        chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams::new(
            390, 844, 1.0, true,
        ),
    )
    .await
    .unwrap();
    page.goto(format!("{base}search/?q=enterprise"))
        .await
        .unwrap();
    page.wait_for_navigation().await.unwrap();
    let status = status_when_done(&page).await;
    assert!(!results(&page).await.is_empty(), "{status}");
    assert_eq!(horizontal_overflow(&page).await, 0);
    let png = page
        .screenshot(ScreenshotParams::builder().full_page(true).build())
        .await
        .unwrap();
    let shots = std::env::temp_dir().join("okra-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join("search-390.png"), png).unwrap();
    page.close().await.unwrap();
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
}
