import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HOSTILE_VALUES, hostileHost } from '../../test/helpers/sh.js'
import { layoutFor } from '../release/layout.js'
import { putUpMaintenance, takeDownMaintenance } from './maintenance.js'

const layout = layoutFor('/srv/shop')
const TOKEN = '5f0c1a52-9d7e-4b1e-8c57-0f5d3f2a9b11'

describe('maintenance page commands', () => {
  it('write the page from stdin beside its name and rename it in, in a subshell', () => {
    expect(putUpMaintenance(layout, 'public/maintenance.html', null)).toBe(
      [
        '(',
        'umask 022',
        `if [ -d /srv/shop/shared/public/maintenance.html ] && [ ! -L /srv/shop/shared/public/maintenance.html ]; then echo 'berth: /srv/shop/shared/public/maintenance.html is a directory: berth puts the maintenance page there only as a file' >&2; cat > /dev/null; exit 1; fi`,
        `{ { [ -d /srv/shop/shared/public ] || mkdir -p /srv/shop/shared/public; } && cat > /srv/shop/shared/public/.maintenance.html.berth-new.$$ && mv -f -T /srv/shop/shared/public/.maintenance.html.berth-new.$$ /srv/shop/shared/public/maintenance.html; } || { rm -f /srv/shop/shared/public/.maintenance.html.berth-new.$$; cat > /dev/null; exit 1; }`,
        'rm -f /srv/shop/.berth/maintenance',
        ')',
      ].join('\n'),
    )
    expect(takeDownMaintenance(layout, 'public/maintenance.html', null)).toBe('rm -f /srv/shop/shared/public/maintenance.html && rm -f /srv/shop/.berth/maintenance')
    expect(takeDownMaintenance(layout, 'public/maintenance.html', TOKEN)).toBe(
      `if [ -f /srv/shop/.berth/maintenance ] && [ "$(cat /srv/shop/.berth/maintenance)" = ${TOKEN} ]; then rm -f /srv/shop/shared/public/maintenance.html && rm -f /srv/shop/.berth/maintenance; fi`,
    )
    expect(putUpMaintenance(layout, 'm.html', TOKEN)).toContain(`printf '%s\\n' ${TOKEN} > /srv/shop/.berth/maintenance`)
  })

  it('put up and take down a page under a hostile deploy path and page name, with hostile content, mode 0644, no temporary file left', () => {
    const { layout, run, box } = hostileHost()
    const name = "pub $(touch pwned1)/-it's `touch pwned2`.html"
    const html = `<p>${HOSTILE_VALUES.join('\n')}</p>\n`
    expect(run(putUpMaintenance(layout, name, null), Buffer.from(html))).toMatchObject({ code: 0, stderr: '' })
    const page = join(layout.shared, name)
    expect(readFileSync(page, 'utf8')).toBe(html)
    expect(statSync(page).mode & 0o777).toBe(0o644)
    expect(readdirSync(dirname(page))).toEqual([`-it's \`touch pwned2\`.html`])
    expect(run(takeDownMaintenance(layout, name, null))).toMatchObject({ code: 0, stderr: '' })
    expect(existsSync(page)).toBe(false)
    // Taking down a page that is not up is no failure.
    expect(run(takeDownMaintenance(layout, name, null)).code).toBe(0)
    expect(box.pwned()).toEqual([])
  })

  it("let a deploy take down only its own page, never one put up by hand", () => {
    const { layout, run } = hostileHost()
    const page = join(layout.shared, 'public', 'maintenance.html')
    // The deploy's own: up, and down again.
    expect(run(putUpMaintenance(layout, 'public/maintenance.html', TOKEN), Buffer.from('deploy'))).toMatchObject({ code: 0, stderr: '' })
    expect(readFileSync(page, 'utf8')).toBe('deploy')
    expect(run(takeDownMaintenance(layout, 'public/maintenance.html', 'another run')).code).toBe(0)
    expect(existsSync(page)).toBe(true)
    expect(run(takeDownMaintenance(layout, 'public/maintenance.html', TOKEN)).code).toBe(0)
    expect(existsSync(page)).toBe(false)

    // By hand first: the deploy leaves it (and says so), and does not take it down.
    expect(run(putUpMaintenance(layout, 'public/maintenance.html', null), Buffer.from('incident')).code).toBe(0)
    const deploy = run(putUpMaintenance(layout, 'public/maintenance.html', TOKEN), Buffer.alloc(1024 * 1024, 'd'))
    expect(deploy.code).toBe(0)
    expect(deploy.stderr).toMatch(/^berth: maintenance page already up by hand: .* stays as it is, and up after this deploy\n$/s)
    expect(run(takeDownMaintenance(layout, 'public/maintenance.html', TOKEN)).code).toBe(0)
    expect(readFileSync(page, 'utf8')).toBe('incident')

    // Put up by hand while a deploy's page is up: the operator's from then on.
    expect(run(takeDownMaintenance(layout, 'public/maintenance.html', null)).code).toBe(0)
    expect(run(putUpMaintenance(layout, 'public/maintenance.html', TOKEN), Buffer.from('deploy')).code).toBe(0)
    expect(run(putUpMaintenance(layout, 'public/maintenance.html', null), Buffer.from('incident 2')).code).toBe(0)
    expect(run(takeDownMaintenance(layout, 'public/maintenance.html', TOKEN)).code).toBe(0)
    expect(readFileSync(page, 'utf8')).toBe('incident 2')
  })

  it('refuse a directory where the page goes, and leave a page that cannot be written as it was', () => {
    const { layout, run } = hostileHost()
    mkdirSync(join(layout.shared, 'public', 'maintenance.html'), { recursive: true })
    // More than a pipe holds: a script that left without reading it would fail the writer (EPIPE).
    const big = Buffer.alloc(1024 * 1024, 'x')
    const refused = run(putUpMaintenance(layout, 'public/maintenance.html', null), big)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/is a directory/)
    expect(readdirSync(join(layout.shared, 'public', 'maintenance.html'))).toEqual([])

    writeFileSync(join(layout.shared, 'ro'), 'a file where a directory should be')
    const failed = run(putUpMaintenance(layout, 'ro/maintenance.html', null), big)
    expect(failed.code).not.toBe(0)
    expect(readFileSync(join(layout.shared, 'ro'), 'utf8')).toBe('a file where a directory should be')
  })
})
