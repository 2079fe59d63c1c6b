// Package mtprototest replays Telegram's API for tests of the mtproto
// connector: a Server holds one public channel or supergroup and answers
// contacts.resolveUsername and messages.getHistory the way Telegram does,
// each answer TL-encoded and decoded again as it would come off the wire.
// No network is used.
package mtprototest

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Server is a fake Telegram holding one channel. It implements the
// connector's Dialer and tg.Invoker.
type Server struct {
	mu sync.Mutex
	// Channel is the channel or supergroup (Megagroup) served.
	Channel tg.Channel
	// Chats and Users are the other chats and users answers carry
	// (forward sources, group members).
	Chats []tg.ChatClass
	Users []tg.UserClass
	msgs  []tg.MessageClass // ascending id
	// Fail, when set, is asked before each request; a non-nil error is
	// returned instead of the answer (e.g. tgerr.New(420, "FLOOD_WAIT_3")).
	Fail func(call int, req bin.Encoder) error
	// DialErr, when set, is returned by Dial (e.g. a session error).
	DialErr error
	calls   []bin.Encoder
}

// NewServer returns a server for the public channel username with id.
func NewServer(username string, id int64, title string, megagroup bool) *Server {
	return &Server{Channel: tg.Channel{ID: id, AccessHash: id * 7919, Username: username, Title: title, Photo: &tg.ChatPhotoEmpty{},
		Megagroup: megagroup, Broadcast: !megagroup, ParticipantsCount: 4821}}
}

// Add posts messages; their PeerID is set to the channel.
func (s *Server) Add(msgs ...*tg.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		m.PeerID = &tg.PeerChannel{ChannelID: s.Channel.ID}
		s.msgs = append(s.msgs, m)
	}
	slices.SortFunc(s.msgs, func(a, b tg.MessageClass) int { return a.GetID() - b.GetID() })
}

// AddService posts a service message (a join, a pin) with id.
func (s *Server) AddService(id, date int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, &tg.MessageService{ID: id, Date: date, PeerID: &tg.PeerChannel{ChannelID: s.Channel.ID}, Action: &tg.MessageActionPinMessage{}})
	slices.SortFunc(s.msgs, func(a, b tg.MessageClass) int { return a.GetID() - b.GetID() })
}

// IDs lists the ids of the messages held, ascending.
func (s *Server) IDs() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = m.GetID()
	}
	return out
}

// Calls returns the requests received so far.
func (s *Server) Calls() []bin.Encoder {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Dial implements the connector's Dialer.
func (s *Server) Dial(ctx context.Context, fn func(ctx context.Context, api tg.Invoker) error) error {
	if s.DialErr != nil {
		return s.DialErr
	}
	return fn(ctx, s)
}

// Invoke implements tg.Invoker.
func (s *Server) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// Requests go through their TL form too, as they would on the wire.
	var req bin.Buffer
	if err := input.Encode(&req); err != nil {
		return fmt.Errorf("encoding request: %w", err)
	}
	s.mu.Lock()
	s.calls = append(s.calls, input)
	call, fail := len(s.calls), s.Fail
	s.mu.Unlock()
	if fail != nil {
		if err := fail(call, input); err != nil {
			return err
		}
	}
	id, err := req.PeekID()
	if err != nil {
		return err
	}
	var answer bin.Encoder
	switch id {
	case tg.ContactsResolveUsernameRequestTypeID:
		var r tg.ContactsResolveUsernameRequest
		if err := r.Decode(&req); err != nil {
			return err
		}
		answer, err = s.resolve(r.Username)
	case tg.MessagesGetHistoryRequestTypeID:
		var r tg.MessagesGetHistoryRequest
		if err := r.Decode(&req); err != nil {
			return err
		}
		answer, err = s.history(&r)
	default:
		return tgerr.New(400, "METHOD_NOT_FAKED")
	}
	if err != nil {
		return err
	}
	var out bin.Buffer
	if err := answer.Encode(&out); err != nil {
		return fmt.Errorf("encoding answer: %w", err)
	}
	return output.Decode(&out)
}

func (s *Server) resolve(name string) (bin.Encoder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name != s.Channel.Username {
		return nil, tgerr.New(400, "USERNAME_NOT_OCCUPIED")
	}
	ch := s.Channel
	return &tg.ContactsResolvedPeer{Peer: &tg.PeerChannel{ChannelID: ch.ID}, Chats: []tg.ChatClass{&ch}, Users: []tg.UserClass{}}, nil
}

// history answers messages.getHistory: with add_offset 0, the limit
// messages below offset_id (all when it is 0); with add_offset -limit, the
// limit messages from offset_id up; always above min_id and below max_id,
// newest first.
func (s *Server) history(r *tg.MessagesGetHistoryRequest) (bin.Encoder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := r.Peer.(*tg.InputPeerChannel); !ok || p.ChannelID != s.Channel.ID || p.AccessHash != s.Channel.AccessHash {
		return nil, tgerr.New(400, "CHANNEL_INVALID")
	}
	if r.Limit <= 0 || r.Limit > 100 {
		return nil, tgerr.New(400, "LIMIT_INVALID")
	}
	var in []tg.MessageClass
	for _, m := range s.msgs {
		id := m.GetID()
		if id > r.MinID && (r.MaxID == 0 || id < r.MaxID) {
			in = append(in, m)
		}
	}
	var page []tg.MessageClass
	switch {
	case r.AddOffset < 0 && r.OffsetID > 0:
		i, _ := slices.BinarySearchFunc(in, r.OffsetID, func(m tg.MessageClass, id int) int { return m.GetID() - id })
		page = in[i:min(len(in), i+r.Limit)]
	case r.AddOffset == 0:
		end := len(in)
		if r.OffsetID > 0 {
			end, _ = slices.BinarySearchFunc(in, r.OffsetID, func(m tg.MessageClass, id int) int { return m.GetID() - id })
		}
		page = in[max(0, end-r.Limit):end]
	default:
		return nil, tgerr.New(400, "OFFSET_NOT_FAKED")
	}
	page = slices.Clone(page)
	slices.Reverse(page)
	ch := s.Channel
	chats := append([]tg.ChatClass{&ch}, s.Chats...)
	return &tg.MessagesChannelMessages{Pts: 1, Count: len(s.msgs), Messages: page, Chats: chats, Users: append([]tg.UserClass{}, s.Users...)}, nil
}
