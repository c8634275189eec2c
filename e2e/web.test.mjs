// Browser tests of the web UI against `evident serve --demo`: what a
// compliance manager, a control owner and an assessor do in a real
// Chromium. Screenshots of the main pages go to test-artifacts/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { login, shot, useDemo } from "./harness.mjs";

const s = useDemo();

test("sign in and see the dashboard", async () => {
  const page = await s.browser.context.newPage();
  await page.goto(s.demo.url + "/");
  assert.match(page.url(), /\/login\?next=/, "an anonymous reader is sent to sign in");
  await shot(page, "login");
  await page.getByLabel("User name").fill("carla");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#login-error").waitFor();
  await login(page, s.demo.url, s.demo.logins["compliance-manager"]);
  await page.goto(s.demo.url + "/");
  await page.getByRole("heading", { name: "Readiness by clause" }).waitFor();
  assert.ok(await page.locator("svg.bars rect").count() > 10, "the readiness chart has bars");
  assert.match(await page.locator("#score").innerText(), /^\d+\.\d$/);
  await shot(page, "dashboard");
  for (const [path, name] of [["/tasks", "tasks"], ["/gaps", "gaps"], ["/scope", "scope"], ["/risks", "risks"], ["/policies", "policies"],
    ["/controls", "controls"], ["/evidence", "evidence"], ["/changes", "changes"], ["/audit", "audit"], ["/packs", "packs"]]) {
    const resp = await page.goto(s.demo.url + path);
    assert.equal(resp.status(), 200, `GET ${path}`);
    await shot(page, name);
  }
  // The pages work within their own policy: no inline style or script
  // that the Content-Security-Policy had to refuse.
  assert.deepEqual(s.browser.console.filter((m) => /Content Security Policy/i.test(m)), []);
  await page.close();
});

test("open a requirement page from the index", async () => {
  const page = await s.signedIn("compliance-manager");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Requirements", exact: true }).click();
  await page.getByLabel("Clause").fill("7.8");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("link", { name: "REQ-7.8-14", exact: true }).click();
  await page.getByRole("heading", { name: /REQ-7\.8-14/ }).waitFor();
  assert.match(await page.locator(".paraphrase").innerText(), /\S/);
  assert.ok(await page.getByRole("link", { name: /vulnerability|scan/i }).count() > 0, "the requirement chains to its controls");
  await shot(page, "requirement");
  await page.getByRole("link", { name: /vuln-scan-quarterly|Quarterly/ }).first().click();
  await page.locator("#periods").waitFor();
  await shot(page, "control");
  await page.close();
});

test("upload evidence for a control, have a second person accept it, and see its period turn satisfied", async () => {
  const page = await s.signedIn("control-owner");
  await page.goto(s.demo.url + "/controls/mfa-enforcement-monthly");
  const open = page.locator("table.periods tr.current");
  assert.equal(await open.getAttribute("data-state"), "due", "the open month is due before the upload");
  await page.getByRole("link", { name: "Add evidence for this control" }).click();
  assert.equal(await page.getByLabel("Control", { exact: true }).inputValue(), "mfa-enforcement-monthly");
  // The control covers two systems; each needs its own evidence.
  await page.getByLabel(/Systems the files speak for/).selectOption(["bastion@2.3.1", "ra-portal@2.14.0"]);
  await page.setInputFiles("#files", [
    { name: "accounts-without-mfa.csv", mimeType: "text/csv", buffer: Buffer.from("account,factor\n") },
    { name: "sign-off.txt", mimeType: "text/plain", buffer: Buffer.from("Checked: every account has a second factor.\n") },
  ]);
  assert.equal(await page.locator(".files li").count(), 2, "the script lists the chosen files");
  await page.getByLabel("Attestation: what you attest").fill("Every account has a second factor.");
  await shot(page, "upload");
  await page.getByRole("button", { name: "Store evidence" }).click();
  await page.waitForURL(/\/controls\/mfa-enforcement-monthly\?added=2/);
  // An attestation counts only once someone other than its submitter accepts it.
  assert.equal(await page.locator("table.periods tr.current").getAttribute("data-state"), "due");
  assert.match(await page.locator("table.periods tr.current").innerText(), /awaiting review/);
  assert.match(await page.locator("#added").innerText(), /Stored 2 file/);
  await page.getByRole("link", { name: "sign-off.txt" }).click();
  await page.getByRole("heading", { name: "Inclusion proof" }).waitFor();
  assert.match(await page.locator("pre.proof").innerText(), /c2sp\.org\/tlog-proof@v1/);
  assert.match(await page.locator("dd code").first().innerText(), /^[0-9a-f]{64}$/);
  await shot(page, "evidence-detail");
  await page.close();
  const cm = await s.signedIn("compliance-manager");
  await cm.goto(s.demo.url + "/reviews?control=mfa-enforcement-monthly");
  await cm.locator("section.submission").filter({ hasText: "sign-off.txt" }).getByRole("button", { name: "Accept" }).click();
  await cm.waitForURL(/\/reviews\?decided=/);
  await shot(cm, "reviews");
  await cm.goto(s.demo.url + "/controls/mfa-enforcement-monthly");
  assert.equal(await cm.locator("table.periods tr.current").getAttribute("data-state"), "satisfied");
  await cm.close();
});

test("drop files onto the upload form", async () => {
  const page = await s.signedIn("compliance-manager");
  // A document review takes files from a person; tool output (an import
  // control such as clock-sync-daily) goes through `evident import` instead.
  await page.goto(s.demo.url + "/evidence/new?control=terms-review");
  const dropped = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["Terms and conditions v7, published 2026-11-02\n"], "terms-v7.txt", { type: "text/plain" }));
    dt.items.add(new File(["Shown before contract: screenshot list\n"], "terms-shown.txt", { type: "text/plain" }));
    return dt;
  });
  await page.dispatchEvent(".dropzone", "drop", { dataTransfer: dropped });
  assert.equal(await page.locator("#files").evaluate((el) => el.files.length), 2, "the dropped files become the input's files");
  assert.deepEqual(await page.locator(".files li").allInnerTexts(), ["terms-v7.txt (46 bytes)", "terms-shown.txt (39 bytes)"]);
  await page.getByRole("button", { name: "Store evidence" }).click();
  await page.waitForURL(/\/controls\/terms-review\?added=2/);
  // Stored, but a document review counts only once a second person accepts it.
  assert.match(await page.locator("#added").innerText(), /Stored 2 file/);
  await page.close();
});

test("tool output dropped on an import control is refused, naming the importer", async () => {
  const page = await s.signedIn("compliance-manager");
  await page.goto(s.demo.url + "/evidence/new?control=clock-sync-daily");
  const dropped = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["offset 0.000012 s\n"], "tracking.txt", { type: "text/plain" }));
    return dt;
  });
  await page.dispatchEvent(".dropzone", "drop", { dataTransfer: dropped });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/evidence") && r.request().method() === "POST"),
    page.getByRole("button", { name: "Store evidence" }).click(),
  ]);
  assert.equal(response.status(), 422);
  assert.match(await page.locator("body").innerText(), /evident import/);
  await page.close();
});

test("see an incident countdown tick", async () => {
  const page = await s.signedIn("compliance-manager");
  await page.goto(s.demo.url + "/incidents");
  // A clock due within the day counts down in seconds.
  const countdown = page.locator("time.countdown", { hasText: /^\d+h \d\dm \d\ds left$/ }).first();
  await countdown.waitFor();
  const first = await countdown.innerText();
  await page.waitForTimeout(1500);
  assert.notEqual(await countdown.innerText(), first, "the countdown is live");
  await page.getByRole("link", { name: /administrator sign-in/ }).click();
  await page.locator("tr[data-state=running] time.countdown").first().waitFor();
  await shot(page, "incident");
  await page.close();
});

test("export an evidence pack", async () => {
  const page = await s.signedIn("compliance-manager");
  await page.goto(s.demo.url + "/packs");
  // A hang guard, not a speed check: the pack of the demo's year carries
  // every leaf of its windows, which takes tens of seconds on a busy
  // two-core machine.
  const download = page.waitForEvent("download", { timeout: 240000 });
  await page.getByRole("button", { name: "Export and download" }).click({ noWaitAfter: true });
  const file = await download;
  assert.match(file.suggestedFilename(), /^evidence-pack-\d{8}-\d{8}\.zip$/);
  const zip = readFileSync(await file.path());
  assert.equal(zip.subarray(0, 2).toString(), "PK", "the download is a zip");
  assert.ok(zip.includes(Buffer.from("MANIFEST.json")), "the pack has its manifest");
  await page.close();
});

test("an assessor is refused a write", async () => {
  const page = await s.signedIn("assessor");
  await page.goto(s.demo.url + "/controls/clock-sync-daily");
  assert.equal(await page.getByRole("link", { name: "Add evidence for this control" }).count(), 0, "no upload link for the assessor");
  const resp = await page.goto(s.demo.url + "/evidence/new");
  assert.equal(resp.status(), 403);
  assert.match(await page.locator("body").innerText(), /may not/);
  // Even a hand-made request with a valid CSRF token is refused.
  await page.goto(s.demo.url + "/packs");
  const token = await page.locator("input[name=csrf_token]").first().inputValue();
  const post = await page.request.post(s.demo.url + "/incidents", { form: { csrf_token: token, kind: "incident", title: "x", aware_at: "2026-01-01T00:00" } });
  assert.equal(post.status(), 403);
  await shot(page, "assessor-refused");
  await page.close();
});

test("a script tag typed into every text field renders inert", async () => {
  const page = await s.signedIn("compliance-manager");
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
  const payload = `<script>window.__xss=1;alert(1)</script><img src=x onerror="window.__xss=2;alert(2)">`;
  // Incident form: title and summary (services left empty).
  await page.goto(s.demo.url + "/incidents");
  await page.getByLabel("Title").fill(payload);
  await page.getByLabel("Summary").fill(payload);
  await page.getByRole("button", { name: "Open incident" }).click();
  await page.waitForURL(/\/incidents\/[0-9a-f-]+$/);
  assert.ok((await page.locator("h1").innerText()).includes("<script>"), "the title shows as text");
  // Incident form again with a bad system name: the error echoes it.
  await page.goto(s.demo.url + "/incidents");
  await page.getByLabel("Title").fill("x");
  await page.getByLabel("Affected systems").fill(payload);
  await page.getByRole("button", { name: "Open incident" }).click();
  await page.locator("#incident-error").waitFor();
  // Change form: version and summary.
  await page.goto(s.demo.url + "/changes");
  await page.getByLabel("System").selectOption({ index: 1 });
  await page.getByLabel("New version").fill(payload);
  await page.getByLabel("Summary").fill(payload);
  await page.getByRole("button", { name: "Record change" }).click();
  await page.locator("#change-added").waitFor();
  // Upload form: the period field and a file name.
  await page.goto(s.demo.url + "/evidence/new?control=clock-sync-daily");
  await page.getByLabel(/Period/).fill(payload);
  await page.setInputFiles("#files", [{ name: `${payload}.txt`, mimeType: "text/plain", buffer: Buffer.from("x") }]);
  await page.getByRole("button", { name: "Store evidence" }).click();
  await page.locator("#upload-error").waitFor();
  // Sign-in form: the user name is echoed back on failure.
  await page.goto(s.demo.url + "/login");
  await page.getByLabel("User name").fill(payload);
  await page.getByLabel("Password").fill("wrong password here");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#login-error").waitFor();
  // Everything typed shows up somewhere; nothing of it ran.
  for (const path of ["/", "/incidents", "/changes", "/tasks", "/audit"]) {
    await page.goto(s.demo.url + path);
    assert.equal(await page.evaluate(() => window.__xss), undefined, `script ran on ${path}`);
  }
  assert.deepEqual(dialogs, [], "no alert fired");
  assert.deepEqual(s.browser.errors.map(String), [], "no script error on any page");
  await page.close();
});

test("classify an incident in the browser and see its clocks change", async () => {
  const page = await s.signedIn("compliance-manager");
  await page.goto(s.demo.url + "/incidents");
  await page.getByLabel("Title").fill("Time-stamping unit lost its clock source");
  await page.getByRole("button", { name: "Open incident" }).click();
  await page.waitForURL(/\/incidents\/[0-9a-f-]+$/);
  const eidas = page.locator("#clock-eidas-notification");
  assert.match(await eidas.innerText(), /until classified/, "before triage the 24-hour clock runs provisionally");
  // Five minutes down meets no criterion: the regulatory clocks go.
  await page.getByLabel("Severity").selectOption("low");
  await page.getByLabel("Category").selectOption("availability");
  await page.getByLabel(/Longest full outage/).fill("5");
  await page.getByRole("button", { name: "Classify", exact: true }).click();
  await page.locator("#classification-current").waitFor();
  assert.equal(await eidas.count(), 0, "not significant: no clock to notify the supervisory body");
  // Reclassified at 45 minutes, over the 20-minute bar: significant, and
  // the countdown to the supervisory body appears, no longer provisional.
  assert.equal(await page.getByLabel(/Longest full outage/).inputValue(), "5", "the form starts from the last classification");
  await page.getByLabel("Severity").selectOption("high");
  await page.getByLabel(/Longest full outage/).fill("45");
  await page.getByRole("button", { name: "Reclassify", exact: true }).click();
  await page.locator("#classification-history").waitFor();
  await eidas.locator("time.countdown").waitFor();
  assert.doesNotMatch(await eidas.innerText(), /until classified/);
  assert.equal(await page.locator("#classification-history + table tbody tr").count(), 2, "both classifications are in the history");
  await shot(page, "incident-classified");
  // Customers affected: their clock starts.
  await page.locator("#h-affected + form fieldset").first().locator("input[type=checkbox]").first().check();
  await page.getByLabel(/Customers are likely to be affected/).check();
  await page.getByRole("button", { name: "Save what is affected" }).click();
  await page.locator("#clock-customer-notification").waitFor();
  // The notification with its report meets the supervisory body's clock.
  await page.getByLabel("supervisory-body").check();
  await page.setInputFiles("#report", [{ name: "notification.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.7 notification\n") }]);
  await page.getByRole("button", { name: "Record notification" }).click();
  await page.locator("#clock-eidas-notification[data-state=met]").waitFor();
  assert.equal(await page.getByRole("link", { name: /report$/ }).count(), 1, "the report is linked from the incident");
  await page.close();
});

test("a control owner's upload form lists only the controls they own", async () => {
  const page = await s.signedIn("control-owner");
  await page.goto(s.demo.url + "/evidence/new");
  const offered = (await page.locator("#control option").evaluateAll((os) => os.map((o) => o.value))).filter(Boolean).sort();
  assert.deepEqual(offered, ["clock-sync-daily", "mfa-enforcement-monthly", "tls-config-monthly", "vuln-scan-quarterly"]);
  await page.goto(s.demo.url + "/controls");
  assert.ok(await page.locator("a[href^='/controls/']").count() > offered.length, "the program has controls the owner does not own");
  await page.close();
});
