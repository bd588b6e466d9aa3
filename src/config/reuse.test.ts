import { describe, expect, it } from 'vitest'
import { configProblems, resolveProduction } from './__fixtures__/temp-project.js'

const resolve = (body: string) => resolveProduction(`app: shop\nrepo: .\nhosts: [web1]\nenvironments: { production: {} }\n${body}`)
const problems = (body: string) => configProblems(resolve(body))

describe('reuse', () => {
  it('knows the lockfiles and runtimes of node_modules and vendor/bundle, wherever they sit, and keys on the install command', async () => {
    const config = await resolve(
      [
        'reuse: [node_modules, web/node_modules/, vendor/bundle, { path: .venv, key: [requirements.txt], runtime: python3 --version }]',
        'hooks:',
        '  build:',
        '    - { run: npm ci --omit=dev, installs: [node_modules] }',
        '    - { run: npm ci, cwd: web, installs: [web/node_modules] }',
        '    - { run: bundle install, prefix: nice, installs: [vendor/bundle, .venv] }',
        '',
      ].join('\n'),
    )
    expect(config.reuse).toEqual([
      { path: 'node_modules', key: ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock'], runtime: 'node --version', installers: ['npm ci --omit=dev'] },
      { path: 'web/node_modules', key: ['web/package-lock.json', 'web/npm-shrinkwrap.json', 'web/pnpm-lock.yaml', 'web/yarn.lock'], runtime: 'node --version', installers: ['npm ci'] },
      { path: 'vendor/bundle', key: ['Gemfile.lock'], runtime: 'ruby --version', installers: ['nice bundle install'] },
      { path: '.venv', key: ['requirements.txt'], runtime: 'python3 --version', installers: ['nice bundle install'] },
    ])
    expect(config.hooks.build.map((hook) => hook.installs)).toEqual([['node_modules'], ['web/node_modules'], ['vendor/bundle', '.venv']])
  })

  it('refuses a directory nothing installs, one it cannot key, one that is shared, and installs elsewhere than build', async () => {
    expect(await problems('reuse: [node_modules]\nhooks: { build: [npm ci] }\n')).toContain(
      'reuse[0]: no build hook installs "node_modules": add "installs: [node_modules]" to the build hook that does (it is skipped when node_modules is reused)',
    )
    expect(await problems('reuse: [.venv]\n')).toContain('reuse[0]: berth knows no lockfile for ".venv": write { path: .venv, key: [the lockfile]')
    expect(await problems('shared: { dirs: [vendor] }\nreuse: [vendor/bundle]\n')).toContain('reuse[0]: "vendor/bundle" overlaps the shared path "vendor"')
    expect(await problems('reuse: [node_modules, node_modules/]\nhooks: { build: [{ run: x, installs: [node_modules] }] }\n')).toContain('reuse[1]: "node_modules" is listed twice')
    const wrong = await problems('reuse: [node_modules]\nhooks: { build: [{ run: x, installs: [node_module], once: true }, { run: y, installs: [node_modules] }], restart: [{ run: z, installs: [node_modules] }] }\n')
    expect(wrong).toContain('hooks.build[0].installs: a hook that installs dependencies must run on every host it installs them on: remove "once"')
    expect(wrong).toContain('hooks.restart[0].installs: is for build hooks (dependencies are installed in the build step), not restart')
    expect(await problems('reuse: [node_modules]\nhooks: { build: [{ run: y, installs: [node_modules, node_module] }] }\n')).toContain(
      'hooks.build[0].installs: "node_module" is not listed under reuse (did you mean "node_modules"?)',
    )
  })
})
