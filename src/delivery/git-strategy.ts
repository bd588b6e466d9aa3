/**
 * The `git` delivery: each host keeps a mirror of the repo in `repo/` (and one per
 * submodule), fetches it, and `git archive`s the resolved commit into the new release.
 * Nothing is packed on this machine; it only works out which commits each host fetches.
 */
import { fetchFromMirrors } from '../remote/git.js'
import { commitsToMirror } from './git-submodules.js'
import { sequence } from '../remote/script.js'
import type { DeliveryStrategy, HostDelivery } from './strategy.js'

export function gitStrategy(): DeliveryStrategy {
  return {
    name: 'git',
    hostTools: ['git'],
    inspect: {},
    describe: (release) => `fetch repo/ and archive the commit into releases/${release}`,
    preview: (layout, release) => sequence(...fetchFromMirrors(layout, release, [{ url: '<repo>', sha: '<sha>', prefix: '', tree: '' }])),
    start(ctx, _hosts, input) {
      const { config, layout } = ctx
      const commits = commitsToMirror(input.repoDir, config.repo, input.sha, config.subdir, ctx.cacheDir)
      commits.catch(() => {})
      return {
        async forHosts(hosts) {
          const command = sequence(...fetchFromMirrors(layout, input.release, await commits))
          const part: HostDelivery = { command, display: `git fetch into ${layout.repo} and archive ${input.sha.slice(0, 7)}`, isLong: true }
          return new Map(hosts.map((host) => [host.host.name, part]))
        },
        recordLive: async () => {},
        close: async () => void (await commits.catch(() => {})),
      }
    },
  }
}
