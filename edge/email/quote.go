package email

import (
	"regexp"
	"strings"
)

// quoteStarts are the lines mail clients put above the message they quote,
// and the separators of forwarded and Outlook-quoted mail, in the languages
// of the edge's customers.
var quoteStarts = []*regexp.Regexp{
	// Gmail, Apple Mail, Thunderbird: "On Tue, 3 Dec 2026 at 10:02, Ann <a@x> wrote:" (may wrap)
	regexp.MustCompile(`(?i)^on\b.{0,300}\bwrote:\s*$`),
	regexp.MustCompile(`(?i)^am\b.{0,300}\bschrieb.{0,120}:\s*$`),
	regexp.MustCompile(`(?i)^le\b.{0,300}\ba écrit\s*:\s*$`),
	regexp.MustCompile(`(?i)^el\b.{0,300}\bescribió:\s*$`),
	regexp.MustCompile(`(?i)^il giorno\b.{0,300}\bha scritto:\s*$`),
	regexp.MustCompile(`(?i)^op\b.{0,300}\bschreef.{0,120}:\s*$`),
	regexp.MustCompile(`(?i)^em\b.{0,300}\bescreveu:\s*$`),
	regexp.MustCompile(`^.{0,300}写道[:：]\s*$`),
	regexp.MustCompile(`^.{0,300}のメッセージ[:：]\s*$`),
	regexp.MustCompile(`^.{0,300}님이 작성[:：]\s*$`),
	// Outlook and forwards
	regexp.MustCompile(`(?i)^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|原始邮件|forwarded message|weitergeleitete nachricht)\s*-{2,}\s*$`),
	regexp.MustCompile(`^_{20,}\s*$`),
}

// splitQuote cuts a mail's text into what its sender wrote and what it
// quoted of earlier mails with its signature: from the first line that
// opens a quote ("On … wrote:", "-----Original Message-----", a block of
// "> " lines that runs to the end) or the signature separator "-- ". Both
// are kept; the console shows the second folded. A mail that is all quote
// (a forward with nothing above it) stays whole in the first.
func splitQuote(text string) (body, quoted string) {
	lines := strings.SplitAfter(text, "\n")
	cut := -1
	for i, raw := range lines {
		l := strings.TrimRight(raw, "\r\n")
		t := strings.TrimSpace(l)
		if l == "-- " || l == "--" && i > 0 {
			cut = i
			break
		}
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, ">") && restQuoted(lines[i:]) {
			cut = i
			// the attribution line above a quote belongs to it
			for j := i - 1; j >= 0; j-- {
				if s := strings.TrimSpace(lines[j]); s != "" {
					if strings.HasSuffix(s, ":") || strings.HasSuffix(s, "：") {
						cut = j
					}
					break
				}
			}
			break
		}
		if quoteStart(t) {
			cut = i
			// "On …" wrapped over two lines: start at the first
			if i > 0 && !strings.HasPrefix(strings.ToLower(t), "on ") {
				if p := strings.TrimSpace(lines[i-1]); strings.HasPrefix(strings.ToLower(p), "on ") && quoteStart(p+" "+t) {
					cut = i - 1
				}
			}
			break
		}
		if outlookBlock(lines[i:]) {
			cut = i
			break
		}
		if i+1 < len(lines) && quoteStart(t+" "+strings.TrimSpace(lines[i+1])) && strings.HasPrefix(strings.ToLower(t), "on ") {
			cut = i
			break
		}
	}
	if cut <= 0 {
		return strings.TrimSpace(text), ""
	}
	body = strings.TrimSpace(strings.Join(lines[:cut], ""))
	if body == "" {
		return strings.TrimSpace(text), ""
	}
	return body, strings.TrimRight(strings.Join(lines[cut:], ""), "\n")
}

func quoteStart(t string) bool {
	if len(t) > 400 {
		return false
	}
	// every opener ends with a colon or is a line of dashes or
	// underscores: most lines are passed over without a regexp
	if !strings.HasSuffix(t, ":") && !strings.HasSuffix(t, "：") && !strings.HasPrefix(t, "--") && !strings.HasPrefix(t, "__") {
		return false
	}
	for _, re := range quoteStarts {
		if re.MatchString(t) {
			return true
		}
	}
	return false
}

// restQuoted says whether the lines from here on are quoted ("> "), blank,
// or a signature: a quote at the end, not a quote answered inline.
func restQuoted(lines []string) bool {
	for _, raw := range lines {
		t := strings.TrimSpace(raw)
		if t == "" || strings.HasPrefix(t, ">") {
			continue
		}
		if t == "--" {
			return true
		}
		return false
	}
	return true
}

// outlookBlock reports whether lines start an Outlook header block:
// "From:" followed within four lines by "Sent:"/"Date:" and "To:" or
// "Subject:".
func outlookBlock(lines []string) bool {
	if len(lines) == 0 {
		return false
	}
	first := strings.ToLower(strings.TrimSpace(lines[0]))
	if !(strings.HasPrefix(first, "from:") || strings.HasPrefix(first, "von:") || strings.HasPrefix(first, "de :") ||
		strings.HasPrefix(first, "de:") || strings.HasPrefix(first, "发件人")) {
		return false
	}
	seen := 0
	for _, l := range lines[1:min(len(lines), 5)] {
		t := strings.ToLower(strings.TrimSpace(l))
		for _, k := range []string{"sent:", "date:", "gesendet:", "envoyé :", "envoyé:", "发送时间", "to:", "an:", "à :", "收件人", "subject:", "betreff:", "objet :", "主题"} {
			if strings.HasPrefix(t, k) {
				seen++
				break
			}
		}
	}
	return seen >= 2
}
