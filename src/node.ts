/** muse-oplog/node: Node-only storage. */
export * from './index.js';
