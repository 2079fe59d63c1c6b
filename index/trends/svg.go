package trends

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// DailySVG renders the flagged posts per day as an inline SVG bar chart.
// Labels are in Arabic; the chart reads right to left like the page around it.
func DailySVG(r Report) string {
	const w, h, pad = 640, 180, 24
	maxN := 1
	for _, n := range r.PerDay {
		maxN = max(maxN, n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" direction="ltr" role="img" aria-label="المنشورات المعلَّمة يومياً" class="chart">`, w, h)
	fmt.Fprintf(&b, `<title>المنشورات المعلَّمة يومياً (آخر %d يوماً)</title>`, len(r.PerDay))
	n := len(r.PerDay)
	if n == 0 {
		b.WriteString(`</svg>`)
		return b.String()
	}
	bw := float64(w-2*pad) / float64(n)
	for i, c := range r.PerDay {
		// Newest day on the left edge's opposite: right-to-left time axis.
		x := float64(w-pad) - float64(i+1)*bw
		bh := float64(h-2*pad) * float64(c) / float64(maxN)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#b23a48"><title>%s: %d</title></rect>`,
			x+1, float64(h-pad)-bh, math.Max(bw-2, 1), bh, html.EscapeString(r.Days[i]), c)
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555"/>`, pad, h-pad, w-pad, h-pad)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end">%s</text>`, w-pad, h-6, html.EscapeString(r.Days[0]))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="start">%s</text>`, pad, h-6, html.EscapeString(r.Days[n-1]))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="start">%d</text>`, pad, pad-6, maxN)
	b.WriteString(`</svg>`)
	return b.String()
}

// TensionSVG renders the tension index per governorate as horizontal bars;
// names are the caller's display names by governorate id.
func TensionSVG(r Report, names map[string]string) string {
	const w, rowH, pad, labelW = 640, 22, 8, 150
	h := pad*2 + rowH*max(len(r.Tension), 1)
	maxI := 2.0
	for _, t := range r.Tension {
		maxI = math.Max(maxI, t.Index)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" direction="ltr" role="img" aria-label="مؤشر التوتر حسب المحافظة" class="chart">`, w, h)
	b.WriteString(`<title>مؤشر التوتر حسب المحافظة</title>`)
	for i, t := range r.Tension {
		y := pad + i*rowH
		name := names[t.Governorate]
		if name == "" {
			name = t.Governorate
		}
		bw := float64(w-labelW-2*pad) * t.Index / maxI
		color := "#4a7c59"
		if t.Index >= 2 {
			color = "#b23a48"
		} else if t.Index >= 1.3 {
			color = "#d08c2b"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="end">%s</text>`, w-pad, y+15, html.EscapeString(name))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %.2f (%d منشوراً)</title></rect>`,
			float64(w-labelW)-bw, y+3, bw, rowH-6, color, html.EscapeString(name), t.Index, t.Recent)
	}
	b.WriteString(`</svg>`)
	return b.String()
}
