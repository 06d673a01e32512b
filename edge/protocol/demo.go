package protocol

// Demo data an edge started with --dev seeds, which the load generator and
// the tests sign in with. These credentials are public: never use --dev
// for a real deployment.
const (
	DemoTenant         = "demo"
	DemoInbox          = "demo-web"
	DemoPrechatInbox   = "demo-prechat" // asks name and e-mail first
	DemoEmailInbox     = "demo-email"   // mail to DemoEmailAddress
	DemoEmailAddress   = "support@demo.test"
	DemoIdentitySecret = "demo-identity-secret"
	DemoPassword       = "edgedesk-demo" // every demo agent's
)

// DemoAgent is a seeded agent.
type DemoAgent struct {
	ID, Email, Name string
	Role            string // "admin" may change canned responses
}

// DemoAgents are the agents --dev seeds.
var DemoAgents = []DemoAgent{
	{ID: "agent-alice", Email: "alice@demo.test", Name: "Alice", Role: "admin"},
	{ID: "agent-bob", Email: "bob@demo.test", Name: "Bob", Role: "agent"},
	{ID: "agent-carol", Email: "carol@demo.test", Name: "Carol", Role: "agent"},
}
