import { startDemo, openBrowser, loginEnrolling } from "./harness.mjs";
const demo = await startDemo();
const b = await openBrowser();
try {
  const page = await b.context.newPage();
  await loginEnrolling(page, demo.url, demo.logins["compliance-manager"]);
  for (const [path, name, width] of [["/", "dashboard-1440", 1440], ["/incidents", "incidents-1440", 1440], ["/controls", "controls-390", 390], ["/risks", "risks-390", 390]]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(demo.url + path);
    const height = Math.min(4000, await page.evaluate(() => document.documentElement.scrollHeight));
    await page.screenshot({ path: `../docs/screenshots/${name}.png`, fullPage: true, clip: { x: 0, y: 0, width, height } });
    console.log("shot", name);
  }
} finally { await b.close(); await demo.stop(); }
