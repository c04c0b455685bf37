// Package nprand reproduces, bit for bit, the parts of NumPy 1.24's
// numpy.random that sacreBLEU's significance tests use:
//
//	rng = numpy.random.default_rng(seed)            // New(seed)
//	rng.choice(n, size=(S, n), replace=True)        // rng.NewBounded(n).Fill(row), S times
//	rng.integers(2, size=(T, n), dtype=bool)        // rng.NewBools().Fill(row), T times
//
// default_rng(seed) is a Generator over the PCG64 bit generator (128-bit LCG
// with the XSL-RR output function), seeded through SeedSequence(seed). The
// port follows numpy/random/bit_generator.pyx, numpy/random/_pcg64.pyx,
// numpy/random/src/pcg64 and numpy/random/src/distributions/distributions.c
// at tag v1.24.2.
//
// # Buffers
//
// Two buffers decide how draws interleave, and both are reproduced exactly:
//
//   - PCG64 serves 32-bit requests from one 64-bit output, low half first;
//     the high half waits in the bit generator (numpy's has_uint32/uinteger)
//     and survives across calls, so it is part of [State]. Bounded integers
//     with a range below 2^32 (the choice path) and the bool path consume
//     32-bit words; 64-bit requests ([PCG64.Uint64], ranges of 2^32 or more)
//     neither use nor clear that buffered half.
//   - The bool path unpacks each 32-bit word into 32 bools, least significant
//     bit first. That bit buffer is local to one numpy call: a new call starts
//     with a fresh word and the unused bits of the last one are lost. A
//     [Bools] value is that buffer, so consecutive Fill calls on one Bools
//     continue a single numpy call, and NewBools starts a new one.
//
// The choice path has no call-local state (numpy's bounded 32-bit Lemire
// function ignores its buffer arguments), so S Fill calls of n values give
// exactly the row-major S×n matrix that one numpy call returns.
//
// # The legacy global stream
//
// rouge-score's BootstrapAggregator draws from numpy's legacy global RandomState
// (MT19937): [NewRandomState](seed) is np.random.seed(seed), and
// [RandomState.FillChoice](n, dst) is np.random.choice(np.arange(n), size=len(dst)),
// numpy's masked rejection sampler on 32-bit draws; consecutive calls continue the
// one stream, as consecutive numpy calls do.
//
// None of the types are safe for concurrent use.
package nprand
