// Package redisstore is review.Store on Redis, beside the pipeline's Redis
// store: one key per item (changed under WATCH/MULTI, so claims and
// decisions are atomic across processes), a sorted set read in lexicographic
// order as the priority index, and lists of decisions.
package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/review"
)

// Store is review.Store in Redis. It is safe for concurrent use.
type Store struct {
	rdb    *redis.Client
	prefix string
	// ordered is set once the index is known to be in review.IndexOrder.
	orderMu sync.Mutex
	ordered bool
}

var _ review.Store = (*Store)(nil)

// New returns a store that keeps its keys under prefix+"review:" on rdb
// (e.g. the pipeline's redisstore.Store Client() and Prefix()).
func New(rdb *redis.Client, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix + "review:"}
}

// ensureOrder rebuilds the queue index, once, when an earlier version built
// it in another order than review.IndexOrder; every method that reads or
// changes the index calls it first.
func (s *Store) ensureOrder(ctx context.Context) error {
	s.orderMu.Lock()
	defer s.orderMu.Unlock()
	if s.ordered {
		return nil
	}
	v, err := s.rdb.Get(ctx, s.key("index_order")).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("reading the queue index order: %w", err)
	}
	if v != review.IndexOrder {
		if err := s.rdb.Del(ctx, s.sortKeys()...).Err(); err != nil {
			return fmt.Errorf("rebuilding the queue's sort indexes: %w", err)
		}
		members, err := s.rdb.ZRange(ctx, s.key("index"), 0, -1).Result()
		if err != nil {
			return fmt.Errorf("rebuilding the queue index: %w", err)
		}
		for chunk := range slices.Chunk(members, 500) {
			keys := make([]string, len(chunk))
			for i, m := range chunk {
				keys[i] = s.key("item", review.IDFromKey(m))
			}
			vs, err := s.rdb.MGet(ctx, keys...).Result()
			if err != nil {
				return fmt.Errorf("rebuilding the queue index: %w", err)
			}
			_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, m := range chunk {
					str, ok := vs[i].(string)
					var it review.Item
					if !ok || json.Unmarshal([]byte(str), &it) != nil {
						continue
					}
					if nk := review.IndexKey(&it); nk != m {
						p.ZRem(ctx, s.key("index"), m)
						p.ZAdd(ctx, s.key("index"), redis.Z{Member: nk})
					}
					s.sortAdd(ctx, p, &it)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("rebuilding the queue index: %w", err)
			}
		}
		if err := s.rdb.Set(ctx, s.key("index_order"), review.IndexOrder, 0).Err(); err != nil {
			return fmt.Errorf("recording the queue index order: %w", err)
		}
	}
	s.ordered = true
	return nil
}

// sortKeys are the sorted sets of the queue's sort orders, in the order
// of review.SortKeys: each holds every index member again, scored so that
// reading it by rank lists the queue in that order (review.SortEntry).
func (s *Store) sortKeys() []string {
	out := make([]string, len(review.SortKeys))
	for i, k := range review.SortKeys {
		out[i] = s.key("index", "by", k)
	}
	return out
}

// sortAdd queues the item's entries in the sort orders' sets on p.
func (s *Store) sortAdd(ctx context.Context, p redis.Pipeliner, it *review.Item) {
	for _, k := range review.SortKeys {
		score, member := review.SortEntry(k, it)
		p.ZAdd(ctx, s.key("index", "by", k), redis.Z{Score: score, Member: member})
	}
}

// sortRem queues the removal of the item's entries in the sort orders' sets on p.
func (s *Store) sortRem(ctx context.Context, p redis.Pipeliner, it *review.Item) {
	for _, k := range review.SortKeys {
		_, member := review.SortEntry(k, it)
		p.ZRem(ctx, s.key("index", "by", k), member)
	}
}

func (s *Store) key(parts ...string) string {
	k := s.prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

func decode(data string, v any, what string) error {
	if err := json.Unmarshal([]byte(data), v); err != nil {
		return fmt.Errorf("decoding %s: %w", what, err)
	}
	return nil
}

func notFound(err error, what string) error {
	if errors.Is(err, redis.Nil) {
		return fmt.Errorf("%s: %w", what, review.ErrNotFound)
	}
	return fmt.Errorf("reading %s: %w", what, err)
}

// PutUser implements review.Store.
func (s *Store) PutUser(ctx context.Context, u review.User) error {
	v, _ := json.Marshal(u)
	if err := s.rdb.HSet(ctx, s.key("users"), u.Name, v).Err(); err != nil {
		return fmt.Errorf("writing user %s: %w", u.Name, err)
	}
	return nil
}

// User implements review.Store.
func (s *Store) User(ctx context.Context, name string) (review.User, error) {
	var u review.User
	v, err := s.rdb.HGet(ctx, s.key("users"), name).Result()
	if err != nil {
		return u, notFound(err, "user "+name)
	}
	return u, decode(v, &u, "user "+name)
}

// UpdateUser implements review.Store.
func (s *Store) UpdateUser(ctx context.Context, name string, fn func(*review.User) error) (review.User, error) {
	u, err := change(ctx, s, "users", name, fn)
	if err != nil {
		return u, fmt.Errorf("updating user %s: %w", name, err)
	}
	return u, nil
}

// Users implements review.Store.
func (s *Store) Users(ctx context.Context) ([]review.User, error) {
	m, err := s.rdb.HGetAll(ctx, s.key("users")).Result()
	if err != nil {
		return nil, fmt.Errorf("reading users: %w", err)
	}
	out := make([]review.User, 0, len(m))
	for name, v := range m {
		var u review.User
		if err := decode(v, &u, "user "+name); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b review.User) int { return cmpStr(a.Name, b.Name) })
	return out, nil
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// PutSession implements review.Store; the key expires with the session.
func (s *Store) PutSession(ctx context.Context, se review.Session) error {
	v, _ := json.Marshal(se)
	ttl := time.Until(se.Expires)
	if ttl < time.Second {
		ttl = time.Hour // already expired sessions are refused by the caller; keep the key a while
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key("sess", se.IDHash), v, ttl)
		p.SAdd(ctx, s.key("usess", se.User), se.IDHash)
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing session: %w", err)
	}
	return nil
}

// Session implements review.Store.
func (s *Store) Session(ctx context.Context, idHash string) (review.Session, error) {
	var se review.Session
	v, err := s.rdb.Get(ctx, s.key("sess", idHash)).Result()
	if err != nil {
		return se, notFound(err, "session")
	}
	return se, decode(v, &se, "session")
}

// DeleteSession implements review.Store.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if err := s.rdb.Del(ctx, s.key("sess", idHash)).Err(); err != nil {
		return fmt.Errorf("deleting session: %w", err)
	}
	return nil
}

// DeleteSessions implements review.Store.
func (s *Store) DeleteSessions(ctx context.Context, user string) error {
	hs, err := s.rdb.SMembers(ctx, s.key("usess", user)).Result()
	if err != nil {
		return fmt.Errorf("reading sessions of %s: %w", user, err)
	}
	keys := []string{s.key("usess", user)}
	for _, h := range hs {
		keys = append(keys, s.key("sess", h))
	}
	if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("deleting sessions of %s: %w", user, err)
	}
	return nil
}

// Sessions implements review.Store; ids of sessions that expired are
// dropped from the account's set as they are found.
func (s *Store) Sessions(ctx context.Context, user string) ([]review.Session, error) {
	set := s.key("usess", user)
	hs, err := s.rdb.SMembers(ctx, set).Result()
	if err != nil {
		return nil, fmt.Errorf("reading sessions of %s: %w", user, err)
	}
	var out []review.Session
	if len(hs) == 0 {
		return out, nil
	}
	keys := make([]string, len(hs))
	for i, h := range hs {
		keys[i] = s.key("sess", h)
	}
	vs, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("reading sessions of %s: %w", user, err)
	}
	var gone []any
	for i, v := range vs {
		str, ok := v.(string)
		if !ok {
			gone = append(gone, hs[i])
			continue
		}
		var se review.Session
		if err := decode(str, &se, "session"); err != nil {
			return nil, err
		}
		if se.User == user {
			out = append(out, se)
		}
	}
	if len(gone) > 0 {
		if err := s.rdb.SRem(ctx, set, gone...).Err(); err != nil {
			return nil, fmt.Errorf("dropping ended sessions of %s: %w", user, err)
		}
	}
	review.SortSessions(out)
	return out, nil
}

// Missing implements review.Store.
func (s *Store) Missing(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	for chunk := range slices.Chunk(ids, 500) {
		cmds := make([]*redis.IntCmd, len(chunk))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range chunk {
				cmds[i] = p.Exists(ctx, s.key("item", id))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("checking items: %w", err)
		}
		for i, c := range cmds {
			if c.Val() == 0 {
				out = append(out, chunk[i])
			}
		}
	}
	return out, nil
}

// addScript puts new items, their index entries and author entry in one
// atomic step, so a crash never leaves a known item out of the index.
// KEYS: index key and the sort orders' keys (sortKeys), then per item its
// item key and author key (or ""); ARGV: per item its JSON, index member
// (or ""), author score and id, then per sort order a score and member.
var addScript = redis.NewScript(`
local s = #KEYS - 2 * tonumber(ARGV[1])
local n = 0
local a = 1
for i = s + 1, #KEYS, 2 do
  if redis.call('SET', KEYS[i], ARGV[a+1], 'NX') then
    if ARGV[a+2] ~= '' then
      redis.call('ZADD', KEYS[1], 0, ARGV[a+2])
      for j = 2, s do
        redis.call('ZADD', KEYS[j], ARGV[a+4+2*(j-1)-1], ARGV[a+4+2*(j-1)])
      end
    end
    if KEYS[i+1] ~= '' then redis.call('ZADD', KEYS[i+1], ARGV[a+3], ARGV[a+4]) end
    n = n + 1
  end
  a = a + 4 + 2 * (s - 1)
end
return n
`)

// Add implements review.Store.
func (s *Store) Add(ctx context.Context, items []review.Item) error {
	if err := s.ensureOrder(ctx); err != nil {
		return err
	}
	for chunk := range slices.Chunk(items, 200) {
		keys, args, err := s.addArgs(chunk)
		if err != nil {
			return err
		}
		if err := addScript.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
			return fmt.Errorf("adding items: %w", err)
		}
	}
	return nil
}

// EnqueuePipe implements redisstore.PipeEnqueuer: the pipeline's store calls
// it inside the MULTI/EXEC transaction that records a batch, so that a post
// routed to review is in the review queue as soon as its record exists.
func (s *Store) EnqueuePipe(ctx context.Context, p redis.Pipeliner, recs []store.Record) error {
	if err := s.ensureOrder(ctx); err != nil {
		return err
	}
	var items []review.Item
	for i := range recs {
		if review.Enqueued(&recs[i]) {
			items = append(items, review.ItemFor(&recs[i]))
		}
	}
	for chunk := range slices.Chunk(items, 200) {
		keys, args, err := s.addArgs(chunk)
		if err != nil {
			return err
		}
		// EVAL, not EVALSHA: inside MULTI a missing script would only
		// show at EXEC, after the batch's records were written.
		addScript.Eval(ctx, p, keys, args...)
	}
	return nil
}

// addArgs returns addScript's keys and arguments for items.
func (s *Store) addArgs(items []review.Item) ([]string, []any, error) {
	keys := append([]string{s.key("index")}, s.sortKeys()...)
	args := []any{len(items)}
	for i := range items {
		it := items[i]
		if it.ID == "" {
			return nil, nil, fmt.Errorf("adding item: empty id")
		}
		if it.Status == "" {
			it.Status = review.StatusOpen
		}
		v, _ := json.Marshal(it)
		member, author := "", ""
		if it.Status != review.StatusClosed {
			member = review.IndexKey(&it)
		}
		if it.Author != "" {
			author = s.key("author", it.Author)
		}
		keys = append(keys, s.key("item", it.ID), author)
		args = append(args, v, member, it.Added.UnixNano(), it.ID)
		for _, k := range review.SortKeys {
			score, m := review.SortEntry(k, &it)
			args = append(args, strconv.FormatFloat(score, 'f', -1, 64), m)
		}
	}
	return keys, args, nil
}

func (s *Store) items(ctx context.Context, ids []string) ([]review.Item, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.key("item", id)
	}
	vs, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("reading items: %w", err)
	}
	out := make([]review.Item, 0, len(vs))
	for i, v := range vs {
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("queue index entry %s: %w", ids[i], review.ErrNotFound)
		}
		var it review.Item
		if err := decode(str, &it, "item "+ids[i]); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// walk calls fn for undecided items in review order until it returns false.
func (s *Store) walk(ctx context.Context, fn func(it *review.Item) (bool, error)) error {
	if err := s.ensureOrder(ctx); err != nil {
		return err
	}
	const chunk = 256
	for start := int64(0); ; start += chunk {
		keys, err := s.rdb.ZRange(ctx, s.key("index"), start, start+chunk-1).Result()
		if err != nil {
			return fmt.Errorf("reading queue index: %w", err)
		}
		ids := make([]string, len(keys))
		for i, k := range keys {
			ids[i] = review.IDFromKey(k)
		}
		items, err := s.items(ctx, ids)
		if err != nil {
			return err
		}
		for i := range items {
			more, err := fn(&items[i])
			if err != nil || !more {
				return err
			}
		}
		if len(keys) < chunk {
			return nil
		}
	}
}

// walkSorted calls fn with the queued items in the order f.Sort asks for,
// reading the order's sorted set by rank (forwards in its natural
// direction, backwards in the other), a chunk at a time.
func (s *Store) walkSorted(ctx context.Context, f *review.Filter, fn func(it *review.Item) (bool, error)) error {
	set := s.key("index", "by", f.Sort)
	rev := f.Desc != review.SortDescFirst(f.Sort)
	const chunk = 256
	for start := int64(0); ; start += chunk {
		var members []string
		var err error
		if rev {
			members, err = s.rdb.ZRevRange(ctx, set, start, start+chunk-1).Result()
		} else {
			members, err = s.rdb.ZRange(ctx, set, start, start+chunk-1).Result()
		}
		if err != nil {
			return fmt.Errorf("reading the queue's %s order: %w", f.Sort, err)
		}
		ids := make([]string, len(members))
		for i, m := range members {
			ids[i] = review.IDFromKey(review.KeyFromSortEntry(f.Sort, m))
		}
		items, err := s.items(ctx, ids)
		if err != nil {
			return err
		}
		for i := range items {
			if more, err := fn(&items[i]); err != nil || !more {
				return err
			}
		}
		if len(members) < chunk {
			return nil
		}
	}
}

// List implements review.Store.
func (s *Store) List(ctx context.Context, f review.Filter) (review.Page, error) {
	if err := s.ensureOrder(ctx); err != nil {
		return review.Page{}, err
	}
	p := review.Page{Items: []review.Item{}}
	n, err := s.rdb.ZCard(ctx, s.key("index")).Result()
	if err != nil {
		return p, fmt.Errorf("counting queue: %w", err)
	}
	p.Open = int(n)
	walk := s.walk
	if f.Sort != "" {
		walk = func(ctx context.Context, fn func(it *review.Item) (bool, error)) error {
			return s.walkSorted(ctx, &f, fn)
		}
	}
	err = walk(ctx, f.Collect(&p))
	return p, err
}

// Item implements review.Store.
func (s *Store) Item(ctx context.Context, id string) (review.Item, error) {
	var it review.Item
	v, err := s.rdb.Get(ctx, s.key("item", id)).Result()
	if err != nil {
		return it, notFound(err, "item "+id)
	}
	return it, decode(v, &it, "item "+id)
}

// ByAuthor implements review.Store.
func (s *Store) ByAuthor(ctx context.Context, author string, max int) ([]review.Item, error) {
	ids, err := s.rdb.ZRevRange(ctx, s.key("author", author), 0, int64(max)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("reading items of %s: %w", author, err)
	}
	return s.items(ctx, ids)
}

// update reads item id under WATCH, lets change modify it (and queue more
// commands), and writes it back atomically, retrying when another client
// changed the item in between.
func (s *Store) update(ctx context.Context, id string, change func(it *review.Item) (func(p redis.Pipeliner), error)) (review.Item, error) {
	key := s.key("item", id)
	var it review.Item
	for range 100 {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			v, err := tx.Get(ctx, key).Result()
			if err != nil {
				return notFound(err, "item "+id)
			}
			it = review.Item{}
			if err := decode(v, &it, "item "+id); err != nil {
				return err
			}
			more, err := change(&it)
			if err != nil {
				return err
			}
			nv, _ := json.Marshal(it)
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, nv, 0)
				if more != nil {
					more(p)
				}
				return nil
			})
			return err
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return it, err
		}
	}
	return it, fmt.Errorf("updating item %s: too much contention", id)
}

// Claim implements review.Store.
func (s *Store) Claim(ctx context.Context, id string, who review.Reviewer, now time.Time, ttl time.Duration) (review.Item, error) {
	return s.update(ctx, id, func(it *review.Item) (func(redis.Pipeliner), error) {
		return nil, review.ApplyClaim(it, who, now, ttl)
	})
}

var errFound = errors.New("found")

// ClaimNext implements review.Store.
func (s *Store) ClaimNext(ctx context.Context, who review.Reviewer, f review.Filter, now time.Time, ttl time.Duration) (review.Item, error) {
	var got review.Item
	err := s.walk(ctx, func(it *review.Item) (bool, error) {
		if !f.Match(it) || review.CanClaim(it, who, now) != nil {
			return true, nil
		}
		c, err := s.Claim(ctx, it.ID, who, now, ttl)
		switch {
		case err == nil:
			got = c
			return false, errFound
		case errors.Is(err, review.ErrHeld), errors.Is(err, review.ErrDecided), errors.Is(err, review.ErrNeedsSenior), errors.Is(err, review.ErrReviewedBefore):
			return true, nil // someone else got there first
		}
		return false, err
	})
	if errors.Is(err, errFound) {
		return got, nil
	}
	if err == nil {
		err = review.ErrEmpty
	}
	return got, err
}

// Release implements review.Store.
func (s *Store) Release(ctx context.Context, id, who, token string) error {
	_, err := s.update(ctx, id, func(it *review.Item) (func(redis.Pipeliner), error) {
		if it.Lease == nil || it.Lease.Holder != who || it.Lease.Token != token {
			return nil, review.ErrLeaseLost
		}
		it.Lease = nil
		return nil, nil
	})
	return err
}

// Decide implements review.Store.
func (s *Store) Decide(ctx context.Context, d review.Decision, who review.Reviewer, rules review.Rules, now time.Time) (review.Item, review.Decision, error) {
	if err := s.ensureOrder(ctx); err != nil {
		return review.Item{}, d, err
	}
	it, err := s.update(ctx, d.Item, func(it *review.Item) (func(redis.Pipeliner), error) {
		key, was := review.IndexKey(it), *it
		dd := d
		if err := review.Apply(it, &dd, who, rules, now); err != nil {
			return nil, err
		}
		v, _ := json.Marshal(dd)
		closed := it.Status == review.StatusClosed
		d = dd
		return func(p redis.Pipeliner) {
			if closed {
				p.ZRem(ctx, s.key("index"), key)
				s.sortRem(ctx, p, &was)
			}
			p.RPush(ctx, s.key("dec", d.Item), v)
			p.RPush(ctx, s.key("decisions"), v)
		}, nil
	})
	if err != nil {
		return it, d, fmt.Errorf("deciding %s: %w", d.Item, err)
	}
	return it, d, nil
}

// Undo implements review.Store.
func (s *Store) Undo(ctx context.Context, item, id string, who review.Reviewer, rules review.Rules, now time.Time) (review.Item, review.Decision, error) {
	if err := s.ensureOrder(ctx); err != nil {
		return review.Item{}, review.Decision{}, err
	}
	key, dkey := s.key("item", item), s.key("dec", item)
	var (
		it   review.Item
		last review.Decision
	)
	for range 100 {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			v, err := tx.Get(ctx, key).Result()
			if err != nil {
				return notFound(err, "item "+item)
			}
			it, last = review.Item{}, review.Decision{}
			if err := decode(v, &it, "item "+item); err != nil {
				return err
			}
			raw, err := tx.LRange(ctx, dkey, -2, -1).Result()
			if err != nil {
				return fmt.Errorf("reading decisions: %w", err)
			}
			if len(raw) == 0 {
				return fmt.Errorf("%w: the item has no decision", review.ErrUndo)
			}
			if err := decode(raw[len(raw)-1], &last, "decision"); err != nil {
				return err
			}
			if last.ID != id {
				return fmt.Errorf("%w: %s is not the item's last decision", review.ErrUndo, id)
			}
			var prev *review.Decision
			if len(raw) == 2 {
				prev = &review.Decision{}
				if err := decode(raw[0], prev, "decision"); err != nil {
					return err
				}
			}
			wasClosed := it.Status == review.StatusClosed
			if err := review.Undo(&it, &last, prev, who, rules, now, rules.LeaseFor()); err != nil {
				return err
			}
			nv, _ := json.Marshal(it)
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, nv, 0)
				if wasClosed {
					p.ZAdd(ctx, s.key("index"), redis.Z{Member: review.IndexKey(&it)})
					s.sortAdd(ctx, p, &it)
				}
				p.LRem(ctx, dkey, -1, raw[len(raw)-1])
				p.LRem(ctx, s.key("decisions"), -1, raw[len(raw)-1])
				return nil
			})
			return err
		}, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return it, last, fmt.Errorf("undoing decision %s about %s: %w", id, item, err)
		}
		return it, last, nil
	}
	return it, last, fmt.Errorf("undoing decision %s about %s: too much contention", id, item)
}

func (s *Store) decisions(ctx context.Context, key string, fn func(review.Decision) error) error {
	const chunk = 500
	for start := int64(0); ; start += chunk {
		vs, err := s.rdb.LRange(ctx, key, start, start+chunk-1).Result()
		if err != nil {
			return fmt.Errorf("reading decisions: %w", err)
		}
		for _, v := range vs {
			var d review.Decision
			if err := decode(v, &d, "decision"); err != nil {
				return err
			}
			if err := fn(d); err != nil {
				return err
			}
		}
		if len(vs) < chunk {
			return nil
		}
	}
}

// Decisions implements review.Store.
func (s *Store) Decisions(ctx context.Context, item string) ([]review.Decision, error) {
	out := []review.Decision{}
	err := s.decisions(ctx, s.key("dec", item), func(d review.Decision) error {
		out = append(out, d)
		return nil
	})
	return out, err
}

// EachDecision implements review.Store.
func (s *Store) EachDecision(ctx context.Context, fn func(review.Decision) error) error {
	return s.decisions(ctx, s.key("decisions"), fn)
}

// AppendDecision implements review.Store.
func (s *Store) AppendDecision(ctx context.Context, d review.Decision) error {
	n, err := s.rdb.Exists(ctx, s.key("item", d.Item)).Result()
	if err != nil {
		return fmt.Errorf("recording decision about %s: %w", d.Item, err)
	}
	if n == 0 {
		return fmt.Errorf("recording decision about %s: item: %w", d.Item, review.ErrNotFound)
	}
	v, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encoding decision: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, s.key("dec", d.Item), v)
		p.RPush(ctx, s.key("decisions"), v)
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording decision about %s: %w", d.Item, err)
	}
	return nil
}

// create stores v as field id of hash kind unless the id is taken.
func (s *Store) create(ctx context.Context, kind, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s %s: %w", kind, id, err)
	}
	ok, err := s.rdb.HSetNX(ctx, s.key(kind), id, data).Result()
	if err != nil {
		return fmt.Errorf("storing %s %s: %w", kind, id, err)
	}
	if !ok {
		return fmt.Errorf("%s %s: %w", kind, id, review.ErrExists)
	}
	return nil
}

// one reads field id of hash kind into v.
func (s *Store) one(ctx context.Context, kind, id string, v any) error {
	data, err := s.rdb.HGet(ctx, s.key(kind), id).Result()
	if err != nil {
		return notFound(err, kind+" "+id)
	}
	return decode(data, v, kind+" "+id)
}

// change reads field id of hash kind under WATCH, applies fn and writes it
// back atomically, retrying when another client changed the hash in between.
func change[T any](ctx context.Context, s *Store, kind, id string, fn func(*T) error) (T, error) {
	key := s.key(kind)
	var v T
	for range 100 {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			data, err := tx.HGet(ctx, key, id).Result()
			if err != nil {
				return notFound(err, kind+" "+id)
			}
			v = *new(T)
			if err := decode(data, &v, kind+" "+id); err != nil {
				return err
			}
			if err := fn(&v); err != nil {
				return err
			}
			nv, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("encoding %s %s: %w", kind, id, err)
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, key, id, nv)
				return nil
			})
			return err
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return v, err
		}
	}
	return v, fmt.Errorf("updating %s %s: too much contention", kind, id)
}

// all decodes every field of hash kind.
func all[T any](ctx context.Context, s *Store, kind string) ([]T, error) {
	m, err := s.rdb.HGetAll(ctx, s.key(kind)).Result()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", kind, err)
	}
	out := make([]T, 0, len(m))
	for id, data := range m {
		var v T
		if err := decode(data, &v, kind+" "+id); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// PutReferral implements review.Store.
func (s *Store) PutReferral(ctx context.Context, r review.Referral) error {
	return s.create(ctx, "referrals", r.ID, r)
}

// Referral implements review.Store.
func (s *Store) Referral(ctx context.Context, id string) (review.Referral, error) {
	var r review.Referral
	err := s.one(ctx, "referrals", id, &r)
	return r, err
}

// UpdateReferral implements review.Store.
func (s *Store) UpdateReferral(ctx context.Context, id string, fn func(*review.Referral) error) (review.Referral, error) {
	return change(ctx, s, "referrals", id, fn)
}

// Referrals implements review.Store.
func (s *Store) Referrals(ctx context.Context) ([]review.Referral, error) {
	rs, err := all[review.Referral](ctx, s, "referrals")
	review.SortReferrals(rs)
	return rs, err
}

// PutAppeal implements review.Store.
func (s *Store) PutAppeal(ctx context.Context, a review.Appeal) error {
	return s.create(ctx, "appeals", a.ID, a)
}

// Appeal implements review.Store.
func (s *Store) Appeal(ctx context.Context, id string) (review.Appeal, error) {
	var a review.Appeal
	err := s.one(ctx, "appeals", id, &a)
	return a, err
}

// UpdateAppeal implements review.Store.
func (s *Store) UpdateAppeal(ctx context.Context, id string, fn func(*review.Appeal) error) (review.Appeal, error) {
	return change(ctx, s, "appeals", id, fn)
}

// Appeals implements review.Store.
func (s *Store) Appeals(ctx context.Context) ([]review.Appeal, error) {
	as, err := all[review.Appeal](ctx, s, "appeals")
	review.SortAppeals(as)
	return as, err
}
