package hashbank

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"

	"github.com/rasd-iq/rasd/models/media/pdq"
)

// Multi-index hashing (Norouzi, Punjani and Fleet, "Fast search in Hamming
// space with multi-index hashing", CVPR 2012): the 256 bits are cut into
// 16 chunks of 16 bits, and each chunk value has a bucket of the hashes
// that carry it there. If two hashes differ in at most d bits, some chunk
// differs in at most ⌊d/16⌋ of them (otherwise the chunks alone would
// differ in 16·(⌊d/16⌋+1) > d bits); so looking in each chunk's buckets
// within ⌊d/16⌋ bits of the query's chunk finds every hash within d: for
// the usual d = 31, the query's own bucket and the 16 one bit away, in each
// of the 16 chunks. Each candidate is then checked with its full distance.
// With random hashes a bucket holds n/65536 of n hashes, so a query at
// d = 31 looks at about 16·17·n/65536 ≈ 4 200 candidates at a million.
const (
	chunks    = 16
	chunkBits = 16
	buckets   = 1 << chunkBits
)

// Index finds, among a fixed list of PDQ hashes, those within a Hamming
// distance of a query. It is safe for concurrent use.
type Index struct {
	hashes [][4]uint64
	// For chunk c, ids[c][start[c][v]:start[c][v+1]] are the positions of
	// the hashes whose chunk c has the value v.
	start [chunks][]uint32
	ids   [chunks][]uint32
}

// Hit is one hash found by Index.Search.
type Hit struct {
	// Pos is the hash's position in the list given to NewIndex.
	Pos int
	// Distance is its Hamming distance from the query.
	Distance int
}

// words splits a hash into four 64-bit words; chunk c is bits 16·(c%4) to
// 16·(c%4)+15 of word c/4.
func words(h pdq.Hash) [4]uint64 {
	return [4]uint64{
		binary.LittleEndian.Uint64(h[0:]), binary.LittleEndian.Uint64(h[8:]),
		binary.LittleEndian.Uint64(h[16:]), binary.LittleEndian.Uint64(h[24:]),
	}
}

func chunk(w *[4]uint64, c int) uint32 { return uint32(w[c>>2]>>(16*(c&3))) & 0xffff }

func distance(a, b *[4]uint64) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// NewIndex indexes hashes; positions in Search's hits refer to this list.
func NewIndex(hashes []pdq.Hash) *Index {
	ix := &Index{hashes: make([][4]uint64, len(hashes))}
	for i, h := range hashes {
		ix.hashes[i] = words(h)
	}
	for c := range chunks {
		start := make([]uint32, buckets+1)
		for i := range ix.hashes {
			start[chunk(&ix.hashes[i], c)+1]++
		}
		for v := range buckets {
			start[v+1] += start[v]
		}
		ids := make([]uint32, len(ix.hashes))
		next := slices.Clone(start[:buckets])
		for i := range ix.hashes {
			v := chunk(&ix.hashes[i], c)
			ids[next[v]] = uint32(i)
			next[v]++
		}
		ix.start[c], ix.ids[c] = start, ids
	}
	return ix
}

// Len returns the number of hashes indexed.
func (ix *Index) Len() int { return len(ix.hashes) }

// flipMasks[r] lists the 16-bit masks with at most r bits set, up to r = 4.
var flipMasks = func() (m [5][]uint32) {
	for r := range m {
		for v := range uint32(buckets) {
			if bits.OnesCount32(v) <= r {
				m[r] = append(m[r], v)
			}
		}
	}
	return m
}()

// Search calls fn for every indexed hash within maxDist bits of q, each
// once, in the order of their positions. A negative maxDist finds nothing.
func (ix *Index) Search(q pdq.Hash, maxDist int, fn func(Hit)) {
	if maxDist < 0 || len(ix.hashes) == 0 {
		return
	}
	qw := words(q)
	r := maxDist / chunks // radius within each chunk
	// Past a radius of 4 the buckets probed hold about as many hashes as
	// the whole list: read it straight through.
	if r >= len(flipMasks) || chunks*len(flipMasks[r])*len(ix.hashes)/buckets >= len(ix.hashes) {
		for i := range ix.hashes {
			if d := distance(&qw, &ix.hashes[i]); d <= maxDist {
				fn(Hit{Pos: i, Distance: d})
			}
		}
		return
	}
	// Gather the candidates first, then check them in one tight loop, so
	// that the loads of their hashes overlap.
	masks := flipMasks[r]
	bp, _ := candPool.Get().(*[]uint32)
	if bp == nil {
		bp = new([]uint32)
	}
	defer candPool.Put(bp)
	cand := (*bp)[:0]
	for c := range chunks {
		qc := chunk(&qw, c)
		start, ids := ix.start[c], ix.ids[c]
		for _, m := range masks {
			v := qc ^ m
			cand = append(cand, ids[start[v]:start[v+1]]...)
		}
	}
	*bp = cand
	var hits []Hit
	for _, id := range cand {
		if d := distance(&qw, &ix.hashes[id]); d <= maxDist {
			hits = append(hits, Hit{Pos: int(id), Distance: d})
		}
	}
	// A hash near the query may be found through several chunks.
	slices.SortFunc(hits, func(a, b Hit) int { return a.Pos - b.Pos })
	for i, h := range hits {
		if i == 0 || h.Pos != hits[i-1].Pos {
			fn(h)
		}
	}
}

// candPool recycles Search's candidate lists.
var candPool sync.Pool
