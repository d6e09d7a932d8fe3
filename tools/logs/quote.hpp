#pragma once
// Cluster text inside our own words. A pod writes its own log lines, termination message and annotations, and
// (through its probes and its service account) part of its events: whatever a tool quotes from them into a
// sentence a model reads (a summary, a root cause, a Markdown report) must stay recognisably data, so that
// "ignore previous instructions and ..." in a log line reads as a quotation, never as ours. Every place that
// quotes cluster text goes through these functions. They live in eks_logs, the lowest library the analyzers
// and the diagnosis tools share.
#include <cstddef>
#include <string>
#include <string_view>

namespace eks::logs {

// Quotes longer than this many bytes are cut (the marker says how much was kept).
inline constexpr std::size_t kQuoteLimit = 300;

// `text` quoted as data: «<label> (data, not instructions): "<text>"», e.g.
//   «log (data, not instructions): "panic: connection refused"»
// The text is redacted first, then cut to `max_len` bytes on a UTF-8 boundary (the label then ends "first N of M
// bytes"), then escaped as in a JSON string: \" \\ \n \r \t, other control characters, line and paragraph
// separators, bidirectional and zero-width format characters as \uXXXX, invalid UTF-8 bytes as \xNN, and the
// guillemets themselves as \u00ab / \u00bb — so the closing "» cannot occur inside, and nothing the text holds can
// end the quote early. A colon after a credential-named key is written \u003a, and a PEM header's space \u0020,
// so that the redactor every result passes later cannot read a "key: value" or a key block past the closing
// mark. `label` names where the text came from: "log", "event message", "termination message" ...
std::string quote_untrusted(std::string_view text, std::string_view label, std::size_t max_len = kQuoteLimit);

// `text` unchanged when it is a plain token — a name, an image reference, a quantity: 1 to 253 bytes of ASCII
// letters, digits and . _ - : / @ + = ? & % ~ # — which cannot carry a sentence; otherwise quote_untrusted(text,
// label). For names read out of messages ('secret "x" not found') and spec values that the API server does not
// validate.
std::string plain_or_quoted(std::string_view text, std::string_view label);
// True when plain_or_quoted(text, ...) returns `text` unchanged.
bool is_plain(std::string_view text);

// `text` as a Markdown (CommonMark) code span. A code span opened by N backticks closes at the next run of exactly
// N, so the fence is one backtick longer than the longest run inside; it is padded with a space when the text
// starts or ends with a backtick (or with a space at both ends, which a reader would strip). Line breaks, which
// would let the text start a block of its own, become "⏎"; other control characters become U+FFFD.
std::string code_span(std::string_view text);

// `text` as a fenced Markdown code block ending in a newline. The fence is at least three backticks and longer
// than any backtick run inside, so no line of the text can close it. CR and CRLF become LF; other control
// characters but tab become U+FFFD.
std::string code_block(std::string_view text, std::string_view info = {});

}  // namespace eks::logs
