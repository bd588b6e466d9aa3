import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = new URL('../..', import.meta.url).pathname

/** The README and every page under docs/, as users read them on GitHub or in node_modules. */
function pages(): string[] {
  const found = [join(ROOT, 'README.md')]
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name))
      else if (entry.name.endsWith('.md')) found.push(join(dir, entry.name))
    }
  }
  walk(join(ROOT, 'docs'))
  return found
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function anchorsOf(text: string): Set<string> {
  const headings = [...text.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)].map((match) => match[1]!)
  return new Set(headings.map((heading) => heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')))
}

describe('links between the docs', () => {
  it('lead to files and headings that exist', () => {
    const broken: string[] = []
    for (const page of pages()) {
      const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '')
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue
        const [file = '', anchor] = target!.split('#')
        const path = file === '' ? page : join(dirname(page), file)
        const where = `${relative(ROOT, page)} → ${target}`
        if (!existsSync(path)) broken.push(`${where} (no such file)`)
        else if (anchor !== undefined && path.endsWith('.md') && !anchorsOf(readFileSync(path, 'utf8')).has(anchor)) broken.push(`${where} (no such heading)`)
      }
    }
    expect(broken).toEqual([])
  })
})
