package xtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// message builds the Account Activity delivery of user's direct message
// to the business (its text's links shortened to t.co, an image attached
// when png is not nil) and returns it with the event's id.
func (p *Platform) message(user, text string, png []byte) ([]byte, string) {
	p.mu.Lock()
	uid := p.userID(user)
	id := p.nextID()
	users := p.usersMap(uid)
	var mid, mpath string
	if png != nil {
		mid = p.nextID()
		mpath = "/1.1/ton/data/dm/" + id + "/" + mid + "/" + randHex(6) + ".png"
		p.media[mpath] = png
	}
	p.mu.Unlock()

	short, urls := shorten(text)
	data := map[string]any{}
	if png != nil {
		tco := "https://t.co/" + randHex(5)
		if short != "" {
			short += " "
		}
		start := utf8.RuneCountInString(short)
		short += tco
		ind := []int{start, start + len(tco)}
		display := "pic.x.com/" + randHex(5)
		expanded := "https://x.com/messages/media/" + id
		urls = append(urls, map[string]any{"url": tco, "expanded_url": expanded, "display_url": display, "indices": ind})
		data["attachment"] = map[string]any{
			"type": "media",
			"media": map[string]any{
				"id":              json.RawMessage(mid),
				"id_str":          mid,
				"indices":         ind,
				"media_url":       strings.Replace(p.srv.URL, "https://", "http://", 1) + mpath,
				"media_url_https": p.srv.URL + mpath,
				"url":             tco,
				"display_url":     display,
				"expanded_url":    expanded,
				"type":            "photo",
				"sizes": map[string]any{
					"large": map[string]any{"w": 1, "h": 1, "resize": "fit"},
				},
			},
		}
	}
	data["text"] = short
	data["entities"] = map[string]any{
		"hashtags": []any{}, "symbols": []any{}, "user_mentions": []any{}, "urls": urls,
	}
	body, err := json.Marshal(map[string]any{
		"for_user_id": BusinessID,
		"direct_message_events": []any{map[string]any{
			"type":              "message_create",
			"id":                id,
			"created_timestamp": strconv.FormatInt(time.Now().UnixMilli(), 10),
			"message_create": map[string]any{
				"target":       map[string]any{"recipient_id": BusinessID},
				"sender_id":    uid,
				"message_data": data,
			},
		}},
		"users": users,
	})
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return body, id
}

// shorten replaces the text's http(s) links with t.co links, as X does,
// and returns the url entities that expand them.
func shorten(text string) (string, []any) {
	urls := []any{}
	var b strings.Builder
	for i, w := range strings.Split(text, " ") {
		if i > 0 {
			b.WriteByte(' ')
		}
		if strings.HasPrefix(w, "https://") || strings.HasPrefix(w, "http://") {
			tco := "https://t.co/" + randHex(5)
			start := utf8.RuneCountInString(b.String())
			b.WriteString(tco)
			urls = append(urls, map[string]any{
				"url": tco, "expanded_url": w,
				"display_url": strings.TrimPrefix(strings.TrimPrefix(w, "https://"), "http://"),
				"indices":     []int{start, start + len(tco)},
			})
			continue
		}
		b.WriteString(w)
	}
	return b.String(), urls
}

// usersMap is the users object of a delivery between customer uid and
// the business. p.mu is held.
func (p *Platform) usersMap(uid string) map[string]any {
	name := p.names[uid]
	if name == "" {
		name = "Customer " + uid
	}
	return map[string]any{
		uid:        p.user(uid, name, screen(name, uid)),
		BusinessID: p.user(BusinessID, "Edgedesk", BusinessHandle),
	}
}

func (p *Platform) user(id, name, screenName string) map[string]any {
	return map[string]any{
		"id":                      id,
		"created_timestamp":       "1422556069340",
		"name":                    name,
		"screen_name":             screenName,
		"protected":               false,
		"verified":                false,
		"followers_count":         10,
		"friends_count":           20,
		"statuses_count":          30,
		"profile_image_url":       "http://pbs.twimg.com/profile_images/" + id + "/avatar_normal.png",
		"profile_image_url_https": "https://pbs.twimg.com/profile_images/" + id + "/avatar_normal.png",
	}
}

// screen is a customer's screen name: their name when it is one.
func screen(name, id string) string {
	ok := len(name) > 0 && len(name) <= 15
	for _, c := range name {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			ok = false
		}
	}
	if ok {
		return name
	}
	if len(id) > 6 {
		id = id[len(id)-6:]
	}
	return "user" + id
}
