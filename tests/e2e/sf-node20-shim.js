// sf-node20-shim.js - lets the Salesforce CLI (@salesforce/cli) start on
// Node 20, for t13_schema.sh: its HTTP library (undici) refers at load time
// to zlib's zstd functions and worker_threads.markAsUncloneable, which
// arrived in Node 22/23.  `sf project convert source` needs neither.
const zlib = require('zlib');
if (!zlib.createZstdDecompress) {
  const missing = () => { throw new Error('zstd is not available in this Node'); };
  zlib.createZstdDecompress = missing;
  zlib.createZstdCompress = missing;
  zlib.constants.ZSTD_d_windowLogMax = zlib.constants.ZSTD_d_windowLogMax || 100;
}
const wt = require('worker_threads');
if (!wt.markAsUncloneable) wt.markAsUncloneable = () => {};
