// Browser tests of the gate (issue 12, item 7): the printable pass and the
// steward's offline verifier at /gate. Run from run.mjs with its helpers.
//
// The demo's accredited US liaison (Daniel Brooks, San Siro up to zone 2,
// valid during the Games) is the pass. The page's clock is set inside the
// Games for "valid" and "wrong zone"; the real clock (after the Games) gives
// "expired"; an edited pass is "forged"; with the network cut the page still
// checks and says the sync failed, keeping its list.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const DURING_GAMES = new Date("2026-02-10T12:00:00Z");

/** `cortina pass verify` on the bundle the server exports: [exit status, output]. */
function verifyCli(bin, bundleFile, pass, zone, at) {
  const args = ["pass", "verify", "--bundle", bundleFile, "--venue", "san-siro", "--zone", zone];
  if (at) args.push("--at", String(Math.floor(at.getTime() / 1000)));
  const r = spawnSync(bin, args, { input: `${pass}\n`, encoding: "utf8" });
  return [r.status, r.stdout + r.stderr];
}

async function gateAt(open, check, time, name) {
  const s = await open();
  if (time) await s.page.clock.setFixedTime(time);
  await s.page.goto("/gate");
  await s.page.waitForSelector("body[data-ready='1']");
  await s.page.waitForFunction(() => document.getElementById("sync-status").textContent.includes("Revocations as of"));
  if (name) await check(s, name);
  await s.page.fill("#venue", "san-siro");
  await s.page.fill("#zone", "2");
  return s;
}

/** Types the pass as a handheld scanner does (keystrokes, then Enter); the verdict shown. */
async function scan(s, text) {
  await s.page.fill("#payload", "");
  await s.page.focus("#payload");
  await s.page.keyboard.type(text, { delay: 0 });
  await s.page.keyboard.press("Enter");
  await s.page.waitForFunction(() => !document.getElementById("result").hidden && document.getElementById("result").dataset.verdict);
  const verdict = await s.page.getAttribute("#result", "data-verdict");
  await s.page.evaluate(() => delete document.getElementById("result").dataset.verdict);
  return verdict;
}

export async function run(h) {
  const { test, login, check, assert } = h;
  let passText = "";

  await h.test("the commander prints an accredited liaison's pass with its QR code", async (open) => {
    const s = await open();
    await login(s, "commander");
    await s.page.goto("/passes/declarations/us-hsi-liaison");
    await check(s, "pass");
    const main = await s.page.textContent("main");
    assert(main.includes("Daniel Brooks"), "no name on the pass");
    assert(main.includes("…5678"), "no document digits on the pass");
    assert((await s.page.locator(".pass-qr svg path").count()) === 1, "no QR code");
    passText = (await s.page.textContent(".pass-text")).trim();
    assert(passText.startsWith("CP1."), `no pass text: ${passText}`);
  });

  await test("/gate checks passes offline: valid, wrong zone, forged, expired; a failed sync keeps the list", async (open) => {
    assert(passText, "no pass from the previous test");
    const s = await gateAt(open, check, DURING_GAMES, "gate");
    assert((await scan(s, passText)) === "valid", "the genuine pass is not valid at zone 2");
    assert((await s.page.textContent("#name")) === "Daniel Brooks", "name not shown");
    assert((await s.page.textContent("#doc")) === "…5678", "document digits not shown");
    await check(s, "gate-valid");
    // Cut the network: the check needs none.
    s.expected.push("ERR_INTERNET_DISCONNECTED", "Failed to fetch");
    await s.context.setOffline(true);
    await s.page.fill("#zone", "1");
    assert((await scan(s, passText)) === "wrong_zone", "zone 1 is not refused");
    await check(s, "gate-wrong-zone");
    await s.page.fill("#zone", "2");
    // Another name under the genuine signature.
    const [prefix, body, sig] = passText.split(".");
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    claims.n = "Someone Else";
    const forged = `${prefix}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${sig}`;
    assert((await scan(s, forged)) === "forged", "an edited pass is not refused as forged");
    assert((await s.page.locator("#holder").isHidden()), "a forged pass shows a holder");
    await check(s, "gate-forged");
    assert((await scan(s, "hello")) === "forged", "garbage is not refused");
    await s.page.click("#sync");
    await s.page.waitForFunction(() => document.getElementById("sync-status").textContent.includes("Sync failed"));
    assert(
      (await s.page.textContent("#sync-status")).includes("keeping the last list"),
      "a failed sync does not say it keeps the last list",
    );
    assert((await scan(s, passText)) === "valid", "after a failed sync the kept list no longer works");
    // The real clock: the Games are over.
    const now = await gateAt(open, check, null, null);
    assert((await scan(now, passText)) === "expired", "the pass is not expired after the Games");
  });

  await test("cortina pass verify checks the same pass offline with the exported bundle", async () => {
    assert(passText, "no pass from the first test");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cortina-gate-"));
    try {
      const file = path.join(dir, "bundle.json");
      fs.writeFileSync(file, await (await fetch(`${h.server.base}/api/v1/gate/bundle`)).text());
      const bin = process.env.CORTINA_BIN || path.resolve("target/debug/cortina");
      let [status, out] = verifyCli(bin, file, passText, "2", DURING_GAMES);
      assert(status === 0 && out.includes("VALID") && out.includes("Daniel Brooks"), `valid: ${status} ${out}`);
      [status, out] = verifyCli(bin, file, passText, "1", DURING_GAMES);
      assert(status === 1 && out.includes("WRONG ZONE"), `wrong zone: ${status} ${out}`);
      [status, out] = verifyCli(bin, file, passText, "2", null);
      assert(status === 1 && out.includes("EXPIRED"), `expired: ${status} ${out}`);
      [status, out] = verifyCli(bin, file, passText.slice(0, -4) + "AAAA", "2", DURING_GAMES);
      assert(status === 1 && out.includes("FORGED"), `forged: ${status} ${out}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
