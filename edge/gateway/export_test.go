package gateway

// The views, for the tests of their JSON (protocol_views_test.go).
var (
	ItemView         = itemView
	ConversationView = conversationView
	CustomerView     = customerView
	ContactView      = contactView
	CannedView       = cannedView
	InboxesView      = inboxesView
	AgentView        = agentView
	AttachmentView   = attachmentView
	BrandView        = brandView
)
