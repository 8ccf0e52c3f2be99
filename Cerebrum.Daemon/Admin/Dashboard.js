"use strict";
// Every value shown comes from the daemon's admin API (some of it from remote peers), so it is only ever set as text.
const refreshMs = 3000;
const $ = id => document.getElementById(id);

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fillRows(tbody, rows, emptyText, columns) {
  tbody.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = cell(emptyText, "dim");
    td.colSpan = columns;
    tr.append(td);
    tbody.append(tr);
    return;
  }
  for (const cells of rows) {
    const tr = document.createElement("tr");
    tr.append(...cells);
    tbody.append(tr);
  }
}

function fillPairs(container, pairs) {
  container.replaceChildren();
  for (const [key, value] of pairs) {
    const k = document.createElement("div");
    k.textContent = key;
    const v = document.createElement("div");
    v.textContent = value;
    container.append(k, v);
  }
}

function duration(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60), s = Math.floor(seconds % 60);
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

const short = id => id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id;

// The session's second half. The login link's redirect hands it over in the URL fragment (which no request carries); it
// is kept in this origin's storage (scheme, host and port), so another server on this machine, which the browser sends
// the session cookie to as well, never sees it, and sent to this daemon alone, in a header.
const pageKeyName = "cerebrum-dashboard-page-key";
{
  const handed = /^#session=([0-9a-f]{64})$/.exec(location.hash);
  if (handed) {
    localStorage.setItem(pageKeyName, handed[1]);
    history.replaceState(null, "", location.pathname);
  }
}

function request(path) {
  return fetch(path, { credentials: "same-origin", cache: "no-store", headers: { "X-Cerebrum-Dashboard": localStorage.getItem(pageKeyName) || "" } });
}

async function getJson(path) {
  const response = await request(path);
  if (response.status === 401) throw new Error("signed out: run 'cerebrum dashboard' for a new link");
  if (response.status === 404 || response.status === 503) return null; // /models outside node mode, /chain/status without a ledger
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return parseJsonExactly(await response.text());
}

// The admin API writes 64-bit integers (micro-CER amounts) as JSON numbers, exact in the text; JSON.parse would round any
// beyond 2^53 to the nearest double. So such integers are read as decimal strings instead: the regular expression walks
// the JSON's strings (taken whole, so digits inside them are left alone) and numbers, and quotes the unsafe integers.
const jsonStringOrNumber = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
function parseJsonExactly(text) {
  return JSON.parse(text.replace(jsonStringOrNumber, token =>
    /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"${token}"` : token));
}

async function getText(path) {
  const response = await request(path);
  return response.ok ? response.text() : "";
}

// Mean latency per model from the Prometheus histogram's _sum and _count.
function modelLatencies(metrics) {
  const sums = new Map(), counts = new Map();
  const pattern = /^cerebrum_inference_duration_seconds_(sum|count)\{model="((?:[^"\\]|\\.)*)"\} (\S+)$/;
  for (const line of metrics.split("\n")) {
    const match = pattern.exec(line);
    if (!match) continue;
    const model = match[2].replace(/\\(.)/g, (_, c) => c === "n" ? "\n" : c);
    (match[1] === "sum" ? sums : counts).set(model, Number(match[3]));
  }
  const means = new Map(), completed = new Map();
  for (const [model, count] of counts) {
    completed.set(model, count);
    if (count > 0) means.set(model, sums.get(model) / count);
  }
  return { means, completed };
}

// Amounts are integer micro-CER (a number, or a decimal string beyond 2^53: see parseJsonExactly), added up exactly as
// BigInt and shown as they are, grouped by thousands (1 CER = 1,000,000 micro-CER).
const microCer = n => `${BigInt(n).toLocaleString("en-US")} µCER`;
const sum = (rows, pick) => rows.reduce((total, row) => total + BigInt(pick(row)), 0n);
const unclaimed = c => { const owed = BigInt(c.paid) - BigInt(c.claimed); return owed > 0n ? owed : 0n; };

function showMarket(channels, leases) {
  const market = channels !== null && leases !== null;
  for (const id of ["market-section", "channels-section", "leases-section"]) $(id).hidden = !market;
  if (!market) return;
  $("channel-count").textContent = String(channels.length);
  fillRows($("channels"), channels.map(c => [
    cell(short(c.id), "mono"), cell(c.role === "payer" ? "payer (we pay)" : "node (paid to us)"),
    cell(short(c.role === "payer" ? c.node : c.payer), "mono"), cell(microCer(c.deposit), "num"), cell(microCer(c.paid), "num"),
    cell(microCer(c.claimed), "num"), cell(c.settleAt ? `${c.state} (settles ${new Date(c.settleAt).toLocaleString()})` : c.state)]),
    "no payment channel", 7);
  $("lease-count").textContent = String(leases.length);
  fillRows($("leases"), leases.map(l => [
    cell(short(l.id), "mono"), cell(l.role), cell(short(l.role === "tenant" ? l.node : l.tenant), "mono"), cell(String(l.hours), "num"),
    cell(microCer(l.pricePerHour), "num"), cell(microCer(l.prepaid), "num"), cell(microCer(l.accrued), "num"),
    cell(new Date(l.end).toLocaleString()), cell(l.state)]),
    "no lease", 9);
  const asNode = channels.filter(c => c.role === "node"), asPayer = channels.filter(c => c.role === "payer");
  const leasedOut = leases.filter(l => l.role === "node"), rented = leases.filter(l => l.role === "tenant");
  // Claimed amounts are what the ledger paid out of the channels (the take is deducted from them on the way).
  fillPairs($("earnings"), [
    ["Earned: channels claimed", microCer(sum(asNode, c => c.claimed))],
    ["Earned: vouchers not yet claimed", microCer(sum(asNode, unclaimed))],
    ["Earned: leases accrued", microCer(sum(leasedOut, l => l.accrued))],
    ["Spent: vouchers signed", microCer(sum(asPayer, c => c.paid))],
    ["Spent: deposits in open channels", microCer(sum(asPayer.filter(c => c.state !== "settled"), c => c.deposit))],
    ["Spent: leases accrued (of prepaid)", `${microCer(sum(rented, l => l.accrued))} of ${microCer(sum(rented, l => l.prepaid))}`]]);
}

async function refresh() {
  try {
    // The modes say which endpoints exist here, so the page asks for no endpoint this daemon does not serve.
    const status = await getJson("/status");
    const modes = status.modes ?? [];
    const [peers, models, jobs, chain, metrics, nodes, routes] = await Promise.all([
      getJson("/peers"), modes.includes("node") ? getJson("/models") : null, modes.includes("node") ? getJson("/jobs") : null,
      getJson("/chain/status"), getText("/metrics"), getJson("/nodes"), modes.includes("gateway") ? getJson("/gateway/routes") : null]);
    // The market: this daemon's channels and leases (the records `cerebrum channel list` and `lease list` print), with a ledger only.
    const [channels, leases] = chain === null ? [null, null] : await Promise.all([getJson("/market/channels"), getJson("/market/leases")]);
    // Consensus health: every daemon with the ledger can tally the commits; a validator also shows the round it plays.
    const consensus = chain === null ? null : await getJson("/chain/consensus");
    const checks = modes.includes("validator") ? await getJson("/validator/checks") : null;
    $("peer-id").textContent = status.peerId;
    $("agent").textContent = status.agentVersion;
    $("modes").textContent = status.modes && status.modes.length ? status.modes.join(", ") : "network only";
    $("uptime").textContent = duration(status.uptimeSeconds);
    fillPairs($("overview"), [
      ["Peer ID", status.peerId], ["Started", new Date(status.startedAt).toLocaleString()],
      ["Connected peers", String(status.connectedPeers)], ["Agent", status.agentVersion],
      ...(status.reachability ? [
        ["Reachability", status.reachability.status + (status.reachability.relays.length ? ` (through ${status.reachability.relays.map(short).join(", ")})` : "")],
        ["Connections", `${status.reachability.directConnections} direct, ${status.reachability.relayedConnections} relayed`]] : [])]);
    $("listen").replaceChildren(...status.listenAddrs.map(a => { const div = document.createElement("div"); div.textContent = a; return div; }));

    $("peer-count").textContent = String(peers.length);
    fillRows($("peers"), peers.map(p => [
      cell(short(p.peerId), "mono"), cell(p.address, "mono"), cell(p.relayed ? `${p.direction}, relayed` : p.direction), cell(p.agentVersion ?? "?"),
      cell(p.latencyMs == null ? "–" : `${p.latencyMs.toFixed(1)} ms`, "num"), cell(new Date(p.openedAt).toLocaleTimeString())]), "no peers", 6);

    const latency = modelLatencies(metrics);
    fillRows($("models"), (models ?? []).map(m => [
      cell(m.name), cell(short(m.hash), "mono"), cell(String(m.queueDepth), "num"), cell(`${m.running} / ${m.maxConcurrency}`, "num"),
      cell(String(latency.completed.get(m.name) ?? 0), "num"),
      cell(latency.means.has(m.name) ? `${(latency.means.get(m.name) * 1000).toFixed(1)} ms` : "–", "num")]),
      models === null ? "not in node mode" : "no model served", 6);

    fillPairs($("jobs"), jobs === null ? [["", "not in node mode"]] : [
      ["Served", String(jobs.served)], ["In flight", String(jobs.inFlight)],
      ...Object.entries(jobs.failed).map(([kind, count]) => [`Failed: ${kind}`, String(count)])]);

    fillPairs($("chain"), chain === null ? [["", "ledger off (no genesis)"]] : [
      ["Chain", chain.chainId], ["Height", String(chain.height)], ["Syncing", chain.syncing ? "yes" : "no"],
      ["Pending transactions", String(chain.pendingTransactions)], ["Validator", chain.isValidator ? "yes" : "no"],
      ["Last block", new Date(chain.time).toLocaleString()]]);

    const validatorMode = modes.includes("validator");
    $("consensus-section").hidden = consensus === null;
    $("checks-section").hidden = !validatorMode;
    if (consensus !== null) {
      const self = consensus.validators.find(v => v.self);
      const pairs = [["Committed height", String(consensus.height)]];
      if (validatorMode) pairs.push(
        ["Deciding", consensus.decidingHeight == null ? "no consensus running (syncing, or not in the validator set)" : `height ${consensus.decidingHeight}, round ${consensus.round}`],
        ["This validator", self ? `${self.missed} missed of the last ${self.expected} commits` : "not in the validator set of these blocks"]);
      pairs.push(["Blocks tallied", consensus.to === 0 ? "none yet" : `${consensus.from} to ${consensus.to}`]);
      fillPairs($("consensus"), pairs);
      fillRows($("participation"), consensus.validators.map(v => [
        cell(`${short(v.peerId)}${v.self ? " (this daemon)" : ""}`, "mono"), cell(String(v.power), "num"), cell(`${v.signed} / ${v.expected}`, "num"),
        cell(String(v.missed), v.missed > 0 ? "num bad" : "num"), cell(v.lastSigned == null ? "–" : String(v.lastSigned), "num")]),
        "no block committed yet", 5);
    }

    if (checks !== null) {
      const figures = c => [c.throughputMflops ? `${c.throughputMflops} MFLOP/s${c.throughputPermille ? ` (${c.throughputPermille / 10} % of claim)` : ""}` : "",
        c.rttMicros ? `rtt ${(c.rttMicros / 1000).toFixed(2)} ms` : "", c.probesSent ? `probes ${c.probesAnswered}/${c.probesSent}` : "",
        c.canaryPassed || c.canaryFailed ? `canaries ${c.canaryPassed} passed, ${c.canaryFailed} failed` : "", c.detail].filter(Boolean).join(" · ");
      const verdictClass = v => v === "pass" ? "ok" : "bad";
      const tally = kind => {
        const runs = checks.checks.filter(c => c.kind === kind);
        return runs.length === 0 ? "none lately" : `${runs.filter(c => c.verdict === "pass").length} passed of ${runs.length}`;
      };
      fillPairs($("checks"), [["Hardware challenges", tally("hardware")], ["Latency probes", tally("latency")], ["Canary jobs", tally("canary")],
        ["Receipts re-executed", tally("receipt")], ["Attestations on the ledger", String(checks.attestations.length)]]);
      fillRows($("check-rows"), checks.checks.slice(0, 30).map(c => [
        cell(new Date(c.time).toLocaleTimeString()), cell(short(c.node), "mono"), cell(c.kind), cell(c.verdict, verdictClass(c.verdict)),
        cell(c.height ? String(c.height) : "–", "num"), cell(figures(c), "wrap")]), "no check run yet (a validator checks registered nodes)", 6);
      fillRows($("attestation-rows"), checks.attestations.slice(0, 30).map(a => [
        cell(short(a.node), "mono"), cell(a.kind), cell(a.verdict, verdictClass(a.verdict)), cell(String(a.height), "num"),
        cell(figures(a), "wrap")]), "no attestation of this validator on the ledger yet", 5);
    }

    $("node-count").textContent = String((nodes ?? []).length);
    fillRows($("nodes"), (nodes ?? []).map(n => [
      cell(short(n.peerId), "mono"), cell(n.models.map(m => m.name || short(m.hash)).join(", ") || "–"),
      cell(String(n.freeSlots), "num"), cell(String(n.queueDepth), "num"), cell(String(n.pricePerRequest), "num"),
      cell(`${Math.max(0, Math.round((Date.now() - new Date(n.receivedAt)) / 1000))} s ago`, "num")]), "no node heard on cerebrum/1/status", 6);

    fillRows($("routes"), (routes ?? []).map(r => [
      cell(r.model), cell(short(r.peerId), "mono"), cell(String(r.outstanding), "num"), cell(`${r.latencyMs.toFixed(1)} ms`, "num"),
      cell(String(r.served), "num"), cell(String(r.failed), "num"), cell(r.available ? r.circuit : `${r.circuit} (unavailable)`)]),
      routes === null ? "not in gateway mode" : "no route yet", 7);

    showMarket(channels, leases);

    fillRows($("topics"), (status.pubSub ?? []).map(t => [
      cell(t.topic, "mono"), cell(String(t.meshPeers), "num"), cell(String(t.topicPeers), "num"), cell(String(t.messagesReceived), "num")]), "no topic joined", 4);

    $("state").textContent = `updated ${new Date().toLocaleTimeString()}`;
    $("state").className = "ok";
  } catch (error) {
    $("state").textContent = error.message;
    $("state").className = "bad";
  }
}

refresh();
setInterval(refresh, refreshMs);
