// Test harness: starts `evident serve --demo` on a free port, reads the URL
// and demo logins it prints, and opens headless Chromium with a fresh
// profile. Every test gets its own server and browser, so tests are
// independent of each other's writes.
import { before, after } from "node:test";
import { createHmac } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const bin = process.env.EVIDENT_BIN || "../bin/evident";
export const artifacts = process.env.ARTIFACTS || "../test-artifacts";

// startDemo resolves once the server prints its URL and logins.
export function startDemo() {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, ["serve", "--demo", "--addr", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => { proc.kill(); reject(new Error(`demo did not start:\n${out}\n${err}`)); }, 240000);
    proc.stderr.on("data", (b) => { err += b; });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`demo exited with ${code}:\n${out}\n${err}`)); });
    proc.stdout.on("data", (b) => {
      out += b;
      const url = out.match(/listening on (http:\/\/\S+?)\/?\s/);
      const ready = out.includes("Demo ready");
      if (!url || !ready) return;
      clearTimeout(timer);
      const logins = {};
      for (const m of out.matchAll(/^\s+(\S+)\s+user\s+(\S+)\s+password\s+(\S+)\s*$/gm)) {
        logins[m[1]] = { user: m[2], password: m[3] };
      }
      proc.removeAllListeners("exit");
      resolve({
        url: url[1],
        logins,
        output: () => out + err,
        stop: () => new Promise((done) => { proc.on("exit", done); proc.kill("SIGTERM"); }),
      });
    });
  });
}

// openBrowser launches Chromium with a throwaway profile.
export async function openBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "evident-e2e-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run"],
  });
  const errors = [];
  const console = [];
  context.on("page", (p) => {
    p.on("pageerror", (e) => errors.push(e));
    p.on("console", (m) => { if (m.type() === "error") console.push(m.text()); });
  });
  return {
    context,
    errors,
    console, // console errors, such as Content-Security-Policy refusals
    close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}

// login signs in through the login form.
export async function login(page, base, who) {
  await page.goto(`${base}/login`);
  await page.getByLabel("User name").fill(who.user);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

// base32 decodes RFC 4648 base32 without padding.
export function base32(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, "").toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// totp is RFC 6238 with SHA-1, six digits and 30 s steps at time ms: the
// tests are the authenticator app.
export function totp(secret, ms) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30)));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, "0");
}

// loginEnrolling signs who in and, when their role must use a second
// factor they have not set up yet (the demo's admin and approver at first
// sign-in), enrols an authenticator app as they would, so the session
// goes on to the page the test wants.
export async function loginEnrolling(page, base, who) {
  await login(page, base, who);
  if (new URL(page.url()).pathname !== "/account" || (await page.locator("#mfa-required").count()) === 0) {
    return;
  }
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  const secret = (await page.locator("#mfa-secret").innerText()).trim();
  await page.getByLabel("Code from the app").fill(totp(secret, Date.now()));
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.locator("#recovery-codes").waitFor();
  // The page of recovery codes is the enrolment's last; the session now
  // goes on from the dashboard, as a person's would.
  await page.goto(`${base}/`);
}

// shot saves a full-page screenshot as a test artefact.
export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

// useDemo gives a test file its own `serve --demo` and Chromium, started
// before its first test and stopped after its last. signedIn opens a fresh
// tab signed in as one of the demo's logins (by role), so tests do not
// share sessions; a role that must use a second factor enrols at first
// sign-in, as a person would.
export function useDemo() {
  const s = {
    demo: undefined,
    browser: undefined,
    async signedIn(who) {
      const ctx = s.browser.context;
      await ctx.clearCookies();
      const page = await ctx.newPage();
      await loginEnrolling(page, s.demo.url, s.demo.logins[who]);
      return page;
    },
  };
  before(async () => {
    s.demo = await startDemo();
    s.browser = await openBrowser();
  });
  after(async () => {
    await s.browser?.close();
    await s.demo?.stop();
  });
  return s;
}
