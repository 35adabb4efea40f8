/**
 * Layer rules: imports point inward only. transport → live → room → lib; storage and backplane never
 * import live; the browser (app, components, client) never imports server code; lib imports nothing of ours
 * but lib. `npm run lint:layers` checks them (part of `npm test`).
 */
const server = (dir) => `^server/${dir}/`;

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes two modules one: break it with a port or by moving the shared part down.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'lib-is-the-bottom',
      severity: 'error',
      comment: 'lib/ is shared by server and browser: it imports only lib/ and packages.',
      from: { path: '^lib/' },
      to: { path: '^(server|client|components|app)/' },
    },
    {
      name: 'browser-never-imports-server',
      severity: 'error',
      from: { path: '^(app|components|client)/' },
      to: { path: '^server/' },
    },
    {
      name: 'room-is-pure',
      severity: 'error',
      comment: 'The room knows nothing about sockets, HTTP, SQL or other instances: only lib/, its own files and the store types.',
      from: { path: server('room') },
      to: { path: '^server/', pathNot: ['^server/room/', '^server/storage/store\\.ts$', '^server/credentials\\.ts$'] },
    },
    {
      name: 'live-below-transports',
      severity: 'error',
      comment: 'live/ declares the ports transports implement; it never imports them, the HTTP layer or jobs.',
      from: { path: server('live') },
      to: { path: '^server/(transport|http|jobs|exports)/' },
    },
    {
      name: 'transport-beside-http',
      severity: 'error',
      comment: 'Transports enter through the live gateway; they do not import the HTTP layer, storage or rooms.',
      from: { path: server('transport') },
      to: { path: '^server/(http|storage|room|backplane|jobs)/' },
    },
    {
      name: 'backplane-never-imports-live',
      severity: 'error',
      from: { path: server('backplane') },
      to: { path: '^server/(live|transport|http|jobs|exports)/' },
    },
    {
      name: 'storage-never-imports-live',
      severity: 'error',
      comment: 'Storage knows rows and formats, not rooms, sessions or requests.',
      from: { path: server('storage') },
      to: { path: '^server/(live|room|transport|http|backplane|jobs|exports|limits)/' },
    },
    {
      name: 'limits-are-leaves',
      severity: 'error',
      from: { path: server('limits') },
      to: { path: '^server/', pathNot: '^server/limits/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.next|test-results|bench/results)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
