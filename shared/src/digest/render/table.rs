//! Fixed-width tables for the plain-text digest: columns two spaces apart, numbers
//! right-aligned, a long fleet name on a line of its own so the other columns stay
//! aligned, group headings and notes under a row.

use crate::markup::line;

/// The longest first column (fleet names) in a text table; a longer name gets a line of
/// its own, so the other columns stay aligned.
const FIRST_COLUMN_LIMIT: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Left,
    Right,
}

pub(super) enum Row {
    Cells(Vec<String>),
    /// A heading line two columns left of the table (a fleet or stack).
    Group(String),
    /// A line under the previous row, starting at its second column.
    Note(String),
}

/// A fixed-width table: columns two spaces apart, the last one not padded.
pub(super) struct Table {
    pub(super) columns: Vec<(&'static str, Align)>,
    pub(super) rows: Vec<Row>,
}

impl Table {
    pub(super) fn new(columns: &[(&'static str, Align)]) -> Self {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    pub(super) fn render(&self, out: &mut String, indent: usize) {
        let mut widths: Vec<usize> = self.columns.iter().map(|(h, _)| width(h)).collect();
        for row in &self.rows {
            if let Row::Cells(cells) = row {
                for (i, cell) in cells.iter().enumerate() {
                    if i == 0 && width(cell) > FIRST_COLUMN_LIMIT {
                        continue;
                    }
                    if let Some(w) = widths.get_mut(i) {
                        *w = (*w).max(width(cell));
                    }
                }
            }
        }
        let pad = " ".repeat(indent);
        let format_row = |cells: &[&str]| -> String {
            let mut s = pad.clone();
            let last = cells.len().saturating_sub(1);
            for (i, cell) in cells.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                let align = self.columns.get(i).map_or(Align::Left, |c| c.1);
                match align {
                    Align::Left if i == last => s.push_str(cell),
                    Align::Left => s.push_str(&format!("{cell:<w$}")),
                    Align::Right => s.push_str(&format!("{cell:>w$}")),
                }
                if i != last {
                    s.push_str("  ");
                }
            }
            s.trim_end().to_owned()
        };
        let headers: Vec<&str> = self.columns.iter().map(|(h, _)| *h).collect();
        line(out, format_row(&headers));
        for row in &self.rows {
            match row {
                Row::Cells(cells) => {
                    let mut cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                    if let Some(first) = cells.first_mut()
                        && width(first) > FIRST_COLUMN_LIMIT
                    {
                        line(out, format!("{pad}{first}"));
                        *first = "";
                    }
                    line(out, format_row(&cells));
                }
                Row::Group(text) => {
                    line(
                        out,
                        format!("{}{text}", " ".repeat(indent.saturating_sub(2))),
                    );
                }
                Row::Note(text) => {
                    let at = indent + widths.first().copied().unwrap_or(0) + 2;
                    line(out, format!("{}{text}", " ".repeat(at)));
                }
            }
        }
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}
