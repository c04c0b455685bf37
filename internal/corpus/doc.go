// Package corpus reads the segments that the scorers score: hypotheses and
// references from plain text, JSONL, Arrow IPC or Parquet, each optionally
// compressed with gzip or zstd. It reads them exactly as sacreBLEU and the Python
// tools around NeMo do, and fast.
//
// # Detection
//
// [Open] and [NewReader] look at the content, never at the file name.
// First the compression: gzip (1f 8b, several members allowed) or zstd
// (28 b5 2f fd, several frames allowed) is decompressed on the fly. Then, unless
// [Config.Format] says otherwise, the format of the (decompressed) content:
//
//   - "PAR1": Parquet.
//   - "ARROW1": Arrow IPC file.
//   - ff ff ff ff (an IPC continuation marker): Arrow IPC stream.
//   - The first line that is not blank (blank: only spaces, tabs and \r) is a
//     valid JSON object, optionally after a UTF-8 BOM: JSONL.
//   - Anything else, including empty input: plain text.
//
// So a plain-text corpus whose first non-blank line happens to be a JSON object
// is taken for JSONL; read it with Format: Text. A JSONL file whose first line is
// broken is taken for text; name the field explicitly and check
// [Reader.Format], or set Format: JSONL, to get the syntax error instead.
//
// # Text
//
// Text is read the way sacreBLEU reads it: lines are split on \n only (\r,
// \v, \f, \x1c-\x1e, U+0085, U+2028 and U+2029 stay inside the line); a final
// line without \n counts; "a\n\n" is two lines, the second empty; an empty input
// has no lines. Each line has its trailing whitespace removed with Python's
// str.rstrip() (pystr.TrimRightSpace: Python's whitespace, which includes
// U+001C..U+001F) unless [Config.KeepTrailingSpace] is set. Leading whitespace
// and a byte order mark (U+FEFF) are kept. Invalid UTF-8 is an error
// ([ErrInvalidUTF8]), where Python would fail to decode the file.
//
// # JSONL
//
// One JSON object per line (lines split on \n; a \r before it is JSON
// whitespace). Blank lines are skipped but counted in line numbers, and a UTF-8
// BOM at the start of the input is skipped. The field's value may be a string
// (one text), an array of strings (several texts: multiple references) or null
// ([Item.Null]). The syntax accepted is Python's json module's: RFC 8259 plus
// NaN, Infinity and -Infinity as values; when a key appears twice the last one
// wins. The whole line is checked, not just the field read, because Python
// would reject the line. Each text is right-stripped as for text files.
//
// # Arrow and Parquet
//
// The column may be string, large_string, string_view or dictionary<string> in
// Arrow, or a list, large_list, list_view, large_list_view or fixed_size_list
// of those; in Parquet a BYTE_ARRAY column annotated STRING (UTF8), or a list
// of them (3-level LIST, 2-level legacy lists and bare repeated fields). Nulls
// become [Item.Null]; a null element inside a list is an error. Record batches
// and row groups are streamed; only the chosen column is decoded. An
// uncompressed file opened with [Open] (or any input that is an [io.ReaderAt]
// and [io.Seeker] at offset 0) is read in place; a compressed one is
// decompressed into memory first, because both formats need random access.
// Arrow IPC streams are always streamed.
//
// # Errors and malformed input
//
// Errors about the content are [*Error] values that name the input and the
// line or row and wrap a sentinel ([ErrInvalidUTF8], [ErrMissingField],
// [ErrNotString], [ErrSyntax], [ErrFormat]); errors are sticky. Malformed input
// is meant to be an error, never a crash: the text and JSONL scanners are
// hand-written and fuzzed; Arrow IPC metadata is checked before arrow-go trusts
// its lengths, and stream message bodies are read before they are allocated in
// full; Arrow and Parquet allocations are capped in proportion to the size of
// the input; a panic inside arrow-go becomes an [ErrFormat] error; zstd windows
// are limited to 128 MiB, the default limit of the zstd command (frames
// written with --long=28 or more are refused).
package corpus
