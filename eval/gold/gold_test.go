package gold

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodLine = `{"id":"ig-hate_women-001","text":"نص","labels":["hate"],"functionality":"hate_women","target":"women","dialect":"baghdadi","notes":"n"}`

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, content, wantErr string
	}{
		{"malformed json", goodLine + "\n{\"id\":", ":2: decoding item"},
		{"unknown field", `{"id":"x","labels":[],"colour":"red"}`, `unknown field "colour"`},
		{"missing labels", `{"id":"ig-x-1","text":"t"}`, "no labels field"},
		{"invalid utf-8", "{\"id\":\"a\",\"text\":\"\xff\",\"labels\":[]}", ":1: invalid UTF-8"},
		{"two values on a line", goodLine + goodLine, "more than one JSON value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, "items.jsonl", tc.content))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Load error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadGood(t *testing.T) {
	items, err := Load(writeFile(t, "items.jsonl", "\n"+goodLine+"\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Item{ID: "ig-hate_women-001", Text: "نص", Labels: []string{"hate"}, Functionality: "hate_women",
		Target: "women", Dialect: "baghdadi", Notes: "n"}
	if len(items) != 1 || !reflect.DeepEqual(items[0], want) {
		t.Fatalf("Load = %+v, want [%+v]", items, want)
	}
}

func TestCheck(t *testing.T) {
	base := Item{ID: "ig-threat_activist-001", Text: "راح نجيك", Labels: []string{"threat"},
		Functionality: "threat_activist", Target: "activists", Dialect: "southern", Governorate: "basra", Notes: "n"}
	tests := []struct {
		name    string
		edit    func(*Item)
		wantErr string
	}{
		{"valid", func(*Item) {}, ""},
		{"no labels is valid", func(it *Item) { it.Labels = nil }, ""},
		{"unknown label", func(it *Item) { it.Labels = []string{"spam"} }, `unknown label "spam"`},
		{"repeated label", func(it *Item) { it.Labels = []string{"threat", "threat"} }, "given twice"},
		{"unknown functionality", func(it *Item) { it.Functionality = "x" }, "unknown functionality"},
		{"id not matching functionality", func(it *Item) { it.ID = "ig-other-001" }, "does not start with"},
		{"unknown target", func(it *Item) { it.Target = "martians" }, "unknown target"},
		{"unknown dialect", func(it *Item) { it.Dialect = "gulf" }, "unknown dialect"},
		{"unknown governorate", func(it *Item) { it.Governorate = "damascus" }, "unknown governorate"},
		{"empty text", func(it *Item) { it.Text = "  " }, "empty text"},
		{"empty notes", func(it *Item) { it.Notes = "" }, "empty notes"},
		{"replacement character", func(it *Item) { it.Text = "a\uFFFDb" }, "replacement character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := base
			tc.edit(&it)
			err := it.Check()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Check() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Check() = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestValidateDuplicateID(t *testing.T) {
	it := Item{ID: "ig-satire-001", Text: "t", Functionality: "satire", Target: "none", Dialect: "baghdadi", Notes: "n"}
	if err := Validate([]Item{it, it}); err == nil || !strings.Contains(err.Error(), "duplicate id") {
		t.Fatalf("Validate = %v, want duplicate id error", err)
	}
}

func synthetic(funcs map[string]int) []Item {
	var items []Item
	for f, n := range funcs {
		for i := range n {
			items = append(items, Item{ID: fmt.Sprintf("ig-%s-%03d", f, i), Functionality: f})
		}
	}
	return items
}

func TestSplitStratifiedAndDeterministic(t *testing.T) {
	items := synthetic(map[string]int{"satire": 30, "hate_women": 50, "threat_activist": 7})
	a, b := Split(items, "s"), Split(items, "s")
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Split is not deterministic")
	}
	if c := Split(items, "other"); reflect.DeepEqual(a, c) {
		t.Fatal("Split ignores the seed")
	}
	for f, n := range map[string]int{"satire": 30, "hate_women": 50, "threat_activist": 7} {
		got := Count{}
		for _, it := range items {
			if it.Functionality == f {
				got[a[it.ID]]++
			}
		}
		want := Count{Test: roundHalf(0.45 * float64(n)), Dev: roundHalf(0.15 * float64(n))}
		want[Train] = n - want[Test] - want[Dev]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: split counts %v, want %v", f, got, want)
		}
	}
}

func roundHalf(x float64) int { return int(x + 0.5) }

func TestAssignKeepsExistingSplits(t *testing.T) {
	old := synthetic(map[string]int{"satire": 20})
	first := Split(old, "s")
	grown := append(synthetic(map[string]int{"satire": 40})[20:], old...)
	second := Assign(grown, "s", first)
	for id, s := range first {
		if second[id] != s {
			t.Errorf("%s moved from %s to %s", id, s, second[id])
		}
	}
	got := Count{}
	for _, s := range second {
		got[s]++
	}
	if want := (Count{Test: 18, Dev: 6, Train: 16}); !reflect.DeepEqual(got, want) {
		t.Errorf("after growth: %v, want %v", got, want)
	}
}

func TestNearDuplicates(t *testing.T) {
	items := []Item{
		{ID: "a", Text: "راح نطلعهم من المنطقة كلهم باچر الصبح يا شباب"},
		{ID: "b", Text: "راح نطلعهم من المنطقة كلهم باچر الصبح يا شباب والله"},
		{ID: "c", Text: "راح نطلعهم من المنطقة كلهم باچر الصبح يا شباب", Template: "a"},
		{ID: "d", Text: "الكهرباء طافية من الصبح والحر قاتلنا"},
	}
	got := NearDuplicates(items, NearDupThreshold)
	if len(got) != 2 || got[0].A != "a" || got[0].B != "b" || got[1].A != "b" || got[1].B != "c" {
		t.Fatalf("NearDuplicates = %+v, want pairs a-b and b-c only (a-c share a template)", got)
	}
	if j := Jaccard(Tokens("x y z"), Tokens("x y w")); j != 0.5 {
		t.Errorf("Jaccard = %v, want 0.5", j)
	}
}

func TestWriteAndReadSplits(t *testing.T) {
	dir := t.TempDir()
	items := []Item{
		{ID: "ig-satire-001", Text: "<نكتة> & شي", Functionality: "satire", Target: "none", Dialect: "baghdadi", Notes: "n"},
		{ID: "ig-satire-002", Text: "ثانية", Labels: []string{"offensive"}, Functionality: "satire", Target: "none", Dialect: "baghdadi", Notes: "n"},
	}
	splits := map[string]string{"ig-satire-001": Test, "ig-satire-002": Train}
	if err := Write(dir, items, splits); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "test.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"<نكتة> & شي"`) || !strings.Contains(string(raw), `"labels":[]`) {
		t.Errorf("test.jsonl = %s, want unescaped text and an empty labels list", raw)
	}
	back, err := ReadSplits(filepath.Join(dir, "splits.json"))
	if err != nil || !reflect.DeepEqual(back, splits) {
		t.Fatalf("ReadSplits = %v, %v; want %v", back, err, splits)
	}
	if err := Write(dir, items, map[string]string{"ig-satire-001": Test}); err == nil {
		t.Error("Write accepted an item without a split")
	}
}

func TestUpdateReadme(t *testing.T) {
	st := Compute([]Item{{ID: "ig-satire-001", Functionality: "satire", Target: "none", Dialect: "baghdadi"}},
		map[string]string{"ig-satire-001": Test})
	p := writeFile(t, "README.md", "# Title\n"+StatsBegin+"\nold tables\n"+StatsEnd+"\n\nLicence.\n")
	if err := UpdateReadme(p, st); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	if strings.Contains(text, "old tables") || !strings.Contains(text, "| satire | 0 | 0 | 1 | 1 |") ||
		!strings.HasPrefix(text, "# Title\n") || !strings.HasSuffix(text, StatsEnd+"\n\nLicence.\n") {
		t.Fatalf("README after update:\n%s", text)
	}
	if got, err := ReadmeStats(p); err != nil || got != st.Markdown() {
		t.Fatalf("ReadmeStats = %q, %v; want the generated tables", got, err)
	}
	if err := UpdateReadme(writeFile(t, "README.md", "no markers"), st); err == nil {
		t.Error("UpdateReadme accepted a README without markers")
	}
}

// TestGoldSet checks the committed set: size, coverage, balance, variety and
// the consistency of its split files.
func TestGoldSet(t *testing.T) {
	dir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	items, err := LoadDir(filepath.Join(dir, "items"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(items); err != nil {
		t.Fatalf("invalid items:\n%v", err)
	}

	if len(items) < 1500 {
		t.Errorf("%d items, want at least 1500", len(items))
	}
	perFunc := Count{}
	targets := Count{}
	violating := 0
	for _, it := range items {
		perFunc[it.Functionality]++
		targets[it.Target]++
		if it.Violating() {
			violating++
		}
	}
	big := 0
	for f, n := range perFunc {
		if n >= 20 {
			big++
		} else {
			t.Errorf("functionality %s has %d items, want at least 20", f, n)
		}
	}
	if big < 30 {
		t.Errorf("%d functionalities with at least 20 items, want at least 30", big)
	}
	share := float64(violating) / float64(len(items))
	if share < 0.35 || share > 0.45 {
		t.Errorf("violating share %.3f (%d of %d), want between 0.35 and 0.45", share, violating, len(items))
	}
	for _, tg := range RequiredTargets {
		if targets[tg] == 0 {
			t.Errorf("target %s never appears", tg)
		}
	}

	checkVariants(t, items)

	if pairs := NearDuplicates(items, NearDupThreshold); len(pairs) > 0 {
		for _, p := range pairs {
			t.Errorf("near-duplicates outside a template group: %s and %s (Jaccard %.2f)", p.A, p.B, p.Jaccard)
		}
	}

	splits, err := ReadSplits(filepath.Join(dir, "splits.json"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Item{}
	var unsplit []string
	for _, it := range items {
		byID[it.ID] = it
		if _, ok := splits[it.ID]; !ok {
			unsplit = append(unsplit, it.ID)
		}
	}
	if len(unsplit) > 0 {
		t.Fatalf("%d items have no split in splits.json (first: %s): run scripts/gold-split", len(unsplit), unsplit[0])
	}
	inFile := map[string]string{}
	var stale []string
	for _, s := range SplitNames {
		split, err := Load(filepath.Join(dir, s+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range split {
			if prev, dup := inFile[it.ID]; dup {
				t.Errorf("%s is in both %s and %s", it.ID, prev, s)
			}
			inFile[it.ID] = s
			if splits[it.ID] != s {
				t.Errorf("%s is in %s.jsonl but splits.json says %q", it.ID, s, splits[it.ID])
			}
			if src, ok := byID[it.ID]; !ok {
				t.Errorf("%s in %s.jsonl is not in items/", it.ID, s)
			} else if !reflect.DeepEqual(normalised(src), normalised(it)) {
				stale = append(stale, it.ID)
			}
		}
	}
	if len(stale) > 0 {
		t.Errorf("%d items in the split files differ from items/ (first: %s): run scripts/gold-split", len(stale), stale[0])
	}
	if len(inFile) != len(items) {
		t.Errorf("split files hold %d items, items/ holds %d: run scripts/gold-split", len(inFile), len(items))
	}

	st := Compute(items, splits)
	if test := float64(st.PerSplit[Test]) / float64(len(items)); test < 0.40 {
		t.Errorf("test split holds %.3f of the items, want at least 0.40", test)
	}
	for f := range perFunc {
		if st.Functionality[f][Test] == 0 {
			t.Errorf("functionality %s has no test items", f)
		}
	}
	if got, err := ReadmeStats(filepath.Join(dir, "README.md")); err != nil {
		t.Error(err)
	} else if got != st.Markdown() {
		t.Error("README.md count tables are out of date: run scripts/gold-split")
	}
	labels := slices.Sorted(maps.Keys(st.Labels))
	for _, s := range SplitNames {
		var b strings.Builder
		for _, l := range labels {
			fmt.Fprintf(&b, " %s=%d", l, st.Labels[l][s])
		}
		t.Logf("%-5s %4d items, %4d violating;%s", s, st.PerSplit[s], st.ViolatingPerSplit[s], b.String())
	}
}

func normalised(it Item) Item {
	if it.Labels == nil {
		it.Labels = []string{}
	}
	return it
}

// checkVariants checks that every spelling-variant item names an existing
// source item as its template and keeps that item's labels and target.
func checkVariants(t *testing.T, items []Item) {
	t.Helper()
	byID := map[string]Item{}
	for _, it := range items {
		byID[it.ID] = it
	}
	sim, n := map[string]float64{}, Count{}
	for _, it := range items {
		if !strings.HasPrefix(it.Functionality, "spelling_") {
			continue
		}
		src, ok := byID[it.Template]
		if ok {
			sim[it.Functionality] += Jaccard(Tokens(src.Text), Tokens(it.Text))
			n[it.Functionality]++
		}
		switch {
		case !ok:
			t.Errorf("%s: template %q is not an item id", it.ID, it.Template)
		case strings.HasPrefix(src.Functionality, "spelling_"):
			t.Errorf("%s: source %s is itself a spelling variant", it.ID, src.ID)
		case !slices.Equal(sortedCopy(src.Labels), sortedCopy(it.Labels)):
			t.Errorf("%s: labels %v differ from source %s labels %v", it.ID, it.Labels, src.ID, src.Labels)
		case src.Target != it.Target:
			t.Errorf("%s: target %s differs from source %s target %s", it.ID, it.Target, src.ID, src.Target)
		case !strings.Contains(it.Notes, src.ID):
			t.Errorf("%s: notes do not name the source %s", it.ID, src.ID)
		}
	}
	// How much of each obfuscation the normaliser undoes: 1 means every
	// variant normalises to its source's tokens.
	for _, f := range slices.Sorted(maps.Keys(n)) {
		t.Logf("%s: mean token Jaccard with source after normalising %.2f (%d items)", f, sim[f]/float64(n[f]), n[f])
	}
}

func sortedCopy(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestAssignKeepsTemplateGroupsTogether(t *testing.T) {
	var items []Item
	for i := range 40 {
		src := Item{ID: fmt.Sprintf("ig-threat_activist-%03d", i), Functionality: "threat_activist"}
		items = append(items, src,
			Item{ID: fmt.Sprintf("ig-spelling_arabizi-%03d", i), Functionality: "spelling_arabizi", Template: src.ID},
			Item{ID: fmt.Sprintf("ig-spelling_elongation-%03d", i), Functionality: "spelling_elongation", Template: fmt.Sprintf("ig-spelling_arabizi-%03d", i)},
			Item{ID: fmt.Sprintf("ig-negated_hate-%03d", i), Functionality: "negated_hate", Template: fmt.Sprintf("frame-%d", i%5)})
	}
	// An old split that put every variant in test, sources anywhere.
	old := map[string]string{}
	for _, it := range items {
		if it.Template != "" {
			old[it.ID] = Test
		}
	}
	s := Assign(items, DefaultSeed, old)
	keys := GroupKeys(items)
	byGroup := map[string]string{}
	for _, it := range items {
		k := keys[it.ID]
		if g, ok := byGroup[k]; ok && g != s[it.ID] {
			t.Fatalf("group %s straddles %s and %s (item %s)", k, g, s[it.ID], it.ID)
		}
		byGroup[k] = s[it.ID]
	}
	if keys["ig-spelling_elongation-007"] != "ig-threat_activist-007" || keys["ig-negated_hate-003"] != "frame-3" {
		t.Errorf("group keys: %s, %s", keys["ig-spelling_elongation-007"], keys["ig-negated_hate-003"])
	}
	n := map[string]int{}
	for i := range 40 {
		n[s[fmt.Sprintf("ig-threat_activist-%03d", i)]]++
	}
	if n[Train] == 0 || n[Test] == 0 {
		t.Errorf("sources not stratified: %v", n)
	}
}
