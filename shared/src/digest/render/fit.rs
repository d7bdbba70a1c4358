//! Fitting the plain text into one SNS message (256 KB, with the Chatbot notification,
//! the subject and the attributes): fewer rows per table, then fewer sections, then (an
//! organisation digest) fewer accounts, the smallest left out first, then one line per
//! region, saying at the top what was left out and how to get all of it.

use super::text::{FOR_ALL, Level, Limits};
use super::view::View;
use crate::markup::most_that_fit;

/// A shortened e-mail keeps dropping sections (see [`Level`]) until each table can list
/// at least this many rows.
pub(super) const MIN_ROWS: usize = 10;

impl View<'_> {
    /// The longest text for which `fits` holds: all of it, else fewer rows per table,
    /// else fewer sections; an organisation digest then leaves out its smallest accounts
    /// (naming them at the top) before it shows fewer than [`MIN_ROWS`] rows per table;
    /// else the one-line-per-region summary cut at a line.
    pub(super) fn fitted_text(&self, fits: &dyn Fn(&str) -> bool) -> String {
        let full = self.text(Limits::ALL);
        if fits(&full) {
            return full;
        }
        let all = self.accounts.len();
        if self.org && all > 1 {
            if let Some(text) = self.detailed(usize::MAX, fits) {
                return text;
            }
            // The most accounts, largest first, each with the least detail kept.
            let least = |accounts: usize| {
                self.text(Limits {
                    rows: MIN_ROWS,
                    level: Level::NoUsage,
                    accounts,
                })
            };
            if fits(&least(1)) {
                let shown = most_that_fit(1, all, |k| fits(&least(k)));
                return self.detailed(shown, fits).unwrap_or_else(|| least(shown));
            }
        }
        self.shortened(fits)
    }

    /// The most rows that fit at a level with the first `accounts` shown, if any do.
    fn best(
        &self,
        level: Level,
        accounts: usize,
        fits: &dyn Fn(&str) -> bool,
    ) -> Option<(usize, String)> {
        let most_rows = self.most_rows();
        let with = |rows: usize| {
            self.text(Limits {
                rows,
                level,
                accounts,
            })
        };
        let all = with(most_rows);
        if fits(&all) {
            return Some((most_rows, all));
        }
        if !fits(&with(0)) {
            return None;
        }
        let rows = most_that_fit(0, most_rows, |rows| fits(&with(rows)));
        Some((rows, with(rows)))
    }

    /// The most detail with which the first `accounts` fit while each table can list at
    /// least [`MIN_ROWS`] rows (or all it has): fewer rows, then fewer sections.
    fn detailed(&self, accounts: usize, fits: &dyn Fn(&str) -> bool) -> Option<String> {
        let most_rows = self.most_rows();
        [Level::All, Level::NoChanges, Level::NoUsage]
            .into_iter()
            .find_map(|level| {
                self.best(level, accounts, fits)
                    .filter(|(rows, _)| *rows >= MIN_ROWS.min(most_rows))
                    .map(|(_, text)| text)
            })
    }

    fn most_rows(&self) -> usize {
        self.regions
            .iter()
            .map(|r| {
                r.open
                    .len()
                    .max(r.r.changes.len())
                    .max(r.r.fleets.len())
                    .max(r.r.errors.len())
            })
            .max()
            .unwrap_or(0)
    }

    /// Every account, with fewer rows than [`MIN_ROWS`] if need be, else one line per
    /// region, else that cut at a line.
    fn shortened(&self, fits: &dyn Fn(&str) -> bool) -> String {
        let most_rows = self.most_rows();
        let mut fallback = None;
        for level in [Level::All, Level::NoChanges, Level::NoUsage] {
            if let Some((rows, text)) = self.best(level, usize::MAX, fits) {
                if rows >= MIN_ROWS.min(most_rows) {
                    return text;
                }
                if rows > 0 {
                    fallback = Some(text);
                }
            }
        }
        if let Some(text) = fallback {
            return text;
        }
        let brief = self.text(Limits::of(0, Level::Brief));
        if fits(&brief) {
            return brief;
        }
        // Even one line per region is too long (thousands of regions): cut at a line.
        let note = format!(
            "… the rest of this digest was cut to fit one SNS message {FOR_ALL}\n\
             {}\n",
            self.report_command()
        );
        let cuts: Vec<usize> = std::iter::once(0)
            .chain(brief.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let with = |lines: usize| format!("{}{note}", &brief[..cuts[lines]]);
        // The most lines that fit, or none.
        with(most_that_fit(0, cuts.len() - 1, |lines| fits(&with(lines))))
    }
}
