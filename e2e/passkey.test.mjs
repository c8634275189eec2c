// Browser test of passkeys against `evident serve --demo`, with Chromium's
// virtual authenticator (DevTools protocol) as the user's device: an
// admin adds a passkey on their account page, signs out, signs in with it
// and no name or password, removes it, and is then refused. Passkeys are
// bound to a host name, so the demo is opened as localhost; reached by
// its IP address the page says why it offers none.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loginEnrolling, shot, useDemo } from "./harness.mjs";

const s = useDemo();

async function signOut(page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((u) => u.pathname === "/login");
}

test("an admin signs in with a passkey instead of a password and code, until it is removed", async () => {
  const base = s.demo.url.replace("127.0.0.1", "localhost");
  await s.browser.context.clearCookies();
  const page = await s.browser.context.newPage();
  const cdp = await s.browser.context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });

  const admin = s.demo.logins.admin;
  assert.ok(admin, "the demo prints an admin login");
  await loginEnrolling(page, base, admin);
  await page.goto(`${base}/account`);
  await page.locator("#passkeys-none").waitFor();
  await page.getByLabel("Name of the new passkey").fill("laptop");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await page.locator("#passkeys").waitFor();
  assert.match(await page.locator("#passkeys").innerText(), /laptop/);
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(credentials.length, 1, "the device keeps one passkey");
  assert.equal(credentials[0].isResidentCredential, true, "a discoverable passkey: sign-in needs no name");
  await shot(page, "passkey-added");
  await signOut(page);

  // No name, no password: the device offers the passkey.
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
  await page.goto(`${base}/account`);
  assert.match(await page.locator("main").innerText(), new RegExp(`Signed in as ${admin.user}`));
  assert.doesNotMatch(await page.locator("#passkeys").innerText(), /never/, "the passkey's last use is shown");
  await page.goto(`${base}/audit?kind=auth.login&signins=1`);
  // The method is in the record's body, behind its "body" toggle.
  assert.match(await page.locator("main table").textContent(), /"method": "passkey"/, "the sign-in is in the audit trail with its method");

  // Removed on the account page: the passkey sessions end (this one
  // too), the device still offers it, the server refuses it, and the page
  // says so.
  await page.goto(`${base}/account`);
  await page.getByRole("button", { name: "Remove passkey laptop" }).click();
  await page.waitForURL((u) => u.pathname === "/login");
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await page.locator("#passkey-login .error:not([hidden])").waitFor();
  assert.match(await page.locator("#passkey-login .error").innerText(), /not accepted/);
  assert.equal(new URL(page.url()).pathname, "/login");

  // By IP address the browser would refuse; the server says why first.
  await page.goto(`${s.demo.url}/login`);
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await page.locator("#passkey-login .error:not([hidden])").waitFor();
  assert.match(await page.locator("#passkey-login .error").innerText(), /localhost/);

  assert.deepEqual(s.browser.errors.map(String), [], "no script errors");
  assert.deepEqual(s.browser.console.filter((m) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(m)), [], "no console errors (CSP), only the refusals the test asked for");
  await page.close();
});
