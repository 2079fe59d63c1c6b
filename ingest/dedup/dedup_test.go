package dedup

import (
	"errors"
	"flag"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/nlp"
)

var words = strings.Fields(`الحكومة البرلمان الشعب بغداد البصرة الموصل الانتخابات الفساد المظاهرات الشباب
الجيش الشرطة المحافظة الوزير الكهرباء الماء الرواتب النفط الدولار السوق العشيرة الجامعة الطلاب المستشفى
الطريق الجسر المدينة القرية الشارع اليوم امس باجر هسه شكو ماكو اكو زين هواية كلش چان يمعود والله
خوش اريد نريد نروح رحنا جينا المسؤولين المواطن الحقوق القانون المحكمة القاضي الصحفي القناة الخبر`)

func randomText(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = words[r.IntN(len(words))]
	}
	return strings.Join(w, " ")
}

func TestObserve(t *testing.T) {
	base := "المظاهرات اليوم في ساحة التحرير سلمية والشباب يطالبون بالكهرباء والماء والرواتب وفرص العمل للخريجين " +
		"ويرفضون الفساد في الوزارات والمحافظات ويطالبون بمحاسبة المسؤولين عن هدر المال العام منذ سنوات طويلة"
	type step struct {
		id, text string
		want     Kind
		canon    string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first post is new", []step{{"x:1", base, New, "x:1"}}},
		{"refetch is duplicate id", []step{{"x:1", base, New, "x:1"}, {"x:1", base, DuplicateID, "x:1"}}},
		{"refetch with edited text is still duplicate id", []step{{"x:1", base, New, "x:1"}, {"x:1", "نص آخر تماما", DuplicateID, "x:1"}}},
		{"copy elsewhere is same text", []step{{"x:1", base, New, "x:1"}, {"telegram:9", base, SameText, "x:1"}}},
		{"punctuation and spacing do not matter", []step{
			{"x:1", "الكهرباء   مقطوعة، من الصبح!!", New, "x:1"},
			{"x:2", "الكهرباء مقطوعة من الصبح", SameText, "x:1"},
		}},
		{"case folding through the normaliser", []step{
			{"x:1", "Stop The Corruption now", New, "x:1"},
			{"x:2", "stop the corruption NOW", SameText, "x:1"},
		}},
		{"different mention and link is a near duplicate", []step{
			{"x:1", "@ali " + base + " https://t.co/abc", New, "x:1"},
			{"x:2", "@omar " + base + " https://t.co/xyz", NearDuplicate, "x:1"},
		}},
		{"different number is a near duplicate", []step{
			{"x:1", base + " 2019", New, "x:1"},
			{"x:2", base + " 2024", NearDuplicate, "x:1"},
		}},
		{"unrelated text is new", []step{
			{"x:1", base, New, "x:1"},
			{"x:2", "الدوري العراقي انتهى بفوز الزوراء على الطلبة بهدفين نظيفين في ملعب الشعب الدولي ببغداد امس", New, "x:2"},
		}},
		{"short texts are only matched exactly", []step{
			{"x:1", "صباح الخير", New, "x:1"},
			{"x:2", "صباح النور", New, "x:2"},
			{"x:3", "صباح الخير", SameText, "x:1"},
		}},
		{"texts without words are told apart", []step{
			{"x:1", "😀😀", New, "x:1"},
			{"x:2", "🔥", New, "x:2"},
			{"x:3", "🔥", SameText, "x:2"},
		}},
		{"copy of a copy points at the first post", []step{
			{"x:1", base, New, "x:1"},
			{"x:2", base, SameText, "x:1"},
			{"x:2", base, DuplicateID, "x:1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := NewIndex(Options{})
			for i, s := range tt.steps {
				res, _ := x.Observe(s.id, s.text)
				if res.Kind != s.want || res.Canonical != s.canon {
					t.Fatalf("step %d (%s): got %v of %q (distance %d), want %v of %q", i, s.id, res.Kind, res.Canonical, res.Distance, s.want, s.canon)
				}
			}
		})
	}
}

func TestNearDuplicateDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := NewIndex(Options{})
	// One word replaced in a 300-word text: SimHash within 5 bits for nearly
	// all such edits (short texts need a larger share of shared words).
	const trials = 200
	found := 0
	for k := range trials {
		long := randomText(r, 300)
		w := strings.Fields(long)
		w[150] = "كلمةجديدة"
		x := NewIndex(Options{})
		x.Observe("a:1", long)
		res, _ := x.Observe("a:2", strings.Join(w, " "))
		if res.Kind == NearDuplicate && res.Canonical == "a:1" {
			found++
			if res.Distance > 5 {
				t.Fatalf("trial %d: distance %d above 5", k, res.Distance)
			}
		}
	}
	if found < trials*90/100 {
		t.Fatalf("one word changed in 300: %d of %d found as near duplicates, want at least 90%%", found, trials)
	}
	x = NewIndex(Options{})
	// Many unrelated texts never match each other.
	for i := range 2000 {
		res, _ := x.Observe(fmt.Sprintf("b:%d", i), randomText(r, 20))
		if res.Kind != New {
			t.Fatalf("random text %d matched %q as %v (distance %d)", i, res.Canonical, res.Kind, res.Distance)
		}
	}
}

// TestBandsFindEveryMatchWithinFive checks the lookup guarantee on raw
// fingerprints: every hash within 5 bits is found, whichever bits differ, and
// none at 6 or more.
func TestBandsFindEveryMatchWithinFive(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 3000 {
		x := NewIndex(Options{})
		base := r.Uint64() | 1
		x.addCanonical("c", hashString("c"), 1, base)
		d := 1 + trial%7 // 1..7 bits
		probe := base
		for _, bit := range r.Perm(64)[:d] {
			probe ^= 1 << bit
		}
		if probe == 0 {
			continue
		}
		_, got, ok := x.near(probe)
		if want := d <= 5; ok != want || (ok && got != d) {
			t.Fatalf("distance %d: found=%v (distance %d), want found=%v", d, ok, got, want)
		}
	}
	// Worst case for banding: the differing bits spread one per band.
	x := NewIndex(Options{})
	x.addCanonical("c", hashString("c"), 1, 0xAAAAAAAAAAAAAAAA)
	probe := uint64(0xAAAAAAAAAAAAAAAA)
	for b := range 5 {
		probe ^= 1 << bandShift[b]
	}
	if _, d, ok := x.near(probe); !ok || d != 5 {
		t.Fatalf("5 bits in 5 bands: found=%v distance %d", ok, d)
	}
}

// TestNearIsTheClosest checks near against a scan of every canonical post,
// in crowded buckets: it must return the closest within five bits and, of
// several as close, the earliest. Probes are made near chosen posts, at 0
// to 7 bits, so that a bucket holds matches and near misses alike.
func TestNearIsTheClosest(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	x := NewIndex(Options{})
	const n = 20000
	for i := range n {
		sh := r.Uint64() | 1
		if i%10 == 1 {
			// A close relative of an earlier post: ties and near misses.
			sh = x.fps[r.IntN(i)] ^ 1<<r.IntN(64) ^ 1<<r.IntN(64)
		}
		if sh == 0 {
			sh = 1
		}
		id := fmt.Sprintf("p:%d", i)
		x.addCanonical(id, hashString(id), uint64(i), sh)
	}
	found := 0
	for range 3000 {
		probe := x.fps[r.IntN(n)]
		for range r.IntN(8) {
			probe ^= 1 << r.IntN(64)
		}
		wantSlot, wantD := uint32(0), 6
		for slot, fp := range x.fps {
			if d := bits.OnesCount64(fp ^ probe); d < wantD {
				wantSlot, wantD = uint32(slot), d
			}
		}
		slot, d, ok := x.near(probe)
		if ok != (wantD <= 5) || (ok && (slot != wantSlot || d != wantD)) {
			t.Fatalf("probe %x: near gave slot %d at %d (found %v), want slot %d at %d", probe, slot, d, ok, wantSlot, wantD)
		}
		if ok {
			found++
		}
	}
	if found < 1000 {
		t.Fatalf("only %d of 3000 probes had a match: the test does not exercise matches", found)
	}
}

// TestRealWorldCopies uses the kinds of copies seen in Arabic tweet corpora.
func TestRealWorldCopies(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       Kind
	}{
		{"retweet prefix", "قالي يا قمرة يا حلوة يا روح روح علتي يا زينه و سبب بلواي", "RT @USER: قالي يا قمرة يا حلوة يا روح روح\nعلتي يا زينه و سبب بلواي URL", NearDuplicate},
		{"different hashtags only", "#نازل_اخذ_حقي يوم 25 كلنا بساحة التحرير سلمية سلمية نطالب بحقوقنا ونرفض الفساد", "يوم 25 كلنا بساحة التحرير سلمية سلمية نطالب بحقوقنا ونرفض الفساد #العراق_ينتفض #25_اكتوبر", NearDuplicate},
		{"elongation and punctuation", "يا صوتك اللي بداخلي في حسبة اشواقي لعب لبيه يا بحة حبال الشوق يا مشتاقلي", "يا صوتك اللي بداخلي في حسبة اشواقي لعب\nلبيــه يا بحة حبال الشوق يا مشتاقلي 🎶", SameText},
		{"campaign copy with a new hashtag", "يا شباب ديالى ما نسكت بعد اليوم على اللي صار بالمقدادية كلنا نطلع الجمعة بعد الصلاة", "يا شباب ديالى ما نسكت بعد اليوم على اللي صار بالمقدادية كلنا نطلع الجمعة بعد الصلاة #ديالى_تنتفض", NearDuplicate},
		{"vocative lists are not copies", "@USER كل زق يا خنيث يا جرار يا نيفيا يا ابن القحبه", "اللهم اني اسألك باسمك يا عفو يا غفور يا صبور يا شكور يا رؤوف يا عطوف يا مسؤول يا ودود", New},
		{"same topic, different post", "انقطاع الكهرباء في البصرة مستمر منذ الصباح والناس تعاني من الحر الشديد", "انقطاع الماء في بغداد مستمر منذ يومين والناس تشتري الماء من السوق", New},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := NewIndex(Options{})
			x.Observe("a", tt.a)
			res, _ := x.Observe("b", tt.b)
			if res.Kind != tt.want {
				th1, s1 := Fingerprint(tt.a, 6)
				th2, s2 := Fingerprint(tt.b, 6)
				t.Fatalf("got %v (distance %d), want %v; hashes %x/%x simhash distance %d", res.Kind, res.Distance, tt.want, th1, th2, bits.OnesCount64(s1^s2))
			}
		})
	}
}

func TestRebuildFromEntries(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	a := NewIndex(Options{})
	var entries []Entry
	var texts []string
	for i := range 300 {
		text := randomText(r, 12)
		if i%3 == 1 {
			text = texts[r.IntN(len(texts))] // copy
		}
		texts = append(texts, text)
		res, e := a.Observe(fmt.Sprintf("t:%d", i), text)
		if res.Kind == DuplicateID {
			t.Fatalf("unexpected duplicate id")
		}
		b, err := e.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Entry
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		back.ID = e.ID
		if back != e {
			t.Fatalf("entry round trip: got %+v, want %+v", back, e)
		}
		entries = append(entries, back)
	}
	b := NewIndex(Options{})
	// Copies before their canonical posts fail; canonical first works.
	for _, e := range entries {
		if e.Canonical != "" {
			if err := b.Add(e); err == nil {
				t.Fatalf("copy %q added before its canonical %q", e.ID, e.Canonical)
			}
			break
		}
	}
	for _, e := range entries {
		if e.Canonical == "" {
			if err := b.Add(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, e := range entries {
		if err := b.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if a.Len() != b.Len() || a.Canonicals() != b.Canonicals() {
		t.Fatalf("rebuilt index has %d/%d posts, want %d/%d", b.Len(), b.Canonicals(), a.Len(), a.Canonicals())
	}
	for i, text := range texts {
		id := fmt.Sprintf("t:%d", i)
		ra, _ := a.Observe(id, text)
		rb, _ := b.Observe(id, text)
		if ra != rb {
			t.Fatalf("%s: original %+v, rebuilt %+v", id, ra, rb)
		}
		// A new id with the same text agrees too.
		ra, _ = a.Observe(id+"-copy", text)
		rb, _ = b.Observe(id+"-copy", text)
		if ra != rb {
			t.Fatalf("%s copy: original %+v, rebuilt %+v", id, ra, rb)
		}
	}
}

func TestObserveBatchMatchesObserve(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var ids, texts []string
	for i := range 1000 {
		text := randomText(r, 15)
		if i%4 == 3 {
			text = texts[r.IntN(len(texts))]
		}
		id := fmt.Sprintf("s:%d", i%900) // some ids repeat
		ids, texts = append(ids, id), append(texts, text)
	}
	a, b, c := NewIndex(Options{}), NewIndex(Options{}), NewIndex(Options{})
	gotRes, gotEnt := a.ObserveBatch(ids, texts)
	normRes, normEnt, norms := c.ObserveBatchNormalized(ids, texts)
	for i := range ids {
		res, ent := b.Observe(ids[i], texts[i])
		if res != gotRes[i] || ent != gotEnt[i] {
			t.Fatalf("post %d: batch %+v %+v, one by one %+v %+v", i, gotRes[i], gotEnt[i], res, ent)
		}
		if res != normRes[i] || ent != normEnt[i] || norms[i] != nlp.Normalize(texts[i]) {
			t.Fatalf("post %d: normalising batch %+v %+v %q, one by one %+v %+v", i, normRes[i], normEnt[i], norms[i], res, ent)
		}
	}
}

func TestEntryUnmarshalShort(t *testing.T) {
	var e Entry
	if err := e.UnmarshalBinary([]byte{1, 2, 3}); err == nil {
		t.Fatal("short entry accepted")
	}
}

func BenchmarkObserve(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	texts := make([]string, 4096)
	for i := range texts {
		texts[i] = randomText(r, 25)
	}
	x := NewIndex(Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.Observe(fmt.Sprintf("b:%d", i), texts[i%len(texts)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkIndexMemory measures the heap held by an index of distinct posts.
// The one-million-post size runs only when named: -bench 'IndexMemory/posts=1M'.
func BenchmarkIndexMemory(b *testing.B) {
	sizes := []struct {
		name string
		n    int
	}{{"posts=100k", 100_000}}
	if f := flag.Lookup("test.bench"); f != nil && strings.Contains(f.Value.String(), "1M") {
		sizes = append(sizes, struct {
			name string
			n    int
		}{"posts=1M", 1_000_000})
	}
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(7, 8))
			var perPost float64
			for range b.N {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				x := NewIndex(Options{})
				for i := range sz.n {
					// Fingerprints are what the index keeps; random 64-bit values
					// stand in for SimHashes of distinct texts.
					id := fmt.Sprintf("telegram:channel_%d/%d", i%500, i)
					x.mu.Lock()
					x.addCanonical(id, hashString(id), r.Uint64(), r.Uint64()|1)
					x.mu.Unlock()
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perPost = float64(after.HeapAlloc-before.HeapAlloc) / float64(sz.n)
				runtime.KeepAlive(x)
			}
			b.ReportMetric(perPost, "bytes/post")
		})
	}
}

func TestAdoptPointsCopiesToAnotherProcesssCanonical(t *testing.T) {
	x := NewIndex(Options{})
	text := "ارفعوا الصوت يوم الجمعة بساحة التحرير كلنا نطالب بحقوقنا"
	if r, _ := x.Observe("w1:a", text); r.Kind != New {
		t.Fatalf("first sighting here: %v, want New", r.Kind)
	}
	// Another worker recorded w2:z with this text first.
	x.Adopt("w1:a", "w2:z")
	if c, ok := x.Contains("w1:a"); !ok || c != "w2:z" {
		t.Errorf("w1:a now points to %q (%v), want w2:z", c, ok)
	}
	if r, _ := x.Observe("w1:b", text); r.Kind != SameText || r.Canonical != "w2:z" {
		t.Errorf("a later copy: %+v, want SameText of w2:z", r)
	}
	if r, _ := x.Observe("w2:z", text); r.Kind != DuplicateID {
		t.Errorf("the adopted canonical itself: %+v, want DuplicateID", r)
	}
	x.Adopt("unknown", "w2:y") // unknown ids are left alone
	if _, ok := x.Contains("w2:y"); ok {
		t.Error("adopting for an unknown id added its canonical")
	}
}

func TestForgetMakesLaterCopiesNew(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	a, b := randomText(r, 30), randomText(r, 30)
	// A near copy of a: a link added, which the SimHash leaves out.
	nearA := a + " https://t.co/x1"
	x := NewIndex(Options{})
	for _, p := range []struct{ id, text string }{{"p:a", a}, {"p:a2", a}, {"p:b", b}} {
		x.Observe(p.id, p.text)
	}
	if res, _ := x.Observe("p:a3", nearA); res.Kind != NearDuplicate || res.Canonical != "p:a" {
		t.Fatalf("near copy before forgetting: %+v, want a near duplicate of p:a", res)
	}
	if n := x.Forget("p:a2", "p:unknown"); n != 0 {
		t.Fatalf("Forget of a copy and an unknown id removed %d canonical posts, want 0", n)
	}
	if n := x.Forget("p:a"); n != 1 {
		t.Fatalf("Forget(p:a) removed %d, want 1", n)
	}
	if n := x.Forget("p:a"); n != 0 {
		t.Fatalf("second Forget(p:a) removed %d, want 0", n)
	}
	if x.Len() != 1 || x.Canonicals() != 1 {
		t.Fatalf("after forgetting p:a and its copies: %d posts, %d canonical, want 1 and 1", x.Len(), x.Canonicals())
	}
	for _, id := range []string{"p:a", "p:a2", "p:a3"} {
		if c, ok := x.Contains(id); ok {
			t.Errorf("Contains(%s) = %s after forgetting p:a, want unknown", id, c)
		}
	}
	if err := x.Add(Entry{ID: "p:a9", Canonical: "p:a"}); !errors.Is(err, ErrUnknownCanonical) {
		t.Errorf("adding a copy of the forgotten p:a: %v, want ErrUnknownCanonical", err)
	}
	for _, tc := range []struct {
		id, text string
		want     Kind
		canon    string
	}{
		{"p:a4", a, New, "p:a4"},               // the forgotten text, exactly
		{"p:a5", nearA, NearDuplicate, "p:a4"}, // its near copy finds the new canonical
		{"p:a2", a, SameText, "p:a4"},          // a forgotten copy's id is not a known id any more
		{"p:b2", b, SameText, "p:b"},           // the other text is untouched
	} {
		if res, _ := x.Observe(tc.id, tc.text); res.Kind != tc.want || res.Canonical != tc.canon {
			t.Errorf("%s: %+v, want %v of %s", tc.id, res, tc.want, tc.canon)
		}
	}
}

// BenchmarkNearLarge measures the near-duplicate search of a new text in an
// index of a million canonical posts, where each band's bucket holds about
// 500 of them.
func BenchmarkNearLarge(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	x := NewIndex(Options{})
	for i := range 1_000_000 {
		id := fmt.Sprintf("b:%d", i)
		x.addCanonical(id, hashString(id), r.Uint64(), r.Uint64()|1)
	}
	probes := make([]uint64, 4096)
	for i := range probes {
		probes[i] = r.Uint64() | 1
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.near(probes[i%len(probes)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

func TestWithdrawLetsFailedCopiesBeObservedAgain(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	a, b := randomText(r, 30), randomText(r, 30)
	x := NewIndex(Options{})
	x.Observe("p:a", a)
	// A batch with a new post, a copy and a near copy fails before it is
	// written out.
	x.Observe("p:b", b)
	x.Observe("p:a2", a)
	x.Observe("p:a3", a+" https://t.co/x1")
	if n := x.Withdraw("p:b", "p:a2", "p:a3", "p:unknown"); n != 2 {
		t.Fatalf("Withdraw removed %d ids, want the 2 copies", n)
	}
	if x.Len() != 2 {
		t.Fatalf("after withdrawing the copies the index knows %d posts, want 2", x.Len())
	}
	// Retried, the copies are copies again and the new post a known id.
	for _, tc := range []struct {
		id, text string
		want     Kind
	}{{"p:b", b, DuplicateID}, {"p:a2", a, SameText}, {"p:a3", a + " https://t.co/x1", NearDuplicate}} {
		if res, _ := x.Observe(tc.id, tc.text); res.Kind != tc.want {
			t.Errorf("%s retried: %v, want %v", tc.id, res.Kind, tc.want)
		}
	}
	// A post adopted as another process's copy is withdrawn too.
	c := randomText(r, 30)
	x.Observe("w1:c", c)
	x.Adopt("w1:c", "w2:c")
	if n := x.Withdraw("w1:c"); n != 1 {
		t.Fatalf("Withdraw of an adopted post removed %d, want 1", n)
	}
	if res, _ := x.Observe("w1:c", c); res.Kind != SameText || res.Canonical != "w2:c" {
		t.Errorf("adopted post retried: %+v, want SameText of w2:c", res)
	}
}
