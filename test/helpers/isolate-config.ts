// Loaded before every test file (vitest `setupFiles`): berth's per-user config directory
// (the machine id) goes to a temporary directory, for the tests and for every berth they
// spawn, so no test reads or writes the real ~/.config/berth.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'berth-config-'))
process.env.BERTH_CONFIG_DIR = dir
afterAll(() => rmSync(dir, { recursive: true, force: true }))
