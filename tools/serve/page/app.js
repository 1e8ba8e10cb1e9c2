// The evbus serve page: the streams, and for one stream its events arriving
// live (SSE read through fetch, so the bearer token can be sent), a filter,
// producers and subscribers with lag, and a chart of events/s.
'use strict';

const state = { token: sessionStorage.getItem('evbus-token') || '', stream: null, user: '',
                abort: null, rates: [], next: 0 };
const $ = (id) => document.getElementById(id);
const MAX_ROWS = 2000;

function headers() {
  return state.token ? { Authorization: 'Bearer ' + state.token } : {};
}

function setStatus(text) { $('status').textContent = text; }

async function api(path) {
  const res = await fetch(path, { headers: headers(), cache: 'no-store' });
  if (res.status === 401) { askToken(); throw new Error('token required'); }
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function askToken() {
  $('token-form').hidden = false;
  setStatus('this server needs a token');
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.token = $('token').value.trim();
  sessionStorage.setItem('evbus-token', state.token);
  $('token-form').hidden = true;
  loadStreams();
});

function query(extra) {
  const p = new URLSearchParams(extra || {});
  if (state.user) p.set('user', state.user);
  return p.toString();
}

async function loadStreams() {
  try {
    const { streams } = await api('/streams');
    const list = $('streams');
    list.textContent = '';
    for (const s of streams) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = '#' + new URLSearchParams({ stream: s.stream, user: s.user }).toString();
      a.textContent = (s.user ? s.user + '/' : '') + s.stream + (s.live ? '' : ' (stored)');
      a.dataset.stream = s.stream;
      li.appendChild(a);
      list.appendChild(li);
    }
    setStatus(streams.length + ' stream(s)');
    openFromHash();
  } catch (e) { if (e.message !== 'token required') setStatus(e.message); }
}

function eventType(ev) {
  if (ev.action) return 'action:' + ev.action;
  if (ev.observation) return 'observation:' + ev.observation;
  return 'event';
}

// What a person wants to read: an observation's content, an action's
// message or arguments.
function eventBody(ev) {
  if (ev.content) return ev.content;
  if (ev.message) return ev.message;
  if (ev.args) return JSON.stringify(ev.args);
  return JSON.stringify(ev);
}

function matches(row, text) {
  return !text || row.dataset.search.includes(text.toLowerCase());
}

function addRow(cells, cls, search) {
  const tr = document.createElement('tr');
  if (cls) tr.className = cls;
  for (const c of cells) {
    const td = document.createElement('td');
    td.textContent = c;
    tr.appendChild(td);
  }
  tr.dataset.search = search.toLowerCase();
  tr.hidden = !matches(tr, $('filter').value);
  const body = $('events').tBodies[0];
  body.appendChild(tr);
  while (body.rows.length > MAX_ROWS) body.deleteRow(0);
}

function addEvent(ev) {
  const cells = [String(ev.id), ev.timestamp || '', ev.source || '', eventType(ev), eventBody(ev)];
  addRow(cells, 'event', cells.join(' ') + ' ' + JSON.stringify(ev));
  state.next = ev.id + 1;
  state.count = (state.count || 0) + 1;
}

$('filter').addEventListener('input', () => {
  const text = $('filter').value;
  for (const row of $('events').tBodies[0].rows) row.hidden = !matches(row, text);
});

function handleFrame(frame) {
  let event = 'message', data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (!data) return;
  const body = JSON.parse(data);
  if (event === 'message') { addEvent(body); return; }
  const note = event === 'gap'
    ? 'missed ids ' + body.first_id + '..' + body.last_id + ' (too slow); resume from ' + body.resume_from
    : 'ids ' + body.first_id + '..' + body.last_id + ' are lost';
  addRow(['', '', '', event, note], 'gap', event + ' ' + note);
  if (event === 'lost') state.next = body.last_id + 1;
}

// Reads the SSE stream; reconnects from the next id when it drops.
async function live(stream, signal) {
  while (!signal.aborted) {
    try {
      const res = await fetch('/streams/' + encodeURIComponent(stream) + '/live?' +
                              query({ start_id: state.next }), { headers: headers(), signal });
      if (res.status === 401) { askToken(); return; }
      if (!res.ok) throw new Error((await res.json()).error);
      setStatus('live: ' + stream);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          handleFrame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      setStatus('reconnecting: ' + e.message);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function fillTable(id, rows, cells) {
  const body = $(id).tBodies[0];
  body.textContent = '';
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of cells(r)) tr.insertCell().textContent = String(c);
  }
}

function drawChart() {
  const c = $('chart'), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  const max = Math.max(1, ...state.rates);
  g.strokeStyle = '#3b6fd8';
  g.beginPath();
  state.rates.forEach((v, i) => {
    const x = (i / 59) * (c.width - 2) + 1, y = c.height - 1 - (v / max) * (c.height - 12);
    if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
  });
  g.stroke();
  g.fillStyle = '#1d2330';
  g.fillText(Math.round(state.rates[state.rates.length - 1] || 0) + ' events/s (max ' +
             Math.round(max) + ')', 4, 10);
}

async function refreshSnapshot(stream) {
  try {
    const snap = await api('/streams/' + encodeURIComponent(stream) + '/snapshot?' + query());
    fillTable('producers', snap.producers, (p) => [p.pid, p.alive ? 'yes' : 'no', p.events_published]);
    fillTable('subscribers', snap.subscribers, (s) => [s.name, s.pid, s.lag_events, s.gaps]);
    state.rates.push(snap.events_per_second || 0);
  } catch (e) {
    state.rates.push(0);  // a stored stream has no snapshot
  }
  if (state.rates.length > 60) state.rates.shift();
  drawChart();
}

async function openStream(stream, user) {
  if (state.abort) state.abort.abort();
  state.stream = stream; state.user = user; state.rates = []; state.next = 0;
  for (const a of document.querySelectorAll('#streams a')) {
    a.classList.toggle('selected', a.dataset.stream === stream);
  }
  $('stream-view').hidden = false;
  $('stream-title').textContent = (user ? user + '/' : '') + stream;
  $('events').tBodies[0].textContent = '';
  const abort = new AbortController();
  state.abort = abort;
  try {  // the newest 100 events, then live from the next id
    const page = await api('/streams/' + encodeURIComponent(stream) + '/events?' +
                           query({ reverse: 'true', limit: '100' }));
    for (const ev of page.events.reverse()) addEvent(ev);
  } catch (e) { setStatus(e.message); }
  live(stream, abort.signal);
}

function openFromHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const stream = p.get('stream');
  if (stream && stream !== state.stream) openStream(stream, p.get('user') || '');
}

window.addEventListener('hashchange', openFromHash);
setInterval(() => { if (state.stream) refreshSnapshot(state.stream); }, 1000);
setInterval(loadStreams, 5000);
loadStreams();
