/**
 * `npm run torture`: the proof that no run strands or corrupts a host (docs/reliability.md).
 *   npm run torture -- --runs 200          (or --minutes 15)
 *   options: --seed S (replay), --hosts N (3-8, default 3)
 * Needs root (mount namespaces, a tmpfs) and a built CLI (`npm run build`).
 */
import { main } from '../torture/main.js'

process.exitCode = await main(process.argv.slice(2))
