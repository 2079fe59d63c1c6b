package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rasd-iq/rasd/models"
)

// writeOrdinaryPosts writes 300 ordinary posts that use the toy hate cue
// (حشرات) harmlessly, unannotated as realtweets is (labels null, annotates
// empty), into dir and returns the file's path.
func writeOrdinaryPosts(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	fillers := []string{"الجو", "حلو", "بالسوق", "اليوم", "الفطور", "الربع", "رايحة", "شربنا"}
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, `{"text": "%s %s حشرات %s", "labels": null, "annotates": []}`+"\n", fillers[i%8], fillers[(i/8)%8], fillers[(i/3)%8])
	}
	path := filepath.Join(dir, "ordinary.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOrdinaryPostsAreNegativesForSeriousLabels trains the toy model with
// and without ordinary posts that use a hate cue harmlessly: with them, the
// cue alone weighs less for hate, and the card records the file.
func TestOrdinaryPostsAreNegativesForSeriousLabels(t *testing.T) {
	dir := t.TempDir()
	ordinary := writeOrdinaryPosts(t, dir)
	score := func(out string, ord []string) (*models.Card, float64) {
		cfg := smallConfig(t, out, 1)
		cfg.LinearL2, cfg.LinearOnly, cfg.ThresholdFolds, cfg.Ordinary = 1e-4, true, 3, ord
		card, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		m, err := models.Load(out, models.Options{ORTLib: testLib(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		p, err := m.Score(context.Background(), []string{"حشرات"})
		if err != nil {
			t.Fatal(err)
		}
		return card, p[0].Scores["hate"]
	}
	_, plain := score(filepath.Join(dir, "plain"), nil)
	card, with := score(filepath.Join(dir, "with"), []string{ordinary})
	if !(with < plain-0.05) {
		t.Errorf("hate score of the bare cue: %.3f without ordinary posts, %.3f with; want it lower with them", plain, with)
	}
	var found bool
	for _, d := range card.Training.Data {
		if d.Role == "ordinary" {
			found = d.Items == 300 && len(d.SHA256) == 64
		}
	}
	if !found {
		t.Errorf("card data %+v lacks the ordinary file", card.Training.Data)
	}
	if card.Training.ValidationItems == 0 || card.Training.TrainItems < 300 {
		t.Errorf("train %d / validation %d items", card.Training.TrainItems, card.Training.ValidationItems)
	}
}

func testLib(t *testing.T) string {
	t.Helper()
	lib, err := models.FindORTLib("")
	if err != nil {
		t.Fatalf("this test needs ONNX Runtime (make ort): %v", err)
	}
	return lib
}

// TestJointOrdinaryCountsOrdinaryPostsOutOfFold trains the toy model with
// ordinary posts that use a hate cue harmlessly, with and without
// JointOrdinary: with it, the joint rule reports the ordinary posts it
// weighed (scored out of fold) and the card's rule says so; without it
// neither names them. (TestJointThresholdsPayForOrdinaryPosts checks what
// they do to the thresholds.)
func TestJointOrdinaryCountsOrdinaryPostsOutOfFold(t *testing.T) {
	dir := t.TempDir()
	ordinary := writeOrdinaryPosts(t, dir)
	run := func(name string, joint bool, weight float64) (*models.Card, string) {
		cfg := smallConfig(t, filepath.Join(dir, name), 1)
		cfg.LinearL2, cfg.LinearOnly, cfg.ThresholdFolds, cfg.Ordinary, cfg.JointOrdinary = 1e-4, true, 3, []string{ordinary}, joint
		cfg.JointOrdinaryWeight = weight
		var progress strings.Builder
		cfg.Progress = &progress
		card, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return card, progress.String()
	}
	plain, plainOut := run("plain", false, 0)
	with, withOut := run("with", true, 0)
	if strings.Contains(plainOut, "ordinary posts (out of fold)") || strings.Contains(plain.Training.ThresholdRule, "ordinary posts") {
		t.Errorf("without JointOrdinary the joint rule names ordinary posts: %q", plain.Training.ThresholdRule)
	}
	if !strings.Contains(withOut, "ordinary posts (out of fold)") || !strings.Contains(withOut, "of 300") ||
		!strings.Contains(with.Training.ThresholdRule, "the 300 ordinary posts") {
		t.Fatalf("with JointOrdinary: progress %q, rule %q; want the 300 ordinary posts named", withOut, with.Training.ThresholdRule)
	}
	if strings.Contains(with.Training.ThresholdRule, "times the share") {
		t.Errorf("weight 1 named in the rule: %q", with.Training.ThresholdRule)
	}
	weighted, _ := run("weighted", true, 3)
	if !strings.Contains(weighted.Training.ThresholdRule, "minus 3 times the share of the 300 ordinary posts") {
		t.Errorf("with JointOrdinaryWeight 3: rule %q does not name the weight", weighted.Training.ThresholdRule)
	}
}
