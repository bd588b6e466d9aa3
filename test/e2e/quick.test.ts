import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

describe('deploy on the local transport', () => {
  it('deploys, links current and records the release', async () => {
    project = createProject(localConfig())
    const result = await project.berth(['deploy', 'production'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const [release] = project.releases()
    expect(release).toMatch(/^\d{8}T\d{6}-[0-9a-f]{7}$/)
    expect(project.current()).toBe(`releases/${release}`)
    expect(project.record(release!).state).toBe('active')
  })
})
