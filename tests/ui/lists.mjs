// Browser test of the watchlists page (issue 12, item 5): the host sees
// the snapshot in force and the last update; only the admin is offered the
// update now; the page passes the accessibility check; a foreign liaison
// gets no such page.

export async function run(h) {
  const { test, login, check, assert } = h;

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
}
