#!/usr/bin/env node
// Placeholder until the fs adapter lands (issue 3): the CLI entry point.
console.error('muse-oplog CLI: not built yet');
process.exit(2);
