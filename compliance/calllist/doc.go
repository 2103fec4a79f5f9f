// Package calllist reads a dialer's call list — the file of candidates a
// campaign calls — as a stream of records ready for the compliance checks.
//
// # Formats and encodings
//
// Two formats: CSV with a header line (delimiter ',' or ';', detected from
// the header unless Options.Comma says which) and JSON Lines (one object per
// line). FormatAuto (the zero value) picks JSON Lines when the first
// non-blank character is '{' and CSV otherwise. Text is UTF-8 or
// Windows-1251, as spreadsheets exported on Russian systems often are:
// EncodingAuto looks at the first 64 KiB and decodes Windows-1251 when they
// are not valid UTF-8 (a Windows-1251 file of Cyrillic text is never valid
// UTF-8, and plain ASCII is the same in both). A UTF-8 byte-order mark is
// skipped.
//
// # Columns
//
// The header (CSV) or the keys (JSON Lines) are matched case-insensitively,
// ignoring surrounding space, against Options.Columns; the defaults accept
// English and Russian names (phone/телефон, key/ключ, zone/часовой пояс,
// caps/лимиты). The phone column is required; every other column is kept
// in Record.Attrs under its header name. A zone cell may list several
// candidate zones separated by '|' or ','; in JSON Lines it may also be an
// array. Every one of them must allow a call (compliance.Call.Zones).
//
// # The caps parameter, and the default it takes
//
// A call list switches the policy's caps on or off per record with an extra
// column (Options.Columns.Caps, values Options.CapsOn and Options.CapsOff,
// compared case-insensitively). The product this follows switches caps on
// only for records that carry the parameter; reading that literally, a
// list without the column would be dialled without any cap. The reader does
// not take that risk by default: a record whose caps cell is missing or
// empty gets Options.Unmarked, whose zero value CapsOn keeps the caps. A
// host that wants the literal behaviour sets Unmarked to CapsOff. A value
// that is neither on nor off is a row error, never silently either.
//
// # Errors
//
// A bad row (no phone, an unparsable number, an unknown caps value, a
// malformed line) is reported as a *RowError naming its line and field and
// does not stop the rows after it, unless Options.StopOnError is set.
// A failure of the underlying reader or an undecodable file stops the
// stream. Reading is streaming and bounded: memory does not grow with the
// length of the file (see BenchmarkReader for bytes per row).
package calllist
