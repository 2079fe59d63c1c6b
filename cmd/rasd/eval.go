package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/rasd-iq/rasd/eval"
	"github.com/rasd-iq/rasd/eval/report"
)

// stringList is a flag that may be repeated; each value may also hold a comma-separated list.
type stringList struct {
	vals  []string
	split bool
}

func (s *stringList) String() string { return strings.Join(s.vals, ",") }

func (s *stringList) Set(v string) error {
	if !s.split {
		s.vals = append(s.vals, v)
		return nil
	}
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			s.vals = append(s.vals, x)
		}
	}
	return nil
}

// scorerOptions are the flags that say how to run a model.
type scorerOptions = eval.ModelOptions

// openScorer loads the model in dir for evaluation; tests replace it.
var openScorer = eval.OpenModel

func init() {
	register(&command{
		Name:    "eval",
		Summary: "evaluate a model on labelled data, compare two (eval compare), run labelled posts through the decision path (eval route), or leave one functionality out (eval lofo)",
		Usage: "eval [--model DIR] --data FILE [--format jsonl|csv|tsv] [--text-col C] [--label-col C[,C]] [--map 'V=L,…'] [--report out.html] [--json out.json] [--seed N] [--bootstrap N] [--target-precision P] [--traffic FILE[,FILE] [--traffic-flagged out.jsonl]]\n" +
			"  rasd eval compare --model A --model B --data FILE [same flags]\n" +
			"  rasd eval route --data FILE [--model DIR] [--policy FILE] [--source-kind KIND] [--json out.json] [--routed out.jsonl]\n" +
			"  rasd eval lofo [--gold DIR] [--data EXTRA.jsonl,…] [--only F,…] [--jobs N] [--card MODEL_DIR] [--json out.json] [rasd train flags]",
		Example: "rasd eval --data ../shared/datasets/osact2020/dev.tsv --text-col 1 --label-col 2,3 --map 'OFF=offensive,NOT_OFF=,HS=hate,NOT_HS=' --report osact-dev.html",
		Run:     runEval,
	})
}

func runEval(env *Env, args []string) error {
	if len(args) > 0 && args[0] == "compare" {
		return runEvalCompare(env, args[1:])
	}
	if len(args) > 0 && args[0] == "route" {
		return runEvalRoute(env, args[1:])
	}
	if len(args) > 0 && args[0] == "lofo" {
		return runEvalLOFO(env, args[1:])
	}
	c := commands["eval"]
	fs := newFlagSet(env, c)
	var f evalFlags
	f.register(fs, false)
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if err := f.check(fs); err != nil {
		return err
	}
	if len(f.models.vals) > 1 {
		return usagef("--model given %d times; use `rasd eval compare` to compare models", len(f.models.vals))
	}
	d, err := f.loadData(env)
	if err != nil {
		return err
	}
	dir := ""
	if len(f.models.vals) == 1 {
		dir = f.models.vals[0]
	}
	s, closeModel, err := f.open(dir)
	if err != nil {
		return err
	}
	defer closeModel()
	res, err := eval.Evaluate(context.Background(), s, d, f.options(env))
	if err != nil {
		return fmt.Errorf("evaluating on %s: %w", f.data, err)
	}
	tr, err := f.trafficRun(env, s)
	if err != nil {
		return err
	}
	res.Traffic = tr[0]
	res.Run.Command = commandLine(args)
	if err := f.writeReports(env, res, func(w io.Writer) error { return report.WriteHTML(w, res) }); err != nil {
		return err
	}
	report.WriteSummary(f.summaryOut(env), res)
	return nil
}

func runEvalCompare(env *Env, args []string) error {
	c := &command{Name: "eval compare", Summary: "compare two models on the same labelled data",
		Usage:   "eval compare --model A --model B --data FILE [--report out.html] [--json out.json] [data flags as for rasd eval]",
		Example: "rasd eval compare --model models/default --model models/candidate --data ../shared/datasets/mlma/test.jsonl --report cmp.html"}
	fs := newFlagSet(env, c)
	var f evalFlags
	f.register(fs, true)
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if err := f.check(fs); err != nil {
		return err
	}
	if len(f.models.vals) != 2 {
		return usagef("compare needs --model twice (A and B), got %d", len(f.models.vals))
	}
	d, err := f.loadData(env)
	if err != nil {
		return err
	}
	a, closeA, err := f.open(f.models.vals[0])
	if err != nil {
		return err
	}
	defer closeA()
	b, closeB, err := f.open(f.models.vals[1])
	if err != nil {
		return err
	}
	defer closeB()
	cmp, err := eval.Compare(context.Background(), a, b, d, f.options(env))
	if err != nil {
		return fmt.Errorf("comparing on %s: %w", f.data, err)
	}
	tr, err := f.trafficRun(env, a, b)
	if err != nil {
		return err
	}
	cmp.TrafficA, cmp.TrafficB = tr[0], tr[1]
	cmp.Run.Command = commandLine(append([]string{"compare"}, args...))
	if err := f.writeReports(env, cmp, func(w io.Writer) error { return report.WriteCompareHTML(w, cmp) }); err != nil {
		return err
	}
	report.WriteComparisonSummary(f.summaryOut(env), cmp)
	return nil
}
