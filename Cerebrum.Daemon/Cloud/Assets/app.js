// Cerebrum Cloud: the page's only script, served by the gateway itself (Content-Security-Policy: script-src 'self').
// Every value shown comes from the network (some of it from remote nodes), so it is only ever set as text, never as markup.
"use strict";

const refreshMs = 3000;
const keyStorageName = "cerebrum-cloud-key";
const pages = ["models", "nodes", "playground", "keys", "leases"];
const $ = id => document.getElementById(id);

const state = {
  page: "models",
  overview: null,
  models: null,
  nodes: null,
  key: null,
  usage: null,
  offers: null,
  leases: null,
  tenant: "",
  pausedUntil: 0,
  timer: 0,
  refreshing: false,
};

// ---- small DOM helpers -------------------------------------------------------------------------------------------

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("data-") || name === "title" || name === "colspan") node.setAttribute(name, String(value));
    else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function pairs(container, entries) {
  const cell = content => content instanceof Node ? el("div", {}, content) : el("div", { text: content });
  container.replaceChildren(...entries.flatMap(([key, value]) => [cell(key), cell(value)]));
}

const short = id => id && id.length > 20 ? `${id.slice(0, 10)}…${id.slice(-6)}` : (id || "");
const shortHash = hash => hash && hash.length > 24 ? `${hash.slice(0, 15)}…${hash.slice(-6)}` : (hash || "");
const number = n => Number(n).toLocaleString("en-US");
const micro = n => `${number(n)} µCER`;

function bytes(n) {
  if (!n) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = Number(n), unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(value >= 10 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function ago(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  return seconds < 90 ? `${seconds} s ago` : seconds < 5400 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3600)} h ago`;
}

function badge(text, kind) {
  return el("span", { class: kind ? `badge ${kind}` : "badge", text });
}

// ---- the gateway's API -------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message, retryAfter) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

function storedKey() {
  return sessionStorage.getItem(keyStorageName) || "";
}

// The gateway marks its page with whether it needs an API key (<html data-access="key|open">); the data is behind the key.
function needsKey() {
  return document.documentElement.dataset.access !== "open" && !storedKey();
}

function authHeaders(key) {
  const value = key === undefined ? storedKey() : key;
  return value ? { Authorization: `Bearer ${value}` } : {};
}

// The gateway's errors are JSON: {"error": "..."} (KServe) or {"error": {"message": "..."}} (OpenAI, under /v1/).
async function errorOf(response) {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && typeof body.error === "string") message = body.error;
    else if (body && body.error && typeof body.error.message === "string") message = body.error.message;
  } catch (e) {
    // Not JSON (a proxy's page, say): the status line says what little there is.
  }
  const retryAfter = Number(response.headers.get("Retry-After")) || 0;
  return new ApiError(response.status, message, retryAfter);
}

async function getJson(path, key) {
  const response = await fetch(path, { headers: { Accept: "application/json", ...authHeaders(key) }, cache: "no-store", credentials: "omit" });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

// ---- live status and banners -------------------------------------------------------------------------------------

function setLive(ok, text) {
  $("live-dot").className = ok ? "dot ok" : "dot bad";
  $("live-text").textContent = text;
}

function showBanner(kind, ...content) {
  const banner = $("banner");
  banner.className = kind === "bad" ? "banner bad" : "banner";
  banner.replaceChildren(...content);
}

function hideBanner() {
  $("banner").className = "banner hidden";
  $("banner").replaceChildren();
}

function explainFailure(error) {
  if (error.status === 401) {
    showBanner("warn", "This gateway needs an API key to show its data. ", el("a", { href: "#/keys", text: "Paste your key" }), " (it stays in this tab).");
    setLive(false, "needs an API key");
  } else if (error.status === 429) {
    const wait = Math.max(1, error.retryAfter || 1);
    state.pausedUntil = Date.now() + wait * 1000;
    showBanner("warn", `The key's rate limit is spent: updates resume in ${wait} s. (${error.message})`);
    setLive(false, "rate limited");
  } else if (error.status) {
    showBanner("bad", `The gateway answered ${error.status}: ${error.message}`);
    setLive(false, "error");
  } else {
    showBanner("bad", `The gateway cannot be reached: ${error.message}`);
    setLive(false, "offline");
  }
}

// ---- the summary strip -------------------------------------------------------------------------------------------

function renderSummary() {
  const o = state.overview;
  if (!o) return;
  const stat = (value, label) => el("div", { class: "stat" }, el("b", { text: value }), el("span", { text: label }));
  $("summary").replaceChildren(
    stat(o.chain ? `#${number(o.chain.height)}` : "–", o.chain ? `ledger ${o.chain.chainId}${o.chain.syncing ? " (syncing)" : ""}` : "no ledger on this gateway"),
    stat(number(o.nodesHeard), "nodes heard"),
    stat(o.features.ledger ? number(o.nodesRegistered) : "–", "nodes registered"),
    stat(number(o.modelsServed), "models served"),
    stat(o.features.ledger ? number(o.modelsRegistered) : "–", "models registered"));
  $("foot-gateway").textContent = `Gateway ${o.gateway} · cerebrumd ${o.version}${o.open ? " · open (no API key needed)" : ""}`;
}

// ---- Models ------------------------------------------------------------------------------------------------------

function tensorTable(tensors) {
  return el("table", {},
    el("thead", {}, el("tr", {}, el("th", { text: "Name" }), el("th", { text: "Type" }), el("th", { text: "Shape" }))),
    el("tbody", {}, tensors.map(t => el("tr", {}, el("td", { class: "mono", text: t.name }), el("td", { text: t.datatype }),
      el("td", { class: "mono", text: `[${t.shape.join(", ")}]` })))));
}

function routeRows(routes) {
  return el("table", { class: "routes" },
    el("thead", {}, el("tr", {}, el("th", { text: "Node" }), el("th", { class: "num", text: "Price" }), el("th", { class: "num", text: "Free" }),
      el("th", { class: "num", text: "Latency" }), el("th", { text: "Attested" }), el("th", { text: "State" }))),
    el("tbody", {}, routes.map(r => el("tr", { "data-peer-id": r.peerId },
      el("td", { class: "mono", title: r.peerId, text: short(r.peerId) }),
      el("td", { class: "num", text: micro(r.pricePerRequest) }),
      el("td", { class: "num", text: String(r.freeSlots) }),
      el("td", { class: "num", text: r.served > 0 ? `${r.latencyMs.toFixed(1)} ms` : "–" }),
      el("td", { class: r.state === "active" ? "good" : r.state === "jailed" ? "bad" : "dim",
        text: r.state ? `${r.state} · ${percent(r.reputationPpm || 0)}` : "not registered", title: r.state ? "state on the ledger · reputation" : null }),
      el("td", { class: r.available ? "good" : "bad", text: r.available ? (r.connected ? "ready" : "ready (not connected)") : "skipped after failures" })))));
}

function renderModels() {
  const o = state.overview, models = state.models;
  if (!models || !o) return;
  const notes = [];
  if (!o.features.ledger) notes.push("This gateway keeps no ledger, so models are listed as the nodes serving them announce them, without their registration.");
  if (!o.features.verification) notes.push("Attested state: no validator attestations are on this network's ledger yet, so no model's nodes are shown as verified.");
  $("models-note").textContent = notes.join(" ");
  if (models.length === 0) {
    $("models-list").replaceChildren(el("p", { class: "dim", text: "No model yet: no node announces one and none is registered on the ledger." }));
    return;
  }
  $("models-list").replaceChildren(...models.map(m => {
    const prices = m.nodes.map(r => r.pricePerRequest);
    const badges = [badge(m.task || "tensor")];
    if (m.registered) badges.push(badge(`registered at #${number(m.registered.height)}`, "good"));
    else if (o.features.ledger) badges.push(badge("not registered", "warn"));
    badges.push(m.nodes.length ? badge(`${m.nodes.length} node${m.nodes.length === 1 ? "" : "s"} serving`, "good") : badge("no node serves it now", "bad"));
    if (prices.length) badges.push(badge(Math.min(...prices) === Math.max(...prices) ? `${micro(prices[0])} / request` : `${micro(Math.min(...prices))} – ${micro(Math.max(...prices))} / request`));
    const details = [];
    if (m.registered) {
      const declared = [["Owner", el("span", { class: "mono", title: m.registered.owner, text: short(m.registered.owner) })]];
      if (m.registered.inputSignature) declared.push(["Declared inputs", m.registered.inputSignature]);
      if (m.registered.outputSignature) declared.push(["Declared outputs", m.registered.outputSignature]);
      const kv = el("div", { class: "kv" });
      pairs(kv, declared);
      details.push(kv);
    }
    if (m.inputs.length || m.outputs.length) {
      details.push(el("div", { class: "grid2" },
        el("div", {}, el("h2", { text: "Inputs" }), tensorTable(m.inputs)),
        el("div", {}, el("h2", { text: "Outputs" }), tensorTable(m.outputs))));
    }
    if (m.nodes.length) details.push(el("h2", { text: "Nodes serving it" }), el("div", { class: "table-wrap-inner" }, routeRows(m.nodes)));
    return el("article", { class: "card", "data-model-hash": m.hash },
      el("header", {}, el("h3", { text: m.name || "(unnamed)" }), el("span", { class: "mono dim", title: m.hash, text: shortHash(m.hash) })),
      el("div", { class: "badges" }, badges),
      details);
  }));
}

// ---- Nodes -------------------------------------------------------------------------------------------------------

function hardwareText(h) {
  if (!h) return "–";
  const parts = [];
  if (h.cpuModel) parts.push(h.cpuModel);
  if (h.logicalCores) parts.push(`${h.logicalCores} cores`);
  if (h.memoryBytes) parts.push(bytes(h.memoryBytes));
  for (const gpu of h.gpus || []) parts.push(`${gpu.name}${gpu.memoryBytes ? ` ${bytes(gpu.memoryBytes)}` : ""}`);
  return parts.join(" · ") || "–";
}

function cellOf(label, className, ...content) {
  // One child, so that on a phone (a label column and a value column) the value stays in its column.
  return el("td", { class: className, "data-label": label }, el("div", {}, ...content));
}

const ms = micros => `${(micros / 1000).toFixed(micros < 10000 ? 2 : 1)} ms`;
const percent = ppm => `${(ppm / 10000).toFixed(1)} %`;

// Latency per validator (each one's least round trip) as bars, with the stake-weighted median the ledger keeps.
function latencyChart(attested) {
  const rows = attested.latencies || [];
  if (rows.length === 0) return el("span", { class: "dim", text: "no validator measured it yet" });
  const peak = Math.max(...rows.map(l => l.rttMicros), attested.latencyMicros, 1);
  const bars = rows.map(l => {
    const bar = el("span", { class: l.verdict === "pass" ? "fill" : "fill bad" });
    bar.style.width = `${Math.max(2, Math.round(l.rttMicros / peak * 100))}%`;
    return el("div", { class: "hbar", title: `validator ${l.validator}: ${ms(l.rttMicros)} (${l.verdict}, height ${l.height})`, "data-validator": l.validator },
      el("span", { class: "mono label", text: short(l.validator) }), el("span", { class: "track" }, bar), el("span", { class: "value", text: ms(l.rttMicros) }));
  });
  return el("div", { class: "latency" }, el("b", { text: `median ${ms(attested.latencyMicros)}` }), bars);
}

// Reputation over time (ppm by height, as the gateway saw the ledger change), 0 to 100 %.
function reputationChart(points, current) {
  const shown = points && points.length ? points : [];
  const chart = el("div", { class: "spark", title: shown.length ? `reputation from height ${shown[0].height} to ${shown[shown.length - 1].height}` : "" });
  for (const p of shown) {
    const bar = el("span", { title: `#${p.height}: ${percent(p.reputationPpm)}` });
    bar.style.height = `${Math.max(2, Math.round(p.reputationPpm / 10000))}%`;
    chart.append(bar);
  }
  return el("div", {}, el("b", { text: percent(current) }), shown.length > 1 ? chart : el("span", { class: "sub", text: shown.length ? `since #${number(shown[0].height)}` : "" }));
}

function attestedCell(n, o) {
  const a = n.attested;
  if (!a) return el("span", { class: "dim", text: o.features.ledger ? "not registered: no validator checks it" : "–" });
  const state = el("span", { class: a.state === "active" ? "good" : a.state === "jailed" ? "bad" : "warn", text: a.state });
  if (!a.lastAttestationHeight) return el("span", {}, state, el("span", { class: "sub", text: "not attested yet" }));
  return el("span", {}, state,
    el("span", { class: "sub", text: `${number(a.attestedMflops)} MFLOP/s attested · ${a.throughputPermille / 10} % of its claim` }),
    el("span", { class: "sub", text: `canaries ${number(a.canaryPassed)} passed, ${number(a.canaryFailed)} failed · availability ${percent(a.availabilityPpm)}` }),
    el("span", { class: "sub", text: `last attested #${number(a.lastAttestationHeight)}` }));
}

function leaseCell(n, o) {
  if (n.lease) return el("span", {}, el("span", { class: "warn", text: "leased" }),
    el("span", { class: "sub", text: `to ${short(n.lease.tenant)} until ${new Date(n.lease.end).toLocaleString()}` }));
  if (!o.features.ledger) return el("span", { class: "dim", text: "–" });
  return el("span", { class: "good", text: "not leased" });
}

function renderNodes() {
  const o = state.overview, nodes = state.nodes;
  if (!nodes || !o) return;
  const notes = [];
  if (!o.features.ledger) notes.push("This gateway keeps no ledger, so registrations, attestations, reputation and leases are not shown; the hardware shown is what each node announces about itself.");
  else if (!o.features.verification) notes.push("No validator has attested any node on this network's ledger yet (a network without validators running checks says so here): attested hardware, throughput, latency and reputation appear once they do.");
  $("nodes-note").textContent = notes.join(" ");
  if (nodes.length === 0) {
    $("nodes-rows").replaceChildren(el("tr", {}, el("td", { colspan: 11, class: "dim", text: "No node heard yet (heartbeats come every few seconds) and none registered." })));
    return;
  }
  $("nodes-rows").replaceChildren(...nodes.map(n => {
    const heard = n.heard;
    const latencies = n.routes.filter(r => r.served > 0).map(r => r.latencyMs);
    const models = heard ? heard.models.map(m => m.name || shortHash(m.hash)) : (n.registered ? n.registered.models.map(shortHash) : []);
    return el("tr", { "data-peer-id": n.peerId, "data-registered": n.registered ? "true" : null },
      cellOf("Node", "", el("span", { class: "mono", title: n.peerId, text: short(n.peerId) }),
        el("span", { class: n.connected ? "sub good" : "sub", text: n.connected ? "connected to this gateway" : "not connected" })),
      cellOf("Models", "", models.join(", ") || "–"),
      cellOf("Hardware", "", heard ? hardwareText(heard.hardware) : "–",
        n.attested && n.attested.lastAttestationHeight ? el("span", { class: "sub good", text: `attested: ${n.attested.gpu ? "GPU, " : ""}${number(n.attested.attestedMflops)} MFLOP/s` }) : null),
      cellOf("Verification", "", attestedCell(n, o)),
      cellOf("Latency", "", n.attested && n.attested.latencies.length ? latencyChart(n.attested)
        : el("span", { class: "dim", text: latencies.length ? `${Math.min(...latencies).toFixed(1)} ms (this gateway)` : "–" })),
      cellOf("Reputation", "", n.attested ? reputationChart(n.reputation, n.attested.reputationPpm) : "–"),
      cellOf("Price", "num", heard ? micro(heard.pricePerRequest) : "–"),
      cellOf("Free", "num", heard ? `${heard.freeSlots}${heard.queueDepth ? ` (queue ${heard.queueDepth})` : ""}` : "–"),
      cellOf("Lease", "", leaseCell(n, o)),
      cellOf("Ledger", "", n.registered
        ? el("span", {}, el("span", { class: "good", text: `registered #${number(n.registered.height)}` }),
            el("span", { class: "sub", text: `stake ${micro(n.registered.stake)}${n.registered.region ? ` · ${n.registered.region}` : ""}${n.registered.hardware ? ` · claims ${n.registered.hardware}` : ""}` }))
        : el("span", { class: "dim", text: o.features.ledger ? "not registered" : "–" })),
      cellOf("Heard", "", heard ? ago(heard.receivedAt) : el("span", { class: "warn", text: "not heard lately" })));
  }));
}

// ---- Playground --------------------------------------------------------------------------------------------------

const play = { lastModels: "" };

function servedModels() {
  return (state.models || []).filter(m => m.nodes.length > 0 && m.name);
}

function renderPlaygroundModels() {
  const served = servedModels();
  const signature = JSON.stringify(served.map(m => [m.name, m.task]));
  if (signature === play.lastModels) return;
  play.lastModels = signature;
  const select = $("play-model");
  const previous = select.value;
  if (served.length === 0) {
    select.replaceChildren(el("option", { value: "", text: "no node serves a model right now" }));
    select.disabled = true;
    $("play-run").disabled = true;
    return;
  }
  select.disabled = false;
  $("play-run").disabled = false;
  select.replaceChildren(...served.map(m => el("option", { value: m.name, text: `${m.name} (${m.task || "tensor"})` })));
  // An embedding is the first thing most visitors try: a text model is the default choice.
  const preferred = served.find(isTextModel) || served[0];
  select.value = served.some(m => m.name === previous) ? previous : preferred.name;
  if (select.value !== previous) choosePlaygroundModel();
}

function selectedModel() {
  return servedModels().find(m => m.name === $("play-model").value) || null;
}

function isTextModel(model) {
  return model && model.task === "text-embedding";
}

// A request a KServe client could send: every input with its dynamic dimensions as 1, filled with zeros.
function templateFor(model) {
  const inputs = model.inputs.map(t => {
    const shape = t.shape.map(d => d < 0 ? 1 : d);
    const count = Math.min(shape.reduce((a, b) => a * b, 1), 4096);
    return { name: t.name, shape, datatype: t.datatype, data: new Array(count).fill(t.datatype === "BOOL" ? false : 0) };
  });
  return `{\n  "inputs": [\n${inputs.map(t => `    ${JSON.stringify(t)}`).join(",\n")}\n  ]\n}`;
}

function choosePlaygroundModel() {
  const model = selectedModel();
  if (!model) return;
  const text = isTextModel(model);
  $("play-text-field").hidden = !text;
  $("play-json-field").hidden = text;
  $("play-endpoint").textContent = text ? "POST /v1/embeddings" : `POST /v2/models/${model.name}/infer`;
  if (!text) $("play-json").value = templateFor(model);
  hidePlayError();
}

function showPlayError(message) {
  $("play-error").textContent = message;
  $("play-error").hidden = false;
}

function hidePlayError() {
  $("play-error").hidden = true;
  $("play-error").textContent = "";
}

// Server-Timing: "queue;dur=0.01, compute;dur=3.52" (milliseconds).
function parseServerTiming(header) {
  const timings = {};
  for (const part of (header || "").split(",")) {
    const match = /^\s*([A-Za-z0-9_-]+)\s*;\s*dur=([0-9.]+)\s*$/.exec(part);
    if (match) timings[match[1]] = Number(match[2]);
  }
  return timings;
}

// X-Cerebrum-Receipt, a structured-field dictionary (docs/protocols.md): job="…", model="…", input=:base64:, output=:base64:,
// requester="…", time=UNIX_MS, price=N, nonce=:base64:, bound-job="…", receipt=:base64:, signature=:base64:.
function parseReceipt(header) {
  const receipt = {};
  const pattern = /([a-z][a-z-]*)=(?:"([^"]*)"|:([A-Za-z0-9+/=]*):|(-?[0-9]{1,15}))/g;
  let match;
  while ((match = pattern.exec(header || "")) !== null) {
    receipt[match[1]] = match[2] !== undefined ? { text: match[2] } : match[3] !== undefined ? { bytes: match[3] } : { text: match[4] };
  }
  return receipt;
}

function base64ToHex(text) {
  const raw = atob(text);
  let hex = "";
  for (let i = 0; i < raw.length; i++) hex += raw.charCodeAt(i).toString(16).padStart(2, "0");
  return hex;
}

function vectorChart(vector) {
  const shown = vector.slice(0, 96);
  const peak = Math.max(...shown.map(v => Math.abs(v)), 1e-9);
  const chart = el("div", { class: "vector", title: `the first ${shown.length} of ${vector.length} dimensions` });
  for (const value of shown) {
    const bar = el("span", { class: value < 0 ? "neg" : "" });
    bar.style.height = `${Math.max(2, Math.round(Math.abs(value) / peak * 100))}%`;
    chart.append(bar);
  }
  return chart;
}

async function runPlayground(event) {
  event.preventDefault();
  hidePlayError();
  const model = selectedModel();
  if (!model) {
    showPlayError("Choose a model first: no node serves one right now.");
    return;
  }
  let path, body;
  if (isTextModel(model)) {
    const text = $("play-text").value;
    if (text.trim() === "") {
      showPlayError("Type a text to embed.");
      return;
    }
    path = "/v1/embeddings";
    body = JSON.stringify({ model: model.name, input: text });
  } else {
    let request;
    try {
      request = JSON.parse($("play-json").value);
    } catch (e) {
      showPlayError(`The request is not valid JSON: ${e.message}`);
      return;
    }
    if (!request || typeof request !== "object" || Array.isArray(request) || !Array.isArray(request.inputs) || request.inputs.length === 0) {
      showPlayError("The request must be a JSON object with an 'inputs' array of tensors (name, shape, datatype, data), as KServe v2 defines it.");
      return;
    }
    path = `/v2/models/${encodeURIComponent(model.name)}/infer`;
    body = JSON.stringify(request);
  }
  $("play-run").disabled = true;
  $("play-run").textContent = "Running…";
  const started = performance.now();
  try {
    const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", ...authHeaders() }, body, cache: "no-store", credentials: "omit" });
    const elapsed = performance.now() - started;
    if (!response.ok) {
      const error = await errorOf(response);
      showPlayError(error.status === 401
        ? `${error.message}. Paste your API key on the Keys & usage page.`
        : `The gateway answered ${error.status}: ${error.message}`);
      return;
    }
    const answer = await response.json();
    showPlayResult(model, answer, elapsed, response.headers);
  } catch (e) {
    showPlayError(`The request failed: ${e.message}`);
  } finally {
    $("play-run").disabled = false;
    $("play-run").textContent = "Run";
  }
}

function showPlayResult(model, answer, elapsed, headers) {
  const node = headers.get("X-Cerebrum-Node") || "";
  const timings = parseServerTiming(headers.get("Server-Timing"));
  const receipt = parseReceipt(headers.get("X-Cerebrum-Receipt"));
  const summary = [["Node", el("span", { class: "mono", title: node, text: node || "not reported" })]];
  let full;
  if (isTextModel(model)) {
    const vector = answer.data && answer.data[0] ? answer.data[0].embedding : [];
    const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
    summary.push(["Embedding", `${vector.length} dimensions, length ${norm.toFixed(4)}`],
      ["First values", vector.slice(0, 4).map(v => v.toFixed(5)).join(", ") + (vector.length > 4 ? ", …" : "")],
      ["Tokens", answer.usage ? String(answer.usage.prompt_tokens) : "–"],
      ["Shape", vectorChart(vector)]);
    full = JSON.stringify(vector);
  } else {
    const outputs = answer.outputs || [];
    for (const output of outputs) {
      const data = output.data || [];
      summary.push([`Output ${output.name}`, `${output.datatype} [${output.shape.join(", ")}]: ${data.slice(0, 6).join(", ")}${data.length > 6 ? ", …" : ""}`]);
    }
    full = JSON.stringify(answer, null, 2);
  }
  pairs($("play-summary"), summary);
  $("play-output").textContent = full;

  const queue = timings.queue || 0, compute = timings.compute || 0;
  const network = Math.max(0, elapsed - queue - compute);
  const bar = $("play-timing-bar");
  bar.replaceChildren();
  for (const [name, value] of [["queue", queue], ["compute", compute], ["network", network]]) {
    const part = el("span", { class: name, title: `${name}: ${value.toFixed(2)} ms` });
    part.style.width = `${elapsed > 0 ? value / elapsed * 100 : 0}%`;
    bar.append(part);
  }
  const legend = (name, label) => el("span", {}, el("span", { class: `swatch ${name}` }), label);
  pairs($("play-timing"), [
    [legend("queue", "Queued on the node"), `${queue.toFixed(2)} ms`],
    [legend("compute", "Model ran on the node"), `${compute.toFixed(2)} ms`],
    [legend("network", "Network, gateway, browser"), `${network.toFixed(2)} ms`],
    ["Total, as this page measured", `${elapsed.toFixed(2)} ms`]]);

  if (receipt.signature) {
    $("play-receipt-note").textContent = "The node signed this statement about the job; the gateway checked the signature against the node's key and the hashes against the request and the answer before it answered, and refuses any answer whose receipt does not verify. Every signed field is here (and in the X-Cerebrum-Receipt header), so you can check the whole receipt yourself: docs/protocols.md says how."
      + (isTextModel(model) ? " The output hash covers the model's raw outputs (its hidden states), which the gateway then pooled into the embedding." : "");
    const text = key => receipt[key] ? receipt[key].text : "–";
    const hex = key => receipt[key] ? base64ToHex(receipt[key].bytes) : "–";
    const time = receipt.time ? new Date(Number(receipt.time.text)) : null;
    pairs($("play-receipt"), [
      ["Job", text("job")],
      ["Bound job id", text("bound-job")],
      ["Model", text("model")],
      ["Node", node],
      ["Requester", text("requester")],
      ["Node's time", time ? `${time.toISOString()} (${receipt.time.text})` : "–"],
      ["Price", receipt.price ? micro(receipt.price.text) : "–"],
      ["Node nonce", hex("nonce")],
      ["Inputs SHA-256", hex("input")],
      ["Outputs SHA-256", hex("output")],
      ["Receipt SHA-256", hex("receipt")],
      ["Signature", receipt.signature.bytes]]);
  } else {
    $("play-receipt-note").textContent = "The gateway sent no receipt with this answer.";
    $("play-receipt").replaceChildren();
  }
  $("play-result").hidden = false;
}

// ---- Keys & usage ------------------------------------------------------------------------------------------------

const keyPattern = /^cbr_[A-Za-z0-9_-]{16,200}$/;

function showKeyError(message) {
  $("key-error").textContent = message;
  $("key-error").hidden = !message;
}

async function useKey(event) {
  event.preventDefault();
  const key = $("key-input").value.trim();
  if (key === "") {
    showKeyError("Paste an API key first.");
    return;
  }
  if (!keyPattern.test(key)) {
    showKeyError("That is not an API key of a Cerebrum gateway: a key starts with cbr_, followed by letters, digits, '-' and '_' (43 of them as 'cerebrum gateway key create' prints it).");
    return;
  }
  $("key-use").disabled = true;
  try {
    const info = await getJson("/cloud/api/key", key);
    sessionStorage.setItem(keyStorageName, key);
    $("key-input").value = "";
    showKeyError("");
    state.key = info;
    renderKeys();
    hideBanner();
    refresh();
  } catch (e) {
    if (e.status === 401) showKeyError("This gateway does not know that key, or it was revoked.");
    else if (e.status === 429) showKeyError(`The key's rate limit is spent; try again in ${Math.max(1, e.retryAfter || 1)} s.`);
    else showKeyError(`The key could not be checked: ${e.message}`);
  } finally {
    $("key-use").disabled = false;
  }
}

function forgetKey() {
  sessionStorage.removeItem(keyStorageName);
  $("key-input").value = "";
  state.key = null;
  state.usage = null;
  hideCreatedKey();
  showKeyError("");
  renderKeys();
  refresh();
}

function renderKeys() {
  const o = state.overview;
  const info = $("key-info");
  if (o && o.open) {
    pairs(info, [["Key", "none needed: this gateway is open (started with --open, for local development)"]]);
  } else if (!storedKey()) {
    pairs(info, [["Key", "none in use in this tab"]]);
  } else if (state.key) {
    // The key itself is never shown again: only what the gateway knows about it.
    pairs(info, [["Name", state.key.name], ["Rate limit", state.key.ratePerSecond ? `${state.key.ratePerSecond} requests/s` : "unlimited"],
      ["Budget", state.key.budget ? micro(state.key.budget) : "none (no limit on spend)"], ["Created", new Date(state.key.createdAt).toLocaleString()], ["Kept", "in this tab's session storage; sent only to this gateway"]]);
  } else {
    pairs(info, [["Key", "checking…"]]);
  }
  $("key-form").hidden = !!(o && o.open);
  renderUsage();
  // The page is marked by the gateway, so that a visitor without a key (who cannot read the overview) sees the form too.
  const selfService = !(o && o.open) && (document.documentElement.dataset.selfService === "on" || !!(o && o.features.selfServiceKeys));
  $("key-create-form").hidden = !selfService;
  $("key-howto").replaceChildren(selfService
    ? el("p", { text: "This gateway hands out keys on this page, each with a rate limit and a budget in micro-CER. Name yours and create it: it is shown once, here, and never again." })
    : el("div", {},
      el("p", { text: "This gateway does not hand out keys on this page. Its operator creates them on the gateway's machine; each key is printed once, and the gateway keeps only its SHA-256:" }),
      el("pre", { class: "mono", text: "cerebrum gateway key create --name NAME --rate 10/s --data-dir DIR" })));
}

function showKeyCreateError(message) {
  $("key-create-error").textContent = message;
  $("key-create-error").hidden = !message;
}

async function createKey(event) {
  event.preventDefault();
  const name = $("key-name").value.trim();
  if (name === "") {
    showKeyCreateError("Give the key a name first.");
    return;
  }
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(name)) {
    showKeyCreateError("A key's name is 1 to 40 letters, digits, '.', '_' or '-' (no spaces).");
    return;
  }
  $("key-create").disabled = true;
  try {
    const response = await fetch("/cloud/api/keys", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name }), cache: "no-store", credentials: "omit" });
    if (!response.ok) {
      const error = await errorOf(response);
      showKeyCreateError(error.status === 429 ? `${error.message}` : `The gateway answered ${error.status}: ${error.message}`);
      return;
    }
    const created = await response.json();
    showKeyCreateError("");
    $("key-name").value = "";
    sessionStorage.setItem(keyStorageName, created.key);
    $("key-created-value").textContent = created.key;
    pairs($("key-created-info"), [["Name", created.name], ["Rate limit", `${created.ratePerSecond} requests/s`], ["Budget", micro(created.budget)]]);
    $("key-created").hidden = false;
    state.key = null;
    refresh();
  } catch (e) {
    showKeyCreateError(`The key could not be created: ${e.message}`);
  } finally {
    $("key-create").disabled = false;
  }
}

// The new key leaves the page for good: when the visitor says so, or goes to another page.
function hideCreatedKey() {
  $("key-created-value").textContent = "";
  $("key-created-info").replaceChildren();
  $("key-created").hidden = true;
}

function renderUsage() {
  const o = state.overview, target = $("usage");
  if (!o || !o.features.market) {
    target.replaceChildren(el("p", { text: "This gateway records no usage or spend per key yet: it has no market, so requests are not paid, there is nothing to count in micro-CER, and no budget applies." }));
    return;
  }
  if (o.open) {
    target.replaceChildren(el("p", { text: "This gateway is open (no API keys), so it counts no usage per key." }));
    return;
  }
  const u = state.usage;
  if (!u) {
    target.replaceChildren(el("p", { class: "dim", text: storedKey() ? "Loading usage…" : "Paste your key above to see its usage and spend." }));
    return;
  }
  const kv = el("div", { class: "kv" });
  pairs(kv, [["Requests", number(u.requests)], ["Spent", micro(u.spent)],
    ["Budget", u.budget ? micro(u.budget) : "none (no limit on spend)"], ["Remaining", u.remaining === null || u.remaining === undefined ? "–" : micro(u.remaining)]]);
  const history = u.history || [];
  const chart = (label, field, format) => {
    const deltas = history.slice(1).map((p, i) => ({ time: p.time, value: p[field] - history[i][field] }));
    const peak = Math.max(1, ...deltas.map(d => d.value));
    const bars = el("div", { class: "vector usage-chart", "data-series": field });
    for (const d of deltas) {
      const bar = el("span", { title: `${new Date(d.time).toLocaleTimeString()}: +${format(d.value)}` });
      bar.style.height = `${Math.max(2, Math.round(d.value / peak * 100))}%`;
      bars.append(bar);
    }
    return el("div", {}, el("h2", { text: label }), bars);
  };
  const span = history.length > 1 ? `${new Date(history[0].time).toLocaleTimeString()} – ${new Date(history[history.length - 1].time).toLocaleTimeString()}` : "";
  target.replaceChildren(kv, history.length > 1
    ? el("div", { class: "grid2" }, chart(`Requests over time (${span})`, "requests", number), chart(`Spend over time (${span})`, "spent", micro))
    : el("p", { class: "dim", text: "Usage over time: the gateway samples each key's figures every few seconds once it is used; the chart appears after two samples." }));
}

function noteUsage(usage) {
  state.usage = usage;
}

// ---- Leases ------------------------------------------------------------------------------------------------------

// A peer ID in its text form: base58 (no 0, O, I or l), e.g. 16Uiu2HAm… (secp256k1) or 12D3KooW… (Ed25519).
const peerIdPattern = /^[1-9A-HJ-NP-Za-km-z]{40,80}$/;

function showLeaseError(message) {
  $("lease-error").textContent = message;
  $("lease-error").hidden = !message;
}

async function watchLeases(event) {
  event.preventDefault();
  const tenant = $("lease-tenant").value.trim();
  if (tenant === "") {
    showLeaseError("Type the tenant's peer ID first.");
    return;
  }
  if (!peerIdPattern.test(tenant)) {
    showLeaseError("That is not a peer ID: it is 40 to 80 base58 characters (no 0, O, I or l), e.g. 16Uiu2HAm… as 'cerebrum status' prints it.");
    return;
  }
  try {
    state.leases = await getJson(`/cloud/api/leases?tenant=${encodeURIComponent(tenant)}`);
    state.tenant = tenant;
    showLeaseError("");
    renderLeases();
  } catch (e) {
    showLeaseError(e.status === 400 ? e.message : `The leases could not be read: ${e.message}`);
  }
}

function renderLeases() {
  const o = state.overview;
  if (!o) return;
  const market = o.features.market;
  $("lease-form").hidden = !market;
  $("lease-cli").hidden = !market;
  if (!market) {
    $("offers").replaceChildren(el("p", { text: "This network has no market yet: nodes publish no offers for exclusive rental, so there is nothing to rent here." }));
    $("leases").replaceChildren(el("p", { text: "No lease can be opened on this network yet." }));
    return;
  }
  const offers = (state.offers || []).filter(f => f.leasePricePerHour !== null && f.leasePricePerHour !== undefined);
  $("offers").replaceChildren(state.offers === null
    ? el("p", { class: "dim", text: "Loading offers…" })
    : offers.length === 0
      ? el("p", { text: "No node offers itself for exclusive rental right now." })
      : el("div", { class: "table-wrap" }, el("table", { class: "stack", id: "offers-table" },
        el("thead", {}, el("tr", {}, ["Node", "Price / hour", "Hours", "Hardware", "Models", "State"].map(h => el("th", { text: h })))),
        el("tbody", {}, offers.map(f => el("tr", { "data-peer-id": f.node },
          cellOf("Node", "", el("span", { class: "mono", title: f.node, text: short(f.node) })),
          cellOf("Price / hour", "num", micro(f.leasePricePerHour)),
          cellOf("Hours", "num", `${f.leaseMinHours} – ${f.leaseMaxHours}`),
          cellOf("Hardware", "", [f.hardware, f.region].filter(Boolean).join(" · ") || "–"),
          cellOf("Models", "", f.models.map(m => m.name || shortHash(m.hash)).join(", ") || "–"),
          cellOf("State", "", f.leasedUntil ? el("span", { class: "warn", text: `leased until ${new Date(f.leasedUntil).toLocaleString()}` }) : el("span", { class: "good", text: `free (${f.freeSlots} slots)` }))))))));
  if (!state.tenant) {
    $("leases").replaceChildren(el("p", { class: "dim", text: "Type your peer ID above to watch your leases here as the ledger records them." }));
    return;
  }
  const leases = state.leases || [];
  $("leases").replaceChildren(leases.length === 0
    ? el("p", { text: `No lease on the ledger has tenant ${short(state.tenant)}.` })
    : el("div", { class: "table-wrap" }, el("table", { class: "stack", id: "leases-table" },
      el("thead", {}, el("tr", {}, ["Lease", "Node", "Price / hour", "Prepaid", "Accrued", "Until", "State"].map(h => el("th", { text: h })))),
      el("tbody", {}, leases.map(l => el("tr", { "data-lease-id": l.id },
        cellOf("Lease", "", el("span", { class: "mono", title: l.id, text: shortHash(l.id) })),
        cellOf("Node", "", el("span", { class: "mono", title: l.node, text: short(l.node) })),
        cellOf("Price / hour", "num", micro(l.pricePerHour)),
        cellOf("Prepaid", "num", micro(l.prepaid)),
        cellOf("Accrued", "num", micro(l.accrued)),
        cellOf("Until", "", new Date(l.end).toLocaleString()),
        cellOf("State", "", el("span", { class: l.state === "active" ? "good" : "dim", text: l.state }))))))));
}

// ---- routing and refresh -----------------------------------------------------------------------------------------

function currentPage() {
  const name = location.hash.replace(/^#\/?/, "");
  return pages.includes(name) ? name : "models";
}

function showPage() {
  state.page = currentPage();
  for (const name of pages) $(`page-${name}`).hidden = name !== state.page;
  for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("active", link.dataset.page === state.page);
  document.title = `${$(`page-${state.page}`).querySelector("h1").textContent} · Cerebrum Cloud`;
  render();
  refresh();
}

function render() {
  renderSummary();
  if (state.page === "models") renderModels();
  if (state.page === "nodes") renderNodes();
  if (state.page === "playground") renderPlaygroundModels();
  if (state.page === "keys") renderKeys();
  if (state.page === "leases") renderLeases();
}

async function refresh() {
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, refreshMs);
  if (state.refreshing || document.hidden || Date.now() < state.pausedUntil) return;
  if (needsKey()) {
    // The gateway would refuse every read: ask for a key instead of sending requests it answers with 401.
    explainFailure({ status: 401 });
    if (state.page === "keys") renderKeys();
    return;
  }
  state.refreshing = true;
  try {
    const page = state.page;
    const reads = [getJson("/cloud/api/overview")];
    if (page === "models" || page === "playground") reads.push(getJson("/cloud/api/models"));
    if (page === "nodes") reads.push(getJson("/cloud/api/nodes"));
    if (page === "keys" && storedKey()) reads.push(getJson("/cloud/api/key"));
    const [overview, data] = await Promise.all(reads);
    state.overview = overview;
    if (page === "models" || page === "playground") state.models = data;
    if (page === "nodes") state.nodes = data;
    if (page === "keys") state.key = data || null;
    if (overview.features.market) {
      // The market's reads follow the overview, which says whether this gateway has a market at all.
      if (page === "leases") {
        const [offers, leases] = await Promise.all([getJson("/cloud/api/offers"),
          state.tenant ? getJson(`/cloud/api/leases?tenant=${encodeURIComponent(state.tenant)}`) : null]);
        state.offers = offers;
        state.leases = leases;
      }
      if (page === "keys" && storedKey() && !overview.open) noteUsage(await getJson("/cloud/api/usage"));
    }
    hideBanner();
    setLive(true, `live · ${new Date().toLocaleTimeString()}`);
    render();
  } catch (error) {
    if (error.status === 401 && storedKey()) {
      // The key in use was revoked (or belongs to another gateway): drop it rather than send it again.
      sessionStorage.removeItem(keyStorageName);
      state.key = null;
    }
    explainFailure(error);
    if (state.page === "keys") renderKeys();
  } finally {
    state.refreshing = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("play-form").addEventListener("submit", runPlayground);
  $("play-model").addEventListener("change", choosePlaygroundModel);
  $("key-form").addEventListener("submit", useKey);
  $("key-forget").addEventListener("click", forgetKey);
  $("key-create-form").addEventListener("submit", createKey);
  $("key-created-done").addEventListener("click", hideCreatedKey);
  $("lease-form").addEventListener("submit", watchLeases);
  window.addEventListener("hashchange", () => { hideCreatedKey(); showPage(); });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  showPage();
});
