// Test harness: starts `evident serve --demo` on a free port, reads the URL
// and demo logins it prints, and opens headless Chromium with a fresh
// profile. Every test gets its own server and browser, so tests are
// independent of each other's writes.
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

// shot saves a full-page screenshot as a test artefact.
export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}
