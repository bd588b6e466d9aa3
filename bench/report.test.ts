import { describe, expect, it } from 'vitest'
import { renderConsole, renderMarkdown, type BenchResult, type ToolInfo } from './report.js'
import { BASELINE, SCENARIOS, type Sample } from './stats.js'

/** One run at 2 hosts; every scenario takes `seconds[tool]` for that tool. */
function result(tools: ToolInfo[], seconds: Record<string, number>): BenchResult {
  const samples: Sample[] = SCENARIOS.flatMap((scenario) =>
    Object.entries(seconds).map(([tool, s]) => ({ hosts: 2, scenario, tool, run: 1, ms: s * 1000, ...(tool.startsWith('berth') ? { rssKb: 100 * 1024 } : {}) })),
  )
  return {
    mode: '--hosts 2 --runs 1',
    startedAt: '2026-12-02T10:00:00Z',
    durationS: 60,
    machine: { cores: '2' },
    tmpfs: 'a tmpfs',
    tools,
    hostCounts: [2],
    runs: 1,
    app: { files: 10, bytes: 1000, changedFile: 'src/a.js' },
    samples,
    traffic: [],
  }
}

const PEERS: ToolInfo[] = [
  { name: 'capistrano', version: 'Capistrano 3' },
  { name: 'shipit-deploy', version: 'shipit 5' },
]
const SKIPPED: ToolInfo[] = [
  { name: 'capistrano', skipped: '--no-peers' },
  { name: 'shipit-deploy', skipped: '--no-peers' },
]
const BERTH: ToolInfo = { name: 'berth', version: '0.1.0 (commit aaaaaaa)' }
const OLD_BERTH: ToolInfo = { name: BASELINE, version: '0.1.0 (commit bbbbbbb "Faster uploads")' }

const tableRows = (markdown: string): string[][] =>
  markdown
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .map((line) => line.slice(2, -2).split(' | '))

describe('the report without a baseline', () => {
  const md = renderMarkdown(result([BERTH, ...PEERS], { berth: 1, capistrano: 2, 'shipit-deploy': 4, floor: 0.5 }))

  it('has the usual columns only', () => {
    expect(tableRows(md)[0]).toEqual(['hosts', 'scenario', 'berth', 'capistrano', 'shipit-deploy', 'floor', 'berth÷floor', 'berth÷cap', 'berth÷shipit'])
    expect(tableRows(md)[2]).toEqual(['2', 'cold deploy', '1.00', '2.00', '4.00', '0.50', '2.00×', '0.50×', '0.25×'])
    expect(md).not.toContain('baseline')
  })
})

describe('the report with a baseline', () => {
  const run = result([BERTH, OLD_BERTH, ...SKIPPED], { berth: 1.5, [BASELINE]: 2, floor: 0.5 })

  it('puts the baseline next to berth and their ratio next to the floor', () => {
    const rows = tableRows(renderMarkdown(run))
    expect(rows[0]).toEqual([
      'hosts', 'scenario', 'berth', BASELINE, 'capistrano', 'shipit-deploy', 'floor', 'berth÷baseline', 'berth÷floor', 'berth÷cap', 'berth÷shipit',
    ])
    expect(rows[3]).toEqual(['2', 'redeploy, one file changed', '1.50', '2.00', 'not measured', 'not measured', '0.50', '0.75×', '3.00×', '–', '–'])
  })

  it('names the baseline\'s commit and says why the peers are absent', () => {
    const md = renderMarkdown(run)
    expect(md).toContain(`- ${BASELINE}: 0.1.0 (commit bbbbbbb "Faster uploads")`)
    expect(md).toContain('- capistrano: **not measured**: --no-peers')
    expect(md).toContain('Not measured in this run: capistrano (--no-peers), shipit-deploy (--no-peers).')
    expect(md).toContain('`/srv/berth-baseline`')
    expect(md).toContain('- ? one-file redeploy ≥ 2× faster than Capistrano — capistrano not measured: --no-peers\n')
  })

  it('shows both berths and their ratio on the console, with both peak RSS', () => {
    const text = renderConsole(run)
    const headerLine = text.split('\n')[1]!
    expect(headerLine.split(/\s{2,}/)).toEqual([
      'hosts', 'scenario', 'berth', BASELINE, 'capistrano', 'shipit-deploy', 'floor', 'berth÷baseline', 'berth÷floor', 'berth÷cap', 'berth÷shipit',
    ])
    expect(text).toMatch(/^2 +rollback +1\.50 +2\.00 +not measured +not measured +0\.50 +0\.75× +3\.00× +– +–/m)
    expect(text).toContain(`${BASELINE} peak RSS at 2 hosts: 100 MB`)
    expect(text).toContain('capistrano not measured: --no-peers')
  })

  it('says when the baseline failed instead of quoting a ratio', () => {
    const failed = { ...run, samples: run.samples.map((s) => (s.tool === BASELINE ? { ...s, ms: undefined, error: 'exit 1: boom' } : s)) }
    const rows = tableRows(renderMarkdown(failed))
    expect(rows[2]![3]).toBe('failed: exit 1: boom')
    expect(rows[2]![7]).toBe('–')
  })
})
