import { describe, expect, it } from 'vitest'
import { configProblems, resolveProduction } from './__fixtures__/temp-project.js'
import { parseRelayAddress } from './delivery.js'

const resolve = (body: string, hosts = '[web1, { host: web2, primary: true, relayAddress: "10.0.0.2:2222" }, web3]') =>
  resolveProduction(`app: shop\nrepo: .\nhosts: ${hosts}\nenvironments: { production: {} }\n${body}`)
const problems = (body: string) => configProblems(resolve(body))

describe('delivery', () => {
  it('is direct unless the config says otherwise', async () => {
    expect((await resolve('')).delivery).toEqual({ via: 'direct' })
  })

  it('relays through the primary by default, and keeps each host\'s relay address', async () => {
    const config = await resolve('delivery: { via: relay }')
    expect(config.delivery).toEqual({ via: 'relay', relays: ['web2'], forwardAgent: false })
    expect(config.hosts.find((host) => host.name === 'web2')?.relayAddress).toEqual({ host: '10.0.0.2', port: 2222 })
    expect((await resolve('delivery: { via: relay, relays: [web1, web3], forwardAgent: true }')).delivery).toEqual({ via: 'relay', relays: ['web1', 'web3'], forwardAgent: true })
  })

  it('reads the bucket and prefix of a store, path-style with an endpoint', async () => {
    expect((await resolve('delivery: { via: store, store: { url: "s3://acme-deploys/shop/prod/", endpoint: "http://127.0.0.1:9000/" } }')).delivery).toEqual({
      via: 'store',
      store: { bucket: 'acme-deploys', prefix: 'shop/prod', endpoint: 'http://127.0.0.1:9000', pathStyle: true },
    })
    expect((await resolve('delivery: { via: store, store: { url: "s3://acme-deploys", region: eu-west-1 } }')).delivery).toEqual({
      via: 'store',
      store: { bucket: 'acme-deploys', prefix: '', region: 'eu-west-1', pathStyle: false },
    })
  })

  it('refuses a relay that is not a host, a store without its bucket, and both with the git strategy', async () => {
    expect(await problems('delivery: { via: relay, relays: [web4] }')).toMatch(/"web4" is not a host of production/)
    expect(await problems('delivery: { via: store }')).toMatch(/needs "store: \{ url: s3:\/\/bucket\/prefix \}"/)
    expect(await problems('delivery: { via: store, store: { url: "http://bucket" } }')).toMatch(/an s3:\/\/ URL/)
    expect(await problems('strategy: git\ndelivery: { via: relay }')).toMatch(/with "strategy: git" each host fetches on its own/)
    await expect(resolve('', '[{ host: web1, relayAddress: "-oProxyCommand=x" }]')).rejects.toThrow(/relayAddress/)
  })

  it('parses relay addresses with and without a port, IPv6 in brackets', () => {
    expect(parseRelayAddress('web2.internal')).toEqual({ host: 'web2.internal' })
    expect(parseRelayAddress('10.0.0.2:22')).toEqual({ host: '10.0.0.2', port: 22 })
    expect(parseRelayAddress('[fd00::12]:2222')).toEqual({ host: 'fd00::12', port: 2222 })
    expect(parseRelayAddress('[fd00::12]')).toEqual({ host: 'fd00::12' })
  })
})
