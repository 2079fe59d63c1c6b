// Package all registers every connector type: import it for its side effects.
package all

import (
	_ "github.com/rasd-iq/rasd/ingest/file" // file: JSONL and CSV imports
	_ "github.com/rasd-iq/rasd/ingest/tips" // tips: reports from trusted flaggers

	_ "github.com/rasd-iq/rasd/ingest/discord"  // discord: channel messages through a bot
	_ "github.com/rasd-iq/rasd/ingest/mtproto"  // telegram-mtproto: public groups and channels through an operator's session
	_ "github.com/rasd-iq/rasd/ingest/rss"      // rss: RSS 2.0 and Atom feeds
	_ "github.com/rasd-iq/rasd/ingest/telegram" // telegram: public channel preview pages
	_ "github.com/rasd-iq/rasd/ingest/web"      // web: comment sections and forums (colly)
	_ "github.com/rasd-iq/rasd/ingest/x"        // x: v2 timelines, mentions and recent search (v1.1 behind api: v1)
	_ "github.com/rasd-iq/rasd/ingest/youtube"  // youtube: videos by channel uploads and search, and comment threads (Data API v3)
)
