// Package web serves Edgedesk's browser code: the customer chat widget
// (/widget.js), built from web/src by Vite into web/dist and embedded in
// the edge binary, and the demo shop page (/demo) that embeds it.
package web
