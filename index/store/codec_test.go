package store

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	json "github.com/go-json-experiment/json/v1"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
)

// fill sets every field reachable from v to a value derived from seed, so
// that a field the codec forgets cannot survive a round trip.
func fill(t *testing.T, v reflect.Value, seed *int) {
	*seed++
	n := *seed
	switch v.Kind() {
	case reflect.String:
		v.SetString("v" + strings.Repeat("ع", n%4) + string(rune('a'+n%26)))
	case reflect.Uint8:
		v.SetUint(uint64('a' + n%26))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(n*1000 - 7))
	case reflect.Float64:
		v.SetFloat(float64(n) / 7)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), seed)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 3 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(t, k, seed)
			fill(t, e, seed)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Unix(1_700_000_000+int64(n)*3600, int64(n)*1000+1).UTC()))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), seed)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), seed)
	default:
		t.Fatalf("fill: no rule for %s", v.Type())
	}
}

func TestRecordRoundTripKeepsEveryField(t *testing.T) {
	var r Record
	seed := 0
	fill(t, reflect.ValueOf(&r).Elem(), &seed)
	r.Sightings = 0                                                        // counted on read, not stored
	r.Post.Engagement.Views, r.Priority, r.Spans[0].Start = -1, -5, -1<<40 // negatives and large values
	// The judgement shares the record's model and raw scores, and its
	// policy-scale scores are computed from them on read.
	j := r.Judgement
	j.Model, j.Raw = r.Model, r.Scores
	j.Thresholds = map[string]float64{"hate": 0.2, "threat": 0.9}
	j.Scores = policy.PolicyScores(j.Raw, j.Thresholds)
	var got Record
	if err := DecodeRecord(EncodeRecord(nil, &r), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("round trip changed the record:\n got %+v\nwant %+v", got, r)
	}

	var p ingest.Post
	fill(t, reflect.ValueOf(&p).Elem(), &seed)
	var gotP ingest.Post
	if err := DecodePost(EncodePost(nil, &p), &gotP); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotP, p) {
		t.Errorf("round trip changed the post:\n got %+v\nwant %+v", gotP, p)
	}
}

func TestZeroRecordRoundTrip(t *testing.T) {
	var got Record
	got.Flags = []string{"stale"}
	if err := DecodeRecord(EncodeRecord(nil, &Record{}), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Record{}) {
		t.Errorf("zero record came back as %+v", got)
	}
}

func TestRecordWrittenAsJSONStillReads(t *testing.T) {
	r := Record{Post: ingest.Post{ID: "x:1", Platform: "x", Text: "نص", Fetched: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		Scores: map[string]float64{"hate": 0.75}, Flags: []string{"hate"}, Queued: true, Priority: 3}
	v, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	var got Record
	if err := DecodeRecord(v, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("JSON record read as %+v, want %+v", got, r)
	}
	pv, _ := json.Marshal(&r.Post)
	var p ingest.Post
	if err := DecodePost(pv, &p); err != nil || !reflect.DeepEqual(p, r.Post) {
		t.Errorf("JSON post read as %+v (%v), want %+v", p, err, r.Post)
	}
}

func TestTruncatedOrGarbledValuesAreErrors(t *testing.T) {
	r := Record{Post: ingest.Post{ID: "x:1", Text: "نص طويل", Lang: []string{"ar"}, Fetched: time.Unix(1e9, 5).UTC()},
		Scores: map[string]float64{"hate": 0.5, "threat": 0.1}, Spans: []Span{{Start: 1, End: 4, Label: "hate", Term: "t"}}}
	full := EncodeRecord(nil, &r)
	for n := 0; n < len(full); n++ {
		var got Record
		if err := DecodeRecord(full[:n], &got); !errors.Is(err, errCorrupt) {
			t.Fatalf("record cut to %d of %d bytes: err %v, want a corrupt-value error", n, len(full), err)
		}
	}
	var got Record
	if err := DecodeRecord(append(full, 0), &got); !errors.Is(err, errCorrupt) {
		t.Errorf("trailing byte: err %v", err)
	}
	if err := DecodeRecord([]byte{9, 0}, &got); err == nil || !strings.Contains(err.Error(), "unknown layout") {
		t.Errorf("unknown version: err %v", err)
	}
	// A length larger than what follows is refused, not allocated.
	if err := DecodePost([]byte{codecV1, 0xff, 0xff, 0xff, 0xff, 0x0f}, new(ingest.Post)); !errors.Is(err, errCorrupt) {
		t.Errorf("huge length: err %v", err)
	}
}

func TestJudgementWithoutFiringKeepsPolicyVersionOnly(t *testing.T) {
	raw := map[string]float64{"threat": 0.3, "hate": 0.01}
	th := map[string]float64{"threat": 0.0137, "hate": 0.17}
	r := Record{Post: ingest.Post{ID: "x:2"}, Scores: raw, Model: "m@1",
		Judgement: &policy.Judgement{Model: "m@1", Raw: raw, Thresholds: th, Scores: policy.PolicyScores(raw, th),
			SourceType: "news", Signals: []policy.Signal{{Name: "named_person", Start: 3, End: 9, Detail: "activist"}},
			Decision: policy.Decision{PolicyVersion: "p1"}, At: time.Unix(1e9, 0).UTC()}}
	var got Record
	if err := DecodeRecord(EncodeRecord(nil, &r), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Judgement, r.Judgement) {
		t.Errorf("judgement read as %+v, want %+v", got.Judgement, r.Judgement)
	}
	if got.Judgement.Scores["threat"] < 0.9 {
		t.Errorf("policy-scale threat score %v: a raw 0.3 over a threshold of 0.0137 is far above the operating point", got.Judgement.Scores["threat"])
	}
}
