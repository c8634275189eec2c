// The evidence pack's index.html opened the way an assessor opens it: from
// disk (file://), in a browser with the network cut. Every requirement row
// must be there and nothing may be fetched from anywhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inflateRawSync } from "node:zlib";
import { artifacts, openBrowser } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.EVIDENT_BIN || resolve(here, "../bin/evident");
const example = resolve(here, "../examples/qtsp");

// unzip returns one entry of a zip archive (stored or deflated): the pack
// is read with nothing but Node, as an assessor's machine would have.
function unzip(buf, name) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, "not a zip archive");
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, "bad central directory");
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const skip = nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    if (buf.toString("utf8", p + 46, p + 46 + nameLen) === name) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + size);
      return method === 8 ? inflateRawSync(data) : Buffer.from(data);
    }
    p += 46 + skip;
  }
  throw new Error(`${name} is not in the pack`);
}

function evident(data, ...args) {
  return execFileSync(bin, ["--data", data, ...args], { encoding: "utf8", env: { ...process.env, EVIDENT_ACTOR: "ciso@example.eu" } });
}

test("pack index.html opens offline from disk and lists every requirement", async () => {
  const dir = mkdtempSync(join(tmpdir(), "evident-pack-e2e-"));
  const browser = await openBrowser();
  try {
    const data = join(dir, "data");
    evident(data, "init", "--name", "Example QTSP");
    evident(data, "apply", "-f", example);
    const controls = JSON.parse(evident(data, "list", "controls", "--json"));
    const minutes = join(dir, "minutes.txt");
    writeFileSync(minutes, "Quarterly vulnerability scan report\n");
    evident(data, "evidence", "add", minutes, "--control", controls[0].id);
    const year = String(new Date().getUTCFullYear());
    const zip = join(dir, "pack.zip");
    evident(data, "pack", "export", "--period", year, "--out", zip);

    const buf = readFileSync(zip);
    const index = JSON.parse(unzip(buf, "index.json").toString("utf8"));
    const html = join(dir, "pack", "index.html");
    execFileSync("mkdir", ["-p", join(dir, "pack")]);
    writeFileSync(html, unzip(buf, "index.html"));

    const { context, errors } = browser;
    await context.setOffline(true);
    const fetched = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      fetched.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    await page.goto(pathToFileURL(html).href);

    const rows = page.locator("tr.requirement");
    assert.equal(await rows.count(), index.requirements.length, "one row per requirement of the index");
    assert.ok(index.requirements.length > 100, `only ${index.requirements.length} requirements`);
    const scan = page.locator('tr[data-requirement="EN319401@3.2.1:REQ-7.8-14"]');
    await scan.waitFor();
    assert.ok((await scan.locator("a").count()) > 0, "REQ-7.8-14 links to the controls meeting it");
    const target = await scan.locator("a").first().getAttribute("href");
    assert.equal(await page.locator(target).count(), 1, `the control ${target} is on the page`);
    assert.ok(await page.getByRole("heading", { name: /Incidents and their clocks/ }).isVisible());
    assert.deepEqual(fetched, [], "the page fetched something from the network");
    assert.deepEqual(errors, [], "the page raised errors");
    await page.screenshot({ path: join(artifacts, "pack-index.png"), fullPage: false });
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
