/**
 * `berth config ENV`: the environment as berth will use it (README, "Configuration"):
 * defaults filled in, the environment's overlay merged, the inventory's hosts listed,
 * `${VAR}` read, paths made absolute. Secrets are masked by name as well as by value: a
 * secret too short for the output redactor to mask is still never printed here.
 */
import { stringify } from 'yaml'
import { describeUrl } from '../config/notify.js'
import type { ResolvedConfig } from '../config/types.js'
import { REDACTED } from './redact.js'

/** The resolved config as plain data, fit for YAML or JSON; without the secrets' values. */
export function configView(config: ResolvedConfig): Record<string, unknown> {
  const { secretValues: _values, warnings: _warnings, hooks, env, notify, ...settings } = config
  const masked = (values: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(values).map(([name, value]) => [name, config.secrets.includes(name) ? REDACTED : value]))
  // A hook with no entries is the default for every step: listing them all would bury the ones written.
  const written = Object.entries(hooks).filter(([, entries]) => entries.length > 0)
  return {
    ...settings,
    env: masked(env),
    // A webhook's path and query hold its token.
    notify: notify.map((target) => ({ ...target, webhook: describeUrl(target.webhook) })),
    hooks: Object.fromEntries(written.map(([name, entries]) => [name, entries.map((entry) => ({ ...entry, env: masked(entry.env) }))])),
  }
}

export function formatConfig(view: Record<string, unknown>): string {
  return stringify(view, { lineWidth: 0 })
}
