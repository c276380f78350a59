// Browser tests of cortina's web UI against a real `cortina serve --demo`.
//
// playwright-core drives Debian's chromium (/usr/bin/chromium; no browser
// download); axe-core is run in every page visited; console errors (CSP
// violations included) fail the test that caused them; every page is
// screenshotted into target/ui-screenshots/. Ends with `N passed, N failed`.
//
// Environment: CORTINA_BIN (default target/debug/cortina), CHROMIUM
// (default /usr/bin/chromium), UI_SCREENSHOTS (default target/ui-screenshots),
// CORTINA_UI_DATABASE (a postgres:// URL: the servers use that database
// instead of the SQLite file; scripts/ui-tests.sh sets it for its second run).

import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { run as gateTests } from "./gate.mjs";
import { run as vettingPages } from "./vetting.mjs";
import * as oversightTests from "./oversight.mjs";
import { run as listsPage } from "./lists.mjs";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.CORTINA_BIN || path.join(root, "target/debug/cortina");
const database = process.env.CORTINA_UI_DATABASE || "";
const backend = database ? "postgres" : "sqlite";
const shots = path.join(
  process.env.UI_SCREENSHOTS || path.join(root, "target/ui-screenshots"),
  database ? "postgres" : "",
);
fs.mkdirSync(shots, { recursive: true });

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `cortina serve --demo` in a new data directory (or in `dataDir`, a
 * second server on the same store); resolves when it serves.
 */
async function startServer(dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "cortina-ui-"))) {
  const port = await freePort();
  const args = ["serve", "--demo", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`];
  if (database) args.push("--database", database);
  const child = spawn(bin, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`cortina serve exited:\n${out}`);
    if (out.includes("cortina serving on")) {
      try {
        const r = await fetch(`${base}/healthz`);
        if (r.ok) break;
      } catch {
        /* not yet */
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!out.includes("cortina serving on")) throw new Error(`cortina serve did not start:\n${out}`);
  const accounts = {};
  for (const line of fs.readFileSync(path.join(dataDir, "demo-accounts.txt"), "utf8").split("\n")) {
    const [user, password] = line.trim().split(/\s+/);
    if (user && password && user !== "user") accounts[user] = password;
  }
  return { child, base, accounts, dataDir, log: () => out };
}

const results = [];
const server = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

/** A fresh browser (own cookies) whose console errors are collected. */
async function session(base = server.base) {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  return { context, page, errors, expected: [] };
}

/** Checks the page now shown: axe (no serious or critical violation), a screenshot. */
async function check(s, name) {
  await s.page.evaluate(axeSource);
  const result = await s.page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }),
  );
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  await s.page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  if (bad.length) {
    throw new Error(
      `${name}: axe: ` +
        bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target).join(" ")}`).join("; "),
    );
  }
  const weight = await s.page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .concat(performance.getEntriesByType("navigation"))
      .reduce((sum, e) => sum + (e.decodedBodySize || 0), 0),
  );
  if (weight > 150 * 1024) throw new Error(`${name}: page weight ${weight} bytes > 150 KB`);
}

async function login(s, user, password = server.accounts[user]) {
  await s.page.goto("/");
  await s.page.fill("#username", user);
  await s.page.fill("#password", password);
  await Promise.all([s.page.waitForLoadState("load"), s.page.click("button[type=submit]")]);
}

async function test(name, body) {
  const sessions = [];
  const open = async (base) => {
    const s = await session(base);
    sessions.push(s);
    return s;
  };
  const started = Date.now();
  try {
    await body(open);
    const errors = sessions.flatMap((s) => s.errors.filter((e) => !s.expected.some((x) => e.includes(x))));
    if (errors.length) throw new Error(`console errors:\n  ${errors.join("\n  ")}`);
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n     ${String(e.stack || e).split("\n").join("\n     ")}`);
  } finally {
    for (const s of sessions) await s.context.close();
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const foreignWords = ["screening", "vetting", "watchlist", "sanction"];

// --- the tests -------------------------------------------------------------

let caseIds = [];

await test("the URL serve --demo prints shows a login page with the demo banner", async (open) => {
  const s = await open();
  const r = await s.page.goto("/");
  assert(r.status() === 200, `status ${r.status()}`);
  assert(await s.page.isVisible("text=DEMO — Milano Cortina 2026"), "no demo banner");
  assert(await s.page.isVisible("#username"), "no user name field");
  await check(s, "login");
});

await test("a wrong password shows the page again with one message for name and password", async (open) => {
  const s = await open();
  s.expected.push("status of 401");
  await login(s, "commander", "not-the-password");
  const text = await s.page.textContent("main");
  assert(text.includes("wrong username or password"), text);
  await check(s, "login-failed");
  await login(s, "nobody-at-all", "not-the-password");
  assert((await s.page.textContent("main")).includes("wrong username or password"), "different message");
});

for (const user of [
  "commander",
  "operator",
  "analyst",
  "organiser",
  "us-liaison",
  "us-investigator",
  "us-protective",
  "fr-liaison",
  "oversight",
  "admin",
]) {
  await test(`${user} logs in and sees a home`, async (open) => {
    const s = await open();
    await login(s, user);
    assert(new URL(s.page.url()).pathname === "/home", `at ${s.page.url()}`);
    assert((await s.page.textContent("header")).includes(user), "the header does not name the user");
    await check(s, `home-${user}`);
    const html = (await s.page.content()).toLowerCase();
    if (user === "analyst") {
      caseIds = await s.page.$$eval("#h-cases ~ table tbody tr td:first-child", (tds) =>
        tds.map((td) => td.textContent.trim()),
      );
      assert(caseIds.length > 0, "the analyst sees no vetting case");
      assert(html.includes(">screening</th>"), "the analyst sees no screening column");
    }
    if (user.startsWith("us-") || user.startsWith("fr-")) {
      for (const w of foreignWords) assert(!html.includes(w), `${user}'s home contains "${w}"`);
      for (const id of caseIds) assert(!html.includes(id.toLowerCase()), `${user}'s home names case ${id}`);
    }
    // Every room link opens its board.
    const rooms = await s.page.$$eval("#h-rooms ~ table a", (as) => as.map((a) => a.getAttribute("href")));
    for (const href of rooms.slice(0, 2)) {
      const r = await s.page.goto(href);
      assert(r.status() === 200, `${href}: ${r.status()}`);
      await check(s, `room-${user}-${href.split("/").pop()}`);
      const room = (await s.page.content()).toLowerCase();
      if (user.startsWith("us-") || user.startsWith("fr-")) {
        for (const w of foreignWords) assert(!room.includes(w), `${user}'s ${href} contains "${w}"`);
      }
    }
  });
}

await test("us-liaison drafts and submits a request; it is on the operator's board", async (open) => {
  const liaison = await open();
  await login(liaison, "us-liaison");
  const subject = `Night shift staff ${Date.now()}`;
  const form = liaison.page.locator("form[action='/do/rfi.draft']");
  await form.locator("select[name=priority]").selectOption("urgent");
  await form.locator("input[name=subject]").fill(subject);
  await form.locator("textarea[name=body]").fill("Who works the night shift at the Cortina hotels?");
  await Promise.all([liaison.page.waitForURL(/done=/), form.locator("button[type=submit]").click()]);
  assert((await liaison.page.textContent(".flash.ok")).includes("rfi.draft"), "no confirmation");
  const row = liaison.page.locator("#requests tr", { hasText: subject });
  assert((await row.count()) === 1, "the draft is not on the liaison's board");
  await row.locator("summary").click();
  await Promise.all([
    liaison.page.waitForURL(/action=rfi.submit/),
    row.locator("form[action='/do/rfi.submit'] button").click(),
  ]);
  await check(liaison, "liaison-submitted");
  const submitted = liaison.page.locator("#requests tr", { hasText: subject });
  assert((await submitted.textContent()).includes("submitted"), await submitted.textContent());

  const operator = await open();
  await login(operator, "operator");
  const onBoard = operator.page.locator("#requests tr", { hasText: subject });
  assert((await onBoard.count()) === 1, "not on the operator's board");
  const text = await onBoard.textContent();
  assert(/2 d 2\d h left/.test(text), `no countdown: ${text}`);
  assert((await onBoard.locator("form[action='/do/rfi.acknowledge']").count()) === 1, "no acknowledge");
  await check(operator, "operator-board");
});

await test("us-liaison has no tasking control; a forged task form is refused and recorded", async (open) => {
  const liaison = await open();
  await login(liaison, "us-liaison");
  assert((await liaison.page.locator("form[action='/do/task.create']").count()) === 0, "a tasking form");
  // Forge the form in the liaison's own page, as a user with dev tools would.
  // Outside the host a refusal answers like a missing record (404).
  liaison.expected.push("status of 404");
  await liaison.page.evaluate(() => {
    const f = document.createElement("form");
    f.method = "post";
    f.action = "/do/task.create";
    for (const [k, v] of Object.entries({ title: "Search", details: "Van at Tofane", unit: "questura-belluno" })) {
      const i = document.createElement("input");
      i.type = "hidden";
      i.name = k;
      i.value = v;
      f.appendChild(i);
    }
    document.body.appendChild(f);
    f.submit();
  });
  await liaison.page.waitForLoadState("load");
  await liaison.page.waitForSelector(".flash.error");
  const banner = await liaison.page.textContent(".flash.error");
  assert(banner.includes("Refused"), banner);
  const seq = Number(/ledger entry #(\d+)/.exec(banner)?.[1]);
  assert(Number.isInteger(seq), `no ledger entry in: ${banner}`);
  assert(!banner.includes("forbid-"), `a policy id shown to a foreign user: ${banner}`);
  await check(liaison, "forged-task-refused");

  const oversight = await open();
  await login(oversight, "oversight");
  await oversight.page.goto("/ledger");
  const entry = oversight.page.locator(`tr[data-seq='${seq}']`);
  assert((await entry.count()) === 1, `entry #${seq} not in the ledger browser`);
  const row = await entry.textContent();
  assert(row.includes("task.create") && row.includes("deny"), row);
  await check(oversight, "ledger");
  // The disclosure register: oversight reads it (recorded), a table with
  // its export link.
  await oversight.page.goto("/disclosures");
  assert((await oversight.page.locator("table#disclosures").count()) === 1, "no disclosure register");
  assert((await oversight.page.locator("a[href^='/api/v1/disclosures?format=csv']").count()) === 1, "no CSV export link");
  await check(oversight, "disclosures");
});

await test("the operator records a log entry with the keyboard; it is on the board", async (open) => {
  const s = await open();
  await login(s, "operator");
  await s.page.goto("/rooms/joc-cortina");
  const text = `Crowd building at gate 4 (${Date.now()})`;
  await s.page.fill("#entry-text", text);
  await Promise.all([s.page.waitForURL(/action=log.record/), s.page.press("#entry-text", "Enter")]);
  const row = s.page.locator("#log tr", { hasText: text });
  assert((await row.count()) === 1, "the new entry is not on the board");
  await check(s, "operator-log");
});

await test("a room board updates live when someone else records an entry", async (open) => {
  const watcher = await open();
  await login(watcher, "operator");
  await watcher.page.goto("/rooms/joc-cortina");
  await watcher.page.waitForSelector("#live.on", { timeout: 10_000 });
  assert((await watcher.page.textContent("#live")).includes("live"), "no live indicator");
  const writer = await open();
  await login(writer, "commander");
  await writer.page.goto("/rooms/joc-cortina");
  const text = `Suspicious drone over the finish area (${Date.now()})`;
  await writer.page.fill("#entry-text", text);
  await Promise.all([writer.page.waitForURL(/action=log.record/), writer.page.press("#entry-text", "Enter")]);
  const started = Date.now();
  await watcher.page.waitForSelector(`#log tr:has-text("${text}")`, { timeout: 5_000 });
  const ms = Date.now() - started;
  console.log(`     the watcher's board showed the entry ${ms} ms after the writer's page came back`);
  assert(ms <= 1_000, `the live update took ${ms} ms (budget 1 s)`);
  await check(watcher, "operator-live-board");
});

await test("the analyst screens Artyom Kozlovskiy and reads the explanation; a liaison has no screening page", async (open) => {
  const s = await open();
  await login(s, "analyst");
  await s.page.click("a[href='/screening']");
  await s.page.fill("#s-name", "Artyom Kozlovskiy");
  await s.page.fill("#s-purpose", "accreditation check");
  await Promise.all([s.page.waitForLoadState("load"), s.page.click("#screen-form button")]);
  await s.page.waitForSelector("#results li");
  const first = await s.page.textContent("#results li");
  assert(/Kozlovsk/i.test(first), `first result: ${first}`);
  assert(first.includes("name") && first.includes("~"), `no explanation: ${first}`);
  assert((await s.page.textContent(".flash.ok")).includes("ledger entry #"), "the screening's entry is not shown");
  await check(s, "analyst-screening");

  const liaison = await open();
  liaison.expected.push("status of 404");
  await login(liaison, "us-liaison");
  const r = await liaison.page.goto("/screening");
  assert(r.status() === 404, `a liaison got ${r.status()}`);
});

await test("the commander's home renders within 3 s on a 400 kbit/s link with 400 ms round trips", async (open) => {
  const s = await open();
  await login(s, "commander");
  // A fresh page in the same session, on the slow link: the cookie is
  // kept, the cache is not used.
  const cdp = await s.context.newCDPSession(s.page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 400,
    downloadThroughput: (400 * 1000) / 8,
    uploadThroughput: (400 * 1000) / 8,
  });
  await s.page.goto("/home", { waitUntil: "load", timeout: 30_000 });
  const fcp = await s.page.evaluate(
    () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
  );
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  assert(fcp !== null, "no first contentful paint recorded");
  console.log(`     first contentful paint on the slow link: ${Math.round(fcp)} ms`);
  assert(fcp <= 3_000, `first contentful paint after ${Math.round(fcp)} ms (budget 3 s)`);
});

await test(`two servers on one ${backend} store: a change through one shows live on the other`, async (open) => {
  const second = await startServer(server.dataDir);
  try {
    const watcher = await open(second.base);
    await login(watcher, "operator");
    await watcher.page.goto("/rooms/joc-cortina");
    await watcher.page.waitForSelector("#live.on", { timeout: 10_000 });
    const writer = await open(server.base);
    await login(writer, "commander");
    await writer.page.goto("/rooms/joc-cortina");
    const text = `Power cut at the media centre (${Date.now()})`;
    await writer.page.fill("#entry-text", text);
    await Promise.all([writer.page.waitForURL(/action=log.record/), writer.page.press("#entry-text", "Enter")]);
    const started = Date.now();
    await watcher.page.waitForSelector(`#log tr:has-text("${text}")`, { timeout: 5_000 });
    const ms = Date.now() - started;
    console.log(`     the other server's board showed the entry ${ms} ms after the writer's page came back`);
    assert(ms <= 1_000, `the live update across servers took ${ms} ms (budget 1 s)`);
    await check(watcher, "operator-live-board-second-server");
  } finally {
    second.child.kill("SIGTERM");
  }
});

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret, as an authenticator app computes it. */
function totp(base32, unixSeconds = Math.floor(Date.now() / 1000)) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = crypto.createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, "0");
}

/** `cortina ARGS` on the running server's store; its standard output. */
function cli(...args) {
  const all = [...args, "--data-dir", server.dataDir];
  if (database) all.push("--database", database);
  const r = spawnSync(bin, all, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cortina ${args.join(" ")}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

await test("a new commander enrols with the admin's secret, sets up TOTP and logs in with its code", async (open) => {
  const user = `chief-${Date.now() % 100000}`;
  cli("admin", "user", "add", user, "--role", "host_commander", "--agency", "dps");
  const out = cli("admin", "user", "confirm", user, "--as", "commander");
  const secret = out.match(/Enrolment secret for .*: (\S+)\s*$/m)?.[1];
  assert(secret, `no enrolment secret in: ${out}`);
  const s = await open();
  await s.page.goto("/");
  await Promise.all([s.page.waitForLoadState("load"), s.page.click("a[href='/enrol']")]);
  await check(s, "enrol");
  await s.page.fill("#username", user);
  await s.page.fill("#enrolment_secret", secret);
  await s.page.fill("#password", "my own long password");
  await Promise.all([s.page.waitForLoadState("load"), s.page.click("button[type=submit]")]);
  const base32 = await s.page.inputValue("#totp-secret");
  assert(/^[A-Z2-7]+=*$/.test(base32), `no TOTP secret on the page: ${base32}`);
  assert((await s.page.getAttribute("#otpauth", "href")).startsWith("otpauth://totp/"), "no otpauth URI");
  assert((await s.page.locator("#recovery-codes li").count()) === 10, "not ten recovery codes");
  await check(s, "enrolled");
  // The password alone is refused (401); with the authenticator's code, home.
  s.expected.push("status of 401");
  await login(s, user, "my own long password");
  assert((await s.page.textContent("main")).includes("authenticator code"), "no second-factor message");
  await s.page.fill("#username", user);
  await s.page.fill("#password", "my own long password");
  await s.page.fill("#totp", totp(base32));
  await Promise.all([s.page.waitForURL(/\/home$/), s.page.click("button[type=submit]")]);
  assert((await s.page.textContent("header")).includes(user), "not logged in as the new commander");
  // The secret was used: a second enrolment says so.
  const again = await open();
  again.expected.push("status of 409");
  await again.page.goto("/enrol");
  await again.page.fill("#username", user);
  await again.page.fill("#enrolment_secret", secret);
  await again.page.fill("#password", "somebody else's password");
  await Promise.all([again.page.waitForLoadState("load"), again.page.click("button[type=submit]")]);
  assert((await again.page.textContent("main")).includes("already enrolled"), "a used secret was not reported");
});

await gateTests({ test, session, login, check, server, assert, cli });
await vettingPages({ test, session, login, check, server, assert, foreignWords });
await oversightTests.run({ test, session, login, check, assert, server, cli });
await listsPage({ test, session, login, check, assert, cli, server });

// --- the end ---------------------------------------------------------------

await browser.close();
server.child.kill("SIGTERM");
fs.rmSync(server.dataDir, { recursive: true, force: true });
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed (${backend})`);
process.exit(failed ? 1 : 0);
