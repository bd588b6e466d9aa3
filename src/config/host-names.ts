/**
 * What a host and a login may look like, wherever they come from (berth.yml or an
 * inventory). They end up as ssh's arguments and in commands berth prints for the user to
 * paste (`ssh -v deploy@web1`), so anything that could be read as an ssh option (a
 * leading "-": `-oProxyCommand=…` runs a command) or as shell syntax is refused when the
 * config is loaded, with the file and line, before any host is contacted.
 */

/**
 * A DNS name, an ssh alias, an IPv4 address, or an IPv6 address, bare (`::1`, `fe80::1%eth0`)
 * or in brackets (`[::1]`). Never starting with "-".
 */
export const HOST_NAME = /^(?:\[[0-9A-Za-z:.%]+\]|[A-Za-z0-9_:][A-Za-z0-9_.:%-]*)$/

/** A POSIX login name (a trailing "$" is allowed, as for Samba machine accounts). Never starting with "-". */
export const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/

export const HOST_NAME_RULE = 'a host name, ssh alias or IP address: letters, digits, ".", "-", "_" (IPv6 may be in [brackets]), not starting with "-"; put the login in user:'
export const USER_NAME_RULE = 'a login name: letters, digits, ".", "-", "_", not starting with "-"'

/** Why `value` cannot be a host, or `undefined` when it can. */
export function hostNameProblem(value: string): string | undefined {
  return HOST_NAME.test(value) ? undefined : `${JSON.stringify(value)} is not ${HOST_NAME_RULE}`
}

/** Why `value` cannot be a login, or `undefined` when it can. */
export function userNameProblem(value: string): string | undefined {
  return USER_NAME.test(value) ? undefined : `${JSON.stringify(value)} is not ${USER_NAME_RULE}`
}
