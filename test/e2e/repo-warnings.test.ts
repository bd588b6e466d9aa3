/**
 * What a deploy leaves out of the repo says so, through the built CLI: changes not yet
 * committed, and scripts in deploy/ that look like hooks but would never run.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

describe('uncommitted changes', () => {
  it('are named in one warning when the commit checked out is deployed', async () => {
    const p = (project = createProject(localConfig(), { 'a.txt': 'a' }))
    p.write({ 'index.html': 'edited, not committed', 'a.txt': 'edited too', 'new.txt': 'never added' })
    for (let i = 0; i < 5; i++) p.write({ [`more/${i}.txt`]: 'x' })
    const deployed = await p.berth(['deploy', 'production'])
    expect(deployed.code, deployed.stderr).toBe(0)
    const warnings = deployed.stdout.split('\n').filter((line) => line.includes('uncommitted'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/8 files have uncommitted changes, not deployed \(berth deploys the commit [0-9a-f]{7}\): a\.txt, index\.html, .*, and 3 more$/)
    // What went out is the commit.
    expect(p.read('current/index.html')).toBe('<h1>v1</h1>\n')
  })

  it('are not mentioned when another ref is deployed, or when there are none', async () => {
    const p = (project = createProject(localConfig()))
    const first = p.git('rev-parse', 'HEAD')
    p.commit({ 'index.html': 'v2' })
    p.write({ 'index.html': 'dirty' })
    const other = await p.berth(['deploy', 'production', '--ref', first])
    expect(other.code, other.stderr).toBe(0)
    expect(other.stdout).not.toContain('uncommitted')
    p.git('checkout', '--', 'index.html')
    const clean = await p.berth(['deploy', 'production'])
    expect(clean.code, clean.stderr).toBe(0)
    expect(clean.stdout).not.toContain('uncommitted')
  })
})

describe('scripts in deploy/ that would never run', () => {
  it('are warned about: a misnamed one with the name meant, one without its x bit with the chmod', async () => {
    const p = (project = createProject(localConfig(), {
      'deploy/befor_migrate.sh': { content: '#!/bin/sh\necho misnamed >> __BASE__/hooks.log\n', mode: 0o755 },
      'deploy/after_switch.sh': { content: '#!/bin/sh\necho unexecutable >> __BASE__/hooks.log\n', mode: 0o644 },
      'deploy/after_link': { content: '#!/bin/sh\necho ran >> __BASE__/hooks.log\n', mode: 0o755 },
      'deploy/nginx.conf': 'server {}\n',
    }))
    const deployed = await p.berth(['deploy', 'production'])
    expect(deployed.code, deployed.stderr).toBe(0)
    expect(deployed.stdout).toMatch(/deploy\/befor_migrate\.sh is not a hook name, so it never runs \(did you mean "before_migrate"\?\)/)
    expect(deployed.stdout).toMatch(/deploy\/after_switch\.sh is not executable, so the after_switch hook does not run it: chmod \+x it and commit/)
    expect(deployed.stdout).not.toMatch(/after_link .*(not a hook|not executable)|nginx/)
    expect(p.log()).toEqual(['ran'])
  })
})
