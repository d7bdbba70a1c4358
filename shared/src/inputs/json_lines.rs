//! Line and column of JSON pointers in the text they came from, for errors found after
//! parsing (a wrong type, an unknown enum value). One pass over the text, however many
//! errors, so a document of many bad resources stays linear.

use std::collections::HashMap;

/// The 1-based line and column (in characters) of the value at each of `pointers` in
/// the JSON `text`. Pointers not found are left out.
pub fn positions<'p>(text: &str, pointers: &[&'p str]) -> HashMap<&'p str, (u32, u32)> {
    let wanted: HashMap<&str, &'p str> = pointers.iter().map(|p| (*p, *p)).collect();
    let mut found = HashMap::new();
    let mut scan = Scan {
        b: text.as_bytes(),
        i: 0,
        line: 1,
        column: 1,
    };
    // `path` is the pointer of the value about to be read; `frames` remember, per open
    // container, whether it is an array (and its next index) and where its segment starts.
    let mut path = String::new();
    let mut frames: Vec<(Option<usize>, usize)> = Vec::new();
    let mut expect_value = true;
    while let Some(c) = scan.skip_blanks() {
        if expect_value {
            if let Some(p) = wanted.get(path.as_str()) {
                found.entry(*p).or_insert((scan.line, scan.column));
            }
            expect_value = false;
            match c {
                b'{' => {
                    scan.bump();
                    frames.push((None, path.len()));
                    if !scan.object_key(&mut path) {
                        // An empty object: its closing brace ends the value.
                        continue;
                    }
                    expect_value = true;
                }
                b'[' => {
                    scan.bump();
                    frames.push((Some(1), path.len()));
                    path.push_str("/0");
                    expect_value = scan.skip_blanks() != Some(b']');
                }
                b'"' => {
                    scan.string();
                }
                _ => scan.scalar(),
            }
            continue;
        }
        scan.bump();
        match (c, frames.last_mut()) {
            (b',', Some((Some(index), start))) => {
                path.truncate(*start);
                path.push('/');
                path.push_str(&index.to_string());
                *index += 1;
                expect_value = true;
            }
            (b',', Some((None, start))) => {
                path.truncate(*start);
                expect_value = scan.object_key(&mut path);
            }
            (b']' | b'}', Some((_, start))) => {
                path.truncate(*start);
                frames.pop();
            }
            _ => return found,
        }
    }
    found
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
    line: u32,
    column: u32,
}

impl Scan<'_> {
    fn bump(&mut self) {
        if let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            if c == b'\n' {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            } else if c & 0xC0 != 0x80 {
                // A byte that starts a character (not a UTF-8 continuation byte).
                self.column = self.column.saturating_add(1);
            }
        }
    }

    /// Skips whitespace (and a byte-order mark); the next byte, if any.
    fn skip_blanks(&mut self) -> Option<u8> {
        loop {
            match self.b.get(self.i)? {
                b' ' | b'\t' | b'\r' | b'\n' => self.bump(),
                0xEF if self.b.get(self.i..self.i + 3) == Some(b"\xEF\xBB\xBF") => {
                    self.i += 3;
                }
                &c => return Some(c),
            }
        }
    }

    fn string(&mut self) -> &str {
        let start = self.i;
        self.bump();
        while let Some(&c) = self.b.get(self.i) {
            self.bump();
            match c {
                b'\\' => self.bump(),
                b'"' => break,
                _ => {}
            }
        }
        std::str::from_utf8(&self.b[start..self.i]).unwrap_or("\"\"")
    }

    fn scalar(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.bump();
        }
    }

    /// After `{` or `,` in an object: reads `"key":` and appends `/key` to `path`.
    /// False at the object's end (`}`) or on anything unexpected.
    fn object_key(&mut self, path: &mut String) -> bool {
        if self.skip_blanks() != Some(b'"') {
            return false;
        }
        let raw = self.string();
        let key: String = serde_json::from_str(raw).unwrap_or_default();
        path.push('/');
        path.push_str(&key.replace('~', "~0").replace('/', "~1"));
        if self.skip_blanks() != Some(b':') {
            return false;
        }
        self.bump();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_are_found_at_their_values() {
        let text = "{\n  \"Fleets\": [\n    {\"Name\": \"a\"},\n    {\"Name\": \"b\", \"Fleet\u{e9}\": [1, {\"x/y\": true}]}\n  ],\n  \"\": null\n}";
        let pointers = [
            "",
            "/Fleets",
            "/Fleets/0/Name",
            "/Fleets/1",
            "/Fleets/1/Name",
            "/Fleets/1/Fleet\u{e9}/1/x~1y",
            "/",
            "/Missing",
        ];
        let found = positions(text, &pointers);
        assert_eq!(found.get(""), Some(&(1, 1)));
        assert_eq!(found.get("/Fleets"), Some(&(2, 13)));
        assert_eq!(found.get("/Fleets/0/Name"), Some(&(3, 14)));
        assert_eq!(found.get("/Fleets/1"), Some(&(4, 5)));
        assert_eq!(found.get("/Fleets/1/Name"), Some(&(4, 14)));
        assert_eq!(found.get("/Fleets/1/Fleet\u{e9}/1/x~1y"), Some(&(4, 41)));
        assert_eq!(found.get("/"), Some(&(6, 7)));
        assert_eq!(found.get("/Missing"), None);
    }

    #[test]
    fn empty_containers_and_escaped_keys_keep_the_path_right() {
        let text = r#"{"a": {}, "b": [], "c\"d": [[], {"e": 1}]}"#;
        let found = positions(text, &["/b", "/c\"d/1/e"]);
        assert_eq!(found.get("/b"), Some(&(1, 16)));
        assert_eq!(found.get("/c\"d/1/e"), Some(&(1, 39)));
    }
}
