package directory

import (
	"encoding/binary"
	"iter"
	"slices"
	"unicode"
)

// A gram is up to three runes of one word, packed into a uint64 (21 bits a
// rune). Each word of n runes gives n grams: its first rune after a
// word-start mark, its first two after the mark, and every run of three.
// "club" gives ^c, ^cl, clu, lub. So every gram of a word is a gram of any
// word it begins ("clubhouse"), which lets the index find words by prefix,
// and a one-letter typo leaves most of a long word's grams in place.
const (
	runeBits  = 21
	wordStart = unicode.MaxRune + 1 // the mark before a word's first rune
	noRune    = unicode.MaxRune + 2 // the empty third place of ^c
)

func gram(a, b, c rune) uint64 {
	return uint64(a)<<(2*runeBits) | uint64(b)<<runeBits | uint64(c)
}

// appendGrams appends the grams of word, one word of a normalised name.
// A gram can appear more than once ("aaaa").
func appendGrams(dst []uint64, word string) []uint64 {
	var a rune
	b := rune(wordStart)
	for i, r := range word {
		if i == 0 {
			dst = append(dst, gram(wordStart, r, noRune))
		} else {
			dst = append(dst, gram(a, b, r))
		}
		a, b = b, r
	}
	return dst
}

// distinct sorts grams and drops repeats, so that a word that has them all
// shares exactly len(grams) with the query word.
func distinct(grams []uint64) []uint64 {
	slices.Sort(grams)
	return slices.Compact(grams)
}

// postings is the ascending list of slots whose names have one gram, stored
// as varint gaps: most gaps fit a byte, a quarter of the int32 they replace.
type postings struct {
	gaps []byte
	end  int32 // the last slot + 1; 0 while empty
}

// add appends slot s, which must be no less than the last one, and reports
// whether it was new.
func (p *postings) add(s int32) bool {
	if s < p.end {
		return false
	}
	p.gaps = binary.AppendUvarint(p.gaps, uint64(s+1-p.end))
	p.end = s + 1
	return true
}

// varintMore is the bit of a varint byte that says another byte follows.
const varintMore = 0x80

// all yields every slot in p, in order.
func (p postings) all() iter.Seq[int32] {
	return func(yield func(int32) bool) {
		s := int32(-1)
		for i := 0; i < len(p.gaps); {
			gap, n := uint64(p.gaps[i]), 1
			if gap >= varintMore { // the common one-byte gap is read inline
				gap, n = binary.Uvarint(p.gaps[i:])
			}
			i += n
			s += int32(gap)
			if !yield(s) {
				return
			}
		}
	}
}
