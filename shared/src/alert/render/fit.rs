//! Fitting one alert into one SNS message (256 KB): the plain text appears in it twice,
//! so a change with thousands of findings lists the most important ones and says how
//! many it left out; the Chatbot description has a limit of its own.

use super::view::View;
use crate::markup::most_that_fit;
use serde_json::json;

/// The largest SNS message: "messages must be UTF-8 encoded strings and at most 256 KB
/// in size (262,144 bytes, not 262,144 characters)" (SNS API reference, `Publish`,
/// parameter `Message`). The whole JSON body, with the plain text in it twice, must fit.
const SNS_MESSAGE_LIMIT: usize = 262_144;

/// Byte budgets tried in turn for the plain text (it appears twice in the body, once as
/// `default` and once as `email`); the first one whose body fits [`SNS_MESSAGE_LIMIT`]
/// is used.
const PLAIN_TEXT_BUDGETS: [usize; 5] = [96_000, 48_000, 24_000, 12_000, 6_000];

impl View<'_> {
    /// The `MessageStructure=json` body: the plain text for `default` and `email` within
    /// the first of [`PLAIN_TEXT_BUDGETS`] that keeps it under [`SNS_MESSAGE_LIMIT`],
    /// and the Chatbot notification `https`.
    pub(super) fn message(&self, https: &str) -> String {
        let mut message = String::new();
        for budget in PLAIN_TEXT_BUDGETS {
            let text = self.plain_within(budget);
            message = json!({ "default": text, "email": text, "https": https }).to_string();
            if message.len() <= SNS_MESSAGE_LIMIT {
                break;
            }
        }
        message
    }

    /// The largest prefix of `ranked` whose rendering fits `fits`, and that rendering.
    /// The rendering grows with every item, so a binary search finds it.
    pub(super) fn fit(
        &self,
        render: impl Fn(&[bool], usize) -> String,
        fits: impl Fn(&str) -> bool,
    ) -> String {
        let total = self.ranked.len();
        let with = |k: usize| {
            let mut shown = vec![false; total];
            for &i in &self.ranked[..k] {
                shown[i] = true;
            }
            render(&shown, total - k)
        };
        let all = with(total);
        if fits(&all) {
            return all;
        }
        with(most_that_fit(0, total, |k| fits(&with(k))))
    }
}
