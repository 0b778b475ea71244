// The browser half of ops/browser-test/run.sh (which starts the Hub and the partner
// page and sets the environment below): Debian's Chromium, driven by playwright-core.
//
// HUB          the Hub, e.g. http://127.0.0.1:18123 (serve --demo)
// PAGE_ORIGIN  the partner page's origin: index.html (components with a key bound to
//              this origin) and wrong-origin.html (a key bound to OTHER_ORIGIN)
// OTHER_ORIGIN the origin the second key is bound to
// GOOD_KEY     the key of index.html (its requests must carry it)
// CHROMIUM     the browser (/usr/bin/chromium)
// OUT_DIR      where the screenshots go (target/browser)
//
// Chromium's traffic goes through a recording proxy started here (loopback included),
// so the test also sees requests no page reports. Prints one line per check
// (PASS/FAIL) and "N passed, N failed" last; exits 1 on any failure. Every wait has a
// time-out, and the whole run is stopped after 200 s.
import http from "node:http";
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import ICAL from "ical.js";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`FAIL  the environment variable ${name} is not set (run ops/browser-test/run.sh)`);
    process.exit(2);
  }
  return v;
};
const HUB = env("HUB").replace(/\/+$/, "");
const PAGE_ORIGIN = env("PAGE_ORIGIN").replace(/\/+$/, "");
const OTHER_ORIGIN = env("OTHER_ORIGIN");
const GOOD_KEY = env("GOOD_KEY");
const CHROMIUM = env("CHROMIUM");
const OUT_DIR = env("OUT_DIR");
mkdirSync(OUT_DIR, { recursive: true });

const TZ = "Europe/Berlin";
const WAIT = 20_000; // any single wait in the browser
const watchdog = setTimeout(() => {
  console.error("FAIL  the browser test took over 200 s: stopped");
  process.exit(3);
}, 200_000);

// ---- checks and their summary -----------------------------------------------------------
const results = [];
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
function within(ms, promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
/** Runs one check (at most 60 s); its function returns the detail to print. */
async function check(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await within(60_000, Promise.resolve().then(fn), name);
    results.push({ name, ok: true });
    console.log(`PASS  ${name}${detail ? ` — ${detail}` : ""} (${Date.now() - t0} ms)`);
    return true;
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name} — ${e && e.message ? e.message : e} (${Date.now() - t0} ms)`);
    return false;
  }
}

// ---- the Hub's API (setup: two events, one with an Arabic title) -------------------------------
async function gql(query, variables, token) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${HUB}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok || !body || body.errors) {
    throw new Error(`GraphQL (HTTP ${res.status}): ${JSON.stringify(body && body.errors ? body.errors : body)}`);
  }
  return body.data;
}

/** The date `days` after today in Berlin, as YYYY-MM-DD. */
function berlinDate(days) {
  const parts = {};
  new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date())
    .forEach((p) => (parts[p.type] = p.value));
  const d = new Date(Date.UTC(+parts.year, +parts.month - 1, +parts.day + days, 12));
  return d.toISOString().slice(0, 10);
}
/** "4. Mai" / the Arabic day and month of a YYYY-MM-DD, as the component writes them. */
function dayMonth(date, locale) {
  return new Intl.DateTimeFormat(locale, { timeZone: "UTC", calendar: "gregory", day: "numeric", month: "long" })
    .format(new Date(`${date}T12:00:00Z`));
}

const EVENT_DE = {
  title: "Spieleabend am Kanal",
  date: berlinDate(7),
  start: "17:00",
  end: "19:30",
};
const EVENT_AR = {
  title: "Deutsch-arabisches Familienfest",
  titleAr: "مهرجان العائلات الألماني العربي",
  date: berlinDate(10),
  start: "15:00",
  end: "18:00",
};

const NEWSLETTER = { id: null };

async function setUp() {
  const token = (
    await gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) }", {
      e: "koordination@netzwerk-demo.example",
      p: "demo-koordination",
    })
  ).login;
  const org = (
    await gql(
      `query { organisation(slug: "jugendclub-kanalufer") { id name locations(first: 1) { nodes { id } } } }`,
      {},
      token,
    )
  ).organisation;
  assert(org, "the demo has no organisation jugendclub-kanalufer");
  const create = `mutation($org: ID!, $input: EventInput!) { createEvent(organisationId: $org, input: $input) { id title } }`;
  const locationId = org.locations.nodes[0] ? org.locations.nodes[0].id : null;
  const de = await gql(
    create,
    {
      org: org.id,
      input: {
        title: EVENT_DE.title,
        description: "Brettspiele, Kicker und Snacks für alle zwischen 12 und 21.",
        contentLanguage: "de",
        category: "CULTURE_TRADITION",
        targetGroups: ["YOUTH"],
        languages: ["de"],
        start: `${EVENT_DE.date}T${EVENT_DE.start}:00`,
        end: `${EVENT_DE.date}T${EVENT_DE.end}:00`,
        locationId,
      },
    },
    token,
  );
  EVENT_DE.id = de.createEvent.id;
  const ar = await gql(
    create,
    {
      org: org.id,
      input: {
        title: EVENT_AR.title,
        description: "Musik, Essen und Spiele für Familien, auf Deutsch und Arabisch.",
        contentLanguage: "de",
        category: "INTERCULTURAL_FESTIVAL",
        targetGroups: ["FAMILIES"],
        languages: ["de", "ar"],
        start: `${EVENT_AR.date}T${EVENT_AR.start}:00`,
        end: `${EVENT_AR.date}T${EVENT_AR.end}:00`,
        place: "Hof des Jugendclubs Kanalufer",
      },
    },
    token,
  );
  EVENT_AR.id = ar.createEvent.id;
  await gql(
    `mutation($input: TranslationInput!) { setTranslation(input: $input) { language text } }`,
    { input: { entityType: "EVENT", entityId: EVENT_AR.id, field: "title", language: "ar", text: EVENT_AR.titleAr } },
    token,
  );
  // A newsletter issue sent to the demo's subscribers (the Hub runs with mail.send off:
  // the messages stay in its outbox), so that its web view is public.
  const day = (d) => d.toISOString().slice(0, 10);
  const drafted = await gql(
    `mutation($f: NaiveDate!, $t: NaiveDate!) { draftNewsletter(input: {periodFrom: $f, periodTo: $t, editorial: "Liebe Mitglieder, willkommen im **neuen Jahr**!"}) { id } }`,
    { f: day(new Date()), t: day(new Date(Date.now() + 30 * 86400e3)) },
    token,
  );
  NEWSLETTER.id = drafted.draftNewsletter.id;
  const sent = await gql(`mutation($id: ID!) { sendNewsletter(id: $id) { status recipients } }`, { id: NEWSLETTER.id }, token);
  assert(sent.sendNewsletter.status === "SENT", `the newsletter is ${sent.sendNewsletter.status}`);
  return `logged in as the coordinator; events ${EVENT_DE.id} (${EVENT_DE.date}) and ${EVENT_AR.id} (${EVENT_AR.date}, Arabic title set) of ${org.name}; newsletter ${NEWSLETTER.id} sent to ${sent.sendNewsletter.recipients}`;
}

// ---- every request the browser sends, at the network: a recording proxy -------------------------
// Chromium sends all its HTTP traffic through it, loopback included (<-loopback>), so it
// also sees what no page reports (favicons, prefetches, the browser's own requests).
// It passes on requests to the Hub and the page's origin and refuses everything else.
const ALLOWED = new Set([new URL(HUB).origin, new URL(PAGE_ORIGIN).origin]);
// Hosts Chromium itself calls (updates, its Google account check in each new
// context), whatever the page: allowed only when no page asked for them. A page's
// third-party request (fonts.googleapis.com, say) is no such host, and the pages'
// own requests are checked besides.
const BROWSER_OWN = new Set([
  "update.googleapis.com", "accounts.google.com", "clients2.google.com", "clientservices.googleapis.com",
  "optimizationguide-pa.googleapis.com", "safebrowsing.googleapis.com", "content-autofill.googleapis.com",
  "redirector.gvt1.com", "edgedl.me.gvt1.com", "android.clients.google.com",
]);
const wire = []; // "METHOD URL" as the proxy received them
function startProxy() {
  const proxy = http.createServer((req, res) => {
    wire.push(`${req.method} ${req.url}`);
    let target;
    try {
      target = new URL(req.url);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (!ALLOWED.has(target.origin)) {
      res.writeHead(403, { "content-type": "text/plain" }).end("refused by the browser test's proxy");
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-connection"];
    delete headers["proxy-authorization"];
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: target.pathname + target.search, headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.setTimeout(WAIT, () => upstream.destroy(new Error("upstream time-out")));
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  // HTTPS (and anything tunnelled) goes nowhere: recorded and refused.
  proxy.on("connect", (req, socket) => {
    wire.push(`CONNECT ${req.url}`);
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  return new Promise((resolve, reject) => {
    proxy.once("error", reject);
    proxy.listen(0, "127.0.0.1", () => resolve(proxy));
  });
}

// ---- the browser ----------------------------------------------------------------------------
const requests = []; // every request any page of the run made: { url, method, headers, page }
const answers = new Map(); // Playwright's request → its record
const failures = []; // requests that got no answer
const pageErrors = [];
const consoleErrors = [];

async function newPage(browser, options = {}) {
  const context = await browser.newContext({
    locale: "de-DE",
    viewport: { width: 1280, height: 900 },
    colorScheme: "light",
    ...options,
  });
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  const page = await context.newPage();
  page.on("request", (r) => {
    const record = { url: r.url(), method: r.method(), headers: r.headers(), page: page.url(), status: 0 };
    requests.push(record);
    answers.set(r, record);
  });
  page.on("response", (res) => {
    const record = answers.get(res.request());
    if (record) record.status = res.status();
  });
  page.on("requestfailed", (r) => failures.push(`${r.method()} ${r.url()}: ${r.failure() ? r.failure().errorText : "failed"}`));
  page.on("pageerror", (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  return { context, page };
}

/** Waits until every component of the page has loaded (aria-busy="false"). */
async function componentsLoaded(page, count) {
  await page.waitForFunction(
    (n) => {
      const els = [...document.querySelectorAll("netzwerk-events, netzwerk-services, netzwerk-organisations")];
      return (
        els.length === n &&
        els.every((el) => {
          const region = el.shadowRoot && el.shadowRoot.querySelector("section");
          return region && region.getAttribute("aria-busy") === "false";
        })
      );
    },
    count,
    { timeout: WAIT },
  );
}

/** What each component shows, read from its shadow root. */
function readComponents(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("netzwerk-events, netzwerk-services, netzwerk-organisations")].map((el) => {
      const root = el.shadowRoot;
      const region = root.querySelector("section");
      const alert = root.querySelector("[role=alert]");
      return {
        tag: el.localName,
        arabicSection: !!el.closest("#arabisch"),
        lang: region.getAttribute("lang"),
        dir: region.getAttribute("dir"),
        direction: getComputedStyle(region).direction,
        hostDirection: getComputedStyle(el).direction,
        heading: root.querySelector("[part~=heading]").textContent,
        alert: alert ? alert.innerText.trim() : "",
        empty: !!root.querySelector("[part~=empty]"),
        text: region.innerText,
        items: [...root.querySelectorAll("[part~=item]")].map((li) => {
          const a = li.querySelector("[part~=title] a");
          const span = a && a.querySelector("[lang]");
          const date = li.querySelector("[part~=date]");
          return {
            title: a ? a.textContent.trim() : "",
            titleLang: span ? span.getAttribute("lang") : null,
            href: a ? a.href : null,
            date: date ? date.textContent : null,
            direction: getComputedStyle(li).direction,
            titleDirection: a ? getComputedStyle(a).direction : null,
          };
        }),
      };
    }),
  );
}

const ARABIC = /[\u0600-\u06FF]/;

/**
 * Latin-script texts that are laid out right to left without being isolated (no
 * dir="auto" or <bdi> around them) and begin or end with punctuation: in a right to
 * left paragraph that punctuation is drawn at the wrong end (".Brücke Köpenick e.V").
 * Searches `selector` and the open shadow roots inside it.
 */
function misplacedPunctuation(page, selector) {
  return page.evaluate((sel) => {
    const LATIN = /[A-Za-z\u00C0-\u024F]/;
    const RTL = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;
    const EDGE = /^[.,;:!?\u2026]|[.,;:!?\u2026]$/;
    const found = [];
    const visit = (root) => {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
      for (let n = walker.currentNode; n; n = walker.nextNode()) {
        if (n.nodeType === Node.ELEMENT_NODE) {
          if (n.shadowRoot) visit(n.shadowRoot);
          continue;
        }
        const parent = n.parentElement;
        const text = n.textContent.trim();
        if (!parent || ["STYLE", "SCRIPT"].includes(parent.tagName)) continue;
        if (!LATIN.test(text) || RTL.test(text) || !EDGE.test(text)) continue;
        if (getComputedStyle(parent).direction === "rtl") found.push(`<${parent.localName}> "${text.slice(0, 60)}"`);
      }
    };
    const root = document.querySelector(sel);
    if (root) visit(root);
    return found;
  }, selector);
}

async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // axe covers open shadow roots by itself.
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
    }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of result) {
    console.log(`      axe ${v.impact}: ${v.id} (${v.nodes} nodes) ${v.help}; e.g. ${v.targets.join(" ")}`);
  }
  return { all: result, bad };
}

async function main() {
  const ok = await check("setup: coordinator signs in, two events are created (one with an Arabic title)", setUp);
  if (!ok) return;

  const proxy = await startProxy();
  const browser = await within(
    30_000,
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      args: [
        "--disable-dev-shm-usage",
        "--disable-gpu",
        `--proxy-server=http://127.0.0.1:${proxy.address().port}`,
        "--proxy-bypass-list=<-loopback>",
      ],
    }),
    "starting Chromium",
  );
  console.log(`      Chromium ${browser.version()} (${CHROMIUM})`);
  try {
    await run(browser);
  } finally {
    await within(10_000, browser.close(), "closing Chromium").catch(() => {});
    proxy.closeAllConnections();
    proxy.close();
  }
  await check("at the network (the proxy): the browser sent nothing to other hosts", async () => {
    writeFileSync(path.join(OUT_DIR, "wire.txt"), wire.join("\n") + "\n");
    assert(wire.length >= requests.length, `the proxy saw ${wire.length} requests, the pages made ${requests.length}: is the proxy bypassed?`);
    const hostOf = (w) => {
      const [method, target] = w.split(" ");
      return method === "CONNECT" ? target.replace(/:\d+$/, "") : new URL(target).hostname;
    };
    const pageHosts = new Set(requests.map((r) => new URL(r.url).hostname));
    const outside = wire.filter((w) => w.startsWith("CONNECT ") || !ALLOWED.has(new URL(w.split(" ")[1]).origin));
    const browserOwn = outside.filter((w) => BROWSER_OWN.has(hostOf(w)) && !pageHosts.has(hostOf(w)));
    const elsewhere = outside.filter((w) => !browserOwn.includes(w));
    assert(!elsewhere.length, `sent elsewhere: ${[...new Set(elsewhere)].slice(0, 8).join(" | ")}`);
    const inside = wire.filter((w) => !outside.includes(w));
    const unreported = inside.filter((w) => !requests.some((r) => `${r.method} ${r.url}` === w) && !w.startsWith("OPTIONS "));
    return `${inside.length} requests to the Hub and the page's origin (${OUT_DIR}/wire.txt)` +
      (unreported.length ? `, of which no page reported ${[...new Set(unreported.map((w) => w.replace(/^(\S+ https?:\/\/[^/]+\/[^?]*).*$/, "$1")))].join(", ")}` : "") +
      (browserOwn.length ? `; Chromium's own, refused: ${[...new Set(browserOwn.map(hostOf))].join(", ")}` : "");
  });
}

async function run(browser) {
  // ---- the partner page, German and Arabic ----
  const { page } = await newPage(browser);
  let comps = null;
  await check("partner page loads, all four components render (no error, no endless loading)", async () => {
    const res = await page.goto(`${PAGE_ORIGIN}/index.html`, { waitUntil: "load" });
    assert(res && res.ok(), `the partner page answered ${res && res.status()}`);
    await componentsLoaded(page, 4);
    comps = await readComponents(page);
    const failed = comps.filter((c) => c.alert);
    assert(!failed.length, `a component shows an error: ${failed.map((c) => `${c.tag}: ${c.alert}`).join(" | ")}`);
    return comps.map((c) => `${c.tag}${c.arabicSection ? " (ar)" : ""}: ${c.items.length} entries`).join(", ");
  });
  if (!comps) return;
  const deEvents = comps.find((c) => c.tag === "netzwerk-events" && !c.arabicSection);
  const deServices = comps.find((c) => c.tag === "netzwerk-services" && !c.arabicSection);
  const arEvents = comps.find((c) => c.tag === "netzwerk-events" && c.arabicSection);
  const arServices = comps.find((c) => c.tag === "netzwerk-services" && c.arabicSection);

  await check("German: events and services render in German, left to right", async () => {
    for (const c of [deEvents, deServices]) {
      assert(c.lang === "de" && c.dir === "ltr", `${c.tag}: region lang=${c.lang} dir=${c.dir}, want de/ltr`);
      assert(c.direction === "ltr", `${c.tag}: computed direction ${c.direction}`);
    }
    assert(deEvents.heading === "Was ist los im Bezirk?", `events heading: ${deEvents.heading}`);
    assert(deServices.heading === "Angebote für Kinder und Jugendliche", `services heading: ${deServices.heading}`);
    const ev = deEvents.items.find((i) => i.title === EVENT_DE.title);
    assert(ev, `the event "${EVENT_DE.title}" is not listed: ${JSON.stringify(deEvents.items.map((i) => i.title))}`);
    assert(ev.titleLang === "de", `its title has lang=${ev.titleLang}`);
    const when = dayMonth(EVENT_DE.date, "de");
    assert(ev.date && ev.date.includes(when) && ev.date.includes(EVENT_DE.start),
      `its date line "${ev.date}" lacks "${when}" and ${EVENT_DE.start}`);
    assert(ev.href === `${HUB}/events/${EVENT_DE.id}`, `it links to ${ev.href}`);
    const fest = deEvents.items.find((i) => i.href === `${HUB}/events/${EVENT_AR.id}`);
    assert(fest && fest.title === EVENT_AR.title, `the second event is not listed under its German title: ${fest && fest.title}`);
    assert(deServices.items.length > 0, "no services (CHILDCARE_YOUTH) listed");
    const notDe = deServices.items.filter((i) => i.titleLang !== "de");
    assert(!notDe.length, `service titles not in German: ${JSON.stringify(notDe)}`);
    assert(deServices.items.every((i) => i.href && i.href.startsWith(`${HUB}/services/`)), "a service links elsewhere");
    assert(deServices.text.includes("Mehr erfahren"), "the cards do not say 'Mehr erfahren'");
    return `event "${ev.title}" on "${ev.date.trim()}"; ${deServices.items.length} services, e.g. "${deServices.items[0].title}"`;
  });

  await check("Arabic: the Arabic section renders right to left (computed direction inside the shadow roots)", async () => {
    for (const c of [arEvents, arServices]) {
      assert(c.lang === "ar" && c.dir === "rtl", `${c.tag}: region lang=${c.lang} dir=${c.dir}, want ar/rtl`);
      assert(c.direction === "rtl" && c.hostDirection === "rtl", `${c.tag}: computed direction ${c.direction} (host ${c.hostDirection})`);
      assert(c.items.length > 0, `${c.tag}: no entries in Arabic (language=ar)`);
      const ltr = c.items.filter((i) => i.direction !== "rtl");
      assert(!ltr.length, `${c.tag}: entries laid out ${ltr.map((i) => i.direction).join(",")}`);
    }
    assert(arServices.heading === "الخدمات" && arEvents.heading === "الفعاليات",
      `headings: ${arServices.heading} / ${arEvents.heading}`);
    const arabicTitles = arServices.items.filter((i) => i.titleLang === "ar" && ARABIC.test(i.title));
    assert(arabicTitles.length > 0, `no service title in Arabic: ${JSON.stringify(arServices.items.map((i) => i.title))}`);
    const fest = arEvents.items.find((i) => i.href === `${HUB}/events/${EVENT_AR.id}`);
    assert(fest, `the event held in Arabic is not listed: ${JSON.stringify(arEvents.items.map((i) => i.title))}`);
    assert(fest.title === EVENT_AR.titleAr && fest.titleLang === "ar", `its title: "${fest.title}" (lang=${fest.titleLang})`);
    assert(!arEvents.items.some((i) => i.href === `${HUB}/events/${EVENT_DE.id}`), "the German-only event is listed under language=ar");
    return `${arServices.items.length} services (${arabicTitles.length} with Arabic titles), event "${fest.title}"; direction rtl`;
  });

  await check("Arabic: German names and texts in the Arabic section keep their punctuation in place (bidi isolation)", async () => {
    const bad = await misplacedPunctuation(page, "#arabisch");
    assert(!bad.length, `${bad.length} texts drawn with their punctuation at the wrong end: ${[...new Set(bad)].slice(0, 4).join(", ")}`);
    return "every Latin-script text is isolated (dir=auto or bdi)";
  });

  await check("screenshots of the partner page (German, Arabic section)", async () => {
    await page.screenshot({ path: path.join(OUT_DIR, "partner-de.png"), fullPage: true });
    await page.locator("#arabisch").screenshot({ path: path.join(OUT_DIR, "partner-ar.png") });
    return `${OUT_DIR}/partner-de.png, partner-ar.png`;
  });

  await check("axe-core on the partner page (light): no serious or critical violation", async () => {
    const { all, bad } = await axeViolations(page);
    assert(!bad.length, `${bad.length} serious/critical: ${bad.map((v) => `${v.id} ${v.targets.join(" ")}`).join("; ")}`);
    return `${all.length} violations of lesser impact`;
  });

  await check("axe-core on the partner page (dark colour scheme): no serious or critical violation", async () => {
    const { context, page: dark } = await newPage(browser, { colorScheme: "dark" });
    try {
      await dark.goto(`${PAGE_ORIGIN}/index.html`, { waitUntil: "load" });
      await componentsLoaded(dark, 4);
      await dark.screenshot({ path: path.join(OUT_DIR, "partner-de-dark.png"), fullPage: true });
      const { all, bad } = await axeViolations(dark);
      assert(!bad.length, `${bad.length} serious/critical: ${bad.map((v) => `${v.id} ${v.targets.join(" ")}`).join("; ")}`);
      return `${all.length} violations of lesser impact`;
    } finally {
      await context.close();
    }
  });

  await check("the components ask the Hub only by persisted GET queries, with the page's key", async () => {
    const calls = requests.filter((r) => r.url.startsWith(`${HUB}/graphql`) && r.page.startsWith(`${PAGE_ORIGIN}/index.html`));
    const actual = calls.filter((r) => r.method !== "OPTIONS");
    assert(actual.length >= 4, `only ${actual.length} requests to ${HUB}/graphql`);
    for (const r of actual) {
      const u = new URL(r.url);
      assert(r.method === "GET", `${r.method} ${r.url}`);
      assert(!u.searchParams.has("query"), `a query text is sent: ${r.url}`);
      const ext = JSON.parse(u.searchParams.get("extensions") || "{}");
      assert(ext.persistedQuery && /^[0-9a-f]{64}$/.test(ext.persistedQuery.sha256Hash), `no persisted query hash: ${r.url}`);
      assert(r.headers["x-api-key"] === GOOD_KEY, `a request without the page's key: ${r.url}`);
    }
    const ops = [...new Set(actual.map((r) => new URL(r.url).searchParams.get("operationName")))].sort();
    return `${actual.length} GETs (${ops.join(", ")}), each with X-Api-Key`;
  });

  // ---- a key bound to another origin ----
  await check(`a key bound to ${OTHER_ORIGIN} is refused on ${PAGE_ORIGIN}: role=alert with the Hub's message`, async () => {
    const { context, page: wrong } = await newPage(browser);
    try {
      await wrong.goto(`${PAGE_ORIGIN}/wrong-origin.html`, { waitUntil: "load" });
      await componentsLoaded(wrong, 4);
      const alerts = wrong.getByRole("alert"); // pierces the open shadow roots
      await alerts.first().waitFor({ state: "visible", timeout: WAIT });
      const texts = (await alerts.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
      assert(texts.length === 4, `${texts.length} of 4 components show an alert: ${JSON.stringify(texts)}`);
      const message = `the API key may not be used from origin ${PAGE_ORIGIN}`;
      for (const t of texts) assert(t.includes(message), `the Hub's message ("${message}") is not shown: ${t}`);
      // Two components in German, the two of the Arabic section in Arabic.
      const german = texts.filter((t) => t.includes("Die Einträge können hier leider nicht angezeigt werden."));
      const arabic = texts.filter((t) => t.includes("عذرًا، لا يمكن عرض هذه الإدخالات هنا."));
      assert(german.length === 2 && arabic.length === 2, `not two German and two Arabic refusals: ${JSON.stringify(texts)}`);
      const c = await readComponents(wrong);
      assert(c.every((x) => x.items.length === 0), "a refused component still lists entries");
      await wrong.screenshot({ path: path.join(OUT_DIR, "wrong-origin.png"), fullPage: true });
      return `4 alerts, e.g. "${texts[0].replace(/\s+/g, " ")}"`;
    } finally {
      await context.close();
    }
  });

  // ---- the public pages ----
  const { context: hubContext, page: pub } = await newPage(browser);
  const pageInfo = () =>
    pub.evaluate(() => ({
      lang: document.documentElement.getAttribute("lang"),
      dir: document.documentElement.getAttribute("dir"),
      direction: getComputedStyle(document.body).direction,
      title: document.title,
      h1: (document.querySelector("h1") || { innerText: "" }).innerText.trim(),
    }));

  let icsHref = null;
  await check("event page /events/{id} (German, from the component's link)", async () => {
    const href = deEvents.items.find((i) => i.title === EVENT_DE.title).href;
    const res = await pub.goto(href, { waitUntil: "load" });
    assert(res && res.status() === 200, `${href} answered ${res && res.status()}`);
    const p = await pageInfo();
    assert(p.lang === "de" && p.dir === "ltr" && p.direction === "ltr", `lang=${p.lang} dir=${p.dir} direction=${p.direction}`);
    assert(p.h1 === EVENT_DE.title, `h1: ${p.h1}`);
    assert(p.title.startsWith(EVENT_DE.title), `title: ${p.title}`);
    icsHref = await pub.locator('a[href$=".ics"]').first().evaluate((a) => a.href);
    assert(icsHref === `${HUB}/events/${EVENT_DE.id}.ics`, `the calendar link is ${icsHref}`);
    await pub.screenshot({ path: path.join(OUT_DIR, "event-de.png"), fullPage: true });
    return `"${p.title}", lang=de dir=ltr, links ${icsHref.slice(HUB.length)}`;
  });

  await check("event's .ics from the page's link: one VEVENT with SUMMARY and DTSTART (ical.js)", async () => {
    assert(icsHref, "no .ics link (the event page check failed)");
    const got = await pub.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
    }, icsHref);
    assert(got.status === 200, `${icsHref} answered ${got.status}`);
    assert(/^text\/calendar/.test(got.type || ""), `Content-Type ${got.type}`);
    assert(got.text.startsWith("BEGIN:VCALENDAR"), "it does not start with BEGIN:VCALENDAR");
    assert((got.text.match(/^BEGIN:VEVENT\r?$/gm) || []).length === 1, "not exactly one BEGIN:VEVENT");
    const cal = new ICAL.Component(ICAL.parse(got.text));
    assert(cal.name === "vcalendar", `parsed as ${cal.name}`);
    for (const tz of cal.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
    const vevents = cal.getAllSubcomponents("vevent");
    assert(vevents.length === 1, `${vevents.length} VEVENTs`);
    const ev = new ICAL.Event(vevents[0]);
    assert(ev.summary === EVENT_DE.title, `SUMMARY: ${ev.summary}`);
    assert(ev.startDate, "no DTSTART");
    // The same instant as 17:00 in Berlin on that day, however the feed writes it.
    const berlin = new Intl.DateTimeFormat("sv-SE", {
      timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    }).format(ev.startDate.toJSDate());
    assert(berlin === `${EVENT_DE.date} ${EVENT_DE.start}`, `DTSTART is ${ev.startDate.toString()} (${berlin} in Berlin), want ${EVENT_DE.date} ${EVENT_DE.start}`);
    return `SUMMARY "${ev.summary}", DTSTART ${ev.startDate.toString()}${ev.startDate.zone ? ` (${ev.startDate.zone.tzid})` : ""}, UID ${ev.uid}`;
  });

  await check("event page ?lang=ar: Arabic title, lang=ar dir=rtl", async () => {
    const href = `${HUB}/events/${EVENT_AR.id}?lang=ar`;
    const res = await pub.goto(href, { waitUntil: "load" });
    assert(res && res.status() === 200, `${href} answered ${res && res.status()}`);
    const p = await pageInfo();
    assert(p.lang === "ar" && p.dir === "rtl" && p.direction === "rtl", `lang=${p.lang} dir=${p.dir} direction=${p.direction}`);
    assert(p.h1 === EVENT_AR.titleAr, `h1: ${p.h1}`);
    assert(p.title.startsWith(EVENT_AR.titleAr), `title: ${p.title}`);
    await pub.screenshot({ path: path.join(OUT_DIR, "event-ar.png"), fullPage: true });
    return `"${p.title}"`;
  });

  await check("offer page /services/{id} (German and ?lang=ar, from the components' links)", async () => {
    const de = deServices.items[0];
    let res = await pub.goto(de.href, { waitUntil: "load" });
    assert(res && res.status() === 200, `${de.href} answered ${res && res.status()}`);
    let p = await pageInfo();
    assert(p.lang === "de" && p.dir === "ltr" && p.direction === "ltr", `lang=${p.lang} dir=${p.dir} direction=${p.direction}`);
    assert(p.h1 === de.title && p.title.startsWith(de.title), `h1 "${p.h1}", title "${p.title}", want "${de.title}"`);
    const ar = arServices.items.find((i) => i.titleLang === "ar");
    const href = `${ar.href}?lang=ar`;
    res = await pub.goto(href, { waitUntil: "load" });
    assert(res && res.status() === 200, `${href} answered ${res && res.status()}`);
    p = await pageInfo();
    assert(p.lang === "ar" && p.dir === "rtl" && p.direction === "rtl", `lang=${p.lang} dir=${p.dir} direction=${p.direction}`);
    // (a machine translation is marked after the name)
    assert(p.h1.startsWith(ar.title) && p.title.startsWith(ar.title), `h1 "${p.h1}", title "${p.title}", want "${ar.title}"`);
    await pub.screenshot({ path: path.join(OUT_DIR, "service-ar.png"), fullPage: true });
    return `"${de.title}" (de), "${ar.title}" (ar)`;
  });

  await check("offer's opening hours from its page's link: weekly VEVENTs, the next within two weeks (ical.js)", async () => {
    // the first offer of the components that has opening hours (its page links a .ics)
    let found = null;
    for (const item of [...deServices.items, ...arServices.items]) {
      await pub.goto(item.href, { waitUntil: "load" });
      const link = pub.locator('a[href$=".ics"]');
      if (await link.count()) {
        found = { item, href: await link.first().evaluate((a) => a.href), h1: (await pageInfo()).h1 };
        break;
      }
    }
    assert(found, "no offer page of the components links opening hours (.ics)");
    const id = found.item.href.slice(`${HUB}/services/`.length).split("?")[0];
    assert(found.href === `${HUB}/services/${id}.ics`, `the calendar link is ${found.href}`);
    const got = await pub.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
    }, found.href);
    assert(got.status === 200, `${found.href} answered ${got.status}`);
    assert(/^text\/calendar/.test(got.type || ""), `Content-Type ${got.type}`);
    const cal = new ICAL.Component(ICAL.parse(got.text));
    for (const tz of cal.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
    const series = cal.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v)).filter((e) => e.isRecurring());
    assert(series.length > 0, "no recurring VEVENT");
    const now = ICAL.Time.fromJSDate(new Date(), true);
    // Within two weeks: a closed day (EXDATE, e.g. Christmas Eve) may skip one week.
    const weekAhead = Date.now() + 14 * 864e5;
    const next = [];
    for (const ev of series) {
      const rule = ev.component.getFirstPropertyValue("rrule");
      assert(rule && rule.freq === "WEEKLY", `${ev.uid}: RRULE ${rule}`);
      assert(ev.summary === found.item.title || found.h1.startsWith(ev.summary), `SUMMARY "${ev.summary}", page "${found.h1}"`);
      const it = ev.iterator();
      let t;
      for (let i = 0; i < 60 && (t = it.next()); i++) if (t.compare(now) >= 0) break;
      assert(t && t.compare(now) >= 0, `${ev.uid}: no occurrence from now on`);
      assert(t.toJSDate().getTime() <= weekAhead, `${ev.uid}: the next occurrence ${t.toString()} is over two weeks ahead`);
      next.push(t.toString());
    }
    return `"${found.h1}": ${series.length} weekly series, next ${next.join(", ")}`;
  });

  await check("public pages ?lang=ar: German texts keep their punctuation in place (bidi isolation)", async () => {
    const found = [];
    for (const u of [`${HUB}/events/${EVENT_AR.id}?lang=ar`, `${arServices.items[0].href}?lang=ar`]) {
      await pub.goto(u, { waitUntil: "load" });
      for (const b of await misplacedPunctuation(pub, "body")) found.push(`${u.slice(HUB.length)}: ${b}`);
    }
    assert(!found.length, `${found.length} texts drawn with their punctuation at the wrong end: ${found.slice(0, 4).join(", ")}`);
    return "every Latin-script text is isolated";
  });

  await check("axe-core on the public pages (event and offer, de and ar): no serious or critical violation", async () => {
    const urls = [
      `${HUB}/events/${EVENT_DE.id}`,
      `${HUB}/events/${EVENT_AR.id}?lang=ar`,
      deServices.items[0].href,
      `${arServices.items[0].href}?lang=ar`,
    ];
    const found = [];
    let lesser = 0;
    for (const u of urls) {
      await pub.goto(u, { waitUntil: "load" });
      const { all, bad } = await axeViolations(pub);
      lesser += all.length - bad.length;
      for (const v of bad) found.push(`${u.slice(HUB.length)}: ${v.id} ${v.targets.join(" ")}`);
    }
    assert(!found.length, found.join("; "));
    return `${urls.length} pages, ${lesser} violations of lesser impact`;
  });
  await hubContext.close();

  // ---- the newsletter's web view ----
  await check("newsletter web view /newsletter/{id}, German and Arabic at 375 and 1200 px: fits the width, right to left in Arabic, no serious axe violation", async () => {
    const found = [];
    const shots = [];
    for (const lang of ["de", "ar"]) {
      for (const width of [375, 1200]) {
        const { context, page: nl } = await newPage(browser, { viewport: { width, height: 900 } });
        try {
          const url = `${HUB}/newsletter/${NEWSLETTER.id}?lang=${lang}`;
          const res = await nl.goto(url, { waitUntil: "load" });
          assert(res && res.status() === 200, `${url} answered ${res && res.status()}`);
          const m = await nl.evaluate(() => ({
            lang: document.documentElement.getAttribute("lang"),
            dir: document.documentElement.getAttribute("dir"),
            direction: getComputedStyle(document.body).direction,
            scroll: document.documentElement.scrollWidth,
            inner: window.innerWidth,
            headings: [...document.querySelectorAll("h2")].map((h) => h.textContent.trim()),
            images: document.images.length,
          }));
          const rtl = lang === "ar";
          assert(m.lang === lang && m.dir === (rtl ? "rtl" : "ltr") && m.direction === m.dir, `${lang}: lang=${m.lang} dir=${m.dir} direction=${m.direction}`);
          assert(m.scroll <= m.inner, `${lang} at ${width} px: the page is ${m.scroll} px wide (scrolls sideways)`);
          const expected = rtl ? ["اجتماع الشبكة القادم", "أخبار من الشبكة"] : ["Nächstes Netzwerktreffen", "Neuigkeiten aus dem Netzwerk"];
          for (const h of expected) assert(m.headings.includes(h), `${lang}: no section "${h}" among ${JSON.stringify(m.headings)}`);
          assert(!rtl || m.headings.every((h) => ARABIC.test(h)), `Arabic headings: ${JSON.stringify(m.headings)}`);
          assert(m.images === 0, `${m.images} images (no pictures, no pixels)`);
          const { bad } = await axeViolations(nl);
          for (const v of bad) found.push(`${lang} ${width}: ${v.id} ${v.targets.join(" ")}`);
          const shot = `newsletter-${lang}-${width}.png`;
          const png = await nl.screenshot({ path: path.join(OUT_DIR, shot), fullPage: true });
          // Not blank: a page of one colour compresses to almost nothing.
          assert(png.length > 20_000, `${shot} is ${png.length} bytes: blank?`);
          shots.push(`${shot} (${Math.round(png.length / 1024)} KB)`);
        } finally {
          await context.close();
        }
      }
    }
    assert(!found.length, found.join("; "));
    return shots.join(", ");
  });

  // ---- /embed: pick, preview, copy, paste into a blank page ----
  let snippet = "";
  await check("/embed: pick services, Arabic, 3 entries and the page's key; the preview renders; the copy button copies the code", async () => {
    const { context, page: em } = await newPage(browser);
    try {
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: HUB });
      const res = await em.goto(`${HUB}/embed`, { waitUntil: "load" });
      assert(res && res.status() === 200, `/embed answered ${res && res.status()}`);
      await em.getByLabel("Komponente").selectOption("services");
      await em.getByLabel("Sprache der Anzeige (lang)").selectOption("ar");
      await em.getByLabel("Höchstens so viele Einträge (limit)").fill("3");
      await em.getByLabel("API-Schlüssel Ihrer Seite (api-key, vom Netzwerk)").fill(GOOD_KEY);
      await Promise.all([em.waitForURL(/\/embed\?/), em.getByRole("button", { name: "Vorschau und Code aktualisieren" }).click()]);
      await componentsLoaded(em, 1);
      const [preview] = await readComponents(em);
      const keyed = requests.filter((r) => r.page.startsWith(`${HUB}/embed`) && r.url.startsWith(`${HUB}/graphql`) && r.headers["x-api-key"]);
      assert(!keyed.length, `the preview asked with a key: ${keyed.map((r) => r.url).join(" ")}`);
      assert(preview.tag === "netzwerk-services" && !preview.alert, `preview: ${preview.tag} ${preview.alert}`);
      assert(preview.items.length > 0 && preview.items.length <= 3, `the preview shows ${preview.items.length} entries`);
      assert(preview.direction === "rtl", `the preview is laid out ${preview.direction}`);
      const { bad } = await axeViolations(em);
      assert(!bad.length, `axe on /embed: ${bad.map((v) => `${v.id} ${v.targets.join(" ")}`).join("; ")}`);
      await em.getByRole("button", { name: "Code kopieren" }).click();
      await em.waitForFunction(() => document.getElementById("copied").textContent.includes("kopiert"), null, { timeout: WAIT });
      snippet = await em.evaluate(() => navigator.clipboard.readText());
      const shown = await em.locator("#snippet").inputValue();
      assert(snippet === shown, `the clipboard holds ${JSON.stringify(snippet)}, the page shows ${JSON.stringify(shown)}`);
      assert(snippet.includes(`<script src="${HUB}/embed/netzwerk.js"></script>`), `the snippet does not load the script from ${HUB}: ${snippet}`);
      assert(snippet.includes(`api-key="${GOOD_KEY}"`) && snippet.includes('lang="ar"') && snippet.includes('limit="3"'), snippet);
      await em.screenshot({ path: path.join(OUT_DIR, "embed.png"), fullPage: true });
      return `${preview.items.length} entries previewed; copied ${snippet.length} characters`;
    } finally {
      await context.close();
    }
  });

  await check("the copied snippet, pasted into a blank page of the partner's origin, renders there (with the key, right to left)", async () => {
    assert(snippet, "nothing was copied (the /embed check failed)");
    const { context, page: blank } = await newPage(browser);
    try {
      const res = await blank.goto(`${PAGE_ORIGIN}/blank.html`, { waitUntil: "load" });
      assert(res && res.ok(), `blank.html answered ${res && res.status()}`);
      const before = requests.length;
      await blank.setContent(`<!doctype html><html lang="de"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Leer</title></head><body><main>${snippet}</main></body></html>`, { waitUntil: "load" });
      await componentsLoaded(blank, 1);
      const [c] = await readComponents(blank);
      assert(!c.alert, `the component shows an error: ${c.alert}`);
      assert(c.items.length > 0 && c.items.length <= 3, `${c.items.length} entries`);
      assert(c.direction === "rtl" && c.lang === "ar", `lang=${c.lang} direction=${c.direction}`);
      const asked = requests.slice(before).filter((r) => r.url.startsWith(`${HUB}/graphql`));
      assert(asked.length > 0 && asked.every((r) => r.headers["x-api-key"] === GOOD_KEY), "the pasted component did not ask with the page's key");
      await blank.screenshot({ path: path.join(OUT_DIR, "pasted-snippet.png"), fullPage: true });
      return `${c.items.length} entries, e.g. "${c.items[0].title}"`;
    } finally {
      await context.close();
    }
  });

  // ---- where the pages went ----
  await check("no request left the Hub and the partner page's origin", async () => {
    assert(requests.length > 0, "no request was recorded");
    const allowed = new Set([new URL(HUB).origin, new URL(PAGE_ORIGIN).origin]);
    const elsewhere = requests.filter((r) => !allowed.has(new URL(r.url).origin));
    assert(!elsewhere.length, `requests elsewhere: ${[...new Set(elsewhere.map((r) => r.url))].slice(0, 10).join(" ")}`);
    const byOrigin = {};
    for (const r of requests) byOrigin[new URL(r.url).origin] = (byOrigin[new URL(r.url).origin] || 0) + 1;
    return Object.entries(byOrigin).map(([o, n]) => `${n} to ${o}`).join(", ");
  });

  await check("every request was answered, and only the refused key's with an error status", async () => {
    const lines = [];
    const unexpected = [];
    for (const r of requests) {
      const status = r.status;
      lines.push(`${status || "---"} ${r.method} ${r.url}  (from ${r.page || "a new page"})`);
      const refused = status === 401 && r.page.includes("/wrong-origin.html") && r.url.startsWith(`${HUB}/graphql`);
      if (status === 0 || (status >= 400 && !refused)) unexpected.push(`${status} ${r.url}`);
    }
    writeFileSync(path.join(OUT_DIR, "requests.txt"), lines.join("\n") + "\n");
    assert(!failures.length, `requests without an answer: ${failures.slice(0, 5).join(" | ")}`);
    assert(!unexpected.length, `unexpected answers: ${unexpected.slice(0, 5).join(" | ")}`);
    return `${requests.length} requests listed in ${OUT_DIR}/requests.txt`;
  });

  await check("no uncaught script error on any page", async () => {
    assert(!pageErrors.length, pageErrors.join(" | "));
    return consoleErrors.length ? `console errors (loads refused or not found): ${[...new Set(consoleErrors)].join(" | ")}` : "";
  });
}

try {
  await main();
} catch (e) {
  results.push({ name: "the run itself", ok: false });
  console.log(`FAIL  the run itself — ${e && e.stack ? e.stack : e}`);
}
clearTimeout(watchdog);
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
writeFileSync(path.join(OUT_DIR, "summary.txt"), results.map((r) => `${r.ok ? "PASS" : "FAIL"}  ${r.name}`).join("\n") + "\n");
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
