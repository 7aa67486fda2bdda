//! A status as a page shows it: one enum for every chip, legend entry and
//! chart segment, so Rust code matches on variants and only templates (and
//! the CSS classes they build) see the words.

use serde::{Serialize, Serializer};

use crate::load::Status;
use crate::score::ObjectiveStatus;

/// What a status chip, legend entry or chart segment shows: the seven KR
/// statuses, "no update", an objective's "closed", and the charts' "open"
/// bucket (KRs without a final status yet).
///
/// Templates see it serialised as `{ key, label, symbol, closed }`; `key` is
/// also the suffix of the CSS classes (`status-<key>`, `status-bg-<key>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusView {
    OnTrack,
    AtRisk,
    OffTrack,
    NoUpdate,
    Achieved,
    Partial,
    Missed,
    Dropped,
    /// An objective whose KRs all have a final status.
    Closed,
    /// Chart bucket: KRs not closed yet, drawn hollow.
    Open,
}

impl StatusView {
    /// Every KR status in display order, for legends and distributions.
    pub const KR_ORDER: [StatusView; 8] = [
        StatusView::OnTrack,
        StatusView::AtRisk,
        StatusView::OffTrack,
        StatusView::NoUpdate,
        StatusView::Achieved,
        StatusView::Partial,
        StatusView::Missed,
        StatusView::Dropped,
    ];

    /// The final statuses a KR can close with, in the order outcomes and
    /// "final status" charts list them.
    pub const FINAL: [StatusView; 4] = [
        StatusView::Achieved,
        StatusView::Partial,
        StatusView::Missed,
        StatusView::Dropped,
    ];

    /// A KR's status as of the build day (`None`: no update yet).
    pub fn kr(s: Option<Status>) -> StatusView {
        match s {
            None => StatusView::NoUpdate,
            Some(Status::OnTrack) => StatusView::OnTrack,
            Some(Status::AtRisk) => StatusView::AtRisk,
            Some(Status::OffTrack) => StatusView::OffTrack,
            Some(Status::Achieved) => StatusView::Achieved,
            Some(Status::Partial) => StatusView::Partial,
            Some(Status::Missed) => StatusView::Missed,
            Some(Status::Dropped) => StatusView::Dropped,
        }
    }

    /// An objective's (or a quarter's) rolled-up status.
    pub fn objective(s: ObjectiveStatus) -> StatusView {
        match s {
            ObjectiveStatus::OffTrack => StatusView::OffTrack,
            ObjectiveStatus::AtRisk => StatusView::AtRisk,
            ObjectiveStatus::NoUpdate => StatusView::NoUpdate,
            ObjectiveStatus::OnTrack => StatusView::OnTrack,
            ObjectiveStatus::Closed => StatusView::Closed,
        }
    }

    /// The word content files use (`on-track`), and the CSS class suffix.
    pub const fn key(self) -> &'static str {
        match self {
            StatusView::OnTrack => "on-track",
            StatusView::AtRisk => "at-risk",
            StatusView::OffTrack => "off-track",
            StatusView::NoUpdate => "no-update",
            StatusView::Achieved => "achieved",
            StatusView::Partial => "partial",
            StatusView::Missed => "missed",
            StatusView::Dropped => "dropped",
            StatusView::Closed => "closed",
            StatusView::Open => "open",
        }
    }

    /// The word a reader sees: never colour alone.
    pub const fn label(self) -> &'static str {
        match self {
            StatusView::OnTrack => "On track",
            StatusView::AtRisk => "At risk",
            StatusView::OffTrack => "Off track",
            StatusView::NoUpdate => "No update",
            StatusView::Achieved => "Achieved",
            StatusView::Partial => "Partial",
            StatusView::Missed => "Missed",
            StatusView::Dropped => "Dropped",
            StatusView::Closed => "Closed",
            StatusView::Open => "Open",
        }
    }

    /// Symbols are distinct in black and white as well as in colour.
    pub const fn symbol(self) -> &'static str {
        match self {
            StatusView::OnTrack => "●",
            StatusView::AtRisk => "▲",
            StatusView::OffTrack => "■",
            StatusView::NoUpdate => "○",
            StatusView::Achieved => "★",
            StatusView::Partial => "◐",
            StatusView::Missed => "✕",
            StatusView::Dropped => "⊘",
            StatusView::Closed => "◆",
            StatusView::Open => "◌",
        }
    }

    /// The CSS class of the chip (`status-on-track`), as the `status` macro
    /// of the templates builds it from `key`.
    pub const fn class(self) -> &'static str {
        match self {
            StatusView::OnTrack => "status-on-track",
            StatusView::AtRisk => "status-at-risk",
            StatusView::OffTrack => "status-off-track",
            StatusView::NoUpdate => "status-no-update",
            StatusView::Achieved => "status-achieved",
            StatusView::Partial => "status-partial",
            StatusView::Missed => "status-missed",
            StatusView::Dropped => "status-dropped",
            StatusView::Closed => "status-closed",
            StatusView::Open => "status-open",
        }
    }

    /// A final status (the KR's or the objective's): nothing more will change.
    pub const fn is_closed(self) -> bool {
        matches!(
            self,
            StatusView::Achieved
                | StatusView::Partial
                | StatusView::Missed
                | StatusView::Dropped
                | StatusView::Closed
        )
    }
}

/// The form templates see; field names and values are part of the theme
/// contract.
#[derive(Serialize)]
#[serde(rename = "StatusView")]
struct Shown {
    key: &'static str,
    label: &'static str,
    symbol: &'static str,
    closed: bool,
}

impl StatusView {
    /// Every variant, in declaration order (`s as usize` is its position):
    /// the KR statuses, declared in display order, then the two chart-only
    /// buckets (a test checks the positions).
    const ALL: [StatusView; 10] = {
        let mut all = [StatusView::Open; 10];
        let mut i = 0;
        while i < Self::KR_ORDER.len() {
            all[i] = Self::KR_ORDER[i];
            i += 1;
        }
        all[8] = StatusView::Closed;
        all
    };

    fn shown(self) -> Shown {
        Shown {
            key: self.key(),
            label: self.label(),
            symbol: self.symbol(),
            closed: self.is_closed(),
        }
    }
}

/// Every variant as Tera sees it, made once: a status is on every row,
/// update and card of every page (hundreds of thousands of times a build),
/// and handing Tera a made value is an `Arc` clone instead of a new map.
/// Compiled data, built on first use and never changed.
static TEMPLATE_VALUES: std::sync::LazyLock<[tera::Value; 10]> = std::sync::LazyLock::new(|| {
    StatusView::ALL.map(|s| tera::Value::from_serializable(&s.shown()))
});

impl Serialize for StatusView {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A made value serialises as its contents to any other serializer.
        TEMPLATE_VALUES[*self as usize].serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_serialises_as_its_own_fields() {
        for s in StatusView::ALL {
            let expected = serde_json::json!({
                "key": s.key(), "label": s.label(), "symbol": s.symbol(), "closed": s.is_closed(),
            });
            // To Tera, through the made value, and to any other serializer.
            let tera = tera::Value::from_serializable(&s);
            assert_eq!(serde_json::to_value(&tera).unwrap(), expected, "{s:?}");
            assert_eq!(serde_json::to_value(s).unwrap(), expected, "{s:?}");
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                serde_json::to_string(&s.shown()).unwrap()
            );
        }
    }

    #[test]
    fn every_variant_is_at_its_own_position() {
        for (i, s) in StatusView::ALL.into_iter().enumerate() {
            assert_eq!(s as usize, i, "{s:?}");
        }
    }

    #[test]
    fn statuses_have_symbols_and_words() {
        for s in StatusView::ALL {
            assert!(!s.symbol().is_empty() && !s.label().is_empty());
            assert_eq!(s.class(), format!("status-{}", s.key()));
        }
        let symbols: std::collections::BTreeSet<_> =
            StatusView::ALL.iter().map(|s| s.symbol()).collect();
        assert_eq!(
            symbols.len(),
            StatusView::ALL.len(),
            "distinct without colour"
        );
        let keys: std::collections::BTreeSet<_> = StatusView::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(keys.len(), StatusView::ALL.len());
    }

    /// The page status of a KR agrees with the content model on the word and
    /// on whether it is final, and an objective's with the score's.
    #[test]
    fn agrees_with_the_model_and_the_score() {
        assert_eq!(StatusView::kr(None), StatusView::NoUpdate);
        for (word, s) in Status::CHOICES {
            let v = StatusView::kr(Some(s));
            assert_eq!(v.key(), word);
            assert_eq!(v.is_closed(), s.is_closed());
            assert!(StatusView::KR_ORDER.contains(&v));
            assert_eq!(StatusView::FINAL.contains(&v), s.is_closed());
        }
        for o in [
            ObjectiveStatus::OffTrack,
            ObjectiveStatus::AtRisk,
            ObjectiveStatus::NoUpdate,
            ObjectiveStatus::OnTrack,
            ObjectiveStatus::Closed,
        ] {
            let v = StatusView::objective(o);
            assert_eq!(v.key(), o.as_str());
            assert_eq!(v.is_closed(), o == ObjectiveStatus::Closed);
        }
    }

    #[test]
    fn serialises_as_the_templates_expect() {
        let json = serde_json::to_string(&StatusView::Achieved).unwrap();
        assert_eq!(
            json,
            r#"{"key":"achieved","label":"Achieved","symbol":"★","closed":true}"#
        );
    }
}
