// Browser test of the second factor against `evident serve --demo`: a
// management approver must enrol an authenticator app at first sign-in,
// then signs in with password and code, or with a recovery code once.
// The test is the authenticator app: it computes RFC 6238 codes itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { login, shot, totp, useDemo } from "./harness.mjs";

const s = useDemo();

// signIn fills the sign-in form with the approver's password and code.
async function signIn(page, who, code) {
  await page.goto(`${s.demo.url}/login`);
  await page.getByLabel("User name").fill(who.user);
  await page.getByLabel("Password").fill(who.password);
  await page.getByLabel("Authenticator code").fill(code);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function signOut(page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((u) => u.pathname === "/login");
}

test("a management approver enrols, then signs in only with a code", async () => {
  const approver = s.demo.logins["management-approver"];
  assert.ok(approver, "the demo prints a management-approver login");
  const page = await s.browser.context.newPage();

  // The password alone leads to enrolment and nowhere else.
  await login(page, s.demo.url, approver);
  assert.equal(new URL(page.url()).pathname, "/account");
  await page.locator("#mfa-required").waitFor();
  const resp = await page.goto(`${s.demo.url}/risks`);
  assert.equal(new URL(page.url()).pathname, "/account", "another page sends back to enrolment");
  assert.equal(resp.status(), 200);

  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  const secret = (await page.locator("#mfa-secret").innerText()).trim();
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  assert.match(await page.locator("#mfa-uri").innerText(), new RegExp(`^otpauth://totp/Evident:${approver.user}\\?.*secret=${secret}`));
  await shot(page, "mfa-enrol");
  await page.getByLabel("Code from the app").fill(totp(secret, Date.now()));
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.locator("#recovery-codes").waitFor();
  const codes = await page.locator("#recovery-codes li code").allInnerTexts();
  assert.equal(codes.length, 10, "ten recovery codes are shown");
  await page.goto(`${s.demo.url}/risks`);
  assert.equal(new URL(page.url()).pathname, "/risks", "once enrolled the session goes on");
  await signOut(page);

  // Password without the code: refused.
  await signIn(page, approver, "");
  await page.locator("#login-error").waitFor();
  assert.match(await page.locator("#login-error").innerText(), /second factor/);
  assert.equal(new URL(page.url()).pathname, "/login");

  // Password with the next step's code (the enrolment spent this one).
  await signIn(page, approver, totp(secret, Date.now() + 30000));
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
  await page.getByRole("heading", { name: "Readiness by clause" }).waitFor();
  await signOut(page);

  // A recovery code signs in once.
  await signIn(page, approver, codes[0]);
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
  await signOut(page);
  await signIn(page, approver, codes[0]);
  await page.locator("#login-error").waitFor();
  assert.match(await page.locator("#login-error").innerText(), /already used/);

  assert.deepEqual(s.browser.console.filter((m) => /Content Security Policy/i.test(m)), []);
  await page.close();
});
