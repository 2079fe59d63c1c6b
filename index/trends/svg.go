package trends

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// Words are the texts and the direction the charts are drawn in; the
// caller takes them from its catalogue, so the charts speak the page's
// language.
type Words struct {
	// RTL draws time right to left (newest on the left), as Arabic reads.
	RTL bool
	// PerDay, PerLabel, Tension and Map title the charts.
	PerDay, PerLabel, Tension, Map string
	// Posts follows a count in tooltips ("posts").
	Posts string
	// Names maps governorate ids to display names; Labels label ids.
	Names, Labels map[string]string
	// Link, when set, is where a governorate on the map leads (its id given).
	Link func(governorate string) string
	// Num writes the digits of a day, count or index in the page's digits
	// (nil: as they are).
	Num func(string) string
}

// num writes s in the page's digits.
func (w Words) num(s string) string {
	if w.Num == nil {
		return s
	}
	return w.Num(s)
}

func (w Words) name(id string) string {
	if n := w.Names[id]; n != "" {
		return n
	}
	return id
}

func (w Words) label(id string) string {
	if n := w.Labels[id]; n != "" {
		return n
	}
	return id
}

// svgOpen starts a chart; direction is always ltr inside the SVG, and the
// coordinates place time in the reader's direction.
func svgOpen(b *strings.Builder, w, h int, title string) {
	t := html.EscapeString(title)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" direction="ltr" role="img" aria-label="%s" class="chart"><title>%s</title>`, w, h, t, t)
}

// dayX places day i of n between the pads, in the reader's direction.
func dayX(i, n int, w, pad float64, rtl bool) float64 {
	step := (w - 2*pad) / float64(max(n, 1))
	if rtl {
		return w - pad - (float64(i)+0.5)*step
	}
	return pad + (float64(i)+0.5)*step
}

// axis draws the baseline and the first and last day under it.
func axis(b *strings.Builder, r Report, w, h, pad int, wd Words, top int) {
	rtl := wd.RTL
	n := len(r.Days)
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555"/>`, pad, h-pad, w-pad, h-pad)
	if n == 0 {
		return
	}
	first, last := "start", "end"
	fx, lx := pad, w-pad
	if rtl {
		first, last, fx, lx = "end", "start", w-pad, pad
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11" text-anchor="%s">%s</text>`, fx, h-6, first, html.EscapeString(wd.num(r.Days[0])))
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11" text-anchor="%s">%s</text>`, lx, h-6, last, html.EscapeString(wd.num(r.Days[n-1])))
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="11" text-anchor="start">%s</text>`, 2, pad-6, wd.num(fmt.Sprint(top)))
}

// DailySVG renders the flagged posts per day as an inline SVG bar chart.
func DailySVG(r Report, wd Words) string {
	const w, h, pad = 640, 180, 24
	maxN := 1
	for _, n := range r.PerDay {
		maxN = max(maxN, n)
	}
	var b strings.Builder
	svgOpen(&b, w, h, wd.PerDay)
	n := len(r.PerDay)
	bw := float64(w-2*pad) / float64(max(n, 1))
	for i, c := range r.PerDay {
		x := dayX(i, n, w, pad, wd.RTL) - bw/2
		bh := float64(h-2*pad) * float64(c) / float64(maxN)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#b23a48"><title>%s: %s %s</title></rect>`,
			x+1, float64(h-pad)-bh, math.Max(bw-2, 1), bh, html.EscapeString(wd.num(r.Days[i])), wd.num(fmt.Sprint(c)), html.EscapeString(wd.Posts))
	}
	axis(&b, r, w, h, pad, wd, maxN)
	b.WriteString(`</svg>`)
	return b.String()
}

// labelColors are the trend lines' colours, by label order.
var labelColors = []string{"#b23a48", "#1f6f8b", "#d08c2b", "#4a7c59", "#6b4c9a", "#8a5a44", "#3b3b3b"}

// LabelsSVG renders one line per label of its flagged posts per day, with
// a legend.
func LabelsSVG(r Report, wd Words) string {
	const w, pad, legendH = 640, 24, 22
	labels := make([]string, 0, len(r.PerLabel))
	for l := range r.PerLabel {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	h := 200 + legendH*((len(labels)+3)/4)
	chartH := 200
	maxN := 1
	for _, counts := range r.PerLabel {
		maxN = max(maxN, slices.Max(append([]int{0}, counts...)))
	}
	var b strings.Builder
	svgOpen(&b, w, h, wd.PerLabel)
	n := len(r.Days)
	for li, l := range labels {
		color := labelColors[li%len(labelColors)]
		var pts []string
		for i, c := range r.PerLabel[l] {
			y := float64(chartH-pad) - float64(chartH-2*pad)*float64(c)/float64(maxN)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", dayX(i, n, w, pad, wd.RTL), y))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"><title>%s</title></polyline>`,
			strings.Join(pts, " "), color, html.EscapeString(wd.label(l)))
		// The legend, four to a row, in the reader's direction.
		col, row := li%4, li/4
		x := pad + col*(w-2*pad)/4
		anchor := "start"
		if wd.RTL {
			x, anchor = w-pad-col*(w-2*pad)/4, "end"
		}
		y := chartH + 8 + row*legendH
		sw := x
		if wd.RTL {
			sw = x - 12
		}
		tx := x + 16
		if wd.RTL {
			tx = x - 16
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" font-size="12" text-anchor="%s">%s</text>`,
			sw, y, color, tx, y+11, anchor, html.EscapeString(wd.label(l)))
	}
	// The axis sits on the chart, above the legend.
	axis(&b, r, w, chartH, pad, wd, maxN)
	b.WriteString(`</svg>`)
	return b.String()
}

// tensionColor grades a tension index: usual, raised, marked rise.
func tensionColor(index float64) string {
	switch {
	case index >= 2:
		return "#b23a48"
	case index >= 1.3:
		return "#d08c2b"
	default:
		return "#4a7c59"
	}
}

// TensionSVG renders the tension index per governorate as horizontal bars
// growing from the reader's side.
func TensionSVG(r Report, wd Words) string {
	const w, rowH, pad, labelW = 640, 22, 8, 150
	h := pad*2 + rowH*max(len(r.Tension), 1)
	maxI := 2.0
	for _, t := range r.Tension {
		maxI = math.Max(maxI, t.Index)
	}
	var b strings.Builder
	svgOpen(&b, w, h, wd.Tension)
	for i, t := range r.Tension {
		y := pad + i*rowH
		name := html.EscapeString(wd.name(t.Governorate))
		bw := float64(w-labelW-2*pad) * t.Index / maxI
		nameX, anchor, barX := w-pad, "end", float64(w-labelW)-bw
		if !wd.RTL {
			nameX, anchor, barX = pad, "start", float64(labelW)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="%s">%s</text>`, nameX, y+15, anchor, name)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %s (%s %s)</title></rect>`,
			barX, y+3, bw, rowH-6, tensionColor(t.Index), name, wd.num(fmt.Sprintf("%.2f", t.Index)), wd.num(fmt.Sprint(t.Recent)), html.EscapeString(wd.Posts))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// Centroids are the governorates' approximate centres, [longitude,
// latitude], for the map.
var Centroids = map[string][2]float64{
	"baghdad": {44.4, 33.35}, "basra": {47.4, 30.6}, "nineveh": {42.6, 35.95}, "anbar": {41.6, 33.2},
	"babil": {44.6, 32.55}, "karbala": {43.6, 32.6}, "najaf": {43.6, 31.0}, "wasit": {45.8, 32.65},
	"maysan": {46.9, 31.85}, "dhi_qar": {46.3, 31.05}, "muthanna": {45.2, 30.3}, "qadisiyyah": {45.05, 31.85},
	"diyala": {45.15, 33.95}, "salah_al_din": {43.7, 34.6}, "kirkuk": {44.1, 35.4}, "erbil": {44.25, 36.35},
	"duhok": {43.3, 36.95}, "sulaymaniyah": {45.45, 35.55},
}

// iraqOutline is Iraq's border, coarsely, [longitude, latitude].
var iraqOutline = [][2]float64{
	{42.36, 37.11}, {43.2, 37.35}, {44.25, 37.2}, {44.79, 37.15}, {45.0, 36.75}, {45.3, 36.45}, {45.9, 35.85},
	{46.1, 35.3}, {45.75, 34.85}, {45.45, 34.45}, {45.55, 33.9}, {46.05, 33.45}, {46.15, 33.05}, {46.75, 32.75},
	{47.45, 32.35}, {47.7, 31.95}, {47.7, 31.4}, {47.85, 31.0}, {48.05, 30.45}, {48.55, 29.95}, {47.95, 29.95},
	{47.7, 30.1}, {47.15, 30.0}, {46.55, 29.1}, {44.7, 29.2}, {42.1, 31.1}, {40.4, 31.95}, {39.2, 32.15},
	{38.79, 33.37}, {40.2, 34.0}, {41.0, 34.4}, {41.2, 35.6}, {41.38, 36.5}, {42.36, 37.11},
}

// MapSVG renders Iraq's governorates as circles on a coarse outline of the
// country, drawn here without tiles: a circle's area follows the flagged
// posts in the window and its colour the tension index. Each circle links
// to wd.Link(governorate) when set.
func MapSVG(r Report, wd Words) string {
	const w, h, pad = 480, 430, 12
	const west, east, south, north = 38.7, 48.7, 29.0, 37.45
	// Equirectangular around 33°N, where a degree of longitude is 0.84 of
	// one of latitude; centred in the frame.
	const shrink = 0.84
	k := math.Min(float64(w-2*pad)/((east-west)*shrink), float64(h-2*pad)/(north-south))
	x0 := (float64(w) - (east-west)*shrink*k) / 2
	xy := func(p [2]float64) (float64, float64) {
		return x0 + (p[0]-west)*shrink*k, pad + (north-p[1])*k
	}
	var b strings.Builder
	svgOpen(&b, w, h, wd.Map)
	var pts []string
	for _, p := range iraqOutline {
		x, y := xy(p)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	fmt.Fprintf(&b, `<polygon points="%s" fill="#f3efe6" stroke="#8a8170" stroke-width="1.5"/>`, strings.Join(pts, " "))
	index := map[string]Tension{}
	for _, t := range r.Tension {
		index[t.Governorate] = t
	}
	maxN := 1
	for _, n := range r.PerGovernorate {
		maxN = max(maxN, n)
	}
	ids := make([]string, 0, len(Centroids))
	for id := range Centroids {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		x, y := xy(Centroids[id])
		n := r.PerGovernorate[id]
		radius := 5 + 20*math.Sqrt(float64(n)/float64(maxN))
		color := "#c9c3b6"
		t, ok := index[id]
		if ok {
			color = tensionColor(t.Index)
		}
		name := html.EscapeString(wd.name(id))
		tip := fmt.Sprintf("%s: %s %s", name, wd.num(fmt.Sprint(n)), html.EscapeString(wd.Posts))
		if ok {
			tip += " · " + wd.num(fmt.Sprintf("%.2f", t.Index))
		}
		if wd.Link != nil {
			fmt.Fprintf(&b, `<a href="%s">`, html.EscapeString(wd.Link(id)))
		}
		fmt.Fprintf(&b, `<g class="gov" data-governorate="%s"><circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s" fill-opacity="0.8" stroke="#fff"/><title>%s</title>`,
			id, x, y, radius, color, tip)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%s</text></g>`, x, y+radius+10, name)
		if wd.Link != nil {
			b.WriteString(`</a>`)
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}
