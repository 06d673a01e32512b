// Package kinds lists the messaging platforms Edgedesk speaks: a new one
// is a package under edge/channels and a line here (docs/channels.md).
package kinds

import (
	"slices"

	"github.com/edgedesk/edgedesk/edge/channels"
	"github.com/edgedesk/edgedesk/edge/channels/telegram"
	"github.com/edgedesk/edgedesk/edge/channels/wechat"
	"github.com/edgedesk/edgedesk/edge/channels/wecom"
	"github.com/edgedesk/edgedesk/edge/channels/whatsapp"
	"github.com/edgedesk/edgedesk/edge/channels/x"
)

// All are the platforms, in the order documentation lists them.
func All() []channels.Kind {
	return []channels.Kind{wechat.Kind(), wecom.Kind(), x.Kind(), telegram.Kind(), whatsapp.Kind()}
}

// Named is the platform named name (wechat, wecom, x, telegram, whatsapp).
func Named(name string) (channels.Kind, bool) {
	all := All()
	i := slices.IndexFunc(all, func(k channels.Kind) bool { return k.Name == name })
	if i < 0 {
		return channels.Kind{}, false
	}
	return all[i], true
}
