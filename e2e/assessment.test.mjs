// Browser test of the assessment against `evident serve --demo`: the demo
// has a surveillance engagement with an open major nonconformity. The
// assessor raises a request and a finding in the browser; the compliance
// manager answers the request and closes the finding with evidence; the
// assessor accepts both, each by their own login.
import { test } from "node:test";
import assert from "node:assert/strict";
import { shot, useDemo } from "./harness.mjs";

const s = useDemo();

// openEngagement follows the navigation to the demo's one engagement.
async function openEngagement(page) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Engagements" }).click();
  await page.getByRole("heading", { name: "Engagements", exact: true }).waitFor();
  await page.getByRole("link", { name: "TrustCert Assessment GmbH" }).click();
  await page.locator("#days-left").waitFor();
}

const card = (page, text) => page.locator("section.card").filter({ hasText: text });

test("an assessor raises a request and a finding; the manager answers and closes it with evidence; the assessor accepts", async () => {
  const asa = await s.signedIn("assessor");
  await openEngagement(asa);
  assert.match(await card(asa, "NC-1").innerText(), /major[\s\S]*open/, "the demo's major nonconformity is open");
  assert.match(await card(asa, "NC-2").innerText(), /closed/, "the demo's minor nonconformity is closed");

  await asa.getByLabel("Requirement", { exact: true }).fill("REQ-7.8-14");
  await asa.getByLabel("What evidence").fill("E2E: the penetration test report of this year");
  await asa.getByLabel("Due", { exact: true }).last().fill("2030-01-15");
  await asa.getByRole("button", { name: "Ask" }).click();
  await card(asa, "E2E: the penetration test report").waitFor();

  await asa.getByLabel("Reference").fill("NC-3");
  await asa.getByLabel("Kind").selectOption("minor");
  await asa.getByLabel("Requirements").fill("REQ-7.8-14");
  await asa.getByLabel("Finding", { exact: true }).fill("E2E: the scan scope omits the RA hosts.");
  await asa.getByRole("button", { name: "Raise finding" }).click();
  await card(asa, "NC-3").waitFor();
  assert.match(await card(asa, "NC-3").innerText(), /minor[\s\S]*open/);
  await asa.close();

  const cm = await s.signedIn("compliance-manager");
  await openEngagement(cm);
  const request = card(cm, "E2E: the penetration test report");
  await request.getByLabel("Answer").fill("The report is filed under the pen-test control.");
  await request.getByRole("button", { name: "Answer" }).click();
  await cm.waitForURL(/#request-/);
  assert.match(await card(cm, "E2E: the penetration test report").innerText(), /answered/);

  // The closure evidence: a record the manager can see, the one that closed NC-2.
  const href = await card(cm, "NC-2").locator('dd a[href^="/evidence/"]').first().getAttribute("href");
  const evidence = href.replace("/evidence/", "");
  const finding = card(cm, "NC-3");
  await finding.getByLabel("Root cause").fill("The RA hosts were missing from the scan inventory.");
  await finding.getByLabel("Corrective action").fill("Add the RA hosts to the inventory and rescan.");
  await finding.getByLabel("Closure evidence ids").fill(evidence);
  await finding.getByRole("button", { name: "Propose closure" }).click();
  await cm.waitForURL(/#finding-/);
  assert.match(await card(cm, "NC-3").innerText(), /closure-proposed/);
  await shot(cm, "engagement-manager");
  await cm.close();

  const asa2 = await s.signedIn("assessor");
  await openEngagement(asa2);
  await card(asa2, "E2E: the penetration test report").getByRole("button", { name: "Accept the answer" }).click();
  await asa2.waitForURL(/#request-/);
  await card(asa2, "NC-3").getByRole("button", { name: "Accept the closure" }).click();
  await asa2.waitForURL(/#finding-/);
  assert.match(await card(asa2, "E2E: the penetration test report").innerText(), /accepted/);
  const closed = await card(asa2, "NC-3").innerText();
  assert.match(closed, /closed/);
  assert.match(closed, /accept by asa/, "the acceptance is the assessor's own act");
  assert.ok(closed.includes(evidence), "the closure evidence is shown");
  await shot(asa2, "engagement-assessor");
  await asa2.close();
});

test("the dashboard shows the engagement's days left and readiness shows the open major nonconformity", async () => {
  const page = await s.signedIn("compliance-manager");
  assert.match(await page.locator("#h-engagements").locator("..").innerText(), /\d+ days left/);
  await page.goto(s.demo.url + "/gaps");
  assert.ok(await page.locator("tr").filter({ hasText: "nonconformity-open" }).count() >= 1, "the open nonconformity is a gap");
  await page.close();
});
