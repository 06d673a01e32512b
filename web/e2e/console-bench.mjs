// The console's speed in Debian's chromium, against an edge that
// web/console_bench_test.go seeded with CONVERSATIONS conversations, the
// newest of which (LONG_CONV) has 2,000 messages: RUNS times, in a fresh
// browser context each, the time from the sign-in (the console's
// "edgedesk:sign-in" mark, set when the form is sent) until the list shows
// every conversation, and from a click on the long conversation until its
// latest message is in the page. Both are read in the page with
// performance.now(), when the DOM has them (a MutationObserver), and
// printed as one JSON line per run.
import { chromium } from "playwright-core";

const env = process.env;
const [edge, long, total, runs] = [env.EDGE_URL, env.LONG_CONV, Number(env.CONVERSATIONS), Number(env.RUNS || 5)];
if (!edge || !long || !total) {
  console.error("EDGE_URL, LONG_CONV and CONVERSATIONS are not set: web/console_bench_test.go sets them");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  for (let i = 0; i < runs; i++) console.log(JSON.stringify(await once()));
} finally {
  await browser.close();
}

// when resolves with performance.now() at the first DOM change after which
// cond() holds.
function when(page, cond, arg) {
  return page.evaluate(([src, arg]) => new Promise((resolve, reject) => {
    const test = new Function("arg", `return (${src})(arg)`);
    if (test(arg)) return resolve(performance.now());
    setTimeout(() => reject(new Error(`not in 60 s: ${src}; the list says ${document.querySelector(".list-body ul")?.getAttribute("aria-label")}`)), 60_000);
    const mo = new MutationObserver(() => {
      if (!test(arg)) return;
      mo.disconnect();
      resolve(performance.now());
    });
    mo.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  }), [cond.toString(), arg]);
}

async function once() {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  // the list shows every status (its default is the open ones)
  await ctx.addInitScript(() => sessionStorage.setItem("edgedesk:console:list", JSON.stringify({ status: "" })));
  const page = await ctx.newPage();
  await page.goto(edge + "/console/");
  await page.getByLabel("E-mail").fill("alice@demo.test");
  await page.getByLabel("Password").fill(env.AGENT_PASSWORD);
  const listed = when(page, (n) => /^\d+/.test(document.querySelector(".list-body ul")?.getAttribute("aria-label") ?? "") && parseInt(document.querySelector(".list-body ul").getAttribute("aria-label"), 10) === n, total);
  await page.getByRole("button", { name: "Sign in" }).click();
  const listedAt = await listed;
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime])));
  const signIn = marks["edgedesk:sign-in"];
  // open the long conversation, found by its id (sign-in assignments may
  // have moved others above it)
  const row = `button.conv[data-conv="${long}"]`;
  await page.getByRole("searchbox", { name: "Search conversations" }).fill(long);
  await page.locator(row).waitFor();
  const opened = when(page, () => [...document.querySelectorAll(".timeline .msg")].some((m) => m.textContent === "Message 2000 of 2000"));
  const clickedAt = await page.evaluate((row) => {
    const t = performance.now();
    document.querySelector(row).click();
    return t;
  }, row);
  const openedAt = await opened;
  const messages = await page.locator(".timeline .msg").count();
  await ctx.close();
  return {
    list_ms: +(listedAt - signIn).toFixed(1),
    signed_in_ms: +(marks["edgedesk:signed-in"] - signIn).toFixed(1),
    welcome_ms: +(marks["edgedesk:welcome"] - signIn).toFixed(1),
    first_page_ms: +(marks["edgedesk:list-first-page"] - signIn).toFixed(1),
    open_ms: +(openedAt - clickedAt).toFixed(1),
    messages_shown: messages,
    marks: Object.fromEntries(Object.entries(marks).filter(([k]) => k.startsWith("edgedesk:") && !k.startsWith("edgedesk:open")).map(([k, v]) => [k.slice(9), +(v - signIn).toFixed(0)])),
  };
}
