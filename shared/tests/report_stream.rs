//! The streamed renderings (`write_json`, `write_sarif`) print exactly what the whole
//! values (`render_json`, `render_sarif`) pretty-print.

use chrono::{TimeZone, Utc};
use streamwarden::Policy;
use streamwarden::inputs::read_document;
use streamwarden::report::{Report, render_json, render_sarif, write_json, write_sarif};

#[test]
fn streamed_json_and_sarif_are_the_pretty_printed_values() {
    let policy = Policy::builtin();
    let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
    let mut report = Report::new(&policy);
    let text = r#"{"Fleets": [
        {"Name": "a", "FleetType": "ON_DEMAND", "EnableDefaultInternetAccess": true},
        {"Name": "b", "FleetType": "SOMETIMES"}],
      "Stacks": [{"Name": "s"}]}"#;
    report.add_document(&policy, read_document("d.json", text).unwrap(), now);
    report.add_error(&read_document("e.json", "{").unwrap_err());
    report.sort();
    assert!(!report.findings.is_empty() && report.errors.len() == 2);

    let mut json = Vec::new();
    write_json(&report, None, &mut json).unwrap();
    let whole = serde_json::to_string_pretty(&render_json(&report, None)).unwrap();
    assert_eq!(String::from_utf8(json).unwrap(), whole);

    let mut sarif = Vec::new();
    write_sarif(&report, &mut sarif).unwrap();
    let whole = serde_json::to_string_pretty(&render_sarif(&report)).unwrap();
    assert_eq!(String::from_utf8(sarif).unwrap(), whole);
}
