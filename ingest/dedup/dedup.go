// Package dedup finds posts that Rasd has already seen: the same post fetched
// again (same id), the same text posted elsewhere (same normalised text), and
// near-duplicates (a 64-bit SimHash of the normalised text within 5 bits), so
// that one text copied across many channels becomes one item with many
// sightings.
//
// On 13,700 distinct tweets of the public Arabic corpora every pair within 5
// bits was a real copy (retweets, truncations, respellings, added emoji). The
// SimHash is kept strict on purpose: replacing one word of a 20-word post
// usually moves it more than 5 bits, and such a post counts as a new one.
//
// The Index keeps what it needs in compact form (about 190 bytes per post at
// one million posts, exact maps included; see BenchmarkIndexMemory) and can be
// rebuilt from the Entry records it hands out, which callers persist next to
// their output.
package dedup

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/nlp"
)

// Kind says how a post relates to what the index has seen.
type Kind uint8

// Kinds of Result.
const (
	// New is a post not seen before; it becomes canonical for its text.
	New Kind = iota
	// DuplicateID is a post whose id was seen before (a re-fetch).
	DuplicateID
	// SameText is a different post with the same normalised text as a canonical post.
	SameText
	// NearDuplicate is a different post whose SimHash is within MaxDistance of a canonical post.
	NearDuplicate
)

var kindNames = [...]string{"new", "duplicate_id", "same_text", "near_duplicate"}

// String returns the kind's name as used in sighting records.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Result is the verdict on one observed post.
type Result struct {
	// Kind says how the post relates to what was seen.
	Kind Kind
	// Canonical is the id of the first post with this text (the post itself when New).
	Canonical string
	// Distance is the Hamming distance of the SimHashes for NearDuplicate.
	Distance int
}

// Sighting records that a post was a copy of a canonical post.
type Sighting struct {
	// Canonical is the id of the post first seen with this text.
	Canonical string `json:"canonical"`
	// PostID is the id of the copy.
	PostID string `json:"post_id"`
	// Source is the configured source the copy came from.
	Source string `json:"source"`
	// Platform is the copy's platform.
	Platform string `json:"platform"`
	// Permalink is the copy's public URL, when known.
	Permalink string `json:"permalink,omitempty"`
	// Kind is same_text or near_duplicate.
	Kind string `json:"kind"`
	// Distance is the SimHash distance for near duplicates.
	Distance int `json:"distance,omitempty"`
	// Time is when the copy was seen (its created time if known, else fetched time).
	Time time.Time `json:"time"`
}

// Entry is what the index remembers of one observed post. Callers persist the
// entries that Observe returns and replay them with Add to rebuild the index.
type Entry struct {
	// ID is the post's id.
	ID string
	// Canonical is the id of the canonical post, or "" when the post is canonical itself.
	Canonical string
	// TextHash is the 64-bit hash of the normalised text (canonical posts only).
	TextHash uint64
	// SimHash is the post's SimHash, 0 when the text is too short for near-duplicate search.
	SimHash uint64
}

// MarshalBinary encodes the entry without its ID (callers use the ID as the key).
func (e Entry) MarshalBinary() ([]byte, error) {
	b := make([]byte, 16+len(e.Canonical))
	binary.BigEndian.PutUint64(b, e.TextHash)
	binary.BigEndian.PutUint64(b[8:], e.SimHash)
	copy(b[16:], e.Canonical)
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote; the ID is set by the caller.
func (e *Entry) UnmarshalBinary(b []byte) error {
	if len(b) < 16 {
		return fmt.Errorf("dedup entry: %d bytes, want at least 16", len(b))
	}
	e.TextHash = binary.BigEndian.Uint64(b)
	e.SimHash = binary.BigEndian.Uint64(b[8:])
	e.Canonical = string(b[16:])
	return nil
}

// ErrUnknownCanonical is returned by Add for a copy whose canonical post is not in the index.
var ErrUnknownCanonical = errors.New("canonical post not in index")

// Options tune the index.
type Options struct {
	// MaxDistance is the largest SimHash Hamming distance counted as a near
	// duplicate, 1 to 5 (the bands guarantee every match within 5 is found).
	// Negative disables near-duplicate search. Default 5.
	MaxDistance int
	// MinFeatures is the fewest SimHash features (words and word pairs) a text
	// needs for near-duplicate search; shorter texts are matched exactly only.
	// Default 6.
	MinFeatures int
}

// The 64 SimHash bits are cut into six bands (four of 11 bits, two of 10).
// Two hashes within 5 bits of each other agree exactly on at least one band
// (pigeonhole), so looking up each band's bucket finds every match within 5.
const numBands = 6

var (
	bandShift = [numBands]uint{0, 11, 22, 33, 44, 54}
	bandWidth = [numBands]uint{11, 11, 11, 11, 10, 10}
)

func bandKey(sh uint64, b int) uint32 {
	return uint32(sh>>bandShift[b]) & (1<<bandWidth[b] - 1)
}

// bandEntry is a canonical post in a band's bucket: its slot, and the 32
// SimHash bits that follow the band (wrapping round), which the bucket's key
// does not fix. Their distance to a query's is a lower bound of the whole
// distance, so most of a bucket is passed over without reading the post's
// SimHash: a bucket holds about 500 posts at a million, and reading each
// one's SimHash from the slot table missed the cache every time.
type bandEntry struct {
	slot, rest uint32
}

// bandRest returns the 32 bits of sh that follow band b.
func bandRest(sh uint64, b int) uint32 {
	return uint32(bits.RotateLeft64(sh, -int(bandShift[b]+bandWidth[b])))
}

// Index is an in-memory duplicate index. It is safe for concurrent use.
type Index struct {
	opts Options

	mu    sync.Mutex
	ids   map[uint64]uint32 // hash of post id -> canonical slot
	texts map[uint64]uint32 // normalised text hash -> canonical slot
	fps   []uint64          // slot -> SimHash (0: none)
	arena []byte            // canonical ids, concatenated
	ends  []uint32          // slot -> end of its id in arena
	bands [numBands][][]bandEntry
	posts int
	// adopted maps slots whose canonical post turned out to be another
	// process's to that post's id (see Adopt).
	adopted map[uint32]string
	// ths and copies hold, per slot, the canonical post's text hash and
	// the number of copies recorded as its; dead holds the slots of
	// canonical posts removed by Forget.
	ths    []uint64
	copies []uint32
	dead   map[uint32]bool
}

// NewIndex returns an empty index.
func NewIndex(opts Options) *Index {
	if opts.MaxDistance == 0 {
		opts.MaxDistance = 5
	}
	if opts.MaxDistance > 5 {
		opts.MaxDistance = 5
	}
	if opts.MinFeatures <= 0 {
		opts.MinFeatures = 6
	}
	return &Index{opts: opts, ids: map[uint64]uint32{}, texts: map[uint64]uint32{}}
}

// Len returns the number of post ids the index knows (canonical posts and copies).
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.posts
}

// Canonicals returns the number of canonical posts.
func (x *Index) Canonicals() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.fps) - len(x.dead)
}

// Observe classifies the post (id, text) and records it, returning the verdict
// and the entry to persist (Entry.ID is empty for DuplicateID: nothing new to persist).
func (x *Index) Observe(id, text string) (Result, Entry) {
	th, sh := Fingerprint(text, x.opts.MinFeatures)
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.observe(id, hashString(id), th, sh)
}

func (x *Index) observe(id string, idh, th, sh uint64) (Result, Entry) {
	if slot, ok := x.alive(idh); ok {
		return Result{Kind: DuplicateID, Canonical: x.idOf(slot)}, Entry{}
	}
	if slot, ok := x.texts[th]; ok {
		x.ids[idh] = slot
		x.posts++
		x.copies[slot]++
		c := x.idOf(slot)
		return Result{Kind: SameText, Canonical: c}, Entry{ID: id, Canonical: c}
	}
	if sh != 0 && x.opts.MaxDistance >= 0 {
		if slot, d, ok := x.near(sh); ok {
			x.ids[idh] = slot
			x.posts++
			x.copies[slot]++
			c := x.idOf(slot)
			return Result{Kind: NearDuplicate, Canonical: c, Distance: d}, Entry{ID: id, Canonical: c}
		}
	}
	x.addCanonical(id, idh, th, sh)
	return Result{Kind: New, Canonical: id}, Entry{ID: id, TextHash: th, SimHash: sh}
}

// ObserveBatch observes posts in order, as Observe would one by one, and
// computes their fingerprints (the costly part) on all CPUs first. ids and
// texts have the same length; results and entries are in the same order.
func (x *Index) ObserveBatch(ids, texts []string) ([]Result, []Entry) {
	res, ents, _ := x.ObserveBatchNormalized(ids, texts)
	return res, ents
}

// ObserveBatchNormalized is ObserveBatch that also returns each text's
// normalised form (nlp.Normalize), computed on the way, for a caller that
// needs it next.
func (x *Index) ObserveBatchNormalized(ids, texts []string) ([]Result, []Entry, []string) {
	n := len(ids)
	ths, shs := make([]uint64, n), make([]uint64, n)
	norms := make([]string, n)
	ingest.Parallel(n, 128, func(i int) {
		norms[i] = nlp.Normalize(texts[i])
		ths[i], shs[i] = FingerprintNormalized(texts[i], norms[i], x.opts.MinFeatures)
	})
	res, ents := make([]Result, n), make([]Entry, n)
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range n {
		res[i], ents[i] = x.observe(ids[i], hashString(ids[i]), ths[i], shs[i])
	}
	return res, ents, norms
}

// AddCanonical records the post as canonical (used when recovering posts
// already written out) and returns its entry; a known id is left as it is
// and returns an empty entry.
func (x *Index) AddCanonical(id, text string) Entry {
	th, sh := Fingerprint(text, x.opts.MinFeatures)
	idh := hashString(id)
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.alive(idh); ok {
		return Entry{}
	}
	x.addCanonical(id, idh, th, sh)
	return Entry{ID: id, TextHash: th, SimHash: sh}
}

// Adopt records that the post id, which this index took for a new text, is a
// copy of canonical, which another process saw first (processes that share a
// store agree on the first post of each text): canonical becomes the text's
// canonical post here too, and id and later copies point to it. An id this
// index does not know is left alone.
func (x *Index) Adopt(id, canonical string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	slot, ok := x.alive(hashString(id))
	if !ok || id == canonical {
		return
	}
	if x.adopted == nil {
		x.adopted = map[uint32]string{}
	}
	x.adopted[slot] = canonical
	x.ids[hashString(canonical)] = slot
}

// Forget removes canonical posts, with the copies recorded as theirs, after
// they were purged: a later copy of one of their texts is a new post, not a
// sighting of a post that is gone. Ids that are not canonical posts here are
// left alone. It returns how many canonical posts it removed. Its cost is in
// the ids given, not in the size of the index: copies' ids are dropped when
// next seen, and the removed ids' bytes stay in the arena until the index is
// rebuilt from the records at the next start.
func (x *Index) Forget(ids ...string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	var n int
	for _, id := range ids {
		idh := hashString(id)
		slot, ok := x.alive(idh)
		if !ok || x.idOf(slot) != id {
			continue
		}
		delete(x.ids, idh)
		if th := x.ths[slot]; x.texts[th] == slot {
			delete(x.texts, th)
		}
		if sh := x.fps[slot]; sh != 0 {
			for b := range numBands {
				if x.bands[b] == nil {
					continue
				}
				key := bandKey(sh, b)
				x.bands[b][key] = slices.DeleteFunc(x.bands[b][key], func(e bandEntry) bool { return e.slot == slot })
			}
		}
		x.fps[slot] = 0
		delete(x.adopted, slot)
		if x.dead == nil {
			x.dead = map[uint32]bool{}
		}
		x.dead[slot] = true
		x.posts -= 1 + int(x.copies[slot])
		n++
	}
	return n
}

// Withdraw undoes the observation of posts that were taken for copies of a
// canonical post (or adopted another process's, see Adopt), for a caller
// whose batch failed before it was written out: observed again, each is
// again a copy of its canonical post rather than a known id. Canonical
// posts are left as they are: a retried canonical post is a known id, which
// the caller records if it has not. It returns how many ids it withdrew.
func (x *Index) Withdraw(ids ...string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	var n int
	for _, id := range ids {
		idh := hashString(id)
		slot, ok := x.alive(idh)
		if !ok {
			continue
		}
		if x.ownID(slot) == id {
			// The post's own slot: a canonical post, unless it was adopted.
			if _, adopted := x.adopted[slot]; !adopted {
				continue
			}
		} else if x.copies[slot] > 0 {
			x.copies[slot]--
		}
		delete(x.ids, idh)
		x.posts--
		n++
	}
	return n
}

// ownID returns the id of the post the slot was made for (idOf returns the
// post that another process recorded first, once adopted).
func (x *Index) ownID(slot uint32) string {
	start := uint32(0)
	if slot > 0 {
		start = x.ends[slot-1]
	}
	return string(x.arena[start:x.ends[slot]])
}

// alive returns the canonical slot of the post id hash idh, unless Forget
// removed it; an id left pointing to a removed slot is dropped here.
func (x *Index) alive(idh uint64) (uint32, bool) {
	slot, ok := x.ids[idh]
	if ok && x.dead[slot] {
		delete(x.ids, idh)
		return 0, false
	}
	return slot, ok
}

// Contains reports whether the post id is known, and its canonical id.
func (x *Index) Contains(id string) (string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	slot, ok := x.alive(hashString(id))
	if !ok {
		return "", false
	}
	return x.idOf(slot), true
}

// Add replays a persisted entry. Canonical entries must be added before their
// copies; a copy of an unknown canonical post returns ErrUnknownCanonical.
// Adding a known id again is a no-op.
func (x *Index) Add(e Entry) error {
	if e.ID == "" {
		return errors.New("dedup entry without id")
	}
	idh := hashString(e.ID)
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.alive(idh); ok {
		return nil
	}
	if e.Canonical == "" {
		x.addCanonical(e.ID, idh, e.TextHash, e.SimHash)
		return nil
	}
	slot, ok := x.alive(hashString(e.Canonical))
	if !ok {
		return fmt.Errorf("adding %q: %w: %q", e.ID, ErrUnknownCanonical, e.Canonical)
	}
	x.ids[idh] = slot
	x.posts++
	x.copies[slot]++
	return nil
}

func (x *Index) idOf(slot uint32) string {
	if c, ok := x.adopted[slot]; ok {
		return c
	}
	return x.ownID(slot)
}

func (x *Index) addCanonical(id string, idh, th, sh uint64) {
	slot := uint32(len(x.fps))
	x.fps = append(x.fps, sh)
	x.ths = append(x.ths, th)
	x.copies = append(x.copies, 0)
	x.arena = append(x.arena, id...)
	x.ends = append(x.ends, uint32(len(x.arena)))
	x.ids[idh] = slot
	if _, ok := x.texts[th]; !ok {
		x.texts[th] = slot
	}
	x.posts++
	if sh == 0 || x.opts.MaxDistance < 0 {
		return
	}
	for b := range numBands {
		if x.bands[b] == nil {
			x.bands[b] = make([][]bandEntry, 1<<bandWidth[b])
		}
		key := bandKey(sh, b)
		x.bands[b][key] = append(x.bands[b][key], bandEntry{slot: slot, rest: bandRest(sh, b)})
	}
}

// near finds the closest canonical post within MaxDistance. By the pigeonhole
// principle two hashes within 5 bits share at least one of the six bands exactly.
func (x *Index) near(sh uint64) (uint32, int, bool) {
	best, bestD := uint32(0), x.opts.MaxDistance+1
	for b := range numBands {
		if x.bands[b] == nil {
			continue
		}
		rest := bandRest(sh, b)
		for _, e := range x.bands[b][bandKey(sh, b)] {
			if bits.OnesCount32(e.rest^rest) > bestD {
				continue // too far already on these 32 bits
			}
			if d := bits.OnesCount64(x.fps[e.slot] ^ sh); d < bestD || (d == bestD && e.slot < best) {
				best, bestD = e.slot, d
			}
		}
	}
	return best, bestD, bestD <= x.opts.MaxDistance
}

// Fingerprint returns the 64-bit hash of the normalised text and its SimHash
// (0 when the text has fewer than minFeatures features). The SimHash features
// are the distinct words and adjacent word pairs of the normalised text,
// leaving out hashtags, links, @mentions, bare numbers and "RT", which copies
// in a campaign often add or vary.
func Fingerprint(text string, minFeatures int) (textHash, simHash uint64) {
	return FingerprintNormalized(text, nlp.Normalize(text), minFeatures)
}

// FingerprintNormalized is Fingerprint for a caller that has normalised the
// text already: norm is nlp.Normalize(text).
func FingerprintNormalized(text, norm string, minFeatures int) (textHash, simHash uint64) {
	// The SimHash leaves out hashtags, which copies in a campaign add and vary
	// (the normaliser turns a hashtag into plain words, so they go first).
	simText := norm
	if strings.IndexByte(text, '#') >= 0 {
		simText = nlp.Normalize(stripHashtags(text))
	}
	separate := simText != norm
	var (
		th      = uint64(fnvOffset)
		first   = true
		fs      featureSet
		prev    uint64
		hasPrev bool
	)
	addFeatures := func(tok string) {
		if volatile(tok) {
			return
		}
		h := hashString(tok)
		fs.add(mix(h))
		if hasPrev {
			fs.add(mix(prev*31 ^ h))
		}
		prev, hasPrev = h, true
	}
	for tok := range tokens(norm) {
		// The exact-text hash covers every token, separated by one space.
		if !first {
			th = fnvByte(th, ' ')
		}
		first = false
		th = fnvString(th, tok)
		if !separate {
			addFeatures(tok)
		}
	}
	if separate {
		for tok := range tokens(simText) {
			addFeatures(tok)
		}
	}
	if first {
		// No words at all (only emoji or punctuation): the text itself is the key.
		th = fnvString(fnvByte(fnvOffset, 0), strings.TrimSpace(norm))
	}
	if fs.n < minFeatures {
		return th, 0
	}
	sh := fs.sum()
	if sh == 0 {
		sh = 1
	}
	return th, sh
}

// featureSet feeds each distinct feature once into a simCounter, so that a
// word repeated many times (the vocative يا in a list of names, a chanted
// slogan) does not outweigh the rest of the text. Up to 192 distinct features
// are tracked in a fixed open-addressing table; beyond that (very long
// texts), later repeats are counted again, which no longer matters there.
type featureSet struct {
	table [256]uint64
	sc    simCounter
	n     int
}

func (f *featureSet) add(h uint64) {
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	if f.n >= 192 {
		f.sc.add(h)
		f.n++
		return
	}
	for i := uint8(h); ; i++ {
		switch f.table[i] {
		case h:
			return
		case 0:
			f.table[i] = h
			f.sc.add(h)
			f.n++
			return
		}
	}
}

func (f *featureSet) sum() uint64 { return f.sc.sum() }

// simCounter counts, for each of the 64 bit positions, how many features set
// it. Eight bit positions share one uint64 of 8-bit lanes (byteLanes spreads a
// byte of the feature over them), flushed into wide counters before a lane can
// overflow: eight table look-ups per feature instead of 64 branches.
type simCounter struct {
	lanes  [8]uint64
	counts [64]int32
	n      int
	inLane int
}

var byteLanes = func() (t [256]uint64) {
	for b := range 256 {
		for j := range 8 {
			if b&(1<<j) != 0 {
				t[b] |= 1 << (8 * j)
			}
		}
	}
	return t
}()

func (c *simCounter) add(h uint64) {
	for k := range 8 {
		c.lanes[k] += byteLanes[byte(h>>(8*k))]
	}
	c.n++
	if c.inLane++; c.inLane == 255 {
		c.flush()
	}
}

func (c *simCounter) flush() {
	for k := range 8 {
		for j := range 8 {
			c.counts[8*k+j] += int32(byte(c.lanes[k] >> (8 * j)))
		}
		c.lanes[k] = 0
	}
	c.inLane = 0
}

// sum sets bit i when more than half of the features set it.
func (c *simCounter) sum() uint64 {
	c.flush()
	var sh uint64
	for i := range 64 {
		if 2*int(c.counts[i]) > c.n {
			sh |= 1 << i
		}
	}
	return sh
}

// tokens yields the runs of letters, digits and marks of s, keeping '#' and
// '@' prefixes and whole links (up to the next space).
func tokens(s string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		i := 0
		for i < len(s) {
			if s[i] == ' ' || s[i] == '\n' || s[i] == '\t' {
				i++
				continue
			}
			if hasLinkPrefix(s[i:]) {
				j := i
				for j < len(s) && s[j] != ' ' && s[j] != '\n' && s[j] != '\t' {
					j++
				}
				if !yield(s[i:j]) {
					return
				}
				i = j
				continue
			}
			r, n := nlp.DecodeRune(s, i)
			if !wordRune(r) && r != '#' && r != '@' {
				i += n
				continue
			}
			j := i + n
			for j < len(s) {
				r, m := nlp.DecodeRune(s, j)
				if !wordRune(r) {
					break
				}
				j += m
			}
			if j-i == n && (r == '#' || r == '@') {
				i = j
				continue
			}
			if !yield(s[i:j]) {
				return
			}
			i = j
		}
	}
}

func hasLinkPrefix(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "www.")
}

// arabicWord says which runes of the Arabic block (U+0600–U+06FF) are word runes.
var arabicWord = func() (t [256]bool) {
	for i := range 256 {
		r := rune(0x0600 + i)
		t[i] = unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
	}
	return t
}()

func wordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
	}
	if r >= 0x0600 && r <= 0x06FF {
		return arabicWord[r-0x0600]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// stripHashtags removes every #tag (up to the next space) from s.
func stripHashtags(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\n' || s[i-1] == '\t') {
			for i < len(s) && s[i] != ' ' && s[i] != '\n' && s[i] != '\t' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// volatile reports tokens left out of the SimHash: mentions, links, bare
// numbers and the retweet marker.
func volatile(tok string) bool {
	if tok[0] == '@' || hasLinkPrefix(tok) || tok == "rt" || tok == "RT" {
		return true
	}
	for _, r := range tok {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// hashString is 64-bit FNV-1a, stable across processes (it is persisted).
func hashString(s string) uint64 { return fnvString(fnvOffset, s) }

// mix spreads the bits of a hash (the SplitMix64 finaliser), so that SimHash
// features set bits independently.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
