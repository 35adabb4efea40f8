// Worker threads do not inherit the parent's TypeScript loader in every way the server is started
// (tsx, node --import tsx, node --test): register it here, then run the worker itself.
require('tsx/cjs/api').register();
require('./parse-worker.ts');
