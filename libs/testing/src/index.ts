export * from './wait-for.js';
export * from './redis-server.js';
export * from './processes.js';
export * from './fixtures.js';
export * from './temp.js';
export * from './git-repo.js';
export * from './hostile-specs.js';
export * from './fixture-agent.js';
