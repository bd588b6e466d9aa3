import { describe, expect, it } from 'vitest'
import { expandHostPattern, inventoryHosts, parseIniInventory, parseListInventory, parseYamlInventory } from './ansible.js'

const INI = `
# production fleet
[web]
web[1:2].example.com ansible_user=deploy
[db]
db1 ansible_host=10.0.0.5 ansible_port=2222 berth_primary=true

[production:children]
web
db

[staging]
stage1 ansible_connection=local

[web:vars]
ansible_user=www
`

describe('Ansible inventories', () => {
  it('expands host ranges', () => {
    expect(expandHostPattern('web[01:03]')).toEqual(['web01', 'web02', 'web03'])
    expect(expandHostPattern('db[a:b].x')).toEqual(['dba.x', 'dbb.x'])
  })

  it('reads INI: groups become roles, the environment group scopes the hosts, host vars beat group vars', () => {
    const hosts = inventoryHosts(parseIniInventory(INI), 'production')
    expect(hosts).toEqual([
      { name: 'web1.example.com', host: 'web1.example.com', user: 'deploy', roles: ['web', 'all'], primary: false, transport: 'ssh' },
      { name: 'web2.example.com', host: 'web2.example.com', user: 'deploy', roles: ['web', 'all'], primary: false, transport: 'ssh' },
      { name: 'db1', host: '10.0.0.5', port: 2222, roles: ['db', 'all'], primary: true, transport: 'ssh' },
    ])
    expect(inventoryHosts(parseIniInventory(INI), 'staging')).toEqual([
      { name: 'stage1', host: 'stage1', roles: ['all'], primary: false, transport: 'local' },
    ])
  })

  it('uses every host when no group is named after the environment', () => {
    expect(inventoryHosts(parseIniInventory(INI), 'qa').map((h) => h.name)).toHaveLength(4)
  })

  it('reads YAML inventories', () => {
    const yaml = `
all:
  children:
    production:
      children:
        web:
          hosts:
            web1: { ansible_host: 127.0.0.11 }
        db:
          hosts:
            db1: { berth_primary: true }
          vars: { ansible_user: postgres }
`
    expect(inventoryHosts(parseYamlInventory(yaml), 'production')).toEqual([
      { name: 'web1', host: '127.0.0.11', roles: ['web', 'all'], primary: false, transport: 'ssh' },
      { name: 'db1', host: 'db1', user: 'postgres', roles: ['db', 'all'], primary: true, transport: 'ssh' },
    ])
  })

  it('reads --list JSON from dynamic inventories', () => {
    const json = JSON.stringify({
      _meta: { hostvars: { a: { ansible_host: '127.0.0.20' } } },
      app: { hosts: ['a', 'b'] },
      worker: ['b'],
      all: { children: ['app', 'worker', 'ungrouped'] },
    })
    expect(inventoryHosts(parseListInventory(json), 'production').map((h) => [h.name, h.host, h.roles])).toEqual([
      ['a', '127.0.0.20', ['app', 'all']],
      ['b', 'b', ['app', 'worker', 'all']],
    ])
  })
})
