package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/rasd-iq/rasd/models/onnxpb"
	"github.com/rasd-iq/rasd/models/reader"
	"github.com/rasd-iq/rasd/nlp"
)

// Options configures Load.
type Options struct {
	// Device is "cpu" (default) or "cuda". Without a usable CUDA provider,
	// "cuda" logs one warning and falls back to the CPU.
	Device string
	// ORTLib is the ONNX Runtime library; empty means FindORTLib("").
	ORTLib string
	// Batch is the number of posts one worker takes at a time (default 256).
	Batch int
	// Threads is the number of parallel workers (default GOMAXPROCS). They
	// share one ONNX Runtime session, which runs calls concurrently: one
	// copy of the weights serves them all.
	Threads int
	// Log receives warnings; nil means slog.Default().
	Log *slog.Logger
	// Head, when set, names one of the card's heads (Card.Heads): each label
	// it reads is scored and thresholded by the head's output instead. Empty
	// (the engine) exposes the model's own labels and never a head's.
	Head string
}

// Prediction is a model's output for one post.
type Prediction struct {
	// Scores maps every label of the model card to a probability in [0,1].
	Scores map[string]float64
	// Flags are the non-context labels at or above their card threshold, in card order.
	Flags []string
	// Context are the context labels (counter-speech, news) at or above their threshold.
	Context []string
	// Spans are lexicon matches that explain the scores, in text order.
	Spans []Span
	// Undiscounted holds, for each label whose score the card's stance
	// discount lowered by more than 5%, the score before it (nil when it
	// lowered none): what the model read before it took the post's
	// counter-speech or news reading into account.
	Undiscounted map[string]float64
	// Normalized is the text as the normaliser folded it for scoring, for
	// callers that need it too (the search index, the gazetteer), and
	// Tokens its tokens (nlp.Tokenize).
	Normalized string      `json:"-"`
	Tokens     []nlp.Token `json:"-"`
}

// Span marks evidence in a post.
type Span struct {
	// Start and End are byte offsets into the original text.
	Start, End int
	// Label is the model label the evidence bears on, e.g. "hate".
	Label string
	// Term is the lexicon entry that matched.
	Term string
}

// Model is a loaded classifier. Score may be called from several goroutines;
// Close must not run while a Score call is in progress.
type Model struct {
	card   *Card
	dir    string
	lex    *Lexicon
	net    NetConfig
	batch  int
	device string
	sess   *ort.DynamicAdvancedSession
	// reader is the second stage's session (nil without one), gates its
	// per-label gates and mix the reader's weight per label.
	reader *ort.DynamicAdvancedSession
	gates  []float64
	mix    []float64
	// stance is the card's discount of the serious labels by the context
	// labels (Card.Stance), applied after the second stage.
	stance  Discount
	workers chan *worker
	// names, cols, isCtx and thresh describe the labels the model exposes
	// (Labels): its own, or a head's in their place (Options.Head); cols
	// are their network output columns.
	head   string
	names  []string
	cols   []int
	isCtx  []bool
	thresh []float64
	closed atomic.Bool
}

type worker struct {
	ex    *Extractor
	norm  *nlp.Normalizer
	lex   *Lexicon
	idf   []float32
	nLab  int
	nDen  int
	order []int
	off   []int
	fIDs  []int64
	fTF   []float32
	dense []float32
	ids   []int64
	tf    []float32
	out   []float32
	match []LexMatch
	// gDense holds one group's dense inputs.
	gDense []float32
	// before holds one post's scores before the stance discount.
	before []float32
	// feats are the batch's model texts; gated, rPosts, rBatch and rOut
	// serve the second stage.
	feats  []string
	gated  []int
	rPosts [][][]int32
	rBatch reader.Batch
	rPrior []float32
	rOut   []float32
}

// subBatch is the number of posts in one ONNX Runtime call on the CPU:
// posts of a worker's batch are sorted by feature count and run in groups
// this large, so that little padding is computed.
const subBatch = 32

// subBatchCUDA is the group size on a GPU, where each call costs a kernel
// launch and a copy to the device, so fewer, larger calls pay and padding
// costs little.
const subBatchCUDA = 1024

// Load opens the model in dir (DefaultDir when empty) for scoring.
func Load(dir string, opts Options) (*Model, error) {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	switch opts.Device {
	case "":
		opts.Device = "cpu"
	case "cpu", "cuda":
	default:
		return nil, fmt.Errorf("loading model: unknown device %q (want cpu or cuda)", opts.Device)
	}
	if opts.Batch <= 0 {
		opts.Batch = 256
	}
	if opts.Threads <= 0 {
		opts.Threads = runtime.GOMAXPROCS(0)
	}
	card, err := ReadCard(dir)
	if err != nil {
		return nil, fmt.Errorf("loading model: %w", err)
	}
	if card.Normalizer != nlp.Version {
		log.Warn("model was trained with another normaliser version; retrain with `make model`", "model", card.ID(), "trained", card.Normalizer, "running", nlp.Version)
	}
	lex, err := DefaultLexicon()
	if err != nil {
		return nil, fmt.Errorf("loading model: %w", err)
	}
	if !slices.Equal(lex.Categories, card.Lexicons.Categories) {
		return nil, fmt.Errorf("loading model %s: it expects lexicon categories %v, have %v", card.ID(), card.Lexicons.Categories, lex.Categories)
	}
	if lex.SHA256 != card.Lexicons.SHA256 {
		log.Warn("lexicons changed since the model was trained; retrain with `make model`", "model", card.ID())
	}
	onnx, err := os.ReadFile(filepath.Join(dir, ModelFile))
	if err != nil {
		return nil, fmt.Errorf("loading model: %w", err)
	}
	lib, err := FindORTLib(opts.ORTLib)
	if err != nil {
		return nil, fmt.Errorf("loading model: %w", err)
	}
	if err := initORT(lib, log); err != nil {
		return nil, fmt.Errorf("loading model: %w", err)
	}
	if err := checkIO(onnx, card); err != nil {
		return nil, fmt.Errorf("loading model %s: %w", card.ID(), err)
	}
	idfDims, idf, err := onnxpb.ReadFloatInitializer(onnx, "idf")
	if err != nil {
		return nil, fmt.Errorf("loading model %s: %w", card.ID(), err)
	}
	if len(idfDims) != 1 || int(idfDims[0]) != card.Features.Buckets {
		return nil, fmt.Errorf("loading model %s: idf has shape %v, want [%d]", card.ID(), idfDims, card.Features.Buckets)
	}
	m := &Model{card: card, dir: dir, lex: lex, net: card.Net, batch: opts.Batch, device: opts.Device,
		workers: make(chan *worker, opts.Threads)}
	m.head = opts.Head
	m.stance = m.card.Discount()
	if err := m.expose(); err != nil {
		return nil, fmt.Errorf("loading model: %w", err)
	}
	s, cudaErr, err := newSession(onnx, m.device, 1, []string{InputIDs, InputWeights, InputDense}, []string{OutputScores})
	if err != nil {
		return nil, fmt.Errorf("loading model %s: %w", card.ID(), err)
	}
	if cudaErr != nil {
		log.Warn("cuda execution provider unavailable; scoring on the cpu", "model", card.ID(), "reason", cudaErr.Error())
		m.device = "cpu"
	}
	if card.Reader != nil {
		if err := m.loadReader(); err != nil {
			s.Destroy()
			return nil, fmt.Errorf("loading model %s: %w", card.ID(), err)
		}
	}
	m.sess = s
	for i := 0; i < opts.Threads; i++ {
		m.workers <- &worker{ex: NewExtractor(card.Features), norm: nlp.New(nlp.DefaultOptions()), lex: lex, idf: idf,
			nLab: len(card.Labels), nDen: card.Net.Dense}
	}
	return m, nil
}

// loadReader opens the second stage on the device the first stage runs on.
func (m *Model) loadReader() error {
	onnx, err := os.ReadFile(filepath.Join(m.dir, ReaderFile))
	if err != nil {
		return fmt.Errorf("the card names a second stage: %w", err)
	}
	want := []string{reader.InputSubwords, reader.InputSubwordWeights, reader.InputMask, reader.InputPrior}
	ins, outs, err := onnxpb.ReadIO(onnx)
	if err != nil {
		return fmt.Errorf("reading %s: %w", ReaderFile, err)
	}
	if !slices.Equal(valueNames(ins), want) || !slices.Equal(valueNames(outs), []string{reader.OutputScores}) ||
		len(outs[0].Dims) != 2 || outs[0].Dims[1] != int64(len(m.card.Labels)) {
		return fmt.Errorf("%s: inputs %v and outputs %v do not match %v and %d labels", ReaderFile, valueNames(ins), outs, want, len(m.card.Labels))
	}
	s, _, err := newSession(onnx, m.device, 1, want, []string{reader.OutputScores})
	if err != nil {
		return fmt.Errorf("opening %s: %w", ReaderFile, err)
	}
	m.reader, m.gates = s, m.card.ReaderGates()
	for _, l := range m.card.Labels {
		m.mix = append(m.mix, m.card.Reader.Mix[l])
	}
	return nil
}

// valueNames lists the names of an ONNX file's inputs or outputs.
func valueNames(infos []onnxpb.ValueInfo) []string {
	var s []string
	for _, i := range infos {
		s = append(s, i.Name)
	}
	return s
}

// checkIO verifies that the ONNX file's interface matches the card.
func checkIO(onnx []byte, card *Card) error {
	// Read from the file itself: asking ONNX Runtime would open a second
	// session on the whole model just for its interface.
	ins, outs, err := onnxpb.ReadIO(onnx)
	if err != nil {
		return err
	}
	if !slices.Equal(valueNames(ins), []string{InputIDs, InputWeights, InputDense}) || !slices.Equal(valueNames(outs), []string{OutputScores}) {
		return fmt.Errorf("model inputs %v and outputs %v are not %v and %v", valueNames(ins), valueNames(outs), []string{InputIDs, InputWeights, InputDense}, []string{OutputScores})
	}
	if d := outs[0].Dims; len(d) != 2 || d[1] != int64(len(card.Labels)) {
		return fmt.Errorf("model output shape %v does not match the card's %d labels", d, len(card.Labels))
	}
	if d := ins[2].Dims; len(d) != 2 || d[1] != int64(card.Net.Dense) {
		return fmt.Errorf("model dense input shape %v does not match the card's %d dense features", d, card.Net.Dense)
	}
	return nil
}

// expose sets the labels the model reports: the card's own labels, each
// read from m.head's output instead where that head (when set) reads it.
func (m *Model) expose() error {
	var h *Head
	if m.head != "" {
		var err error
		if h, err = m.card.Head(m.head); err != nil {
			return err
		}
	}
	for k, l := range m.card.Labels {
		if m.card.IsHeadLabel(l) {
			continue
		}
		col, out := k, l
		if h != nil {
			if o, ok := h.Labels[l]; ok {
				out = o
				col = slices.Index(m.card.Labels, o)
			}
		}
		m.names = append(m.names, l)
		m.cols = append(m.cols, col)
		m.isCtx = append(m.isCtx, m.card.IsContext(l))
		m.thresh = append(m.thresh, m.card.Thresholds[out])
	}
	return nil
}

// Labels returns the labels the model reports in Prediction.Scores, in card
// order: the card's labels less the heads' outputs.
func (m *Model) Labels() []string { return slices.Clone(m.names) }

// Thresholds returns the threshold of each label the model reports: the
// card's, or the head's where the model was loaded with Options.Head.
func (m *Model) Thresholds() map[string]float64 {
	out := make(map[string]float64, len(m.names))
	for i, l := range m.names {
		out[l] = m.thresh[i]
	}
	return out
}

// ReadingID names what scored a post: the model's ID, followed by " head
// NAME" when its labels were read through a head.
func ReadingID(id, head string) string {
	if head == "" {
		return id
	}
	return id + " head " + head
}

// Head returns the head the model reads its labels through ("" for none).
func (m *Model) Head() string { return m.head }

// Card returns the model card. Callers must not modify it.
func (m *Model) Card() *Card { return m.card }

// ID returns NAME@VERSION.
func (m *Model) ID() string { return m.card.ID() }

// Dir returns the model directory.
func (m *Model) Dir() string { return m.dir }

// Device returns the device actually used: "cpu" after a CUDA fallback.
func (m *Model) Device() string { return m.device }

// ErrClosed is returned by Score after Close.
var ErrClosed = errors.New("model is closed")

// Score scores texts in batches on all workers and returns one Prediction
// per text, in the same order.
func (m *Model) Score(ctx context.Context, texts []string) ([]Prediction, error) {
	return m.ScoreNormalized(ctx, texts, nil)
}

// ScoreNormalized is Score for a caller that has normalised the texts
// already: norms[i] is nlp.Normalize(texts[i]), or "" to normalise it here;
// norms may be nil.
func (m *Model) ScoreNormalized(ctx context.Context, texts, norms []string) ([]Prediction, error) {
	if norms != nil && len(norms) != len(texts) {
		return nil, fmt.Errorf("scoring with %s: %d normalised texts for %d texts", m.ID(), len(norms), len(texts))
	}
	if m.closed.Load() {
		return nil, fmt.Errorf("scoring with %s: %w", m.ID(), ErrClosed)
	}
	preds := make([]Prediction, len(texts))
	scores := make([]float32, len(texts)*len(m.card.Labels))
	nJobs := (len(texts) + m.batch - 1) / m.batch
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, min(nJobs, cap(m.workers)))
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var w *worker
			select {
			case w = <-m.workers:
			case <-ctx.Done():
				errs[g] = ctx.Err()
				return
			}
			defer func() { m.workers <- w }()
			for {
				j := int(next.Add(1) - 1)
				if j >= nJobs {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[g] = err
					return
				}
				lo, hi := j*m.batch, min((j+1)*m.batch, len(texts))
				var ns []string
				if norms != nil {
					ns = norms[lo:hi]
				}
				if err := w.run(m, texts[lo:hi], ns, preds[lo:hi], scores[lo*len(m.card.Labels):hi*len(m.card.Labels)]); err != nil {
					errs[g] = fmt.Errorf("scoring with %s: %w", m.ID(), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return preds, nil
}

// run scores one batch of texts into preds, using scores as scratch; norms,
// when not nil, holds their normalised forms ("" for one to normalise here).
func (w *worker) run(m *Model, texts, norms []string, preds []Prediction, scores []float32) error {
	w.off = append(w.off[:0], 0)
	w.fIDs, w.fTF = w.fIDs[:0], w.fTF[:0]
	w.feats = w.feats[:0]
	w.dense = slices.Grow(w.dense[:0], len(texts)*w.nDen)[:len(texts)*w.nDen]
	for i, t := range texts {
		var norm string
		if norms != nil {
			norm = norms[i]
		}
		if norm == "" {
			norm = nlp.Normalize(t)
		}
		preds[i].Normalized = norm
		preds[i].Tokens = nlp.Tokenize(norm)
		feat := m.card.Features.ModelText(t, norm)
		w.feats = append(w.feats, feat)
		if feat == norm {
			w.ex.ExtractTokens(norm, preds[i].Tokens)
		} else {
			w.ex.Extract(feat)
		}
		start := len(w.fIDs)
		w.fIDs = append(w.fIDs, w.ex.IDs...)
		w.fTF = Weights(w.idf, w.ex.IDs, w.ex.Counts, w.fTF)
		w.fIDs, w.fTF = dropUnweighted(w.fIDs, w.fTF, start)
		w.off = append(w.off, len(w.fIDs))
		w.match = w.lex.Match(feat, w.match[:0])
		w.lex.Dense(w.match, w.dense[i*w.nDen:(i+1)*w.nDen])
		if feat != norm {
			// Evidence spans point into the text as written, through
			// the post's own normalisation, not its Arabizi reading.
			w.match = w.lex.Match(norm, w.match[:0])
		}
		if len(w.match) > 0 {
			preds[i].Spans = w.spans(t, norm)
		}
	}
	w.order = w.order[:0]
	for i := range texts {
		w.order = append(w.order, i)
	}
	slices.SortStableFunc(w.order, func(a, b int) int {
		return (w.off[a+1] - w.off[a]) - (w.off[b+1] - w.off[b])
	})
	size := subBatch
	if m.device == "cuda" {
		size = subBatchCUDA
	}
	for lo := 0; lo < len(w.order); lo += size {
		group := w.order[lo:min(lo+size, len(w.order))]
		if err := w.runGroup(m.sess, group, scores); err != nil {
			return err
		}
	}
	if m.reader != nil {
		if err := w.reread(m, scores); err != nil {
			return err
		}
	}
	K := w.nLab
	for i := range texts {
		row := scores[i*K : (i+1)*K]
		var before []float32
		if m.stance.Active() {
			before = append(w.before[:0], row...)
			w.before = before
		}
		m.stance.Apply(row)
		p := &preds[i]
		p.Scores = make(map[string]float64, len(m.names))
		for j, l := range m.names {
			s := float64(row[m.cols[j]])
			if before != nil && s < 0.95*float64(before[m.cols[j]]) {
				if p.Undiscounted == nil {
					p.Undiscounted = map[string]float64{}
				}
				p.Undiscounted[l] = float64(before[m.cols[j]])
			}
			p.Scores[l] = s
			if s >= m.thresh[j] {
				if m.isCtx[j] {
					p.Context = append(p.Context, l)
				} else {
					p.Flags = append(p.Flags, l)
				}
			}
		}
	}
	return nil
}

// reread runs the second stage on the batch's posts whose first-stage
// scores open a gate and mixes its scores into theirs.
func (w *worker) reread(m *Model, scores []float32) error {
	K := w.nLab
	w.gated = w.gated[:0]
	for i := range w.feats {
		if Gated(m.gates, scores[i*K:(i+1)*K]) {
			w.gated = append(w.gated, i)
		}
	}
	for lo := 0; lo < len(w.gated); lo += subBatch {
		if err := w.readGroup(m, w.gated[lo:min(lo+subBatch, len(w.gated))], scores); err != nil {
			return err
		}
	}
	return nil
}

// readGroup runs the second stage once on the posts in group (indexes into
// the batch) and mixes its scores into theirs.
func (w *worker) readGroup(m *Model, group []int, scores []float32) error {
	K := w.nLab
	rc := m.card.Reader.Config
	w.rPosts, w.rPrior = w.rPosts[:0], w.rPrior[:0]
	for _, i := range group {
		w.rPosts = append(w.rPosts, rc.Encode(w.feats[i]))
		for _, p := range scores[i*K : (i+1)*K] {
			w.rPrior = append(w.rPrior, reader.Logit(p))
		}
	}
	b := &w.rBatch
	b.Fill(w.rPosts, w.rPrior)
	P := int64(b.T + 2)
	tIDs, err := ort.NewTensor(ort.NewShape(int64(b.B), P, int64(b.S)), b.IDs)
	if err != nil {
		return fmt.Errorf("creating reader input: %w", err)
	}
	defer tIDs.Destroy()
	tW, err := ort.NewTensor(ort.NewShape(int64(b.B), P, int64(b.S)), b.Weights)
	if err != nil {
		return fmt.Errorf("creating reader input: %w", err)
	}
	defer tW.Destroy()
	tMask, err := ort.NewTensor(ort.NewShape(int64(b.B), int64(b.T), 1), b.Mask)
	if err != nil {
		return fmt.Errorf("creating reader input: %w", err)
	}
	defer tMask.Destroy()
	tPrior, err := ort.NewTensor(ort.NewShape(int64(b.B), int64(K)), b.Prior)
	if err != nil {
		return fmt.Errorf("creating reader input: %w", err)
	}
	defer tPrior.Destroy()
	w.rOut = slices.Grow(w.rOut[:0], b.B*K)[:b.B*K]
	tOut, err := ort.NewTensor(ort.NewShape(int64(b.B), int64(K)), w.rOut)
	if err != nil {
		return fmt.Errorf("creating reader output: %w", err)
	}
	defer tOut.Destroy()
	if err := m.reader.Run([]ort.Value{tIDs, tW, tMask, tPrior}, []ort.Value{tOut}); err != nil {
		return fmt.Errorf("running the second stage: %w", err)
	}
	for r, i := range group {
		for k := 0; k < K; k++ {
			scores[i*K+k] = MixScore(m.mix[k], scores[i*K+k], w.rOut[r*K+k])
		}
	}
	return nil
}

// dropUnweighted removes, from position start on, the features whose weight
// is zero and returns the shortened slices. Buckets that no training post
// filled have no idf, so their features add nothing to the embedding bag:
// leaving them out spares ONNX Runtime a random read of their embedding row
// each (about one feature in forty) without changing a score.
func dropUnweighted(ids []int64, w []float32, start int) ([]int64, []float32) {
	n := start
	for i := start; i < len(ids); i++ {
		if w[i] != 0 {
			ids[n], w[n] = ids[i], w[i]
			n++
		}
	}
	return ids[:n], w[:n]
}

// spans maps the current lexicon matches of norm back to text.
func (w *worker) spans(text, norm string) []Span {
	r := w.norm.NormalizeWithOffsets(text)
	if r.Text != norm {
		w.match = w.lex.Match(r.Text, w.match[:0])
	}
	spans := make([]Span, 0, len(w.match))
	for _, mt := range w.match {
		s, e := r.OriginalRange(mt.Start, mt.End)
		spans = append(spans, Span{Start: s, End: e, Label: mt.Entry.Label, Term: mt.Entry.Term})
	}
	return spans
}

// runGroup runs one ONNX Runtime call on sess for the posts in group (indexes into
// the current batch) and writes their scores.
func (w *worker) runGroup(sess *ort.DynamicAdvancedSession, group []int, scores []float32) error {
	L := 1
	for _, i := range group {
		L = max(L, w.off[i+1]-w.off[i])
	}
	B := len(group)
	w.ids = slices.Grow(w.ids[:0], B*L)[:B*L]
	w.tf = slices.Grow(w.tf[:0], B*L)[:B*L]
	clear(w.ids)
	clear(w.tf)
	w.gDense = slices.Grow(w.gDense[:0], B*w.nDen)[:B*w.nDen]
	dense := w.gDense
	for r, i := range group {
		copy(w.ids[r*L:], w.fIDs[w.off[i]:w.off[i+1]])
		copy(w.tf[r*L:], w.fTF[w.off[i]:w.off[i+1]])
		copy(dense[r*w.nDen:], w.dense[i*w.nDen:(i+1)*w.nDen])
	}
	w.out = slices.Grow(w.out[:0], B*w.nLab)[:B*w.nLab]
	tIDs, err := ort.NewTensor(ort.NewShape(int64(B), int64(L)), w.ids)
	if err != nil {
		return fmt.Errorf("creating input tensor: %w", err)
	}
	defer tIDs.Destroy()
	tTF, err := ort.NewTensor(ort.NewShape(int64(B), int64(L)), w.tf)
	if err != nil {
		return fmt.Errorf("creating input tensor: %w", err)
	}
	defer tTF.Destroy()
	var tDense *ort.Tensor[float32]
	if w.nDen > 0 {
		tDense, err = ort.NewTensor(ort.NewShape(int64(B), int64(w.nDen)), dense)
	} else {
		tDense, err = ort.NewTensor(ort.NewShape(int64(B), 0), []float32{0})
	}
	if err != nil {
		return fmt.Errorf("creating input tensor: %w", err)
	}
	defer tDense.Destroy()
	tOut, err := ort.NewTensor(ort.NewShape(int64(B), int64(w.nLab)), w.out)
	if err != nil {
		return fmt.Errorf("creating output tensor: %w", err)
	}
	defer tOut.Destroy()
	if err := sess.Run([]ort.Value{tIDs, tTF, tDense}, []ort.Value{tOut}); err != nil {
		return fmt.Errorf("running onnx runtime: %w", err)
	}
	for r, i := range group {
		copy(scores[i*w.nLab:(i+1)*w.nLab], w.out[r*w.nLab:(r+1)*w.nLab])
	}
	return nil
}

// Close releases the session. It is safe to call more than once.
func (m *Model) Close() error {
	if m.closed.Swap(true) {
		return nil
	}
	if err := m.sess.Destroy(); err != nil {
		return fmt.Errorf("closing model %s: %w", m.ID(), err)
	}
	if m.reader != nil {
		if err := m.reader.Destroy(); err != nil {
			return fmt.Errorf("closing model %s: %w", m.ID(), err)
		}
	}
	return nil
}
