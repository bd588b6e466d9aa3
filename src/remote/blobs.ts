/**
 * The host-local blob store of `delivery.via: store` (`Layout.blobs`: one file per blob,
 * named by the sha256 of its content): filled from presigned URLs, every blob checked
 * against its name before it is kept, and pruned with the releases that were built from it.
 *
 * Presigned URLs are secrets: they stay in files (mode 0600, in a 0700 directory) and in
 * pipes, never on a command line, where `ps` on the host would show them. `printf` is a
 * shell builtin; curl reads them from its config file, wget from its stdin.
 */
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'
import { all, script } from './script.js'

/** Names inside a release's delivery directory (`Layout.delivery`) that this module reads. */
export const BLOB_FILES = {
  /** `<sha256> <presigned URL>` a line, for the blobs fetched alone; removed once fetched. */
  urls: 'blobs',
  /** `<pack id> <presigned URL>` a line, for the packs of blobs (`store/packing.ts`); removed once fetched. */
  packs: 'packs',
  /** One file per pack, named by its id: its members' sha256, one a line. */
  members: 'packed',
  /** The same blobs' sha256, one a line: filed as the release's blob list (`Layout.blobList`). */
  used: 'used',
} as const

/*
 * Lists of thousands of blobs are checked by `xargs` handing them to `sh -c` as arguments:
 * `while read` in dash reads a file a byte at a time, a system call per byte. Blob names are
 * sha256 hex (the only names in the incoming directory: packs are unpacked by member name),
 * so splitting on blanks is exact.
 */
/** `sha256sum` lines (`<sum> ./<name>`) as arguments: every name must be its content's sum. */
const MATCHES = 'bad=0; while [ $# -ge 2 ]; do f=${2#./}; [ "$1" = "$f" ] || { echo "berth: blob $f from the store does not match its sha256 (it has $1): refused" >&2; bad=1; }; shift 2; done; exit $bad'
/** Blob names as arguments, in the blob store: each must be there. */
const PRESENT = 'for h do [ -f "$h" ] || { echo "berth: blob $h is not in the host\'s blob store after the fetch" >&2; exit 1; }; done'

/** What a host says, after `berth: `, when it has neither curl nor wget. */
const NO_HTTP_CLIENT = 'neither curl nor wget is installed: delivery.via store fetches blobs with one of them'

/**
 * Fetches the blobs listed in the delivery directory that the host lacks, and the packs
 * of blobs: with one `curl --parallel` (one at a time on a curl older than 7.66), or one
 * `wget` a file. Everything lands in an incoming directory; a pack is unpacked there (its
 * listed members only, by name: whatever else a tampered pack holds stays in it) and
 * deleted. Every blob is then checked with `sha256sum` against its name, and only then
 * moved into the blob store (a rename: a reader sees a whole blob or none). A blob that
 * does not match is refused and the command fails. The URLs are deleted from the host as
 * soon as the fetch ends, whether it worked or not.
 */
export function fetchBlobs(layout: Layout, id: string): string {
  const urls = `${layout.delivery(id)}/${BLOB_FILES.urls}`
  const packs = `${layout.delivery(id)}/${BLOB_FILES.packs}`
  const members = `${layout.delivery(id)}/${BLOB_FILES.members}`
  const used = `${layout.delivery(id)}/${BLOB_FILES.used}`
  const config = `${layout.delivery(id)}/curl.conf`
  const sums = `${layout.delivery(id)}/sums`
  const errors = `${layout.delivery(id)}/curl.err`
  const incoming = `${layout.blobs}/.incoming`
  // A 404 means the bucket lost a blob this machine remembers putting there.
  const failed = (tool: string, what: string): string => `echo "berth: fetching ${what} from the store failed (${tool}); if blobs were deleted from the bucket, run 'berth cache clear' where you deploy from" >&2`
  // Blob names are sha256 hex and the URLs are checked on the deploying machine to hold no
  // quote, backslash or space: both go into curl's config as they are.
  const fetch = script(
    `n=0; while read -r h u; do [ -f "$b/$h" ] || { n=$((n + 1)); printf 'url = "%s"\noutput = "%s"\n' "$u" "$h"; }; done < ${q(urls)} > ${q(config)}`,
    `if [ -f ${q(packs)} ]; then while read -r p u; do n=$((n + 1)); printf 'url = "%s"\noutput = "%s.pack"\n' "$u" "$p"; done < ${q(packs)} >> ${q(config)}; fi`,
    `[ "$n" -gt 0 ] || exit 0`,
    `if command -v curl >/dev/null 2>&1; then`,
    `  p=; curl -q --parallel --version >/dev/null 2>&1 && p=--parallel`,
    // Its messages are kept for a failure: with --parallel, curl before 8 shows its progress meter even when --silent.
    `  ( cd ${q(incoming)} && curl -q $p --fail --silent --show-error --retry 2 -K ${q(config)} 2> ${q(errors)} ) || { cat ${q(errors)} >&2; ${failed('curl', 'blobs')}; exit 1; }`,
    `elif command -v wget >/dev/null 2>&1; then`,
    `  ( cd ${q(incoming)} && while read -r h u; do [ -f "$b/$h" ] && continue; printf '%s\n' "$u" | wget -q -O "$h" -i - || { ${failed('wget', 'blob $h')}; exit 1; }; done < ${q(urls)} ) || exit 1`,
    `  if [ -f ${q(packs)} ]; then ( cd ${q(incoming)} && while read -r p u; do printf '%s\n' "$u" | wget -q -O "$p.pack" -i - || { ${failed('wget', 'pack $p')}; exit 1; }; done < ${q(packs)} ) || exit 1; fi`,
    `else`,
    `  echo ${q(`berth: ${NO_HTTP_CLIENT}`)} >&2; exit 1`,
    `fi`,
    `( cd ${q(incoming)} && for f in *.pack; do [ -f "$f" ] || continue; p=\${f%.pack}; tar -x -f "$f" --no-same-owner --no-same-permissions -T ${q(members)}/"$p" || { echo "berth: pack $p from the store could not be unpacked" >&2; exit 1; }; rm -f "$f"; done ) || exit 1`,
    `( cd ${q(incoming)} && find . -type f -exec sha256sum -- {} + ) > ${q(sums)} || exit 1`,
    `xargs -r -L 500 sh -c ${q(MATCHES)} sh < ${q(sums)} || exit 1`,
    // Modes are not the store's to set: a pack's member could ask for setuid or 0777.
    `( cd ${q(incoming)} && find . -type f -exec chmod 0644 -- {} + && find . -type f -exec mv -f -t "$b" -- {} + )`,
  )
  return script(
    `b=${q(layout.blobs)}`,
    `${all(`mkdir -p "$b"`, `rm -rf ${q(incoming)}`, `mkdir ${q(incoming)}`)} || exit 1`,
    `( ${fetch}\n); s=$?`,
    `rm -f ${q(urls)} ${q(packs)} ${q(config)} ${q(errors)}; rm -rf ${q(incoming)}`,
    `[ "$s" = 0 ] || exit "$s"`,
    `( cd "$b" && xargs -r -L 500 sh -c ${q(PRESENT)} sh < ${q(used)} ) || exit 1`,
  )
}

/**
 * Removes the blobs no release's blob list names (run after releases were removed, under
 * the lock: no fetch is under way). No process at all on a host that has no blob store.
 */
export function pruneBlobs(layout: Layout): string {
  const keep = `${layout.blobs}/.keep`
  return [
    `if [ -d ${q(layout.blobs)} ]; then`,
    `  { cat ${q(layout.manifests)}/*.blobs 2>/dev/null || :; } | sort -u > ${q(keep)} && ( cd ${q(layout.blobs)} && ls | sort | comm -23 - .keep | xargs -r rm -f -- ); rm -f ${q(keep)}`,
    `fi`,
  ].join('\n')
}
