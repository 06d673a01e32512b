package gateway

import (
	"encoding/json"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/edgedesk/edgedesk/edge/auth"
	"github.com/edgedesk/edgedesk/edge/sfu"
	"github.com/edgedesk/edgedesk/internal/event"
)

// Recordings: a tenant with record_calls set has each call this node
// hosts written to <recordings>/<tenant>/<call>/ by the SFU, a file per
// published track and a manifest (sfu.Manifest) once the call ends.
// Admins of the tenant list and download them over HTTP.

// record starts recording c when its tenant records calls, and reports
// whether it does. A recording that cannot start is logged and the call
// goes on unrecorded: the call.started event says which.
func (g *Gateway) record(c *call) bool {
	if g.recDir == "" {
		return false
	}
	t, err := g.store.Tenant(c.tenant)
	if err != nil || !t.RecordCalls {
		return false
	}
	if err := g.sfu.Record(c.id, filepath.Join(g.recDir, c.tenant, c.id)); err != nil {
		g.log.Error("cannot record a call; it goes on unrecorded", "call", c.id, "tenant", c.tenant, "err", err)
		return false
	}
	return true
}

// recordingTypes are the Content-Types of the recording files.
var recordingTypes = map[string]string{".ogg": "audio/ogg", ".ivf": "video/x-ivf", ".h264": "video/h264"}

// recordingOf reads the manifest of a call's recording for an admin of
// its tenant, or answers the error itself.
func (g *Gateway) recordingOf(w http.ResponseWriter, r *http.Request) (*sfu.Manifest, string, bool) {
	c, ok := g.bearer(w, r)
	if !ok {
		return nil, "", false
	}
	if c.Role != auth.RoleAgent {
		httpError(w, http.StatusForbidden, CodeForbidden, "only admins may fetch call recordings")
		return nil, "", false
	}
	if a, err := g.store.Agent(c.Tenant, c.Subject); err != nil || a.Role != "admin" {
		httpError(w, http.StatusForbidden, CodeForbidden, "only admins may fetch call recordings")
		return nil, "", false
	}
	id := r.PathValue("call")
	if !event.ValidID(id) || g.recDir == "" {
		httpError(w, http.StatusNotFound, CodeNotFound, "no such call recording")
		return nil, "", false
	}
	dir := filepath.Join(g.recDir, c.Tenant, id)
	b, err := os.ReadFile(filepath.Join(dir, sfu.ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		httpError(w, http.StatusNotFound, CodeNotFound,
			"no recording of this call on this node: a recording is on the node that hosted the call, once the call ended")
		return nil, "", false
	}
	var m sfu.Manifest
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		g.log.Error("cannot read a call recording's manifest", "call", id, "err", err)
		httpError(w, http.StatusInternalServerError, CodeUnavailable, "the recording's manifest cannot be read")
		return nil, "", false
	}
	return &m, dir, true
}

// recording answers GET /api/v1/calls/{call}/recording: the manifest.
func (g *Gateway) recording(w http.ResponseWriter, r *http.Request) {
	if m, _, ok := g.recordingOf(w, r); ok {
		writeJSON(w, http.StatusOK, m)
	}
}

// recordingFile answers GET /api/v1/calls/{call}/recording/{file}: one
// track's file, named by the manifest.
func (g *Gateway) recordingFile(w http.ResponseWriter, r *http.Request) {
	m, dir, ok := g.recordingOf(w, r)
	if !ok {
		return
	}
	name := r.PathValue("file")
	if name == "" || !slices.ContainsFunc(m.Tracks, func(t sfu.RecordedTrack) bool { return t.File == name }) {
		httpError(w, http.StatusNotFound, CodeNotFound, "no such file in this call's recording: see its manifest")
		return
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		httpError(w, http.StatusNotFound, CodeNotFound, "the recording's file is missing on this node")
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", recordingTypes[filepath.Ext(name)])
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	http.ServeContent(w, r, "", time.Time{}, f)
}
