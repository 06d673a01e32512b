package email_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/edgedesk/edgedesk/edge"
	"github.com/edgedesk/edgedesk/edge/edgetest"
	"github.com/edgedesk/edgedesk/edge/email"
)

// The benchmarks of the inbound e-mail path (docs/benchmarks.md, "E-mail:
// inbound mail"):
//
//	go test -run '^$' -bench 'Parse|Inbound' -benchtime 20000x ./edge/email/
//
// Both use the same generated mails: about 20 KB each, as Gmail and
// Outlook send them (their Received, ARC, DKIM and antispam headers; a
// multipart/mixed of a multipart/alternative, text/plain and text/html in
// quoted-printable, and a small base64 PDF attachment), half of them new
// conversations, half replies that quote the earlier mail ("On … wrote:"
// and "> " lines, or Outlook's "From:/Sent:" block) and name it in
// In-Reply-To and References.

// benchMailSize is the size the generated mails are made to (± a few
// hundred bytes).
const benchMailSize = 20 << 10

// BenchmarkParse is the parser alone (email.Parser.Parse), one goroutine,
// over 512 generated mails, each with a Message-ID of its own per op.
func BenchmarkParse(b *testing.B) {
	gen := newMailGen(0, 5000)
	type prepared struct {
		raw   []byte
		digit int // offset of the Message-ID's 10-digit counter
	}
	pool := make([]prepared, 512)
	var size int
	for i := range pool {
		s := gen.next(i)
		raw := buildMail(s)
		off := bytes.Index(raw, []byte("Message-ID: <"+s.id+">"))
		if off < 0 {
			b.Fatal("no Message-ID in the generated mail")
		}
		pool[i] = prepared{raw: raw, digit: off + len("Message-ID: <") + s.idDigits}
		size += len(raw)
	}
	p := email.NewParser(email.Limits{})
	checkParsed(b, p, pool[len(pool)-1].raw)
	b.SetBytes(int64(size / len(pool)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		m := &pool[n%len(pool)]
		// a Message-ID of its own per op: the counter's digits rewritten in place
		strconv.AppendInt(m.raw[:m.digit], int64(1_000_000_000+n), 10)
		if _, err := p.Parse(m.raw); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "mails/s")
}

// checkParsed makes sure a generated mail reads as intended: a reply with
// its quote cut, the text from text/plain, one attachment.
func checkParsed(tb testing.TB, p *email.Parser, raw []byte) {
	tb.Helper()
	m, err := p.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	if m.Text == "" || len(m.Attachments) != 1 || m.Attachments[0].Type != "application/pdf" || m.From.Addr == "" ||
		m.MessageID == "" || len(m.Text) > 8<<10 {
		tb.Fatalf("the generated mail parses as %+v", m)
	}
	if m.InReplyTo != "" && (m.Quoted == "" || len(m.References) == 0 || !strings.Contains(string(raw), "<"+m.InReplyTo+">")) {
		tb.Fatalf("a generated reply without its quote cut: text %q quoted %q", m.Text, m.Quoted)
	}
}

// TestBenchMails checks the benchmarks' mails: about 20 KB, a mix of
// new mails and replies in both styles, and what the parser makes of them.
func TestBenchMails(t *testing.T) {
	gen := newMailGen(3, 5000)
	p := email.NewParser(email.Limits{})
	var replies, outlook, lo, hi, sum int
	lo = 1 << 30
	for i := range 400 {
		s := gen.next(i)
		raw := buildMail(s)
		lo, hi, sum = min(lo, len(raw)), max(hi, len(raw)), sum+len(raw)
		if len(raw) < benchMailSize-1024 || len(raw) > benchMailSize+1024 {
			t.Errorf("mail %d (reply %v, style %d) is %d bytes", i, s.inReplyTo != "", s.style, len(raw))
		}
		checkParsed(t, p, raw)
		if s.inReplyTo != "" {
			replies++
		}
		if s.style == styleOutlook {
			outlook++
		}
	}
	t.Logf("400 mails of %d–%d bytes, %d on average; %d replies, %d from Outlook", lo, hi, sum/400, replies, outlook)
	if replies < 150 || replies > 250 || outlook < 100 || outlook > 300 {
		t.Errorf("%d replies, %d Outlook mails of 400", replies, outlook)
	}
}

// BenchmarkInbound measures mails parsed, threaded and stored per second
// by one edge, received over SMTP.
//
// The edge runs as a process of its own (`edge --dev`, built from this
// source, edgetest.StartProcess) with its SMTP server on loopback,
// email.dns "off" (no SPF/DKIM/DMARC lookups) and email.sender_rate lifted,
// so that its CPU, read from /proc/PID/stat, is apart from the load
// generator's (this process, on the same cores). Eight SMTP connections
// (EDGEDESK_BENCH_MAIL_CONNS) each send mails one after another in one
// session (MAIL, RCPT, DATA, RSET), b.N mails in all (an equal share
// each, made before the timed run) after a warm-up of 10 per
// connection: half open a new conversation (from 5,000 senders,
// so that contacts are made and found again), half reply to one of the
// connection's earlier mails and must thread into its conversation.
//
// Reported: mails/s (the 250s per second of wall time); the SMTP accept
// latency from the end of DATA (the final ".") to the 250, p50 and p99;
// the edge's CPU per mail and its cores; the generator's and the rest of
// the machine's cores; and, measured after the run in the same process,
// the parser alone on the same mails (one goroutine): parse-mails/s, and
// mails/s ÷ parse-mails/s.
//
// It fails on any mail refused, and unless the edge holds, after the run,
// exactly one message per mail sent, in as many e-mail conversations as
// mails that opened one, each with as many messages as its thread had.
//
// EDGEDESK_BENCH_EDGE_CPUPROFILE=FILE writes the edge process's CPU
// profile of the measured run's first 10 s to FILE.
func BenchmarkInbound(b *testing.B) {
	conns := 8
	if v, err := strconv.Atoi(os.Getenv("EDGEDESK_BENCH_MAIL_CONNS")); err == nil && v > 0 {
		conns = v
	}
	const warmup = 10 // mails per connection before the measured run
	smtpAddr := edgetest.FreeAddr(b)
	profile := os.Getenv("EDGEDESK_BENCH_EDGE_CPUPROFILE")
	var args []string
	if profile != "" {
		args = append(args, edgetest.PprofArg)
	}
	p := edgetest.StartProcess(b, fmt.Sprintf("http: {drain_delay: 0s}\nemail: {smtp: %q, dns: \"off\", sender_rate: 100000000}\n", smtpAddr), args...)

	// the connections' sessions, each with its own threads
	type sender struct {
		c       *smtp.Client
		gen     *mailGen
		specs   []mailSpec // what it sent, in order
		lat     []time.Duration
		measure bool
	}
	senders := make([]*sender, conns)
	for i := range senders {
		c, err := dialSMTP(smtpAddr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		senders[i] = &sender{c: c, gen: newMailGen(uint64(i)+1, 5000)}
	}
	send := func(s *sender, spec mailSpec, raw []byte) error {
		if err := s.c.Mail(spec.fromAddr, &smtp.MailOptions{Size: int64(len(raw))}); err != nil {
			return fmt.Errorf("MAIL FROM: %w", err)
		}
		if err := s.c.Rcpt(edge.DemoEmailAddress, nil); err != nil {
			return fmt.Errorf("RCPT TO: %w", err)
		}
		w, err := s.c.Data()
		if err != nil {
			return fmt.Errorf("DATA: %w", err)
		}
		if _, err := w.Write(raw); err != nil {
			return fmt.Errorf("DATA: %w", err)
		}
		t0 := time.Now()
		if err := w.Close(); err != nil { // the final "." and the server's answer
			return fmt.Errorf("end of DATA: %w", err)
		}
		if s.measure {
			s.lat = append(s.lat, time.Since(t0))
		}
		s.specs = append(s.specs, spec)
		if err := s.c.Reset(); err != nil {
			return fmt.Errorf("RSET: %w", err)
		}
		return nil
	}
	// prepare makes the connections' mails, total numbered from first on:
	// connection i's are those numbered first+i, first+i+conns, …
	type mail struct {
		spec mailSpec
		raw  []byte
	}
	prepare := func(first, total int) [][]mail {
		queues := make([][]mail, len(senders))
		for i, s := range senders {
			for n := first + i; n < first+total; n += len(senders) {
				spec := s.gen.next(n)
				queues[i] = append(queues[i], mail{spec, buildMail(spec)})
			}
		}
		return queues
	}
	// run has each connection send its mails, one after another
	run := func(queues [][]mail) error {
		var wg sync.WaitGroup
		errs := make([]error, len(senders))
		for i, s := range senders {
			wg.Go(func() {
				for _, m := range queues[i] {
					if err := send(s, m.spec, m.raw); err != nil {
						errs[i] = fmt.Errorf("connection %d, mail %d: %w", i, m.spec.n, err)
						return
					}
				}
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	if err := run(prepare(0, warmup*conns)); err != nil {
		b.Fatal(err)
	}
	// the measured run's mails, made before it so that making them takes
	// none of the cores while the edge works
	queues := prepare(warmup*conns, b.N)
	for _, s := range senders {
		s.measure = true
	}

	profiled := make(chan struct{})
	if profile != "" && b.N > 1 { // not the framework's first run of one mail
		go func() { defer close(profiled); p.WriteCPUProfile(b, 10*time.Second, profile) }()
	} else {
		close(profiled)
	}
	edge0, gen0, all0 := p.CPU(b), edgetest.ProcCPU(b, 0), edgetest.MachineCPU(b)
	b.ResetTimer()
	start := time.Now()
	err := run(queues)
	wall := time.Since(start)
	b.StopTimer()
	edgeCPU, genCPU, allCPU := p.CPU(b)-edge0, edgetest.ProcCPU(b, 0)-gen0, edgetest.MachineCPU(b)-all0
	<-profiled
	if err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	var all []mailSpec
	for _, s := range senders {
		lat = append(lat, s.lat...)
		all = append(all, s.specs...)
	}
	if len(lat) != b.N {
		b.Fatalf("%d mails measured, want %d", len(lat), b.N)
	}
	slices.Sort(lat)
	rate := float64(b.N) / wall.Seconds()

	// the parser alone on the same mails, one goroutine, after the run
	parseRate := parseAlone(b, all, 2*time.Second)

	b.ReportMetric(rate, "mails/s")
	b.ReportMetric(ms(pct(lat, 50)), "accept-p50-ms")
	b.ReportMetric(ms(pct(lat, 99)), "accept-p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "accept-max-ms")
	b.ReportMetric(float64(edgeCPU.Microseconds())/1e3/float64(b.N), "edge-cpu-ms/mail")
	b.ReportMetric(edgeCPU.Seconds()/wall.Seconds(), "edge-cores")
	b.ReportMetric(genCPU.Seconds()/wall.Seconds(), "gen-cores")
	b.ReportMetric(max(0, (allCPU-edgeCPU-genCPU).Seconds()/wall.Seconds()), "other-cores")
	b.ReportMetric(parseRate, "parse-mails/s")
	b.ReportMetric(rate/parseRate, "inbound/parse")

	for _, s := range senders {
		_ = s.c.Quit()
	}
	checkStored(b, p, all)
}

// checkStored fails unless the edge holds exactly the mails sent: one
// message each, in one conversation per new mail, each conversation with
// as many messages as its thread (read through the REST API).
func checkStored(b *testing.B, p *edgetest.Process, sent []mailSpec) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	do := func(method, path, token, body string, out any) {
		req, err := http.NewRequestWithContext(ctx, method, p.URL+path, strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode/100 != 2 {
			err = fmt.Errorf("%s", resp.Status)
		}
		if err == nil {
			err = json.Unmarshal(raw, out)
		}
		if err != nil {
			b.Fatalf("%s %s: %v %s", method, path, err, raw)
		}
	}
	var key struct {
		Token string `json:"token"`
	}
	do("POST", "/api/v1/api-keys?tenant="+edge.DemoTenant, p.AdminToken(b), `{"name":"bench-check","scopes":["read"]}`, &key)

	// the threads the generator made, by size
	want := map[string]int{} // thread root → mails
	for _, s := range sent {
		want[s.root]++
	}
	wantSizes := make([]int, 0, len(want))
	for _, n := range want {
		wantSizes = append(wantSizes, n)
	}
	var gotSizes []int
	cursor, total := "", 0
	for {
		var page struct {
			Data []struct {
				Channel  string `json:"channel"`
				Messages int    `json:"message_count"`
			} `json:"data"`
			Next string `json:"next_cursor"`
		}
		do("GET", "/api/v1/conversations?limit=100&inbox_id="+edge.DemoEmailInbox+"&cursor="+cursor, key.Token, "", &page)
		for _, c := range page.Data {
			if c.Channel != "email" {
				b.Fatalf("a conversation of the e-mail inbox on channel %q", c.Channel)
			}
			gotSizes = append(gotSizes, c.Messages)
			total += c.Messages
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	slices.Sort(wantSizes)
	slices.Sort(gotSizes)
	if total != len(sent) || !slices.Equal(gotSizes, wantSizes) {
		b.Fatalf("the edge holds %d messages in %d conversations; %d mails were sent in %d threads (thread sizes equal: %v)",
			total, len(gotSizes), len(sent), len(wantSizes), slices.Equal(gotSizes, wantSizes))
	}
}

// parseAlone is the parser's rate, one goroutine, on the mails sent
// (rebuilt from their specs, outside the timing), for at least d and
// each of the mails once if there is time.
func parseAlone(b *testing.B, specs []mailSpec, d time.Duration) float64 {
	p := email.NewParser(email.Limits{})
	var took time.Duration
	n := 0
	batch := make([][]byte, 0, 256)
	for i := 0; took < d || i < len(specs) && took < 3*d; {
		batch = batch[:0]
		for range cap(batch) {
			batch = append(batch, buildMail(specs[i%len(specs)]))
			i++
		}
		t0 := time.Now()
		for _, raw := range batch {
			if _, err := p.Parse(raw); err != nil {
				b.Fatal(err)
			}
		}
		took += time.Since(t0)
		n += len(batch)
	}
	return float64(n) / took.Seconds()
}

func dialSMTP(addr string) (*smtp.Client, error) {
	var last error
	for range 50 {
		c, err := smtp.Dial(addr)
		if err == nil {
			if err = c.Hello("mta-out.example.net"); err == nil {
				return c, nil
			}
			c.Close()
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("the edge's SMTP server at %s: %w", addr, last)
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p/100))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// ---- the generated mails ----

const (
	styleGmail = iota
	styleOutlook
)

// mailSpec is one generated mail: buildMail makes the same bytes from it
// each time.
type mailSpec struct {
	n         int // its number: the seed of everything random in it
	style     int
	sender    int
	fromName  string
	fromAddr  string
	subject   string // the thread's, without "Re: "
	id        string // Message-ID without brackets
	idDigits  int    // offset of the 10-digit counter in id
	inReplyTo string
	refs      []string
	quoteOf   int    // the n of the mail it quotes, or -1
	quoteDate string // when that mail was "sent"
	root      string // the Message-ID of its thread's first mail
}

type mailThread struct {
	sender  int
	subject string
	ids     []string
	last    int // n of its newest mail
}

// mailGen makes a connection's mails: half new threads from a pool of
// senders, half replies to one of its recent threads.
type mailGen struct {
	rng     *rand.Rand
	senders int
	threads []*mailThread
}

func newMailGen(seed uint64, senders int) *mailGen {
	return &mailGen{rng: rand.New(rand.NewPCG(seed, 0x6d61696c)), senders: senders}
}

func (g *mailGen) next(n int) mailSpec {
	var t *mailThread
	if len(g.threads) > 0 && g.rng.IntN(2) == 0 {
		// a reply, mostly to a recent thread
		t = g.threads[max(0, len(g.threads)-1-g.rng.IntN(min(len(g.threads), 64)))]
	}
	s := mailSpec{n: n, quoteOf: -1}
	if t == nil {
		t = &mailThread{sender: g.rng.IntN(g.senders), subject: subjects[g.rng.IntN(len(subjects))]}
		t.subject = strings.ReplaceAll(t.subject, "{order}", strconv.Itoa(10000+g.rng.IntN(90000)))
	} else {
		s.inReplyTo = t.ids[len(t.ids)-1]
		s.refs = slices.Clone(t.ids[max(0, len(t.ids)-10):])
		s.quoteOf = t.last
		s.quoteDate = dateOf(t.last, 0)
	}
	s.sender, s.subject = t.sender, t.subject
	s.fromName, s.fromAddr, s.style = senderOf(t.sender)
	var prefix, suffix string
	if s.style == styleGmail {
		prefix, suffix = "CAJ"+randAlnum(rand.New(rand.NewPCG(uint64(n), 1)), 20), "@mail.gmail.com"
	} else {
		prefix, suffix = "AM9PR07MB"+strconv.Itoa(1000+t.sender%9000)+randUpper(rand.New(rand.NewPCG(uint64(n), 1)), 12), "@AM9PR07MB7842.eurprd07.prod.outlook.com"
	}
	s.id, s.idDigits = prefix+fmt.Sprintf("%010d", n)+suffix, len(prefix)
	t.ids = append(t.ids, s.id)
	t.last = n
	s.root = t.ids[0]
	if len(t.ids) == 1 {
		g.threads = append(g.threads, t)
	}
	return s
}

var (
	firstNames = []string{"Ann", "Bo", "Chen", "Dana", "Émile", "Fatima", "Jürgen", "Haruto", "Inês", "José", "Kofi", "Lena",
		"Mei", "Nikolai", "Olga", "Priya", "Quentin", "Rosa", "Søren", "Tomás", "Uma", "Valentina", "Wei", "Yusuf", "Zoë"}
	lastNames = []string{"Lee", "Müller", "García", "Okafor", "Nakamura", "Rossi", "Dubois", "Kowalski", "Silva", "Novak",
		"Andersen", "Patel", "Ivanova", "O'Brien", "Schmidt", "Hernández", "Kim", "Jensen", "Haddad", "Costa"}
	subjects = []string{"Where is my order #{order}?", "Refund for order {order}", "Wrong size delivered (order {order})",
		"Invoice address needs changing", "Damaged parcel – order {order}", "Question about the warranty",
		"Cancel my subscription", "Payment failed twice", "Can I change the delivery date?", "Missing item in order {order}",
		"Bestellung {order} nicht angekommen", "Problème de livraison – commande {order}", "Discount code does not work",
		"Return label for order {order}", "Account locked after password reset"}
	sentences = []string{
		"I ordered the {product} on {date} and it still has not arrived.",
		"The tracking page says the parcel left the warehouse in {city}, but nothing has moved for three days.",
		"Could you please tell me when I can expect the delivery?",
		"I paid {amount} with my credit card and the amount has already been taken from my account.",
		"When I opened the box the {product} was scratched on one side and the charger was missing.",
		"I have attached the invoice and a photo of the label so that you can find the order.",
		"My address changed last month; the new one is in my account but the invoice still shows the old one.",
		"I would prefer a refund to a replacement, if that is possible.",
		"Your colleague on the phone told me that someone would get back to me within two days, but I have not heard anything.",
		"The discount code from your newsletter is refused at checkout with the message “code not valid”.",
		"Is it possible to pick the parcel up at a shop in {city} instead?",
		"I tried to return the {product} through the website but the form fails at the last step.",
		"Thank you for the quick answer yesterday – unfortunately the problem is not solved yet.",
		"We are a small company and we order from you every month, so this matters to us.",
		"Please let me know if you need the serial number, it is on the back of the device.",
		"Grüße aus {city}, und danke für Ihre Hilfe.",
		"I would appreciate it if you could look into this before the weekend.",
		"The delivery driver left a note saying nobody was home, but I was at home all day.",
		"Could you send me a return label by e-mail? I do not have a printer, a QR code would be even better.",
		"My order number is {order}, placed with the e-mail address I am writing from.",
	}
	agentSentences = []string{
		"Thank you for contacting Demo Shop support.",
		"I am sorry to hear that your order {order} has not arrived yet.",
		"I have checked with our logistics partner and the parcel is on its way to the depot in {city}.",
		"Could you please confirm the delivery address and a phone number the driver can call?",
		"We have issued a refund of {amount}; it will show on your statement within 3–5 business days.",
		"If the parcel does not arrive by {date}, please reply to this e-mail and we will send a replacement.",
	}
	products = []string{"wireless headphones", "coffee grinder", "standing desk", "running shoes", "phone case", "rice cooker", "backpack", "monitor"}
	cities   = []string{"Lyon", "Köln", "Porto", "Rotterdam", "Kraków", "Leeds", "Bologna", "Aarhus"}
)

// senderOf is a sender's name and address, and the client it mails from.
func senderOf(i int) (name, addr string, style int) {
	f, l := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
	local := strings.ToLower(asciiOnly(f) + "." + asciiOnly(l) + strconv.Itoa(i))
	if i%2 == 0 {
		return f + " " + l, local + "@gmail.com", styleGmail
	}
	return f + " " + l, local + "@contoso-" + strconv.Itoa(i%50) + ".example", styleOutlook
}

func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			return r
		case r == 'é' || r == 'É':
			return 'e'
		case r == 'ü':
			return 'u'
		case r == 'ê' || r == 'ë':
			return 'e'
		case r == 'ø':
			return 'o'
		case r == 'á':
			return 'a'
		case r == 'ó':
			return 'o'
		}
		return -1
	}, s)
}

func fill(rng *rand.Rand, s string) string {
	r := strings.NewReplacer("{product}", products[rng.IntN(len(products))], "{city}", cities[rng.IntN(len(cities))],
		"{date}", fmt.Sprintf("%d December", 1+rng.IntN(3)), "{amount}", fmt.Sprintf("€%d.%02d", 20+rng.IntN(400), rng.IntN(100)),
		"{order}", strconv.Itoa(10000+rng.IntN(90000)))
	return r.Replace(s)
}

// paragraphs is what the sender of mail n wrote: a greeting, 3–5
// paragraphs and a sign-off.
func paragraphs(n int, name string, agent bool) []string {
	rng := rand.New(rand.NewPCG(uint64(n), 2))
	src := sentences
	out := []string{"Hello,"}
	if agent {
		src = agentSentences
		out = []string{"Dear " + name + ","}
	}
	for range 3 + rng.IntN(3) {
		var p []string
		for range 2 + rng.IntN(3) {
			p = append(p, fill(rng, src[rng.IntN(len(src))]))
		}
		out = append(out, strings.Join(p, " "))
	}
	if agent {
		return append(out, "Kind regards,\nSam\nDemo Shop support")
	}
	return append(out, "Best regards,\n"+name)
}

func dateOf(n, minutes int) string {
	t := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(n%100000)*7*time.Second + time.Duration(minutes)*time.Minute)
	return t.Format("Mon, 2 Jan 2006 15:04:05 -0700")
}

func randAlnum(rng *rand.Rand, n int) string {
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = abc[rng.IntN(len(abc))]
	}
	return string(b)
}

func randUpper(rng *rand.Rand, n int) string {
	const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = abc[rng.IntN(len(abc))]
	}
	return string(b)
}

func randB64(rng *rand.Rand, n int) string {
	raw := make([]byte, n*3/4+3)
	for i := range raw {
		raw[i] = byte(rng.Uint32())
	}
	return base64.StdEncoding.EncodeToString(raw)[:n]
}

// header writes a header field folded at spaces before 76 characters
// where it can be (a longer word stays whole, as a Message-ID must); the
// long base64 runs of signatures and antispam stamps are folded inside,
// as their senders do (their whitespace does not count).
func header(w *bytes.Buffer, key, value string) {
	w.WriteString(key)
	w.WriteString(": ")
	line := len(key) + 2
	for len(value) > 0 {
		room := 76 - line
		if room >= len(value) {
			w.WriteString(value)
			break
		}
		cut := strings.LastIndexByte(value[:max(1, room)], ' ')
		if cut <= 0 {
			if end := strings.IndexAny(value, " ;"); end >= 0 && end < 200 || len(value) < 200 {
				cut = strings.IndexByte(value, ' ') // a word, a Message-ID: whole
				if cut < 0 {
					w.WriteString(value)
					break
				}
			} else {
				cut = max(1, room) // a long base64 run
			}
		}
		w.WriteString(value[:cut])
		w.WriteString("\r\n\t")
		value = strings.TrimLeft(value[cut:], " ")
		line = 1
	}
	w.WriteString("\r\n")
}

func encodeWord(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return mime.QEncoding.Encode("UTF-8", s)
		}
	}
	return s
}

func qp(s string) []byte {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	_, _ = w.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
	_ = w.Close()
	return buf.Bytes()
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// buildMail makes mail s's bytes (CRLF lines), about benchMailSize long:
// the attachment takes up what the headers and the text leave.
func buildMail(s mailSpec) []byte {
	rng := rand.New(rand.NewPCG(uint64(s.n), 3))
	own := paragraphs(s.n, s.fromName, false)
	var quoted []string // the agent's answer, then the customer's earlier mail
	if s.quoteOf >= 0 {
		quoted = paragraphs(s.quoteOf+1_000_000, s.fromName, true)
		if s.style == styleGmail { // Outlook's HTML is heavier: it quotes the answer alone
			quoted = append(quoted, "", "-- earlier --")
			quoted = append(quoted, paragraphs(s.quoteOf, s.fromName, false)...)
		}
	}
	subject := s.subject
	if s.inReplyTo != "" {
		subject = "Re: " + subject
		if s.style == styleOutlook {
			subject = "RE: " + s.subject
		}
	}
	date := dateOf(s.n, 30)
	from := encodeWord(s.fromName) + " <" + s.fromAddr + ">"
	domain := s.fromAddr[strings.IndexByte(s.fromAddr, '@')+1:]
	outer, inner := "000000000000"+randAlnum(rng, 16), "000000000000"+randAlnum(rng, 16)

	var text, html strings.Builder
	if s.style == styleGmail {
		text.WriteString(strings.Join(own, "\n\n"))
		html.WriteString(`<div dir="ltr">`)
		for _, p := range own {
			html.WriteString("<div>" + strings.ReplaceAll(htmlEscape(p), "\n", "<br>") + "</div><div><br></div>")
		}
		html.WriteString("</div>")
		if quoted != nil {
			text.WriteString("\n\nOn " + s.quoteDate + ", Demo Shop <support@demo.test> wrote:\n\n")
			html.WriteString(`<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On ` + s.quoteDate +
				`, Demo Shop &lt;<a href="mailto:support@demo.test">support@demo.test</a>&gt; wrote:<br></div>` +
				`<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">`)
			for _, p := range quoted {
				for _, l := range strings.Split(p, "\n") {
					text.WriteString("> " + l + "\n")
				}
				text.WriteString(">\n")
				html.WriteString(`<div dir="ltr">` + strings.ReplaceAll(htmlEscape(p), "\n", "<br>") + "</div><br>")
			}
			html.WriteString("</blockquote></div>")
		}
	} else {
		text.WriteString(strings.Join(own, "\n\n"))
		html.WriteString(`<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" ` +
			`xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">` +
			"\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<meta name=\"Generator\" content=\"Microsoft Word 15 (filtered medium)\">\n" +
			"<style><!--\n/* Font Definitions */\n@font-face\n\t{font-family:\"Cambria Math\";\n\tpanose-1:2 4 5 3 5 4 6 3 2 4;}\n@font-face\n\t{font-family:Calibri;\n\tpanose-1:2 15 5 2 2 2 4 3 2 4;}\n" +
			"/* Style Definitions */\np.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0cm;\n\tfont-size:11.0pt;\n\tfont-family:\"Calibri\",sans-serif;\n\tmso-ligatures:standardcontextual;\n\tmso-fareast-language:EN-US;}\n" +
			"a:link, span.MsoHyperlink\n\t{mso-style-priority:99;\n\tcolor:#0563C1;\n\ttext-decoration:underline;}\nspan.EmailStyle19\n\t{mso-style-type:personal-reply;\n\tfont-family:\"Calibri\",sans-serif;\n\tcolor:windowtext;}\n" +
			".MsoChpDefault\n\t{mso-style-type:export-only;\n\tfont-size:10.0pt;\n\tmso-ligatures:none;}\n@page WordSection1\n\t{size:612.0pt 792.0pt;\n\tmargin:72.0pt 72.0pt 72.0pt 72.0pt;}\ndiv.WordSection1\n\t{page:WordSection1;}\n--></style>\n" +
			"</head>\n<body lang=\"EN-US\" link=\"#0563C1\" vlink=\"#954F72\" style=\"word-wrap:break-word\">\n<div class=\"WordSection1\">\n")
		para := func(p string) {
			for _, l := range strings.Split(p, "\n") {
				html.WriteString(`<p class="MsoNormal"><span style="font-size:11.0pt;font-family:&quot;Calibri&quot;,sans-serif;mso-fareast-language:EN-US">` +
					htmlEscape(l) + "<o:p></o:p></span></p>\n")
			}
			html.WriteString(`<p class="MsoNormal"><span style="mso-fareast-language:EN-US"><o:p>&nbsp;</o:p></span></p>` + "\n")
		}
		for _, p := range own {
			para(p)
		}
		if quoted != nil {
			sent := strings.Replace(s.quoteDate, " +0000", "", 1)
			text.WriteString("\n\nFrom: Demo Shop <support@demo.test>\nSent: " + sent + "\nTo: " + s.fromName + " <" + s.fromAddr +
				">\nSubject: Re: " + s.subject + "\n\n" + strings.Join(quoted, "\n\n"))
			html.WriteString(`<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b><span lang="EN-GB">From:</span></b>` +
				`<span lang="EN-GB"> Demo Shop &lt;support@demo.test&gt; <br><b>Sent:</b> ` + sent + `<br><b>To:</b> ` + htmlEscape(s.fromName) +
				` &lt;` + s.fromAddr + `&gt;<br><b>Subject:</b> Re: ` + htmlEscape(s.subject) + "<o:p></o:p></span></p></div>\n")
			for _, p := range quoted {
				para(p)
			}
		}
		html.WriteString("</div>\n</body>\n</html>\n")
	}

	var h bytes.Buffer
	h.Grow(benchMailSize + 2048)
	if s.style == styleGmail {
		h.WriteString("Delivered-To: support@demo.test\r\n")
		header(&h, "Received", "by 2002:a05:7010:"+randUpper(rng, 4)+":b0:"+randUpper(rng, 4)+" with SMTP id "+randAlnum(rng, 10)+"csp"+
			strconv.Itoa(rng.IntN(1e6))+"; "+date)
		header(&h, "X-Google-Smtp-Source", "AGHT+IE"+randB64(rng, 80))
		header(&h, "X-Received", "by 2002:a17:907:"+randUpper(rng, 4)+" with SMTP id "+randAlnum(rng, 24)+"; "+date)
		header(&h, "ARC-Seal", "i=1; a=rsa-sha256; t=1764763445; cv=none; d=google.com; s=arc-20240605; b="+randB64(rng, 344))
		header(&h, "ARC-Message-Signature", "i=1; a=rsa-sha256; c=relaxed/relaxed; d=google.com; s=arc-20240605; "+
			"h=to:subject:message-id:date:from:in-reply-to:references:mime-version:dkim-signature; bh="+randB64(rng, 44)+"; fh=; b="+randB64(rng, 344))
		header(&h, "ARC-Authentication-Results", "i=1; mx.google.com; dkim=pass header.i=@gmail.com header.s=20230601 header.b="+randAlnum(rng, 8)+
			"; spf=pass (google.com: domain of "+s.fromAddr+" designates 209.85.220.41 as permitted sender) smtp.mailfrom="+s.fromAddr+
			"; dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) header.from=gmail.com")
		header(&h, "Return-Path", "<"+s.fromAddr+">")
		header(&h, "Received", "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id "+
			randAlnum(rng, 30)+" for <support@demo.test> (Google Transport Security); "+date)
		header(&h, "Received-SPF", "pass (google.com: domain of "+s.fromAddr+" designates 209.85.220.41 as permitted sender) client-ip=209.85.220.41;")
		header(&h, "Authentication-Results", "mx.google.com; dkim=pass header.i=@gmail.com header.s=20230601 header.b="+randAlnum(rng, 8)+
			"; spf=pass (google.com: domain of "+s.fromAddr+" designates 209.85.220.41 as permitted sender) smtp.mailfrom="+s.fromAddr+
			"; dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) header.from=gmail.com")
		header(&h, "DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed; d=gmail.com; s=20230601; t=1764763445; x=1765368245; darn=demo.test; "+
			"h=to:subject:message-id:date:from:in-reply-to:references:mime-version:from:to:cc:subject:date:message-id:reply-to; bh="+
			randB64(rng, 44)+"; b="+randB64(rng, 344))
		header(&h, "X-Google-DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed; d=1e100.net; s=20230601; t=1764763445; x=1765368245; "+
			"h=to:subject:message-id:date:from:in-reply-to:references:mime-version:x-gm-message-state:from:to:cc:subject:date:message-id:reply-to; bh="+
			randB64(rng, 44)+"; b="+randB64(rng, 344))
		header(&h, "X-Gm-Message-State", "AOJu0Y"+randB64(rng, 66))
		header(&h, "X-Gm-Gg", "ASbGnc"+randB64(rng, 300))
		h.WriteString("MIME-Version: 1.0\r\n")
		if s.inReplyTo != "" {
			header(&h, "References", "<"+strings.Join(s.refs, "> <")+">")
			header(&h, "In-Reply-To", "<"+s.inReplyTo+">")
		}
		header(&h, "From", from)
		header(&h, "Date", date)
		h.WriteString("Message-ID: <" + s.id + ">\r\n")
		header(&h, "Subject", encodeWord(subject))
		header(&h, "To", "Demo Shop <support@demo.test>")
		header(&h, "Content-Type", `multipart/mixed; boundary="`+outer+`"`)
	} else {
		header(&h, "Received", "from PAXPR07MB7890.eurprd07.prod.outlook.com (2603:10a6:102:"+randUpper(rng, 3)+"::"+strconv.Itoa(rng.IntN(99))+
			") by AM9PR07MB7842.eurprd07.prod.outlook.com with HTTPS; "+date)
		header(&h, "ARC-Seal", "i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none; b="+randB64(rng, 344))
		header(&h, "ARC-Message-Signature", "i=1; a=rsa-sha256; c=relaxed/relaxed; d=microsoft.com; s=arcselector10001; "+
			"h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-AntiSpam-MessageData-ChunkCount:X-MS-Exchange-AntiSpam-MessageData-0:X-MS-Exchange-AntiSpam-MessageData-1; bh="+
			randB64(rng, 44)+"; b="+randB64(rng, 344))
		header(&h, "ARC-Authentication-Results", "i=1; mx.microsoft.com 1; spf=pass smtp.mailfrom="+domain+"; dmarc=pass action=none header.from="+
			domain+"; dkim=pass header.d="+domain+"; arc=none")
		header(&h, "DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed; d="+domain+"; s=selector1; "+
			"h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-SenderADCheck; bh="+randB64(rng, 44)+"; b="+randB64(rng, 344))
		header(&h, "From", from)
		header(&h, "To", "Demo Shop <support@demo.test>")
		header(&h, "Subject", encodeWord(subject))
		header(&h, "Thread-Topic", encodeWord(s.subject))
		header(&h, "Thread-Index", "AQHbR"+randB64(rng, 40))
		header(&h, "Date", date)
		h.WriteString("Message-ID: <" + s.id + ">\r\n")
		if s.inReplyTo != "" {
			header(&h, "References", "<"+strings.Join(s.refs, "> <")+">")
			header(&h, "In-Reply-To", "<"+s.inReplyTo+">")
		}
		h.WriteString("Accept-Language: en-US, de-DE\r\nContent-Language: en-US\r\nX-MS-Has-Attach: yes\r\nX-MS-TNEF-Correlator:\r\nmsip_labels:\r\n")
		header(&h, "authentication-results", "dkim=none (message not signed) header.d=none;dmarc=none action=none header.from="+domain+";")
		h.WriteString("x-ms-publictraffictype: Email\r\nx-ms-traffictypediagnostic: AM9PR07MB7842:EE_|PAXPR07MB7890:EE_\r\n")
		header(&h, "x-ms-office365-filtering-correlation-id", fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<16), rng.IntN(1<<16), rng.Uint64()>>16))
		h.WriteString("x-ms-exchange-senderadcheck: 1\r\nx-ms-exchange-antispam-relay: 0\r\n")
		header(&h, "x-microsoft-antispam", "BCL:0;ARA:13230040|366016|1800799024|376014|38070700018;")
		header(&h, "x-microsoft-antispam-message-info", randB64(rng, 1400))
		header(&h, "x-forefront-antispam-report", "CIP:255.255.255.255;CTRY:;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:AM9PR07MB7842.eurprd07.prod.outlook.com;"+
			"PTR:;CAT:NONE;SFS:(13230040)(366016)(1800799024)(376014)(38070700018);DIR:OUT;SFP:1102;")
		h.WriteString("x-ms-exchange-antispam-messagedata-chunkcount: 1\r\n")
		header(&h, "x-ms-exchange-antispam-messagedata-0", randB64(rng, 1800))
		header(&h, "Content-Type", `multipart/mixed; boundary="_004_`+outer+`_"`)
		outer = "_004_" + outer + "_"
		h.WriteString("MIME-Version: 1.0\r\n")
	}
	h.WriteString("\r\n--" + outer + "\r\nContent-Type: multipart/alternative; boundary=\"" + inner + "\"\r\n\r\n")
	h.WriteString("--" + inner + "\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	h.Write(qp(text.String()))
	h.WriteString("\r\n--" + inner + "\r\nContent-Type: text/html; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	h.Write(qp(html.String()))
	h.WriteString("\r\n--" + inner + "--\r\n")
	name := fmt.Sprintf("invoice-%d.pdf", 10000+s.n%90000)
	h.WriteString("--" + outer + "\r\nContent-Type: application/pdf; name=\"" + name + "\"\r\nContent-Disposition: attachment; filename=\"" + name +
		"\"\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <f_" + randAlnum(rng, 9) + ">\r\n\r\n")
	// the attachment fills the mail up to benchMailSize (at least 1 KB)
	room := benchMailSize - h.Len() - len(outer) - 8
	size := max(1024, room/78*57)
	pdf := make([]byte, size)
	copy(pdf, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	for i := 60; i < len(pdf); i++ {
		pdf[i] = byte(rng.Uint32())
	}
	b64 := base64.StdEncoding.EncodeToString(pdf)
	for len(b64) > 76 {
		h.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	h.WriteString(b64 + "\r\n--" + outer + "--\r\n")
	return h.Bytes()
}
