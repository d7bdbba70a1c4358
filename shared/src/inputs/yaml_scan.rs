//! A linear pass over YAML text before libyaml sees it. It finds two things:
//! - flow nesting deeper than a limit: libyaml's scanner is quadratic in it (100,000
//!   nested `[` take 40 s before the deserializer's own depth limit is reached);
//! - the first alias (`*name`) or merge key (`<<:`), which CloudFormation does not
//!   support: in a template they are refused with their position.
//!
//! It reads only the lexical structure that matters for these: quoted scalars, comments,
//! block scalars and plain-scalar continuation lines are skipped, so a `*` or `[` inside
//! text is not taken for an alias or a flow collection. Offsets point at ASCII bytes,
//! always on a character boundary.

/// What the pass found, as byte offsets into the text.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Where flow nesting first went past the limit (the pass stops there).
    pub too_deep: Option<usize>,
    /// The first alias or merge key.
    pub alias: Option<usize>,
}

/// Scans `text` for flow nesting deeper than `max_depth`, and for aliases and merge keys.
pub fn scan(text: &str, max_depth: usize) -> Scan {
    let mut scanner = Scanner {
        b: text.as_bytes(),
        max_depth,
        found: Scan::default(),
    };
    scanner.run();
    scanner.found
}

struct Scanner<'a> {
    b: &'a [u8],
    max_depth: usize,
    found: Scan,
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

impl Scanner<'_> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(b'\n')
    }

    /// Whether the byte at `i` ends a token: a blank, a line end or the end of text.
    fn ends_token(&self, i: usize) -> bool {
        matches!(self.at(i), b' ' | b'\t' | b'\r' | b'\n')
    }

    fn line_end(&self, i: usize) -> usize {
        self.b[i.min(self.b.len())..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |n| i + n)
    }

    fn alias_at(&mut self, i: usize) {
        self.found.alias.get_or_insert(i);
    }

    /// A `<<` key: `<<` then blanks then `:`.
    fn is_merge_key(&self, i: usize) -> bool {
        if self.b.get(i..i + 2) != Some(b"<<") {
            return false;
        }
        let mut j = i + 2;
        while is_blank(self.at(j)) {
            j += 1;
        }
        self.at(j) == b':'
    }

    fn run(&mut self) {
        let mut i = 0;
        // Lines indented more than this belong to a block scalar or continue a plain one.
        let mut skip_deeper_than: Option<usize> = None;
        while i < self.b.len() && self.found.too_deep.is_none() {
            let end = self.line_end(i);
            let mut indent = 0;
            while self.at(i + indent) == b' ' {
                indent += 1;
            }
            let blank = self.b[i..end]
                .iter()
                .all(|&c| matches!(c, b' ' | b'\t' | b'\r'));
            if let Some(limit) = skip_deeper_than {
                if blank || indent > limit {
                    i = end + 1;
                    continue;
                }
                skip_deeper_than = None;
            }
            let mut p = i + indent;
            if indent == 0 {
                if self.at(p) == b'%' {
                    i = end + 1;
                    continue;
                }
                let marker = self.b.get(p..p + 3);
                if (marker == Some(b"---") || marker == Some(b"...")) && self.ends_token(p + 3) {
                    p += 3;
                }
            }
            let (next, skip) = self.block_line(p, indent);
            skip_deeper_than = skip;
            i = next;
        }
    }

    /// Reads the tokens of one block-context line from `p`. Returns where the next line
    /// starts and, when the line opened a block scalar or ended inside a plain scalar,
    /// the indentation beyond which following lines are its content.
    fn block_line(&mut self, mut p: usize, indent: usize) -> (usize, Option<usize>) {
        loop {
            while is_blank(self.at(p)) {
                p += 1;
            }
            if p >= self.b.len() {
                return (p, None);
            }
            match self.b[p] {
                b'\n' => return (p + 1, None),
                b'\r' if self.at(p + 1) == b'\n' => return (p + 2, None),
                b'#' => return (self.line_end(p) + 1, None),
                b'-' | b'?' | b':' if self.ends_token(p + 1) => p += 1,
                b'[' | b'{' => {
                    p = self.flow(p);
                    if self.found.too_deep.is_some() {
                        return (self.b.len(), None);
                    }
                }
                b'"' | b'\'' => p = self.quoted(p),
                b'|' | b'>' => return (self.line_end(p) + 1, Some(indent)),
                b'*' => {
                    self.alias_at(p);
                    p = self.token_end(p);
                }
                b'&' | b'!' => p = self.token_end(p),
                _ => {
                    if self.is_merge_key(p) {
                        self.alias_at(p);
                    }
                    match self.plain_end(p) {
                        Plain::Key(after) => p = after,
                        Plain::Comment => return (self.line_end(p) + 1, None),
                        Plain::LineEnd(next) => return (next, Some(indent)),
                    }
                }
            }
        }
    }

    fn token_end(&self, mut p: usize) -> usize {
        while !self.ends_token(p) {
            p += 1;
        }
        p
    }

    /// Where a block-context plain scalar starting at `p` ends.
    fn plain_end(&self, mut p: usize) -> Plain {
        loop {
            match self.at(p) {
                b'\n' => return Plain::LineEnd(p + 1),
                b':' if self.ends_token(p + 1) => return Plain::Key(p + 1),
                b'#' if is_blank(self.at(p.wrapping_sub(1))) => return Plain::Comment,
                _ => p += 1,
            }
        }
    }

    /// Skips a quoted scalar starting at `p` (its quote); returns the offset after it.
    fn quoted(&self, p: usize) -> usize {
        let quote = self.b[p];
        let mut i = p + 1;
        while i < self.b.len() {
            match self.b[i] {
                b'\\' if quote == b'"' => i += 2,
                b'\'' if quote == b'\'' && self.at(i + 1) == b'\'' => i += 2,
                c if c == quote => return i + 1,
                _ => i += 1,
            }
        }
        self.b.len()
    }

    /// Reads a flow collection starting at `p` (its bracket); returns the offset after
    /// its closing bracket, or the end of text. Records nesting past the limit and aliases.
    fn flow(&mut self, mut p: usize) -> usize {
        let mut depth = 0usize;
        let mut node_start = true;
        while p < self.b.len() {
            let c = self.b[p];
            match c {
                b'[' | b'{' => {
                    depth += 1;
                    if depth > self.max_depth {
                        self.found.too_deep = Some(p);
                        return self.b.len();
                    }
                    node_start = true;
                }
                b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return p + 1;
                    }
                    node_start = false;
                }
                b',' | b'?' => node_start = true,
                b':' => node_start = true,
                b'"' | b'\'' => {
                    p = self.quoted(p);
                    node_start = false;
                    continue;
                }
                b'#' if matches!(self.at(p.wrapping_sub(1)), b' ' | b'\t' | b'\n') => {
                    p = self.line_end(p);
                    continue;
                }
                b' ' | b'\t' | b'\r' | b'\n' => {}
                b'*' if node_start => {
                    self.alias_at(p);
                    node_start = false;
                }
                b'<' if node_start && self.is_merge_key(p) => {
                    self.alias_at(p);
                    node_start = false;
                }
                b'&' | b'!' if node_start => {
                    p = self.token_end(p);
                    continue;
                }
                _ => node_start = false,
            }
            p += 1;
        }
        p
    }
}

enum Plain {
    /// A mapping key ended by `:`; the value starts at the offset.
    Key(usize),
    /// A comment follows on the same line.
    Comment,
    /// The scalar reached the end of its line; the next line starts at the offset.
    LineEnd(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(text: &str) -> Option<&str> {
        scan(text, 100).alias.map(|at| &text[at..])
    }

    #[test]
    fn aliases_and_merge_keys_are_found_in_block_and_flow_context() {
        for (text, at) in [
            ("a: &x 1\nb: *x\n", "*x\n"),
            ("a: &x 1\nb:\n  - *x\n", "*x\n"),
            ("a: &x {k: 1}\nb:\n  <<: *x\n", "<<: *x\n"),
            ("a: &x 1\nb: [1, *x]\n", "*x]\n"),
            ("a: &x 1\nb: {k: *x}\n", "*x}\n"),
            ("b: {<<: {k: 1}}\n", "<<: {k: 1}}\n"),
            ("--- *x\n", "*x\n"),
        ] {
            assert_eq!(alias(text), Some(at), "{text:?}");
        }
    }

    #[test]
    fn stars_in_text_are_not_aliases() {
        for text in [
            "a: 2*3\n",
            "a: '*x'\n",
            "a: \"*x\"\n",
            "a: x # *x\n",
            "# *x\n",
            "a: |\n  *x\n  <<: *y\nb: 1\n",
            "a: >-\n  *x\n\n  *y\nb: 1\n",
            "a: some text\n  *continued* here\nb: 1\n",
            "a: 'multi\n  *line'\n",
            "a: [x*y, \"*z\"]\n",
            "a: '<<'\n",
            "Cmd: echo 'it''s *x'\n",
        ] {
            assert_eq!(alias(text), None, "{text:?}");
        }
    }

    #[test]
    fn flow_nesting_past_the_limit_is_found_and_stops_the_pass() {
        let deep = format!("a: {}{}\n", "[".repeat(101), "]".repeat(101));
        assert_eq!(scan(&deep, 100).too_deep, Some(3 + 100));
        let ok = format!("a: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert_eq!(scan(&ok, 100), Scan::default());
        let in_text = format!(
            "a: x{}\nb: '{}'\nc: |\n  {}\n",
            "[".repeat(200),
            "{".repeat(200),
            "[".repeat(200)
        );
        assert_eq!(scan(&in_text, 100), Scan::default());
    }

    #[test]
    fn the_pass_is_linear() {
        let big = "[".repeat(1_000_000);
        let started = std::time::Instant::now();
        assert_eq!(scan(&big, usize::MAX).too_deep, None);
        let lines = "k: v\n".repeat(200_000);
        assert_eq!(scan(&lines, 100), Scan::default());
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }
}
