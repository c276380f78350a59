// Browser tests of lists that change (issue 12, item 5): the host sees the
// snapshot in force and the last update; only the admin is offered the
// update now; the page passes the accessibility check; a foreign liaison
// gets no such page. Then a new list names an applicant accredited at
// intake: the case page shows the accreditation in question and the
// commander suspends it there. (Last: the new lists replace the demo's.)

import fs from "node:fs";
import path from "node:path";

export async function run(h) {
  const { test, login, check, assert, cli, server } = h;

  await test("the host reads the watchlists page and only the admin may update the lists", async (open) => {
    const admin = await open();
    await login(admin, "admin");
    await admin.page.goto("/lists");
    const facts = await admin.page.textContent("#lists-in-force");
    assert(/[0-9a-f]{64}/.test(facts), `no snapshot hash on the page: ${facts}`);
    assert((await admin.page.locator("#update-now button[type=submit]").count()) === 1, "the admin is not offered the update");
    await check(admin, "lists-admin");

    const commander = await open();
    await login(commander, "commander");
    await commander.page.goto("/lists");
    assert((await commander.page.locator("#update-now").count()) === 0, "the commander is offered the update");
    await check(commander, "lists-commander");

    const liaison = await open();
    liaison.expected.push("status of 404");
    await login(liaison, "us-liaison");
    const r = await liaison.page.goto("/lists");
    assert(r.status() === 404, `/lists for a foreign liaison: ${r.status()}`);
  });
  await test("a list change puts an accreditation in question and the commander suspends it on the case page", async (open) => {
    // The demo's applicants named Giulia Rossi hold no objection since
    // intake; a list naming her arrives (the birth date differs for two of
    // the three: a weaker hit, still one to examine).
    const file = path.join(server.dataDir, "rossi.ftm.json");
    fs.writeFileSync(file, JSON.stringify({ id: "t-rossi", schema: "Person",
      properties: { name: ["ROSSI, Giulia"], birthDate: ["1960-01-01"] }, datasets: ["uitest"] }) + "\n");
    const out = cli("lists", "import", "--as", "admin", "--format", "ftm-json", file);
    assert(/[1-9][0-9]* cases opened/.test(out), `the import's re-screen: ${out}`);

    const commander = await open();
    await login(commander, "commander");
    // The home says how many accreditations are in question and leads to
    // those cases.
    await commander.page.goto("/home");
    const count = commander.page.locator("#in-question-count");
    assert((await count.count()) === 1, "the commander's home does not count the accreditations in question");
    await Promise.all([commander.page.waitForLoadState("load"), count.locator("a").click()]);
    assert(commander.page.url().includes("in_question=1"), `not the filtered queue: ${commander.page.url()}`);
    const link = commander.page.locator("table a[href^='/vetting/']");
    assert((await link.count()) >= 1, "no case on the new list");
    await Promise.all([commander.page.waitForLoadState("load"), link.first().click()]);
    const section = commander.page.locator("#in-question");
    assert((await section.count()) === 1, "no 'Accreditation in question' on the case page");
    assert((await section.textContent()).includes("accredited since"), "the accreditation's date is missing");
    await check(commander, "case-in-question");
    await commander.page.fill("#suspend-reason", "Listed since the update; pending the case");
    await Promise.all([commander.page.waitForLoadState("load"), section.locator("button[type=submit]").click()]);
    // Back on the case page: the banner names the ledger entry and the
    // section shows the suspension.
    assert(/\/vetting\/[^?]+\?done=\d+/.test(commander.page.url()), `not back on the case: ${commander.page.url()}`);
    const banner = await commander.page.locator("[role=status]").first().textContent();
    assert(/accreditation\.suspend/.test(banner) && /ledger entry/.test(banner), `no confirmation: ${banner}`);
    const after = await commander.page.locator("#in-question").textContent();
    assert(/Accreditation suspended/i.test(after), `not suspended on the case page: ${after}`);

    // The organiser learns nothing of the list or the case from its opinions.
    const organiser = await open();
    await login(organiser, "organiser");
    await organiser.page.goto("/opinions");
    const html = await organiser.page.content();
    assert(!html.includes("uitest") && !html.includes("t-rossi"), "the organiser sees the list that hit");
  });
}
