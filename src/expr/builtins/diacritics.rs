//! NormalizeDiacritics by Microsoft's character table (functions-for-customizing-application-
//! data.md): a letter with marks is replaced only when the table lists it. Letters the table
//! leaves out keep their marks (azure-docs#106226 reports the service leaving Vietnamese `ồ`
//! unchanged), and so do `œ` and `đ`, which it does not list either.

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The table's rows as Microsoft prints them: the characters with diacritics, comma-separated,
/// and what each becomes. Several entries are a letter plus combining marks (`ā́`).
const TABLE: &[(&str, &str)] = &[
    ("ä, à, â, ã, å, á, ą, ă, ā, ā́, ā̀, ā̂, ā̃, ǟ, ā̈, ǡ, a̱, å̄", "a"),
    ("Ä, À, Â, Ã, Å, Á, Ą, Ă, Ā, Ā́, Ā̀, Ā̂, Ā̃, Ǟ, Ā̈, Ǡ, A̱, Å̄", "A"),
    ("æ, ǣ", "ae"),
    ("Æ, Ǣ", "AE"),
    ("ç, č, ć, c̄, c̱", "c"),
    ("Ç, Č, Ć, C̄, C̱", "C"),
    ("ď, d̄, ḏ", "d"),
    ("Ď, D̄, Ḏ", "D"),
    ("ë, è, é, ê, ę, ě, ė, ē, ḗ, ḕ, ē̂, ē̃, ê̄, e̱, ë̄, e̊̄", "e"),
    ("Ë, È, É, Ê, Ę, Ě, Ė, Ē, Ḗ, Ḕ, Ē̂, Ē̃, Ê̄, E̱, Ë̄, E̊̄", "E"),
    ("ğ, ḡ, g̱", "g"),
    ("Ğ, Ḡ, G̱", "G"),
    ("ï, î, ì, í, ı, ī, ī́, ī̀, ī̂, ī̃, i̱", "i"),
    ("Ï, Î, Ì, Í, İ, Ī, Ī́, Ī̀, Ī̂, Ī̃, I̱", "I"),
    ("ľ, ł, l̄, ḹ, ḻ", "l"),
    ("Ł, Ľ, L̄, Ḹ, Ḻ", "L"),
    ("ñ, ń, ň, n̄, ṉ", "n"),
    ("Ñ, Ń, Ň, N̄, Ṉ", "N"),
    ("ö, ò, ő, õ, ô, ó, ō, ṓ, ṑ, ō̂, ō̃, ȫ, ō̈, ǭ, ȭ, ȱ, o̱", "o"),
    ("Ö, Ò, Ő, Õ, Ô, Ó, Ō, Ṓ, Ṑ, Ō̂, Ō̃, Ȫ, Ō̈, Ǭ, Ȭ, Ȱ, O̱", "O"),
    ("ø, ø̄, œ̄", "oe"),
    ("Ø, Ø̄, Œ̄", "OE"),
    ("ř, r̄, ṟ, ṝ", "r"),
    ("Ř, R̄, Ṟ, Ṝ", "R"),
    ("ß", "ss"),
    ("š, ś, ș, ş, s̄, s̱", "s"),
    ("Š, Ś, Ș, Ş, S̄, S̱", "S"),
    ("ť, ț, t̄, ṯ", "t"),
    ("Ť, Ț, T̄, Ṯ", "T"),
    ("ü, ù, û, ú, ů, ű, ū, ū́, ū̀, ū̂, ū̃, u̇̄, ǖ, ṻ, ṳ̄, u̱", "u"),
    ("Ü, Ù, Û, Ú, Ů, Ű, Ū, Ū́, Ū̀, Ū̂, Ū̃, U̇̄, Ǖ, Ṻ, Ṳ̄, U̱", "U"),
    ("ÿ, ý, ȳ, ȳ́, ȳ̀, ȳ̃, y̱", "y"),
    ("Ÿ, Ý, Ȳ, Ȳ́, Ȳ̀, Ȳ̃, Y̱", "Y"),
    ("ź, ž, ż, z̄, ẕ", "z"),
    ("Ź, Ž, Ż, Z̄, Ẕ", "Z"),
];

/// The table keyed by each entry's NFC form, so that composed and decomposed input both match.
fn table() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for (entries, plain) in TABLE {
            for entry in entries.split(", ") {
                map.insert(entry.nfc().collect(), *plain);
            }
        }
        map
    })
}

/// Entra `NormalizeDiacritics`: each letter with its combining marks is replaced when
/// Microsoft's table lists it, and kept as written otherwise. Appends to `out`.
pub(super) fn normalize_diacritics(s: &str, out: &mut String) {
    out.reserve(s.len());
    let table = table();
    let mut rest = s;
    while let Some(first) = rest.chars().next() {
        // A cluster is one character and the combining marks that follow it.
        let end = rest
            .char_indices()
            .skip(1)
            .find(|&(_, c)| !is_combining_mark(c))
            .map_or(rest.len(), |(i, _)| i);
        let cluster = &rest[..end];
        if first.is_ascii() && end == 1 {
            out.push(first);
        } else {
            let composed: String = cluster.nfc().collect();
            match table.get(&composed) {
                Some(plain) => out.push_str(plain),
                None => out.push_str(cluster),
            }
        }
        rest = &rest[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_diacritics;

    fn nd(s: &str) -> String {
        let mut out = String::new();
        normalize_diacritics(s, &mut out);
        out
    }

    #[test]
    fn every_entry_of_microsofts_table_becomes_its_plain_letters() {
        for (entries, plain) in super::TABLE {
            for entry in entries.split(", ") {
                assert_eq!(nd(entry), *plain, "{entry}");
                // Decomposed input matches as well.
                let decomposed: String =
                    unicode_normalization::UnicodeNormalization::nfd(entry).collect();
                assert_eq!(nd(&decomposed), *plain, "{entry} decomposed");
            }
        }
    }

    #[test]
    fn letters_the_table_does_not_list_keep_their_marks() {
        // azure-docs#106226: Vietnamese ồ is left unchanged by the service.
        assert_eq!(nd("Nguyễn Hồng"), "Nguyễn Hồng");
        assert_eq!(nd("œuvre đ ŵ"), "œuvre đ ŵ");
        // A listed letter with one more mark than the table lists is not the table's entry.
        assert_eq!(nd("é\u{0323}"), "é\u{0323}");
    }

    #[test]
    fn names_from_the_docs_and_mixed_text() {
        assert_eq!(nd("Zoë"), "Zoe");
        assert_eq!(nd("Łukasz Żółć"), "Lukasz Zolc");
        assert_eq!(nd("Straße Øre Æsir ğ İ ı"), "Strasse OEre AEsir g I i");
        assert_eq!(nd("plain ascii"), "plain ascii");
    }
}
