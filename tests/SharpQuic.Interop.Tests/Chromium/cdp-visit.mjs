// Drives a headless Chromium over the DevTools protocol: visits each URL in turn in one tab
// (so one profile, one network session), waits for the page's load event, and prints one JSON
// line per visit with what the page saw. Used by ChromiumH3Tests (SharpQuic interop).
// Usage: node --experimental-websocket cdp-visit.mjs PROFILE_DIR TIMEOUT_MS PAUSE_MS URL [URL...]
// PROFILE_DIR is Chromium's --user-data-dir (started with --remote-debugging-port=0): its
// DevToolsActivePort file names the port. PAUSE_MS is waited between visits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [profile, timeoutText, pauseText, ...urls] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutText);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fail = (message) => { console.log(JSON.stringify({ error: message })); process.exit(2); };
if (!globalThis.WebSocket) fail('this Node has no WebSocket: run it with --experimental-websocket (Node 20+)');

let port = 0;
while (!port) {
  try { port = Number(readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0]); } catch { }
  if (!port) { if (Date.now() > deadline) fail('DevToolsActivePort never appeared'); await sleep(50); }
}

async function connect(url) {
  const ws = new WebSocket(url);
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error('websocket error')); });
  let id = 0; const pending = new Map();
  ws.onmessage = (ev) => { const m = JSON.parse(ev.data); if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); } };
  const send = (method, params = {}) => new Promise((res) => { const i = ++id; pending.set(i, res); ws.send(JSON.stringify({ id: i, method, params })); });
  return { ws, send };
}

let targets = null;
while (!targets) {
  try { targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json(); } catch { }
  if (!targets) { if (Date.now() > deadline) fail('DevTools endpoint not up'); await sleep(50); }
}
const pageTarget = targets.find((t) => t.type === 'page');
if (!pageTarget) fail('no page target');
const page = await connect(pageTarget.webSocketDebuggerUrl);
await page.send('Network.enable');
await page.send('Network.setCacheDisabled', { cacheDisabled: true });

// What a loaded page reports: its text, the protocol of the document and of each sub-resource
// (Resource Timing nextHopProtocol: "h3", "h2", "http/1.1"), and how many images really decoded.
const facts = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const protocols = {};
  for (const r of performance.getEntriesByType('resource')) protocols[r.nextHopProtocol] = (protocols[r.nextHopProtocol] || 0) + 1;
  const images = Array.from(document.images);
  return JSON.stringify({
    url: location.href,
    text: document.body ? document.body.innerText.slice(0, 2000) : '',
    protocol: nav ? nav.nextHopProtocol : null,
    resourceProtocols: protocols,
    images: images.length,
    imagesRendered: images.filter((i) => i.complete && i.naturalWidth > 0).length,
  });
})()`;

const evaluate = async (expression) => {
  const r = await page.send('Runtime.evaluate', { expression, returnByValue: true });
  return r.result && r.result.result ? r.result.result.value : undefined;
};

let ok = true;
for (let i = 0; i < urls.length; i++) {
  if (i > 0) await sleep(Number(pauseText));
  // Mark the old document, so that "complete" below is the new page's, even when the URL repeats.
  await evaluate('window.__cdpVisitOld = true');
  const nav = await page.send('Page.navigate', { url: urls[i] });
  if (nav.result && nav.result.errorText) { console.log(JSON.stringify({ url: urls[i], error: nav.result.errorText })); ok = false; continue; }
  let value = null;
  while (Date.now() < deadline) {
    const ready = await evaluate('!window.__cdpVisitOld && document.readyState === "complete"');
    if (ready === true) { value = await evaluate(facts); break; }
    await sleep(50);
  }
  if (value) console.log(value); else { console.log(JSON.stringify({ url: urls[i], error: 'timed out waiting for the load event' })); ok = false; break; }
}

// Close the whole browser, so that it writes its net log and exits.
try {
  const version = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json();
  const browser = await connect(version.webSocketDebuggerUrl);
  browser.ws.send(JSON.stringify({ id: 1, method: 'Browser.close' }));
  await sleep(200);
} catch { }
process.exit(ok ? 0 : 2);
