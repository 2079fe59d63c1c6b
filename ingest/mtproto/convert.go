package mtproto

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	"github.com/rasd-iq/rasd/ingest"
)

// page is one converted messages.getHistory answer.
type page struct {
	posts []ingest.Post
	skips []ingest.Skip
	// high is the highest message id above the cursor in the answer.
	high int64
	// count is how many messages the answer held.
	count int
}

// peers indexes the chats and users an answer carries.
type peers struct {
	channels map[int64]*tg.Channel
	chats    map[int64]*tg.Chat
	users    map[int64]*tg.User
}

func indexPeers(chats []tg.ChatClass, users []tg.UserClass) peers {
	p := peers{channels: map[int64]*tg.Channel{}, chats: map[int64]*tg.Chat{}, users: map[int64]*tg.User{}}
	for _, c := range chats {
		switch c := c.(type) {
		case *tg.Channel:
			p.channels[c.ID] = c
		case *tg.Chat:
			p.chats[c.ID] = c
		}
	}
	for _, u := range users {
		if u, ok := u.(*tg.User); ok {
			p.users[u.ID] = u
		}
	}
	return p
}

// convertPage turns an answer into posts above cursor, oldest first.
// Service messages (joins, pins) and messages without text (a photo or
// file sent without a caption, whose bytes this connector does not fetch)
// are passed over; the cursor still moves past them.
func (c *Connector) convertPage(res tg.MessagesMessagesClass, cursor int64, now time.Time) (page, error) {
	mod, ok := res.AsModified()
	if !ok {
		return page{}, fmt.Errorf("unexpected answer %s to messages.getHistory", res.TypeName())
	}
	var raw bin.Buffer
	if err := mod.Encode(&raw); err != nil {
		return page{}, fmt.Errorf("encoding the answer: %w", err)
	}
	sum := sha256.Sum256(raw.Buf)
	rawSHA := hex.EncodeToString(sum[:])
	idx := indexPeers(mod.GetChats(), mod.GetUsers())
	msgs := mod.GetMessages()
	pg := page{count: len(msgs)}
	for i := len(msgs) - 1; i >= 0; i-- { // Telegram answers newest first
		id := int64(msgs[i].GetID())
		if id <= cursor {
			continue
		}
		pg.high = max(pg.high, id)
		m, ok := msgs[i].(*tg.Message)
		if !ok {
			continue
		}
		post, err := c.convert(m, idx)
		if err != nil {
			pg.skips = append(pg.skips, ingest.Skip{Where: c.permalink(id), Err: err})
			continue
		}
		if strings.TrimSpace(post.Text) == "" && len(post.Media) == 0 {
			continue
		}
		post.Fetched, post.RawSHA256 = now, rawSHA
		pg.posts = append(pg.posts, post)
	}
	for i := 1; i < len(pg.posts); i++ {
		if msgID(pg.posts[i-1]) >= msgID(pg.posts[i]) {
			return page{}, errors.New("messages.getHistory answer is not in descending id order")
		}
	}
	return pg, nil
}

func (c *Connector) permalink(id int64) string {
	return "https://t.me/" + c.username + "/" + strconv.FormatInt(id, 10)
}

func msgID(p ingest.Post) int64 {
	_, n, _ := strings.Cut(p.NativeID, "/")
	id, _ := strconv.ParseInt(n, 10, 64)
	return id
}

// convert maps one message to a Post (without Fetched and RawSHA256).
func (c *Connector) convert(m *tg.Message, idx peers) (ingest.Post, error) {
	var capture bin.Buffer
	if err := m.Encode(&capture); err != nil {
		return ingest.Post{}, fmt.Errorf("encoding message %d: %w", m.ID, err)
	}
	native := c.username + "/" + strconv.Itoa(m.ID)
	post := ingest.Post{
		ID:        ingest.MakeID(Name, native),
		Platform:  Name,
		Source:    c.source,
		NativeID:  native,
		Permalink: c.permalink(int64(m.ID)),
		Text:      m.Message,
		Created:   time.Unix(int64(m.Date), 0).UTC(),
	}
	post.Author = c.author(m, idx)
	if v, ok := m.GetViews(); ok {
		post.Engagement.Views = int64(v)
	}
	if f, ok := m.GetForwards(); ok {
		post.Engagement.Shares = int64(f)
	}
	if ch, ok := c.ownChannel(m, idx); ok {
		if n, ok := ch.GetParticipantsCount(); ok {
			post.Engagement.Followers = int64(n)
		}
	}
	if fwd, ok := m.GetFwdFrom(); ok {
		post.ForwardOf = forwardOf(fwd, idx)
	}
	if r, ok := m.GetReplyTo(); ok {
		if h, ok := r.(*tg.MessageReplyHeader); ok && h.ReplyToMsgID > 0 {
			where := c.username
			if p, ok := h.GetReplyToPeerID(); ok {
				where = peerName(p, idx)
			}
			if where != "" {
				post.ReplyTo = ingest.MakeID(Name, where+"/"+strconv.Itoa(h.ReplyToMsgID))
			}
		}
	}
	if media, ok := m.GetMedia(); ok {
		addMedia(&post, media)
	}
	post.SetCapture(capture.Buf, CaptureType)
	return post, nil
}

// ownChannel returns the channel or supergroup the message was posted in.
func (c *Connector) ownChannel(m *tg.Message, idx peers) (*tg.Channel, bool) {
	if p, ok := m.PeerID.(*tg.PeerChannel); ok {
		ch, ok := idx.channels[p.ChannelID]
		return ch, ok
	}
	return nil, false
}

// author is the channel (with the post's signature when it has one) or,
// in a group, the sender Telegram shows.
func (c *Connector) author(m *tg.Message, idx peers) ingest.Author {
	a := ingest.Author{ID: c.username}
	if ch, ok := c.ownChannel(m, idx); ok {
		a.Handle = ch.Title
	}
	if sig, ok := m.GetPostAuthor(); ok && sig != "" {
		a.Handle = sig
	}
	from, ok := m.GetFromID()
	if !ok {
		return a
	}
	switch p := from.(type) {
	case *tg.PeerUser:
		a = ingest.Author{ID: "user/" + strconv.FormatInt(p.UserID, 10)}
		if u, ok := idx.users[p.UserID]; ok {
			if u.Username != "" {
				a.ID = u.Username
			}
			a.Handle = strings.TrimSpace(u.FirstName + " " + u.LastName)
		}
	case *tg.PeerChannel:
		if ch, ok := idx.channels[p.ChannelID]; ok && ch.Username != c.username {
			a = ingest.Author{ID: ch.Username, Handle: ch.Title}
			if a.ID == "" {
				a.ID = "channel/" + strconv.FormatInt(ch.ID, 10)
			}
		}
	}
	return a
}

// peerName is a peer's public username, or "" when it has none.
func peerName(p tg.PeerClass, idx peers) string {
	switch p := p.(type) {
	case *tg.PeerChannel:
		if ch, ok := idx.channels[p.ChannelID]; ok {
			return ch.Username
		}
	case *tg.PeerUser:
		if u, ok := idx.users[p.UserID]; ok {
			return u.Username
		}
	}
	return ""
}

// forwardOf names where a message was forwarded from: the original post's
// id when its channel is public, else the name Telegram shows.
func forwardOf(f tg.MessageFwdHeader, idx peers) string {
	if from, ok := f.GetFromID(); ok {
		name := peerName(from, idx)
		if name != "" && f.ChannelPost > 0 {
			return ingest.MakeID(Name, name+"/"+strconv.Itoa(f.ChannelPost))
		}
		if name != "" {
			return name
		}
		if p, ok := from.(*tg.PeerChannel); ok {
			if ch, ok := idx.channels[p.ChannelID]; ok && ch.Title != "" {
				return ch.Title
			}
		}
		if p, ok := from.(*tg.PeerUser); ok {
			if u, ok := idx.users[p.UserID]; ok {
				return strings.TrimSpace(u.FirstName + " " + u.LastName)
			}
		}
	}
	return f.FromName
}

// addMedia records what the message carries besides its text. Telegram's
// own files have no public URL (they are downloaded through the account
// with upload.getFile), so they appear only as captions: the text of a
// photo or file, file names, poll questions, link-preview titles.
func addMedia(post *ingest.Post, media tg.MessageMediaClass) {
	captioned := false
	switch m := media.(type) {
	case *tg.MessageMediaPhoto:
		captioned = true
	case *tg.MessageMediaDocument:
		captioned = true
		if d, ok := m.GetDocument(); ok {
			if doc, ok := d.(*tg.Document); ok {
				for _, a := range doc.Attributes {
					if f, ok := a.(*tg.DocumentAttributeFilename); ok && f.FileName != "" {
						post.MediaCaptions = append(post.MediaCaptions, f.FileName)
					}
				}
			}
		}
	case *tg.MessageMediaPoll:
		if m.Poll.Question != "" {
			post.MediaCaptions = append(post.MediaCaptions, m.Poll.Question)
		}
	case *tg.MessageMediaWebPage:
		if wp, ok := m.Webpage.(*tg.WebPage); ok {
			for _, t := range []string{wp.Title, wp.Description} {
				if t = strings.TrimSpace(t); t != "" {
					post.MediaCaptions = append(post.MediaCaptions, t)
				}
			}
		}
	}
	if captioned && post.Text != "" {
		post.MediaCaptions = append([]string{post.Text}, post.MediaCaptions...)
	}
}

// DecodeCapture decodes a Post.Capture made by this connector.
func DecodeCapture(b []byte) (*tg.Message, error) {
	var m tg.Message
	if err := m.Decode(&bin.Buffer{Buf: b}); err != nil {
		return nil, fmt.Errorf("decoding telegram message capture: %w", err)
	}
	return &m, nil
}
