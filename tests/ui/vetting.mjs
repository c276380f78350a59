// Browser tests of the vetting pages (issue 12): the analysts' queue, the
// case view, the organiser's opinions. Run by run.mjs against the demo
// (302 applicants of the organiser, two of them variants of listed people:
// two intake cases).

export async function run(h) {
  const { test, login, check, assert } = h;
  let refused = "";

  await test("the analyst claims a case in the queue, reads it and proposes a refusal", async (open) => {
    const s = await open();
    await login(s, "analyst");
    await Promise.all([s.page.waitForLoadState("load"), s.page.click("a[href='/vetting']")]);
    await check(s, "vetting-queue");
    const ids = await s.page.$$eval("#queue tbody tr", (trs) => trs.map((tr) => tr.dataset.id));
    assert(ids.length >= 1, "the demo queue has no open case");
    assert((await s.page.textContent("#queue-figures")).includes("cleared in bulk"), "no bulk share");
    // Claim the first from the queue: the page comes back with the claim.
    const first = ids[0];
    await Promise.all([
      s.page.waitForURL(/done=/),
      s.page.click(`#queue tr[data-id='${first}'] button[aria-label='Claim case ${first}']`),
    ]);
    assert((await s.page.textContent(".flash")).includes("vetting.claim"), "no flash for the claim");
    assert(
      (await s.page.locator(`#queue tr[data-id='${first}'] button[aria-label='Release case ${first}']`).count()) === 1,
      "the claimed case offers no release",
    );
    // The case view: the applicant, the candidate with its explanation.
    await Promise.all([s.page.waitForLoadState("load"), s.page.click(`a[href='/vetting/${first}']`)]);
    await check(s, "vetting-case");
    assert((await s.page.locator("#applicant tr").count()) > 3, "no applicant facts");
    assert((await s.page.locator("#candidates li").count()) >= 1, "no candidate");
    assert((await s.page.locator("#candidates table.explanation tbody tr").count()) >= 1, "no explanation");
    assert((await s.page.locator("form[data-action='vetting.confirm_refusal']").count()) === 0, "confirm offered");
    await s.page.fill("form[data-action='vetting.propose_refusal'] input[name=reason]", "the listed person: same name and birth year");
    await Promise.all([
      s.page.waitForURL(/done=/),
      s.page.click("form[data-action='vetting.propose_refusal'] button"),
    ]);
    assert((await s.page.textContent("#case-state")).includes("refusal_proposed"), "not proposed");
    // The proposer is not offered the confirmation (four eyes).
    assert((await s.page.locator("form[data-action='vetting.confirm_refusal']").count()) === 0, "four eyes");
    refused = first;
  });

  await test("the commander confirms the refusal on the case view", async (open) => {
    assert(refused, "no case was proposed");
    const s = await open();
    await login(s, "commander");
    await s.page.goto(`/vetting/${refused}`);
    await s.page.fill("form[data-action='vetting.confirm_refusal'] input[name=reason]", "confirmed: board of 7 December");
    await Promise.all([
      s.page.waitForURL(/done=/),
      s.page.click("form[data-action='vetting.confirm_refusal'] button"),
    ]);
    assert((await s.page.textContent("#case-state")).includes("refused"), "not refused");
    assert((await s.page.textContent("#history")).includes("refusal confirmed"), "no history line");
    await check(s, "vetting-case-refused");
  });

  await test("the analyst clears a group in bulk with one reason; the share is shown", async (open) => {
    // The organiser sends the demo's two listed variants again, twice each
    // under new references: new cases for the group.
    const o = await open();
    await login(o, "organiser");
    const rows = [];
    for (const [i, name] of ["Hernan Dario Vargas Quintero", "Yusuf Abd al-Karim Al-Rashidi", "Hernan Dario Vargas Quintero", "Yusuf Abd al-Karim Al-Rashidi"].entries()) {
      rows.push({ reference: `MC26-B${i}`, name, birth_date: "1971-03-14", nationality: "CO", document_type: "passport",
                  document_number: `PB${i}`, category: "contractor", venues: "san-siro", zones: "zone-3" });
    }
    const sent = await o.page.request.post("/api/v1/applicants", {
      data: { applicants: rows },
      headers: { Origin: h.server.base },
    });
    assert(sent.ok(), `submit: ${sent.status()} ${await sent.text()}`);
    const s = await open();
    await login(s, "analyst");
    await s.page.goto("/vetting");
    const boxes = s.page.locator("#queue input[type=checkbox]");
    const n = await boxes.count();
    assert(n >= 2, `${n} case(s) to select`);
    for (let i = 0; i < n; i++) await boxes.nth(i).check();
    await s.page.fill("#bulk-reason", "namesakes of the listed people: different birth dates");
    await Promise.all([s.page.waitForLoadState("load"), s.page.click("#bulk button[type=submit]")]);
    assert((await s.page.textContent("main")).includes(`"cleared": ${n}`), "not cleared");
    await s.page.goto("/vetting?state=cleared");
    await check(s, "vetting-queue-cleared");
    assert((await s.page.locator("#queue tbody tr").count()) === n, "the cleared cases are not listed");
    assert((await s.page.textContent("#bulk-share")).trim() === "100 %", "bulk share not 100 %");
  });

  await test("the organiser pages through its opinions and never sees a case, list or score", async (open) => {
    const s = await open();
    await login(s, "organiser");
    await Promise.all([s.page.waitForLoadState("load"), s.page.click("a[href='/opinions']")]);
    await check(s, "opinions");
    assert((await s.page.locator("#opinions tbody tr").count()) === 100, "not 100 on the first page");
    assert((await s.page.locator("#opinions-csv").count()) === 1, "no CSV link");
    const counts = await s.page.textContent("#opinion-counts");
    assert(counts.includes("objection"), `counts: ${counts}`);
    const seen = [];
    for (;;) {
      const html = (await s.page.content()).toLowerCase();
      for (const w of ["score", "watchlist", "sanction", "vetting", "refus", "namesake", "board"]) {
        assert(!html.includes(w), `the organiser's page contains "${w}"`);
      }
      if (refused) assert(!html.includes(refused.toLowerCase()), "the organiser's page names a case");
      seen.push(...(await s.page.$$eval("#opinions tbody tr td:first-child", (tds) => tds.map((t) => t.textContent))));
      if ((await s.page.locator("#next-page").count()) === 0) break;
      await Promise.all([s.page.waitForLoadState("load"), s.page.click("#next-page")]);
    }
    assert(seen.length === 306 && new Set(seen).size === 306, `${seen.length} lines over the pages`);
    await check(s, "opinions-last-page");
    // The organiser gets no queue.
    s.expected.push("status of 404");
    const r = await s.page.goto("/vetting");
    assert(r.status() === 404, `/vetting for the organiser: ${r.status()}`);
  });

  await test("a foreign liaison gets neither the queue, a case nor the opinions", async (open) => {
    const s = await open();
    s.expected.push("status of 404");
    await login(s, "us-liaison");
    for (const path of ["/vetting", `/vetting/${refused || "vc-x"}`, "/opinions"]) {
      const r = await s.page.goto(path);
      assert(r.status() === 404, `${path}: ${r.status()}`);
      const html = (await s.page.content()).toLowerCase();
      for (const w of ["score", "sanction", "refused", "candidate"]) assert(!html.includes(w), `${path}: "${w}"`);
    }
  });
}
