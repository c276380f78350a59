// Browser tests of oversight's pages (issue 14): the consultation log
// finds the analyst's screening by the person's name, with its purpose,
// and records the question; the statistics show counts (never under 5)
// with the CSV export; neither page is for anyone else.

export async function run(h) {
  const { test, login, check, assert } = h;

  await test("oversight finds an analyst's screening in the consultation log and reads the statistics", async (open) => {
    const analyst = await open();
    await login(analyst, "analyst");
    await analyst.page.goto("/screening");
    await analyst.page.fill("input[name=name]", "Viktor Bout");
    await analyst.page.fill("input[name=purpose]", "oversight browser test AC-99");
    await Promise.all([analyst.page.waitForLoadState("load"), analyst.page.click("#screen-form button[type=submit]")]);

    const s = await open();
    await login(s, "oversight");
    await s.page.goto("/home");
    assert((await s.page.locator("a[href='/consultations']").count()) === 1, "no link to the consultation log");
    await s.page.goto("/consultations");
    await s.page.fill("#name", "Бут Виктор");
    await s.page.fill("#purpose", "complaint 2026/17");
    await Promise.all([s.page.waitForLoadState("load"), s.page.click("form.filters button[type=submit]")]);
    const table = await s.page.textContent("table#consultations");
    assert(table.includes("oversight browser test AC-99"), `the screening's purpose is not listed: ${table}`);
    assert(table.includes("screening.run"), "no screening listed");
    await check(s, "consultations");
    // The question itself is in the log.
    await s.page.goto("/consultations?account=oversight");
    assert((await s.page.textContent("table#consultations")).includes("complaint 2026/17"), "the question was not recorded");

    await s.page.goto("/stats?period=week");
    assert((await s.page.locator("table#stats").count()) === 1, "no statistics table");
    assert((await s.page.locator("a[href^='/api/v1/stats?format=csv']").count()) === 1, "no CSV export link");
    for (const cell of await s.page.locator("table#stats td:nth-child(5)").allTextContents()) {
      assert(cell === "suppressed" || Number(cell) >= 5, `a small count is shown: ${cell}`);
    }
    // The totals by default; every agency's figures on demand.
    for (const agency of await s.page.locator("table#stats td:nth-child(4)").allTextContents()) {
      assert(agency === "all", `an agency's figure among the totals: ${agency}`);
    }
    await s.page.selectOption("select#agency", "");
    await Promise.all([s.page.waitForURL(/agency=&/), s.page.click("form.filters button[type=submit]")]);
    const agencies = await s.page.locator("table#stats td:nth-child(4)").allTextContents();
    assert(agencies.some((a) => a !== "all"), "no agency's figure when every agency is asked");
    await check(s, "stats");

    // Nobody else: the commander is refused both pages.
    const commander = await open();
    commander.expected.push("status of 403");
    await login(commander, "commander");
    for (const page of ["/consultations", "/stats"]) {
      const r = await commander.page.goto(page);
      assert(r.status() === 403, `${page} for the commander: ${r.status()}`);
    }
  });
}
