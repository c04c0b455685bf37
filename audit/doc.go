// Package audit looks for data leaks in the data of a fine-tune before it is
// trained: evaluation items that also occur in the training data
// (contamination), and secrets or personal data in the training data.
//
// Contamination follows the n-gram analyses of the GPT-3 and GPT-4 reports: both
// sides are normalised ([Normalize]), the training side is cut into word n-grams
// (13 by default), whose 64-bit fingerprints go into an [Index], or into
// windows of characters (50 in GPT-4's report), which the Index finds through
// anchors chosen by their content, and every evaluation item is scored by the
// share of its n-grams found there ([Index.Check]). An Index is built in parallel ([BuildIndex]) and can be
// saved and reloaded ([Index.WriteTo], [ReadIndex]).
//
// Secrets and personal data are found by a [Scanner]: a single pass over the
// bytes looks for rare trigger bytes, and only around a trigger are candidates
// checked (private keys, cloud and API tokens, JWTs, passwords in URLs, e-mail
// addresses, phone numbers, IBANs with their checksum, card numbers with Luhn).
// Findings carry a redacted excerpt, never the secret itself.
//
// The package never prints and never exits; the sophia-eval audit command is a
// thin layer over it.
package audit
