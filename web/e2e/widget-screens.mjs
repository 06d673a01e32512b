// The chat widget's screens in Debian's chromium, against a running edge
// started with --dev: EDGE_URL=http://127.0.0.1:PORT AGENT_PASSWORD=…
// node e2e/widget-screens.mjs (web/e2e_widget_test.go starts the edge and
// runs this). It checks the widget on a phone (full screen, the launcher
// reachable, no page overflow nor scrolling behind it), a 500-message
// history paged back to its first message, agents by name, delivery and
// seen states, the dark theme, the rating on one line at 320 px, a closed
// conversation (final: the next message opens a new one, live and after a
// reload), an inbox's branding reaching a new visitor, and axe-core's
// WCAG 2.1 A and AA rules on each. Exits non-zero, saying what failed. With
// SCREENSHOT_DIR set it saves widget-*.png there.
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const edge = process.env.EDGE_URL;
const password = process.env.AGENT_PASSWORD;
if (!edge || !password) {
  console.error("EDGE_URL and AGENT_PASSWORD are not set: the URL of an edge started with --dev, and its demo agents' password");
  process.exit(2);
}
const shots = process.env.SCREENSHOT_DIR;
const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const timeout = 15000;
const inbox = "demo-web";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--font-render-hinting=none"],
});
let failed = false;
const started = Date.now();
try {
  await run();
  console.log(`widget screens e2e: ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  failed = true;
  console.error("widget screens e2e: " + (err && err.stack ? err.stack : err));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);

async function step(name, fn) {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${name}: ${err.message}`);
  }
}

function check(ok, what) {
  if (!ok) throw new Error(what);
}

// accessible runs axe-core's WCAG 2.1 A and AA rules on what the page
// shows now, shadow roots included.
async function accessible(page, what) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(" ") + " " + (n.failureSummary || "").replace(/\s+/g, " ")).join(", ")}`);
  });
  if (violations.length) throw new Error(`${what} is not accessible:\n  ${violations.join("\n  ")}`);
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: `${shots}/${name}` });
}

// agent signs a demo agent in from a page of the edge and speaks the
// protocol from it: req sends a frame and resolves with its reply, and
// the page keeps every frame it gets (window.frames_).
async function agent(email) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  await p.goto(edge + "/healthz");
  await step(`${email} signs in`, () => p.evaluate(async ([email, password]) => {
    const r = await fetch("/api/v1/login", { method: "POST", body: JSON.stringify({ email, password }) });
    if (!r.ok) throw new Error(`login answered ${r.status}`);
    window.token_ = (await r.json()).token;
    window.frames_ = [];
    const pending = new Map();
    let n = 0;
    await new Promise((resolve) => {
      const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws");
      ws.onopen = () => ws.send(JSON.stringify({ type: "hello", v: 1, token: window.token_ }));
      ws.onmessage = (m) => {
        const f = JSON.parse(m.data);
        if (f.id && pending.has(f.id)) {
          pending.get(f.id)(f);
          pending.delete(f.id);
          return;
        }
        window.frames_.push(f);
        if (f.type === "welcome") resolve();
      };
      window.req_ = (frame) => new Promise((res) => {
        const id = "r" + ++n;
        pending.set(id, res);
        ws.send(JSON.stringify({ ...frame, id }));
      });
    });
  }, [email, password]));
  const req = async (f) => {
    const r = await p.evaluate((f) => window.req_(f), f);
    if (r.type === "error") throw new Error(`${f.type}: ${r.code} ${r.message}`);
    return r;
  };
  return {
    page: p,
    req,
    // all sends frames at once (the edge takes 64 in flight) and answers
    // the replies in order.
    all: (frames) => p.evaluate((fs) => Promise.all(fs.map((f) => window.req_(f))), frames),
    // conversationOf waits for a conversation whose last message is text.
    conversationOf: (text) => step(`${email} sees "${text}"`, async () => (await p.waitForFunction((text) => {
      const f = window.frames_.find((f) => f.type === "event" && f.item && f.item.kind === "message" && f.item.text === text);
      return f && { conv: f.item.conv, seq: f.item.seq };
    }, text, { timeout })).jsonValue()),
    // upload stores a picture drawn on a canvas, as the agent.
    upload: () => p.evaluate(async () => {
      const c = document.createElement("canvas");
      c.width = 480;
      c.height = 240;
      const g = c.getContext("2d");
      g.fillStyle = "#eef2f7";
      g.fillRect(0, 0, 480, 240);
      g.fillStyle = "#2f5bd3";
      g.fillRect(0, 0, 480, 56);
      g.fillStyle = "#fff";
      g.font = "bold 24px sans-serif";
      g.fillText("Parcel ED12345", 24, 37);
      g.fillStyle = "#15181e";
      g.font = "20px sans-serif";
      g.fillText("Shipped · arrives Thursday", 24, 110);
      g.fillStyle = "#1f8a4c";
      g.fillRect(24, 150, 300, 12);
      g.fillStyle = "#c5cbd5";
      g.fillRect(324, 150, 132, 12);
      const blob = await new Promise((res) => c.toBlob(res, "image/png"));
      const r = await fetch("/api/v1/attachments?name=parcel.png", { method: "POST", headers: { Authorization: `Bearer ${window.token_}`, "Content-Type": "image/png" }, body: blob });
      if (!r.ok) throw new Error(`upload answered ${r.status}`);
      return (await r.json()).id;
    }),
  };
}

// visit opens the demo shop in a new context and returns the page and
// the widget (its shadow host).
async function visit(options = {}, path = "/demo") {
  const ctx = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 }, ...options });
  const page = await ctx.newPage();
  await page.goto(edge + path);
  const widget = page.locator("#edgedesk-widget");
  await step("the launcher appears", () => widget.locator(".bubble").waitFor({ timeout }));
  return { ctx, page, widget };
}

// say writes a message in the widget and waits until the edge took it.
async function say(widget, text) {
  const input = widget.locator("form.chat textarea");
  await input.fill(text);
  await input.press("Enter");
  await step(`"${text}" is sent`, () => widget.locator(".row.customer[data-state=sent], .row.customer[data-state=seen]", { hasText: text }).waitFor({ timeout }));
}

// luminance of a CSS rgb() colour.
function luminance(rgb) {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => v / 255).map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

async function run() {
  const alice = await agent("alice@demo.test");
  const bob = await agent("bob@demo.test");

  // A phone, 360 px wide: the page does not overflow, the launcher is in
  // reach wherever the page is scrolled, and the widget opens full screen
  // with a close button, the page not scrolling behind it.
  {
    const { page, widget } = await visit({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const launcher = widget.locator(".bubble");
    const inView = async (loc, what) => {
      const b = await loc.boundingBox();
      check(b && b.x >= 0 && b.y >= 0 && b.x + b.width <= 360 && b.y + b.height <= 740, `${what} is off-screen at ${JSON.stringify(b)}`);
    };
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 360, `the demo page is ${width} px wide on a 360 px phone: it scrolls sideways`);
    await inView(launcher, "the launcher");
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await inView(launcher, "the launcher, the page scrolled to its end");
    await launcher.tap();
    const panel = widget.locator(".panel");
    await panel.waitFor({ timeout });
    await page.waitForTimeout(300); // the panel slides in
    const box = await panel.boundingBox();
    check(box.x === 0 && box.y === 0 && box.width === 360 && box.height === 740, `the panel is not full screen on a phone: ${JSON.stringify(box)}`);
    const close = widget.locator("header .close");
    await inView(close, "the close button");
    check(await close.isVisible(), "the full-screen panel has no visible close button");
    check(!(await launcher.isVisible()), "the launcher shows over the full-screen panel");
    const overflow = await page.evaluate(() => getComputedStyle(document.documentElement).overflow + "/" + getComputedStyle(document.body).overflow);
    check(overflow === "hidden/hidden", `the page scrolls behind the full-screen panel (overflow ${overflow})`);
    await say(widget, "Hi! Can I change my delivery address?");
    const { conv } = await alice.conversationOf("Hi! Can I change my delivery address?");
    await alice.req({ type: "send", conv, client_id: "p1", text: "Of course! Reply with the new address and I'll update the order." });
    await step("the reply shows on the phone", () => widget.locator(".msg.agent", { hasText: "new address" }).waitFor({ timeout }));
    await inView(widget.locator("form.chat .send"), "the send button");
    await accessible(page, "the full-screen widget on a phone");
    await shot(page, "widget-phone.png");
    await close.tap();
    await panel.waitFor({ state: "hidden", timeout });
    await inView(launcher, "the launcher after closing");
    const after = await page.evaluate(() => getComputedStyle(document.documentElement).overflow + "/" + getComputedStyle(document.body).overflow);
    check(after === "visible/visible", `the page does not scroll again after closing (overflow ${after})`);
    // closed, the launcher counts the agent's new messages
    await alice.req({ type: "send", conv, client_id: "p2", text: "Done — anything else?" });
    await step("the launcher shows one new message", () => widget.locator(".bubble .badge", { hasText: "1" }).waitFor({ timeout }));
    const label = await launcher.getAttribute("aria-label");
    check(label === "Chat with us, 1 new message", `the launcher is labelled ${JSON.stringify(label)}`);
    await launcher.tap();
    await step("opening the panel clears the count", () => widget.locator(".bubble .badge").waitFor({ state: "hidden", timeout }));
    await page.context().close();
  }

  // A 500-message history pages back to its first message when the
  // visitor scrolls up; agents are shown by name, never by id.
  {
    const { page, widget } = await visit();
    await widget.locator(".bubble").click();
    await say(widget, "The very first message");
    const { conv } = await alice.conversationOf("The very first message");
    const frames = [];
    for (let i = 2; i <= 498; i++) frames.push({ type: "send", conv, client_id: `h${i}`, text: `Message ${i}` });
    const replies = await alice.all(frames);
    check(replies.every((r) => r.type === "ack"), `seeding the history: ${JSON.stringify(replies.find((r) => r.type !== "ack"))}`);
    await bob.req({ type: "send", conv, client_id: "h499", text: "Message 499 from Bob" });
    await say(widget, "Message 500");
    await page.reload();
    await widget.locator(".bubble").click();
    await step("the latest page shows", () => widget.locator(".msg", { hasText: "Message 500" }).waitFor({ timeout }));
    const firstCount = await widget.locator(".msg").count();
    check(firstCount < 500, `the widget loaded all ${firstCount} messages at once`);
    const log = widget.locator(".log");
    for (let n = firstCount; n < 500;) {
      await log.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event("scroll")); });
      await step(`scrolling up loads older messages than the ${n} shown`, () => page.waitForFunction((n) =>
        document.querySelector("#edgedesk-widget").shadowRoot.querySelectorAll(".msg").length > n, n, { timeout }));
      n = await widget.locator(".msg").count();
    }
    const texts = await widget.locator(".msg").allTextContents();
    check(texts.length === 500, `the widget shows ${texts.length} messages, want 500`);
    check(texts[0] === "The very first message" && texts[499] === "Message 500", `first and last: ${texts[0]}, ${texts[499]}`);
    for (let i = 2; i <= 498; i++) check(texts[i - 1] === `Message ${i}`, `message ${i} is ${JSON.stringify(texts[i - 1])}`);
    await step("at the start the inbox's greeting shows", () => widget.locator(".intro .greet").waitFor({ timeout }));
    check(await widget.locator(".older").count() === 0, "the button for older messages stays at the start");
    const authors = await widget.locator(".author:visible").allTextContents();
    check(authors.includes("Alice") && authors.includes("Bob"), `the agents' names shown: ${JSON.stringify(authors)}`);
    const all = await page.evaluate(() => document.querySelector("#edgedesk-widget").shadowRoot.textContent);
    check(!/agent-(alice|bob)/.test(all), "the widget shows an agent's id");
    await accessible(page, "the widget with a long history");
    await page.context().close();
  }

  // Delivery and seen states, an agent's picture, a link, names and
  // avatars: the desktop screenshots, light and dark.
  const { ctx: shop, page, widget } = await visit();
  await widget.locator(".bubble").click();
  await say(widget, "Hi! I ordered a teapot on Monday — has it shipped yet?");
  const state = widget.locator(".row.customer").last().locator(".meta .state");
  check((await state.textContent()) === "Sent", `the visitor's message says ${JSON.stringify(await state.textContent())}, want Sent`);
  const { conv, seq } = await alice.conversationOf("Hi! I ordered a teapot on Monday — has it shipped yet?");
  await alice.req({ type: "read", conv, seq });
  await step("the visitor sees that the agent read the message", () => widget.locator(".seen", { hasText: "Seen" }).waitFor({ timeout }));
  await alice.req({ type: "send", conv, client_id: "d1", text: "Hi! Let me check that for you." });
  const picture = await alice.upload();
  await alice.req({ type: "send", conv, client_id: "d2", attachments: [picture] });
  await alice.req({ type: "send", conv, client_id: "d3", text: "It shipped this morning. You can follow it here: https://track.example.com/ED12345" });
  await step("a message that is only a picture shows the picture", () => page.waitForFunction(() => {
    const img = document.querySelector("#edgedesk-widget").shadowRoot.querySelector(".msg.agent.media img");
    return img && img.complete && img.naturalWidth === 480;
  }, null, { timeout }));
  await step("the link is a link", () => widget.locator(".msg.agent a[href='https://track.example.com/ED12345']").waitFor({ timeout }));
  await say(widget, "Great, thank you!");
  const last = await alice.conversationOf("Great, thank you!");
  await alice.req({ type: "read", conv, seq: last.seq });
  await widget.locator(".row.customer").last().locator(".seen").waitFor({ timeout });
  check(await widget.locator(".row.agent .author:visible", { hasText: "Alice" }).count() >= 1, "the agent is not named");
  check(await widget.locator(".row.agent.last .avatar", { hasText: "A" }).count() >= 1, "the agent has no avatar with her initial");
  check(await widget.locator(".day", { hasText: "Today" }).count() === 1, "no day separator says Today");
  // Icons are inline SVG: no emoji, which shows as an empty box where no
  // emoji font is installed.
  for (const sel of [".bubble", "header .call", "header .close", "form.chat .attach", "form.chat .send", ".row.customer .meta .state"]) {
    check(await widget.locator(`${sel} svg`).count() >= 1, `${sel} has no SVG icon`);
  }
  const emoji = await page.evaluate(() => (document.querySelector("#edgedesk-widget").shadowRoot.querySelector(".ed").textContent.match(/[\u2600-\u27bf\u{1f300}-\u{1faff}]/gu) || []).join(""));
  check(emoji === "", `the widget writes emoji as icons: ${emoji}`);
  await accessible(page, "the widget with a conversation (light)");
  await shot(page, "widget-desktop.png");
  // After a reload the edge says how far agents read (history's read_seq).
  await page.reload();
  await widget.locator(".bubble").click();
  await step("after a reload the last message is still seen", () => widget.locator(".row.customer").last().locator(".seen", { hasText: "Seen" }).waitFor({ timeout }));

  // Dark: the system's scheme, and the one the website forces either way.
  const stored = await shop.storageState();
  const panelLuminance = async (p) => luminance(await p.locator("#edgedesk-widget .panel").evaluate((el) => getComputedStyle(el).backgroundColor));
  {
    const { page: dark, widget: w } = await visit({ storageState: stored, colorScheme: "dark" });
    await w.locator(".bubble").click();
    await w.locator(".msg", { hasText: "Great, thank you!" }).waitFor({ timeout });
    check(await panelLuminance(dark) < 0.05, "the widget is not dark when the system prefers dark");
    await w.locator(".row.customer").last().locator(".seen").waitFor({ timeout });
    await accessible(dark, "the widget with a conversation (dark)");
    await shot(dark, "widget-dark.png");
    await dark.goto(edge + "/demo?theme=light");
    await dark.locator("#edgedesk-widget .bubble").click();
    check(await panelLuminance(dark) > 0.8, "data-theme=light does not make the widget light in a dark system");
    await dark.context().close();
  }
  await page.goto(edge + "/demo?theme=dark");
  await widget.locator(".bubble").click();
  check(await panelLuminance(page) < 0.05, "data-theme=dark does not make the widget dark");
  await accessible(page, "the widget forced dark");

  // The rating fits one line at 320 px.
  {
    const { page: narrow, widget: w } = await visit({ viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await w.locator(".bubble").tap();
    await say(w, "Thanks, that's all!");
    const { conv } = await alice.conversationOf("Thanks, that's all!");
    await alice.req({ type: "status", conv, status: "solved" });
    const rating = w.locator(".rating");
    await step("the solved conversation asks for a rating", () => rating.locator(".stars button").first().waitFor({ timeout }));
    const boxes = await w.locator(".rating p, .rating .stars button").evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON()));
    const r = await rating.boundingBox();
    const centre = (b) => b.y + b.height / 2;
    check(boxes.every((b) => Math.abs(centre(b) - centre(boxes[0])) < 2), `the rating wraps at 320 px: ${JSON.stringify(boxes.map((b) => [b.x, b.y]))}`);
    check(boxes.every((b) => b.x >= 0 && b.x + b.width <= 320), "a star is off-screen at 320 px");
    check(r.height <= 52, `the rating is ${r.height} px high: more than one line`);
    const question = await w.locator(".rating p").evaluate((el) => el.scrollWidth <= el.clientWidth);
    check(question, "the rating's question is cut off at 320 px");
    await accessible(narrow, "the rating at 320 px");
    await shot(narrow, "widget-rating.png");
    await w.locator(".stars button").nth(4).tap();
    await step("the rating is thanked", () => rating.locator("p", { hasText: "Thank you for your rating." }).waitFor({ timeout }));

    // Closed, the conversation is final: the edge refuses an agent's reply
    // and a reopening, with what to do instead; the widget's next message
    // opens a new conversation (live, and after a reload).
    await alice.req({ type: "status", conv, status: "closed" });
    const [reply, reopen] = await alice.all([{ type: "send", conv, client_id: "x1", text: "Anything else?" }, { type: "status", conv, status: "open" }]);
    check(reply.type === "error" && reply.code === "invalid" && /closed: it takes private notes only/.test(reply.message ?? ""),
      `an agent's reply into a closed conversation was answered ${JSON.stringify(reply)}`);
    check(reopen.type === "error" && reopen.code === "invalid" && /closed → open/.test(reopen.message ?? ""),
      `reopening a closed conversation was answered ${JSON.stringify(reopen)}`);
    await alice.req({ type: "send", conv, client_id: "x2", text: "Called the customer.", private: true }); // a note still goes
    await say(w, "Actually, one more thing");
    const { conv: next } = await alice.conversationOf("Actually, one more thing");
    check(next !== conv, "the customer's message after the conversation closed went into the closed one");
    check(await rating.isHidden(), "the new conversation still asks to rate the closed one");
    // close that one too: after a reload the widget finds neither (the
    // welcome lists no closed conversation) and opens a third
    for (const status of ["solved", "closed"]) await alice.req({ type: "status", conv: next, status });
    await narrow.reload();
    await w.locator(".bubble").tap();
    check(await w.locator(".msg", { hasText: "one more thing" }).count() === 0, "after a reload the widget shows the closed conversation");
    await say(w, "Back after a reload");
    const { conv: third } = await alice.conversationOf("Back after a reload");
    check(third !== conv && third !== next, "after a reload the customer's message went into a closed conversation");
    await narrow.context().close();
  }

  // Branding set with inbox_set reaches a new visitor.
  await alice.req({ type: "inbox_set", inbox, prechat: [], color: "#0B7A5C", greeting: "Welcome to the Demo Shop! Questions about an order? We're here.", reply_time: "hours" });
  {
    const { page: fresh, widget: w } = await visit();
    await w.locator(".bubble").click();
    await step("the new visitor sees the inbox's greeting", () => w.locator(".intro .greet", { hasText: "Welcome to the Demo Shop!" }).waitFor({ timeout }));
    check((await w.locator("header .title").textContent()) === "Demo Shop", "the header does not name the inbox");
    check((await w.locator("header .subtitle").textContent()) === "Usually replies in an hour", `the header says ${await w.locator("header .subtitle").textContent()}`);
    const bg = await w.locator("header").evaluate((el) => getComputedStyle(el).backgroundColor);
    check(bg === "rgb(11, 122, 92)", `the header's colour is ${bg}, want the inbox's #0b7a5c`);
    const launcherBg = await w.locator(".bubble").evaluate((el) => getComputedStyle(el).backgroundColor);
    check(launcherBg === "rgb(11, 122, 92)", `the launcher's colour is ${launcherBg}`);
    await say(w, "Do you ship to Norway?");
    const { conv } = await alice.conversationOf("Do you ship to Norway?");
    await alice.req({ type: "send", conv, client_id: "b1", text: "We do! Shipping to Norway takes 3–5 days." });
    await w.locator(".msg.agent", { hasText: "Norway" }).waitFor({ timeout });
    await accessible(fresh, "the branded widget");
    await shot(fresh, "widget-branding.png");
    // Shift+Enter starts a new line; Enter sends.
    const field = w.locator("form.chat textarea");
    await field.pressSequentially("Two lines:");
    await field.press("Shift+Enter");
    await field.pressSequentially("the second one");
    await field.press("Enter");
    await step("a message of two lines is sent as one", () =>
      w.locator(".row.customer[data-state=sent] .msg", { hasText: "Two lines:" }).waitFor({ timeout }));
    const two = await w.locator(".msg", { hasText: "Two lines:" }).textContent();
    check(two === "Two lines:\nthe second one", `the two-line message is ${JSON.stringify(two)}`);
    await fresh.context().close();
  }
  // back to the demo's own look, for whatever runs next on this edge
  await alice.req({ type: "inbox_set", inbox, prechat: [], color: "", greeting: "", reply_time: "minutes" });
}
