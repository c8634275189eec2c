// The web UI as a team that lives in it: every page for every role, with a
// long-text fixture loaded, fits a phone (390 px) and a desktop (1440 px)
// without scrolling sideways, and axe-core finds no serious or critical
// WCAG 2.2 AA violation; a reload after a form records nothing twice.
// Screenshots of every page (as the compliance manager, who sees them all)
// at both widths go to test-artifacts/ui/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { artifacts, useDemo } from "./harness.mjs";

const s = useDemo();
const roles = ["compliance-manager", "admin", "control-owner", "management-approver", "assessor"];
const widths = [1440, 390];
const longWord = "Unbrokenwordwithoutanyspace".repeat(7).slice(0, 180);

// A reload of the page a form leads to is a GET: it records nothing again.
test("long-text fixture: an incident and a change, each recorded once despite a reload", async () => {
  const page = await s.signedIn("compliance-manager");
  await page.goto(s.demo.url + "/incidents");
  const before = await page.locator("main table tbody tr").count();
  await page.getByLabel("Title").fill(longWord);
  await page.getByLabel("Summary").fill(`${longWord} ${longWord}`);
  await page.getByRole("button", { name: "Open incident" }).click();
  await page.waitForURL(/\/incidents\/[^/]+$/);
  await page.reload();
  await page.goto(s.demo.url + "/incidents");
  assert.equal(await page.locator("main table tbody tr").count(), before + 1, "one incident opened, whatever the reloads");

  await page.goto(s.demo.url + "/changes");
  const changes = await page.locator("main table tbody tr").count();
  await page.getByLabel("System").selectOption({ index: 1 });
  await page.getByLabel("New version").fill("9.9");
  await page.getByLabel("Summary").fill(longWord);
  await page.getByRole("button", { name: "Record change" }).click();
  await page.locator("#change-added").waitFor();
  await page.reload();
  await page.locator("#change-added").waitFor();
  assert.equal(await page.locator("main table tbody tr").count(), changes + 1, "one change recorded, whatever the reloads");
  await page.close();
});

test("on a phone the navigation folds behind a Menu button; on a desktop it is all there", async () => {
  const page = await s.signedIn("compliance-manager");
  const nav = page.getByRole("navigation", { name: "Main" });
  const menu = page.getByRole("button", { name: "Menu" });
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(s.demo.url + "/controls");
  assert.equal(await nav.isVisible(), false, "the navigation is folded at 390 px");
  await menu.click();
  assert.equal(await menu.getAttribute("aria-expanded"), "true");
  await nav.getByRole("link", { name: "Risks" }).click();
  await page.waitForURL(/\/risks$/);
  await page.setViewportSize({ width: 1440, height: 900 });
  assert.equal(await menu.isVisible(), false, "no Menu button at 1440 px");
  assert.equal(await nav.isVisible(), true);
  await page.close();
});

// pagesOf lists what a role can open: the main navigation, one detail page
// of each kind linked from the lists, the account page and a missing page.
async function pagesOf(page) {
  await page.goto(s.demo.url + "/");
  const paths = await page.locator('nav[aria-label="Main"] a').evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  const details = [["/controls", "/controls/"], ["/incidents", "/incidents/"], ["/evidence", "/evidence/"],
    ["/policies", "/policies/"], ["/catalog", "/catalog/"]];
  for (const [list, prefix] of details) {
    if (!paths.includes(list)) continue;
    await page.goto(s.demo.url + list);
    const href = await page.locator(`main a[href^="${prefix}"]:not([href$="/new"])`).first().getAttribute("href", { timeout: 2000 }).catch(() => null);
    if (href) paths.push(href.split("#")[0]);
  }
  paths.push("/account", "/no-such-page");
  return [...new Set(paths)];
}

const slug = (path) => path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "dashboard";

// One test per role: each opens every page it can reach once, at 1440 px,
// runs axe there, then narrows the same page to 390 px; the compliance
// manager, who sees every page, is photographed at both widths.
const dir = join(artifacts, "ui");
mkdirSync(dir, { recursive: true });
for (const role of roles) {
  test(`every page as ${role}: no sideways scroll at 390 and 1440 px, no serious axe violation`, { timeout: 900000 }, async () => {
    const wide = [];
    const violations = [];
    const page = await s.signedIn(role);
    for (const path of await pagesOf(page)) {
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(s.demo.url + path);
      const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
      for (const v of result.violations) {
        if (v.impact === "serious" || v.impact === "critical") {
          violations.push(`${path}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
        }
      }
      for (const width of widths) {
        await page.setViewportSize({ width, height: 900 });
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
        if (scroll > width) wide.push(`${path} at ${width} px: ${scroll} px wide`);
        if (role === "compliance-manager") {
          // Long pages are cut at 4000 px.
          const height = Math.min(4000, await page.evaluate(() => document.documentElement.scrollHeight));
          await page.screenshot({ path: join(dir, `${slug(path)}-${width}.png`), fullPage: true, clip: { x: 0, y: 0, width, height } });
        }
      }
    }
    await page.close();
    assert.deepEqual(wide, [], "pages wider than the viewport");
    assert.deepEqual(violations, [], "serious or critical accessibility violations");
  });
}
