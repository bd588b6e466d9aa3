import { describe, expect, it } from 'vitest'
import { renderMaintenancePage } from './maintenance-page.js'

const since = new Date('2026-12-02T14:58:31.000Z')

describe('the maintenance page', () => {
  it('fills a template, HTML-escaping both values, in one pass', () => {
    const page = renderMaintenancePage('<h1>{message}</h1><small>{since} / {since}</small>{other}', { message: `<script>alert("x")</script> & 'more' {since}`, since })
    expect(page).toBe('<h1>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39; {since}</h1><small>2026-12-02 14:58 UTC / 2026-12-02 14:58 UTC</small>{other}')
  })

  it('has a built-in page: self-contained HTML with the message and the time', () => {
    const page = renderMaintenancePage(null, { message: 'Back at 15:30 <UTC>', since })
    expect(page).toMatch(/^<!doctype html>/)
    expect(page).toContain('<p>Back at 15:30 &lt;UTC&gt;</p>')
    expect(page).toContain('<time datetime="2026-12-02T14:58:31.000Z">2026-12-02 14:58 UTC</time>')
    // Nothing fetched from elsewhere: no src=, href= or url(.
    expect(page).not.toMatch(/\b(src|href)=|url\(/)
  })
})
