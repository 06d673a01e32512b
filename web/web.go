package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

// dist holds what `make web` (npm run build) wrote; in a fresh clone only
// .gitkeep, and the handlers say how to build the rest.
//
//go:embed all:dist
var dist embed.FS

// built serves h, or when err says a part of dist is missing, says how to
// build it.
func built(what string, err error, h http.HandlerFunc) http.Handler {
	if err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "the "+what+" is not built into this edge: run `make web` (or `make build`) and rebuild", http.StatusServiceUnavailable)
		})
	}
	return h
}

// Widget serves /widget.js.
func Widget() http.Handler {
	js, err := dist.ReadFile("dist/widget.js")
	return built("widget", err, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(js)
	})
}

// Console serves the agent console under /console/: its files, and its page
// for every other path under it.
func Console() http.Handler {
	files, err := fs.Sub(dist, "dist/console")
	var index []byte
	if err == nil {
		index, err = fs.ReadFile(files, "index.html")
	}
	static := http.StripPrefix("/console/", http.FileServerFS(files))
	return built("console", err, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		if strings.HasPrefix(r.URL.Path, "/console/assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable") // names carry a content hash
			static.ServeHTTP(w, r)
			return
		}
		if name := strings.TrimPrefix(r.URL.Path, "/console/"); name == "favicon.svg" {
			w.Header().Set("Cache-Control", "public, max-age=86400")
			static.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(index)
	})
}

// Favicon serves the console's icon (an SVG) at /favicon.ico, which
// browsers ask for on every page that names no icon of its own.
func Favicon() http.Handler {
	svg, err := dist.ReadFile("dist/console/favicon.svg")
	return built("console", err, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(svg)
	})
}

var demoPage = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<title>Demo shop · Edgedesk</title>
<style>
  :root { color-scheme: light dark; }
  *, *::before, *::after { box-sizing: border-box; }
  body { font-family: Georgia, serif; max-width: 720px; margin: 40px auto; padding: 0 16px 104px; color: #222; background: #fff; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f4f4f4; padding: 8px 10px; border-radius: 6px; }
  .product { border: 1px solid #ddd; border-radius: 8px; padding: 16px; margin: 16px 0; }
  @media (prefers-color-scheme: dark) {
    body { color: #ddd; background: #121212; }
    pre { background: #1e1e1e; }
    .product { border-color: #333; }
  }
</style>
</head>
<body>
<h1>Demo shop</h1>
<p>A page of a website that embeds the Edgedesk chat widget with one script tag:</p>
<pre>&lt;script src="/widget.js" data-inbox="{{.Inbox}}"&gt;&lt;/script&gt;</pre>
<div class="product"><h2>Teapot</h2><p>Holds 1 litre. Ships in 2 days.</p></div>
<div class="product"><h2>Cup</h2><p>Porcelain, 250 ml.</p></div>
<script src="/widget.js" data-inbox="{{.Inbox}}"{{with .Theme}} data-theme="{{.}}"{{end}}></script>
</body>
</html>
`))

// Demo serves the demo shop page, whose widget talks to inbox; ?theme=light
// or ?theme=dark forces the widget's theme (docs/ui.md).
func Demo(inbox string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		theme := r.URL.Query().Get("theme")
		if theme != "light" && theme != "dark" {
			theme = ""
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = demoPage.Execute(w, struct{ Inbox, Theme string }{inbox, theme})
	})
}
