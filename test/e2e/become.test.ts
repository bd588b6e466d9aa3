import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

describe('become', () => {
  it('runs a hook as another user through sudo, with its environment', async () => {
    project = createProject(
      localConfig(`hooks:
  restart:
    - run: echo "as $(id -un) with MARK=$MARK and release $BERTH_RELEASE"
      become: nobody
      env: { MARK: m-123 }
`),
    )
    const result = await project.berth(['deploy', 'production'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/as nobody with MARK=m-123 and release \d{8}T\d{6}-[0-9a-f]{7}/)
  })

  it('fails clearly when sudo would need a password, and rolls the switch back', async () => {
    project = createProject(
      localConfig(`hooks:
  restart:
    - run: 'true'
      become: no-such-user-here
`),
    )
    const result = await project.berth(['deploy', 'production'])
    expect(result.code).toBe(1)
    expect(result.stdout + result.stderr).toMatch(/unknown user|no-such-user-here/)
    expect(project.current()).toBeNull()
  })
})
