// Package plugins holds the plugins shipped with Edgedesk. Each one is an
// ordinary Go program built to a .wasm module against the wasm/abi contract:
// routing plugins decide which agent or queue gets a conversation, and NLP
// plugins detect language, intent, sentiment and personal data and suggest
// replies.
package plugins
