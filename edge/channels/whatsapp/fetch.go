package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/edgedesk/edgedesk/edge/channels"
)

var mediaIDRE = regexp.MustCompile(`^[0-9A-Za-z_-]{1,128}$`)

// ErrTooLarge is a media over MaxFetch.
var ErrTooLarge = fmt.Errorf("whatsapp: the media is over the edge's %d MiB limit for a customer's file", MaxFetch>>20)

// Fetch downloads a customer's media: the media id's URL from the Graph
// API, then its bytes with the same bearer token (Meta's media URLs last
// five minutes, the ids 30 days).
func (a *Adapter) Fetch(ctx context.Context, m channels.Media) (channels.Download, error) {
	if !mediaIDRE.MatchString(m.Ref) {
		return channels.Download{}, errors.New("whatsapp: the media reference is not a WhatsApp media id")
	}
	req, err := a.authorized(ctx, http.MethodGet, a.endpoint(m.Ref)+"?phone_number_id="+a.phoneID, nil)
	if err != nil {
		return channels.Download{}, err
	}
	var info struct {
		URL      string `json:"url"`
		MimeType string `json:"mime_type"`
		FileSize int64  `json:"file_size"`
	}
	if err := a.call(req, &info); err != nil {
		var se *channels.SendError
		if errors.As(err, &se) {
			return channels.Download{}, fmt.Errorf("whatsapp: the media's URL: %s", se.Reason)
		}
		return channels.Download{}, err
	}
	if info.FileSize > MaxFetch {
		return channels.Download{}, ErrTooLarge
	}
	u, err := url.Parse(info.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == a.base.Scheme && u.Host == a.base.Host)) {
		// The bearer token goes with the download: only to https (or to
		// the API's own host, a local fake's).
		return channels.Download{}, errors.New("whatsapp: the Graph API gave the media a URL that is not https")
	}
	req, err = a.authorized(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return channels.Download{}, err
	}
	res, err := a.http.Do(req)
	if err != nil {
		return channels.Download{}, fmt.Errorf("whatsapp: the media could not be downloaded: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		if res.StatusCode == http.StatusNotFound {
			return channels.Download{}, errors.New("whatsapp: the media is gone from WhatsApp (its URL lasts five minutes, its id 30 days): ask the customer to send it again")
		}
		return channels.Download{}, fmt.Errorf("whatsapp: the media's download answered HTTP %d", res.StatusCode)
	}
	if res.ContentLength > MaxFetch {
		res.Body.Close()
		return channels.Download{}, ErrTooLarge
	}
	t := info.MimeType
	if t == "" {
		t = res.Header.Get("Content-Type")
	}
	return channels.Download{
		Name: m.Name,
		Type: bounded(strings.TrimSpace(t), maxName),
		Body: &capped{rc: res.Body, left: MaxFetch},
	}, nil
}

// capped fails a read past its limit, rather than cutting the file.
type capped struct {
	rc   io.ReadCloser
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One byte more tells a file of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := io.ReadFull(c.rc, one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *capped) Close() error { return c.rc.Close() }
