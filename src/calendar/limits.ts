/** How large an `ics:` calendar file may be: a company calendar is kilobytes; a file past this is refused, not truncated. */
export const MAX_ICS_BYTES = 1024 * 1024;
export const MAX_ICS_EVENTS = 10_000;
