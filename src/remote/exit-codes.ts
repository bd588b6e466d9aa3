/**
 * Exit codes of berth's own host scripts that mean "a state the user must see", not a
 * crash: the pipeline tells them apart from any other failure of the same command.
 */
export const EXIT = {
  currentIsDirectory: 65,
  releaseMissing: 66,
  releaseExists: 67,
  sharedThroughSymlink: 68,
} as const
