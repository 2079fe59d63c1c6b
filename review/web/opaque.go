package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/rasd-iq/rasd/index/store"
)

// OpaquePrefix starts the pseudonymous item ids that roles which may not
// see identities read in place of item ids: an item id is PLATFORM:NATIVEID,
// and a native id can name its author (a Telegram channel's posts are
// CHANNEL/N).
const OpaquePrefix = "p:"

// opaqueIDs remembers which item id each pseudonymous id stands for.
type opaqueIDs struct {
	mu  sync.RWMutex
	ids map[string]string
}

// opaque returns the pseudonymous id of item id ("p:" and 16 hex digits of
// the pseudonymiser's keyed hash) and remembers it, so that the routes
// accept it.
func (s *Server) opaque(id string) string {
	if id == "" {
		return ""
	}
	p := OpaquePrefix + strings.TrimPrefix(s.cfg.Pseudonyms.Pseudonym("item:"+id), "anon-")
	s.opaqueIDs.mu.RLock()
	_, known := s.opaqueIDs.ids[p]
	s.opaqueIDs.mu.RUnlock()
	if !known {
		s.opaqueIDs.mu.Lock()
		if s.opaqueIDs.ids == nil {
			s.opaqueIDs.ids = map[string]string{}
		}
		s.opaqueIDs.ids[p] = id
		s.opaqueIDs.mu.Unlock()
	}
	return p
}

// itemID returns item id as the caller may read it: the id itself for
// roles that see identities, its pseudonymous id for the others.
func (s *Server) itemID(r *http.Request, id string) string {
	if reveal(r) {
		return id
	}
	return s.opaque(id)
}

// errUnknownOpaque is returned for a pseudonymous id that names no record.
var errUnknownOpaque = errors.New("no item has this id")

// resolveID returns the item id a route names: a pseudonymous id is looked
// up among those this process has shown, and otherwise (after a restart,
// or an id shown by another process) among every record's, in one pass
// that remembers them all. Ids without the prefix are item ids.
func (s *Server) resolveID(ctx context.Context, raw string) (string, error) {
	if !strings.HasPrefix(raw, OpaquePrefix) {
		return raw, nil
	}
	s.opaqueIDs.mu.RLock()
	id, ok := s.opaqueIDs.ids[raw]
	s.opaqueIDs.mu.RUnlock()
	if ok {
		return id, nil
	}
	err := s.cfg.Backend.ForEach(ctx, func(r *store.Record) error {
		if s.opaque(r.Post.ID) == raw {
			id = r.Post.ID
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", errUnknownOpaque
	}
	return id, nil
}

// pathItem returns the item id the request's {id} names (see resolveID);
// an id that resolves to none is returned as it is, and names no item.
func (s *Server) pathItem(r *http.Request) string {
	raw := r.PathValue("id")
	id, err := s.resolveID(r.Context(), raw)
	if err != nil {
		if !errors.Is(err, errUnknownOpaque) {
			s.cfg.Log.Error("resolving a pseudonymous item id", "id", raw, "err", err)
		}
		return raw
	}
	return id
}
