import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, HOSTILE_NAME, sh, type Sandbox } from '../../test/helpers/sh.js'
import { asUser, hookScript, httpProbe, inDirectory, inLiveRelease, runExecutable } from './hooks.js'

let box: Sandbox | undefined
const bins: string[] = []
afterEach(() => {
  box?.cleanup()
  for (const dir of bins.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A PATH with this machine's basic tools and the given fake commands (shell scripts). */
function pathWith(fakes: Record<string, string>): string {
  const bin = mkdtempSync(join(tmpdir(), 'berth-hooks-'))
  bins.push(bin)
  for (const tool of ['sh', 'date', 'sleep', 'mkdir', 'pwd', 'cat', 'printf']) {
    symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool))
  }
  for (const [name, body] of Object.entries(fakes)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(bin, name), 0o755)
  }
  return bin
}

describe('hook commands', () => {
  it('are built from quoted directories and names around the user text', () => {
    expect(runExecutable('/srv/app/releases/1', 'deploy/restart')).toBe('cd /srv/app/releases/1 && ./deploy/restart')
    expect(runExecutable("/srv/it's", 'deploy/re start')).toBe(`cd '/srv/it'\\''s' && './deploy/re start'`)
    expect(inDirectory('/tmp/b x', 'npm ci && npm run build')).toBe(`cd '/tmp/b x' && npm ci && npm run build`)
    expect(hookScript({ cwd: '/srv/a', body: 'echo hi' })).toBe('cd /srv/a || exit 1\necho hi')
    expect(hookScript({ cwd: '/srv/a/b', create: '/srv/a', body: 'echo hi' })).toBe('mkdir -p /srv/a && cd /srv/a/b || exit 1\necho hi')
    expect(hookScript({ cwd: '/srv/a', become: 'www', body: "echo 'hi'" })).toBe(`cd /srv/a || exit 1\nexec sudo -n -E -u www -- sh -c 'echo '\\''hi'\\'''`)
    expect(asUser('-u root', 'x')).toBe(`exec sudo -n -E -u '-u root' -- sh -c x`)
    expect(inLiveRelease('/srv/app', 'uptime')).toBe('cd /srv/app/current 2>/dev/null || cd /srv/app 2>/dev/null || cd\nuptime')
    expect(httpProbe('http://x/', 1)).toContain(`url=http://x/; deadline=$(( $(date +%s) + 1 )); status=none\n`)
  })

  it('run in hostile directories and as given, running nothing they spell', () => {
    box = createSandbox()
    const dir = join(box.deployTo, 'releases', 'r')
    mkdirSync(join(dir, 'deploy'), { recursive: true })
    writeFileSync(join(dir, 'deploy', `re start ${HOSTILE_NAME}`), '#!/bin/sh\npwd > ../ran\n')
    chmodSync(join(dir, 'deploy', `re start ${HOSTILE_NAME}`), 0o755)
    const run = (text: string) => sh(text, { cwd: box!.base })
    expect(run(runExecutable(dir, `deploy/re start ${HOSTILE_NAME}`)).code).toBe(0)
    expect(readFileSync(join(box.deployTo, 'releases', 'ran'), 'utf8')).toBe(`${dir}\n`)
    expect(run(inDirectory(dir, 'pwd')).stdout).toBe(`${dir}\n`)
    // A missing directory stops the hook before the user text runs...
    expect(run(hookScript({ cwd: join(dir, 'nope'), body: 'echo ran' }))).toMatchObject({ code: 1, stdout: '' })
    // ...unless the hook may create it (`before_lock` on a fresh host).
    const fresh = join(box.base, `fresh ${HOSTILE_NAME}`)
    expect(run(hookScript({ cwd: fresh, create: fresh, body: 'pwd' }))).toMatchObject({ code: 0, stdout: `${fresh}\n` })
    expect(box.pwned()).toEqual([])
  })

  it('hands the whole hook to sudo as one argument', () => {
    box = createSandbox()
    const bin = pathWith({ sudo: 'for a in "$@"; do printf "[%s]" "$a"; done; echo' })
    const body = "echo \"it's\" $(touch pwned1); touch pwned2"
    const out = sh(hookScript({ cwd: box.base, become: `-u root ${HOSTILE_NAME}`, body }), { cwd: box.base, env: { PATH: bin } })
    expect(out.stdout).toBe(`[-n][-E][-u][-u root ${HOSTILE_NAME}][--][sh][-c][${body}]\n`)
    expect(box.pwned()).toEqual([])
  })

  it('runs ad-hoc commands in the live release, else in deployTo, else at home', () => {
    box = createSandbox()
    const run = (text: string) => sh(text, { cwd: box!.base, env: { ...process.env, HOME: box!.base } })
    expect(run(inLiveRelease(box.deployTo, 'pwd')).stdout).toBe(`${box.base}\n`)
    mkdirSync(box.deployTo)
    expect(run(inLiveRelease(box.deployTo, 'pwd')).stdout).toBe(`${box.deployTo}\n`)
    mkdirSync(join(box.deployTo, 'current'))
    expect(run(inLiveRelease(box.deployTo, 'pwd')).stdout).toBe(`${join(box.deployTo, 'current')}\n`)
    expect(box.pwned()).toEqual([])
  })

  it('probes a hostile URL as one word, with curl or else wget, until a 2xx answer', () => {
    box = createSandbox()
    const url = `http://127.0.0.1:1/${HOSTILE_NAME}$(touch pwned3)`
    // The fake curl answers 503 once, then 200; it records the URL it was given.
    const curl = pathWith({ curl: `for a in "$@"; do last=$a; done; printf '%s' "$last" > "${box.base}/url"; if [ -e "${box.base}/once" ]; then printf 200; else : > "${box.base}/once"; printf 503; fi` })
    const answered = sh(httpProbe(url, 5000), { cwd: box.base, env: { PATH: curl } })
    expect(answered).toMatchObject({ code: 0, stdout: `${url} answered 200\n` })
    expect(readFileSync(join(box.base, 'url'), 'utf8')).toBe(url)
    const wget = pathWith({ wget: 'exit 4' })
    const down = sh(httpProbe(url, 1000), { cwd: box.base, env: { PATH: wget } })
    expect(down).toMatchObject({ code: 1, stderr: `${url}: no 2xx answer after 1s\n` })
    const none = sh(httpProbe(url, 1000), { cwd: box.base, env: { PATH: pathWith({}) } })
    expect(none).toMatchObject({ code: 127, stderr: 'berth: the http check needs curl or wget on the host\n' })
    expect(box.pwned()).toEqual([])
  })
})
