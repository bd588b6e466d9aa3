import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configDir, machineId } from './identity.js'

let temp = ''
beforeEach(() => {
  temp = mkdtempSync(join(tmpdir(), 'berth-identity-'))
})
afterEach(() => rmSync(temp, { recursive: true, force: true }))

describe('configDir', () => {
  it('prefers BERTH_CONFIG_DIR, then an absolute XDG_CONFIG_HOME, then ~/.config', () => {
    const home = '/home/al'
    expect(configDir({ env: { BERTH_CONFIG_DIR: '/etc/b', XDG_CONFIG_HOME: '/x' }, home })).toBe('/etc/b')
    expect(configDir({ env: { XDG_CONFIG_HOME: '/x' }, home })).toBe('/x/berth')
    expect(configDir({ env: { XDG_CONFIG_HOME: 'relative/x' }, home })).toBe('/home/al/.config/berth')
    expect(configDir({ env: {}, home })).toBe('/home/al/.config/berth')
  })
})

describe('machineId', () => {
  it('is created once, private to the user, and the same on every later call', () => {
    const dir = join(temp, 'nested', 'berth')
    const env = { BERTH_CONFIG_DIR: dir }
    const id = machineId({ env })
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(readFileSync(join(dir, 'machine-id'), 'utf8')).toBe(`${id}\n`)
    expect(statSync(join(dir, 'machine-id')).mode & 0o777).toBe(0o600)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(machineId({ env })).toBe(id)
    expect(readdirSync(dir)).toEqual(['machine-id'])
  })

  it('is found under XDG_CONFIG_HOME or the home directory when BERTH_CONFIG_DIR is unset', () => {
    const fromXdg = machineId({ env: { XDG_CONFIG_HOME: join(temp, 'xdg') }, home: join(temp, 'home') })
    expect(readFileSync(join(temp, 'xdg', 'berth', 'machine-id'), 'utf8').trim()).toBe(fromXdg)
    const fromHome = machineId({ env: {}, home: join(temp, 'home') })
    expect(readFileSync(join(temp, 'home', '.config', 'berth', 'machine-id'), 'utf8').trim()).toBe(fromHome)
    expect(fromHome).not.toBe(fromXdg)
  })

  it('keeps an id already there and replaces a damaged one', () => {
    writeFileSync(join(temp, 'machine-id'), 'kept-0001-id\n')
    expect(machineId({ env: { BERTH_CONFIG_DIR: temp } })).toBe('kept-0001-id')
    writeFileSync(join(temp, 'machine-id'), '')
    const fresh = machineId({ env: { BERTH_CONFIG_DIR: temp } })
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/)
    expect(readFileSync(join(temp, 'machine-id'), 'utf8').trim()).toBe(fresh)
  })

  it('is undefined, without throwing, when the directory cannot be made', () => {
    writeFileSync(join(temp, 'a-file'), '')
    expect(machineId({ env: { BERTH_CONFIG_DIR: join(temp, 'a-file', 'berth') } })).toBeUndefined()
  })
})
