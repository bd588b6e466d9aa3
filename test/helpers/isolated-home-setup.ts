/**
 * A vitest setup file (vitest.config.ts), run before each test file: whatever the file
 * runs, in its own process (the core, called directly) or in a child (the CLI), finds
 * berth's cache and per-machine config dirs, and the XDG ones, in a temp dir of the file's
 * own, never in the home of whoever runs the tests. Helpers that make a project still
 * give each project its own (test/helpers/project.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { isolatedDirs } from './isolated-env.js'

const base = mkdtempSync(join(tmpdir(), 'berth-home-'))
Object.assign(process.env, isolatedDirs(base).env)
afterAll(() => rmSync(base, { recursive: true, force: true }))
