package protocol

// Version is the WebSocket protocol version this package describes: a
// client names it in hello, and an edge that does not speak it closes
// with CloseVersion.
const Version = 1

// Error codes, in error frames and in HTTP error bodies (APIError).
const (
	CodeBadFrame     = "bad_frame"
	CodeUnknownType  = "unknown_type"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeInvalid      = "invalid"
	CodeRateLimited  = "rate_limited"
	CodeUnavailable  = "unavailable"
	CodeVersion      = "unsupported_version"
	// CodeQuotaExceeded (HTTP 429, with Retry-After) refuses an upload
	// over a quota; CodeLoginThrottled (HTTP 429, with Retry-After) a
	// sign-in while its account or address is locked after failures.
	CodeQuotaExceeded  = "quota_exceeded"
	CodeLoginThrottled = "login_throttled"
)

// Close codes (RFC 6455 private range) with the reason in the close frame.
const (
	CloseUnauthorized = 4001
	CloseVersion      = 4002
	CloseForbidden    = 4003
	CloseHelloTimeout = 4004
	CloseResync       = 4008
	CloseBadFrames    = 4400
	CloseDraining     = 1001
)

// Frame types from clients (InFrame.Type).
const (
	TypeHello        = "hello"
	TypeStart        = "start"
	TypeSend         = "send"
	TypeTyping       = "typing"
	TypeRead         = "read"
	TypeHistory      = "history"
	TypeAssign       = "assign"
	TypeStatus       = "status"
	TypePresence     = "presence"
	TypePing         = "ping"
	TypeConvs        = "conversations"
	TypeContact      = "contact"
	TypeCanned       = "canned"
	TypeCannedSet    = "canned_set"
	TypeProfile      = "profile"
	TypeInboxes      = "inboxes"
	TypeInboxSet     = "inbox_set"
	TypeAgents       = "agents"
	TypeAgentSet     = "agent_set"
	TypePriority     = "priority"
	TypeTags         = "tags"
	TypeCall         = "call"
	TypeRate         = "rate"
	TypeRules        = "rules"
	TypeRulesSet     = "rules_set"
	TypeMacros       = "macros"
	TypeMacrosSet    = "macros_set"
	TypeMacro        = "macro"
	TypeTeams        = "teams"
	TypeTeamSet      = "team_set"
	TypeAssignTeam   = "assign_team"
	TypeFields       = "fields"
	TypeFieldsSet    = "fields_set"
	TypeSetFields    = "set_fields"
	TypeLink         = "link"
	TypeMerge        = "merge"
	TypeSplit        = "split"
	TypeSearch       = "search"
	TypeViews        = "views"
	TypeViewsSet     = "views_set"
	TypeView         = "view"
	TypeStatuses     = "statuses"
	TypeStatusesSet  = "statuses_set"
	TypeSLAPolicy    = "sla_policy"
	TypeSLAPolicySet = "sla_policy_set"
)

// Frame types to clients (OutFrame.Type).
const (
	OutWelcome  = "welcome"
	OutAck      = "ack"
	OutEvent    = "event"
	OutTyping   = "typing"
	OutPresence = "presence"
	// OutAvailability tells customers whether any agent of the tenant is
	// online (welcome carries the first answer).
	OutAvailability = "availability"
	OutHistory      = "history"
	OutConvs        = "conversations"
	OutContact      = "contact"
	OutCanned       = "canned"
	OutInboxes      = "inboxes"
	OutAgents       = "agents"
	OutRules        = "rules"
	OutMacros       = "macros"
	OutTeams        = "teams"
	OutFields       = "fields"
	OutSearch       = "search"
	OutViews        = "views"
	OutStatuses     = "statuses"
	OutSLAPolicy    = "sla_policy"
	OutError        = "error"
	OutResync       = "resync"
	OutPong         = "pong"
	OutResumed      = "resumed"
	// OutCallSignal carries the media server's signal for a call to a
	// participant.
	OutCallSignal = "call_signal"
)

// Agent presence values (InFrame.Presence, OutFrame.Presence and the
// values of OutFrame.Agents).
const (
	PresenceOnline  = "online"
	PresenceAway    = "away"
	PresenceOffline = "offline"
)

// Call operations (InFrame.Op of a call frame).
const (
	CallStart = "start"
	CallJoin  = "join"
	// CallDecline is the side called refusing a call that rings: it
	// ends for everyone ("declined").
	CallDecline = "decline"
	CallSignal  = "signal"
	CallMute    = "mute"
	CallVideo   = "video"
	CallLeave   = "leave"
)
