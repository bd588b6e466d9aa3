/**
 * Which relay serves which hosts (`delivery.via: relay`): every relay of the run serves
 * itself, and the other hosts are dealt out in turn, so each relay passes the release on to
 * as many hosts as the next one (give or take one). Pure, for the deploy and its plan alike.
 */

export interface RelayRoute {
  relay: string
  /** The hosts it serves, itself first when it receives the release too. */
  hosts: string[]
}

export interface Routing {
  routes: RelayRoute[]
  /**
   * Hosts that get their streams straight from this machine: none of the configured relays
   * is part of the run (`--hosts`/`--roles` left them out), or (in a plan) the host is this
   * machine (`transport: local`).
   */
  direct: string[]
}

export function spreadOverRelays(relays: readonly string[], hosts: readonly string[]): Routing {
  const present = relays.filter((relay) => hosts.includes(relay))
  if (present.length === 0) return { routes: [], direct: [...hosts] }
  const routes = present.map((relay): RelayRoute => ({ relay, hosts: [relay] }))
  hosts
    .filter((host) => !present.includes(host))
    .forEach((host, index) => routes[index % routes.length]!.hosts.push(host))
  return { routes, direct: [] }
}
