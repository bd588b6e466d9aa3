/**
 * Templates over real SSH: the rendered file reaches every host's shared/ as a 0600 file
 * (its contents on stdin), linked into the live release; the secret it holds never shows
 * in berth's output.
 */
import { lstatSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost } from './fleet-project.js'

let fleet: Fleet
let project: Project | undefined
const NAMES = ['web1', 'web2']
const SECRET = 'fleet-secret-4d9a7e'

beforeAll(async () => {
  fleet = await startFleet({ hosts: 2 })
})
afterAll(async () => {
  project?.cleanup()
  await fleet?.stop()
})

describe('templates on the fleet', () => {
  it('land in each host\'s shared/ with mode 0600 and the rendered content, linked into the release', async () => {
    const app = 'templated'
    const extra = ['env: { PORT: 3000 }', 'secrets: [SESSION_KEY]', 'templates:', '  - { src: .env.tmpl, dest: .env }']
    project = fleetProject(fleet, { app, hosts: ['- { host: web1, roles: [web] }', '- { host: web2, roles: [web], primary: true }'], extra }, { '.env.tmpl': 'PORT=${PORT}\nSESSION_KEY=${SESSION_KEY}\n' })
    const result = await project.berth(['deploy', 'production', '-v'], { env: { SESSION_KEY: SECRET } })
    expect(result.code, all(result)).toBe(0)
    expect(all(result)).not.toContain(SECRET)
    for (const name of NAMES) {
      const host = onHost(fleet, name, app)
      const file = join(fleet.hostDir(name), app, 'shared', '.env')
      expect(host.read('shared/.env')).toBe(`PORT=3000\nSESSION_KEY=${SECRET}\n`)
      expect(lstatSync(file).mode & 0o777).toBe(0o600)
      // The link is written as the host sees it (/srv/<app>/...), read here through the host's own directory.
      expect(readlinkSync(join(fleet.hostDir(name), app, 'releases', host.live()!, '.env'))).toBe(`/srv/${app}/shared/.env`)
      expect(host.exists(`.berth/templates-${host.live()}`)).toBe(false)
    }
  })
})
