package hashbank

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rasd-iq/rasd/models/media/pdq"
)

func randomHash(r *rand.Rand) pdq.Hash {
	var h pdq.Hash
	for i := range h {
		h[i] = byte(r.Uint32())
	}
	return h
}

// flip returns h with n distinct random bits flipped.
func flip(r *rand.Rand, h pdq.Hash, n int) pdq.Hash {
	for _, k := range r.Perm(256)[:n] {
		h[k/8] ^= 1 << (k % 8)
	}
	return h
}

func bruteForce(hashes []pdq.Hash, q pdq.Hash, maxDist int) []Hit {
	var out []Hit
	for i, h := range hashes {
		if d := pdq.Distance(q, h); d <= maxDist {
			out = append(out, Hit{i, d})
		}
	}
	return out
}

func search(ix *Index, q pdq.Hash, maxDist int) []Hit {
	var out []Hit
	ix.Search(q, maxDist, func(h Hit) { out = append(out, h) })
	slices.SortFunc(out, func(a, b Hit) int { return a.Pos - b.Pos })
	return out
}

// TestIndexFindsExactlyWhatBruteForceFinds: on random hashes with planted
// neighbours at every distance from 0 to 80 bits, Search returns exactly
// the hashes a full scan finds, each once with its distance, at every
// threshold (those past the multi-index range read the list through).
func TestIndexFindsExactlyWhatBruteForceFinds(t *testing.T) {
	for seed := range uint64(3) {
		r := rand.New(rand.NewPCG(seed, 99))
		var hashes []pdq.Hash
		for range 20000 {
			hashes = append(hashes, randomHash(r))
		}
		var queries []pdq.Hash
		for range 40 {
			q := randomHash(r)
			queries = append(queries, q)
			for d := 0; d <= 80; d++ {
				hashes = append(hashes, flip(r, q, d))
			}
			// Neighbours whose differences fall in as few chunks as possible.
			for _, d := range []int{16, 17, 31, 32} {
				h := q
				for k := range d {
					h[k/8] ^= 1 << (k % 8)
				}
				hashes = append(hashes, h)
			}
			// Neighbours whose differences are spread evenly over the 16
			// chunks (bits 16c to 16c+15 make chunk c): the hardest case.
			for _, d := range []int{15, 16, 17, 31, 32, 33, 47, 48, 63, 64} {
				h := q
				for c := range 16 {
					n := d / 16
					if c < d%16 {
						n++
					}
					for j := range n {
						k := 16*c + (j*5+c)%16
						h[k/8] ^= 1 << (k % 8)
					}
				}
				if pdq.Distance(h, q) != d {
					t.Fatalf("spread neighbour at %d bits, want %d", pdq.Distance(h, q), d)
				}
				hashes = append(hashes, h)
			}
			// And a neighbour of an indexed hash.
			queries = append(queries, flip(r, hashes[r.IntN(20000)], r.IntN(40)))
		}
		r.Shuffle(len(hashes), func(i, j int) { hashes[i], hashes[j] = hashes[j], hashes[i] })
		ix := NewIndex(hashes)
		if ix.Len() != len(hashes) {
			t.Fatalf("Len %d", ix.Len())
		}
		for _, maxDist := range []int{-1, 0, 1, 5, 15, 16, 17, 31, 32, 47, 48, 63, 64, 80} {
			t.Run(fmt.Sprintf("seed %d distance %d", seed, maxDist), func(t *testing.T) {
				found := 0
				for qi, q := range queries {
					want := bruteForce(hashes, q, maxDist)
					got := search(ix, q, maxDist)
					if !slices.Equal(got, want) {
						t.Fatalf("query %d: got %d hits %v, a full scan finds %d %v", qi, len(got), got, len(want), want)
					}
					found += len(got)
				}
				if maxDist >= 31 && found < 40*32 {
					t.Errorf("only %d hits in all", found)
				}
			})
		}
	}
}

func TestEmptyIndex(t *testing.T) {
	ix := NewIndex(nil)
	ix.Search(pdq.Hash{}, 31, func(Hit) { t.Error("hit in an empty index") })
}
