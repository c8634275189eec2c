// Package catalog embeds the standards Evident checks a Trust Service
// Provider against, as data: ETSI EN 319 401 V3.2.1 in full, V3.1.1 as far
// as public citations confirm it, the mapping between the two, and named
// overlays such as the eIDAS implementing acts' adaptations. LoadFS reads
// and validates everything; a broken file stops the program with the file,
// line and entry at fault rather than yielding a catalog with holes. Load,
// which every command calls, reads the embedded files' parse from
// snapshot.json when its digests prove it is the parse of these very
// files, and parses them otherwise: after editing data/, run
// `go generate ./internal/catalog` (a test fails until you do).
//
// # Files
//
// The files live in data/ and are embedded in the binary. Each is YAML
// with a top-level "kind":
//
//   - kind: version (en319401-3.2.1.yaml). One standard version: standard,
//     version, title, published, complete (every requirement listed, or
//     only those confirmed), confirmed (the default for its entries), note,
//     and clauses in the standard's order. A clause has clause ("7.9.2"),
//     title, note and requirements; clauses without requirements of their
//     own ("7", "7.9") are listed for their titles. A requirement has id,
//     types (shall, should, may, conditional, pro, choice), text, figures,
//     note and an optional confirmed that overrides the file's default.
//   - kind: mapping (mapping-3.1.1-3.2.1.yaml). Pairs of identifiers from
//     an older version to a newer one, each with basis confirmed (a source
//     states it, or a citation shows the same content) or inferred (our
//     reading, such as the shift of clause 7.8 numbers).
//   - kind: overlay (overlay-eidas-ia-2025.yaml). A named set of
//     adaptations written against one version. Each adaptation has a label
//     ("REQ-7.8-14X"), a target id, text saying what it adds, figures it
//     adds, and shall: true when it turns a recommendation into an
//     obligation.
//
// A figure is {kind, amount, unit, subject, of, window, event, before,
// at_least, continuous, text}; see evident.Figure. Kinds are cadence,
// deadline, threshold, retention and trigger; units minute, hour, day,
// week, month, year, percent, EUR and count. A trigger names the event
// that calls for the activity again whatever the cadence ("after
// significant changes" is {kind: trigger, event: significant change}), so
// recording a change or an incident can find the reviews and tests it
// calls for (Query.Trigger). "Quarterly" is a cadence of 3 months,
// "within 48 hours of discovery" a deadline of 48 hours after the event
// "discovery", "1 month before any change" a deadline with before: true.
// An amount of 0 means the standard gives no number ("regularly",
// "without undue delay", "a reasonable period"): the program must choose,
// and Figure.Interval and Figure.Due say so by returning ok false.
// Thresholds in one requirement are alternatives: crossing any one is
// enough (for REQ-7.9.3-07 this is also what "whichever is lower" means).
//
// Text is always our own paraphrase, never the standard's sentence.
//
// # Versions, mappings and overlays
//
// Every requirement carries its standard and version, and identifiers are
// not stable across versions: V3.1.1 REQ-7.8-17 (the penetration test) is
// V3.2.1 REQ-7.8-18, while V3.2.1 REQ-7.8-21 is a different requirement
// from V3.1.1 REQ-7.8-21. Map and Diff follow the mapping in either
// direction and fall back to an unchanged id only where no mapping pair
// gives that id another meaning.
//
// The eIDAS implementing acts of 2025 make "EN 319 401 V3.1.1 with
// adaptations" binding, so the overlay is written against V3.1.1. Applied
// to V3.2.1 it reaches its targets through the mapping (REQ-7.8-18X lands
// on V3.2.1 REQ-7.8-19, by an inferred pair, and the adapted entry says
// so). Figures V3.2.1 already carries are not added twice. The catalog's
// own entries never change; Requirements, Lookup, Filter and Apply return
// adapted copies.
//
// # Counts
//
// V3.2.1 holds 321 requirements: 6 in clause 4.2 and 315 in clauses 5 to
// 7 (5: 8; 6: 26; 7: 281). Per clause: 6.1 11, 6.2 6, 6.3 9; 7.1 12
// (5, 6, 1), 7.2 24, 7.3 14 (2, 7, 5), 7.4 29 (14, 3, 2, 5, 4, 1), 7.5 5,
// 7.6 14, 7.7 26, 7.8 24, 7.9 59 (18, 19, 10, 4, 8), 7.10 8, 7.11 14
// (4, 6, 4), 7.12 11, 7.13 6, 7.14 35 (6, 15, 14). 12 carry the PRO-
// prefix; 13 are conditional, 5 of them also PRO; 1 is a choice
// (REQ-7.9.2-10). By verb: 314 use "shall"; 6 use "should" (REQ-7.1.2-03,
// PRO-7.2-10, REQ-7.5-05, REQ-7.9.1-02, REQ-7.12-08, REQ-7.13-04); 4 use
// "may" (REQ-6.2-06, PRO-7.7-26, PRO-7.9.3-06, PRO-7.9.5-05); the 7 that
// use no "shall" are these less PRO-7.2-10, PRO-7.7-26 and PRO-7.9.3-06.
//
// These were counted twice, independently: once by extracting every
// identifier from our reference tables and comparing the list with the
// data file entry by entry, once by the tests (TestCountsPerClause,
// TestCountsPerType). Both agree with the hand count in the reference
// note; no difference was found in the counts.
//
// The differences found are in the standard itself, and the catalog
// follows its body text:
//
//   - Annex C of V3.2.1 cites "REQ-7.4.2-01 to REQ-7.4.2-04"; the body has
//     only three requirements in 7.4.2, and so does the catalog.
//   - Annex B (and EN 319 411-1, OVR-6.8.2-01) cite the insurance
//     requirement as REQ-7.1.1-04, its number in older versions; in V3.2.1
//     it is REQ-7.1.2-04. The entry's note says so.
//   - REQ-7.11.1-02 is printed "REQ-7.11-1-02", which breaks the
//     identifier scheme; the catalog uses REQ-7.11.1-02.
//   - REQ-6.3-07 names the management body as REQ-6.1-07 (now REQ-6.1-06),
//     REQ-5-08 cites a "REQ-5.1, c)" that does not exist, and REQ-7.4.1-13
//     points to 7.3.2 for storage media (now 7.3.3); each entry's note
//     records it.
//
// V3.1.1 holds the 14 identifiers that the implementing acts cite
// (6.2-03, 6.3-04, 7.2-04, 7.2-05, 7.5-01, 7.5-02, 7.8-13, 7.8-14,
// 7.8-17, 7.8-18, 7.8-21, 7.9.1-02, 7.9.2-02, 7.12-02), all marked
// unconfirmed: their wording, types and figures are inferred, and the
// figures the acts add as adaptations are left to the overlay. Because the
// version is incomplete, a Diff against it is marked Partial: "added"
// then means "not known in V3.1.1".
package catalog
