package pyfloat

import "math"

// negZero is -0.0, which Go cannot write as a constant.
var negZero = math.Copysign(0, -1)

// pwBlockSize is numpy's PW_BLOCKSIZE: the largest block summed with eight
// interleaved accumulators instead of being split in two.
const pwBlockSize = 128

// bufSize is numpy's default ufunc buffer size (np.getbufsize()): the
// reduction hands the inner loop at most this many elements at a time.
const bufSize = 8192

// NumpySum returns np.sum(a) for a contiguous 1-D float64 array, bit for bit
// as NumPy 1.24 computes it with the default buffer size. The reduction
// starts from the additive identity +0.0 and, for each successive chunk of
// 8192 elements (the iterator's buffer size), adds numpy's pairwise sum of
// the chunk: ((0 + pw(a[0:8192])) + pw(a[8192:16384])) + ... So the sum of
// no elements, or of only negative zeros, is +0.0, and arrays longer than
// 8192 are not summed in one pairwise tree.
//
// Pairwise summation pw: blocks of fewer than 8 elements are added left to
// right starting from -0.0; blocks of up to 128 use eight interleaved
// accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) and then add
// the remainder left to right; longer blocks are split in two at a multiple
// of 8 at or below the midpoint.
func NumpySum(a []float64) float64 {
	acc := 0.0
	for len(a) > bufSize {
		acc += pairwiseSum(a[:bufSize])
		a = a[bufSize:]
	}
	return acc + pairwiseSum(a)
}

// NumpyMean returns np.mean(a) for a contiguous 1-D float64 array:
// [NumpySum](a) / len(a), bit for bit. The mean of no elements is NaN (numpy
// also warns). The result depends on the order of a: sacreBLEU's estimate_ci
// takes the mean of the sorted scores.
func NumpyMean(a []float64) float64 {
	return NumpySum(a) / float64(len(a))
}

// pairwiseSum is numpy's DOUBLE_pairwise_sum with unit stride.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := negZero // numpy starts from -0.0 so that a sum of -0.0s stays -0.0
		for _, x := range a {
			res += x
		}
		return res
	case n <= pwBlockSize:
		r0, r1, r2, r3 := a[0], a[1], a[2], a[3]
		r4, r5, r6, r7 := a[4], a[5], a[6], a[7]
		i := 8
		for ; i < n-n%8; i += 8 {
			b := a[i : i+8 : i+8]
			r0 += b[0]
			r1 += b[1]
			r2 += b[2]
			r3 += b[3]
			r4 += b[4]
			r5 += b[5]
			r6 += b[6]
			r7 += b[7]
		}
		res := ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}
