/** PostgreSQL URLs, without loading the driver (the CLI tells a `--store` URL apart before it imports `pg`). */

/** Is this a PostgreSQL connection URL (for `--store`)? */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}
