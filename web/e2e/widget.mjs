// End-to-end test of the chat widget in Debian's chromium, against a running
// edge started with --dev: EDGE_URL=http://127.0.0.1:PORT node e2e/widget.mjs
// (web/e2e_test.go starts the edge and runs this, and stops and starts it
// when the script asks on stdout). Exits non-zero, saying
// what failed, when a step does not happen. With SCREENSHOT_DIR set it saves
// screenshots there.
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { createServer } from "node:http";
import readline from "node:readline";
import { chromium } from "playwright-core";

const edge = process.env.EDGE_URL;
if (!edge) {
  console.error("EDGE_URL is not set: the URL of an edge started with --dev");
  process.exit(2);
}
const { AGENT_EMAIL: agentEmail, AGENT_PASSWORD: agentPassword, IDENTITY_SECRET: identitySecret } = process.env;
if (!agentEmail || !agentPassword || !identitySecret) {
  console.error("AGENT_EMAIL, AGENT_PASSWORD and IDENTITY_SECRET are not set: a demo agent's credentials and the demo inbox's identity secret");
  process.exit(2);
}
const shots = process.env.SCREENSHOT_DIR;
const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const timeout = 15000;
// Answers of the test to control() (see below), a line each.
const answers = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    // calls: chromium's own test pattern and tone for camera and microphone, no permission prompt
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required"],
});
let failed = false;
try {
  await run();
  console.log("widget e2e: ok");
} catch (err) {
  failed = true;
  console.error("widget e2e: " + (err && err.stack ? err.stack : err));
} finally {
  await browser.close();
}
answers.return?.();
process.exit(failed ? 1 : 0);

// control asks the test that started the edge to act on it (a line on
// stdout) and waits for its answer (a line on stdin).
async function control(what) {
  console.log(`edgedesk-e2e: ${what}`);
  const { value, done } = await answers.next();
  if (done || value !== "done") throw new Error(`${what}: the test answered ${JSON.stringify(value)}`);
}

// accessible runs axe-core's WCAG 2.1 A and AA rules on what the page
// shows now, shadow roots included, and fails with each violation and the
// elements it concerns.
async function accessible(page, what) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  if (violations.length) throw new Error(`${what} is not accessible:\n  ${violations.join("\n  ")}`);
}

// choose picks an option of one of the console's selects (a button named
// "<label>: <value>" and a listbox named label).
async function choose(page, label, option) {
  await page.getByRole("button", { name: new RegExp(`^${label}: `) }).click();
  await page.getByRole("listbox", { name: label, exact: true }).getByRole("option", { name: option, exact: true }).click();
}

// view shows one of the console's views (the list's views menu), by its
// name: "Unassigned", "My open tickets", "All conversations".
async function view(page, name) {
  await page.getByRole("button", { name: /^View: / }).click();
  await page.getByRole("menu", { name: "Views" }).getByRole("menuitemradio", { name: new RegExp(`^${name}(,|$)`) }).click();
}

async function step(name, fn) {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${name}: ${err.message}`);
  }
}

async function run() {
  // The customer: a visitor of the demo shop.
  const shop = await browser.newContext({ locale: "en-US" });
  const page = await shop.newPage();
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await page.goto(edge + "/demo");
  const widget = page.locator("#edgedesk-widget");
  await step("the chat bubble appears", () => widget.locator(".bubble").waitFor({ timeout }));
  await widget.locator(".bubble").click();
  const input = widget.locator("textarea");
  await step("the panel opens", () => input.waitFor({ timeout }));
  await step("with no agent online the widget says so", () =>
    widget.locator(".away", { hasText: "away right now" }).waitFor({ state: "visible", timeout }));
  // ... and takes an e-mail address to answer at.
  await widget.locator(".away input[type=email]").fill("visitor@example.com");
  await widget.locator(".away button", { hasText: "Notify me" }).click();
  await step("the widget confirms the e-mail address", () =>
    widget.locator(".away", { hasText: "we'll answer at visitor@example.com" }).waitFor({ timeout }));

  // The agent: a second browser context with the protocol spoken from page
  // script (the console comes later).
  const desk = await browser.newContext();
  const agent = await desk.newPage();
  await agent.goto(edge + "/healthz");
  await step("the agent signs in", () => agent.evaluate(async ([email, password]) => {
    const r = await fetch("/api/v1/login", { method: "POST", body: JSON.stringify({ email, password }) });
    if (!r.ok) throw new Error(`login answered ${r.status}`);
    const { token } = await r.json();
    window.token_ = token;
    window.frames_ = [];
    let last = 0;
    // connect (again after a drop) with resume, like any client.
    const connect = () => new Promise((resolve) => {
      const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws");
      ws.onopen = () => ws.send(JSON.stringify({ type: "hello", v: 1, token, ...(last ? { resume: last } : {}) }));
      ws.onmessage = (m) => {
        const f = JSON.parse(m.data);
        if (f.type === "event" && f.seq) last = Math.max(last, f.seq);
        window.frames_.push(f);
        if (f.type === "welcome") { window.ws_ = ws; resolve(); }
      };
      ws.onclose = () => setTimeout(connect, 300);
    });
    await connect();
  }, [agentEmail, agentPassword]));
  await step("once an agent is online the away notice goes", () =>
    widget.locator(".away").waitFor({ state: "hidden", timeout }));
  const agentSees = (text) => agent.waitForFunction((text) => window.frames_.find((f) =>
    f.type === "event" && f.item && f.item.kind === "message" && f.item.text === text), text, { timeout });
  const reply = (conv, id, text) => agent.evaluate(([conv, id, text]) =>
    window.ws_.send(JSON.stringify({ type: "send", conv, client_id: id, text })), [conv, id, text]);

  // Customer → agent.
  await input.fill("Hello, where is my order?");
  await input.press("Enter");
  const got = await step("the agent receives the customer's message live", () => agentSees("Hello, where is my order?"));
  const conv = (await got.jsonValue()).item.conv;

  // Agent → customer.
  await reply(conv, "r1", "It ships today.");
  await step("the customer sees the reply", () => widget.locator(".msg.agent", { hasText: "It ships today." }).waitFor({ timeout }));
  if (shots) await page.screenshot({ path: `${shots}/widget.png` });
  await accessible(page, "the open widget on the demo page");

  // Typing, both ways.
  await agent.evaluate((conv) => window.ws_.send(JSON.stringify({ type: "typing", conv, on: true })), conv);
  await step("the customer sees that the agent types", () =>
    widget.locator(".typing", { hasText: /is typing/ }).waitFor({ timeout }));
  await input.pressSequentially("Thanks", { delay: 20 });
  await step("the agent sees that the customer types", () => agent.waitForFunction((conv) => window.frames_.find((f) =>
    f.type === "typing" && f.conv === conv && f.actor_kind === "customer" && f.on), conv, { timeout }));
  await input.fill("");

  // Escape closes the panel and gives the focus back to the bubble.
  await input.press("Escape");
  await step("Escape closes the panel", () => widget.locator(".panel").waitFor({ state: "hidden", timeout }));
  const focused = await widget.locator(".bubble").evaluate((el) => el.getRootNode().activeElement === el);
  if (!focused) throw new Error("after Escape the focus is not on the chat bubble");
  // The keyboard opens it again, with the focus in the message field.
  await page.keyboard.press("Enter");
  await step("Enter on the bubble opens the panel", () => input.waitFor({ state: "visible", timeout }));
  const inInput = await input.evaluate((el) => el.getRootNode().activeElement === el);
  if (!inInput) throw new Error("after opening the panel the focus is not in the message field");

  // Hostile text stays text.
  const payload = "<img src=x onerror=alert(1)>";
  await input.fill(payload);
  await input.press("Enter");
  await step("the agent receives the markup as text", () => agentSees(payload));
  const shown = await widget.locator(".msg.customer").last().textContent();
  if (shown !== payload) throw new Error(`the widget shows ${JSON.stringify(shown)}, want the text ${JSON.stringify(payload)}`);
  if (await widget.locator(".log img").count() !== 0) throw new Error("the message became an <img> element");
  if (dialogs.length) throw new Error(`the page ran script from a message: dialog ${JSON.stringify(dialogs)}`);

  // A reload keeps the conversation.
  await page.reload();
  await widget.locator(".bubble").click();
  for (const text of ["Hello, where is my order?", "It ships today.", payload]) {
    await step(`after a reload the history shows ${JSON.stringify(text)}`, () =>
      widget.locator(".msg", { hasText: text }).first().waitFor({ timeout }));
  }
  const count = await widget.locator(".msg").count();
  if (count !== 3) throw new Error(`after a reload the widget shows ${count} messages, want 3`);

  // The edge restarts (same address): while it is down the customer writes;
  // afterwards both sides are back and nothing is lost or doubled.
  await control("stop edge");
  await step("the widget says it is reconnecting", () => widget.locator(".banner").waitFor({ state: "visible", timeout }));
  await input.fill("Written while the edge was down");
  await input.press("Enter");
  await control("start edge");
  await step("the banner goes once the widget is back", () => widget.locator(".banner").waitFor({ state: "hidden", timeout }));
  await step("the agent receives what was written during the restart", () => agentSees("Written while the edge was down"));
  await reply(conv, "r2", "Back again.");
  await step("the customer sees the reply after the restart", () => widget.locator(".msg.agent", { hasText: "Back again." }).waitFor({ timeout }));
  const texts = await widget.locator(".msg").allTextContents();
  const want = ["Hello, where is my order?", "It ships today.", payload, "Written while the edge was down", "Back again."];
  if (JSON.stringify(texts) !== JSON.stringify(want)) throw new Error(`after the restart the widget shows ${JSON.stringify(texts)}, want ${JSON.stringify(want)}`);

  // A page whose CSS hides every div and button and restyles everything
  // still gets a working widget.
  const hostile = await shop.newPage();
  await hostile.goto(edge + "/demo");
  await hostile.addStyleTag({ content: `
    div { display: none !important; position: static !important; }
    * { font-size: 48px !important; color: red !important; line-height: 3 !important; box-sizing: content-box !important; }
    button, input { display: none !important; background: red !important; padding: 40px !important; }` });
  const hw = hostile.locator("#edgedesk-widget");
  await step("the bubble shows on a page with hostile CSS", () => hw.locator(".bubble").waitFor({ state: "visible", timeout }));
  await hw.locator(".bubble").click();
  await step("the history shows on a page with hostile CSS", () => hw.locator(".msg", { hasText: "It ships today." }).waitFor({ state: "visible", timeout }));
  const size = await hw.locator(".msg.agent").first().evaluate((el) => getComputedStyle(el).fontSize);
  if (size !== "14px") throw new Error(`the page's CSS reached the widget: font-size ${size}`);
  if (shots) await hostile.screenshot({ path: `${shots}/widget-hostile-css.png` });

  // A website's signed-in user (Edgedesk.setUser with the HMAC its server
  // computed) has one conversation on every device; a forged hash is refused.
  const ada = { id: "42", name: "Ada", email: "ada@example.com", hash: createHmac("sha256", identitySecret).update("42").digest("hex") };
  const signedIn = async (user) => {
    const p = await (await browser.newContext()).newPage();
    await p.goto(edge + "/demo");
    await p.locator("#edgedesk-widget .bubble").waitFor({ timeout });
    await p.evaluate((user) => window.Edgedesk.setUser(user), user);
    await p.locator("#edgedesk-widget .bubble").click();
    return p.locator("#edgedesk-widget");
  };
  const laptop = await signedIn(ada);
  await laptop.locator("textarea").fill("I am Ada");
  await laptop.locator("textarea").press("Enter");
  await step("the agent receives the signed-in user's message", () => agentSees("I am Ada"));
  const phone = await signedIn(ada);
  await step("the same user on another device sees the conversation", () =>
    phone.locator(".msg.customer", { hasText: "I am Ada" }).waitFor({ timeout }));
  if (await phone.locator(".msg", { hasText: "Hello, where is my order?" }).count() !== 0) {
    throw new Error("the signed-in user sees the anonymous visitor's conversation");
  }
  const forged = await signedIn({ ...ada, hash: "00".repeat(32) });
  await step("a forged identity is refused, and the widget says so", () =>
    forged.locator(".banner", { hasText: "could not sign you in" }).waitFor({ timeout }));

  // An inbox with a pre-chat form asks a new visitor's name and e-mail
  // before the chat, and agents see them.
  const cleo = await (await browser.newContext()).newPage();
  await cleo.goto(edge + "/demo/prechat");
  const cw = cleo.locator("#edgedesk-widget");
  await cw.locator(".bubble").click();
  await step("the pre-chat form asks name and e-mail", () => cw.locator(".prechat input[type=email]").waitFor({ timeout }));
  await accessible(cleo, "the widget's pre-chat form");
  if (await cw.locator("form.chat").isVisible()) throw new Error("the chat shows before the pre-chat form is filled in");
  await cw.locator(".prechat input[name=name]").fill("Cleo");
  await cw.locator(".prechat input[type=email]").fill("cleo@example.com");
  await cw.locator(".prechat button").click();
  await step("after the pre-chat form the chat shows", () => cw.locator("form.chat textarea").waitFor({ state: "visible", timeout }));
  await cw.locator("form.chat textarea").fill("Hello from Cleo");
  await cw.locator("form.chat textarea").press("Enter");
  const cleoMsg = await step("the agent receives Cleo's message", () => agentSees("Hello from Cleo"));
  const cleoId = (await cleoMsg.jsonValue()).item.actor_id;
  await agent.evaluate((contact) => window.ws_.send(JSON.stringify({ type: "contact", id: "cleo", contact })), cleoId);
  const card = await step("the agent looks Cleo up", () => agent.waitForFunction(() => window.frames_.find((f) => f.id === "cleo"), null, { timeout }));
  const { contact } = await card.jsonValue();
  if (!contact || contact.name !== "Cleo" || contact.email !== "cleo@example.com") {
    throw new Error(`the agent sees ${JSON.stringify(contact)}, want Cleo and her e-mail address`);
  }
  await cleo.reload();
  await cw.locator(".bubble").click();
  await step("a returning visitor is not asked again", () => cw.locator(".msg", { hasText: "Hello from Cleo" }).waitFor({ timeout }));
  if (await cw.locator(".prechat").isVisible()) throw new Error("the pre-chat form shows again after a reload");

  // The agent console: sign in, find the conversation, read it, answer it
  // and leave a private note the customer never sees.
  const desk2 = await browser.newContext();
  await desk2.grantPermissions(["notifications"], { origin: edge });
  // Record the console's desktop notifications.
  await desk2.addInitScript(() => {
    window.notified_ = [];
    window.Notification = class extends window.Notification {
      constructor(title, opts) {
        super(title, opts);
        window.notified_.push(title);
      }
    };
  });
  const cons = await desk2.newPage();
  await cons.goto(edge + "/console/");
  await step("the console asks to sign in", () => cons.getByLabel("Password").waitFor({ timeout }));
  await accessible(cons, "the console's sign-in page");
  await cons.getByLabel("Password").fill("wrong password");
  await cons.getByLabel("E-mail").fill(agentEmail);
  await cons.getByRole("button", { name: "Sign in" }).click();
  await step("a wrong password is refused in the console", () => cons.getByRole("alert").waitFor({ timeout }));
  await cons.getByLabel("Password").fill(agentPassword);
  await cons.getByRole("button", { name: "Sign in" }).click();
  const entry = cons.locator("button.conv", { hasText: "Back again." });
  await step("the console lists the conversation with its last message", () => entry.waitFor({ timeout }));
  await entry.click();
  const timeline = cons.locator(".timeline");
  await step("the console shows the conversation's history", () =>
    timeline.locator(".msg", { hasText: "Written while the edge was down" }).waitFor({ timeout }));
  await step("the console shows the e-mail address the visitor left", () =>
    cons.getByRole("complementary", { name: "Customer" }).getByRole("link", { name: "visitor@example.com" }).waitFor({ timeout }));
  await accessible(cons, "the console with a conversation open");
  await step("the console shows the nlp plugin's reading of the customer's first message", () =>
    timeline.locator(".msg.customer", { hasText: "Hello, where is my order?" }).locator(".reading", { hasText: /^en\b/ }).waitFor({ timeout }));
  await input.fill("Please charge my card 4111 1111 1111 1111 again");
  await input.press("Enter");
  await step("the console marks the card number the customer wrote", () =>
    timeline.locator(".msg.customer mark", { hasText: "4111 1111 1111 1111" }).waitFor({ timeout }));
  await accessible(cons, "the console with the nlp plugin's readings");
  // the message's own text: its reading (.reading) is the plugin's, not the customer's
  const markup = await timeline.locator(".msg", { hasText: "onerror" }).evaluate((el) =>
    [...el.childNodes].filter((n) => !(n.classList && n.classList.contains("reading"))).map((n) => n.textContent).join(""));
  if (markup !== payload) throw new Error(`the console shows ${JSON.stringify(markup)}, want the text ${JSON.stringify(payload)}`);
  // A video call: the customer calls from the widget, the agent joins from
  // the console; the edge's SFU forwards each one's fake camera and
  // microphone to the other, and getStats shows decoded frames and audio.
  const callPanel = (page, inWidget) => page.waitForFunction((w) => {
    const root = w ? document.querySelector("#edgedesk-widget").shadowRoot : document;
    const p = root.querySelector(".callpanel");
    return p && Number(p.dataset.frames) > 10 && Number(p.dataset.audioBytes) > 1000;
  }, inWidget, { timeout: 30000 });
  await widget.locator("header .call").click();
  const join = cons.locator(".callpanel").getByRole("button", { name: "Accept" });
  await step("the console rings with the customer's call", () => join.waitFor({ timeout }));
  await join.click();
  await step("the agent receives the customer's video and audio", () => callPanel(cons, false));
  await step("the customer receives the agent's video and audio", () => callPanel(page, true));
  await step("the console shows the call's timer", () => cons.getByRole("status").filter({ hasText: /^In call 0:\d\d$/ }).waitFor({ timeout }));
  await step("the widget shows the call's timer", () => widget.locator(".callstatus", { hasText: /In call 0:\d\d/ }).waitFor({ timeout }));
  await accessible(cons, "the console in a call");
  await accessible(page, "the widget in a call");
  const panelNumber = (page, inWidget, key) => page.evaluate(([w, k]) => {
    const root = w ? document.querySelector("#edgedesk-widget").shadowRoot : document;
    return Number(root.querySelector(".callpanel").dataset[k]);
  }, [inWidget, key]);
  await step("the customer's camera goes out in simulcast layers", () => page.waitForFunction(() =>
    Number(document.querySelector("#edgedesk-widget").shadowRoot.querySelector(".callpanel").dataset.layersSent) >= 2, null, { timeout }));
  // An admin listens in from a console of their own: they get both sides,
  // and the customer hears them only once they speak.
  const supervisor = await (await browser.newContext()).newPage();
  await supervisor.goto(edge + "/console/");
  await supervisor.getByLabel("E-mail").fill(agentEmail);
  await supervisor.getByLabel("Password").fill(agentPassword);
  await supervisor.getByRole("button", { name: "Sign in" }).click();
  const lastText = await cons.locator('button.conv[aria-current="true"] .preview').textContent();
  await supervisor.locator("button.conv").filter({ has: supervisor.locator(".preview", { hasText: lastText }) }).first().click();
  await supervisor.getByRole("button", { name: "Listen in" }).click();
  await step("the supervisor receives the call's video and audio", () => callPanel(supervisor, false));
  await page.waitForTimeout(2000);
  const voices = await panelNumber(page, true, "voices");
  if (voices !== 1) throw new Error(`the customer hears ${voices} voices while the supervisor listens in, want the agent's only`);
  await supervisor.getByRole("button", { name: "Speak in the call" }).click();
  await step("the customer hears the supervisor once they speak", () => page.waitForFunction(() =>
    Number(document.querySelector("#edgedesk-widget").shadowRoot.querySelector(".callpanel").dataset.voices) >= 2, null, { timeout }));
  await supervisor.getByRole("button", { name: "Hang up" }).click();
  await supervisor.context().close();
  await cons.getByRole("button", { name: "Mute" }).click();
  await step("the agent mutes", () => cons.getByRole("button", { name: "Unmute" }).waitFor({ timeout }));
  // the customer hangs up: the call ends for the agent too (e2e/calls.mjs
  // tests calls in depth)
  await widget.locator(".callpanel .hangup").click();
  await step("the call ends: the console offers a new one", () => cons.getByRole("button", { name: "Call the customer" }).waitFor({ timeout }));
  await step("the widget says the call ended", () => widget.locator(".callstatus", { hasText: /^Call ended/ }).waitFor({ timeout }));
  // A visitor whose browser refuses the camera is told what to do.
  const denied = await browser.newContext();
  await denied.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("denied", "NotAllowedError"));
  });
  const dp = await denied.newPage();
  await dp.goto(edge + "/demo");
  await dp.locator("#edgedesk-widget .bubble").click();
  await dp.locator("#edgedesk-widget header .call").click();
  await step("a refused camera is explained", () =>
    dp.locator("#edgedesk-widget .callstatus", { hasText: "not allowed to use your microphone or camera" }).waitFor({ timeout }));
  await denied.close();
  // Typing, between the console and the widget.
  await input.pressSequentially("Hm", { delay: 20 });
  await step("the console shows that the customer types", () =>
    cons.locator(".typing", { hasText: "The customer is typing" }).waitFor({ timeout }));
  await input.fill("");
  await cons.getByLabel("Reply").pressSequentially("Let me", { delay: 20 });
  await step("the widget shows that the console's agent types", () =>
    widget.locator(".typing", { hasText: /is typing/ }).waitFor({ timeout }));
  await cons.getByLabel("Reply").fill("");
  await cons.getByRole("tab", { name: "Private note" }).click();
  await cons.getByLabel("Private note", { exact: true }).fill("VIP customer, be quick");
  await cons.getByLabel("Private note", { exact: true }).press("Enter");
  await step("the private note shows in the console", () =>
    timeline.locator(".msg.note", { hasText: "VIP customer" }).waitFor({ timeout }));
  await cons.getByRole("tab", { name: "Reply" }).click();
  await cons.getByLabel("Reply").fill("From the console.");
  await cons.getByLabel("Reply").press("Enter");
  await step("the customer sees the console's reply", () =>
    widget.locator(".msg.agent", { hasText: "From the console." }).waitFor({ timeout }));
  if (await widget.locator(".msg", { hasText: "VIP customer" }).count() !== 0) {
    throw new Error("the customer sees the agent's private note");
  }
  // A canned response: "/" and part of its shortcut, Enter picks it, Enter sends.
  await cons.getByLabel("Reply").fill("/ship");
  await step("the console offers the canned response", () =>
    cons.getByRole("option", { name: /shipping/ }).waitFor({ timeout }));
  await cons.getByLabel("Reply").press("Enter");
  const picked = await cons.getByLabel("Reply").inputValue();
  if (picked !== "Orders ship within 2 business days.") throw new Error(`Enter on the canned response put ${JSON.stringify(picked)} in the reply`);
  await cons.getByLabel("Reply").press("Enter");
  await step("the customer gets the canned response", () =>
    widget.locator(".msg.agent", { hasText: "Orders ship within 2 business days." }).waitFor({ timeout }));
  await input.fill("Great, thank you");
  await input.press("Enter");
  await step("the console shows the customer's answer live", () =>
    timeline.locator(".msg.customer", { hasText: "Great, thank you" }).waitFor({ timeout }));
  await step("the customer sees that the agent has read the answer", () =>
    widget.locator(".seen", { hasText: "Seen" }).waitFor({ timeout }));
  // A visitor who only looks opens no conversation; one who writes does, and
  // the console notifies the agent.
  const newcomer = await (await browser.newContext()).newPage();
  await newcomer.goto(edge + "/demo");
  await newcomer.locator("#edgedesk-widget .bubble").click();
  await newcomer.waitForTimeout(500);
  if (await cons.evaluate(() => window.notified_.length) !== 0) {
    throw new Error("a visitor who has not written opened a conversation");
  }
  await newcomer.locator("#edgedesk-widget textarea").fill("Hi, a question");
  await newcomer.locator("#edgedesk-widget textarea").press("Enter");
  await step("the console notifies the agent of a new conversation", () => cons.waitForFunction(() =>
    window.notified_.includes("New conversation"), null, { timeout }));
  if (shots) await cons.screenshot({ path: `${shots}/console.png` });

  // An image attachment: uploaded by the customer, previewed in the widget
  // (after a reload too), and the same bytes reach the agent.
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
  await widget.locator("input[type=file]").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: png });
  const preview = widget.locator(".msg.customer img");
  await step("the widget previews the uploaded image", () => preview.waitFor({ timeout }));
  await page.waitForFunction(() => {
    const img = document.querySelector("#edgedesk-widget").shadowRoot.querySelector(".msg.customer img");
    return img && img.complete && img.naturalWidth === 1;
  }, null, { timeout });
  const att = await step("the agent receives the message with the attachment", () => agent.waitForFunction(() => {
    const f = window.frames_.find((f) => f.type === "event" && f.item && f.item.attachments && f.item.attachments.length);
    return f && f.item.attachments[0];
  }, null, { timeout }));
  const downloaded = await agent.evaluate(async (id) => {
    const r = await fetch(`/api/v1/attachments/${id}`, { headers: { Authorization: `Bearer ${window.token_}` } });
    return r.ok ? (await r.arrayBuffer()).byteLength : -r.status;
  }, await att.jsonValue());
  if (downloaded !== png.length) throw new Error(`the agent downloaded ${downloaded} bytes of the attachment, want ${png.length}`);
  await step("the console shows the image", () => cons.waitForFunction(() => {
    const img = document.querySelector(".timeline img.attachment");
    return img && img.complete && img.naturalWidth === 1;
  }, null, { timeout }));
  await page.reload();
  await widget.locator(".bubble").click();
  await step("after a reload the image is previewed again", () => preview.waitFor({ timeout }));

  // A file from the console reaches the customer under its name.
  const notes = "Order 1234: shipped.\n";
  await cons.getByLabel("Attach a file").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from(notes) });
  const link = widget.locator(".msg.agent a", { hasText: "notes.txt" });
  await step("the customer gets the console's file under its name", () => link.waitFor({ timeout }));
  const got2 = await link.evaluate(async (a) => (await fetch(a.href)).text());
  if (got2 !== notes) throw new Error(`the customer's copy of notes.txt is ${JSON.stringify(got2)}, want ${JSON.stringify(notes)}`);
  await step("the console shows the file it sent", () => timeline.locator(".msg.agent a", { hasText: "notes.txt" }).waitFor({ timeout }));
  await cons.getByLabel("Attach a file").setInputFiles({ name: "tool.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ\x90\x00") });
  await step("the console says why a file type is refused", () =>
    cons.getByRole("alert").filter({ hasText: "tool.exe was not sent: allowed types" }).waitFor({ timeout }));

  // The console counts what arrives in conversations the agent is not
  // looking at, and assigns.
  await laptop.locator("textarea").fill("Anyone there?");
  await laptop.locator("textarea").press("Enter");
  const adaEntry = cons.locator("button.conv", { hasText: "Anyone there?" });
  await step("the console shows an unread message in another conversation", () =>
    adaEntry.locator(".unread", { hasText: "1" }).waitFor({ timeout }));
  // unread: the newcomer's message and this one
  if (!(await cons.title()).startsWith("(2)")) throw new Error(`the console's title is ${JSON.stringify(await cons.title())}, want the 2 unread messages`);
  await adaEntry.click();
  await step("opening the conversation shows it and clears the count", async () => {
    await timeline.locator(".msg", { hasText: "I am Ada" }).waitFor({ timeout });
    await adaEntry.locator(".unread").waitFor({ state: "detached", timeout });
  });
  const customer = cons.getByRole("complementary", { name: "Customer" });
  await step("the console shows who the signed-in customer is", async () => {
    await customer.getByRole("heading", { name: "Ada" }).waitFor({ timeout });
    await customer.getByText("ada@example.com").waitFor({ timeout });
  });
  await choose(cons, "Assignee", "Unassigned");
  await view(cons, "Unassigned");
  await step("unassigned, the conversation is in the Unassigned view", () => adaEntry.waitFor({ timeout }));
  await choose(cons, "Assignee", "Alice (you)");
  await view(cons, "My open tickets");
  await step("assigned to the agent, it is in My open tickets", () => adaEntry.waitFor({ timeout }));
  await view(cons, "All conversations");
  await choose(cons, "Conversation priority", "Urgent");
  await step("an urgent conversation is marked so in the list", () => adaEntry.locator(".priority.urgent", { hasText: "urgent" }).waitFor({ timeout }));
  // An admin adds a canned response, uses it, and deletes it.
  await cons.getByRole("button", { name: "Canned responses" }).click();
  const manager = cons.getByRole("region", { name: "Manage canned responses" });
  await manager.getByLabel("Shortcut").fill("thanks");
  await manager.getByLabel("Text").fill("Thank you for waiting!");
  await manager.getByRole("button", { name: "Add" }).click();
  await step("the new canned response is listed", () => manager.getByText("Thank you for waiting!").waitFor({ timeout }));
  await cons.getByRole("button", { name: "Conversations" }).click(); // back to the open conversation
  await cons.getByLabel("Reply").fill("/than");
  await step("the new canned response is offered", () => cons.getByRole("option", { name: /thanks/ }).waitFor({ timeout }));
  await cons.getByLabel("Reply").fill("");
  await cons.getByRole("button", { name: "Canned responses" }).click();
  await manager.getByRole("button", { name: "Edit /thanks" }).click();
  const edit = manager.getByRole("form", { name: "Edit /thanks" });
  if (await edit.getByLabel("Text").inputValue() !== "Thank you for waiting!") throw new Error("editing a canned response does not start from its text");
  await edit.getByLabel("Text").fill("Thanks a lot for waiting!");
  await edit.getByRole("button", { name: "Save" }).click();
  await step("the changed canned response is listed", () => manager.getByText("Thanks a lot for waiting!").waitFor({ timeout }));
  if (await manager.getByText("Thank you for waiting!").count() !== 0) throw new Error("the canned response's old text is still listed");
  await manager.getByRole("button", { name: "Delete /thanks" }).click();
  await step("the deleted canned response is gone", () => manager.getByText("Thanks a lot for waiting!").waitFor({ state: "detached", timeout }));
  await cons.getByRole("button", { name: "Conversations" }).click();
  await cons.getByLabel("Reply").fill("/than");
  const offered = cons.getByRole("listbox", { name: "Canned responses" }).getByRole("option");
  if (await offered.count() !== 0) throw new Error(`the deleted canned response is still offered: ${JSON.stringify(await offered.allTextContents())}`);
  await cons.getByLabel("Reply").fill("");
  await cons.getByRole("button", { name: "Profile and settings" }).click();
  await cons.getByRole("menuitemradio", { name: "Away" }).click();
  await step("the agent's other connection learns the agent is away", () => agent.waitForFunction(() =>
    window.frames_.find((f) => f.type === "presence" && f.agent === "agent-alice" && f.presence === "away"), null, { timeout }));

  // Solved conversations leave the new and open list and show under solved.
  await choose(cons, "Conversation status", "Solved");
  await step("a solved conversation leaves the new and open list", () => adaEntry.waitFor({ state: "detached", timeout }));
  // The customer is asked how it went (the widget reads solved as resolved), and rates it (CSAT).
  await step("the customer is asked to rate the solved conversation", () =>
    laptop.locator(".rating", { hasText: "How did we do?" }).waitFor({ timeout }));
  await accessible(laptop.page(), "the widget asking for a rating");
  await laptop.getByRole("button", { name: "5 of 5" }).click();
  await step("the customer is thanked for the rating", () =>
    laptop.locator(".rating", { hasText: "Thank you for your rating." }).waitFor({ timeout }));
  await step("agents receive the rating", () => agent.waitForFunction(() =>
    window.frames_.find((f) => f.type === "event" && f.item && f.item.kind === "rating" && f.item.rating && f.item.rating.score === 5), null, { timeout }));
  await choose(cons, "Status filter", "Solved");
  await step("and shows under solved", () => adaEntry.waitFor({ timeout }));
  // Closed, it is final: the console takes private notes only, and the
  // customer's next message opens a new conversation.
  const adaConv = await adaEntry.getAttribute("data-conv");
  await choose(cons, "Conversation status", "Closed");
  await step("a closed conversation takes private notes only in the console", async () => {
    await cons.locator(".conv-head .badge.closed").waitFor({ timeout });
    await cons.locator("form.composer .note-only").waitFor({ timeout });
    await cons.getByLabel("Private note", { exact: true }).waitFor({ timeout });
  });
  await step("the edge tells of the conversation closed", () => agent.waitForFunction((conv) => window.frames_.find((f) =>
    f.type === "event" && f.item && f.item.conv === conv && f.item.kind === "status" && f.item.status === "closed"), adaConv, { timeout }));
  await laptop.locator("textarea").fill("One more question, please");
  await laptop.locator("textarea").press("Enter");
  const more = await step("the customer's next message opens a new conversation", async () =>
    (await agentSees("One more question, please")).jsonValue());
  if (more.item.conv === adaConv) throw new Error("the customer's message after the conversation closed went into the closed one");
  await step("the widget shows it sent", () =>
    laptop.locator(".row.customer[data-state=sent], .row.customer[data-state=seen]", { hasText: "One more question, please" }).waitFor({ timeout }));
  await choose(cons, "Status filter", "New and open"); // every conversation's: the agent is away, routing gave it nobody
  await step("the console lists the new conversation as new", () =>
    cons.locator(`button.conv[data-conv="${more.item.conv}"]`).locator(".tag.status-new", { hasText: "New" }).waitFor({ timeout }));

  // An admin turns on an inbox's pre-chat form: the next visitor is asked.
  await cons.getByRole("button", { name: "Inboxes" }).click();
  const settings = cons.getByRole("region", { name: "Inbox settings" });
  const askName = settings.getByRole("listitem").filter({ hasText: "demo-web" }).getByLabel("name");
  await step("the console lists the inboxes", () => askName.waitFor({ timeout }));
  await accessible(cons, "the console's inbox settings");
  await askName.click(); // checked once the edge has stored it
  await step("the inbox asks for a name now", () => settings.getByRole("listitem").filter({ hasText: "demo-web" }).getByLabel("name", { checked: true }).waitFor({ timeout }));
  const webInbox = settings.getByRole("listitem").filter({ hasText: "demo-web" });
  await webInbox.getByRole("button", { name: /^Priority for / }).click();
  await cons.getByRole("listbox", { name: /^Priority for / }).getByRole("option", { name: "High" }).click();
  await step("the inbox's new conversations are high priority now", () =>
    webInbox.getByRole("button", { name: /^Priority for .*: High$/ }).waitFor({ timeout }));
  const next = await (await browser.newContext()).newPage();
  await next.goto(edge + "/demo");
  await next.locator("#edgedesk-widget .bubble").click();
  await step("the next visitor gets the pre-chat form", () => next.locator("#edgedesk-widget .prechat input[name=name]").waitFor({ timeout }));
  if (await next.locator("#edgedesk-widget .prechat input[type=email]").count() !== 0) throw new Error("the pre-chat form asks an e-mail address it was not set to ask");

  // The widget on a website of another origin: the chat and attachments
  // work across origins.
  // (A second server on loopback: its port makes it another origin.)
  const shop2 = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><title>Another shop</title><h1>Another shop</h1><script src="${edge}/widget.js" data-inbox="demo-prechat"></script>`);
  });
  await new Promise((resolve) => shop2.listen(0, "127.0.0.1", resolve));
  const other = await (await browser.newContext()).newPage();
  other.on("console", (m) => { if (m.type() === "error") console.error("the other origin's page: " + m.text()); });
  await other.goto(`http://127.0.0.1:${shop2.address().port}/`);
  const ow = other.locator("#edgedesk-widget");
  await ow.locator(".bubble").click();
  await ow.locator(".prechat input[name=name]").fill("Dora");
  await ow.locator(".prechat input[type=email]").fill("dora@example.com");
  await ow.locator(".prechat button").click();
  await ow.locator("form.chat input[type=file]").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: png });
  await step("a widget on another origin uploads and previews an image", () => other.waitForFunction(() => {
    const img = document.querySelector("#edgedesk-widget").shadowRoot.querySelector(".msg.customer img");
    return img && img.complete && img.naturalWidth === 1 && img.alt === "dot.png";
  }, null, { timeout }));
  shop2.close();

  await throttled();
  await apiKeys(cons);
}

// throttled: the edge's 429s (a locked sign-in, an upload over the
// session's quota) are explained with the wait, and not retried. The test
// edge locks an account for 14 min after 3 failures and lets a session
// upload 64 KiB per 10 min (web/e2e_test.go).
async function throttled() {
  const login = await (await browser.newContext()).newPage();
  let signIns = 0;
  login.on("request", (r) => { if (r.url().endsWith("/api/v1/login")) signIns++; });
  await login.goto(edge + "/console/");
  await login.getByLabel("E-mail").fill("locked-out@demo.test");
  await login.getByLabel("Password").fill("not the password");
  const attempt = async () => {
    const answer = login.waitForResponse((r) => r.url().endsWith("/api/v1/login"));
    await login.getByRole("button", { name: "Sign in" }).click();
    return (await answer).status();
  };
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push(await attempt());
  if (JSON.stringify(statuses) !== "[401,401,401,401,429]") throw new Error(`five wrong passwords were answered ${statuses}, want four 401 and a 429`);
  const locked = login.getByRole("alert").filter({ hasText: "Too many failed sign-ins — try again in 14 min" });
  await step("the console says how long a locked sign-in waits", () => locked.waitFor({ timeout }));
  await login.waitForTimeout(1500);
  if (signIns !== 5) throw new Error(`the console asked to sign in ${signIns} times for 5 clicks: it must not retry a locked sign-in`);
  await accessible(login, "the console's sign-in page with a locked account");
  if (shots) await login.screenshot({ path: `${shots}/console-login-throttled.png` });
  await login.context().close();

  const visitor = await (await browser.newContext()).newPage();
  let uploads = 0;
  visitor.on("request", (r) => { if (r.method() === "POST" && r.url().includes("/api/v1/attachments")) uploads++; });
  await visitor.goto(edge + "/demo");
  const w = visitor.locator("#edgedesk-widget");
  await w.locator(".bubble").click();
  // the inbox asks for a name first (turned on above)
  await w.locator(".prechat input[name=name]").fill("Quinn");
  await w.locator(".prechat button").click();
  const file = w.locator("form.chat input[type=file]");
  const text = (name, kib) => ({ name, mimeType: "text/plain", buffer: Buffer.alloc(kib * 1024, "order 1234 shipped\n") });
  await file.setInputFiles(text("invoice.txt", 40));
  await step("an upload within the quota is sent", () => w.locator(".msg.customer a", { hasText: "invoice.txt" }).waitFor({ timeout }));
  await file.setInputFiles(text("receipt.txt", 36));
  const notice = w.locator(".notice[role=alert]", { hasText: "Too many uploads — try again in 2 min" });
  await step("the widget says how long uploads wait after a 429", () => notice.waitFor({ timeout }));
  await file.setInputFiles(text("receipt-again.txt", 4));
  await visitor.waitForTimeout(1000);
  if (uploads !== 2) throw new Error(`the widget made ${uploads} uploads, want 2: after the 429 it must wait, not try again`);
  if (!(await notice.isVisible())) throw new Error("the widget stopped saying how long uploads wait");
  await accessible(visitor, "the widget refusing an upload over the quota");
  if (shots) await visitor.screenshot({ path: `${shots}/widget-upload-quota.png` });
  await visitor.context().close();

  // An agent who is not an admin has no API keys screen.
  const bob = await (await browser.newContext()).newPage();
  await bob.goto(edge + "/console/");
  await bob.getByLabel("E-mail").fill("bob@demo.test");
  await bob.getByLabel("Password").fill(agentPassword);
  await bob.getByRole("button", { name: "Sign in" }).click();
  await step("a second agent signs in to the console", () => bob.getByRole("button", { name: "Inboxes" }).waitFor({ timeout }));
  await bob.waitForTimeout(1000); // the console has asked the agents' roles
  if (await bob.getByRole("button", { name: "API keys" }).count() !== 0) throw new Error("an agent who is not an admin is offered the API keys screen");
  await bob.context().close();
}

// apiKeys: an admin creates a REST API key in the console, sees its token
// once, the token works, the admin revokes the key, and the token stops
// working.
async function apiKeys(cons) {
  const api = (token) => fetch(edge + "/api/v1/api-keys", { headers: { Authorization: `Bearer ${token}` } });
  await cons.getByRole("button", { name: "API keys" }).click();
  const screen = cons.getByRole("region", { name: "API keys" });
  await step("the API keys screen opens", () => screen.waitFor({ timeout }));
  await step("the API keys screen loads the keys", () => screen.locator(".loading").waitFor({ state: "detached", timeout }));
  const refused = screen.getByRole("alert");
  if (await refused.count()) {
    throw new Error(`the API keys screen shows an error: ${JSON.stringify(await refused.first().textContent())} ` +
      "(the REST API must accept an admin agent's console token: docs/api.md)");
  }
  await step("with no keys the screen says so", () => screen.getByText("No API keys yet").waitFor({ timeout }));
  await accessible(cons, "the console's API keys screen, empty");
  if (shots) await cons.screenshot({ path: `${shots}/apikeys-empty.png` });

  const create = async (name, scopes) => {
    await screen.getByRole("button", { name: "Create API key" }).first().click();
    const dialog = cons.getByRole("dialog", { name: "Create API key" });
    await step("the create dialog opens", () => dialog.waitFor({ timeout }));
    await dialog.getByLabel("Name").fill(name);
    for (const [scope, on] of Object.entries(scopes)) await dialog.getByRole("checkbox", { name: new RegExp(`^${scope}\\b`, "i") }).setChecked(on, { force: true });
    const posted = cons.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/api/v1/api-keys"));
    if (shots && name === "CRM integration") await dialog.screenshot({ path: `${shots}/apikeys-create.png` });
    await dialog.getByRole("button", { name: "Create key" }).click();
    const idem = (await posted).headers()["idempotency-key"];
    if (!idem || idem.length > 255) throw new Error(`the create request's Idempotency-Key is ${JSON.stringify(idem)}`);
    const shown = cons.getByRole("dialog", { name: "Save your API key" });
    await step(`the token of ${name} is shown`, () => shown.waitFor({ timeout }));
    const token = await shown.getByLabel("The new key's token").inputValue();
    if (!/^edk_k[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/.test(token)) throw new Error(`the console shows the token ${JSON.stringify(token)}`);
    return { shown, token, idem };
  };

  const first = await create("Nightly export", { read: true });
  await first.shown.getByRole("button", { name: "I have saved it" }).click();
  const second = await create("CRM integration", { read: true, admin: true });
  if (second.idem === first.idem) throw new Error("two submits sent the same Idempotency-Key");
  await step("the token warns that it is shown once", () => second.shown.getByText("It will not be shown again").waitFor({ timeout }));
  await accessible(cons, "the console showing a new key's token");
  if (shots) await cons.screenshot({ path: `${shots}/apikeys-token.png` });
  await second.shown.getByRole("button", { name: "Copy the token" }).click();
  await second.shown.getByRole("button", { name: "I have saved it" }).click();
  await step("the token dialog closes", () => second.shown.waitFor({ state: "detached", timeout }));
  if ((await cons.content()).includes(second.token)) throw new Error("the console still holds the token after the dialog closed");
  const row = screen.getByRole("row").filter({ hasText: "CRM integration" });
  await step("the new key is listed with its scopes", async () => {
    await row.locator(".chip", { hasText: "admin" }).waitFor({ timeout });
    await row.getByText("Active").waitFor({ timeout });
  });

  const works = await api(second.token);
  const listed = works.ok ? (await works.json()).data.map((k) => k.name) : [];
  if (!works.ok || !listed.includes("CRM integration")) throw new Error(`GET /api/v1/api-keys with the new token answered ${works.status} ${JSON.stringify(listed)}`);

  await screen.getByRole("button", { name: "Revoke CRM integration" }).click();
  const confirm = cons.getByRole("dialog", { name: "Revoke “CRM integration”?" });
  await step("revoking asks first", () => confirm.waitFor({ timeout }));
  await accessible(cons, "the console asking before revoking a key");
  if (shots) await cons.screenshot({ path: `${shots}/apikeys-revoke.png` });
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await step("the revoked key is shown as revoked", () => row.getByText("Revoked", { exact: true }).waitFor({ timeout }));
  if (await screen.getByRole("button", { name: "Revoke CRM integration" }).count() !== 0) throw new Error("a revoked key can still be revoked");
  const gone = await api(second.token);
  if (gone.status !== 401) throw new Error(`GET /api/v1/api-keys with the revoked token answered ${gone.status}, want 401`);
  if ((await api(first.token)).status !== 403) throw new Error("the read key was not refused the admin route with 403");
  await accessible(cons, "the console's API keys screen");
  if (shots) await cons.screenshot({ path: `${shots}/apikeys.png` });
}
