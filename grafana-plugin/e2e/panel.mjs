// Browser test of the queue board: chromium renders the panel's test page
// with the frames a Go test made with the data source's backend from a
// real hub (pkg/plugin: TestQueueBoardInChromium), and checks what it
// shows. FRAMES is the file of frames (JSON); SCREENSHOT, when set, where
// to save the picture.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const frames = JSON.parse(readFileSync(process.env.FRAMES, "utf8"));
const page = fileURLToPath(new URL("../dist-harness/index.html", import.meta.url));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
});
let failed = false;
try {
  const p = await browser.newPage({ viewport: { width: 660, height: 240 } });
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  await p.goto("file://" + page);
  await p.waitForFunction(() => typeof window.renderBoard === "function", null, { timeout: 15000 });
  await p.evaluate(([f, t]) => window.renderBoard(f, t), [frames, Number(process.env.TARGET_MINUTES || 5)]);
  const eu = p.locator('section[aria-label="Region eu"]');
  await eu.waitFor({ timeout: 15000 });
  const waiting = (await eu.locator(".waiting").textContent()).trim();
  if (!/^1\s*waiting$/.test(waiting)) throw new Error(`region eu shows ${JSON.stringify(waiting)}, want 1 waiting`);
  const longest = (await eu.locator(".longest").textContent()).trim();
  if (!/^longest \d+ s$/.test(longest)) throw new Error(`region eu shows ${JSON.stringify(longest)}, want its longest wait in seconds`);
  const agents = (await eu.locator(".agents").textContent()).trim();
  if (agents !== "1 online · 1 busy") throw new Error(`region eu shows ${JSON.stringify(agents)}, want 1 online · 1 busy`);
  if (errors.length) throw new Error("the page failed: " + errors.join("; "));
  if (process.env.SCREENSHOT) await p.screenshot({ path: process.env.SCREENSHOT });
  console.log("queue board e2e: ok");
} catch (err) {
  failed = true;
  console.error("queue board e2e: " + (err && err.stack ? err.stack : err));
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
