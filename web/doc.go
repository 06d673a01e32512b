// Package web serves Edgedesk's browser code, built from web/src by Vite
// into web/dist and embedded in the edge binary: the customer chat widget
// (/widget.js), the agent console (/console/), and the demo shop page
// (/demo) that embeds the widget.
package web
