package bus

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nats-io/nkeys"
)

// Who may use the embedded server. Nothing connects without credentials:
//
//   - the edge itself, in process, with an nkey made at start that never
//     leaves memory: the one user with every right, the only writer of
//     the event log;
//   - the tools (the NATS CLI on the client port), with the nkey seed in
//     Options.ToolsNkeyFile: read, or operate (ClientAccess);
//   - the system account's user (Options.SystemNkeyFile), for monitoring
//     requests.
//
// The event log lives in the account EDGEDESK, the only one with
// JetStream; the global account $G has no users and no JetStream.
const (
	// Account holds the event log and the live subjects.
	Account = "EDGEDESK"
	// SystemAccount is NATS's system account: server and cluster
	// monitoring.
	SystemAccount = "SYS"
)

// Client access levels for the tools' nkey.
const (
	// AccessRead lets tools read the stream, its consumers and its events,
	// and watch the live subjects.
	AccessRead = "read"
	// AccessOperate adds what an operator of a cluster needs: stream and
	// consumer leader step-down, peer removal, consumer removal, and on
	// the system account meta leader step-down and server removal.
	AccessOperate = "operate"
)

// toolsPublish are the subjects a reading tool publishes to: JetStream API
// requests that read, pulls, acks and flow control of its own consumers.
var toolsPublish = []string{
	"$JS.API.INFO",
	"$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
	"$JS.API.STREAM.INFO." + StreamName,
	"$JS.API.STREAM.MSG.GET." + StreamName,
	"$JS.API.DIRECT.GET." + StreamName, "$JS.API.DIRECT.GET." + StreamName + ".>",
	"$JS.API.CONSUMER.NAMES." + StreamName, "$JS.API.CONSUMER.LIST." + StreamName,
	"$JS.API.CONSUMER.INFO." + StreamName + ".*",
	// ephemeral and named consumers read; they never change the log
	"$JS.API.CONSUMER.CREATE." + StreamName, "$JS.API.CONSUMER.CREATE." + StreamName + ".>",
	"$JS.API.CONSUMER.MSG.NEXT." + StreamName + ".*",
	"$JS.ACK." + StreamName + ".>", "$JS.FC." + StreamName + ".>",
}

// operatePublish are added with AccessOperate.
var operatePublish = []string{
	"$JS.API.STREAM.LEADER.STEPDOWN." + StreamName,
	"$JS.API.STREAM.PEER.REMOVE." + StreamName,
	"$JS.API.CONSUMER.DELETE." + StreamName + ".*",
	"$JS.API.CONSUMER.LEADER.STEPDOWN." + StreamName + ".*",
}

// monitorEndpoints are the server monitoring requests the system user may
// make (nats server list/report/info/check); not KICK, LDM, RELOAD or
// PROFILEZ.
var monitorEndpoints = []string{"STATSZ", "VARZ", "SUBSZ", "CONNZ", "ROUTEZ", "GATEWAYZ", "LEAFZ",
	"ACCOUNTZ", "JSZ", "HEALTHZ", "IDZ", "RAFTZ", "IPQUEUESZ", "EXPVARZ"}

// accessConfig is the accounts section of the embedded server's
// configuration, in NATS's own configuration language.
func accessConfig(edge, tools, system, access string) string {
	quote := func(ss []string) string {
		q := make([]string, len(ss))
		for i, s := range ss {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	pub := toolsPublish
	sysPub := []string{"$SYS.REQ.SERVER.PING"}
	for _, e := range monitorEndpoints {
		sysPub = append(sysPub, "$SYS.REQ.SERVER.PING."+e, "$SYS.REQ.SERVER.*."+e)
	}
	if access == AccessOperate {
		pub = append(append([]string(nil), pub...), operatePublish...)
		sysPub = append(sysPub, "$JS.API.META.LEADER.STEPDOWN", "$JS.API.SERVER.REMOVE")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "accounts {\n")
	fmt.Fprintf(&b, "  %s {\n    jetstream: enabled\n    users: [\n", Account)
	fmt.Fprintf(&b, "      {nkey: %q}\n", edge)
	fmt.Fprintf(&b, "      {nkey: %q, permissions: {publish: {allow: %s}, subscribe: {allow: %s}}}\n",
		tools, quote(pub), quote([]string{"_INBOX.>", SubjectPrefix + ">", "live.>"}))
	fmt.Fprintf(&b, "    ]\n  }\n")
	fmt.Fprintf(&b, "  %s {\n    users: [\n", SystemAccount)
	fmt.Fprintf(&b, "      {nkey: %q, permissions: {publish: {allow: %s}, subscribe: {allow: %s}}}\n",
		system, quote(sysPub), quote([]string{"_INBOX.>"}))
	fmt.Fprintf(&b, "    ]\n  }\n}\nsystem_account: %s\n", SystemAccount)
	return b.String()
}

// loadOrCreateSeed reads a user nkey seed file (as `nsc` and
// `nk -gen user` write them, and as `nats --nkey FILE` reads them), or
// makes one, mode 0600, when there is none.
func loadOrCreateSeed(path string) (nkeys.KeyPair, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		kp, err := nkeys.ParseDecoratedNKey(b)
		if err != nil {
			return nil, fmt.Errorf("nkey seed %s: %w (it must hold a user seed, SU…)", path, err)
		}
		if pub, _ := kp.PublicKey(); !nkeys.IsValidPublicUserKey(pub) {
			return nil, fmt.Errorf("nkey seed %s is not a user seed (SU…): make one with `nk -gen user`", path)
		}
		return kp, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read nkey seed: %w", err)
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, err
	}
	seed, err := kp.Seed()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, append(seed, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("write nkey seed: %w", err)
	}
	return kp, nil
}
