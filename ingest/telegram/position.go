package telegram

import (
	"errors"
	"strconv"
	"strings"
)

// maxSpans bounds the older stretches of history a cursor remembers.
const maxSpans = 16

// span is a stretch of history still to read: the messages with
// after < id < before, read newest first by paging back from before.
type span struct {
	before, after int64
}

// position is what the cursor holds: the highest message id handed
// downstream and, once backfill has started, the older stretches not yet
// read, newest first. As a string: "NEWEST" without backfill (the form
// saved before backfill existed), "NEWEST;backfill;BEFORE-AFTER;…" with it,
// and "NEWEST;backfill" once the whole history has been read.
type position struct {
	newest   int64
	backfill bool
	pending  []span
}

// backfillMark follows the newest id in a cursor once backfill has started.
const backfillMark = "backfill"

// parsePosition reads a cursor; the empty cursor is the start.
func parsePosition(c string) (position, error) {
	if c == "" {
		return position{}, nil
	}
	parts := strings.Split(c, ";")
	n, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || n < 0 {
		return position{}, errors.New("want a message id")
	}
	p := position{newest: n}
	if len(parts) > 1 && parts[1] == backfillMark {
		p.backfill, parts = true, parts[1:]
	}
	if len(parts) > 1 && !p.backfill {
		return position{}, errors.New("backfill spans without the backfill mark")
	}
	for _, s := range parts[1:] {
		b, a, ok := strings.Cut(s, "-")
		before, err1 := strconv.ParseInt(b, 10, 64)
		after, err2 := strconv.ParseInt(a, 10, 64)
		if !ok || err1 != nil || err2 != nil || after < 0 || before <= after+1 || before > n+1 {
			return position{}, errors.New("want NEWEST;BEFORE-AFTER spans")
		}
		if k := len(p.pending); k > 0 && before-1 > p.pending[k-1].after {
			return position{}, errors.New("backfill spans overlap or are out of order")
		}
		p.pending = append(p.pending, span{before: before, after: after})
	}
	if len(p.pending) > maxSpans {
		return position{}, errors.New("too many backfill spans")
	}
	return p, nil
}

// String formats the position as a cursor; the start is "".
func (p position) String() string {
	if p.newest == 0 && !p.backfill {
		return ""
	}
	var b strings.Builder
	b.WriteString(strconv.FormatInt(p.newest, 10))
	if p.backfill {
		b.WriteString(";" + backfillMark)
	}
	for _, s := range p.pending {
		b.WriteByte(';')
		b.WriteString(strconv.FormatInt(s.before, 10))
		b.WriteByte('-')
		b.WriteString(strconv.FormatInt(s.after, 10))
	}
	return b.String()
}

// addSpan records an unread stretch below the ones already pending or
// between them, keeping the list newest first; it reports false when the
// list is full.
func (p *position) addSpan(s span) bool {
	if s.before <= s.after+1 {
		return true
	}
	if len(p.pending) >= maxSpans {
		return false
	}
	i := 0
	for i < len(p.pending) && p.pending[i].before > s.before {
		i++
	}
	p.pending = append(p.pending, span{})
	copy(p.pending[i+1:], p.pending[i:])
	p.pending[i] = s
	return true
}
