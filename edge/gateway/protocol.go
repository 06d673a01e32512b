package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/gobwas/ws"

	"github.com/edgedesk/edgedesk/edge/protocol"
)

// The protocol is edge/protocol's; these are its names in the gateway.

// ProtocolVersion is the WebSocket protocol version this gateway speaks.
const ProtocolVersion = protocol.Version

// Error codes sent in error frames and HTTP error bodies.
const (
	CodeBadFrame       = protocol.CodeBadFrame
	CodeUnknownType    = protocol.CodeUnknownType
	CodeUnauthorized   = protocol.CodeUnauthorized
	CodeForbidden      = protocol.CodeForbidden
	CodeNotFound       = protocol.CodeNotFound
	CodeInvalid        = protocol.CodeInvalid
	CodeRateLimited    = protocol.CodeRateLimited
	CodeUnavailable    = protocol.CodeUnavailable
	CodeVersion        = protocol.CodeVersion
	CodeQuotaExceeded  = protocol.CodeQuotaExceeded
	CodeLoginThrottled = protocol.CodeLoginThrottled
)

// Close codes.
const (
	CloseUnauthorized = protocol.CloseUnauthorized
	CloseVersion      = protocol.CloseVersion
	CloseForbidden    = protocol.CloseForbidden
	CloseHelloTimeout = protocol.CloseHelloTimeout
	CloseResync       = protocol.CloseResync
	CloseBadFrames    = protocol.CloseBadFrames
	CloseDraining     = protocol.CloseDraining
)

// Frames, from clients and to them; views.go builds what they carry.
type (
	InFrame      = protocol.InFrame
	UserIdentity = protocol.UserIdentity
	Scalar       = protocol.Scalar
	OutFrame     = protocol.OutFrame
	Session      = protocol.Session
)

// Frame types from clients.
const (
	TypeHello        = protocol.TypeHello
	TypeStart        = protocol.TypeStart
	TypeSend         = protocol.TypeSend
	TypeTyping       = protocol.TypeTyping
	TypeRead         = protocol.TypeRead
	TypeHistory      = protocol.TypeHistory
	TypeAssign       = protocol.TypeAssign
	TypeStatus       = protocol.TypeStatus
	TypePresence     = protocol.TypePresence
	TypePing         = protocol.TypePing
	TypeConvs        = protocol.TypeConvs
	TypeContact      = protocol.TypeContact
	TypeCanned       = protocol.TypeCanned
	TypeCannedSet    = protocol.TypeCannedSet
	TypeProfile      = protocol.TypeProfile
	TypeInboxes      = protocol.TypeInboxes
	TypeInboxSet     = protocol.TypeInboxSet
	TypeAgents       = protocol.TypeAgents
	TypeAgentSet     = protocol.TypeAgentSet
	TypePriority     = protocol.TypePriority
	TypeTags         = protocol.TypeTags
	TypeCall         = protocol.TypeCall
	TypeRate         = protocol.TypeRate
	TypeRules        = protocol.TypeRules
	TypeRulesSet     = protocol.TypeRulesSet
	TypeMacros       = protocol.TypeMacros
	TypeMacrosSet    = protocol.TypeMacrosSet
	TypeMacro        = protocol.TypeMacro
	TypeTeams        = protocol.TypeTeams
	TypeTeamSet      = protocol.TypeTeamSet
	TypeAssignTeam   = protocol.TypeAssignTeam
	TypeFields       = protocol.TypeFields
	TypeFieldsSet    = protocol.TypeFieldsSet
	TypeSetFields    = protocol.TypeSetFields
	TypeLink         = protocol.TypeLink
	TypeMerge        = protocol.TypeMerge
	TypeSplit        = protocol.TypeSplit
	TypeSearch       = protocol.TypeSearch
	TypeViews        = protocol.TypeViews
	TypeViewsSet     = protocol.TypeViewsSet
	TypeView         = protocol.TypeView
	TypeStatuses     = protocol.TypeStatuses
	TypeStatusesSet  = protocol.TypeStatusesSet
	TypeSLAPolicy    = protocol.TypeSLAPolicy
	TypeSLAPolicySet = protocol.TypeSLAPolicySet
)

// ErrFrame is wrapped by every decoding error.
var ErrFrame = protocol.ErrFrame

// DecodeFrame parses one client frame strictly (protocol.DecodeFrame).
func DecodeFrame(b []byte) (*InFrame, error) { return protocol.DecodeFrame(b) }

// Frame types to clients.
const (
	OutWelcome      = protocol.OutWelcome
	OutAck          = protocol.OutAck
	OutEvent        = protocol.OutEvent
	OutTyping       = protocol.OutTyping
	OutPresence     = protocol.OutPresence
	OutAvailability = protocol.OutAvailability
	OutHistory      = protocol.OutHistory
	OutConvs        = protocol.OutConvs
	OutContact      = protocol.OutContact
	OutCanned       = protocol.OutCanned
	OutInboxes      = protocol.OutInboxes
	OutAgents       = protocol.OutAgents
	OutRules        = protocol.OutRules
	OutMacros       = protocol.OutMacros
	OutTeams        = protocol.OutTeams
	OutFields       = protocol.OutFields
	OutSearch       = protocol.OutSearch
	OutViews        = protocol.OutViews
	OutStatuses     = protocol.OutStatuses
	OutSLAPolicy    = protocol.OutSLAPolicy
	OutError        = protocol.OutError
	OutResync       = protocol.OutResync
	OutPong         = protocol.OutPong
	OutResumed      = protocol.OutResumed
	OutCallSignal   = protocol.OutCallSignal
)

// Call operations (InFrame.Op of a call frame).
const (
	CallStart   = protocol.CallStart
	CallJoin    = protocol.CallJoin
	CallDecline = protocol.CallDecline
	CallSignal  = protocol.CallSignal
	CallMute    = protocol.CallMute
	CallVideo   = protocol.CallVideo
	CallLeave   = protocol.CallLeave
)

// marshal encodes a frame for the wire: a WebSocket text frame header
// followed by the JSON. It is built once and shared by every connection it
// goes to.
func marshal(f *OutFrame) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		// OutFrame holds only JSON-safe types; reaching here is a bug.
		panic(fmt.Sprintf("gateway: marshal %s frame: %v", f.Type, err))
	}
	return wireFrame(ws.NewTextFrame(b))
}

// wireFrame compiles a server frame (unmasked) to its bytes, in one
// allocation of their size.
func wireFrame(f ws.Frame) []byte {
	buf := bytes.NewBuffer(make([]byte, 0, ws.HeaderSize(f.Header)+len(f.Payload)))
	if err := ws.WriteFrame(buf, f); err != nil {
		panic(fmt.Sprintf("gateway: compile frame: %v", err)) // only for invalid control frames
	}
	return buf.Bytes()
}
