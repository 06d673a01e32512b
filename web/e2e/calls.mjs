// End-to-end test of calls between the widget and the console in Debian's
// chromium, with chromium's fake camera and microphone, against a running
// edge started with --dev and a short ring timeout:
//   EDGE_URL=http://127.0.0.1:PORT RING_MS=6000 AGENT_EMAIL=… COLLEAGUE_EMAIL=… AGENT_PASSWORD=… node e2e/calls.mjs
// (web/e2e_calls_test.go starts the edge and runs this). Each scenario
// starts from freshly loaded pages and runs whatever the ones before it
// did; the script exits non-zero naming every step that did not happen.
// With SCREENSHOT_DIR set it saves calls-*.png there.
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const edge = process.env.EDGE_URL;
const { AGENT_EMAIL: agentEmail, COLLEAGUE_EMAIL: colleagueEmail, AGENT_PASSWORD: agentPassword } = process.env;
if (!edge || !agentEmail || !colleagueEmail || !agentPassword) {
  console.error("EDGE_URL, AGENT_EMAIL, COLLEAGUE_EMAIL and AGENT_PASSWORD are not set: an edge started with --dev and two demo agents' credentials");
  process.exit(2);
}
// how long the edge lets a call ring (calls.ring_timeout)
const ringMs = Number(process.env.RING_MS || 45000);
const shots = process.env.SCREENSHOT_DIR;
const axeSource = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const timeout = 15000;
// COLOR_SCHEME=dark runs (and shoots) the pages in their dark theme
const colorScheme = process.env.COLOR_SCHEME === "dark" ? "dark" : "light";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    // chromium's own test pattern and tone for camera and microphone, no permission prompt
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required"],
});
const failures = [];
try {
  await run();
} catch (err) {
  failures.push("setup: " + (err && err.stack ? err.stack : err));
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`calls e2e: ${failures.length} failed:\n` + failures.map((f) => "  - " + f).join("\n"));
  process.exit(1);
}
console.log("calls e2e: ok");

async function step(name, fn) {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${name}: ${err.message.split("\n")[0]}`);
  }
}

// scenario runs one scenario; a failure is recorded and the next one runs.
async function scenario(name, fn) {
  const start = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
  } catch (err) {
    console.log(`FAIL ${name}: ${err.message}`);
    failures.push(`${name}: ${err.message}`);
  }
}

// accessible runs axe-core's WCAG 2.1 A and AA rules on what the page
// shows now, shadow roots included.
async function accessible(page, what) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  if (violations.length) throw new Error(`${what} is not accessible: ${violations.join("; ")}`);
}

async function shot(page, name, locator) {
  if (!shots) return;
  await page.waitForTimeout(300); // transitions settle
  if (locator) await locator.screenshot({ path: `${shots}/${name}` });
  else await page.screenshot({ path: `${shots}/${name}` });
}

async function run() {
  // The customer: a visitor of the demo shop.
  const shop = await browser.newContext({ locale: "en-US", colorScheme, viewport: { width: 1100, height: 760 } });
  const page = await shop.newPage();
  const widget = page.locator("#edgedesk-widget");
  const wpanel = widget.locator(".callpanel");
  const input = widget.locator("form.chat :is(textarea, input[type=text])"); // the message field
  // The agent: the console.
  const desk = await browser.newContext({ locale: "en-US", colorScheme, viewport: { width: 1360, height: 860 } });
  const cons = await desk.newPage();
  await cons.goto(edge + "/console/");
  await cons.getByLabel("E-mail").fill(agentEmail);
  await cons.getByLabel("Password").fill(agentPassword);
  await cons.getByRole("button", { name: "Sign in" }).click();
  await step("the console signs in", () => cons.getByLabel("Password").waitFor({ state: "detached", timeout }));
  const cpanel = cons.locator(".callpanel");
  const ctimeline = cons.locator(".timeline");

  await page.goto(edge + "/demo");
  await widget.locator(".bubble").click();
  await step("the widget opens", () => input.waitFor({ timeout }));
  const first = `Can we talk on video? ${Date.now().toString(36)}`;
  await input.fill(first);
  await input.press("Enter");
  await step("the customer's message is sent", () => widget.locator(".msg.customer", { hasText: first }).waitFor({ timeout }));

  // fresh reloads both pages (the visitor and the agent stay the same),
  // opens the widget and the conversation in the console.
  const fresh = async () => {
    await Promise.all([page.reload(), cons.reload()]);
    await widget.locator(".bubble").waitFor({ timeout });
    await page.waitForTimeout(300); // the widget restores whether its panel was open
    if (await widget.locator(".panel").isHidden()) await widget.locator(".bubble").click();
    await step("the widget shows the conversation", () => widget.locator(".msg.customer", { hasText: first }).waitFor({ timeout }));
    const entry = cons.locator("button.conv", { hasText: first.slice(0, 20) }).first();
    await step("the console lists the conversation", () => entry.waitFor({ timeout }));
    await entry.click();
    await step("the console opens the conversation", () => ctimeline.locator(".msg", { hasText: first }).waitFor({ timeout }));
  };
  // live waits until a page receives the other side's video and audio.
  const live = (p, inWidget) => p.waitForFunction((w) => {
    const root = w ? document.querySelector("#edgedesk-widget").shadowRoot : document;
    const el = root.querySelector(".callpanel[data-state=live]");
    return el && Number(el.dataset.frames) > 10 && Number(el.dataset.audioBytes) > 1000;
  }, inWidget, { timeout: 30000 });
  const callButton = cons.getByRole("button", { name: "Call the customer" });
  const notInCall = async (what, loc) => {
    const text = await loc.textContent().catch(() => "");
    if (/In call/.test(text ?? "")) throw new Error(`${what} says "In call" before anyone answered: ${JSON.stringify(text)}`);
  };

  await scenario("the agent calls, the widget rings, the customer accepts and hangs up", async () => {
    await fresh();
    await callButton.click();
    await step("the console shows it calls the customer", () => cpanel.and(cons.locator("[data-state=ringing]")).getByText(/^Calling .*…$/).waitFor({ timeout }));
    await notInCall("the console", cpanel);
    await step("the widget rings", () => wpanel.and(widget.locator("[data-state=incoming]")).waitFor({ timeout }));
    await step("the widget says who calls", () => wpanel.getByText("Incoming video call").waitFor({ timeout }));
    await accessible(page, "the widget ringing");
    await shot(page, "calls-widget-ringing.png", widget.locator(".panel"));
    await wpanel.getByRole("button", { name: "Accept" }).click();
    await step("the customer receives the agent's video and audio", () => live(page, true));
    await step("the agent receives the customer's video and audio", () => live(cons, false));
    await step("the widget shows the timer", () => wpanel.locator(".callstatus", { hasText: /^In call 0:\d\d$/ }).waitFor({ timeout }));
    await step("the console shows the timer", () => cpanel.getByRole("status").filter({ hasText: /^In call 0:\d\d$/ }).waitFor({ timeout }));
    await accessible(page, "the widget in a call");
    await accessible(cons, "the console in a call");
    await page.waitForTimeout(2500); // a call of a few seconds
    await shot(page, "calls-widget-in-call.png", widget.locator(".panel"));
    await shot(cons, "calls-console-in-call.png");
    await wpanel.locator(".hangup").click();
    await step("the console is told the customer left", () => cpanel.getByRole("status").filter({ hasText: /left the call · 0:\d\d$/ }).waitFor({ timeout }));
    await step("the widget says the call ended, with its length", () => wpanel.locator(".callstatus", { hasText: /^Call ended · 0:\d\d$/ }).waitFor({ timeout }));
    for (const label of ["Mute", "Unmute", "Turn camera off", "Hang up", "Microphone and camera"]) {
      if (await wpanel.getByRole("button", { name: label, exact: true }).count()) throw new Error(`after the call the widget still offers ${label}`);
    }
    if (await wpanel.locator("select, video").count()) throw new Error("after the call the widget still shows the device picks or video");
    await step("then the chat again", () => wpanel.waitFor({ state: "hidden", timeout }));
    await step("the widget's timeline shows the call", () => widget.locator(".row.call", { hasText: /^Video call · 0:\d\d/ }).waitFor({ timeout }));
    const entry = ctimeline.locator(".call-entry", { hasText: /Video call · 0:\d\d/ });
    await step("the console's timeline shows the call", () => entry.waitFor({ timeout }));
    await step("with who called and answered", () => entry.getByText(/^You called · .* answered · .* ended it \(hung up\)$/).waitFor({ timeout }));
    await step("and its quality summary", () => entry.getByText(/\d+ packets · .*% lost/).waitFor({ timeout }));
    await shot(page, "calls-widget-timeline.png", widget.locator(".panel"));
    await shot(cons, "calls-console-timeline.png", cons.locator(".timeline-box"));
    await accessible(cons, "the console's timeline with a call");
  });

  await scenario("the customer calls, the console rings and accepts, the agent hangs up", async () => {
    await fresh();
    await widget.locator("header .call").click();
    await step("the widget says it calls and waits", () => wpanel.getByText("Waiting for an agent to answer").waitFor({ timeout }));
    await notInCall("the widget", wpanel);
    await step("the console rings", () => cpanel.and(cons.locator("[data-state=incoming]")).getByText(/is calling$/).waitFor({ timeout }));
    await accessible(cons, "the console ringing");
    await shot(cons, "calls-console-ringing.png");
    await cpanel.getByRole("button", { name: "Accept" }).click();
    await step("the agent receives the customer's video and audio", () => live(cons, false));
    await step("the customer receives the agent's video and audio", () => live(page, true));
    await cpanel.getByRole("button", { name: "Hang up" }).click();
    await step("the widget is told the agent left", () => wpanel.locator(".callstatus", { hasText: /^The agent left the call · 0:\d\d$/ }).waitFor({ timeout }));
    await step("the console says the call ended", () => cpanel.getByRole("status").filter({ hasText: /^Call ended · 0:\d\d$/ }).waitFor({ timeout }));
  });

  await scenario("either side joins a call in progress", async () => {
    await fresh();
    // the agent calls; the customer presses the widget's own call button
    await callButton.click();
    await step("the widget rings", () => wpanel.and(widget.locator("[data-state=incoming]")).waitFor({ timeout }));
    await widget.locator("header .call").click();
    await step("the customer joins the agent's call", () => live(page, true));
    await step("the agent gets the customer", () => live(cons, false));
    if (await widget.getByText("a call is going on").count()) throw new Error("the widget shows the edge's refusal");
    await wpanel.locator(".hangup").click();
    await step("the call ends", () => cpanel.getByRole("status").filter({ hasText: /left the call/ }).waitFor({ timeout }));
    await wpanel.getByRole("button", { name: "Back to chat" }).click();
    await cpanel.getByRole("button", { name: "Close" }).click();
    // the customer calls and the agent answers; a colleague (bob, in a
    // console of his own) joins the call going on
    const bob = await (await browser.newContext({ locale: "en-US", viewport: { width: 1360, height: 860 } })).newPage();
    await bob.goto(edge + "/console/");
    await bob.getByLabel("E-mail").fill(colleagueEmail);
    await bob.getByLabel("Password").fill(agentPassword);
    await bob.getByRole("button", { name: "Sign in" }).click();
    await bob.locator("button.conv", { hasText: first.slice(0, 20) }).first().click();
    await step("the colleague opens the conversation", () => bob.locator(".timeline .msg", { hasText: first }).waitFor({ timeout }));
    await widget.locator("header .call").click();
    await step("the console rings", () => cpanel.and(cons.locator("[data-state=incoming]")).waitFor({ timeout }));
    await cpanel.getByRole("button", { name: "Accept" }).click();
    await step("the agent answers", () => live(cons, false));
    const bar = bob.locator(".callpanel[data-state=joinable]");
    await step("the colleague's console shows the call in progress", () => bar.getByRole("status").filter({ hasText: /^Call in progress · / }).waitFor({ timeout }));
    await bar.getByRole("button", { name: "Join", exact: true }).click();
    await step("the colleague joins the call in progress", () => live(bob, false));
    await wpanel.locator(".hangup").click();
    await step("the call ends for the agent", () => cpanel.getByRole("status").filter({ hasText: /left the call/ }).waitFor({ timeout }));
    await step("and for the colleague", () => bob.locator(".callpanel").getByRole("status").filter({ hasText: /left the call/ }).waitFor({ timeout }));
    await bob.context().close();
  });

  await scenario("the customer declines the agent's call", async () => {
    await fresh();
    await callButton.click();
    await step("the widget rings", () => wpanel.and(widget.locator("[data-state=incoming]")).waitFor({ timeout }));
    await wpanel.getByRole("button", { name: "Decline" }).click();
    await step("the console is told the customer declined", () => cpanel.getByRole("status").filter({ hasText: /declined the call$/ }).waitFor({ timeout }));
    await step("the widget stops ringing", () => widget.locator(".callpanel[data-state=incoming]").waitFor({ state: "detached", timeout }));
    await step("the console's timeline shows the declined call", () => ctimeline.locator(".call-entry", { hasText: /^Declined by / }).last().waitFor({ timeout }));
    await step("the widget's timeline shows it", () => widget.locator(".row.call", { hasText: "Call declined" }).last().waitFor({ timeout }));
  });

  await scenario("nobody answers the customer's call", async () => {
    await fresh();
    const started = Date.now();
    await widget.locator("header .call").click();
    await step("the console rings", () => cpanel.and(cons.locator("[data-state=incoming]")).waitFor({ timeout }));
    await step("after the ring timeout the widget says nobody answered", () =>
      wpanel.locator(".callstatus", { hasText: "No one answered" }).waitFor({ timeout: ringMs + timeout }));
    const took = Date.now() - started;
    if (took < ringMs - 1500) throw new Error(`the call gave up after ${took} ms, before the ring timeout of ${ringMs} ms`);
    await shot(page, "calls-widget-no-answer.png", widget.locator(".panel"));
    await step("the console stops ringing", () => cons.locator(".callpanel[data-state=incoming]").waitFor({ state: "detached", timeout }));
    await step("the console's timeline shows the missed call", () => ctimeline.locator(".call-entry", { hasText: /^Missed call from / }).last().waitFor({ timeout }));
    await step("the widget's timeline shows it", () => widget.locator(".row.call", { hasText: "Call not answered" }).last().waitFor({ timeout }));
  });
}
