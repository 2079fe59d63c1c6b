// Package redisstore is the scale-out Rasd store: the same store.Backend as
// the embedded store, kept in Redis, so that several `rasd run` processes on
// several machines share one work queue (a Redis Stream with a consumer
// group), one set of records and one review queue.
//
// Keys, under a prefix (default "rasd:"): work (stream), seen (set of ingested
// post ids), cursors (hash), rec (hash id → record JSON), queue (hash id →
// review-queue entry JSON), tally (hash DAY:processed/routed/sampled → count).
// Work entries a worker claimed but never
// completed are claimed back by another worker once idle for the lease.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	json "github.com/go-json-experiment/json/v1"
	"github.com/redis/go-redis/v9"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
)

// Options configure a Redis store.
type Options struct {
	// Prefix namespaces the keys (default "rasd:").
	Prefix string
	// Consumer names this worker in the consumer group (default host-pid).
	Consumer string
	// Lease is how long a claimed entry may stay unacknowledged before another
	// worker claims it back (default 30s).
	Lease time.Duration
}

// Store is a store.Backend in Redis. It is safe for concurrent use.
type Store struct {
	rdb      *redis.Client
	prefix   string
	consumer string
	lease    time.Duration
	group    string

	mu       sync.Mutex
	released []store.Delivery
	// enqueuer, when set, adds review items in Complete's transaction.
	enqueuer PipeEnqueuer
}

var (
	_ store.Backend         = (*Store)(nil)
	_ store.TextClaimer     = (*Store)(nil)
	_ store.CanonicalSharer = (*Store)(nil)
)

// Open connects to the Redis server at url (redis://host:port/db) and
// prepares the consumer group.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	ro, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parsing redis url: %w", err)
	}
	if o.Prefix == "" {
		o.Prefix = "rasd:"
	}
	if o.Consumer == "" {
		host, _ := os.Hostname()
		o.Consumer = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	s := &Store{rdb: redis.NewClient(ro), prefix: o.Prefix, consumer: o.Consumer, lease: o.Lease, group: "workers"}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		s.rdb.Close()
		return nil, fmt.Errorf("connecting to redis at %s: %w", ro.Addr, err)
	}
	err = s.rdb.XGroupCreateMkStream(ctx, s.key("work"), s.group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		s.rdb.Close()
		return nil, fmt.Errorf("creating consumer group: %w", err)
	}
	return s, nil
}

func (s *Store) key(name string) string { return s.prefix + name }

// Client returns the Redis client, so that other parts of Rasd (the review
// queue) keep their own keys on the same server.
func (s *Store) Client() *redis.Client { return s.rdb }

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// Close closes the connection.
func (s *Store) Close() error {
	if s == nil || s.rdb == nil {
		return nil
	}
	return s.rdb.Close()
}

// ingestScript queues posts not seen before and sets the cursor, atomically.
var ingestScript = redis.NewScript(`
local added = 0
for i = 3, #ARGV, 2 do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[2], '*', 'p', ARGV[i+1])
    added = added + 1
  end
end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return added
`)

// Ingest implements store.Backend.
func (s *Store) Ingest(ctx context.Context, source string, cursor ingest.Cursor, posts []ingest.Post) (int, error) {
	args := make([]any, 0, 2+2*len(posts))
	args = append(args, source, string(cursor))
	for i := range posts {
		if posts[i].ID == "" {
			return 0, fmt.Errorf("ingesting from %s: post %d has no id", source, i)
		}
		args = append(args, posts[i].ID, store.EncodePost(nil, &posts[i]))
	}
	n, err := ingestScript.Run(ctx, s.rdb, []string{s.key("seen"), s.key("work"), s.key("cursors")}, args...).Int()
	if err != nil {
		return 0, fmt.Errorf("ingesting %d posts from %s: %w", len(posts), source, err)
	}
	return n, nil
}

// Cursor implements store.Backend.
func (s *Store) Cursor(ctx context.Context, source string) (ingest.Cursor, error) {
	v, err := s.rdb.HGet(ctx, s.key("cursors"), source).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading cursor of %s: %w", source, err)
	}
	return ingest.Cursor(v), nil
}

func decode(msgs []redis.XMessage) ([]store.Delivery, error) {
	out := make([]store.Delivery, 0, len(msgs))
	for _, m := range msgs {
		raw, _ := m.Values["p"].(string)
		d := store.Delivery{Token: m.ID}
		if err := store.DecodePost([]byte(raw), &d.Post); err != nil {
			return nil, fmt.Errorf("decoding work entry %s: %w", m.ID, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// Claim implements store.Backend: entries this worker released come first,
// then entries other workers left unacknowledged past the lease, then new ones.
func (s *Store) Claim(ctx context.Context, max int) ([]store.Delivery, error) {
	s.mu.Lock()
	if len(s.released) > 0 {
		n := min(max, len(s.released))
		out := append([]store.Delivery(nil), s.released[:n]...)
		s.released = s.released[n:]
		s.mu.Unlock()
		return out, nil
	}
	s.mu.Unlock()
	msgs, _, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: s.key("work"), Group: s.group, Consumer: s.consumer, MinIdle: s.lease, Start: "0-0", Count: int64(max),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("claiming idle work: %w", err)
	}
	if len(msgs) > 0 {
		return decode(msgs)
	}
	streams, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: s.group, Consumer: s.consumer, Streams: []string{s.key("work"), ">"}, Count: int64(max), Block: 100 * time.Millisecond,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading work: %w", err)
	}
	var all []redis.XMessage
	for _, st := range streams {
		all = append(all, st.Messages...)
	}
	return decode(all)
}

// Release implements store.Backend: the entries are handed out again by this
// worker's next Claim (and by any worker's after the lease).
func (s *Store) Release(_ context.Context, ds []store.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.released = append(s.released, ds...)
	return nil
}

// PipeEnqueuer puts the review items of a batch's records that policy
// routed to review into the review queue, inside the MULTI/EXEC transaction
// that records the batch (review's Redis store implements it).
type PipeEnqueuer interface {
	EnqueuePipe(ctx context.Context, p redis.Pipeliner, recs []store.Record) error
}

// EnqueueWith makes Complete put the review items of queued records into
// e's review queue in the same transaction. Set it before the pipeline runs.
func (s *Store) EnqueueWith(e PipeEnqueuer) { s.enqueuer = e }

// Complete implements store.Backend in one MULTI/EXEC transaction.
func (s *Store) Complete(ctx context.Context, recs []store.Record, sightings []store.Sighting, ds []store.Delivery) error {
	return s.CompleteSharing(ctx, recs, sightings, ds, nil, nil)
}

// CompleteSharing implements store.CanonicalSharer: one transaction records
// the batch, acknowledges its work entries and adds the canonical posts to
// the shared stream.
func (s *Store) CompleteSharing(ctx context.Context, recs []store.Record, sightings []store.Sighting, ds []store.Delivery, canonIDs []string, canonEntries [][]byte) error {
	if len(canonIDs) != len(canonEntries) {
		return fmt.Errorf("completing %d records: %d canonical entries for %d ids", len(recs), len(canonEntries), len(canonIDs))
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.Token
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i := range recs {
			r := &recs[i]
			p.HSet(ctx, s.key("rec"), r.Post.ID, store.EncodeRecord(nil, r))
			switch {
			case store.NeedsMedia(r):
				p.ZAddNX(ctx, s.key("media"), redis.Z{Member: r.Post.ID})
			case len(r.Media) > 0:
				p.ZRem(ctx, s.key("media"), r.Post.ID)
			}
			if r.Queued {
				q, _ := json.Marshal(store.QueueEntryFor(r))
				p.HSet(ctx, s.key("queue"), r.Post.ID, q)
			}
		}
		if len(ds) > 0 {
			for day, t := range store.TallyOf(recs) {
				for f, n := range map[string]int64{"processed": t.Processed, "routed": t.Routed, "sampled": t.Sampled} {
					if n > 0 {
						p.HIncrBy(ctx, s.key("tally"), day+":"+f, n)
					}
				}
			}
		}
		if s.enqueuer != nil {
			if err := s.enqueuer.EnqueuePipe(ctx, p, recs); err != nil {
				return fmt.Errorf("enqueuing for review: %w", err)
			}
		}
		for i := range sightings {
			v, err := json.Marshal(&sightings[i])
			if err != nil {
				return fmt.Errorf("encoding sighting %s: %w", sightings[i].PostID, err)
			}
			p.HSet(ctx, s.key("sight:"+sightings[i].Canonical), sightings[i].PostID, v)
		}
		if len(ids) > 0 {
			p.XAck(ctx, s.key("work"), s.group, ids...)
			p.XDel(ctx, s.key("work"), ids...)
		}
		s.addCanonicals(ctx, p, canonIDs, canonEntries)
		return nil
	})
	if err != nil {
		return fmt.Errorf("completing %d records: %w", len(recs), err)
	}
	return nil
}

// Tally implements store.Tallier.
func (s *Store) Tally(ctx context.Context, from, to time.Time) (store.Tally, error) {
	var out store.Tally
	days := store.Days(from, to)
	fields := make([]string, 0, 3*len(days))
	for _, d := range days {
		fields = append(fields, d+":processed", d+":routed", d+":sampled")
	}
	vs, err := s.rdb.HMGet(ctx, s.key("tally"), fields...).Result()
	if err != nil {
		return out, fmt.Errorf("reading the tally: %w", err)
	}
	for i, v := range vs {
		str, ok := v.(string)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return out, fmt.Errorf("reading the tally: %s: %w", fields[i], err)
		}
		switch i % 3 {
		case 0:
			out.Processed += n
		case 1:
			out.Routed += n
		default:
			out.Sampled += n
		}
	}
	return out, nil
}

// WorkDepth implements store.Backend.
func (s *Store) WorkDepth(ctx context.Context) (int, error) {
	n, err := s.rdb.XLen(ctx, s.key("work")).Result()
	if err != nil {
		return 0, fmt.Errorf("reading work depth: %w", err)
	}
	return int(n), nil
}

// Get implements store.Backend.
func (s *Store) Get(ctx context.Context, id string) (store.Record, error) {
	var r store.Record
	v, err := s.rdb.HGet(ctx, s.key("rec"), id).Bytes()
	if errors.Is(err, redis.Nil) {
		return r, fmt.Errorf("post %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("reading post %s: %w", id, err)
	}
	if err := store.DecodeRecord(v, &r); err != nil {
		return r, fmt.Errorf("decoding record %s: %w", id, err)
	}
	n, err := s.rdb.HLen(ctx, s.key("sight:"+id)).Result()
	if err != nil {
		return r, fmt.Errorf("counting sightings of %s: %w", id, err)
	}
	r.Sightings = int(n)
	return r, nil
}

// Sightings implements store.Backend.
func (s *Store) Sightings(ctx context.Context, canonical string) ([]store.Sighting, error) {
	vals, err := s.rdb.HVals(ctx, s.key("sight:"+canonical)).Result()
	if err != nil {
		return nil, fmt.Errorf("reading sightings of %s: %w", canonical, err)
	}
	out := make([]store.Sighting, 0, len(vals))
	for _, v := range vals {
		var si store.Sighting
		if err := json.Unmarshal([]byte(v), &si); err != nil {
			return nil, fmt.Errorf("decoding sighting of %s: %w", canonical, err)
		}
		out = append(out, si)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PostID < out[j].PostID })
	return out, nil
}

// Counts implements store.Backend.
func (s *Store) Counts(ctx context.Context) (records, queued, work int, err error) {
	p := s.rdb.Pipeline()
	a, b, c := p.HLen(ctx, s.key("rec")), p.HLen(ctx, s.key("queue")), p.XLen(ctx, s.key("work"))
	if _, err = p.Exec(ctx); err != nil {
		return 0, 0, 0, fmt.Errorf("counting: %w", err)
	}
	return int(a.Val()), int(b.Val()), int(c.Val()), nil
}

// scanHash calls fn for every field of a hash, a page at a time.
func (s *Store) scanHash(ctx context.Context, key string, fn func(field, value string) error) error {
	var cur uint64
	for {
		kv, next, err := s.rdb.HScan(ctx, key, cur, "*", 1000).Result()
		if err != nil {
			return fmt.Errorf("scanning %s: %w", key, err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if err := fn(kv[i], kv[i+1]); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cur = next
	}
}

// ForEach implements store.Backend. HSCAN may return a field twice while the
// hash grows; each record is passed once.
func (s *Store) ForEach(ctx context.Context, fn func(*store.Record) error) error {
	seen := map[string]bool{}
	var page []store.Record
	flush := func() error {
		p := s.rdb.Pipeline()
		counts := make([]*redis.IntCmd, len(page))
		for i := range page {
			counts[i] = p.HLen(ctx, s.key("sight:"+page[i].Post.ID))
		}
		if _, err := p.Exec(ctx); err != nil {
			return fmt.Errorf("counting sightings: %w", err)
		}
		for i := range page {
			page[i].Sightings = int(counts[i].Val())
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		page = page[:0]
		return nil
	}
	err := s.scanHash(ctx, s.key("rec"), func(id, v string) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		var r store.Record
		if err := store.DecodeRecord([]byte(v), &r); err != nil {
			return fmt.Errorf("decoding record %s: %w", id, err)
		}
		page = append(page, r)
		if len(page) == 500 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// Queue implements store.Backend.
func (s *Store) Queue(ctx context.Context) ([]store.QueueEntry, error) {
	seen := map[string]bool{}
	var out []store.QueueEntry
	err := s.scanHash(ctx, s.key("queue"), func(id, v string) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		var q store.QueueEntry
		if err := json.Unmarshal([]byte(v), &q); err != nil {
			return fmt.Errorf("decoding queue entry %s: %w", id, err)
		}
		out = append(out, q)
		return nil
	})
	return out, err
}

// claimTextsScript records ARGV[i+1] as the canonical post of text hash
// ARGV[i] unless one is recorded (remembering the winner's text in KEYS[2] for
// purges) and returns each hash's canonical post id.
var claimTextsScript = redis.NewScript(`
local out = {}
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i+1]) == 1 then
    redis.call('HSET', KEYS[2], ARGV[i+1], ARGV[i])
  end
  out[#out+1] = redis.call('HGET', KEYS[1], ARGV[i])
end
return out
`)

// ClaimTexts implements store.TextClaimer: workers on every machine agree
// on the first post of each text.
func (s *Store) ClaimTexts(ctx context.Context, hashes []uint64, ids []string) ([]string, error) {
	if len(hashes) != len(ids) {
		return nil, fmt.Errorf("claiming texts: %d hashes for %d ids", len(hashes), len(ids))
	}
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, 2*len(ids))
	for i, h := range hashes {
		args = append(args, strconv.FormatUint(h, 16), ids[i])
	}
	out, err := claimTextsScript.Run(ctx, s.rdb, []string{s.key("text"), s.key("textof")}, args...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claiming texts: %w", err)
	}
	if len(out) != len(ids) {
		return nil, fmt.Errorf("claiming texts: %d answers for %d texts", len(out), len(ids))
	}
	return out, nil
}

// maxSharedCanonicals is about how many canonical-post entries the shared
// stream keeps (Redis trims it approximately): enough for workers to catch
// up after a pause; a restarted worker loads the records instead.
const maxSharedCanonicals = 1 << 20

// ShareCanonicals implements store.CanonicalSharer with a stream.
func (s *Store) ShareCanonicals(ctx context.Context, ids []string, entries [][]byte) error {
	if len(ids) != len(entries) {
		return fmt.Errorf("sharing canonical posts: %d entries for %d ids", len(entries), len(ids))
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		s.addCanonicals(ctx, p, ids, entries)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sharing canonical posts: %w", err)
	}
	return nil
}

// addCanonicals queues on p the stream entries that share entries[i] for
// the post ids[i].
func (s *Store) addCanonicals(ctx context.Context, p redis.Pipeliner, ids []string, entries [][]byte) {
	for i, id := range ids {
		p.XAdd(ctx, &redis.XAddArgs{Stream: s.key("canon"), MaxLen: maxSharedCanonicals, Approx: true,
			Values: []any{"id", id, "e", entries[i]}})
	}
}

// SharedCanonicals implements store.CanonicalSharer.
func (s *Store) SharedCanonicals(ctx context.Context, cursor string, max int) ([]string, [][]byte, string, error) {
	start := "-"
	if cursor != "" {
		start = "(" + cursor
	}
	msgs, err := s.rdb.XRangeN(ctx, s.key("canon"), start, "+", int64(max)).Result()
	if err != nil {
		return nil, nil, cursor, fmt.Errorf("reading shared canonical posts: %w", err)
	}
	ids, entries := make([]string, 0, len(msgs)), make([][]byte, 0, len(msgs))
	for _, m := range msgs {
		id, _ := m.Values["id"].(string)
		e, _ := m.Values["e"].(string)
		if id != "" {
			ids, entries = append(ids, id), append(entries, []byte(e))
		}
		cursor = m.ID
	}
	return ids, entries, cursor, nil
}

// CanonicalCursor implements store.CanonicalSharer.
func (s *Store) CanonicalCursor(ctx context.Context) (string, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.key("canon"), "+", "-", 1).Result()
	if err != nil {
		return "", fmt.Errorf("reading shared canonical posts: %w", err)
	}
	if len(msgs) == 0 {
		return "0-0", nil
	}
	return msgs[0].ID, nil
}

// Purge implements store.Backend.
func (s *Store) Purge(ctx context.Context, rule store.Retention) ([]string, error) {
	var ids []string
	err := s.ForEach(ctx, func(r *store.Record) error {
		if rule.Allows(r) {
			ids = append(ids, r.Post.ID)
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	for start := 0; start < len(ids); start += 1000 {
		page := ids[start:min(start+1000, len(ids))]
		texts, err := s.rdb.HMGet(ctx, s.key("textof"), page...).Result()
		if err != nil {
			return nil, fmt.Errorf("purging records: %w", err)
		}
		_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for _, t := range texts {
				if h, ok := t.(string); ok {
					p.HDel(ctx, s.key("text"), h)
				}
			}
			p.HDel(ctx, s.key("textof"), page...)
			p.HDel(ctx, s.key("rec"), page...)
			p.HDel(ctx, s.key("queue"), page...)
			p.ZRem(ctx, s.key("media"), toAny(page)...)
			for _, id := range page {
				p.Del(ctx, s.key("sight:"+id))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("purging records: %w", err)
		}
	}
	return ids, nil
}

// Persistence says how the Redis server keeps its data on disk: "aof"
// (append-only file), "rdb" (snapshots), or "none", when a restart of the
// server would lose the work queue and the review queue. It fails when
// the server does not say (CONFIG and INFO refused).
func (s *Store) Persistence(ctx context.Context) (string, error) {
	info, err := s.rdb.Info(ctx, "persistence").Result()
	if err != nil {
		return "", fmt.Errorf("asking Redis how it persists: %w", err)
	}
	if strings.Contains(info, "aof_enabled:1") {
		return "aof", nil
	}
	save, err := s.rdb.ConfigGet(ctx, "save").Result()
	if err != nil {
		return "", fmt.Errorf("asking Redis how it persists: %w", err)
	}
	if strings.TrimSpace(save["save"]) != "" {
		return "rdb", nil
	}
	return "none", nil
}

// AppendFsync returns the server's appendfsync setting: "always" (every
// write on disk before the reply), "everysec" (the default: a server that
// dies may lose the last second of writes it acknowledged) or "no".
func (s *Store) AppendFsync(ctx context.Context) (string, error) {
	v, err := s.rdb.ConfigGet(ctx, "appendfsync").Result()
	if err != nil {
		return "", fmt.Errorf("asking Redis how often it syncs its append-only file: %w", err)
	}
	return v["appendfsync"], nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// mediaLease is how long a claimed post's media stay with one process
// before another may claim them (after a crash, say).
const mediaLease = 5 * time.Minute

// claimMedia atomically takes up to ARGV[2] members of the pending-media
// set whose lease (score, Unix milliseconds) ended by ARGV[1], and leases
// them until ARGV[3].
var claimMedia = redis.NewScript(`
local ids = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[3], id)
end
return ids
`)

// ClaimMedia hands out up to max posts whose media the media stage has not
// processed yet and that no process holds; each is leased for a few
// minutes. Completing the post's record with its media results removes it;
// ReleaseMedia gives it back at once.
func (s *Store) ClaimMedia(ctx context.Context, limit int) ([]string, error) {
	now := time.Now()
	ids, err := claimMedia.Run(ctx, s.rdb, []string{s.key("media")}, now.UnixMilli(), limit, now.Add(mediaLease).UnixMilli()).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("claiming media work: %w", err)
	}
	return ids, nil
}

// ReleaseMedia gives claimed posts back to ClaimMedia.
func (s *Store) ReleaseMedia(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	zs := make([]redis.Z, len(ids))
	for i, id := range ids {
		zs[i] = redis.Z{Member: id}
	}
	if err := s.rdb.ZAddXX(ctx, s.key("media"), zs...).Err(); err != nil {
		return fmt.Errorf("releasing media work: %w", err)
	}
	return nil
}

// DropMedia removes posts from the media work list without results.
func (s *Store) DropMedia(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.rdb.ZRem(ctx, s.key("media"), toAny(ids)...).Err(); err != nil {
		return fmt.Errorf("dropping media work: %w", err)
	}
	return nil
}

// MediaDepth is the number of posts whose media wait for the media stage.
func (s *Store) MediaDepth(ctx context.Context) (int, error) {
	n, err := s.rdb.ZCard(ctx, s.key("media")).Result()
	if err != nil {
		return 0, fmt.Errorf("reading media depth: %w", err)
	}
	return int(n), nil
}
