package policy

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

var referralTmpl = template.Must(template.New("referral").Funcs(template.FuncMap{
	"ts":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"join": func(l []string) string { return strings.Join(l, ", ") },
	"tsp": func(t *time.Time) string {
		if t == nil {
			return "unknown"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"parts": func(r Rabat6) []namedPart {
		ps := []Part{r.Context, r.Speaker, r.Intent, r.ContentAndForm, r.Extent, r.Likelihood}
		titles := []string{"Context", "Speaker (status, reach)", "Intent", "Content and form", "Extent (audience, followers, sightings)", "Likelihood and imminence of harm"}
		out := make([]namedPart, len(ps))
		for i := range ps {
			out[i] = namedPart{Title: titles[i], Part: ps[i]}
		}
		return out
	},
}).Parse(`<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<title>Referral {{.ReferralID}}</title>
<style>
body{font-family:"Noto Naskh Arabic","Amiri",serif;margin:2em;line-height:1.6;color:#111}
h1,h2{font-family:sans-serif}
table{border-collapse:collapse;width:100%;margin-bottom:1.5em}
th,td{border:1px solid #999;padding:.35em .6em;vertical-align:top;text-align:start}
th{width:28%;background:#f2f2f2;font-family:sans-serif;font-weight:600}
th[lang=en]{direction:ltr;unicode-bidi:isolate}
.urgent{color:#fff;background:#b00020;padding:.2em .6em;font-family:sans-serif}
.content{white-space:pre-wrap;border:1px solid #999;padding:1em;font-size:1.1em}
code,.ltr{direction:ltr;unicode-bidi:isolate;font-family:monospace}
@media print{body{margin:1cm}a{color:#000;text-decoration:none}}
</style>
</head>
<body>
<h1 lang="en" dir="ltr">Referral {{.ReferralID}}{{if .Urgent}} <span class="urgent">URGENT: threat to life</span>{{end}}</h1>

<h2 lang="en" dir="ltr">Notice</h2>
<table>
<tr><th lang="en">URL</th><td><a class="ltr" href="{{.Notice.URL}}">{{.Notice.URL}}</a></td></tr>
<tr><th lang="en">Explanation</th><td dir="auto">{{.Notice.Explanation}}</td></tr>
<tr><th lang="en">Notifier</th><td dir="auto">{{.Notice.Notifier.Name}} &lt;<span class="ltr">{{.Notice.Notifier.Email}}</span>&gt;</td></tr>
<tr><th lang="en">Good-faith statement</th><td dir="auto">{{.Notice.GoodFaithStatement}}</td></tr>
{{with .Notice.Reference}}<tr><th lang="en">Reference (the author may quote it to contest this referral with the notifier)</th><td class="ltr" id="reference">{{.}}</td></tr>{{end}}
</table>

<h2 lang="en" dir="ltr">Content</h2>
<div class="content" dir="auto">{{.Content.Text}}</div>
<table>
<tr><th lang="en">Platform</th><td class="ltr">{{.Content.Platform}}</td></tr>
{{- if .Content.AuthorHandle}}
<tr><th lang="en">Author</th><td dir="auto">{{.Content.AuthorHandle}}</td></tr>
{{- end}}
<tr><th lang="en">Posted</th><td class="ltr">{{tsp .Content.PostedAt}}</td></tr>
<tr><th lang="en">Captured</th><td class="ltr">{{ts .Content.CapturedAt}}</td></tr>
<tr><th lang="en">Content SHA-256</th><td><code>{{.Content.SHA256}}</code></td></tr>
{{- if .Content.RawSHA256}}
<tr><th lang="en">Page SHA-256</th><td><code>{{.Content.RawSHA256}}</code></td></tr>
{{- end}}
<tr><th lang="en">Language</th><td class="ltr">{{.Content.Language}}</td></tr>
</table>
{{- if or .Content.Capture .Content.Media}}

<h2 lang="en" dir="ltr">Evidence</h2>
<table>
{{- with .Content.Capture}}
<tr><th lang="en">Raw capture</th><td class="ltr">{{.File}} ({{.Type}}, {{.Size}} bytes)<br>SHA-256 <code>{{.SHA256}}</code><br>MD5 <code>{{.MD5}}</code></td></tr>
{{- end}}
{{- range .Content.Media}}
<tr><th lang="en">Media: {{.Kind}}</th><td class="ltr"><a href="{{.URL}}">{{.URL}}</a>
{{- if .SHA256}}<br>SHA-256 <code>{{.SHA256}}</code>{{end}}
{{- if .Included}}<br>MD5 <code>{{.MD5}}</code><br>included: {{.File}} ({{.Size}} bytes){{else}}<br>not included{{end}}</td></tr>
{{- end}}
</table>
{{- end}}

<h2 lang="en" dir="ltr">Statement of reasons (proposed)</h2>
<table>
{{- with .StatementOfReasons}}
<tr><th lang="en">Requested action</th><td class="ltr">{{join .DecisionVisibility}}</td></tr>
<tr><th lang="en">Territorial scope</th><td class="ltr">{{if .TerritorialScope}}{{join .TerritorialScope}}{{else}}as the platform's rules apply{{end}}</td></tr>
<tr><th lang="en">Ground</th><td class="ltr">{{.DecisionGround}}</td></tr>
{{- if .IllegalContentLegalGround}}
<tr><th lang="en">Legal ground</th><td dir="auto">{{.IllegalContentLegalGround}}</td></tr>
{{- end}}
{{- if .IncompatibleContentGround}}
<tr><th lang="en">Platform rules</th><td dir="auto">{{.IncompatibleContentGround}}</td></tr>
{{- end}}
{{- end}}
{{- with $.Cited}}
<tr><th lang="en">Grounds cited{{if $.Arabic}} (Arabic){{end}}</th><td id="bases"{{if $.Arabic}} lang="ar" dir="rtl"{{end}}><ul>{{range .}}<li{{if .English}} lang="en" dir="ltr"{{end}}>{{.Text}}</li>{{end}}</ul></td></tr>
{{- end}}
{{- with .StatementOfReasons}}
<tr><th lang="en">Category</th><td class="ltr">{{.Category}}{{range .CategoryAddition}}, {{.}}{{end}}</td></tr>
{{- if .CategorySpecification}}
<tr><th lang="en">Specification</th><td class="ltr">{{join .CategorySpecification}}</td></tr>
{{- end}}
<tr><th lang="en">Content type</th><td class="ltr">{{join .ContentType}}</td></tr>
<tr><th lang="en">Facts</th><td dir="auto">{{.DecisionFacts}}</td></tr>
<tr><th lang="en">Content date</th><td class="ltr">{{.ContentDate}}</td></tr>
<tr><th lang="en">Source</th><td class="ltr">{{.SourceType}}</td></tr>
<tr><th lang="en">Automated detection</th><td class="ltr">{{.AutomatedDetection}}</td></tr>
<tr><th lang="en">Automated decision</th><td class="ltr">no: decided by human reviewers</td></tr>
{{- end}}
<tr><th lang="en">Labels</th><td class="ltr">{{range $i, $l := .Labels}}{{if $i}}, {{end}}{{$l}}{{end}}</td></tr>
<tr><th lang="en">Policy rule</th><td class="ltr">{{.RuleID}}</td></tr>
</table>

<h2 lang="en" dir="ltr">Rabat six-part assessment</h2>
<table>
{{- range parts .Assessment}}
<tr><th lang="en">{{.Title}} ({{.Part.Level}})</th><td dir="auto">{{.Part.Reason}}</td></tr>
{{- end}}
</table>

<h2 lang="en" dir="ltr">Reviewers and versions</h2>
<table>
{{- range .Reviewers}}
<tr><th lang="en">{{.Action}}</th><td class="ltr">{{.RoleID}}, {{ts .At}}</td></tr>
{{- end}}
<tr><th lang="en">Policy version</th><td class="ltr">{{.Versions.Policy}}</td></tr>
<tr><th lang="en">Model version</th><td class="ltr">{{.Versions.Model}}</td></tr>
{{- if .Versions.Normalizer}}
<tr><th lang="en">Normaliser version</th><td class="ltr">{{.Versions.Normalizer}}</td></tr>
{{- end}}
<tr><th lang="en">Package created</th><td class="ltr">{{ts .CreatedAt}}</td></tr>
</table>
</body>
</html>
`))

// namedPart is one Rabat part with its English title, for the template.
type namedPart struct {
	Title string // Title is the part's English name.
	Part  Part   // Part is the reviewer's level and reason.
}

// referralPage is what the referral page's template reads: the package
// and the language its grounds are cited in.
type referralPage struct {
	ReferralPackage
	// Arabic is true when the grounds are cited in Arabic.
	Arabic bool
}

// citedBasis is one ground as the page cites it.
type citedBasis struct {
	Text string
	// English is true for a ground without Arabic on an Arabic page.
	English bool
}

// Cited lists the package's grounds in the page's language, each with its
// jurisdiction.
func (p referralPage) Cited() []citedBasis {
	lang := "en"
	if p.Arabic {
		lang = LangArabic
	}
	var out []citedBasis
	for _, b := range p.Bases {
		c, ok := b.In(lang)
		t := b.Citation(lang)
		if c.Jurisdiction != "" {
			t += " (" + c.Jurisdiction + ")"
		}
		out = append(out, citedBasis{Text: t, English: !ok})
	}
	return out
}

// WriteReferralHTML writes a printable right-to-left page of the package,
// with English field names, the content in its own direction and the
// grounds cited in English.
func WriteReferralHTML(w io.Writer, pkg ReferralPackage) error {
	return WriteReferralHTMLIn(w, pkg, "en")
}

// WriteReferralHTMLIn is WriteReferralHTML with the grounds cited in lang
// ("ar" for Arabic, with the policy's Arabic legal titles and provisions;
// any other for English).
func WriteReferralHTMLIn(w io.Writer, pkg ReferralPackage, lang string) error {
	if err := referralTmpl.Execute(w, referralPage{pkg, lang == LangArabic}); err != nil {
		return fmt.Errorf("rendering referral %s: %w", pkg.ReferralID, err)
	}
	return nil
}
