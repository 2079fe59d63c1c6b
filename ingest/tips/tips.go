// Package tips is the connector for reports submitted by trusted flaggers.
//
// Flaggers POST tips to the Handler with their own token; tips are appended
// to a durable spool and Fetch hands them to the crawler as Posts. Who sent a
// tip is kept confidential: it is stored apart from the tip, never put in a
// Post (Post.Author is the tipped post's author, when given), and can only be
// read with Spool.RevealReporter, which records every lookup. Reporter
// records are encrypted at rest (AES-256-GCM, a random nonce and the key's id
// in each record) with a key kept outside the data folder (key_file or
// $RASD_TIPS_KEY_FILE); Spool.RotateKey re-encrypts them under a new key.
package tips

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/ingest"
)

// Name is the connector type in sources.yaml.
const Name = "tips"

func init() { ingest.MustRegister(Name, New) }

// Defaults.
const (
	// DefaultMaxBody is the largest tip accepted, in bytes (limits.max_body_bytes).
	DefaultMaxBody = 64 << 10
	// DefaultPath is where the handler listens when served by the connector.
	DefaultPath = "/v1/tips"
)

// Settings configure a tips source.
type Settings struct {
	// Spool is the bbolt file tips are kept in, relative to sources.yaml
	// unless absolute. Default: rasd-data/tips-NAME.db next to sources.yaml.
	Spool string `yaml:"spool"`
	// Listen, when set (e.g. 127.0.0.1:8091), makes `rasd crawl` serve the
	// submission endpoint itself.
	Listen string `yaml:"listen"`
	// Path is the endpoint's path when listening (default /v1/tips).
	Path string `yaml:"path"`
	// Flaggers may submit tips, each with their own token.
	Flaggers []Flagger `yaml:"flaggers"`
	// KeyFile is the file holding the key reporter records are encrypted
	// with (AES-256-GCM; make one with `rasd tips new-key FILE`), relative to
	// sources.yaml unless absolute. Default: the file named by $RASD_TIPS_KEY_FILE.
	// It must not lie in the spool's folder.
	KeyFile string `yaml:"key_file"`
	// InsecurePlaintext keeps reporters unencrypted, for demos only; it is
	// logged as a warning at every start.
	InsecurePlaintext bool `yaml:"insecure_plaintext"`
}

// Flagger is one trusted flagger. Exactly one of TokenSHA256 and TokenEnv is set.
type Flagger struct {
	// ID names the flagger (kept confidential with each tip).
	ID string `yaml:"id"`
	// TokenSHA256 is the hex SHA-256 of the flagger's token.
	TokenSHA256 string `yaml:"token_sha256"`
	// TokenEnv names an environment variable holding the token itself.
	TokenEnv string `yaml:"token_env"`
}

// Connector reads tips from its spool; its Handler receives them.
type Connector struct {
	name    string
	spool   *Spool
	listen  string
	path    string
	maxBody int64
	batch   int
	tokens  []flaggerToken
	log     *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

type flaggerToken struct {
	id   string
	hash [sha256.Size]byte
}

// New builds a tips connector from its spec.
func New(spec ingest.Spec) (ingest.Connector, error) {
	var s Settings
	if err := spec.DecodeSettings(&s); err != nil {
		return nil, err
	}
	c := &Connector{name: spec.Name, listen: s.Listen, path: s.Path, maxBody: spec.Limits.MaxBodyBytes,
		batch: spec.Limits.MaxPosts, log: slog.Default(), Now: time.Now}
	if c.path == "" {
		c.path = DefaultPath
	}
	if !strings.HasPrefix(c.path, "/") {
		return nil, spec.Errorf("tips: path %q must start with /", s.Path)
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBody
	}
	if c.batch <= 0 {
		c.batch = 500
	}
	if s.Listen != "" {
		if _, _, err := net.SplitHostPort(s.Listen); err != nil {
			return nil, spec.Errorf("tips: bad listen address %q: %v", s.Listen, err)
		}
	}
	if len(s.Flaggers) == 0 {
		return nil, spec.Errorf("tips: no flaggers: list at least one with id and token_sha256 or token_env")
	}
	ids := map[string]bool{}
	for i, f := range s.Flaggers {
		if f.ID == "" {
			return nil, spec.Errorf("tips: flaggers[%d] has no id", i)
		}
		if ids[f.ID] {
			return nil, spec.Errorf("tips: flagger %q listed twice", f.ID)
		}
		ids[f.ID] = true
		ft := flaggerToken{id: f.ID}
		switch {
		case (f.TokenSHA256 == "") == (f.TokenEnv == ""):
			return nil, spec.Errorf("tips: flagger %q: set exactly one of token_sha256 and token_env", f.ID)
		case f.TokenSHA256 != "":
			b, err := hex.DecodeString(f.TokenSHA256)
			if err != nil || len(b) != sha256.Size {
				return nil, spec.Errorf("tips: flagger %q: token_sha256 must be 64 hex digits", f.ID)
			}
			copy(ft.hash[:], b)
		default:
			tok := ingest.Secret(os.Getenv(f.TokenEnv))
			if len(tok.Reveal()) < 16 {
				return nil, spec.Errorf("tips: flagger %q: environment variable %s is unset or shorter than 16 characters", f.ID, f.TokenEnv)
			}
			ft.hash = sha256.Sum256([]byte(tok.Reveal()))
		}
		c.tokens = append(c.tokens, ft)
	}
	path := s.Spool
	if path == "" {
		path = "rasd-data/tips-" + spec.Name + ".db"
	}
	spoolPath := spec.Resolve(path)
	opt, err := c.spoolOptions(spec, s, spoolPath)
	if err != nil {
		return nil, err
	}
	sp, err := OpenSpool(spoolPath, opt)
	if err != nil {
		return nil, spec.Errorf("tips: %v", err)
	}
	if n := sp.Migrated(); n > 0 {
		c.log.Warn("tips: plaintext reporter records encrypted", "source", c.name, "records", n, "key", sp.KeyID())
	}
	c.spool = sp
	return c, nil
}

// spoolOptions finds the key reporters are encrypted with.
func (c *Connector) spoolOptions(spec ingest.Spec, s Settings, spoolPath string) (SpoolOptions, error) {
	keyFile := s.KeyFile
	if keyFile != "" {
		keyFile = spec.Resolve(keyFile)
	} else {
		keyFile = os.Getenv(KeyEnv)
	}
	if s.InsecurePlaintext {
		if keyFile != "" {
			return SpoolOptions{}, spec.Errorf("tips: insecure_plaintext is set but so is a key (%s): drop one", keyFile)
		}
		c.log.Warn("tips: INSECURE: reporter identities and contacts are stored in plaintext (insecure_plaintext: true); for demos only",
			"source", c.name, "spool", spoolPath)
		return SpoolOptions{InsecurePlaintext: true}, nil
	}
	if keyFile == "" {
		return SpoolOptions{}, spec.Errorf("tips: no key for reporters' identities and contacts: set key_file or $%s to a key file outside the data folder (make one with `rasd tips new-key FILE`), or insecure_plaintext: true for a demo", KeyEnv)
	}
	absKey, err := filepath.Abs(keyFile)
	if err != nil {
		return SpoolOptions{}, spec.Errorf("tips: key file %s: %v", keyFile, err)
	}
	if dir := filepath.Dir(spoolPath); absKey == dir || strings.HasPrefix(absKey, dir+string(filepath.Separator)) {
		return SpoolOptions{}, spec.Errorf("tips: key file %s lies in the spool's folder %s: keep it apart from the data", absKey, dir)
	}
	k, err := LoadKey(absKey)
	if err != nil {
		return SpoolOptions{}, spec.Errorf("tips: %v", err)
	}
	return SpoolOptions{Key: k}, nil
}

// Spool returns the connector's spool.
func (c *Connector) Spool() *Spool { return c.spool }

// Fetch returns the tips after cursor (the last tip's Seq) as Posts.
func (c *Connector) Fetch(ctx context.Context, cur ingest.Cursor) ([]ingest.Post, ingest.Cursor, error) {
	var after uint64
	if cur != "" {
		var err error
		if after, err = strconv.ParseUint(string(cur), 10, 64); err != nil {
			return nil, cur, fmt.Errorf("bad tips cursor %q: want a tip number", cur)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, cur, err
	}
	list, err := c.spool.After(after, c.batch)
	if err != nil {
		return nil, cur, err
	}
	fetched := c.Now().UTC()
	posts := make([]ingest.Post, 0, len(list))
	for _, t := range list {
		native := strconv.FormatUint(t.Seq, 10)
		p := ingest.Post{
			ID:        ingest.MakeID(Name, native),
			Platform:  Name,
			Source:    c.name,
			NativeID:  native,
			Permalink: t.URL,
			Author:    ingest.Author{Handle: t.Author},
			Text:      t.Text,
			Fetched:   fetched,
			RawSHA256: t.RawSHA256,
		}
		posts = append(posts, p)
		after = t.Seq
	}
	if len(posts) == 0 {
		return nil, cur, nil
	}
	return posts, ingest.Cursor(strconv.FormatUint(after, 10)), nil
}

// submission is the body of a tip request.
type submission struct {
	URL      string `json:"url"`
	Text     string `json:"text"`
	Platform string `json:"platform"`
	Author   string `json:"author"`
	Note     string `json:"note"`
	Reporter string `json:"reporter"`
}

// Handler returns the submission endpoint: POST a JSON object {url, text,
// platform, author, note, reporter} with "Authorization: Bearer TOKEN".
// It answers 202 with {"id": "tips:N"}; 401 for a missing or unknown token;
// 400, 413 or 415 for a bad body; 405 for other methods.
func (c *Connector) Handler() http.Handler {
	return http.HandlerFunc(c.serveHTTP)
}

func (c *Connector) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	flagger, ok := c.authenticate(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rasd-tips"`)
		httpError(w, http.StatusUnauthorized, "missing or unknown token")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		httpError(w, http.StatusUnsupportedMediaType, "send application/json")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, c.maxBody+1))
	if err != nil {
		httpError(w, http.StatusBadRequest, "reading body failed")
		return
	}
	if int64(len(body)) > c.maxBody {
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("tip larger than %d bytes", c.maxBody))
		return
	}
	sub, err := parseSubmission(body)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	sum := sha256.Sum256(body)
	seq, err := c.spool.Append(Tip{URL: sub.URL, Text: sub.Text, Platform: sub.Platform, Author: sub.Author, Note: sub.Note,
		Received: c.Now().UTC(), RawSHA256: hex.EncodeToString(sum[:])}, Reporter{Flagger: flagger, Contact: sub.Reporter})
	if err != nil {
		c.log.Error("tip not stored", "source", c.name, "err", err)
		httpError(w, http.StatusServiceUnavailable, "tip not stored, try again")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"id": ingest.MakeID(Name, strconv.FormatUint(seq, 10))})
}

func parseSubmission(body []byte) (submission, error) {
	var sub submission
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sub); err != nil {
		return sub, fmt.Errorf("bad JSON: %v", err)
	}
	if dec.More() {
		return sub, errors.New("bad JSON: more than one value")
	}
	for name, v := range map[string]string{"url": sub.URL, "text": sub.Text, "platform": sub.Platform, "author": sub.Author, "note": sub.Note, "reporter": sub.Reporter} {
		if !utf8.ValidString(v) {
			return sub, fmt.Errorf("%s is not valid UTF-8", name)
		}
	}
	sub.Text = strings.TrimSpace(sub.Text)
	if sub.Text == "" {
		return sub, errors.New("text is required: paste the text of the post")
	}
	if sub.URL != "" {
		u, err := url.Parse(sub.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return sub, fmt.Errorf("url %q is not an http(s) address", sub.URL)
		}
	}
	return sub, nil
}

// authenticate returns the flagger whose token hashes to the bearer token's hash.
func (c *Connector) authenticate(header string) (string, bool) {
	tok, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || tok == "" {
		return "", false
	}
	h := sha256.Sum256([]byte(tok))
	found := ""
	for _, f := range c.tokens {
		if subtle.ConstantTimeCompare(h[:], f.hash[:]) == 1 {
			found = f.id
		}
	}
	return found, found != ""
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// Serve listens on the configured address until ctx ends; without a listen
// address it only waits for ctx (the handler is then mounted elsewhere).
func (c *Connector) Serve(ctx context.Context) error {
	if c.listen == "" {
		<-ctx.Done()
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle(c.path, c.Handler())
	srv := &http.Server{Addr: c.listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("tips endpoint: %w", err)
	}
	c.log.Info("tips endpoint listening", "source", c.name, "addr", ln.Addr().String(), "path", c.path)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		return fmt.Errorf("tips endpoint: %w", err)
	}
}
