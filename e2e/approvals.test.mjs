// Browser test of approvals against `evident serve --demo`: the demo
// leaves the terms and conditions' current version waiting for the
// management body; the approver approves it in the browser, by her own
// login, and the gap it made disappears.
import { test } from "node:test";
import assert from "node:assert/strict";
import { shot, useDemo } from "./harness.mjs";

const s = useDemo();


// unapprovedTC is the gaps page's policy-unapproved row for the T&C.
function unapprovedTC(page) {
  return page.locator("tr").filter({ hasText: "policy-unapproved" }).filter({ has: page.locator('a[href="/policies/terms-and-conditions"]') });
}

test("an approver approves a policy version in the browser and the gap disappears", async () => {
  const cm = await s.signedIn("compliance-manager");
  await cm.goto(s.demo.url + "/gaps");
  assert.equal(await unapprovedTC(cm).count(), 1, "the T&C version claimed approved in the files is a gap before any act");
  assert.equal(await cm.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approvals" }).count(), 0,
    "a compliance manager is not offered the approvals page");
  const refused = await cm.goto(s.demo.url + "/approvals");
  assert.equal(refused.status(), 403);
  await cm.close();

  const page = await s.signedIn("management-approver");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Approvals" }).click();
  await page.getByRole("heading", { name: "Approvals", exact: true }).waitFor();
  const item = page.locator('section.approval[data-subject="policy/terms-and-conditions@3.0"]');
  assert.equal(await item.getAttribute("data-state"), "pending");
  assert.match(await item.innerText(), /sha256 [0-9a-f]{64}/, "the digest the approval binds is shown");
  await shot(page, "approvals");
  await item.getByLabel("Comment").fill("Approved at the board meeting; availability clause to follow.");
  await item.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL(/\/approvals\?decided=/);
  await page.locator("#approval-decided").waitFor();
  assert.equal(await page.locator('section.approval[data-subject="policy/terms-and-conditions@3.0"]').count(), 0, "the approved version no longer waits");
  await page.goto(s.demo.url + "/approvals?state=approved");
  assert.match(await page.locator('section.approval[data-subject="policy/terms-and-conditions@3.0"]').innerText(), /Approved by mira/);
  await page.goto(s.demo.url + "/gaps");
  assert.equal(await unapprovedTC(page).count(), 0, "the gap is closed by the approval act");
  await shot(page, "gaps-after-approval");
  await page.close();
});
