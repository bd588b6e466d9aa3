import { describe, expect, it } from 'vitest'
import { hostNameProblem, userNameProblem } from './host-names.js'

describe('hostNameProblem', () => {
  it.each(['web1', 'web-1.example.com', '10.0.0.7', '::1', 'fe80::1%eth0', '[2001:db8::1]', 'my_alias'])('accepts %s', (name) => {
    expect(hostNameProblem(name)).toBeUndefined()
  })

  it.each(['-oProxyCommand=touch /tmp/x', '-V', 'web 1', 'web1;id', 'web$(id)', 'web`id`', "we'b", 'a\nb', 'a\u0007b', 'deploy@web1', 'web1/x', '', '[::1'])(
    'refuses %j, quoted so control characters show',
    (name) => {
      expect(hostNameProblem(name)).toBe(`${JSON.stringify(name)} is not a host name, ssh alias or IP address: letters, digits, ".", "-", "_" (IPv6 may be in [brackets]), not starting with "-"; put the login in user:`)
    },
  )
})

describe('userNameProblem', () => {
  it.each(['deploy', 'www-data', 'svc.app', 'HOST$'])('accepts %s', (name) => expect(userNameProblem(name)).toBeUndefined())
  it.each(['-oProxyCommand=x', 'a b', 'root;id', 'a:b', 'u@h', ''])('refuses %j', (name) => expect(userNameProblem(name)).toMatch(/is not a login name/))
})
