/**
 * The page itself: plain HTML, CSS and JavaScript in the package's `assets/cockpit/`
 * (no build step, no CDN: it works offline). Read once when `berth ui` starts.
 */
import { readFile } from 'node:fs/promises'

// Two levels up from src/cockpit/, dist/cockpit/ and dist/bundle/ alike: the package root.
const DIR = new URL('../../assets/cockpit/', import.meta.url)

export interface PageAssets {
  /** The page, with `__TOKEN__` where the asset URLs carry the token. */
  html: string
  script: string
  style: string
}

export async function loadPageAssets(): Promise<PageAssets> {
  const read = (name: string): Promise<string> => readFile(new URL(name, DIR), 'utf8')
  const [html, script, style] = await Promise.all([read('index.html'), read('app.js'), read('style.css')])
  return { html, script, style }
}
