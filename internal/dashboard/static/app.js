// paas's dashboard: a client of paasd's public REST API, as paasctl is.
// It signs in with the API token for a session cookie; every change it
// sends carries the session's CSRF token. Pages are routed by the URL's
// fragment: #/ lists the apps, #/apps/NAME shows one.

const main = document.getElementById("main");
const statusBox = document.getElementById("status");
const signOutButton = document.getElementById("signout");

let csrf = "";
let stops = []; // what the current page polls or streams: stopped on leaving it

// h makes an element: attributes, listeners (onclick...) and children. Text
// goes in as text, never as markup.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const svgNS = "http://www.w3.org/2000/svg";
function s(tag, attrs) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

class APIError extends Error {
  constructor(status, id, message) {
    super(message);
    this.status = status;
    this.id = id;
  }
}

// api sends one request to paasd's API with the session's cookie.
async function api(method, path, body, headers) {
  const hd = Object.assign({ "Accept": "application/json", "X-Paas-Actor": "dashboard" }, headers || {});
  if (method !== "GET") hd["X-CSRF-Token"] = csrf;
  if (body !== undefined) hd["Content-Type"] = "application/json";
  const resp = await fetch(path, {
    method, headers: hd, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (resp.status === 401) {
    showSignIn("Your session has ended: sign in again.");
    throw new APIError(401, "unauthorized", "signed out");
  }
  if (!resp.ok) {
    throw new APIError(resp.status, data && data.id, (data && data.message) || resp.statusText);
  }
  return data;
}

const enc = encodeURIComponent;

function say(message, bad) {
  statusBox.textContent = message;
  statusBox.className = bad ? "toast bad" : "toast";
  statusBox.hidden = false;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => { statusBox.hidden = true; }, bad ? 10000 : 4000);
}

// act runs a change and says how it went; errors keep the API's message,
// which says what to do.
async function act(what, fn) {
  try {
    const out = await fn();
    say(what);
    return out;
  } catch (e) {
    if (e.status !== 401) say(e.message, true);
    return undefined;
  }
}

// confirm asks in the page's own dialog, which keyboards and screen
// readers handle like any other.
function confirmAction(text, okLabel) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    document.getElementById("confirm-cancel").focus();
  });
}

function stopPage() {
  for (const stop of stops) stop();
  stops = [];
}

// every runs fn now and every ms while the page is shown.
function every(ms, fn) {
  let live = true;
  const tick = async () => {
    if (!live) return;
    try { await fn(); } catch (e) { if (e.status !== 401) console.warn(e); }
    if (live) timer = setTimeout(tick, ms);
  };
  let timer = setTimeout(tick, 0);
  stops.push(() => { live = false; clearTimeout(timer); });
}

function ago(iso) {
  if (!iso) return "";
  const secs = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (secs < 60) return Math.round(secs) + "s ago";
  if (secs < 3600) return Math.round(secs / 60) + "m ago";
  if (secs < 86400) return Math.round(secs / 3600) + "h ago";
  return Math.round(secs / 86400) + "d ago";
}

function stateCell(state) {
  return h("td", { class: "state-" + state }, state);
}

function mib(bytes) {
  return (bytes / 1048576).toFixed(1) + " MiB";
}

// --- sign-in -------------------------------------------------------------

function showSignIn(message) {
  stopPage();
  csrf = "";
  signOutButton.hidden = true;
  const error = h("p", { id: "signin-error", class: "error", role: "alert" }, message || "");
  const token = h("input", { id: "token", name: "token", type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { id: "signin", class: "signin", onsubmit: async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const resp = await fetch("/dashboard/session", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token.value }),
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) {
      error.textContent = data.message || "Sign-in failed.";
      token.focus();
      return;
    }
    csrf = data.csrf_token;
    signOutButton.hidden = false;
    route();
  } },
  h("h1", {}, "Sign in"),
  h("p", { class: "muted" }, "Use the API token paasctl uses: PAAS_API_TOKEN, or api-token in paasd's data directory."),
  h("label", { for: "token" }, "API token"),
  token,
  h("button", { type: "submit", id: "signin-submit" }, "Sign in"),
  error);
  main.replaceChildren(form);
  token.focus();
}

signOutButton.addEventListener("click", async () => {
  await fetch("/dashboard/session", { method: "DELETE", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
  showSignIn("Signed out.");
});

// --- apps ---------------------------------------------------------------

function appsPage() {
  const tbody = h("tbody");
  const table = h("table", { id: "apps" },
    h("caption", { class: "muted" }, "Every app, its processes and its requests over the last hour."),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, "App"), h("th", { scope: "col" }, "Processes"),
      h("th", { scope: "col", class: "hide-small" }, "Release"), h("th", { scope: "col" }, "Web URL"),
      h("th", { scope: "col", class: "hide-small" }, "Requests (1 h)"))),
    tbody);
  main.replaceChildren(h("h1", {}, "Apps"), h("div", { class: "scroll" }, table));
  document.title = "Apps · paas";
  every(5000, async () => {
    const apps = await api("GET", "/apps");
    apps.sort((a, b) => a.name.localeCompare(b.name));
    const rows = [];
    for (const a of apps) {
      const procs = a.processes || [];
      const up = procs.filter((p) => p.state === "up").length;
      const spark = h("td", { class: "hide-small" });
      rows.push(h("tr", { "data-app": a.name },
        h("th", { scope: "row" }, h("a", { href: "#/apps/" + enc(a.name), class: "app-link" }, a.name)),
        h("td", { class: procs.length && up === procs.length ? "state-up" : (procs.some((p) => p.state === "crashed") ? "state-crashed" : "") },
          procs.length ? `${up} of ${procs.length} up` : "none"),
        h("td", { class: "hide-small" }, a.current_release ? "v" + a.current_release : "none"),
        h("td", {}, a.web_url ? h("a", { href: a.web_url, rel: "noopener" }, a.web_url) : ""),
        spark));
      api("GET", "/apps/" + enc(a.name) + "/router-metrics").then((series) => {
        const total = series.points.reduce((n, p) => n + p.requests, 0);
        spark.replaceChildren(sparkline(series.points.map((p) => p.requests), `${total} requests in the last hour`), " " + total);
      }).catch(() => {});
    }
    if (!apps.length) {
      rows.push(h("tr", {}, h("td", { colspan: 5 }, "No apps yet: paasctl apps:create NAME, then git push.")));
    }
    tbody.replaceChildren(...rows);
  });
}

// --- charts --------------------------------------------------------------

function path(values, width, height) {
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  return values.map((v, i) => `${i ? "L" : "M"}${(i * step).toFixed(1)},${(height - (v / max) * (height - 2) - 1).toFixed(1)}`).join(" ");
}

function sparkline(values, label) {
  const svg = s("svg", { class: "spark", viewBox: "0 0 120 24", role: "img", "aria-label": label, preserveAspectRatio: "none" });
  svg.append(s("path", { class: "line", d: path(values, 120, 24) }));
  return svg;
}

function chart(id, title, values, unit, bad, total) {
  const last = values.length ? values[values.length - 1] : 0;
  const max = Math.max(0, ...values);
  const label = `${title}: ${fmt(last)} ${unit} in the last 10 s, at most ${fmt(max)} ${unit} in the last hour`;
  const svg = s("svg", { viewBox: "0 0 360 96", role: "img", "aria-label": label, preserveAspectRatio: "none" });
  svg.append(s("path", { class: bad ? "line bad" : "line", d: path(values, 360, 96) }));
  return h("div", { class: "chart", id }, h("figure", {},
    h("figcaption", {}, title), svg,
    h("p", { class: "muted" }, `now ${fmt(last)} ${unit} · max ${fmt(max)} ${unit}`,
      total === undefined ? "" : h("span", { class: "total" }, ` · ${total} in the hour`))));
}

function fmt(n) {
  return n >= 100 || Number.isInteger(n) ? String(Math.round(n)) : n.toFixed(1);
}

// --- one app -------------------------------------------------------------

function appPage(name) {
  document.title = name + " · paas";
  const sections = {
    charts: h("section", { id: "charts", "aria-labelledby": "charts-h" }, h("h2", { id: "charts-h" }, "Traffic, last hour")),
    processes: h("section", { id: "processes", "aria-labelledby": "processes-h" }, h("h2", { id: "processes-h" }, "Processes")),
    releases: h("section", { id: "releases", "aria-labelledby": "releases-h" }, h("h2", { id: "releases-h" }, "Releases")),
    config: h("section", { id: "config", "aria-labelledby": "config-h" }, h("h2", { id: "config-h" }, "Config vars")),
    domains: h("section", { id: "domains", "aria-labelledby": "domains-h" }, h("h2", { id: "domains-h" }, "Domains and certificates")),
    builds: h("section", { id: "builds", "aria-labelledby": "builds-h" }, h("h2", { id: "builds-h" }, "Builds")),
    addons: h("section", { id: "addons", "aria-labelledby": "addons-h" }, h("h2", { id: "addons-h" }, "Add-ons")),
    logs: h("section", { id: "logs", "aria-labelledby": "logs-h" }, h("h2", { id: "logs-h" }, "Logs")),
  };
  const head = h("div", { id: "app-head" });
  main.replaceChildren(h("p", {}, h("a", { href: "#/" }, "← All apps")), h("h1", { id: "app-name" }, name), head,
    sections.charts, sections.processes, sections.releases, sections.config,
    h("div", { class: "grid" }, sections.domains, sections.addons), sections.builds, sections.logs);
  const base = "/apps/" + enc(name);
  const refresh = {};

  every(5000, async () => {
    const a = await api("GET", base);
    head.replaceChildren(h("p", {},
      a.web_url ? h("a", { href: a.web_url, rel: "noopener", id: "web-url" }, a.web_url) : "",
      h("span", { class: "muted" }, ` · ${a.current_release ? "v" + a.current_release : "no release yet"}`,
        a.commit ? " · commit " + a.commit.slice(0, 7) : "")));
  });

  every(10000, async () => {
    const series = await api("GET", base + "/router-metrics");
    const pts = series.points;
    sections.charts.replaceChildren(sections.charts.firstChild, h("div", { class: "charts" },
      chart("chart-requests", "Requests per 10 s", pts.map((p) => p.requests), "requests", false, pts.reduce((n, p) => n + p.requests, 0)),
      chart("chart-latency", "Latency p95", pts.map((p) => p.latency_p95_ms), "ms"),
      chart("chart-errors", "Errors (5xx) per 10 s", pts.map((p) => p.errors), "errors", true, pts.reduce((n, p) => n + p.errors, 0))));
  });

  refresh.processes = async () => {
    const [procs, formation] = await Promise.all([api("GET", base + "/dynos"), api("GET", base + "/formation")]);
    procs.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    const rows = procs.map((p) => h("tr", { "data-process": p.name },
      h("th", { scope: "row" }, p.name), stateCell(p.state),
      h("td", {}, "v" + p.release.version),
      h("td", { class: "hide-small" }, ago(p.started_at)),
      h("td", { class: "num" }, p.cpu_percent !== undefined ? p.cpu_percent.toFixed(1) + "%" : "–"),
      h("td", { class: "num" }, p.memory_bytes !== undefined ? mib(p.memory_bytes) : "–"),
      h("td", { class: "num hide-small" }, p.restarts)));
    const forms = formation.map((f) => {
      const input = h("input", { type: "number", min: 0, max: 100, id: "scale-" + f.type, value: f.quantity,
        oninput: () => { input.dataset.dirty = "1"; } });
      const typing = document.getElementById("scale-" + f.type);
      if (typing && typing.dataset.dirty) { // what the user typed outlives the refresh
        input.value = typing.value;
        input.dataset.dirty = "1";
      }
      return h("form", { class: "inline", "data-type": f.type, onsubmit: async (ev) => {
        ev.preventDefault();
        const quantity = Number(input.value);
        const done = await act(`Scaled ${f.type} to ${quantity}`, () =>
          api("PATCH", base + "/formation/" + enc(f.type), { quantity }));
        if (done !== undefined) {
          const now = document.getElementById("scale-" + f.type);
          if (now) delete now.dataset.dirty;
        }
        refresh.processes();
      } },
      h("label", { for: "scale-" + f.type }, `${f.type} processes`), input,
      h("button", { type: "submit" }, "Scale " + f.type),
      h("span", { class: "muted" }, f.size ? ` ${f.size} each` : ""));
    });
    const focused = document.activeElement && document.activeElement.id;
    sections.processes.replaceChildren(sections.processes.firstChild,
      h("div", { class: "scroll" }, h("table", { id: "process-list" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Process"), h("th", { scope: "col" }, "State"),
          h("th", { scope: "col" }, "Release"), h("th", { scope: "col", class: "hide-small" }, "Started"),
          h("th", { scope: "col", class: "num" }, "CPU"), h("th", { scope: "col", class: "num" }, "Memory"),
          h("th", { scope: "col", class: "num hide-small" }, "Restarts"))),
        h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 7 }, "No processes."))))),
      ...forms);
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  };
  every(3000, refresh.processes);

  const diffBox = h("pre", { id: "release-diff", class: "output", hidden: true, tabindex: 0 });
  refresh.releases = async () => {
    const rels = await api("GET", base + "/releases", undefined, { "Range": "version ..; order=desc, max=20" });
    const rows = rels.map((r) => h("tr", { "data-version": r.version },
      h("th", { scope: "row" }, "v" + r.version, r.current ? h("span", { class: "muted" }, " (current)") : ""),
      h("td", {}, r.description), stateCell(r.status),
      h("td", { class: "hide-small" }, r.created_by || ""),
      h("td", { class: "hide-small" }, ago(r.created_at)),
      h("td", {},
        r.version > 1 ? h("button", { type: "button", class: "secondary", "aria-label": `Diff v${r.version - 1} to v${r.version}`, onclick: async () => {
          const d = await api("GET", `${base}/releases/diff?from=v${r.version - 1}&to=v${r.version}`);
          diffBox.hidden = false;
          diffBox.textContent = describeDiff(d);
          diffBox.focus();
        } }, "Diff") : "",
        " ",
        !r.current && r.status === "succeeded" ? h("button", { type: "button", class: "danger", id: "rollback-v" + r.version, onclick: async () => {
          if (!(await confirmAction(`Roll ${name} back to v${r.version}? This makes a new release with v${r.version}'s build and config.`, `Roll back to v${r.version}`))) return;
          await act(`Rolled back to v${r.version}`, () => api("POST", base + "/releases", { release: String(r.version) }));
          refresh.releases();
          refresh.config();
        } }, `Roll back to v${r.version}`) : "")));
    sections.releases.replaceChildren(sections.releases.firstChild,
      h("div", { class: "scroll" }, h("table", { id: "release-list" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Version"), h("th", { scope: "col" }, "Description"),
          h("th", { scope: "col" }, "Status"), h("th", { scope: "col", class: "hide-small" }, "By"),
          h("th", { scope: "col", class: "hide-small" }, "When"), h("th", { scope: "col" }, h("span", { class: "muted" }, "Actions")))),
        h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 6 }, "No releases yet: git push."))))), diffBox);
  };
  every(5000, refresh.releases);

  const shown = new Set(); // config keys whose values the user asked to see
  refresh.config = async () => {
    const vars = await api("GET", base + "/config-vars");
    const keys = Object.keys(vars).sort();
    const rows = keys.map((k) => h("tr", { "data-key": k },
      h("th", { scope: "row", class: "secret" }, k),
      h("td", { class: "secret" }, shown.has(k) ? vars[k] : "••••••••"),
      h("td", {},
        h("button", { type: "button", class: "secondary", "aria-label": (shown.has(k) ? "Hide " : "Show ") + k, onclick: () => {
          if (shown.has(k)) shown.delete(k); else shown.add(k);
          refresh.config();
        } }, shown.has(k) ? "Hide" : "Show"),
        " ",
        h("button", { type: "button", class: "danger", "aria-label": "Unset " + k, onclick: async () => {
          if (!(await confirmAction(`Unset ${k}? This makes a new release and restarts ${name}'s processes.`, "Unset " + k))) return;
          await act(`Unset ${k}`, () => api("PATCH", base + "/config-vars", { [k]: null }));
          refresh.config();
          refresh.releases();
        } }, "Unset"))));
    const key = h("input", { id: "config-key", required: true, autocomplete: "off", pattern: "[A-Za-z_][A-Za-z0-9_]*", title: "Letters, digits and underscores; not a digit first" });
    const value = h("input", { id: "config-value", autocomplete: "off" });
    const form = h("form", { class: "inline", id: "config-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const k = key.value.trim();
      const done = await act(`Set ${k}`, () => api("PATCH", base + "/config-vars", { [k]: value.value }));
      if (done !== undefined) {
        key.value = "";
        value.value = "";
      }
      refresh.config();
      refresh.releases();
    } },
    h("label", { for: "config-key" }, "Key"), key,
    h("label", { for: "config-value" }, "Value"), value,
    h("button", { type: "submit" }, "Set"));
    const focused = document.activeElement && document.activeElement.id;
    const old = sections.config.querySelector("#config-form");
    if (old) { // what the user was typing stays
      key.value = old.querySelector("#config-key").value;
      value.value = old.querySelector("#config-value").value;
    }
    sections.config.replaceChildren(sections.config.firstChild,
      h("div", { class: "scroll" }, h("table", { id: "config-list" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Key"), h("th", { scope: "col" }, "Value"), h("th", { scope: "col" }, h("span", { class: "muted" }, "Actions")))),
        h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 3 }, "No config vars."))))),
      form);
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  };
  refresh.config();

  refresh.domains = async () => {
    const [domains, certs] = await Promise.all([api("GET", base + "/domains"), api("GET", base + "/sni-endpoints").catch(() => [])]);
    const host = h("input", { id: "domain-host", required: true, autocomplete: "off", placeholder: "www.example.com" });
    sections.domains.replaceChildren(sections.domains.firstChild,
      h("table", { id: "domain-list" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Host"), h("th", { scope: "col" }, "Certificate"), h("th", { scope: "col" }, h("span", { class: "muted" }, "Actions")))),
        h("tbody", {}, domains.map((d) => h("tr", { "data-host": d.hostname },
          h("th", { scope: "row", class: "secret" }, d.hostname),
          d.acm_status ? stateCell(d.acm_status) : h("td", { class: "muted" }, d.kind === "heroku" ? "the app's own host" : "none"),
          h("td", {}, d.kind === "heroku" ? "" : h("button", { type: "button", class: "danger", "aria-label": "Remove " + d.hostname, onclick: async () => {
            if (!(await confirmAction(`Remove ${d.hostname} from ${name}?`, "Remove"))) return;
            await act(`Removed ${d.hostname}`, () => api("DELETE", base + "/domains/" + enc(d.hostname)));
            refresh.domains();
          } }, "Remove")))))),
      certs.length ? h("p", { class: "muted" }, "Own certificates: ", certs.map((c) => c.name).join(", ")) : "",
      h("form", { class: "inline", onsubmit: async (ev) => {
        ev.preventDefault();
        await act(`Added ${host.value}`, () => api("POST", base + "/domains", { hostname: host.value.trim() }));
        refresh.domains();
      } }, h("label", { for: "domain-host" }, "Add domain"), host, h("button", { type: "submit" }, "Add")));
  };
  refresh.domains();

  const output = h("pre", { id: "build-output", class: "output", hidden: true, tabindex: 0 });
  refresh.builds = async () => {
    const builds = await api("GET", base + "/builds");
    builds.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
    sections.builds.replaceChildren(sections.builds.firstChild,
      h("div", { class: "scroll" }, h("table", { id: "build-list" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Build"), h("th", { scope: "col" }, "Status"),
          h("th", { scope: "col", class: "hide-small" }, "Builder"), h("th", { scope: "col", class: "hide-small" }, "Commit"),
          h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, h("span", { class: "muted" }, "Output")))),
        h("tbody", {}, builds.slice(0, 10).map((b) => h("tr", { "data-build": b.id },
          h("th", { scope: "row", class: "secret" }, b.id.slice(0, 8)), stateCell(b.status),
          h("td", { class: "hide-small" }, b.builder || ""), h("td", { class: "hide-small secret" }, (b.commit || "").slice(0, 7)),
          h("td", {}, ago(b.created_at)),
          h("td", {}, h("button", { type: "button", class: "secondary", "aria-label": "Output of build " + b.id.slice(0, 8), onclick: async () => {
            output.hidden = false;
            output.textContent = "";
            const resp = await fetch(b.output_stream_url, { credentials: "same-origin" });
            const reader = resp.body.getReader();
            const dec = new TextDecoder();
            output.focus();
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              output.textContent += dec.decode(value, { stream: true });
              output.scrollTop = output.scrollHeight;
            }
          } }, "Show"))))))), output);
  };
  every(10000, refresh.builds);

  refresh.addons = async () => {
    const addons = await api("GET", base + "/addons");
    sections.addons.replaceChildren(sections.addons.firstChild, addons.length ? h("table", { id: "addon-list" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Add-on"), h("th", { scope: "col" }, "Service"), h("th", { scope: "col" }, "State"), h("th", { scope: "col" }, "As"))),
      h("tbody", {}, addons.map((a) => h("tr", { "data-addon": a.name },
        h("th", { scope: "row" }, a.name), h("td", {}, a.addon_service.name),
        stateCell(a.service_state || a.state),
        h("td", { class: "secret" }, (a.attachments || []).filter((at) => at.app.name === name).map((at) => at.name + "_URL").join(", ")))))) :
      h("p", { class: "muted" }, "No add-ons: paasctl addons:create postgres."));
  };
  every(15000, refresh.addons);

  logsSection(sections.logs, name);
}

// logsSection streams the app's log lines as they come, filtered by source
// and process, through the logs API's server-sent events.
function logsSection(section, name) {
  const source = h("select", { id: "log-source" },
    h("option", { value: "" }, "all"), h("option", { value: "app" }, "app"), h("option", { value: "router" }, "router"),
    h("option", { value: "paas" }, "paas"), h("option", { value: "addon" }, "addon"));
  const ps = h("input", { id: "log-process", placeholder: "web or web.1", autocomplete: "off", size: 12 });
  const lines = h("pre", { id: "log-lines", class: "log", role: "log", "aria-live": "off", tabindex: 0 });
  const state = h("span", { class: "muted", id: "log-state" });
  let es = null;
  const start = () => {
    if (es) es.close();
    lines.textContent = "";
    const q = new URLSearchParams({ n: "100", tail: "1" });
    if (source.value) q.set("source", source.value);
    if (ps.value.trim()) q.set("ps", ps.value.trim());
    es = new EventSource("/apps/" + enc(name) + "/logs?" + q.toString());
    es.onopen = () => { state.textContent = " streaming"; };
    es.onerror = () => { state.textContent = " reconnecting…"; };
    es.onmessage = (ev) => {
      const atBottom = lines.scrollTop + lines.clientHeight >= lines.scrollHeight - 4;
      lines.append(ev.data + "\n");
      while (lines.childNodes.length > 1000) lines.firstChild.remove();
      if (atBottom) lines.scrollTop = lines.scrollHeight;
    };
  };
  section.append(h("form", { class: "inline", id: "log-filter", onsubmit: (ev) => { ev.preventDefault(); start(); } },
    h("label", { for: "log-source" }, "Source"), source,
    h("label", { for: "log-process" }, "Process"), ps,
    h("button", { type: "submit" }, "Filter"), state), lines);
  source.addEventListener("change", start);
  start();
  stops.push(() => { if (es) es.close(); });
}

function describeDiff(d) {
  const out = [`v${d.from} → v${d.to}`];
  if (d.commit_from !== d.commit_to) out.push(`commit ${(d.commit_from || "none").slice(0, 7)} → ${(d.commit_to || "none").slice(0, 7)}`);
  if (d.image_from !== d.image_to) out.push("new build");
  for (const [label, keys] of [["config added", d.config_added], ["config removed", d.config_removed], ["config changed", d.config_changed],
    ["processes added", d.processes_added], ["processes removed", d.processes_removed], ["processes changed", d.processes_changed]]) {
    if (keys && keys.length) out.push(`${label}: ${keys.join(", ")}`);
  }
  if (out.length === 1) out.push("nothing changed");
  return out.join("\n");
}

// --- routing -------------------------------------------------------------

function route() {
  stopPage();
  const m = location.hash.match(/^#\/apps\/([^/]+)$/);
  if (m) appPage(decodeURIComponent(m[1]));
  else appsPage();
  main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", () => { if (csrf) route(); });

// At load: a live session goes straight on; otherwise, sign in.
(async () => {
  const resp = await fetch("/dashboard/session", { credentials: "same-origin" });
  if (!resp.ok) {
    showSignIn("");
    return;
  }
  csrf = (await resp.json()).csrf_token;
  signOutButton.hidden = false;
  route();
})();
