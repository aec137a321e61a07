// Loopback load generator for bench/run.py: the SAME client for every server under test (a2a serve, the
// a2a-sdk baseline, the @a2a-js/sdk baseline). Node's built-in http only (no npm dependency), so it costs
// little CPU next to the server on a 2-core machine.
//
//   node loadgen.mjs load URL CLIENTS PER_CLIENT TIMEOUT_S
//       CLIENTS concurrent clients, each sending PER_CLIENT A2A 1.0 JSON-RPC SendStreamingMessage requests one
//       after the other and reading EVERY SSE event until the server ends the stream. A stream counts as ok
//       when it is HTTP 200, has no JSON-RPC error, carries at least one artifactUpdate and ends on a
//       TASK_STATE_COMPLETED status. Prints one JSON line: {ok, errors, wall_s, latencies_ms[], events, ...}.
//   node loadgen.mjs hold URL N TIMEOUT_S
//       opens N concurrent streams, waits until each has received its first event, prints {"open": n} and
//       keeps them open until a line arrives on stdin (or TIMEOUT_S passes), then aborts them all and prints
//       {"closed": n}.
// Only loopback URLs are accepted; every loop is bounded in count and time.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';

const [mode, url, ...rest] = process.argv.slice(2);
const target = new URL(url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
  console.error('loopback only');
  process.exit(2);
}

function body(id) {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'SendStreamingMessage',
    params: { message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'Tell me a story' }] } },
  });
}

// One streaming request; onEvent(obj) per SSE data payload; resolves with {status, error?} when the stream ends.
function stream(agent, id, onEvent, signal) {
  return new Promise((resolve) => {
    const payload = body(id);
    const req = http.request(
      target,
      {
        method: 'POST',
        agent,
        signal,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'a2a-version': '1.0',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          buf += chunk;
          let cut;
          while ((cut = buf.search(/\r?\n\r?\n/)) !== -1) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + (buf[cut] === '\r' ? 4 : 2));
            const data = block
              .split(/\r?\n/)
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).replace(/^ /, ''))
              .join('\n');
            if (!data) continue;
            try {
              onEvent(JSON.parse(data));
            } catch (e) {
              onEvent({ __bad: String(e) });
            }
          }
        });
        res.on('end', () => resolve({ status: res.statusCode }));
        res.on('error', (e) => resolve({ status: res.statusCode, error: String(e) }));
        res.on('aborted', () => resolve({ status: res.statusCode, error: 'aborted' }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, error: String(e.code || e) }));
    req.end(payload);
  });
}

async function load(clients, perClient, timeoutS) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const latencies = [];
  const errors = [];
  let events = 0;
  const deadline = Date.now() + timeoutS * 1000;
  const t0 = process.hrtime.bigint();
  let nextId = 1;
  async function client() {
    for (let i = 0; i < perClient && Date.now() < deadline; i++) {
      const start = process.hrtime.bigint();
      let n = 0, artifacts = 0, last = '', rpcError = null;
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), Math.max(1, deadline - Date.now()));
      const r = await stream(agent, nextId++, (ev) => {
        n++;
        if (ev.__bad) rpcError = ev.__bad;
        else if (ev.error) rpcError = JSON.stringify(ev.error).slice(0, 200);
        const res = ev.result || {};
        if (res.artifactUpdate) artifacts++;
        const st = (res.statusUpdate && res.statusUpdate.status) || (res.task && res.task.status);
        if (st) last = st.state;
      }, ac.signal);
      clearTimeout(timer);
      events += n;
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 200 || r.error || rpcError || artifacts === 0 || last !== 'TASK_STATE_COMPLETED') {
        errors.push({ status: r.status, error: r.error || rpcError || `last state ${last || 'none'}, ${artifacts} artifact events` });
      } else {
        latencies.push(ms);
      }
    }
  }
  await Promise.all(Array.from({ length: clients }, client));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  return { ok: latencies.length, errors: errors.length, error_samples: errors.slice(0, 3), wall_s: wall, events, latencies_ms: latencies };
}

async function hold(n, timeoutS) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  let opened = 0, failed = 0;
  const firstEvents = [];
  const done = [];
  for (let i = 0; i < n; i++) {
    let seen = false;
    firstEvents.push(
      new Promise((resolve) => {
        done.push(
          stream(agent, i + 1, () => {
            if (!seen) { seen = true; opened++; resolve(true); }
          }, ac.signal).then((r) => { if (!seen) { failed++; resolve(false); } return r; }),
        );
      }),
    );
  }
  const timer = setTimeout(() => ac.abort(), timeoutS * 1000);
  await Promise.race([Promise.all(firstEvents), new Promise((r) => setTimeout(r, timeoutS * 1000))]);
  process.stdout.write(JSON.stringify({ open: opened, failed }) + '\n');
  await new Promise((resolve) => {
    process.stdin.once('data', resolve);
    process.stdin.once('end', resolve);
    setTimeout(resolve, timeoutS * 1000);
  });
  ac.abort();
  clearTimeout(timer);
  await Promise.race([Promise.allSettled(done), new Promise((r) => setTimeout(r, 5000))]);
  agent.destroy();
  process.stdout.write(JSON.stringify({ closed: opened }) + '\n');
}

if (mode === 'load') {
  const [clients, perClient, timeoutS] = rest.map(Number);
  process.stdout.write(JSON.stringify(await load(clients, perClient, timeoutS)) + '\n');
} else if (mode === 'hold') {
  const [n, timeoutS] = rest.map(Number);
  await hold(n, timeoutS);
} else {
  console.error('usage: loadgen.mjs load URL CLIENTS PER_CLIENT TIMEOUT_S | hold URL N TIMEOUT_S');
  process.exit(2);
}
process.exit(0);
