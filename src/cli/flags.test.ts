import { describe, expect, it } from 'vitest'
import { parseCount, parseFlags, parseList, parseLockWait, parsePort, parseRef } from './flags.js'

const typed = (values: Record<string, string[]>) => new Map(Object.entries(values))

describe('parseCount', () => {
  it('takes a whole number ≥ 1', () => {
    expect(parseCount('concurrency', '4')).toBe(4)
    expect(parseCount('concurrency', undefined)).toBeUndefined()
  })
  it.each(['abc', '0', '-1', '1.5', '', '1e3', '0x10', 'Infinity', '99999999999999999999'])('refuses %j with exit 2', (value) => {
    expect(() => parseCount('concurrency', value)).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 2, message: expect.stringContaining('--concurrency') }))
  })
})

describe('parsePort', () => {
  it('takes 0 (a free port) to 65535', () => {
    expect(parsePort('0')).toBe(0)
    expect(parsePort('8080')).toBe(8080)
    expect(parsePort('65535')).toBe(65535)
  })
  it.each(['65536', '-1', 'http', '', '80.5', '1e3'])('refuses %j with exit 2', (value) => {
    expect(() => parsePort(value)).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 2, message: expect.stringContaining('--port') }))
  })
})

describe('parseLockWait', () => {
  it('reads a duration', () => expect(parseLockWait('1m30s')).toBe(90_000))
  it.each(['xyz', '', '5', '-5m'])('refuses %j', (value) => expect(() => parseLockWait(value)).toThrow(/--lock-wait .* is not a duration/))
})

describe('parseRef', () => {
  it('keeps a ref exactly as typed', () => {
    expect(parseRef('202612.10')).toBe('202612.10')
    expect(parseRef('0777')).toBe('0777')
    expect(parseRef('release/v1.2')).toBe('release/v1.2')
  })
  it.each(['', '-oops', '--upload-pack=touch /tmp/x', 'a b', 'a\nb', 'tab\there'])('refuses %j', (value) => {
    expect(() => parseRef(value)).toThrow(expect.objectContaining({ code: 'USAGE' }))
  })
})

describe('parseList', () => {
  it('splits on commas and trims', () => expect(parseList('hosts', ' web1, web2 ,')).toEqual(['web1', 'web2']))
  it('refuses an empty list, which would otherwise mean every host', () => {
    expect(() => parseList('hosts', '')).toThrow(/--hosts is empty/)
    expect(() => parseList('roles', ' , ')).toThrow(/--roles is empty/)
  })
})

describe('parseFlags', () => {
  it('takes values from what was typed, booleans from what cac parsed', () => {
    const flags = parseFlags({ json: true, color: false, ref: 202612.1, '--': ['uptime'] }, typed({ ref: ['202612.10'], concurrency: ['3'], hosts: ['a,b'] }))
    expect(flags).toEqual({ json: true, color: false, ref: '202612.10', concurrency: 3, hosts: ['a', 'b'], '--': ['uptime'] })
  })
  it('refuses a value flag given twice', () => {
    expect(() => parseFlags({}, typed({ ref: ['a', 'b'] }))).toThrow(/--ref is given 2 times/)
  })
  it('keeps texts as typed, an empty reason included', () => {
    expect(parseFlags({}, typed({ reason: ['0777'], to: ['20300101T120000-abcdef0'] }))).toEqual({ reason: '0777', to: '20300101T120000-abcdef0' })
    expect(parseFlags({}, typed({ reason: [''] }))).toEqual({ reason: '' })
  })
  it.each(['', '../../etc', '20300101T120000-abcdef0/..', '$(id)'])('refuses a --to that is not a release name: %j', (to) => {
    expect(() => parseFlags({}, typed({ to: [to] }))).toThrow(/--to .* is not a release name/)
  })
})
