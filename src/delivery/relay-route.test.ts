import { describe, expect, it } from 'vitest'
import { spreadOverRelays } from './relay-route.js'

describe('spreading hosts over relays', () => {
  it('has one relay serve itself and every other host', () => {
    expect(spreadOverRelays(['web1'], ['web1', 'web2', 'web3'])).toEqual({ routes: [{ relay: 'web1', hosts: ['web1', 'web2', 'web3'] }], direct: [] })
  })

  it('deals the other hosts out in turn, so no relay serves more than one host more than another', () => {
    const hosts = Array.from({ length: 11 }, (_, i) => `web${i + 1}`)
    const { routes } = spreadOverRelays(['web4', 'web9', 'web2'], hosts)
    expect(routes.map((route) => route.relay)).toEqual(['web4', 'web9', 'web2'])
    expect(routes.map((route) => route.hosts[0])).toEqual(['web4', 'web9', 'web2'])
    expect(routes.map((route) => route.hosts.length)).toEqual([4, 4, 3])
    expect(routes.flatMap((route) => route.hosts).sort()).toEqual([...hosts].sort())
    expect(routes[0]!.hosts).toEqual(['web4', 'web1', 'web6', 'web10'])
  })

  it('uses only the relays that are part of the run; with none, every host is sent to directly', () => {
    expect(spreadOverRelays(['web1', 'web5'], ['web2', 'web5', 'web6'])).toEqual({ routes: [{ relay: 'web5', hosts: ['web5', 'web2', 'web6'] }], direct: [] })
    expect(spreadOverRelays(['web1'], ['web2', 'web3'])).toEqual({ routes: [], direct: ['web2', 'web3'] })
    expect(spreadOverRelays(['web1'], [])).toEqual({ routes: [], direct: [] })
  })
})
