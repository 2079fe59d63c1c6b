package hashbank

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models/media/pdq"
)

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func TestSetMatch(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	q := randomHash(r)
	near, mid, edge, far := flip(r, q, 3), flip(r, q, 20), flip(r, q, 31), flip(r, q, 32)
	fileMD5 := md5.Sum([]byte("a video"))
	fileSHA := sha256.Sum256([]byte("a photo"))
	gifct := &Bank{Name: "gifct", Entries: []Entry{
		{Kind: KindPDQ, Value: near.String(), ID: "g1", Tags: []string{"propaganda"}},
		{Kind: KindPDQ, Value: far.String(), ID: "g2"},
		{Kind: KindMD5, Value: hexOf(fileMD5[:]), ID: "g3"},
	}}
	local := &Bank{Name: "local", Entries: []Entry{
		{Kind: KindPDQ, Value: edge.String(), ID: "l1"},
		{Kind: KindPDQ, Value: mid.String(), ID: "l2"},
		{Kind: KindSHA256, Value: hexOf(fileSHA[:]), ID: "l3"},
		{Kind: KindPDQ, Value: near.String(), ID: "l4"},
	}}
	s, err := NewSet(gifct, local)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(ms []Match) string {
		var b []string
		for _, m := range ms {
			b = append(b, m.Bank+"/"+m.ID)
		}
		return strings.Join(b, " ")
	}
	if got := ids(s.Match(q, 80)); got != "gifct/g1 local/l4 local/l2 local/l1" {
		t.Errorf("matches %q", got)
	}
	m := s.Match(q, 80)[0]
	if !reflect.DeepEqual(m, Match{Bank: "gifct", ID: "g1", Kind: KindPDQ, Value: near.String(), Distance: 3, Tags: []string{"propaganda"}}) {
		t.Errorf("first match %+v", m)
	}
	if got := s.Match(q, DefaultMinQuality-1); got != nil {
		t.Errorf("a weak hash matched: %v", got)
	}
	if got := ids(s.Match(q, DefaultMinQuality)); got == "" {
		t.Error("a hash at the minimum quality did not match")
	}
	s.MaxDistance = 10
	if got := ids(s.Match(q, 100)); got != "gifct/g1 local/l4" {
		t.Errorf("at distance 10: %q", got)
	}
	s.MaxDistance = DefaultMaxDistance

	if err := s.SetEnabled("local", false); err != nil {
		t.Fatal(err)
	}
	if got := ids(s.Match(q, 100)); got != "gifct/g1" {
		t.Errorf("with local off: %q", got)
	}
	if got := s.MatchSHA256(fileSHA); got != nil {
		t.Errorf("disabled bank's digest matched: %v", got)
	}
	if err := s.SetEnabled("local", true); err != nil {
		t.Fatal(err)
	}
	if got := ids(s.MatchSHA256(fileSHA)); got != "local/l3" {
		t.Errorf("sha256: %q", got)
	}
	if got := ids(s.MatchMD5(fileMD5)); got != "gifct/g3" {
		t.Errorf("md5: %q", got)
	}
	if got := s.MatchMD5(md5.Sum([]byte("other"))); got != nil {
		t.Errorf("md5 of other bytes: %v", got)
	}
	if err := s.SetEnabled("nope", false); err == nil {
		t.Error("switched a missing bank")
	}
	sum := s.Banks()
	if len(sum) != 2 || sum[1].Name != "local" || !sum[1].Enabled || sum[1].Counts[KindPDQ] != 3 || sum[1].Counts[KindSHA256] != 1 {
		t.Errorf("summaries %+v", sum)
	}

	if _, err := NewSet(gifct, &Bank{Name: "gifct"}); err == nil {
		t.Error("two banks of one name accepted")
	}
	if _, err := NewSet(&Bank{Name: "x", Entries: []Entry{{Kind: KindPDQ, Value: "zz"}}}); err == nil {
		t.Error("bad hash accepted")
	}
	off, err := NewSet(&Bank{Name: "off", Disabled: true, Entries: gifct.Entries})
	if err != nil {
		t.Fatal(err)
	}
	if got := off.Match(q, 100); got != nil {
		t.Errorf("bank loaded disabled matched: %v", got)
	}
}

func TestBankDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "banks")
	if s, err := LoadDir(dir); err != nil || len(s.Banks()) != 0 {
		t.Fatalf("missing dir: %v, %v", s, err)
	}
	src := filepath.Join(t.TempDir(), "export.csv")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(src, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("signal_type,signal_value,id\npdq," + pdqA + ",1\ntmk,abc,2\nmd5," + md5A + ",3\n")
	res, err := ImportFile(dir, "gifct", src, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 2 || res.Added != 2 || res.Total != 2 || res.Skipped["tmk"] != 1 {
		t.Errorf("first import %+v", res)
	}
	write(pdqA + ",100,1\n" + pdqB + ",90,b.jpg\n")
	res, err = ImportFile(dir, "gifct", src, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 2 || res.Added != 1 || res.Total != 3 {
		t.Errorf("second import %+v", res)
	}
	write("pdq " + pdqB + "\n")
	if _, err := ImportFile(dir, "local", src, false); err != nil {
		t.Fatal(err)
	}
	if err := SetDisabled(dir, "local", true); err != nil {
		t.Fatal(err)
	}
	names, err := Names(dir)
	if err != nil || strings.Join(names, " ") != "gifct local" {
		t.Errorf("names %v, %v", names, err)
	}
	s, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := s.Banks()
	if len(sum) != 2 || !sum[0].Enabled || sum[1].Enabled || sum[0].Counts[KindPDQ] != 2 || sum[0].Counts[KindMD5] != 1 {
		t.Errorf("summaries %+v", sum)
	}
	b, _ := pdq.ParseHash(pdqB)
	if got := s.Match(b, 100); len(got) != 1 || got[0].Bank != "gifct" || got[0].ID != "b.jpg" {
		t.Errorf("matches %+v", got)
	}

	// Replacing keeps the switch; the bank file reads back as written.
	write(pdqB + ",90,only\n")
	if res, err := ImportFile(dir, "local", src, true); err != nil || res.Total != 1 {
		t.Fatalf("replace: %+v %v", res, err)
	}
	lb, err := LoadBank(dir, "local")
	if err != nil || !lb.Disabled || len(lb.Entries) != 1 || lb.Entries[0].ID != "only" {
		t.Errorf("after replace: %+v %v", lb, err)
	}
	if err := SetDisabled(dir, "local", false); err != nil {
		t.Fatal(err)
	}
	if lb, _ := LoadBank(dir, "local"); lb.Disabled {
		t.Error("still disabled")
	}

	// Refusals.
	if _, err := ImportFile(dir, "../escape", src, false); err == nil {
		t.Error("bad name accepted")
	}
	if _, err := LoadBank(dir, "missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing bank: %v", err)
	}
	if err := SetDisabled(dir, "missing", true); err == nil {
		t.Error("switched a missing bank")
	}
	write("signal_value\nnot-a-hash\n")
	_, err = ImportFile(dir, "gifct", src, false)
	if err == nil || !strings.Contains(err.Error(), src+":2:") {
		t.Errorf("bad file: %v", err)
	}
	if lb, _ := LoadBank(dir, "gifct"); len(lb.Entries) != 3 {
		t.Errorf("a failed import changed the bank: %d entries", len(lb.Entries))
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.csv"), []byte("signal_value\nxyz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "broken.csv:2:") {
		t.Errorf("broken bank file: %v", err)
	}
}
