/** A stored timestamp as ISO 8601 for API views, null when absent. */
export const iso = (d: Date | string | number | null | undefined): string | null => (d === null || d === undefined ? null : new Date(d).toISOString());
