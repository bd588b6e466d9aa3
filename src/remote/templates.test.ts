import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buffer } from 'node:stream/consumers'
import { describe, expect, it } from 'vitest'
import { hostileHost } from '../../test/helpers/sh.js'
import { tarOf } from '../delivery/tar-entries.js'
import { layoutFor } from '../release/layout.js'
import { ensureLayout } from './directories.js'
import { installTemplates } from './templates.js'

const A = '20260101T000000-aaaaaaa'

const archive = (...contents: string[]): Promise<Buffer> => buffer(tarOf(contents.map((content, i) => ({ name: String(i), mode: 0o600, content }))))

describe('templates into shared/', () => {
  it('unpack stdin privately, copy each beside its dest, rename it in, and always remove the copies', () => {
    const script = installTemplates(layoutFor('/srv/shop'), A, ['config/database.yml'])
    expect(script).toContain(`rm -rf /srv/shop/.berth/templates-${A} && mkdir -m 700 /srv/shop/.berth/templates-${A} && tar -x -f - --no-same-owner -C /srv/shop/.berth/templates-${A}`)
    expect(script).toContain(`if [ -L /srv/shop/shared/config ]; then echo`)
    const beside = `/srv/shop/shared/config/.database.yml.berth-${A}`
    expect(script).toContain(`rm -f ${beside} && : > ${beside} && chmod 600 ${beside} && cat /srv/shop/.berth/templates-${A}/0 >> ${beside} && mv -f -T ${beside} /srv/shop/shared/config/database.yml`)
    expect(script.endsWith(`berth_status=$?\nrm -rf /srv/shop/.berth/templates-${A} ${beside}\n[ "$berth_status" -eq 0 ] || exit "$berth_status"`)).toBe(true)
    expect(installTemplates(layoutFor('/srv/shop'), A, [])).toBe('')
  })

  it('write 0600 files under hostile paths, replacing what was there (a symlink included) and nothing else', async () => {
    const { layout, run, box } = hostileHost()
    expect(run(ensureLayout(layout)).code).toBe(0)
    const dests = ["config/it's $(touch pwned3).yml", '-n', 'deep/er/*.env']
    const elsewhere = join(box.base, 'elsewhere')
    writeFileSync(elsewhere, 'KEEP')
    symlinkSync(elsewhere, join(layout.shared, '-n'))
    const result = run(installTemplates(layout, A, dests), await archive('password: s3cret\n', 'N=1\n', 'X=`y`\n'))
    expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' })
    expect(readFileSync(join(layout.shared, dests[0]!), 'utf8')).toBe('password: s3cret\n')
    expect(readFileSync(join(layout.shared, dests[2]!), 'utf8')).toBe('X=`y`\n')
    for (const dest of dests) {
      expect(lstatSync(join(layout.shared, dest)).isFile()).toBe(true)
      expect(lstatSync(join(layout.shared, dest)).mode & 0o777).toBe(0o600)
    }
    expect(readFileSync(elsewhere, 'utf8')).toBe('KEEP')
    expect(readdirSync(layout.berth)).not.toContain(`templates-${A}`)
    expect(readdirSync(join(layout.shared, 'config'))).toEqual([dests[0]!.split('/')[1]])
    expect(box.pwned()).toEqual([])
  })

  it('refuse a dest under a symlink in shared/ or one that is a directory, writing nothing and leaving no copy', async () => {
    const { layout, run, box } = hostileHost()
    expect(run(ensureLayout(layout)).code).toBe(0)
    const outside = join(box.base, 'outside')
    mkdirSync(outside)
    symlinkSync(outside, join(layout.shared, 'config'))
    const through = run(installTemplates(layout, A, ['config/database.yml']), await archive('secret'))
    expect(through.code).toBe(68)
    expect(through.stderr).toContain('template config/database.yml: shared/config is a symlink')
    expect(readdirSync(outside)).toEqual([])

    mkdirSync(join(layout.shared, 'app.env'))
    const onDirectory = run(installTemplates(layout, A, ['app.env']), await archive('secret'))
    expect(onDirectory.code).toBe(1)
    expect(onDirectory.stderr).toContain('shared/app.env is a directory')
    expect(readdirSync(join(layout.shared, 'app.env'))).toEqual([])
    expect(existsSync(join(layout.berth, `templates-${A}`))).toBe(false)
    expect(readdirSync(layout.shared).filter((name) => name.includes('.berth-'))).toEqual([])
  })
})
