import { apiSecretFiles, tokenFingerprint, type ApiToken, type TokenSource } from './api-token.js';
import type { StackPaths } from './paths.js';
import type { ApiState } from './state.js';

/** The stack's HTTP API as `kingly up` reports it. */
export interface ApiReport {
  readonly pid: number;
  /** Its PM2 app name. */
  readonly app: string;
  /** e.g. http://127.0.0.1:7077 */
  readonly url: string;
  readonly log: string;
  /** The bearer token it takes; left out when it runs with another token than this invocation has (see note). */
  readonly token?: string;
  /** Where its token came from: KINGLY_API_TOKEN, or the token file `kingly up` made. */
  readonly tokenSource: TokenSource;
  /** The token file, when the token is kept there (mode 0600). */
  readonly tokenFile?: string;
  /** Set when the API was running already with another port or token than this invocation asked for. */
  readonly note?: string;
}

const describeSource = (source: TokenSource, home: string): string =>
  source === 'env' ? '$KINGLY_API_TOKEN' : apiSecretFiles(home).tokenFile;

/** What `kingly up` says of the API: where, and the token when it is the one the API takes. */
export function apiReport(
  paths: StackPaths,
  api: ApiState & { readonly pid: number; readonly app: string },
  token: ApiToken | undefined,
  askedPort: number | undefined,
): ApiReport {
  const matches = token !== undefined && tokenFingerprint(token.token) === api.tokenFingerprint;
  const notes: string[] = [];
  if (!matches) {
    notes.push(
      `it takes the token it was started with (from ${describeSource(api.tokenSource, paths.home)}), ` +
        (token ? `not the one from ${describeSource(token.source, paths.home)}` : 'and there is none now'),
    );
  }
  if (askedPort !== undefined && askedPort !== api.port) notes.push(`it listens on port ${api.port}, not ${askedPort}`);
  return {
    pid: api.pid,
    app: api.app,
    url: api.url,
    log: paths.apiLog,
    ...(matches ? { token: token.token } : {}),
    tokenSource: api.tokenSource,
    ...(api.tokenSource === 'file' ? { tokenFile: apiSecretFiles(paths.home).tokenFile } : {}),
    ...(notes.length > 0 ? { note: `the API was running already: ${notes.join('; ')}; 'kingly down' then 'kingly up' restarts it` } : {}),
  };
}
