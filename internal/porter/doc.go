// Package porter is the Porter stemmer exactly as NLTK 3.8's
// nltk.stem.porter.PorterStemmer() runs it in its default mode,
// NLTK_EXTENSIONS, which is the stemmer rouge-score 0.1.2 applies to every
// token longer than 3 characters when use_stemmer is on.
//
// [Stem] equals NLTK's stem(word) for every word. The words rouge-score passes
// it are made of the ASCII letters a–z and digits; for those Stem is fast
// (tens of nanoseconds), returns a substring of its argument when the stem is
// a prefix of it (the usual case), and allocates only when a suffix is
// replaced by different letters. Any other string is stemmed as NLTK stems the
// same Python string, lowercasing included; see Stem.
//
// [Cache] memoises stems for one goroutine, since scoring stems the same
// tokens over and over.
//
// # What NLTK_EXTENSIONS means
//
// Martin Porter's published algorithm, his later frozen reference
// implementations (NLTK's MARTIN_EXTENSIONS) and NLTK's default mode differ on
// about 2% of dictionary words. In NLTK's mode:
//
//   - A small pool of irregular forms is looked up first (sky, skies → sky;
//     dying → die; lying → lie; tying → tie; news; innings, inning → inning;
//     outings, outing → outing; cannings, canning → canning; howe; proceed,
//     exceed, succeed), and words of at most 2 characters are returned as they
//     are.
//   - Step 1a maps a 4-letter word ending in "ies" to "ie" (ties → tie), and
//     step 1b maps "ied" to "ie" in a 4-letter word and to "i" otherwise
//     (died → die, cried → cri).
//   - Step 1c turns a final y into i only after a consonant that is not the
//     first letter (happy → happi, but days → day and enjoy → enjoy).
//   - Step 2 first turns a final "alli" into "al" and runs step 2 again
//     (nutritionally → nutrit), and adds fulli → ful (beautifully → beauti)
//     and logi → log, the latter measured on the word without its last three
//     letters.
//   - Condition *o (the stem ends consonant–vowel–consonant) also holds for a
//     2-letter stem of a vowel and a consonant, whatever the consonant.
//
// Throughout, every character other than a, e, i, o and u is a consonant,
// digits included, except that y is a vowel when it follows a consonant. In
// each step the first rule whose suffix matches is the only one tried: when
// its condition fails the step leaves the word unchanged.
package porter
