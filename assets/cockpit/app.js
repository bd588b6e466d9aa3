// berth ui: the page's script. Plain JavaScript, no framework, no build step. Every value
// from the server is written with textContent, never parsed as HTML. The token from the
// page's address goes with every request (a header for fetch, ?token= for the event stream).
const token = new URLSearchParams(location.search).get('token') ?? ''
const $ = (id) => document.getElementById(id)
let fleet = null
let running = false

/** An element with text and optional class; children appended as given. */
function el(tag, text, className, ...children) {
  const node = document.createElement(tag)
  if (text !== undefined && text !== null) node.textContent = String(text)
  if (className) node.className = className
  node.append(...children)
  return node
}

async function api(path, body) {
  const init = { headers: { 'x-berth-token': token } }
  if (body !== undefined) Object.assign(init, { method: 'POST', body: JSON.stringify(body), headers: { ...init.headers, 'content-type': 'application/json' } })
  const response = await fetch(path, init)
  const data = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }))
  return { ok: response.ok, status: response.status, data }
}

const shortSha = (sha) => (typeof sha === 'string' ? sha.slice(0, 12) : '')
const when = (at) => (at ? new Date(at).toLocaleString() : '')
function duration(ms) {
  if (typeof ms !== 'number') return ''
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** The release most readable hosts are on: hosts elsewhere are flagged. */
function majorityCurrent(hosts) {
  const counts = new Map()
  for (const host of hosts) if (host.ok) counts.set(host.current, (counts.get(host.current) ?? 0) + 1)
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]
}

function hostState(host) {
  if (host.currentKind === 'live') return host.releases.find((r) => r.id === host.current)?.state ?? 'unknown'
  return { none: 'no release live', broken: 'current is broken', directory: 'current is a directory', foreign: `current: ${host.currentLink}` }[host.currentKind] ?? host.currentKind
}

function renderHosts(data) {
  const body = $('hosts').tBodies[0]
  const shared = majorityCurrent(data.hosts)
  body.replaceChildren(
    ...data.hosts.map((host) => {
      const name = el('th', host.name, '', el('div', host.roles.join(', '), 'muted'))
      name.scope = 'row'
      if (!host.ok) {
        const cell = el('td', `could not be read: ${host.error.message}${host.error.hint ? ` (${host.error.hint})` : ''}`, 'bad')
        cell.colSpan = 5
        return el('tr', null, '', name, cell)
      }
      const differs = data.disagree && host.current !== shared
      const live = el('td', null, 'mono', host.current ?? el('span', '—', 'muted'))
      if (differs) live.append(el('span', 'differs', 'badge warn'))
      const lock = host.lock ? `locked by ${host.lock.holder}${host.lock.reason ? ` “${host.lock.reason}”` : ''}${host.lock.stale ? ' (stale)' : ''}` : 'free'
      const last = host.lastDeploy ? `${host.lastDeploy.kind} ${host.lastDeploy.result ?? ''}, ${when(host.lastDeploy.at)}` : '—'
      const state = hostState(host)
      return el(
        'tr',
        null,
        differs ? 'differs' : '',
        name,
        live,
        el('td', host.recordUnreadable ? '(record unreadable)' : shortSha(host.revision) || '—', 'mono'),
        el('td', state, state === 'active' ? 'ok' : state === 'failed' || state.startsWith('current') ? 'bad' : ''),
        el('td', lock, host.lock ? 'bad' : 'muted'),
        el('td', last, host.lastDeploy?.result === 'failed' ? 'bad' : ''),
      )
    }),
  )
  const drift = $('drift')
  drift.hidden = !data.disagree
  if (data.disagree) {
    const on = new Map()
    for (const host of data.hosts) if (host.ok) on.set(host.current ?? 'no release', [...(on.get(host.current ?? 'no release') ?? []), host.name])
    drift.textContent = `Hosts disagree: ${[...on.entries()].map(([release, names]) => `${names.join(', ')} on ${release}`).join('; ')}.`
  }
}

function renderReleases(data) {
  const hosts = data.hosts.filter((h) => h.ok)
  const head = $('releases').tHead.rows[0]
  head.replaceChildren(el('th', 'Release'), el('th', 'Revision'), ...hosts.map((h) => el('th', h.name)), el('th', '', '', el('span', 'Actions', 'visually-hidden')))
  for (const th of head.cells) th.scope = 'col'
  const ids = [...new Set(hosts.flatMap((h) => h.releases.map((r) => r.id)))].sort().reverse()
  $('releases').tBodies[0].replaceChildren(
    ...ids.map((id) => {
      const on = hosts.map((h) => h.releases.find((r) => r.id === id))
      const revision = on.find((r) => r?.revision)?.revision
      const cells = hosts.map((h, i) => {
        const release = on[i]
        if (!release) return el('td', '—', 'muted')
        const cell = el('td', release.state, release.state === 'failed' ? 'bad' : '')
        if (h.current === id) cell.append(el('span', 'live', 'badge live'))
        return cell
      })
      const isLiveEverywhere = hosts.every((h) => h.current === id)
      const canReturn = !isLiveEverywhere && on.every((r) => r && r.state !== 'failed' && r.state !== 'unreadable')
      const action = el('td')
      if (canReturn) {
        const button = el('button', 'Roll back to this…', 'small')
        button.type = 'button'
        button.dataset.release = id
        button.setAttribute('aria-label', `Roll back to ${id}`)
        button.disabled = running
        button.addEventListener('click', () => openConfirm('rollback', id))
        action.append(button)
      }
      return el('tr', null, '', el('td', id, 'mono'), el('td', shortSha(revision), 'mono'), ...cells, action)
    }),
  )
}

function renderHistory(data) {
  $('history').tBodies[0].replaceChildren(
    ...data.history.map((entry) => {
      const who = [entry.user, entry.machine].filter(Boolean).join('@')
      const release = entry.kind === 'rollback' && entry.from ? `${entry.from} → ${entry.release ?? ''}` : (entry.release ?? '')
      return el(
        'tr',
        null,
        '',
        el('td', when(entry.at)),
        el('td', entry.kind),
        el('td', who),
        el('td', [entry.ref, shortSha(entry.sha).slice(0, 7)].filter(Boolean).join(' '), 'mono'),
        el('td', release, 'mono'),
        el('td', entry.result ?? '', entry.result === 'success' ? 'ok' : entry.result === 'failed' ? 'bad' : ''),
        el('td', duration(entry.durationMs)),
      )
    }),
  )
  const unreadable = $('history-unreadable')
  unreadable.hidden = data.historyUnreadable.length === 0
  unreadable.textContent = `History could not be read from ${data.historyUnreadable.join(', ')}.`
}

function setButtons() {
  $('deploy').disabled = running || fleet === null
  $('rollback').disabled = running || fleet === null
  for (const button of document.querySelectorAll('#releases button')) button.disabled = running
}

async function refresh() {
  $('fleet-state').textContent = 'Reading the fleet…'
  $('refresh').disabled = true
  try {
    const { ok, data } = await api('api/fleet')
    if (!ok) throw new Error(data.error ?? 'the fleet could not be read')
    fleet = data
    document.title = `berth · ${data.app} · ${data.environment}`
    $('app').textContent = data.app
    $('environment').textContent = data.environment
    running = data.run !== null && data.run.done === null
    renderHosts(data)
    renderReleases(data)
    renderHistory(data)
    const unread = data.hosts.filter((h) => !h.ok).length
    $('fleet-state').textContent = `${data.hosts.length} host${data.hosts.length === 1 ? '' : 's'} read at ${new Date().toLocaleTimeString()}${unread ? `, ${unread} could not be read` : ''}`
  } catch (error) {
    $('fleet-state').textContent = `Could not read the fleet: ${error.message}`
  } finally {
    $('refresh').disabled = false
    setButtons()
  }
}

/** One line of progress for one `--json` event (README, "The web page"). */
function describe(event) {
  const on = event.host ? `${event.host}: ` : ''
  switch (event.kind) {
    case 'run:start': return [`${event.command} ${event.environment} on ${event.hosts.join(', ')}${event.release ? `: ${event.release}` : ''}`]
    case 'step:start': return [`${event.step}…`]
    case 'step:done': return [`${event.step} done (${duration(event.durationMs)})`, 'done']
    case 'host:step': return event.status === 'failed' ? [`${on}${event.step} failed: ${event.error?.message ?? ''}`, 'failed'] : null
    case 'hook:start': return [`${on}${event.hook}: ${event.command}`]
    case 'hook:done': return [`${on}${event.hook} done (${duration(event.durationMs)})`, 'done']
    case 'tag:made': return [`tagged ${event.sha.slice(0, 7)} as ${event.tag}${event.pushedTo ? `, pushed to ${event.pushedTo}` : ''}`, 'done']
    case 'maintenance:page': return [`${on}maintenance page ${event.page}`]
    case 'output': return [`${event.host} | ${event.line}`]
    case 'log': return [`${on}${event.message}`, event.level === 'warn' ? 'warn' : '']
    case 'lock:broken': return [`${on}lock of ${event.holder} broken: ${event.why}`, 'warn']
    case 'release:switched': return [`${on}current ${event.from ?? '(none)'} → ${event.to}`, 'done']
    case 'release:removed': return [`${on}removed ${event.release}`]
    case 'upload:progress': return null
    case 'run:summary': return [`${event.command} ${event.ok ? 'succeeded' : 'failed'} in ${duration(event.durationMs)}: ${event.destructive}`, event.ok ? 'done' : 'failed']
    default: return [event.kind]
  }
}

function follow() {
  const stream = new EventSource(`api/events?token=${encodeURIComponent(token)}`)
  // The browser reconnects by itself; meanwhile the page says it is not live.
  stream.addEventListener('error', () => {
    $('fleet-state').textContent = 'Not connected to berth ui: is it still running?'
  })
  stream.addEventListener('open', () => {
    if (fleet !== null) void refresh()
  })
  stream.addEventListener('start', (message) => {
    const run = JSON.parse(message.data)
    running = true
    setButtons()
    $('run').hidden = false
    $('progress').replaceChildren()
    $('run-state').textContent = `${run.action === 'deploy' ? 'Deploy' : 'Rollback'} running…`
  })
  stream.addEventListener('berth', (message) => {
    const line = describe(JSON.parse(message.data))
    if (line === null) return
    const list = $('progress')
    list.append(el('li', line[0], line[1]))
    list.scrollTop = list.scrollHeight
  })
  stream.addEventListener('end', (message) => {
    const end = JSON.parse(message.data)
    const what = end.action === 'deploy' ? 'Deploy' : 'Rollback'
    const state = $('run-state')
    state.textContent = end.ok ? `${what} succeeded.` : `${what} failed${end.error ? `: ${end.error.message}${end.error.hint ? ` (${end.error.hint})` : ''}` : '.'}`
    state.className = end.ok ? 'ok' : 'bad'
    running = false
    setButtons()
    void refresh()
  })
}

let pending = null
function openConfirm(action, to) {
  if (fleet === null) return
  pending = { action, to }
  const env = fleet.environment
  const hosts = fleet.hosts.length
  $('confirm-title').textContent = action === 'deploy' ? `Deploy ${env}` : `Roll back ${env}`
  $('confirm-text').textContent =
    action === 'deploy'
      ? `Deploys ${fleet.ref === 'HEAD' ? 'the commit checked out here (HEAD)' : fleet.ref} to ${hosts} host${hosts === 1 ? '' : 's'}.`
      : to
        ? `Switches ${hosts === 1 ? 'the host' : `all ${hosts} hosts`} to ${to}.`
        : `Switches ${hosts === 1 ? 'the host' : `all ${hosts} hosts`} back to the previous release.`
  $('confirm-env').textContent = env
  $('confirm-go').textContent = action === 'deploy' ? 'Deploy' : 'Roll back'
  $('confirm-input').value = ''
  $('confirm-error').textContent = ''
  $('confirm-go').disabled = true
  $('confirm').showModal()
}

$('confirm-input').addEventListener('input', () => {
  $('confirm-go').disabled = fleet === null || $('confirm-input').value !== fleet.environment
})
$('confirm-cancel').addEventListener('click', () => $('confirm').close())
$('confirm-form').addEventListener('submit', async (submit) => {
  submit.preventDefault()
  if (pending === null || fleet === null || $('confirm-input').value !== fleet.environment) return
  $('confirm-go').disabled = true
  const body = { confirm: $('confirm-input').value, ...(pending.to ? { to: pending.to } : {}) }
  const { ok, data } = await api(`api/${pending.action}`, body)
  if (ok) $('confirm').close()
  else {
    $('confirm-error').textContent = data.error ?? 'refused'
    $('confirm-go').disabled = false
  }
})
$('refresh').addEventListener('click', () => void refresh())
$('deploy').addEventListener('click', () => openConfirm('deploy'))
$('rollback').addEventListener('click', () => openConfirm('rollback'))

follow()
void refresh()
