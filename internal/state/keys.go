package state

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Key layout. Ids are validated by event.ValidID (no '/'), so '/' separates
// the parts. Sequences are 16 hex digits so that keys sort by sequence.
//
//	m/applied                        last applied log sequence
//	m/layout                         Layout the store was written with
//	t/<tenant>                       Tenant
//	i/<tenant>/<inbox>               Inbox
//	ix/<inbox>                       tenant of an inbox (inbox ids are global)
//	a/<tenant>/<agent>               Agent
//	ae/<email>                       AgentRef, login lookup
//	al/<tenant>/<agent>              open conversations assigned (load)
//	c/<tenant>/<contact>             Contact
//	v/<tenant>/<conv>                Conversation
//	cc/<tenant>/<contact>/<conv>     conversations of a contact
//	tl/<tenant>/<conv>/<seq>         timeline Item
//	cid/<tenant>/<conv>/<clientid>   sequence of a client's message
//	f/<tenant>/<seq>                 tenant feed: conversation of each item
//	r/<tenant>/<conv>/<reader>       read marker
//	at/<tenant>/<att>                Attachment
//	atc/<tenant>/<att>/<conv>        conversations that reference an attachment
//	cr/<tenant>/<id>                 CannedRec
//	pc/<tenant>/<plugin>             PluginConfigRec
//	k/<tenant>/<key>                 APIKeyRec
//	kx/<key>                         tenant of an API key (key ids are global)
//	mid/<tenant>/<sha256(msgid)>     conversation of an e-mail's Message-ID
//	ob/<tenant>/<seq>                OutboxRec: an agent's reply still to go out as e-mail
//	ce/<tenant>/<email>              the contact last given an e-mail address
//	dw/<ms>/<tenant>/<conv>          an on-hold conversation's snooze ends at ms (16 hex digits)
//	ds/<ms>/<tenant>/<conv>          a solved conversation, solved at ms
//	dq/<ms>/<tenant>/<conv>/<measure> a service level clock's next stage (the value) comes at ms
//	xk/<channel>                     ChannelConfRec: a channel the hub configured (channel ids are global)
const (
	keyApplied = "m/applied"
	keyLayout  = "m/layout"
)

// Layout is the version of the key layout and of what the records mean.
// It changes whenever the projector would write a different store from the
// same log; an edge finding a store of another layout rebuilds it from the
// log. 1: before layouts were recorded; 2: no contact feed (cf/ keys);
// 3: an opening past the agent's chat limit opens unassigned; 4: canned
// responses (an older edge skipped canned.upserted events); 5: conversation
// records carry their contact's name; 6: plugins' configurations (an older
// edge skipped plugin.configured events); 7: contact records carry the
// language and attributes their website gives; 8: REST API keys (an older
// edge skipped apikey.* events); 9: contacts moved to keyed ids and
// unreferenced uploads expired (an older edge skipped contact.rekeyed and
// attachment.expired events); 10: e-mail (an older edge skipped the
// Message-IDs and subjects of messages, and email.delivery events); 11:
// the six statuses of a ticket's lifecycle (internal/ticket: a
// conversation opens new, resolved is solved, snoozed is on_hold); 12:
// the service level clocks and the tags of conversations (an older edge
// kept no SLA policy and skipped conversation.sla and
// conversation.tags_changed events); 13: automation rules and macros (an
// older edge skipped automation.* events and kept no time of the last
// status change, customer message or agent answer); 14: messaging
// platforms' channels (an older edge skipped channel.* events and the
// platform of messages).
const Layout uint64 = 14

// mailIDHash keys a Message-ID (any bytes, up to 998) by its SHA-256.
func mailIDHash(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}

func seqHex(seq uint64) string { return fmt.Sprintf("%016x", seq) }

func parseSeqHex(s string) (uint64, error) { return strconv.ParseUint(s, 16, 64) }

func kTenant(t string) []byte               { return []byte("t/" + t) }
func kInbox(t, i string) []byte             { return []byte("i/" + t + "/" + i) }
func kInboxPrefix(t string) []byte          { return []byte("i/" + t + "/") }
func kInboxIndex(i string) []byte           { return []byte("ix/" + i) }
func kAgent(t, a string) []byte             { return []byte("a/" + t + "/" + a) }
func kAgentPrefix(t string) []byte          { return []byte("a/" + t + "/") }
func kAgentEmail(email string) []byte       { return []byte("ae/" + email) }
func kAgentLoad(t, a string) []byte         { return []byte("al/" + t + "/" + a) }
func kContact(t, c string) []byte           { return []byte("c/" + t + "/" + c) }
func kConv(t, v string) []byte              { return []byte("v/" + t + "/" + v) }
func kConvPrefix(t string) []byte           { return []byte("v/" + t + "/") }
func kContactConv(t, c, v string) []byte    { return []byte("cc/" + t + "/" + c + "/" + v) }
func kContactConvPrefix(t, c string) []byte { return []byte("cc/" + t + "/" + c + "/") }
func kTimeline(t, v string, seq uint64) []byte {
	return []byte("tl/" + t + "/" + v + "/" + seqHex(seq))
}
func kTimelinePrefix(t, v string) []byte    { return []byte("tl/" + t + "/" + v + "/") }
func kClientMsg(t, v, cid string) []byte    { return []byte("cid/" + t + "/" + v + "/" + cid) }
func kFeed(t string, seq uint64) []byte     { return []byte("f/" + t + "/" + seqHex(seq)) }
func kFeedPrefix(t string) []byte           { return []byte("f/" + t + "/") }
func kRead(t, v, reader string) []byte      { return []byte("r/" + t + "/" + v + "/" + reader) }
func kAttachment(t, a string) []byte        { return []byte("at/" + t + "/" + a) }
func kAttachmentConv(t, a, v string) []byte { return []byte("atc/" + t + "/" + a + "/" + v) }
func kCanned(t, id string) []byte           { return []byte("cr/" + t + "/" + id) }
func kContactEmail(t, email string) []byte {
	return []byte("ce/" + t + "/" + strings.ToLower(email))
}
func kMailID(t, id string) []byte { return []byte("mid/" + t + "/" + mailIDHash(id)) }

// The time indexes of the lifecycle's clock (DueWakes, SolvedBefore).
const (
	prefixWake   = "dw/"
	prefixSolved = "ds/"
	prefixSLA    = "dq/"
)

func kDueSLA(ms int64, t, conv, measure string) []byte {
	return []byte(prefixSLA + seqHex(uint64(ms)) + "/" + t + "/" + conv + "/" + measure)
}

func kDue(prefix string, ms int64, t, conv string) []byte {
	return []byte(prefix + seqHex(uint64(ms)) + "/" + t + "/" + conv)
}
func kCannedPrefix(t string) []byte    { return []byte("cr/" + t + "/") }
func kPluginConfig(t, p string) []byte { return []byte("pc/" + t + "/" + p) }

func kAttachmentConvPrefix(t, a string) []byte { return []byte("atc/" + t + "/" + a + "/") }
