//! Fitting the plain text into one SNS message (256 KB, with the Chatbot notification,
//! the subject and the attributes): fewer rows per table, then fewer sections, then one
//! line per region, saying at the top what was left out and how to get all of it.

use super::text::{FOR_ALL, Level, Limits};
use super::view::View;
use crate::markup::most_that_fit;

/// A shortened e-mail keeps dropping sections (see [`Level`]) until each table can list
/// at least this many rows.
pub(super) const MIN_ROWS: usize = 10;

impl View<'_> {
    /// The longest text for which `fits` holds: all of it, else fewer rows per table,
    /// else fewer sections, else the one-line-per-region summary cut at a line.
    pub(super) fn fitted_text(&self, fits: &dyn Fn(&str) -> bool) -> String {
        let full = self.text(Limits::ALL);
        if fits(&full) {
            return full;
        }
        let most_rows = self
            .regions
            .iter()
            .map(|r| {
                r.open
                    .len()
                    .max(r.r.changes.len())
                    .max(r.r.fleets.len())
                    .max(r.r.errors.len())
            })
            .max()
            .unwrap_or(0);
        // The most rows that fit at a level, if any do.
        let best = |level: Level| -> Option<(usize, String)> {
            let with = |rows: usize| self.text(Limits { rows, level });
            let all = with(most_rows);
            if fits(&all) {
                return Some((most_rows, all));
            }
            if !fits(&with(0)) {
                return None;
            }
            let rows = most_that_fit(0, most_rows, |rows| fits(&with(rows)));
            Some((rows, with(rows)))
        };
        let mut fallback = None;
        for level in [Level::All, Level::NoChanges, Level::NoUsage] {
            if let Some((rows, text)) = best(level) {
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
        let brief = self.text(Limits {
            rows: 0,
            level: Level::Brief,
        });
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
