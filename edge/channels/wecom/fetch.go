package wecom

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/edgedesk/edgedesk/edge/channels"
)

// Fetch downloads a customer's media (GET /cgi-bin/media/get); WeCom
// keeps them 3 days. A body over 64 MiB fails when read past it.
func (a *Adapter) Fetch(ctx context.Context, m channels.Media) (channels.Download, error) {
	const p = "/cgi-bin/media/get"
	if m.Ref == "" || len(m.Ref) > maxID {
		return channels.Download{}, errors.New("wecom: the media has no usable media_id")
	}
	for attempt := 0; ; attempt++ {
		tok, err := a.accessToken(ctx)
		if err != nil {
			return channels.Download{}, err
		}
		resp, err := a.request(ctx, http.MethodGet, p, url.Values{"access_token": {tok}, "media_id": {m.Ref}}, nil)
		if err != nil {
			return channels.Download{}, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return channels.Download{}, fmt.Errorf("wecom: %s answered HTTP %d", p, resp.StatusCode)
		}
		// An error is answered as JSON instead of the file; a customer's
		// own JSON or text file is not taken for one.
		br := bufio.NewReaderSize(resp.Body, 512)
		head, _ := br.Peek(256)
		if t := bytes.TrimSpace(head); bytes.HasPrefix(t, []byte("{")) && bytes.Contains(t, []byte(`"errcode"`)) {
			var st status
			err := json.NewDecoder(io.LimitReader(br, 64<<10)).Decode(&st)
			resp.Body.Close()
			if err != nil {
				return channels.Download{}, fmt.Errorf("wecom: %s answered an error that is not its JSON", p)
			}
			if (st.ErrCode == codeBadToken || st.ErrCode == codeTokenExpired || st.ErrCode == codeNoToken) && attempt == 0 {
				a.tokens.Invalidate(ctx, a.tokenKey(), tok)
				continue
			}
			if err := failed(p, &st); err != nil {
				if st.ErrCode == codeBadMediaID {
					return channels.Download{}, fmt.Errorf("%w: the media has expired (WeCom keeps a customer's media 3 days)", err)
				}
				return channels.Download{}, err
			}
			return channels.Download{}, fmt.Errorf("wecom: %s answered JSON, not the media", p)
		}
		if resp.ContentLength > maxMedia {
			resp.Body.Close()
			return channels.Download{}, fmt.Errorf("wecom: the media has %d bytes, over the 64 MiB the edge takes", resp.ContentLength)
		}
		d := channels.Download{Type: resp.Header.Get("Content-Type"), Body: &capped{r: br, c: resp.Body, left: maxMedia}}
		if len(d.Type) > maxName {
			d.Type = ""
		}
		if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
			name := path.Base(strings.ReplaceAll(params["filename"], `\`, "/"))
			if name != "." && name != "/" && len(name) <= maxName && utf8.ValidString(name) {
				d.Name = name
			}
		}
		if d.Name == "" {
			d.Name = m.Kind
		}
		return d, nil
	}
}

// capped is a media's body that fails past its limit.
type capped struct {
	r    io.Reader
	c    io.Closer
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := io.ReadFull(c.r, one[:]); n > 0 {
			return 0, errors.New("wecom: the media is over 64 MiB, the most the edge takes")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *capped) Close() error { return c.c.Close() }
