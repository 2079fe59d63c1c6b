package rss_test

import (
	"fmt"

	"github.com/rasd-iq/rasd/ingest/rss"
)

func ExampleParse() {
	feed, err := rss.Parse([]byte(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>أخبار</title><language>ar-iq</language>
<item><guid>n-1</guid><title>انقطاع الكهرباء</title>
<description><![CDATA[<p>في <b>بغداد</b> منذ الصباح</p>]]></description></item>
</channel></rss>`), "application/rss+xml")
	if err != nil {
		fmt.Println(err)
		return
	}
	it := feed.Items[0]
	fmt.Println(feed.Lang, it.GUID, it.Title)
	fmt.Println(it.Summary)
	// Output:
	// ar-iq n-1 انقطاع الكهرباء
	// في بغداد منذ الصباح
}
