/**
 * `delivery:` (README, "Delivery at scale"): how an upload's files travel to the hosts.
 * Resolved here and checked against the environment's hosts and strategy: a relay must be
 * one of the environment's ssh hosts, and a store needs its bucket.
 */
import { didYouMean } from './did-you-mean.js'
import type { RawIssue } from './issue.js'
import { setting } from './overlay.js'
import type { RawConfig } from './schema.js'
import type { DeliveryConfig, HostConfig, ResolvedConfig, StoreConfig } from './types.js'

export function resolveDelivery(raw: RawConfig, environment: string, hosts: readonly HostConfig[], strategy: ResolvedConfig['strategy']): { delivery: DeliveryConfig; errors: RawIssue[] } {
  const written = setting(raw, environment, 'delivery')
  const value = written.value
  const errors: RawIssue[] = []
  if (value === undefined || value.via === 'direct') return { delivery: { via: 'direct' }, errors }
  if (strategy !== 'upload') {
    errors.push({ path: [...written.path, 'via'], message: `"via: ${value.via}" delivers what the upload strategy ships; with "strategy: ${strategy}" each host fetches on its own (use via: direct, or strategy: upload)` })
    return { delivery: { via: 'direct' }, errors }
  }
  if (value.via === 'relay') {
    const names = hosts.map((host) => host.name)
    const primary = hosts.find((host) => host.primary)
    const relays = value.relays ?? (primary === undefined ? [] : [primary.name])
    relays.forEach((name, index) => {
      const host = hosts.find((candidate) => candidate.name === name)
      const at = [...written.path, 'relays', index]
      if (host === undefined) errors.push({ path: at, message: `"${name}" is not a host of ${environment}${didYouMean(name, names)}` })
      else if (host.transport !== 'ssh') errors.push({ path: at, message: `"${name}" is deployed with transport: local; a relay must be a host reached over ssh` })
    })
    return { delivery: { via: 'relay', relays: [...new Set(relays)], forwardAgent: value.forwardAgent === true }, errors }
  }
  if (value.store === undefined) {
    errors.push({ path: written.path, message: '"via: store" needs "store: { url: s3://bucket/prefix }" (and "endpoint" for a service other than AWS S3)' })
    return { delivery: { via: 'direct' }, errors }
  }
  return { delivery: { via: 'store', store: toStoreConfig(value.store) }, errors }
}

function toStoreConfig(raw: { url: string; endpoint?: string; region?: string; pathStyle?: boolean }): StoreConfig {
  const rest = raw.url.slice('s3://'.length)
  const slash = rest.indexOf('/')
  const bucket = slash === -1 ? rest : rest.slice(0, slash)
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '')
  const store: StoreConfig = { bucket, prefix, pathStyle: raw.pathStyle ?? raw.endpoint !== undefined }
  if (raw.endpoint !== undefined) store.endpoint = raw.endpoint.replace(/\/$/, '')
  if (raw.region !== undefined) store.region = raw.region
  return store
}

/** `relayAddress: ADDR[:PORT]` as a host and an optional port. */
export function parseRelayAddress(value: string): { host: string; port?: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value)
  if (match === null) return { host: value }
  const host = match[1]!.replace(/^\[(.*)\]$/, '$1')
  return match[2] === undefined ? { host } : { host, port: Number(match[2]) }
}
